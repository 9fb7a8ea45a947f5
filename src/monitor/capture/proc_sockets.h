/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which process holds a socket: socket inode -> (pid, start time) from
 * /proc/PID/fd, kept up to date incrementally. A lookup that misses scans,
 * in order, the hinted processes, processes not seen before, and (rate
 * limited) every known process again. With a cgroup scope only the processes
 * of that subtree are listed and scanned.
 */
#ifndef NETOPROC_PROC_SOCKETS_H
#define NETOPROC_PROC_SOCKETS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>
#include "bpf/monitor_abi.h"
#include "lib/htab.h"

#define PS_YOUNG_MAX 64

struct proc_sockets {
	struct htab inodes;	/* socket inode (u64) -> struct ps_ino */
	struct htab pids;	/* pid (u32) -> struct ps_pid */
	struct htab scope_ids;	/* cgroup id -> inside or outside the scope */
	struct htab facts;	/* (pid, start) -> name and command line, for the model */
	unsigned gen;		/* listing generation */
	double last_full;	/* monotonic time of the last scan of every process */
	double last_list;	/* ... and of the last listing of processes */
	uint64_t now_boot_ns;	/* CLOCK_BOOTTIME of the current listing */
	uint32_t young[PS_YOUNG_MAX];	/* known processes to scan again, after new ones */
	unsigned nyoung;
	char scope[4096];	/* cgroup directory, "" for every process */
	uint64_t fd_scans;	/* /proc/PID/fd directories read */
	uint64_t full_scans;
};

int ps_init(struct proc_sockets *ps, const char *scope_cgroup_dir);
void ps_free(struct proc_sockets *ps);
/*
 * Owner of socket @inode: 0 and @out filled (all but cgroup_id), or -ENOENT. @hints are pids
 * likely to hold it (owners of the listener an accepted socket came from).
 * @urgent: the holder may exit any moment; list processes even if we just did.
 */
int ps_find(struct proc_sockets *ps, uint32_t inode, const uint32_t *hints, int nhints,
	    bool urgent, struct np_owner *out);
/*
 * Before reporting @o's traffic: its name as it is now (it may have exec'ed
 * since its socket was found); unchanged if it is gone.
 */
void ps_refresh_owner(struct proc_sockets *ps, struct np_owner *o);
/*
 * The command line of (@pid, @start_ns) as read when one of its sockets was
 * found (and again after an exec), for processes gone before the model asks:
 * 0, or -ENOENT.
 */
int ps_cmdline(struct proc_sockets *ps, uint32_t pid, uint64_t start_ns, char *buf, size_t size);
/* Housekeeping, once a second or so: forget the inodes of closed sockets now and then. */
void ps_tick(struct proc_sockets *ps);
/* Is cgroup @id inside the scope? Always true without a scope or without an id. */
bool ps_in_scope(struct proc_sockets *ps, uint64_t cgroup_id);

#endif
