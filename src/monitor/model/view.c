// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lib/util.h"
#include "monitor/model/view.h"

bool view_name_matches(const char *name, const char *pattern)
{
	size_t nl = strlen(name), pl = strlen(pattern);

	if (pl == 0)
		return true;
	for (size_t i = 0; i + pl <= nl; i++) {
		size_t j = 0;

		while (j < pl && tolower((unsigned char)name[i + j]) ==
				 tolower((unsigned char)pattern[j]))
			j++;
		if (j == pl)
			return true;
	}
	return false;
}

bool view_pid_wanted(const struct view_opts *o, uint32_t pid)
{
	for (int i = 0; i < o->npids; i++)
		if (pid == o->pids[i])
			return true;
	return !o->npids;
}

static bool selected(const struct np_proc *p, const struct view_opts *o)
{
	if (o->npids && (p->is_unknown || !view_pid_wanted(o, p->pid)))
		return false;
	if (o->filter && !view_name_matches(p->comm, o->filter))
		return false;
	return true;
}

/* qsort has no context argument in C11: the sort state lives here for one call. */
static const struct view *sort_view;
static enum sort_key sort_by;

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int cmp_procs(const void *pa, const void *pb)
{
	const struct np_proc *a = *(struct np_proc *const *)pa;
	const struct np_proc *b = *(struct np_proc *const *)pb;
	int r = 0;

	switch (sort_by) {
	case SORT_TRAFFIC:
		r = cmp_u64_desc(traffic_bytes(view_traffic(sort_view, a)),
				 traffic_bytes(view_traffic(sort_view, b)));
		break;
	case SORT_PID:
		/* unknown (pid 0) last */
		r = a->is_unknown != b->is_unknown ? a->is_unknown - b->is_unknown :
		    a->pid < b->pid ? -1 : a->pid > b->pid;
		break;
	case SORT_NAME:
		r = strcasecmp(a->comm, b->comm);
		break;
	case SORT_CONNECTIONS:
		r = cmp_u64_desc(a->nconns, b->nconns);
		break;
	}
	if (r)
		return r;
	/* Stable, meaningful tie-breaks: by pid then by start time. */
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->start_ns < b->start_ns ? -1 : a->start_ns > b->start_ns;
}

int view_build(struct view *v, struct np_model *m, const struct view_opts *o,
	       bool use_interval)
{
	struct np_proc **all;
	size_t n = model_list_procs(m, &all), k = 0;

	memset(v, 0, sizeof(*v));
	v->use_interval = use_interval;
	if (!all)
		return n ? -1 : 0;
	for (size_t i = 0; i < n; i++) {
		const struct np_traffic *t = use_interval ? &all[i]->interval : &all[i]->total;

		if (!selected(all[i], o))
			continue;
		/* The unknown row shows only when it carried traffic. */
		if (all[i]->is_unknown && traffic_zero(t))
			continue;
		/*
		 * With --interface only packets through it are counted; payload is
		 * per socket, so a process with no packets there is not shown.
		 */
		if (o->hide_idle && !traffic_bytes(t))
			continue;
		all[k++] = all[i];
		traffic_add(&v->sum, t);
	}
	sort_view = v;
	sort_by = o->sort;
	qsort(all, k, sizeof(*all), cmp_procs);
	v->procs = all;
	v->n = k;
	return 0;
}

void view_free(struct view *v)
{
	free(v->procs);
	v->procs = NULL;
}

int view_parse_pids(const char *arg, struct view_opts *o)
{
	char buf[1024], *save = NULL, *tok;
	uint64_t v;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (parse_u64(tok, 1, 4194304, &v)) {
			np_err("invalid value '%s' for --pid", tok);
			return -EINVAL;
		}
		if (o->npids == MAX_PIDS) {
			np_err("too many --pid values (at most %d)", MAX_PIDS);
			return -EINVAL;
		}
		o->pids[o->npids++] = v;
	}
	if (!o->npids) {
		np_err("invalid value '%s' for --pid", arg);
		return -EINVAL;
	}
	return 0;
}
