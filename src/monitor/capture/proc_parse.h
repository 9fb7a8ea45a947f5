/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The two texts proc_sockets.c reads to find who holds a socket, parsed
 * without I/O (and fuzzed: tests/fuzz/fuzz_proc_parsers.c): a cgroup's
 * cgroup.procs (one pid per line) and the target of a /proc/PID/fd link
 * ("socket:[INODE]").
 */
#ifndef NETOPROC_PROC_PARSE_H
#define NETOPROC_PROC_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's largest pid (PID_MAX_LIMIT, 4 Mi): anything above is not a pid. */
#define PROC_PID_MAX 4194304u

/*
 * The next pid of a cgroup.procs text in [*pos, end): 1 with *pid and *pos
 * past its line, 0 at the end. A line that is not a pid (empty, not all
 * decimal digits, 0, above PROC_PID_MAX, a leading zero or sign) is skipped.
 */
int proc_next_pid(const char **pos, const char *end, uint32_t *pid);
/*
 * The socket inode a /proc/PID/fd link's @n bytes at @link name: exactly
 * "socket:[INODE]" with INODE decimal, 1..UINT32_MAX (sock_diag's inodes are
 * 32-bit), no leading zero; else 0.
 */
uint32_t proc_socket_inode(const char *link, size_t n);

#endif
