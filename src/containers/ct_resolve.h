/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The container, pod and unit of a packet event (`netoproc trace`, `netoproc drop`):
 * from the process it was handled for (process context), else from its network
 * namespace, through the processes in it: what they all share (one container: it;
 * containers of one pod: the pod; one unit: the unit). The host's namespace, shared by
 * many units, names nothing; neither does one whose processes are gone. Results are cached: a process's for 2 s, namespaces until a
 * namespace not seen before arrives (at most one /proc walk a second).
 */
#ifndef NETOPROC_CT_RESOLVE_H
#define NETOPROC_CT_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>
#include "containers/ct_meta.h"
#include "lib/htab.h"

struct ct_resolver {
	const char *root;	/* metadata root (ct_meta_root()) */
	struct htab by_pid;	/* u32 -> struct ct_cached */
	struct htab by_netns;	/* u64 -> struct ct_cached */
	struct htab by_path;	/* u64 hash of a cgroup path -> struct ct_info: one lookup each */
	double netns_scan;	/* monotonic time of the last /proc walk */
};

int ct_resolver_init(struct ct_resolver *r);
void ct_resolver_free(struct ct_resolver *r);
/*
 * The identity of an event of process @pid (0: not in process context) in namespace
 * @netns (0: unknown) at monotonic @now; NULL when neither names anything. Valid until
 * the next call.
 */
const struct ct_info *ct_resolve(struct ct_resolver *r, uint32_t pid, uint64_t netns, double now);
/* --container ID-or-name-prefix: does @ct match @want? */
bool ct_matches(const struct ct_info *ct, const char *want);
/* Two processes' identities into what both share (fields that differ emptied). */
void ct_merge(struct ct_info *into, const struct ct_info *other);

/*
 * --container for commands filtering in the kernel by namespace (`latency`): the network
 * namespace inode of the running processes of the container(s) @want matches, with one
 * of them in @which. 0; -ENOENT: no process of such a container runs; -EMLINK: its
 * processes are in more than one namespace (@netns: one of them).
 */
int ct_container_netns(struct ct_resolver *r, const char *want, uint64_t *netns,
		       struct ct_info *which);

#endif
