// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
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

static const char *const group_names[GROUP_MAX] = {
	[GROUP_PROCESS] = "process", [GROUP_CONTAINER] = "container", [GROUP_POD] = "pod",
	[GROUP_CGROUP] = "cgroup", [GROUP_UNIT] = "unit", [GROUP_NETNS] = "netns",
};

const char *view_group_name(enum group_key g)
{
	return g < GROUP_MAX ? group_names[g] : NULL;
}

static bool in_container(const struct np_proc *p)
{
	return p->ct && p->ct->ident.runtime != CT_NONE;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* --unit NAME: the unit itself, or NAME without its .service / .scope suffix. */
static bool unit_matches(const char *unit, const char *want)
{
	size_t wl = strlen(want);

	if (!strcmp(unit, want))
		return true;
	return !strncmp(unit, want, wl) &&
	       (!strcmp(unit + wl, ".service") || !strcmp(unit + wl, ".scope"));
}

bool view_proc_selected(const struct np_proc *p, const struct view_opts *o)
{
	if (o->npids && (p->is_unknown || !view_pid_wanted(o, p->pid)))
		return false;
	if (o->filter && !view_name_matches(p->comm, o->filter))
		return false;
	/* The identity filters name processes: traffic nobody owns has none. */
	if ((o->container || o->nnetns || o->unit) && p->is_unknown)
		return false;
	if (o->container && !(in_container(p) && (starts_with(p->ct->ident.id, o->container) ||
						  (p->ct->name[0] && starts_with(p->ct->name, o->container)))))
		return false;
	if (o->nnetns) {
		int i = 0;

		while (i < o->nnetns && o->netns[i] != p->netns)
			i++;
		if (i == o->nnetns)
			return false;
	}
	if (o->unit && !(p->ct && unit_matches(p->ct->ident.unit, o->unit)))
		return false;
	return true;
}

bool view_group_key(const struct np_proc *p, enum group_key g, char *buf, size_t size)
{
	buf[0] = '\0';
	switch (g) {
	case GROUP_PROCESS:
		snprintf(buf, size, "%u/%llu", p->pid, (unsigned long long)p->start_ns);
		break;
	case GROUP_CONTAINER:
		if (in_container(p))
			snprintf(buf, size, "%s", p->ct->ident.id);
		break;
	case GROUP_POD:
		if (p->ct)
			snprintf(buf, size, "%s", p->ct->ident.pod_uid);
		break;
	case GROUP_CGROUP:
		if (p->cgroup_path)
			snprintf(buf, size, "%s", p->cgroup_path);
		break;
	case GROUP_UNIT:
		if (p->ct)
			snprintf(buf, size, "%s", p->ct->ident.unit);
		break;
	case GROUP_NETNS:
		if (p->netns)
			snprintf(buf, size, "%llu", (unsigned long long)p->netns);
		break;
	default:
		break;
	}
	return buf[0] != '\0';
}

static int cmp_groups(const void *pa, const void *pb)
{
	const struct view_group *a = pa, *b = pb;
	uint64_t ta = traffic_bytes(&a->sum), tb = traffic_bytes(&b->sum);

	if (a->unknown != b->unknown)
		return a->unknown - b->unknown;
	if (ta != tb)
		return ta < tb ? 1 : -1;
	return strcmp(a->key, b->key);
}

struct keyed {
	char *key;	/* NULL: the unknown row */
	size_t idx;	/* in the view */
};

static int cmp_keyed(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	int r = !a->key != !b->key ? (!a->key ? 1 : -1) : a->key ? strcmp(a->key, b->key) : 0;

	if (r)
		return r;
	return a->idx < b->idx ? -1 : a->idx > b->idx;	/* members keep the view's order */
}

int view_groups(const struct view *v, enum group_key g, struct view_group **out, size_t *n)
{
	struct keyed *ks = calloc(v->n ? v->n : 1, sizeof(*ks));
	struct view_group *gs = calloc(v->n ? v->n : 1, sizeof(*gs));
	struct np_proc **members = calloc(v->n ? v->n : 1, sizeof(*members));
	size_t ng = 0, i;
	int err = -ENOMEM;

	*out = NULL;
	*n = 0;
	if (!ks || !gs || !members)
		goto out;
	/* Sorted by key, runs of one key are its group: no search per process. */
	for (i = 0; i < v->n; i++) {
		char key[sizeof(gs->key)];

		ks[i].idx = i;
		if (v->procs[i]->is_unknown)
			continue;
		view_group_key(v->procs[i], g, key, sizeof(key));
		if (!(ks[i].key = strdup(key)))
			goto out;
	}
	qsort(ks, v->n, sizeof(*ks), cmp_keyed);
	for (i = 0; i < v->n; i++) {
		struct np_proc *p = v->procs[ks[i].idx];
		struct view_group *grp = ng ? &gs[ng - 1] : NULL;

		if (!grp || !ks[i].key || grp->unknown || strcmp(grp->key, ks[i].key)) {
			grp = &gs[ng++];
			grp->unknown = !ks[i].key;
			snprintf(grp->key, sizeof(grp->key), "%s", ks[i].key ? ks[i].key : "");
			grp->members = members + i;	/* one array, each group a slice of it */
		}
		grp->members[grp->n++] = p;
		traffic_add(&grp->sum, view_traffic(v, p));
		grp->nconns += p->nconns;
	}
	qsort(gs, ng, sizeof(*gs), cmp_groups);
	*out = gs;
	*n = ng;
	gs = NULL;
	if (ng)
		members = NULL;	/* the groups hold it now */
	err = 0;
out:
	for (i = 0; ks && i < v->n; i++)
		free(ks[i].key);
	free(ks);
	free(gs);
	free(members);
	return err;
}

void view_groups_free(struct view_group *groups, size_t n)
{
	struct np_proc **members = NULL;

	/* the slices' array starts at the group holding the view's first sorted row */
	for (size_t i = 0; i < n; i++)
		if (!members || groups[i].members < members)
			members = groups[i].members;
	free(members);
	free(groups);
}

int view_parse_group(const char *arg, struct view_opts *o)
{
	int i, err = np_pick(arg, "group", group_names, GROUP_MAX, &i);

	if (!err)
		o->group = i;
	return err;
}

int view_parse_netns(const char *arg, struct view_opts *o)
{
	char path[4096];
	struct stat st;
	uint64_t ino;
	int fd, type;

	if (!strcmp(arg, "all")) {
		o->netns_all = true;
		return 0;
	}
	if (o->nnetns == VIEW_NETNS_MAX) {
		np_err("too many --netns values (at most %d)", VIEW_NETNS_MAX);
		return -EINVAL;
	}
	if (arg[0] >= '0' && arg[0] <= '9') {
		if (parse_u64(arg, 1, UINT32_MAX, &ino)) {
			np_err("invalid value '%s' for --netns (an inode number, a path or a name)", arg);
			return -EINVAL;
		}
		o->netns[o->nnetns++] = ino;
		return 0;
	}
	if (!arg[0] || ((strchr(arg, '/') == NULL) && (!strcmp(arg, ".") || !strcmp(arg, "..")))) {
		np_err("invalid value '%s' for --netns (an inode number, a path or a name)", arg);
		return -EINVAL;
	}
	/* A path (/proc/PID/ns/net, a bind mount), else a name under /run/netns as ip-netns keeps them */
	snprintf(path, sizeof(path), strchr(arg, '/') ? "%s" : "/run/netns/%s", arg);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		np_err("--netns %s: %s: %s", arg, path, strerror(errno));
		return -EINVAL;
	}
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET || fstat(fd, &st)) {
		close(fd);
		np_err("--netns %s: %s is not a network namespace", arg, path);
		return -EINVAL;
	}
	close(fd);
	o->netns[o->nnetns++] = st.st_ino;
	return 0;
}

int view_parse_container(const char *arg, struct view_opts *o)
{
	if (!arg[0]) {
		np_err("invalid value '' for --container (an id or name, or the start of one)");
		return -EINVAL;
	}
	o->container = arg;
	return 0;
}

int view_parse_unit(const char *arg, struct view_opts *o)
{
	if (!arg[0] || strchr(arg, '/')) {
		np_err("invalid value '%s' for --unit (a systemd unit: NAME, NAME.service, NAME.scope)",
		       arg);
		return -EINVAL;
	}
	o->unit = arg;
	return 0;
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
	v->group = o->group;
	if (!all)
		return n ? -1 : 0;
	for (size_t i = 0; i < n; i++) {
		const struct np_traffic *t = use_interval ? &all[i]->interval : &all[i]->total;

		if (!view_proc_selected(all[i], o))
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
