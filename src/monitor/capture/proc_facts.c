// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cgroup.h"
#include "lib/procinfo.h"
#include "lib/util.h"
#include "monitor/capture/proc_facts.h"

/* Seconds between two reads of an active process's name and command line. */
#define FACTS_AGAIN 1.0

/* A cgroup's path, read once per id. */
static const char *cgroup_path(struct htab *cache, uint64_t id)
{
	char path[4096], *cached = htab_get(cache, &id);

	if (!cached && cgroup_path_of(id, path, sizeof(path)) == 0) {
		cached = strdup(path);
		if (cached && htab_put(cache, &id, cached)) {
			free(cached);
			cached = NULL;
		}
	}
	return cached;
}

/*
 * A process that moved traffic this interval is looked at again while alive:
 * it may have exec'ed (a shell's exec, timeout's child, a shim) and is
 * reported, and found by --filter, under its newest name and command line.
 */
static void refresh(struct np_proc *p, struct capture *cap, double now)
{
	char buf[4096], *cmd;

	if (p->is_unknown || traffic_zero(&p->interval) || now - p->info_at < FACTS_AGAIN)
		return;
	p->info_at = now;
	if (procinfo_comm(p->pid, p->start_ns, buf, sizeof(buf)) == 0)
		snprintf(p->comm, sizeof(p->comm), "%.*s", (int)sizeof(p->comm) - 1, buf);
	if (cap && (cmd = procinfo_cmdline(p->pid, p->start_ns))) {
		free(p->cmdline);
		p->cmdline = cmd;
	}
}

void proc_facts_fill(struct np_model *m, struct htab *cg_cache, struct capture *cap)
{
	double now = now_monotonic();
	size_t i = 0;
	void *v;

	while (htab_next(&m->procs, &i, NULL, &v)) {
		struct np_proc *p = v;
		char buf[4096];
		const char *cg;

		if (p->info_done) {
			refresh(p, cap, now);
			continue;
		}
		p->info_done = true;
		p->info_at = now;
		if (!p->is_unknown && procinfo_comm(p->pid, p->start_ns, buf, sizeof(buf)) == 0)
			snprintf(p->comm, sizeof(p->comm), "%.*s", (int)sizeof(p->comm) - 1, buf);
		if (!p->is_unknown)
			p->netns = procinfo_netns(p->pid);
		if (cap) {
			p->cmdline = procinfo_cmdline(p->pid, p->start_ns);
			/* Gone already: the kernel may have kept its command line. */
			if (!p->cmdline && cap->cmdline &&
			    cap->cmdline(cap, p->pid, p->start_ns, buf, sizeof(buf)) == 0)
				p->cmdline = strdup(buf);
		}
		if ((cg = cgroup_path(cg_cache, p->cgroup_id)))
			p->cgroup_path = strdup(cg);
	}
}
