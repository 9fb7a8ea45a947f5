// SPDX-License-Identifier: GPL-2.0-only
/* --latency of the exporter: stage histograms and TCP connection counters (latency_ex.h). */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "export/latency_ex.h"
#include "latency/latency_stages.h"
#include "lib/bpf_util.h"
#include "lib/util.h"
#include "latency.skel.h"

int ex_latency_open(struct ex_latency *l, bool send_calls)
{
	struct lat_config cfg = {
		.f = &l->none, .by = NP_LAT_BY_NONE, .max_inflight = 65536,
		.modes = LAT_MODE_STAGES | LAT_MODE_CONNS, .send_calls = send_calls,
	};
	int err;

	memset(l, 0, sizeof(*l));
	if ((err = lat_collector_init(&l->col, &cfg)) || (err = lat_open(&l->col, &cfg))) {
		lat_close(&l->col);
		return err;
	}
	np_info("export: latency programs attached: %d (%s)", l->col.nlinks,
		l->col.tier_btf ? "tp_btf" : "raw_tp");
	lat_flip(&l->col);
	return 0;
}

static void count_result(struct ex_latency *l, const char *name)
{
	for (int i = 0; i < EX_CONNECT_RESULTS; i++) {
		if (!l->result[i])
			l->result[i] = name;
		if (!strcmp(l->result[i], name)) {
			l->results[i]++;
			return;
		}
	}
	l->results_other++;
}

/* Connects are counted once: established when seen so, failed when closed. */
static void count_connect(struct ex_latency *l, struct conn_row *r)
{
	if (r->counted || !r->c.active)
		return;
	if (r->c.connect_ns) {
		lat_hist_sample(&l->connect, r->c.connect_ns);
		count_result(l, "established");
		r->counted = true;
	} else if (r->c.fail_err) {
		count_result(l, conn_fail_name(r->c.fail_err));
		r->counted = true;
	}
}

static void fold_closed(void *ctx, struct conn_row *r)
{
	struct ex_latency *l = ctx;

	count_connect(l, r);
	l->retransmits += r->c.retransmits;
	l->rtos += r->c.rtos;
	l->out_of_order += r->c.out_of_order;
	l->zero_window += r->c.zero_window;
}

int ex_latency_tick(struct ex_latency *l)
{
	int err = lat_read(&l->col);

	if (err)
		return err;
	for (size_t i = 0; i < l->col.conns.n; i++)
		count_connect(l, &l->col.conns.rows[i]);
	conn_table_take_closed(&l->col.conns, fold_closed, l);
	lat_flip(&l->col);
	return 0;
}

/* One histogram in seconds from log2 microsecond slots: cumulative buckets, sum, count. */
static void histogram(FILE *f, const char *name, const char *labels, const struct lat_hist *h)
{
	uint64_t cum = 0;

	for (int i = 0; i < NP_LAT_SLOTS - 1; i++) {
		char le[32];

		cum += h->slots[i];
		snprintf(le, sizeof(le), "%.9g", lat_slot_hi_us(i) / 1e6);
		if (!strpbrk(le, ".e"))
			strcat(le, ".0");
		fprintf(f, "%s_bucket{%s%sle=\"%s\"} %" PRIu64 "\n", name, labels,
			*labels ? "," : "", le, cum);
	}
	fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n%s_sum%s%s%s %.9g\n"
		   "%s_count%s%s%s %" PRIu64 "\n", name, labels, *labels ? "," : "", h->count,
		name, *labels ? "{" : "", labels, *labels ? "}" : "", h->sum_ns / 1e9,
		name, *labels ? "{" : "", labels, *labels ? "}" : "", h->count);
}

void ex_latency_render(FILE *f, bool om, const struct ex_latency *l,
		       void (*family)(FILE *, bool, const char *, const char *, const char *))
{
	uint64_t rtx = l->retransmits, rtos = l->rtos, ooo = l->out_of_order, zw = l->zero_window;

	family(f, om, "netoproc_latency_seconds", "histogram",
	       "Time skbs spent in each stage of the packet path (netoproc-latency(8)).");
	for (size_t i = 0; i < l->col.ntotal; i++) {
		const struct lat_row *r = &l->col.total[i];
		char labels[64];

		snprintf(labels, sizeof(labels), "stage=\"%s\"", lat_stages[r->stage].name);
		histogram(f, "netoproc_latency_seconds", labels, &r->h);
	}
	family(f, om, "netoproc_tcp_connect_seconds", "histogram",
	       "Time from SYN sent to established, connect() calls that succeeded.");
	histogram(f, "netoproc_tcp_connect_seconds", "", &l->connect);
	family(f, om, "netoproc_tcp_connects_total", "counter",
	       "connect() calls by result: established, or the reason they failed.");
	for (int i = 0; i < EX_CONNECT_RESULTS && l->result[i]; i++)
		fprintf(f, "netoproc_tcp_connects_total{result=\"%s\"} %" PRIu64 "\n", l->result[i],
			l->results[i]);
	if (l->results_other)
		fprintf(f, "netoproc_tcp_connects_total{result=\"other\"} %" PRIu64 "\n",
			l->results_other);
	for (size_t i = 0; i < l->col.conns.n; i++) {
		const struct np_lat_conn *c = &l->col.conns.rows[i].c;

		rtx += c->retransmits;
		rtos += c->rtos;
		ooo += c->out_of_order;
		zw += c->zero_window;
	}
	family(f, om, "netoproc_tcp_retransmits_total", "counter",
	       "TCP segments retransmitted, all connections.");
	fprintf(f, "netoproc_tcp_retransmits_total %" PRIu64 "\n", rtx);
	family(f, om, "netoproc_tcp_rtos_total", "counter",
	       "TCP retransmission timeouts, all connections.");
	fprintf(f, "netoproc_tcp_rtos_total %" PRIu64 "\n", rtos);
	family(f, om, "netoproc_tcp_out_of_order_total", "counter",
	       "TCP segments received out of order, all connections.");
	fprintf(f, "netoproc_tcp_out_of_order_total %" PRIu64 "\n", ooo);
	family(f, om, "netoproc_tcp_zero_window_total", "counter",
	       "Times a TCP peer's receive window closed, all connections.");
	fprintf(f, "netoproc_tcp_zero_window_total %" PRIu64 "\n", zw);
	family(f, om, "netoproc_tcp_connections", "gauge", "TCP connections followed now.");
	fprintf(f, "netoproc_tcp_connections %zu\n", l->col.conns.n);
}

uint64_t ex_latency_lost(const struct ex_latency *l)
{
	int fd = bpf_map__fd(l->col.skel->maps.stats);

	return np_percpu_sum(fd, NP_LAT_STAT_INFLIGHT_FULL) +
	       np_percpu_sum(fd, NP_LAT_STAT_HIST_FULL) +
	       np_percpu_sum(fd, NP_LAT_STAT_CONN_FULL) + l->col.conns.dropped + l->col.rows_full +
	       np_prog_misses(l->col.skel->obj);
}

void ex_latency_close(struct ex_latency *l)
{
	lat_close(&l->col);
}
