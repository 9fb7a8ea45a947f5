/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's own counters for this network namespace, by nstat's names:
 * /proc/net/snmp and /proc/net/netstat ("TcpExtListenOverflows",
 * "UdpRcvbufErrors"), /proc/net/snmp6 ("Ip6InNoRoutes"), the per-CPU tables
 * of /proc/net/stat summed ("ConntrackInvalid", "ArpUnresolvedDiscards") and
 * the conntrack table's fill ("ConntrackCount", "ConntrackMax"), IPsec's
 * /proc/net/xfrm_stat ("XfrmInPolBlock"), and from the TCP tables
 * "SockTcpTimeWait", "SockTcpLocalPortsInRange" (distinct local ports of
 * non-listening sockets inside ip_local_port_range) and "LocalPortRangeSize".
 * Reading them needs no privilege, so these rules run without BPF.
 */
#ifndef NETOPROC_COUNTERS_H
#define NETOPROC_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct counter {
	char name[64];
	uint64_t value;
};

struct counters {
	struct counter *c;	/* sorted by name */
	size_t n;
};

/* Everything readable under @procnet ("/proc/net") and @sysnet ("/proc/sys/net"). */
int counters_read(struct counters *out, const char *procnet, const char *sysnet);
void counters_free(struct counters *cs);
/* The value of @name: true if known. */
bool counters_get(const struct counters *cs, const char *name, uint64_t *value);

/* Parsers, exposed for tests: each adds to @cs, 0 or -errno. */
int counters_parse_snmp(struct counters *cs, const char *text);	/* "Tcp: A B\nTcp: 1 2" */
int counters_parse_snmp6(struct counters *cs, const char *text);	/* "Ip6InReceives 5" */
/* A /proc/net/stat table: header of names, one hex row per CPU; @prefix + CamelName. */
int counters_parse_stat(struct counters *cs, const char *prefix, const char *text);
void counters_sort(struct counters *cs);

#endif
