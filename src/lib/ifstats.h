/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The network interfaces of this process's network namespace, as the kernel
 * counts them: flags and addresses (getifaddrs) and the 64-bit counters of
 * /proc/net/dev (per namespace, unlike /sys/class/net, which follows the
 * namespace sysfs was mounted in).
 */
#ifndef NETOPROC_IFSTATS_H
#define NETOPROC_IFSTATS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ifstat {
	char name[IF_NAMESIZE];
	bool up;		/* IFF_UP */
	bool running;		/* IFF_RUNNING: carrier */
	bool loopback;
	char addrs[192];	/* "127.0.0.1/8 ::1/128", space-separated */
	uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
	uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
};

/* Every interface, in /proc/net/dev order, into a malloc'ed array: count or -errno. */
int ifstats_read(struct ifstat **out);
/* Parse one /proc/net/dev data line ("  lo: 1 2 ..."): 0 or -EINVAL. Exposed for tests. */
int ifstats_parse_line(const char *line, struct ifstat *s);
/* "UP", "DOWN" or "NO-CARRIER" (up, no carrier). */
const char *ifstats_state(const struct ifstat *s);

#endif
