/* SPDX-License-Identifier: GPL-2.0-only */
/* `netoproc dns`: which process asked what, the answer and how long it took. */
#ifndef NETOPROC_DNS_CMD_H
#define NETOPROC_DNS_CMD_H

#include <stdint.h>
#include "monitor/capture/capture.h"

int cmd_dns(int argc, char **argv);
/* Its options alone, nothing opened: 0, 1 (help printed) or -errno after a one-line error. */
int dns_parse_only(int argc, char **argv);
/* --dns-port PORT: add to @ports (0-terminated, NP_DNS_PORTS_MAX). -EINVAL with the error shown. */
int dns_parse_port(const char *arg, uint16_t *ports, int *nports);

#endif
