// SPDX-License-Identifier: GPL-2.0-only
/*
 * `netoproc export`: the same capture and model as the monitor, folded every
 * --interval into cumulative series (series.c) and served as metrics
 * (metrics.c) by a small HTTP server (http.c). One thread, one poll(): the
 * capture's descriptors and the HTTP sockets together, so a scrape, or a
 * client that never finishes one, never delays capture.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dns/dns_cmd.h"
#include "dns/dns_track.h"
#include "export/drops.h"
#include "export/export_cmd.h"
#include "export/http.h"
#include "export/latency_ex.h"
#include "export/metrics.h"
#include "export/series.h"
#include "lib/cgroup.h"
#include "lib/procinfo.h"
#include "lib/util.h"
#include "monitor/capture/proc_facts.h"
#include "monitor/monitor.h"

#define LISTEN_DEFAULT	"127.0.0.1:9465"
#define MAX_SERIES_DEFAULT 5000
#define SERIES_TTL_DEFAULT 300.0
/*
 * The model forgets idle processes with no socket left after this (the live
 * view's 60 s), or sooner with a shorter --series-ttl: a series cannot expire
 * while a process in the model still feeds it.
 */
#define PRUNE_IDLE	60.0
#define POLL_SLICE	0.1	/* seconds: capture's own housekeeping (AF_PACKET refresh) */
#define CAP_FDS_MAX	4

struct export_opts {
	const char *listen;
	bool labels[EX_LABEL_MAX];
	uint64_t max_series;
	double ttl, interval;
	struct capture_opts cap;
	bool no_dns;
	struct payload_sink dns;
	double dns_timeout;
	bool drops;
	bool latency;
	bool latency_send_calls;	/* --latency-send-calls: tx_stack, tx_total */
};

struct exporter {
	const struct export_opts *o;
	struct capture *cap;
	struct np_model *m;
	struct ex_store store;
	struct htab cg_cache;	/* cgroup id -> path */
	struct http_server http;
	struct ex_drops drops;
	bool drops_on;
	struct ex_latency latency;
	bool latency_on;
};

static void usage(FILE *out)
{
	fputs("Usage: netoproc export [OPTIONS]\n"
	      "\n"
	      "Per-process traffic and DNS as Prometheus metrics: GET /metrics on --listen.\n"
	      "\n"
	      "  --listen ADDR:PORT     where to serve (127.0.0.1:9465; IPv6 as [ADDR]:PORT)\n"
	      "  --labels LIST          labels of the traffic series, of process, container,\n"
	      "                         pod, unit, pid (process,container,pod,unit)\n"
	      "  --max-series N         at most N traffic series; new ones beyond go into\n"
	      "                         process=\"other\" (5000)\n"
	      "  --series-ttl SECS      a series no process feeds goes SECS after its last\n"
	      "                         change (300)\n"
	      "  --interval SECS        how often the series are brought up to date (1)\n"
	      "  --capture-mode auto|ebpf|afpacket   capture backend (auto)\n"
	      "  --attach auto|tracepoint|fentry|kprobe   eBPF hook tier (auto: probed)\n"
	      "  --interface NAME       count only traffic through NAME\n"
	      "  --cgroup PATH          watch only this cgroup-v2 subtree\n"
	      "  --capture-buffer BYTES capture buffer, 4096..16777216 (2097152)\n"
	      "  --no-dns               no DNS metrics (no DNS read at all)\n"
	      "  --dns-port PORT        DNS is also on PORT (repeatable; 53 always)\n"
	      "  --dns-timeout SECS     a query unanswered this long is rcode=\"timeout\" (5)\n"
	      "  --drops                also every packet drop, by reason and location\n"
	      "  --latency              also the packet path's stage histograms and TCP\n"
	      "                         connection counters (netoproc latency's programs)\n"
	      "  --latency-send-calls   --latency with tx_stack and tx_total (every system\n"
	      "                         call of the machine traced: see netoproc-latency(8))\n"
	      "  -v, --verbose          say what is attached and why\n"
	      "  -h, --help\n"
	      "\n"
	      "Exit status: 0 ok, 1 missing privilege, 2 bad arguments or capture error, 4 fatal.\n",
	      out);
}

enum {
	OPT_LISTEN = 256, OPT_LABELS, OPT_MAX_SERIES, OPT_SERIES_TTL, OPT_INTERVAL,
	OPT_CAPTURE_MODE, OPT_ATTACH, OPT_INTERFACE, OPT_CGROUP, OPT_CAPTURE_BUFFER,
	OPT_NO_DNS, OPT_DNS_PORT, OPT_DNS_TIMEOUT, OPT_DROPS, OPT_LATENCY,
	OPT_LATENCY_SEND_CALLS,
};

static const struct option long_opts[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "labels", required_argument, NULL, OPT_LABELS },
	{ "max-series", required_argument, NULL, OPT_MAX_SERIES },
	{ "series-ttl", required_argument, NULL, OPT_SERIES_TTL },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "capture-mode", required_argument, NULL, OPT_CAPTURE_MODE },
	{ "attach", required_argument, NULL, OPT_ATTACH },
	{ "interface", required_argument, NULL, OPT_INTERFACE },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "capture-buffer", required_argument, NULL, OPT_CAPTURE_BUFFER },
	{ "no-dns", no_argument, NULL, OPT_NO_DNS },
	{ "dns-port", required_argument, NULL, OPT_DNS_PORT },
	{ "dns-timeout", required_argument, NULL, OPT_DNS_TIMEOUT },
	{ "drops", no_argument, NULL, OPT_DROPS },
	{ "latency", no_argument, NULL, OPT_LATENCY },
	{ "latency-send-calls", no_argument, NULL, OPT_LATENCY_SEND_CALLS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* "process,unit,pid": each a known label, none twice. */
static int parse_labels(const char *arg, bool *on)
{
	static const char *const names[EX_LABEL_MAX] = {
		"process", "container", "pod", "unit", "pid",
	};
	char buf[128], *tok, *save = NULL;

	memset(on, 0, EX_LABEL_MAX * sizeof(*on));
	if (strlen(arg) >= sizeof(buf))
		goto bad;
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < EX_LABEL_MAX && strcmp(tok, names[i]); i++)
			;
		if (i == EX_LABEL_MAX || on[i])
			goto bad;
		on[i] = true;
	}
	return 0;
bad:
	np_err("invalid value '%s' for --labels: expected a list of process, container, pod, "
	       "unit, pid", arg);
	return -EINVAL;
}

static int parse_opts(int argc, char **argv, struct export_opts *o)
{
	static char cgroup_buf[4096];
	int nports = 0, c, err;

	memset(o, 0, sizeof(*o));
	o->listen = LISTEN_DEFAULT;
	o->labels[EX_LABEL_PROCESS] = o->labels[EX_LABEL_CONTAINER] = true;
	o->labels[EX_LABEL_POD] = o->labels[EX_LABEL_UNIT] = true;
	o->max_series = MAX_SERIES_DEFAULT;
	o->ttl = SERIES_TTL_DEFAULT;
	o->interval = 1.0;
	o->cap.buffer_bytes = 2097152;
	o->dns.dns_ports[nports++] = 53;
	o->dns_timeout = DNS_TIMEOUT_DEFAULT;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN:
			o->listen = optarg;
			break;
		case OPT_LABELS:
			if ((err = parse_labels(optarg, o->labels)))
				return err;
			break;
		case OPT_MAX_SERIES:
			if (parse_u64(optarg, 1, 10000000, &o->max_series)) {
				np_err("invalid value '%s' for --max-series: expected 1..10000000",
				       optarg);
				return -EINVAL;
			}
			break;
		case OPT_SERIES_TTL:
			if (parse_seconds_opt(optarg, "series-ttl", &o->ttl))
				return -EINVAL;
			break;
		case OPT_INTERVAL:
			if (parse_seconds_opt(optarg, "interval", &o->interval))
				return -EINVAL;
			break;
		case OPT_CAPTURE_MODE:
			if ((err = capture_parse_opt(CAPTURE_OPT_MODE, optarg, &o->cap)))
				return err;
			break;
		case OPT_ATTACH:
			if ((err = capture_parse_opt(CAPTURE_OPT_ATTACH, optarg, &o->cap)))
				return err;
			break;
		case OPT_INTERFACE:
			if ((err = capture_parse_opt(CAPTURE_OPT_INTERFACE, optarg, &o->cap)))
				return err;
			break;
		case OPT_CGROUP:
			if ((err = monitor_resolve_cgroup(optarg, cgroup_buf, sizeof(cgroup_buf))))
				return err;
			o->cap.cgroup_path = cgroup_buf;
			break;
		case OPT_CAPTURE_BUFFER:
			if ((err = capture_parse_opt(CAPTURE_OPT_BUFFER, optarg, &o->cap)))
				return err;
			break;
		case OPT_NO_DNS:
			o->no_dns = true;
			break;
		case OPT_DNS_PORT:
			if ((err = dns_parse_port(optarg, o->dns.dns_ports, &nports)))
				return err;
			break;
		case OPT_DNS_TIMEOUT:
			if (parse_seconds_opt(optarg, "dns-timeout", &o->dns_timeout))
				return -EINVAL;
			break;
		case OPT_DROPS:
			o->drops = true;
			break;
		case OPT_LATENCY:
			o->latency = true;
			break;
		case OPT_LATENCY_SEND_CALLS:
			o->latency = o->latency_send_calls = true;
			break;
		case 'v':
			np_verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			return np_opt_error(c, argv);
		}
	}
	if (optind < argc) {
		np_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* What the labels need from /proc, once per process: its name and its cgroup. */
static void enrich(struct exporter *x)
{
	proc_facts_fill(x->m, &x->cg_cache, NULL);
}

static void on_dns(void *ctx, const struct dns_event *e)
{
	struct exporter *x = ctx;
	char process[NP_COMM_LEN + 1], rc[EX_RCODE_LEN];
	const char *rcode;

	if (e->has_owner)
		snprintf(process, sizeof(process), "%.*s", NP_COMM_LEN, e->owner.comm);
	else
		snprintf(process, sizeof(process), "unknown");
	if (e->timeout)
		rcode = "timeout";
	else if (e->rcode < 0)
		rcode = "unanswered";
	else
		rcode = dns_rcode_name(e->rcode, rc, sizeof(rc));
	ex_store_dns(&x->store, process, rcode, e->rcode >= 0 ? e->latency_ms / 1000 : -1,
		     now_monotonic());
}

static const char index_html[] =
	"<!DOCTYPE html>\n<html><head><title>netoproc exporter</title></head><body>\n"
	"<h1>netoproc exporter</h1>\n"
	"<p>Per-process network traffic and DNS queries, attributed in the kernel, as "
	"Prometheus metrics: <a href=\"/metrics\">/metrics</a>.</p>\n"
	"<p>See <code>man netoproc-export</code>.</p>\n</body></html>\n";

static void handle(void *ctx, const struct http_request *req, struct http_response *r)
{
	struct exporter *x = ctx;
	double started = now_monotonic();

	if (!strcmp(req->path, "/metrics")) {
		bool om = http_wants_openmetrics(req->accept);
		struct ex_info info = {
			.mode = x->cap->mode, .attach = x->cap->attach,
			.lost = x->m->lost_records, .skipped = x->m->stat[NP_STAT_RUNS_SKIPPED],
			.drops = x->drops_on ? &x->drops : NULL,
			.latency = x->latency_on ? &x->latency : NULL,
		};

		if (ex_metrics_render(&x->store, &info, om, started, &r->body, &r->len))
			return;		/* status 0: a 500 */
		r->status = 200;
		r->content_type = om ? "application/openmetrics-text; version=1.0.0; charset=utf-8" :
				       "text/plain; version=0.0.4; charset=utf-8";
	} else if (!strcmp(req->path, "/")) {
		r->body = strdup(index_html);
		r->len = r->body ? strlen(index_html) : 0;
		r->status = r->body ? 200 : 0;
		r->content_type = "text/html; charset=utf-8";
	} else {
		r->status = 404;
	}
}

/* The model up to date, its interval added to the series, then a new interval. */
static int fold(struct exporter *x, struct dns_tracker *dns, double now)
{
	int err = x->cap->collect(x->cap, x->m);

	if (err)
		return err;
	enrich(x);
	if (dns)
		dns_track_expire(dns, now, false);
	if ((err = ex_store_fold(&x->store, x->m, now)))
		return err;
	if (x->latency_on && (err = ex_latency_tick(&x->latency)))
		return err;
	model_reset_interval(x->m);
	model_prune(x->m, now, x->o->ttl < PRUNE_IDLE ? x->o->ttl : PRUNE_IDLE);
	return 0;
}

static int serve(struct exporter *x, struct dns_tracker *dns)
{
	struct pollfd pfd[CAP_FDS_MAX + 1 + 1 + HTTP_CONNS_MAX];
	double next_fold = now_monotonic() + x->o->interval;
	int err = 0;

	while (!err && !np_stop_requested) {
		double now = now_monotonic(), until;
		int ncap = 0, n, ms;

		if (now >= next_fold) {
			if ((err = fold(x, dns, now)))
				break;
			next_fold += x->o->interval;
			if (next_fold <= now)	/* after a stall: from now on */
				next_fold = now + x->o->interval;
		}
		if (x->cap->pollfds)
			ncap = x->cap->pollfds(x->cap, pfd, CAP_FDS_MAX);
		if (x->drops_on)
			pfd[ncap++] = (struct pollfd){ .fd = ex_drops_fd(&x->drops), .events = POLLIN };
		n = ncap + http_pollfds(&x->http, pfd + ncap, 1 + HTTP_CONNS_MAX);
		until = http_next_deadline(&x->http, next_fold);
		if (until > now + POLL_SLICE)
			until = now + POLL_SLICE;
		ms = until > now ? (int)((until - now) * 1000) + 1 : 0;
		if (poll(pfd, n, ms) < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		/* Drain the capture first: it must never fall behind the HTTP side. */
		if ((err = x->cap->wait(x->cap, x->m, 0)))
			break;
		if (x->drops_on)
			ex_drops_consume(&x->drops);
		enrich(x);
		http_service(&x->http, pfd + ncap, now_monotonic());
	}
	if (err)
		np_err("capture failed: %s", strerror(-err));
	return err ? NP_EXIT_USAGE : NP_EXIT_OK;
}

int cmd_export(int argc, char **argv)
{
	struct export_opts o;
	struct dns_tracker dns, *dnsp = NULL;
	struct capture cap = {};
	struct np_model m;
	struct exporter x = { .o = &o, .cap = &cap, .m = &m };
	int err;

	err = parse_opts(argc, argv, &o);
	if (err > 0)
		return NP_EXIT_OK;
	if (err)
		return NP_EXIT_USAGE;
	if (ex_store_init(&x.store, o.labels, o.max_series, o.ttl) ||
	    htab_init(&x.cg_cache, sizeof(uint64_t))) {
		np_err("out of memory");
		return NP_EXIT_FATAL;
	}
	/* Listen before capturing: a port in use is a usage error, found at once. */
	if (http_listen(&x.http, o.listen, handle, &x)) {
		err = NP_EXIT_USAGE;
		goto out_store;
	}
	if (!o.no_dns) {
		if (dns_track_init(&dns, o.dns_timeout, DNS_PENDING_MAX_DEFAULT, on_dns, &x)) {
			np_err("out of memory");
			err = NP_EXIT_FATAL;
			goto out_http;
		}
		dnsp = &dns;
		o.dns.fn = dns_track_payload;
		o.dns.ctx = &dns;
		o.cap.payloads = &o.dns;
	}
	/* Before the capture says it is attached: a stop sent then ends the run cleanly. */
	np_catch_stop_signals();
	if ((err = capture_open(&cap, &o.cap)))
		goto out_dns;
	if (cap.ndegraded)
		capture_say_degraded(&cap);
	if (dnsp && cap.payload_missing)
		np_err("no DNS metrics in this capture mode: %s", cap.payload_missing);
	if (o.drops) {
		if ((err = ex_drops_open(&x.drops, o.max_series))) {
			cap.close(&cap);
			err = NP_EXIT_USAGE;
			goto out_dns;
		}
		x.drops_on = true;
	}
	if (o.latency) {
		if ((err = ex_latency_open(&x.latency, o.latency_send_calls))) {
			cap.close(&cap);
			err = NP_EXIT_USAGE;
			goto out_drops;
		}
		x.latency_on = true;
	}
	if (model_init(&m)) {
		cap.close(&cap);
		np_err("out of memory");
		err = NP_EXIT_FATAL;
		goto out_drops;
	}
	np_info("serving metrics on http://%s/metrics", o.listen);
	signal(SIGPIPE, SIG_IGN);
	err = serve(&x, dnsp);
	np_info("http: %llu connections, %llu served, %llu bad requests, %llu timed out, "
		"%llu refused (too many)", (unsigned long long)x.http.n.accepted,
		(unsigned long long)x.http.n.served, (unsigned long long)x.http.n.bad,
		(unsigned long long)x.http.n.timed_out, (unsigned long long)x.http.n.refused);
	cap.close(&cap);
	model_free(&m);
out_drops:
	if (x.latency_on)
		ex_latency_close(&x.latency);
	if (x.drops_on)
		ex_drops_close(&x.drops);
out_dns:
	if (dnsp)
		dns_track_free(dnsp);
out_http:
	http_close(&x.http);
out_store:
	ex_store_free(&x.store);
	htab_free_all(&x.cg_cache);
	return err;
}
