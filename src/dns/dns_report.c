// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "containers/ct_resolve.h"
#include "dns/dns_report.h"
#include "lib/json_writer.h"
#include "lib/util.h"
#include "monitor/model/output.h"

#define NAME_KEY	DNS_NAME_MAX

static const char *rcode_or_null(const struct dns_event *e, char *buf, size_t size)
{
	return e->rcode < 0 ? NULL : dns_rcode_name(e->rcode, buf, size);
}

static void resolver_str(const struct dns_event *e, char *buf, size_t size)
{
	struct np_endpoint ep = { .port = e->resolver_port };

	memcpy(ep.addr, e->resolver, 16);
	output_format_endpoint(buf, size, &ep, true);
}

static const char *proto_str(const struct dns_event *e)
{
	return e->protocol == IPPROTO_TCP ? "tcp" : "udp";
}

static void print_time(FILE *out, double real)
{
	time_t sec = (time_t)real;
	struct tm tm;

	localtime_r(&sec, &tm);
	fprintf(out, "%02d:%02d:%02d.%03d ", tm.tm_hour, tm.tm_min, tm.tm_sec,
		(int)((real - floor(real)) * 1000));
}

static const char *latency_text(const struct dns_event *e, char *buf, size_t size)
{
	if (e->latency_ms >= 0)
		snprintf(buf, size, "%.2fms", e->latency_ms);
	else
		snprintf(buf, size, "%s", e->timeout ? "timeout" : "-");
	return buf;
}

void dns_report_header(FILE *out)
{
	fprintf(out, "%-12s %7s %-15s %-5s %-6s %-9s %9s %-21s %s\n", "TIME", "PID", "PROCESS",
		"PROTO", "TYPE", "RCODE", "LATENCY", "RESOLVER", "QUERY -> ANSWERS");
}

/* The asker's container id: its process's, else its namespace's (containers/ct_resolve.h). */
static const char *container_of(const struct dns_event *e)
{
	static struct ct_resolver r;
	static int ready;
	const struct ct_info *ct;

	if (!ready)
		ready = ct_resolver_init(&r) ? -1 : 1;
	if (ready < 0)
		return NULL;
	ct = ct_resolve(&r, e->has_owner ? e->owner.tgid : 0, e->netns, now_monotonic());
	return ct && ct->ident.runtime != CT_NONE ? ct->ident.id : NULL;
}

void dns_report_event(FILE *out, bool json, const struct dns_event *e)
{
	char type[16], rc[16], resolver[64], lat[24];
	const char *rcode = rcode_or_null(e, rc, sizeof(rc));
	unsigned nans = e->answer ? e->answer->nanswers : 0;

	dns_type_name(e->qtype, type, sizeof(type));
	resolver_str(e, resolver, sizeof(resolver));
	if (json) {
		struct json_writer jw;

		jw_init(&jw, out, false);
		jw_start_object(&jw);
		jw_kv_double(&jw, "time", e->query_real, 3);
		jw_kv_u64_or_null(&jw, "pid", e->has_owner, e->owner.tgid);
		jw_kv_string(&jw, "process", e->has_owner ? e->owner.comm : NULL);
		jw_kv_string(&jw, "container", container_of(e));
		jw_kv_u64_or_null(&jw, "netns", e->netns != 0, e->netns);
		jw_kv_string(&jw, "query", e->qname);
		jw_kv_string(&jw, "type", type);
		jw_kv_string(&jw, "rcode", rcode);
		jw_key(&jw, "answers");
		jw_start_array(&jw);
		for (unsigned i = 0; i < nans; i++)
			jw_string(&jw, e->answer->answers[i].text);
		jw_end_array(&jw);
		if (e->latency_ms < 0)
			jw_kv_null(&jw, "latency_ms");
		else
			jw_kv_double(&jw, "latency_ms", e->latency_ms, 3);
		jw_kv_string(&jw, "resolver", resolver);
		jw_kv_string(&jw, "proto", proto_str(e));
		jw_kv_bool(&jw, "timeout", e->timeout);
		jw_kv_u64(&jw, "retries", e->retries);
		jw_end_object(&jw);
		fputc('\n', out);
		fflush(out);
		return;
	}
	print_time(out, e->query_real);
	if (e->has_owner)
		fprintf(out, " %7u %-15s", e->owner.tgid, e->owner.comm);
	else
		fprintf(out, " %7s %-15s", "-", "-");
	fprintf(out, " %-5s %-6s %-9s %9s %-21s %s", proto_str(e), type, rcode ? rcode : "-",
		latency_text(e, lat, sizeof(lat)), resolver, e->qname);
	if (nans) {
		fputs(" ->", out);
		for (unsigned i = 0; i < nans; i++)
			fprintf(out, "%s%s", i ? ", " : " ", e->answer->answers[i].text);
	}
	fputc('\n', out);
	fflush(out);
}

/* ---- summary ----------------------------------------------------------- */

struct dns_group {
	char label[DNS_NAME_MAX];
	uint32_t pid;		/* by process */
	bool has_pid;
	uint64_t queries, failures, timeouts, unanswered;
	double *lat;		/* latencies of the answered, in ms */
	size_t nlat, cap;
};

struct proc_key {
	uint64_t start_ns;
	uint32_t pid;
	uint32_t pad;
};

int dns_summary_init(struct dns_summary *s)
{
	memset(s, 0, sizeof(*s));
	if (htab_init(&s->by_proc, sizeof(struct proc_key)) ||
	    htab_init(&s->by_name, NAME_KEY) || htab_init(&s->by_resolver, 64)) {
		dns_summary_free(s);
		return -1;
	}
	return 0;
}

static void free_groups(struct htab *h)
{
	size_t i = 0;
	void *v;

	while (htab_next(h, &i, NULL, &v))
		free(((struct dns_group *)v)->lat);
	htab_free_all(h);
}

void dns_summary_free(struct dns_summary *s)
{
	free_groups(&s->by_proc);
	free_groups(&s->by_name);
	free_groups(&s->by_resolver);
}

static struct dns_group *group(struct htab *h, const void *key, const char *label)
{
	struct dns_group *g = htab_get(h, key);

	if (g)
		return g;
	if (!(g = calloc(1, sizeof(*g))))
		return NULL;
	snprintf(g->label, sizeof(g->label), "%s", label);
	if (htab_put(h, key, g)) {
		free(g);
		return NULL;
	}
	return g;
}

static void count(struct dns_group *g, const struct dns_event *e)
{
	if (!g)
		return;
	g->queries++;
	if (e->timeout)
		g->timeouts++;
	else if (e->rcode < 0)
		g->unanswered++;
	else if (e->rcode != 0)
		g->failures++;
	if (e->latency_ms < 0)
		return;
	if (g->nlat == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		double *n = realloc(g->lat, cap * sizeof(*n));

		if (!n)
			return;
		g->lat = n;
		g->cap = cap;
	}
	g->lat[g->nlat++] = e->latency_ms;
}

void dns_summary_add(struct dns_summary *s, const struct dns_event *e)
{
	struct proc_key pk = { .start_ns = e->owner.start_ns, .pid = e->owner.tgid };
	char name[NAME_KEY] = "", res[64] = "";
	struct dns_group *g;

	g = group(&s->by_proc, &pk, e->has_owner ? e->owner.comm : "-");
	if (g) {
		g->pid = e->owner.tgid;
		g->has_pid = e->has_owner;
	}
	count(g, e);
	/* Names differ only in case when resolvers randomise it (0x20): one row. */
	for (size_t i = 0; e->qname[i] && i + 1 < sizeof(name); i++)
		name[i] = tolower((unsigned char)e->qname[i]);
	count(group(&s->by_name, name, name), e);
	resolver_str(e, res, sizeof(res) - 4);
	strcat(res, e->protocol == IPPROTO_TCP ? "/tcp" : "/udp");
	count(group(&s->by_resolver, res, res), e);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted latencies; < 0 when there are none. */
static double percentile(const struct dns_group *g, double p)
{
	size_t rank;

	if (!g->nlat)
		return -1;
	rank = (size_t)ceil(p * g->nlat);
	return g->lat[rank ? rank - 1 : 0];
}

static int cmp_groups(const void *a, const void *b)
{
	const struct dns_group *x = *(struct dns_group *const *)a, *y = *(struct dns_group *const *)b;

	if (x->queries != y->queries)
		return x->queries < y->queries ? 1 : -1;
	return strcmp(x->label, y->label);
}

/* The groups of @h, most queries first; NULL-safe count in @n. */
static struct dns_group **sorted(struct htab *h, size_t *n)
{
	struct dns_group **v = calloc(h->count + 1, sizeof(*v));
	size_t i = 0, k = 0;
	void *g;

	*n = 0;
	if (!v)
		return NULL;
	while (htab_next(h, &i, NULL, &g)) {
		struct dns_group *dg = g;

		qsort(dg->lat, dg->nlat, sizeof(double), cmp_double);
		v[k++] = dg;
	}
	qsort(v, k, sizeof(*v), cmp_groups);
	*n = k;
	return v;
}

static void json_latency(struct json_writer *jw, const char *key, double v)
{
	if (v < 0)
		jw_kv_null(jw, key);
	else
		jw_kv_double(jw, key, v, 3);
}

static void print_table(FILE *out, struct json_writer *jw, const char *title, const char *key,
			struct htab *h, bool with_pid)
{
	size_t n;
	struct dns_group **v = sorted(h, &n);

	if (jw) {
		jw_key(jw, title);
		jw_start_array(jw);
	} else {
		fprintf(out, "%s%-40s %7s %8s %8s %8s %10s %10s\n", with_pid ? "    PID " : "",
			key, "QUERIES", "FAILURES", "TIMEOUTS", "NOANSWER", "P50", "P99");
	}
	for (size_t i = 0; v && i < n; i++) {
		const struct dns_group *g = v[i];
		double p50 = percentile(g, 0.5), p99 = percentile(g, 0.99);

		if (jw) {
			jw_start_object(jw);
			if (with_pid)
				jw_kv_u64_or_null(jw, "pid", g->has_pid, g->pid);
			jw_kv_string(jw, key[0] == 'P' ? "process" : key[0] == 'D' ? "query" :
				     "resolver", g->label);
			jw_kv_u64(jw, "queries", g->queries);
			jw_kv_u64(jw, "failures", g->failures);
			jw_kv_u64(jw, "timeouts", g->timeouts);
			jw_kv_u64(jw, "unanswered", g->unanswered);
			json_latency(jw, "p50_ms", p50);
			json_latency(jw, "p99_ms", p99);
			jw_end_object(jw);
			continue;
		}
		if (with_pid) {
			if (g->has_pid)
				fprintf(out, "%7u ", g->pid);
			else
				fprintf(out, "%7s ", "-");
		}
		fprintf(out, "%-40s %7llu %8llu %8llu %8llu", g->label,
			(unsigned long long)g->queries, (unsigned long long)g->failures,
			(unsigned long long)g->timeouts, (unsigned long long)g->unanswered);
		if (p50 >= 0)
			fprintf(out, " %8.2fms %8.2fms\n", p50, p99);
		else
			fprintf(out, " %10s %10s\n", "-", "-");
	}
	if (jw)
		jw_end_array(jw);
	else
		fputc('\n', out);
	free(v);
}

void dns_summary_print(struct dns_summary *s, FILE *out, bool json,
		       const struct dns_counters *n, uint64_t lost)
{
	struct json_writer jw;

	if (json) {
		jw_init(&jw, out, false);
		jw_start_object(&jw);
	}
	print_table(out, json ? &jw : NULL, "processes", "PROCESS", &s->by_proc, true);
	print_table(out, json ? &jw : NULL, "domains", "DOMAIN", &s->by_name, false);
	print_table(out, json ? &jw : NULL, "resolvers", "RESOLVER", &s->by_resolver, false);
	if (!json) {
		fprintf(out, "queries %llu, answered %llu, timeouts %llu, malformed %llu, "
			"truncated %llu, unmatched answers %llu, pending overflow %llu, lost %llu\n",
			(unsigned long long)n->queries, (unsigned long long)n->answered,
			(unsigned long long)n->timeouts, (unsigned long long)n->malformed,
			(unsigned long long)n->truncated, (unsigned long long)n->unmatched,
			(unsigned long long)n->pending_overflow, (unsigned long long)lost);
		return;
	}
	jw_key(&jw, "counters");
	jw_start_object(&jw);
	jw_kv_u64(&jw, "queries", n->queries);
	jw_kv_u64(&jw, "answered", n->answered);
	jw_kv_u64(&jw, "timeouts", n->timeouts);
	jw_kv_u64(&jw, "malformed", n->malformed);
	jw_kv_u64(&jw, "truncated", n->truncated);
	jw_kv_u64(&jw, "unmatched", n->unmatched);
	jw_kv_u64(&jw, "pending_overflow", n->pending_overflow);
	jw_kv_u64(&jw, "lost", lost);
	jw_end_object(&jw);
	jw_end_object(&jw);
	fputc('\n', out);
}
