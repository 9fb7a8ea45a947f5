/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the live view's DNS tab shows, kept as queries complete: the resolvers
 * in use (queries, failures, timeouts, latency) and the newest queries.
 * Bounded: a fixed log and at most DNS_VIEW_RESOLVERS resolvers (the rest
 * counted as other).
 */
#ifndef NETOPROC_DNS_VIEW_H
#define NETOPROC_DNS_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include "dns/dns_track.h"

#define DNS_VIEW_LOG		512
#define DNS_VIEW_RESOLVERS	32

struct dns_view_query {
	double time;			/* realtime */
	uint32_t pid;			/* 0: no owner found */
	char comm[16];
	char qname[96];
	char type[12];
	char rcode[12];			/* "" when no answer */
	double latency_ms;		/* < 0: none */
	bool timeout;
	char resolver[56];		/* "addr:port/proto" */
};

struct dns_view_resolver {
	char name[56];
	uint64_t queries, failures, timeouts, answered;
	double latency_sum, latency_max;	/* of the answered, ms */
};

struct dns_view {
	struct dns_view_query log[DNS_VIEW_LOG];	/* ring: newest at (head - 1) */
	unsigned head, n;
	struct dns_view_resolver resolvers[DNS_VIEW_RESOLVERS];
	unsigned nresolvers;
	uint64_t other_resolvers;	/* queries to resolvers past the table's room */
	const struct dns_counters *counters;	/* the tracker's */
};

void dns_view_init(struct dns_view *v, const struct dns_counters *counters);
/* A completed (or timed-out) query: the dns_event_fn of the tracker, @ctx the view. */
void dns_view_add(void *ctx, const struct dns_event *e);
/* The @i-th newest query (0: newest), or NULL. */
const struct dns_view_query *dns_view_recent(const struct dns_view *v, unsigned i);

#endif
