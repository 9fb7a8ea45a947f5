// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cgroup.h"
#include "lib/procinfo.h"
#include "monitor/capture/proc_facts.h"

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

void proc_facts_fill(struct np_model *m, struct htab *cg_cache, struct capture *cap)
{
	size_t i = 0;
	void *v;

	while (htab_next(&m->procs, &i, NULL, &v)) {
		struct np_proc *p = v;
		char buf[4096];
		const char *cg;

		if (p->info_done)
			continue;
		p->info_done = true;
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
