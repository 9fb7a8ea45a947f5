/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Network namespaces of this host, each visited once: for the kernel's socket
 * table iterators, which see only the namespace of whoever starts them.
 */
#ifndef NETOPROC_NETNS_H
#define NETOPROC_NETNS_H

#include <stdint.h>

/*
 * Call @fn in every network namespace that a process is in or that is pinned
 * under /run/netns, ours first, and come back to ours. Stops at the first
 * nonzero return of @fn and returns it; -errno if we cannot come back.
 * *@skipped counts namespaces that could not be entered (gone meanwhile).
 */
int netns_for_each(int (*fn)(void *arg), void *arg, unsigned *skipped);

/*
 * TCP and UDP sockets (IPv4 and IPv6, TCP's TIME_WAIT included) hashed in the
 * namespace we are in now, from /proc/thread-self/net/sockstat{,6}: a
 * namespace with none need not have its socket tables walked, and each walk
 * visits every bucket of the host's whole table. -1 if the counts cannot be read.
 */
int netns_sockets_in_use(unsigned *tcp, unsigned *udp);
/* The same files opened in the namespace we are in now, to be read later from any (0, or -1). */
int netns_sockstat_open(int fds[2]);
/*
 * netns_sockets_in_use() of the namespace @fds were opened in, by family:
 * [0] IPv4 (sockstat), [1] IPv6 (sockstat6). TCP's TIME_WAIT count, one
 * figure for both, goes to [0] alone.
 */
int netns_sockstat_read_by_family(const int fds[2], unsigned tcp[2], unsigned udp[2]);
/*
 * The "TCP:"/"TCP6:" (in use and TIME_WAIT) and "UDP:"/"UDP6:" (in use)
 * figures of sockstat text, added to *tcp, *udp.
 */
void netns_parse_sockstat(const char *text, unsigned *tcp, unsigned *udp);

/*
 * The network namespaces of this host (inodes: ours first, then those a process is
 * in or pinned under /run/netns), at most @max; returns how many.
 */
int netns_inodes(uint64_t *out, int max);
/* An open descriptor of namespace @ino (found under /run/netns or /proc), or -ENOENT. */
int netns_open_inode(uint64_t ino);

#endif
