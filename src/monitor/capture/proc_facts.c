// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "containers/ct_meta.h"
#include "lib/cgroup.h"
#include "lib/procinfo.h"
#include "monitor/capture/proc_facts.h"

/* What one cgroup id says, read once: its path and the container it names. */
struct cg_facts {
	struct ct_info ct;
	char path[];
};

static const struct cg_facts *cgroup_facts(struct htab *cache, uint64_t id)
{
	struct cg_facts *f = htab_get(cache, &id);
	char path[4096];

	if (!f && cgroup_path_of(id, path, sizeof(path)) == 0) {
		f = malloc(sizeof(*f) + strlen(path) + 1);
		if (!f)
			return NULL;
		strcpy(f->path, path);
		ct_meta_lookup(ct_meta_root(), path, &f->ct);
		if (htab_put(cache, &id, f)) {
			free(f);
			f = NULL;
		}
	}
	return f;
}

/*
 * The container of @p: from its v2 cgroup (the kernel's id, exact even for a process
 * already gone), else, on a hybrid host, from the v1 hierarchies of a live process.
 */
static struct ct_info *container_of(const struct np_proc *p, const struct cg_facts *f)
{
	struct ct_info *ct = malloc(sizeof(*ct));

	if (!ct)
		return NULL;
	if (f)
		*ct = f->ct;
	else
		memset(ct, 0, sizeof(*ct));
	if (ct->ident.runtime == CT_NONE && procinfo_alive(p->pid, p->start_ns)) {
		struct ct_info v1;

		if (ct_meta_lookup_v1(ct_meta_root(), p->pid, &v1) &&
		    procinfo_alive(p->pid, p->start_ns)) {
			/* the unit stays the v2 path's: systemd's own hierarchy */
			memcpy(v1.ident.unit, ct->ident.unit, sizeof(v1.ident.unit));
			*ct = v1;
		}
	}
	return ct;
}

void proc_facts_fill(struct np_model *m, struct htab *cg_cache, struct capture *cap)
{
	size_t i = 0;
	void *v;

	while (htab_next(&m->procs, &i, NULL, &v)) {
		struct np_proc *p = v;
		const struct cg_facts *f;
		char buf[4096];

		if (p->info_done)
			continue;
		p->info_done = true;
		if (!p->is_unknown && procinfo_comm(p->pid, p->start_ns, buf, sizeof(buf)) == 0)
			snprintf(p->comm, sizeof(p->comm), "%.*s", (int)sizeof(p->comm) - 1, buf);
		if (!p->is_unknown) {
			/* checked after the read: a pid reused meanwhile is another process */
			uint64_t ns = procinfo_netns(p->pid);

			if (ns && procinfo_alive(p->pid, p->start_ns))
				p->netns = ns;
		}
		if (cap) {
			p->cmdline = procinfo_cmdline(p->pid, p->start_ns);
			/* Gone already: the kernel may have kept its command line. */
			if (!p->cmdline && cap->cmdline &&
			    cap->cmdline(cap, p->pid, p->start_ns, buf, sizeof(buf)) == 0)
				p->cmdline = strdup(buf);
		}
		f = cgroup_facts(cg_cache, p->cgroup_id);
		if (f)
			p->cgroup_path = strdup(f->path);
		if (!p->is_unknown)
			p->ct = container_of(p, f);
	}
}
