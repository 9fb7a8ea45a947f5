// SPDX-License-Identifier: GPL-2.0-only
/*
 * `netoproc dns`: a line per query with its process, answer, latency and
 * resolver, or per-process/per-domain/per-resolver figures at the end
 * (--summary). The capture is the monitor's (eBPF or AF_PACKET): the model
 * it keeps is what AF_PACKET attributes packets with.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dns/dns_cmd.h"
#include "dns/dns_report.h"
#include "dns/dns_track.h"
#include "lib/util.h"
#include "monitor/model/output.h"
#include "monitor/model/view.h"

#define POLL_SLICE_MS	100
#define COLLECT_PERIOD	1.0	/* socket tables and counters, as the monitor reads them */

struct dns_opts {
	double duration;	/* 0: until interrupted */
	double timeout;
	bool json, summary;
	struct view_opts view;	/* --pid, --filter */
	struct capture_opts cap;
	struct payload_sink sink;
	int nports;
};

struct dns_run {
	const struct dns_opts *o;
	struct dns_summary sum;
	bool header_done;
};

static void usage(FILE *out)
{
	fputs("Usage: netoproc dns [OPTIONS]\n"
	      "\n"
	      "DNS queries with the process that asked, the answer, the latency and the\n"
	      "resolver: one line each (or --summary at the end).\n"
	      "\n"
	      "  --duration SECS        stop after SECS (default: until interrupted)\n"
	      "  --format text|json     one line or one JSON object per query (text)\n"
	      "  --summary              per process, domain and resolver: queries, failures,\n"
	      "                         timeouts, p50/p99 latency, printed at the end\n"
	      "  --pid PID              only queries of PID (repeatable, or PID,PID...)\n"
	      "  --filter PAT           only processes whose name contains PAT\n"
	      "  --dns-port PORT        DNS is also on PORT (repeatable; 53 always; at most 8)\n"
	      "  --dns-timeout SECS     a query unanswered this long is a timeout (5)\n"
	      "  --capture-mode auto|ebpf|afpacket   capture backend (auto)\n"
	      "  --attach auto|tracepoint|fentry|kprobe   eBPF hook tier (auto: probed)\n"
	      "  --interface NAME       only traffic through NAME\n"
	      "  -v, --verbose          say what is attached and why\n"
	      "  -h, --help\n"
	      "\n"
	      "Exit status: 0 ok, 1 missing privilege, 2 bad arguments or capture error, 4 fatal.\n",
	      out);
}

enum {
	OPT_DURATION = 256, OPT_FORMAT, OPT_SUMMARY, OPT_PID, OPT_FILTER, OPT_DNS_PORT,
	OPT_DNS_TIMEOUT, OPT_CAPTURE_MODE, OPT_ATTACH, OPT_INTERFACE,
};

static const struct option long_opts[] = {
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "dns-port", required_argument, NULL, OPT_DNS_PORT },
	{ "dns-timeout", required_argument, NULL, OPT_DNS_TIMEOUT },
	{ "capture-mode", required_argument, NULL, OPT_CAPTURE_MODE },
	{ "attach", required_argument, NULL, OPT_ATTACH },
	{ "interface", required_argument, NULL, OPT_INTERFACE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

int dns_parse_port(const char *arg, uint16_t *ports, int *nports)
{
	uint64_t v;

	if (parse_u64(arg, 1, 65535, &v)) {
		np_err("invalid value '%s' for --dns-port: expected 1..65535", arg);
		return -EINVAL;
	}
	for (int i = 0; i < *nports; i++)
		if (ports[i] == v)
			return 0;
	if (*nports == NP_DNS_PORTS_MAX) {
		np_err("too many --dns-port values (at most %d with 53)", NP_DNS_PORTS_MAX);
		return -EINVAL;
	}
	ports[(*nports)++] = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct dns_opts *o)
{
	static const char *const formats[] = { "text", "json" };
	int c, i;

	memset(o, 0, sizeof(*o));
	o->timeout = DNS_TIMEOUT_DEFAULT;
	o->cap.buffer_bytes = 2097152;
	o->sink.dns_ports[o->nports++] = 53;
	optind = 0;	/* glibc: a full restart, also inside "-hx" where an earlier parse stopped */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_DURATION:
			if (parse_seconds_opt(optarg, "duration", &o->duration))
				return -EINVAL;
			break;
		case OPT_DNS_TIMEOUT:
			if (parse_seconds_opt(optarg, "dns-timeout", &o->timeout))
				return -EINVAL;
			break;
		case OPT_FORMAT:
			if (np_pick(optarg, "format", formats, 2, &i))
				return -EINVAL;
			o->json = i == 1;
			break;
		case OPT_SUMMARY:
			o->summary = true;
			break;
		case OPT_PID:
			if (view_parse_pids(optarg, &o->view))
				return -EINVAL;
			break;
		case OPT_FILTER:
			o->view.filter = optarg;
			break;
		case OPT_DNS_PORT:
			if (dns_parse_port(optarg, o->sink.dns_ports, &o->nports))
				return -EINVAL;
			break;
		case OPT_CAPTURE_MODE:
			if (capture_parse_opt(CAPTURE_OPT_MODE, optarg, &o->cap))
				return -EINVAL;
			break;
		case OPT_ATTACH:
			if (capture_parse_opt(CAPTURE_OPT_ATTACH, optarg, &o->cap))
				return -EINVAL;
			break;
		case OPT_INTERFACE:
			if (capture_parse_opt(CAPTURE_OPT_INTERFACE, optarg, &o->cap))
				return -ENODEV;
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

int dns_parse_only(int argc, char **argv)
{
	struct dns_opts o;

	return parse_opts(argc, argv, &o);
}

static bool wanted(const struct dns_opts *o, const struct dns_event *e)
{
	if (o->view.npids && (!e->has_owner || !view_pid_wanted(&o->view, e->owner.tgid)))
		return false;
	if (o->view.filter && (!e->has_owner || !view_name_matches(e->owner.comm, o->view.filter)))
		return false;
	return true;
}

static void on_event(void *ctx, const struct dns_event *e)
{
	struct dns_run *r = ctx;

	if (!wanted(r->o, e))
		return;
	if (r->o->summary) {
		dns_summary_add(&r->sum, e);
		return;
	}
	if (!r->o->json && !r->header_done) {
		dns_report_header(stdout);
		r->header_done = true;
	}
	dns_report_event(stdout, r->o->json, e);
}

static int watch(const struct dns_opts *o, struct capture *cap, struct np_model *m,
		 struct dns_tracker *t)
{
	double start = now_monotonic(), last_collect = start;
	int err = 0;

	while (!np_stop_requested) {
		double now = now_monotonic();
		double left = o->duration ? start + o->duration - now : POLL_SLICE_MS / 1000.0;
		int slice = left * 1000 + 1;

		if (o->duration && left <= 0)
			break;
		if ((err = cap->wait(cap, m, slice < POLL_SLICE_MS ? slice : POLL_SLICE_MS)))
			break;
		now = now_monotonic();
		if (now - last_collect >= COLLECT_PERIOD) {
			if ((err = cap->collect(cap, m)))
				break;
			last_collect = now;
			model_reset_interval(m);
			model_prune(m, now, 60);
		}
		dns_track_expire(t, now, false);
	}
	if (err) {
		np_err("capture failed: %s", strerror(-err));
		return NP_EXIT_USAGE;
	}
	/* What arrived before the end, then the queries still waiting. */
	if (!cap->collect(cap, m))
		cap->wait(cap, m, 0);
	dns_track_expire(t, now_monotonic(), true);
	return NP_EXIT_OK;
}

int cmd_dns(int argc, char **argv)
{
	struct dns_opts o;
	struct dns_run run = { .o = &o };
	struct dns_tracker t;
	struct capture cap = {};
	struct np_model m;
	int err;

	err = parse_opts(argc, argv, &o);
	if (err > 0)
		return NP_EXIT_OK;
	if (err)
		return NP_EXIT_USAGE;
	if (dns_track_init(&t, o.timeout, DNS_PENDING_MAX_DEFAULT, on_event, &run) ||
	    dns_summary_init(&run.sum) || model_init(&m)) {
		np_err("out of memory");
		return NP_EXIT_FATAL;
	}
	o.sink.fn = dns_track_payload;
	o.sink.ctx = &t;
	o.cap.payloads = &o.sink;
	/* Before the capture says it is attached: a stop sent then ends the run cleanly. */
	np_catch_stop_signals();
	if ((err = capture_open(&cap, &o.cap)))
		goto out;
	if (cap.ndegraded)
		capture_say_degraded(&cap);
	if (cap.payload_missing) {
		np_err("DNS capture unavailable in this mode: %s", cap.payload_missing);
		err = NP_EXIT_USAGE;
		cap.close(&cap);
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	err = watch(&o, &cap, &m, &t);
	if (o.summary)
		dns_summary_print(&run.sum, stdout, o.json, &t.n, m.stat[NP_STAT_PAYLOAD_LOST]);
	else if (t.n.malformed || t.n.truncated || t.n.pending_overflow || m.stat[NP_STAT_PAYLOAD_LOST])
		np_err("dns: %llu malformed, %llu truncated, %llu queries not followed (table full), "
		       "%llu messages lost", (unsigned long long)t.n.malformed,
		       (unsigned long long)t.n.truncated, (unsigned long long)t.n.pending_overflow,
		       (unsigned long long)m.stat[NP_STAT_PAYLOAD_LOST]);
	cap.close(&cap);
out:
	model_free(&m);
	dns_summary_free(&run.sum);
	dns_track_free(&t);
	return err;
}
