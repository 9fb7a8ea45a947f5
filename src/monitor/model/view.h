/* SPDX-License-Identifier: GPL-2.0-only */
/* Choosing and ordering what a view shows: --pid, --filter, --sort. */
#ifndef NETOPROC_VIEW_H
#define NETOPROC_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "monitor/model/model.h"

enum sort_key { SORT_TRAFFIC, SORT_PID, SORT_NAME, SORT_CONNECTIONS };
/* --group: rows by process (none), or summed by one of these keys. Keep in sync with group_names. */
enum group_key { GROUP_PROCESS, GROUP_CONTAINER, GROUP_POD, GROUP_CGROUP, GROUP_UNIT, GROUP_NETNS,
		 GROUP_MAX };

#define MAX_PIDS 64
#define VIEW_NETNS_MAX 64

/* Which rows a view shows, and in what order. */
struct view_opts {
	uint32_t pids[MAX_PIDS];	/* --pid: only these */
	int npids;
	const char *filter;		/* --filter: name contains this (any case) */
	enum sort_key sort;
	bool hide_idle;			/* --interface: no row without packets through it */
	enum group_key group;		/* --group */
	const char *container;		/* --container: id or name starts with this */
	uint64_t netns[VIEW_NETNS_MAX];	/* --netns: only these namespaces (inodes) */
	int nnetns;
	bool netns_all;			/* --netns all: every one (AF_PACKET: a ring in each) */
	const char *unit;		/* --unit: this systemd unit (NAME, NAME.service, NAME.scope) */
};

/* Processes summed under one --group key. */
struct view_group {
	char key[4096];			/* "" when the members have none (host processes) */
	bool unknown;			/* the unknown row, alone in its group */
	struct np_proc **members;	/* in the view's order */
	size_t n;
	struct np_traffic sum;
	unsigned nconns;
};

struct view {
	struct np_proc **procs;
	size_t n;
	struct np_traffic sum;	/* of the rows shown */
	bool use_interval;	/* interval counters rather than totals */
	enum group_key group;	/* --group: how the outputs sum the rows */
};

int view_build(struct view *v, struct np_model *m, const struct view_opts *o,
	       bool use_interval);
void view_free(struct view *v);
static inline const struct np_traffic *view_traffic(const struct view *v, const struct np_proc *p)
{
	return v->use_interval ? &p->interval : &p->total;
}
static inline const struct np_traffic *view_conn_traffic(const struct view *v,
							 const struct np_conn *c)
{
	return v->use_interval ? &c->interval : &c->total;
}

/* Does @p pass --pid, --filter, --container, --netns and --unit? */
bool view_proc_selected(const struct np_proc *p, const struct view_opts *o);
/* The --group key of @p into @buf; false (and "") when it has none. */
bool view_group_key(const struct np_proc *p, enum group_key g, char *buf, size_t size);
/* The view's rows summed by @g, largest first (the unknown row last). */
int view_groups(const struct view *v, enum group_key g, struct view_group **out, size_t *n);
void view_groups_free(struct view_group *groups, size_t n);
const char *view_group_name(enum group_key g);

/* --group, --netns INODE|PATH|NAME, --container, --unit into @o; -EINVAL with the error printed. */
int view_parse_group(const char *arg, struct view_opts *o);
int view_parse_netns(const char *arg, struct view_opts *o);
int view_parse_container(const char *arg, struct view_opts *o);
int view_parse_unit(const char *arg, struct view_opts *o);

/* --pid PID[,PID...] into @o (repeatable); -EINVAL with the error printed. */
int view_parse_pids(const char *arg, struct view_opts *o);
/* Is @pid one of --pid's (or was no --pid given)? */
bool view_pid_wanted(const struct view_opts *o, uint32_t pid);

/* Exposed for unit tests. */
bool view_name_matches(const char *name, const char *pattern);

#endif
