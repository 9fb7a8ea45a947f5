/* SPDX-License-Identifier: GPL-2.0-only */
/* `netoproc probe`: what this kernel offers netoproc, and what the monitor would do. */
#ifndef NETOPROC_PROBE_CMD_H
#define NETOPROC_PROBE_CMD_H

#include <stdbool.h>

int cmd_probe(int argc, char **argv);
/* Its options alone: 0, 1 (help printed) or -EINVAL after a one-line error. */
int probe_parse_opts(int argc, char **argv, bool *json);

#endif
