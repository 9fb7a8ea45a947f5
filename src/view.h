/* SPDX-License-Identifier: GPL-2.0-only */
/* Choosing and ordering what a view shows: --pid, --filter, --sort. */
#ifndef NETOPROC_VIEW_H
#define NETOPROC_VIEW_H

#include <stddef.h>
#include "model.h"
#include "monitor.h"

struct view {
	struct np_proc **procs;
	size_t n;
	struct np_traffic sum;	/* of the rows shown */
	bool use_interval;	/* interval counters rather than totals */
};

int view_build(struct view *v, struct np_model *m, const struct monitor_opts *o,
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

/* Exposed for unit tests. */
bool view_name_matches(const char *name, const char *pattern);

#endif
