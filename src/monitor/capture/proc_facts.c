// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "containers/ct_meta.h"
#include "lib/cgroup.h"
#include "lib/procinfo.h"
#include "lib/util.h"
#include "monitor/capture/proc_facts.h"

#define NAME_RETRY	2.0	/* seconds between looks for a container's name not found yet */
#define NAME_TRIES	5
/* Seconds between two reads of an active process's name and command line. */
#define FACTS_AGAIN 1.0

/*
 * What one cgroup id says: its path and the container it names, read once; a
 * container's name not there yet (kubelet links a container's log after starting it)
 * is looked for again a few times.
 */
struct cg_facts {
	struct ct_info ct;
	double looked;		/* monotonic */
	unsigned tries;
	char path[];
};

static const struct cg_facts *cgroup_facts(struct htab *cache, uint64_t id, double now)
{
	struct cg_facts *f = htab_get(cache, &id);
	char path[4096];

	if (f && f->ct.ident.runtime != CT_NONE && !f->ct.name[0] && f->tries < NAME_TRIES &&
	    now - f->looked >= NAME_RETRY) {
		ct_meta_lookup(ct_meta_root(), f->path, &f->ct);
		f->looked = now;
		f->tries++;
	}
	if (!f && cgroup_path_of(id, path, sizeof(path)) == 0) {
		f = malloc(sizeof(*f) + strlen(path) + 1);
		if (!f)
			return NULL;
		strcpy(f->path, path);
		ct_meta_lookup(ct_meta_root(), path, &f->ct);
		f->looked = now;
		f->tries = 1;
		if (htab_put(cache, &id, f)) {
			free(f);
			f = NULL;
		}
	}
	return f;
}

/* A name found after @p was first looked at: it (and its pod's names) now. */
static void late_name(struct np_proc *p, struct htab *cache, double now)
{
	const struct cg_facts *f;

	if (p->is_unknown || !p->ct || p->ct->ident.runtime == CT_NONE || p->ct->name[0])
		return;
	f = cgroup_facts(cache, p->cgroup_id, now);
	if (!f || !f->ct.name[0] || strcmp(f->ct.ident.id, p->ct->ident.id))
		return;	/* none yet, or its container came from a v1 hierarchy */
	memcpy(p->ct->name, f->ct.name, sizeof(p->ct->name));
	memcpy(p->ct->k8s_namespace, f->ct.k8s_namespace, sizeof(p->ct->k8s_namespace));
	memcpy(p->ct->pod_name, f->ct.pod_name, sizeof(p->ct->pod_name));
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
		const struct cg_facts *f;
		char buf[4096];

		if (p->info_done) {
			late_name(p, cg_cache, now);
			refresh(p, cap, now);
			continue;
		}
		p->info_done = true;
		p->info_at = now;
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
		f = cgroup_facts(cg_cache, p->cgroup_id, now);
		if (f)
			p->cgroup_path = strdup(f->path);
		if (!p->is_unknown)
			p->ct = container_of(p, f);
	}
}
