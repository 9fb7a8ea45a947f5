/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sockets of this network namespace with the kernel's per-socket drop count
 * (the last column of /proc/net/udp, udp6, raw, raw6: datagrams the socket
 * could not take, its receive buffer full or its filter refusing), and the
 * process holding a socket (its inode among /proc/PID/fd).
 */
#ifndef NETOPROC_SOCKTAB_H
#define NETOPROC_SOCKTAB_H

#include <stddef.h>
#include <stdint.h>

struct sockrow {
	uint64_t inode;
	uint64_t drops;
	char proto[8];		/* "udp", "udp6", "raw", "raw6" */
	char local[64];		/* "127.0.0.1:40000", "[::1]:53" */
	char remote[64];
};

struct socktab {
	struct sockrow *s;
	size_t n;
};

/* Every socket of the four tables under @procnet: 0 or -ENOMEM. */
int socktab_read(struct socktab *t, const char *procnet);
/* Parse one table's text (@proto names it): 0 or -errno. Exposed for tests. */
int socktab_parse(struct socktab *t, const char *proto, const char *text);
void socktab_free(struct socktab *t);
/* The drop count @inode had in @t, 0 if it was not there. */
uint64_t socktab_drops(const struct socktab *t, uint64_t inode);
/* "comm:pid" of a process holding socket @inode, or "" when none is found. */
void socktab_owner(uint64_t inode, char *buf, size_t size);

#endif
