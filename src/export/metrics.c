// SPDX-License-Identifier: GPL-2.0-only
/*
 * The store written out as metrics. The two formats differ only in counter
 * and info family names (OpenMetrics names a counter family without _total)
 * and the closing "# EOF"; one writer does both.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "export/metrics.h"
#include "lib/util.h"

static const char *const label_names[EX_LABEL_MAX] = {
	[EX_LABEL_PROCESS] = "process", [EX_LABEL_CONTAINER] = "container",
	[EX_LABEL_POD] = "pod", [EX_LABEL_UNIT] = "unit", [EX_LABEL_PID] = "pid",
};

/* Length of the valid UTF-8 sequence at @p, or 0. */
static int utf8_len(const unsigned char *p)
{
	int n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 :
		(p[0] & 0xf8) == 0xf0 ? 4 : 0;

	if (n == 2 && p[0] < 0xc2)	/* overlong */
		return 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * A process may name itself anything, bytes that are not UTF-8 included, and
 * one such name must not make every scrape fail: those bytes become '?'.
 */
void ex_label_value(FILE *f, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;

	while (*p) {
		int n = utf8_len(p);

		if (*p == '\\' || *p == '"') {
			fputc('\\', f);
			fputc(*p, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
		} else if (n == 0 || *p < 0x20 || *p == 0x7f) {
			fputc('?', f);
			n = 1;
		} else {
			fwrite(p, 1, n, f);
		}
		p += n ? n : 1;
	}
}

/* # HELP and # TYPE; a counter family is named without _total in OpenMetrics. */
static void family(FILE *f, bool om, const char *name, const char *type, const char *help)
{
	size_t len = strlen(name);
	int base = (int)len;

	if (om && !strcmp(type, "counter") && len > 6 && !strcmp(name + len - 6, "_total"))
		base -= 6;
	if (om && !strcmp(type, "info") && len > 5 && !strcmp(name + len - 5, "_info"))
		base -= 5;
	if (!om && !strcmp(type, "info"))
		type = "gauge";
	fprintf(f, "# HELP %.*s %s\n# TYPE %.*s %s\n", base, name, help, base, name, type);
}

static void series_labels(FILE *f, const struct ex_store *s, const struct ex_key *k)
{
	bool first = true;

	fputc('{', f);
	for (int l = 0; l < EX_LABEL_MAX; l++) {
		/* The overflow series is always named, whatever --labels chose. */
		if (!s->label_on[l] && !(k->other && l == EX_LABEL_PROCESS))
			continue;
		fprintf(f, "%s%s=\"", first ? "" : ",", label_names[l]);
		first = false;
		switch (l) {
		case EX_LABEL_PROCESS:
			ex_label_value(f, k->process);
			break;
		case EX_LABEL_UNIT:
			ex_label_value(f, k->unit);
			break;
		case EX_LABEL_PID:
			if (!k->other)
				fprintf(f, "%" PRIu32, k->pid);
			break;
		case EX_LABEL_CONTAINER:
			ex_label_value(f, k->container);
			break;
		case EX_LABEL_POD:
			ex_label_value(f, k->pod);
			break;
		default:
			break;
		}
		fputc('"', f);
	}
	fputc('}', f);
}

enum traffic_field { RX_BYTES, TX_BYTES, RX_PACKETS, TX_PACKETS };

static void traffic_family(FILE *f, bool om, const struct ex_store *s, const char *name,
			   enum traffic_field field, const char *help)
{
	size_t i = 0;
	void *v;

	family(f, om, name, "counter", help);
	while (htab_next(&s->series, &i, NULL, &v)) {
		const struct ex_series *se = v;
		uint64_t x = field == RX_BYTES ? se->rx_bytes : field == TX_BYTES ? se->tx_bytes :
			     field == RX_PACKETS ? se->rx_packets : se->tx_packets;

		fputs(name, f);
		series_labels(f, s, &se->key);
		fprintf(f, " %" PRIu64 "\n", x);
	}
}

static void dns_families(FILE *f, bool om, const struct ex_store *s)
{
	size_t i = 0;
	void *v;

	family(f, om, "netoproc_dns_queries_total", "counter",
	       "DNS queries by the asking process and the answer's rcode (\"timeout\": none in time).");
	while (htab_next(&s->dns, &i, NULL, &v)) {
		const struct ex_dns_series *d = v;

		fputs("netoproc_dns_queries_total{process=\"", f);
		ex_label_value(f, d->key.process);
		fputs("\",rcode=\"", f);
		ex_label_value(f, d->key.rcode);
		fprintf(f, "\"} %" PRIu64 "\n", d->queries);
	}
	family(f, om, "netoproc_dns_latency_seconds", "histogram",
	       "Time from a DNS query to its answer, answered queries only.");
	for (int b = 0; b < EX_DNS_BUCKETS; b++) {
		/* "1.0", not "1": OpenMetrics wants canonical floats in le. */
		char le[32];

		snprintf(le, sizeof(le), "%g", ex_dns_bounds[b]);
		if (!strpbrk(le, ".e"))
			strcat(le, ".0");
		fprintf(f, "netoproc_dns_latency_seconds_bucket{le=\"%s\"} %" PRIu64 "\n", le,
			s->dns_buckets[b]);
	}
	fprintf(f, "netoproc_dns_latency_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
		   "netoproc_dns_latency_seconds_sum %.9g\n"
		   "netoproc_dns_latency_seconds_count %" PRIu64 "\n",
		s->dns_count, s->dns_sum, s->dns_count);
}

static void drops_family(FILE *f, bool om, const struct ex_drops *d)
{
	size_t i = 0;
	void *v;

	family(f, om, "netoproc_drops_total", "counter",
	       "Packets the kernel dropped, by drop reason and the function that freed them.");
	while (htab_next(&d->counts, &i, NULL, &v)) {
		const struct ex_drop_count *c = v;

		fputs("netoproc_drops_total{reason=\"", f);
		ex_label_value(f, c->key.reason);
		fputs("\",location=\"", f);
		ex_label_value(f, c->key.location);
		fprintf(f, "\"} %" PRIu64 "\n", c->n);
	}
}

int ex_metrics_render(const struct ex_store *s, const struct ex_info *info, bool om,
		      double started, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);

	if (!f)
		return -ENOMEM;
	traffic_family(f, om, s, "netoproc_rx_bytes_total", RX_BYTES,
		       "IP bytes received (headers included), by process.");
	traffic_family(f, om, s, "netoproc_tx_bytes_total", TX_BYTES,
		       "IP bytes sent (headers included), by process.");
	traffic_family(f, om, s, "netoproc_rx_packets_total", RX_PACKETS,
		       "IP packets received, by process.");
	traffic_family(f, om, s, "netoproc_tx_packets_total", TX_PACKETS,
		       "IP packets sent, by process.");
	dns_families(f, om, s);

	family(f, om, "netoproc_unattributed_bytes_total", "counter",
	       "IP bytes no process socket owned (the monitor's unknown row).");
	fprintf(f, "netoproc_unattributed_bytes_total{direction=\"rx\"} %" PRIu64 "\n"
		   "netoproc_unattributed_bytes_total{direction=\"tx\"} %" PRIu64 "\n",
		s->unattributed_rx, s->unattributed_tx);
	if (info->drops)
		drops_family(f, om, info->drops);
	if (info->latency)
		ex_latency_render(f, om, info->latency, family);
	family(f, om, "netoproc_lost_events_total", "counter",
	       "Events the kernel could not hand over: socket records (eBPF) or packets "
	       "(AF_PACKET) of the capture, runs of the capture's programs the kernel "
	       "skipped, drops of --drops, samples and connections of --latency.");
	fprintf(f, "netoproc_lost_events_total{source=\"capture\"} %" PRIu64 "\n", info->lost);
	fprintf(f, "netoproc_lost_events_total{source=\"skipped_runs\"} %" PRIu64 "\n",
		info->skipped);
	if (info->drops)
		fprintf(f, "netoproc_lost_events_total{source=\"drops\"} %" PRIu64 "\n",
			ex_drops_lost(info->drops));
	if (info->latency)
		fprintf(f, "netoproc_lost_events_total{source=\"latency\"} %" PRIu64 "\n",
			ex_latency_lost(info->latency));
	family(f, om, "netoproc_series_dropped_total", "counter",
	       "New series refused by --max-series; their counts went to an \"other\" series.");
	fprintf(f, "netoproc_series_dropped_total %" PRIu64 "\n",
		s->dropped + (info->drops ? info->drops->dropped : 0));
	family(f, om, "netoproc_series", "gauge", "Traffic series exported now.");
	fprintf(f, "netoproc_series %zu\n", s->series.count);
	family(f, om, "netoproc_build_info", "info", "This netoproc and its capture.");
	fputs("netoproc_build_info{version=\"", f);
	ex_label_value(f, NETOPROC_VERSION);
	fputs("\",capture_mode=\"", f);
	ex_label_value(f, info->mode ? info->mode : "");
	fputs("\",attach=\"", f);
	ex_label_value(f, info->attach ? info->attach : "");
	fputs("\"} 1\n", f);
	/* Last, so that it covers the writing of everything above. */
	family(f, om, "netoproc_scrape_duration_seconds", "gauge",
	       "Time this scrape took to answer, seconds.");
	fprintf(f, "netoproc_scrape_duration_seconds %.9f\n", now_monotonic() - started);
	if (om)
		fputs("# EOF\n", f);
	if (fclose(f)) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}
