/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command lines the kernel sent (eBPF, at a process's first socket claim),
 * kept for processes gone from /proc by the time userspace looks. They come
 * through a ring buffer rather than being looked up in a map: a lookup
 * syscall marks its CPU as running BPF, and on a preemptible kernel a task
 * that preempts it has its kprobe programs skipped (see monitor_maps.bpf.h).
 * The oldest entries go first once @cap are kept.
 */
#ifndef NETOPROC_CMDLINE_CACHE_H
#define NETOPROC_CMDLINE_CACHE_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>
#include "bpf/monitor_abi.h"
#include "lib/htab.h"

struct cmdline_cache {
	struct htab by_proc;		/* np_proc_key -> malloc'ed text */
	struct np_proc_key *order;	/* insertion order, a ring of cap */
	size_t cap, head, n;
};

int cmdline_cache_init(struct cmdline_cache *c, size_t cap);
void cmdline_cache_free(struct cmdline_cache *c);
/* Keep @len bytes of NUL-separated arguments for (tgid, start_ns). 0 or -ENOMEM. */
int cmdline_cache_put(struct cmdline_cache *c, uint32_t tgid, uint64_t start_ns,
		      const char *args, size_t len);
/* The command line as text into @buf: 0, or -ENOENT when none was kept. */
int cmdline_cache_get(const struct cmdline_cache *c, uint32_t tgid, uint64_t start_ns,
		      char *buf, size_t size);
/*
 * NUL-separated arguments (as /proc/PID/cmdline holds them) as one line with
 * spaces, trailing NULs dropped, cut to @size - 1 bytes. Returns its length.
 */
size_t cmdline_args_text(char *buf, size_t size, const char *args, size_t len);

#endif
