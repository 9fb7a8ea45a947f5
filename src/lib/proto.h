/* SPDX-License-Identifier: GPL-2.0-only */
/* IP protocol numbers and their names: the one table every output uses. */
#ifndef NETOPROC_PROTO_H
#define NETOPROC_PROTO_H

#include <stdint.h>

/* "tcp", "udp", "icmp", "icmp6", ... for IP protocol @proto; NULL when it has no name here. */
const char *ip_proto_name(uint8_t proto);

#endif
