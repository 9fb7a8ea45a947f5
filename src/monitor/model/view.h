/* SPDX-License-Identifier: GPL-2.0-only */
/* Choosing and ordering what a view shows: --pid, --filter, --sort. */
#ifndef NETOPROC_VIEW_H
#define NETOPROC_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "monitor/model/model.h"

enum sort_key { SORT_TRAFFIC, SORT_PID, SORT_NAME, SORT_CONNECTIONS };

#define MAX_PIDS 64

/* Which rows a view shows, and in what order. */
struct view_opts {
	uint32_t pids[MAX_PIDS];	/* --pid: only these */
	int npids;
	const char *filter;		/* --filter: name contains this (any case) */
	enum sort_key sort;
	bool hide_idle;			/* --interface: no row without packets through it */
};

struct view {
	struct np_proc **procs;
	size_t n;
	struct np_traffic sum;	/* of the rows shown */
	bool use_interval;	/* interval counters rather than totals */
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

/* --pid PID[,PID...] into @o (repeatable); -EINVAL with the error printed. */
int view_parse_pids(const char *arg, struct view_opts *o);
/* Is @pid one of --pid's (or was no --pid given)? */
bool view_pid_wanted(const struct view_opts *o, uint32_t pid);

/* Exposed for unit tests. */
bool view_name_matches(const char *name, const char *pattern);

#endif
