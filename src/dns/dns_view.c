// SPDX-License-Identifier: GPL-2.0-only
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "dns/dns_view.h"
#include "monitor/model/output.h"

void dns_view_init(struct dns_view *v, const struct dns_counters *counters)
{
	memset(v, 0, sizeof(*v));
	v->counters = counters;
}

static struct dns_view_resolver *resolver(struct dns_view *v, const char *name)
{
	for (unsigned i = 0; i < v->nresolvers; i++)
		if (!strcmp(v->resolvers[i].name, name))
			return &v->resolvers[i];
	if (v->nresolvers == DNS_VIEW_RESOLVERS)
		return NULL;
	_Static_assert(sizeof(v->resolvers[0].name) == sizeof(v->log[0].resolver), "same text");
	memcpy(v->resolvers[v->nresolvers].name, name, sizeof(v->resolvers[0].name));
	return &v->resolvers[v->nresolvers++];
}

void dns_view_add(void *ctx, const struct dns_event *e)
{
	struct dns_view *v = ctx;
	struct dns_view_query *q = &v->log[v->head];
	struct np_endpoint ep = { .port = e->resolver_port };
	struct dns_view_resolver *r;
	char addr[64];

	memcpy(ep.addr, e->resolver, 16);
	output_format_endpoint(addr, sizeof(addr), &ep, true);
	memset(q, 0, sizeof(*q));
	q->time = e->query_real;
	q->pid = e->has_owner ? e->owner.tgid : 0;
	snprintf(q->comm, sizeof(q->comm), "%.15s", e->has_owner ? e->owner.comm : "-");
	snprintf(q->qname, sizeof(q->qname), "%.*s", (int)sizeof(q->qname) - 1, e->qname);
	dns_type_name(e->qtype, q->type, sizeof(q->type));
	if (e->rcode >= 0)
		dns_rcode_name(e->rcode, q->rcode, sizeof(q->rcode));
	q->latency_ms = e->latency_ms;
	q->timeout = e->timeout;
	snprintf(q->resolver, sizeof(q->resolver), "%.48s/%s", addr,
		 e->protocol == IPPROTO_TCP ? "tcp" : "udp");
	v->head = (v->head + 1) % DNS_VIEW_LOG;
	if (v->n < DNS_VIEW_LOG)
		v->n++;
	if (!(r = resolver(v, q->resolver))) {
		v->other_resolvers++;
		return;
	}
	r->queries++;
	if (e->timeout)
		r->timeouts++;
	else if (e->rcode > 0)
		r->failures++;
	if (e->latency_ms >= 0) {
		r->answered++;
		r->latency_sum += e->latency_ms;
		if (e->latency_ms > r->latency_max)
			r->latency_max = e->latency_ms;
	}
}

const struct dns_view_query *dns_view_recent(const struct dns_view *v, unsigned i)
{
	if (i >= v->n)
		return NULL;
	return &v->log[(v->head + DNS_VIEW_LOG - 1 - i) % DNS_VIEW_LOG];
}
