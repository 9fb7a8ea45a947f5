// SPDX-License-Identifier: GPL-2.0-only
/* Tables and JSON lines of stage histograms (latency_report.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "latency/latency_report.h"
#include "latency/latency_stages.h"
#include "lib/emit.h"
#include "pktpath/pkt_format.h"

static int cmp_rows(const void *a, const void *b)
{
	const struct lat_row *x = a, *y = b;

	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	if (x->h.count != y->h.count)
		return x->h.count > y->h.count ? -1 : 1;
	return x->group < y->group ? -1 : x->group > y->group;
}

/* "upper bound in us" -> count, for the slots that have samples. */
static void emit_buckets(struct emitter *em, const struct lat_hist *h)
{
	char key[24];

	em_open(em, "buckets");
	for (int i = 0; i < NP_LAT_SLOTS; i++) {
		double hi = lat_slot_hi_us(i);

		if (!h->slots[i])
			continue;
		if (isinf(hi))
			snprintf(key, sizeof(key), "+Inf");
		else
			snprintf(key, sizeof(key), "%.0f", hi);
		em_u64(em, EM_JSON, key, NULL, h->slots[i]);
	}
	em_close(em);
}

static void emit_group(struct emitter *em, const struct lat_row *r)
{
	char buf[32];

	if (r->by == NP_LAT_BY_PROCESS) {
		if (r->group) {
			em_u64(em, EM_ANY, "pid", " %7llu", r->group);
			em_str(em, EM_ANY, "process", " %-16s", r->name);
		} else {	/* not in process context: softirq, kernel threads' work */
			em_null(em, "pid");
			em_null(em, "process");
			em_text(em, " %7s %-16s", "-", "[softirq]");
		}
	} else if (r->by == NP_LAT_BY_DEV) {
		em_str(em, EM_ANY, "ifname", " %-16s", r->name[0] ? r->name : NULL);
		em_u64(em, EM_JSON, "ifindex", NULL, (uint32_t)r->group);
		em_u64(em, EM_JSON, "netns", NULL, r->group >> 32);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(r->group >> 32));
		em_text(em, " %-10s", buf);
	}
}

static void text_header(FILE *out, const struct lat_row *r, bool total, double time)
{
	time_t t = (time_t)time;
	struct tm tm;
	char ts[16];

	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	fprintf(out, "%s %s\n%-15s", ts, total ? "total" : "interval", "STAGE");
	if (r && r->by == NP_LAT_BY_PROCESS)
		fprintf(out, " %7s %-16s", "PID", "PROCESS");
	else if (r && r->by == NP_LAT_BY_DEV)
		fprintf(out, " %-16s %-10s", "IFNAME", "NETNS");
	fprintf(out, " %10s %11s %11s %11s %11s\n", "COUNT", "P50_US", "P90_US", "P99_US",
		"MAX_US");
}

void lat_report(FILE *out, bool json, struct lat_row *rows, size_t n, bool total, double time)
{
	struct emitter em;

	qsort(rows, n, sizeof(rows[0]), cmp_rows);
	if (!json)
		text_header(out, n ? &rows[0] : NULL, total, time);
	for (size_t i = 0; i < n; i++) {
		const struct lat_row *r = &rows[i];
		const struct lat_hist *h = &r->h;

		if (!h->count)
			continue;
		em_init(&em, out, json);
		em_open(&em, NULL);
		em_double(&em, EM_JSON, "time", 3, NULL, time);
		em_str(&em, EM_JSON, "scope", NULL, total ? "total" : "interval");
		em_str(&em, EM_ANY, "stage", "%-15s", lat_stages[r->stage].name);
		emit_group(&em, r);
		em_u64(&em, EM_ANY, "count", " %10llu", h->count);
		em_double(&em, EM_ANY, "p50_us", 3, " %11.1f", lat_percentile_us(h, 0.50));
		em_double(&em, EM_ANY, "p90_us", 3, " %11.1f", lat_percentile_us(h, 0.90));
		em_double(&em, EM_ANY, "p99_us", 3, " %11.1f", lat_percentile_us(h, 0.99));
		em_double(&em, EM_ANY, "max_us", 3, " %11.1f", h->max_ns / 1e3);
		em_double(&em, EM_JSON, "min_us", 3, NULL, h->min_ns / 1e3);
		em_double(&em, EM_JSON, "mean_us", 3, NULL, h->sum_ns / 1e3 / h->count);
		emit_buckets(&em, h);
		em_close(&em);
		em_end_line(&em);
	}
	if (!json)
		fputc('\n', out);
	fflush(out);
}

void lat_report_slow(FILE *out, bool json, const struct np_lat_slow *s)
{
	const struct np_pkt *p = &s->pkt;
	bool ports = p->family && (p->l4proto == 6 || p->l4proto == 17 || p->l4proto == 136 ||
				   p->l4proto == 132);
	char tbuf[32], pbuf[16], a[64], b[64], ep[80];
	struct emitter em;

	em_init(&em, out, json);
	em_open(&em, NULL);
	em_double(&em, EM_JSON, "time", 6, NULL, pkt_event_time(s->ts_ns));
	em_text(&em, "%s slow", pkt_time_str(pkt_event_time(s->ts_ns), tbuf, sizeof(tbuf)));
	em_str(&em, EM_JSON, "scope", NULL, "slow");
	em_str(&em, EM_ANY, "direction", " %s", s->dir == NP_LAT_TX ? "tx" : "rx");
	em_str(&em, EM_ANY, "proto", " %s", pkt_proto_name(p, pbuf, sizeof(pbuf)));
	pkt_addr(p, true, a, sizeof(a));
	pkt_addr(p, false, b, sizeof(b));
	em_str(&em, EM_JSON, "src", NULL, p->family ? a : NULL);
	em_str(&em, EM_JSON, "dst", NULL, p->family ? b : NULL);
	if (ports) {
		em_u64(&em, EM_JSON, "sport", NULL, p->sport);
		em_u64(&em, EM_JSON, "dport", NULL, p->dport);
	} else {
		em_null(&em, "sport");
		em_null(&em, "dport");
	}
	if (!json) {
		if (ports)
			snprintf(ep, sizeof(ep), p->family == 6 ? "[%s]:%u" : "%s:%u", a, p->sport);
		else
			snprintf(ep, sizeof(ep), "%s", p->family ? a : "-");
		em_text(&em, " %s >", ep);
		if (ports)
			snprintf(ep, sizeof(ep), p->family == 6 ? "[%s]:%u" : "%s:%u", b, p->dport);
		else
			snprintf(ep, sizeof(ep), "%s", p->family ? b : "-");
		em_text(&em, " %s", ep);
	}
	if (s->pid) {
		em_u64(&em, EM_JSON, "pid", NULL, s->pid);
		em_str(&em, EM_JSON, "process", NULL, s->comm);
		em_text(&em, " %s:%u", s->comm, s->pid);
	} else {
		em_null(&em, "pid");
		em_null(&em, "process");
		em_text(&em, " -");
	}
	em_str(&em, EM_ANY, "ifname", " dev %s", s->ifname[0] ? s->ifname : NULL);
	em_u64(&em, EM_JSON, "ifindex", NULL, s->ifindex);
	em_u64(&em, EM_JSON, "netns", NULL, s->netns);
	em_double(&em, EM_ANY, "total_us", 3, " total %.1f us:", s->total_ns / 1e3);
	em_open(&em, "stages");
	for (int i = 0; i < NP_LS_MAX; i++)
		if (s->stages & (1u << i)) {
			em_text(&em, " %s", lat_stages[i].name);
			em_double(&em, EM_ANY, lat_stages[i].name, 3, " %.1f", s->stage_ns[i] / 1e3);
		}
	em_close(&em);
	em_close(&em);
	em_end_line(&em);
	fflush(out);
}
