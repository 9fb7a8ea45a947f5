/* SPDX-License-Identifier: GPL-2.0-only */
/* What /proc says about a process the kernel named by (pid, start time). */
#ifndef NETOPROC_PROCINFO_H
#define NETOPROC_PROCINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One /proc/PID/stat line (NUL-terminated): its state letter and starttime
 * (clock ticks since boot), and comm (the text between the first '(' and
 * the last ')') cut to @comm_size - 1 bytes, zero-filled (@comm_size 0: not
 * wanted). 0, or -EINVAL when the line is not one. No I/O.
 */
int procinfo_parse_stat(const char *line, char *state, unsigned long long *ticks, char *comm,
			size_t comm_size);

/*
 * The command line of (pid, start_ns), or NULL when that process is gone
 * (a later process with the same pid is recognised by its start time).
 * Caller frees.
 */
char *procinfo_cmdline(uint32_t pid, uint64_t start_ns);
/* Start time of a live pid in ns since boot, at clock-tick resolution; 0 if gone. */
uint64_t procinfo_start_ns(uint32_t pid);
/*
 * The process's name (its main thread's, as ps shows it; the kernel stamps
 * sockets with the name of the thread that used them), if @pid is still the
 * process started at @start_ns. 0 or -1.
 */
int procinfo_comm(uint32_t pid, uint64_t start_ns, char *buf, size_t size);
/* The inode of the network namespace @pid is in; 0 when it is gone or hidden. */
uint64_t procinfo_netns(uint32_t pid);
/*
 * Whether (pid, start_ns) still runs: not gone, not a zombie, not replaced by a
 * later process with the same pid (start_ns 0: any process with that pid).
 */
bool procinfo_alive(uint32_t pid, uint64_t start_ns);

#endif
