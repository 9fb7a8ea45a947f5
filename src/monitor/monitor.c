// SPDX-License-Identifier: GPL-2.0-only
/*
 * The default command: which processes use the network, with whom, how much.
 * Snapshot mode (--duration) prints totals at the end or one record per
 * --interval; live mode refreshes a table until interrupted.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "lib/cgroup.h"
#include "lib/procinfo.h"
#include "lib/util.h"
#include "dns/dns_cmd.h"
#include "dns/dns_track.h"
#include "dns/dns_view.h"
#include "dns/rdns.h"
#include "monitor/capture/proc_facts.h"
#include "monitor/model/output.h"
#include "monitor/model/view.h"
#include "monitor/monitor.h"
#include "tui/tui.h"

#define LIVE_DEFAULT_INTERVAL 1.0
#define POLL_SLICE_MS 100
#define PRUNE_IDLE 60.0	/* seconds without traffic before a finished process is dropped */
#define REFRESH_PERIOD 1.0	/* seconds between socket dumps inside a period */
#define NAMING_PERIOD 0.25	/* seconds between looks for names of connections without one */

/* Names of remotes, learnt from DNS answers and ClientHellos; NULL with --no-dns. */
static struct dns_tracker *dns_names;
/* --resolve: reverse lookups in a thread of their own; lives as long as the process. */
static struct rdns rdns;

static void usage(FILE *out)
{
	fputs("Usage: netoproc [OPTIONS]\n"
	      "       netoproc probe [--format text|json]\n"
	      "       netoproc trace [OPTIONS] [EXPRESSION]   packets along their path\n"
	      "       netoproc drop [OPTIONS] [EXPRESSION]    every packet drop, with its reason\n"
	      "       netoproc dns [OPTIONS]                  every DNS query, with who asked\n"
	      "       netoproc export [OPTIONS]               Prometheus metrics over HTTP\n"
	      "\n"
	      "Per-process network traffic: attributed in the kernel with eBPF, or from\n"
	      "AF_PACKET capture and the socket table where eBPF cannot run.\n"
	      "\n"
	      "  --duration SECS        snapshot: totals over SECS, then exit\n"
	      "  --interval SECS        with --duration: one record per interval;\n"
	      "                         without: refresh period of the live view (1)\n"
	      "  --format tsv|json|pretty   snapshot format (tsv)\n"
	      "  --capture-mode auto|ebpf|afpacket   capture backend (auto)\n"
	      "  --attach auto|tracepoint|fentry|kprobe   eBPF hook tier (auto: probed)\n"
	      "  --btf FILE             the kernel's BTF from FILE (kernels without their own)\n"
	      "  --interface NAME       count only traffic through NAME\n"
	      "  --cgroup PATH          watch only this cgroup-v2 subtree\n"
	      "  --pid PID              show only PID (repeatable, or PID,PID...)\n"
	      "  --filter PAT           show processes whose name contains PAT\n"
	      "  --container ID|NAME    only processes of the container whose id or name starts so\n"
	      "  --netns INODE|PATH|NAME|all   only processes in that network namespace\n"
	      "                         (a name is one under /run/netns; repeatable); in\n"
	      "                         AF_PACKET mode a ring in each (all: every one)\n"
	      "  --unit NAME            only processes of that systemd unit or scope\n"
	      "  --group process|container|pod|cgroup|unit|netns   sum rows by that key (process)\n"
	      "  --sort traffic|pid|name|connections   row order (traffic)\n"
	      "  --capture-buffer BYTES capture buffer, 4096..16777216 (2097152)\n"
	      "  --no-dns               no names for remotes (none read from DNS or TLS)\n"
	      "  --dns-port PORT        DNS is also on PORT (repeatable; 53 always)\n"
	      "  --dns-timeout SECS     the live view's DNS tab: unanswered after SECS (5)\n"
	      "  --resolve              name remotes no DNS answer named by reverse lookups\n"
	      "                         (rate-limited, cached, in the background)\n"
	      "  --no-color             no colours (also NO_COLOR)\n"
	      "  --units bytes|bits     rates of the live view in bytes/s (1024-based) or\n"
	      "                         bits/s (1000-based) (bytes)\n"
	      "  --monitor              the live view (the default without --duration; kept\n"
	      "                         from the original netoproc's command line): on a\n"
	      "                         terminal an interactive one (? shows its keys),\n"
	      "                         else a plain table every interval\n"
	      "  -v, --verbose          say what is attached and why\n"
	      "  --version, -h/--help\n"
	      "\n"
	      "Exit status: 0 ok, 1 missing privilege, 2 bad arguments or capture error, 4 fatal.\n",
	      out);
}

enum {
	OPT_DURATION = 256, OPT_INTERVAL, OPT_FORMAT, OPT_CAPTURE_MODE, OPT_INTERFACE,
	OPT_CGROUP, OPT_PID, OPT_FILTER, OPT_SORT, OPT_NO_DNS, OPT_NO_COLOR, OPT_VERSION,
	OPT_MONITOR, OPT_CAPTURE_BUFFER, OPT_ATTACH, OPT_BTF, OPT_DNS_PORT, OPT_DNS_TIMEOUT,
	OPT_UNITS, OPT_RESOLVE, OPT_GROUP, OPT_CONTAINER, OPT_NETNS, OPT_UNIT,
};

static const struct option long_opts[] = {
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "capture-mode", required_argument, NULL, OPT_CAPTURE_MODE },
	{ "interface", required_argument, NULL, OPT_INTERFACE },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "capture-buffer", required_argument, NULL, OPT_CAPTURE_BUFFER },
	{ "attach", required_argument, NULL, OPT_ATTACH },
	{ "btf", required_argument, NULL, OPT_BTF },
	{ "no-dns", no_argument, NULL, OPT_NO_DNS },
	{ "dns-port", required_argument, NULL, OPT_DNS_PORT },
	{ "dns-timeout", required_argument, NULL, OPT_DNS_TIMEOUT },
	{ "resolve", no_argument, NULL, OPT_RESOLVE },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "units", required_argument, NULL, OPT_UNITS },
	{ "monitor", no_argument, NULL, OPT_MONITOR },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

int monitor_resolve_cgroup(const char *arg, char *out, size_t size)
{
	char root[256];
	struct stat st;

	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode) && cgroup2_mount(root, sizeof(root)) == 0 &&
	    strncmp(arg, root, strlen(root)) == 0) {
		snprintf(out, size, "%s", arg);
		return 0;
	}
	if (cgroup2_mount(root, sizeof(root))) {
		np_err("--cgroup %s: no cgroup v2 hierarchy is mounted", arg);
		return -ENOENT;
	}
	snprintf(out, size, "%s/%s", root, arg[0] == '/' ? arg + 1 : arg);
	if (stat(out, &st) || !S_ISDIR(st.st_mode)) {
		np_err("--cgroup %s: no such cgroup under %s", arg, root);
		return -ENOENT;
	}
	return 0;
}

int parse_monitor_opts(int argc, char **argv, struct monitor_opts *o)
{
	static const char *const formats[] = { "tsv", "json", "pretty" };
	static const char *const sorts[] = { "traffic", "pid", "name", "connections" };
	static const char *const units[] = { "bytes", "bits" };
	static char cgroup_buf[4096];
	int ndns_ports = 0;
	int c, i, err;

	memset(o, 0, sizeof(*o));
	o->cap.buffer_bytes = 2097152;
	o->dns.dns_ports[ndns_ports++] = 53;
	o->dns_timeout = DNS_TIMEOUT_DEFAULT;
	o->color = getenv("NO_COLOR") == NULL;
	optind = 0;	/* glibc: a full restart, also inside "-hx" where an earlier parse stopped */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_DURATION:
			if (parse_seconds_opt(optarg, "duration", &o->duration))
				return -EINVAL;
			break;
		case OPT_INTERVAL:
			if (parse_seconds_opt(optarg, "interval", &o->interval))
				return -EINVAL;
			break;
		case OPT_FORMAT:
			if ((err = np_pick(optarg, "format", formats, 3, &i)))
				return err;
			o->format = i;
			break;
		case OPT_CAPTURE_MODE:
			if ((err = capture_parse_opt(CAPTURE_OPT_MODE, optarg, &o->cap)))
				return err;
			break;
		case OPT_ATTACH:
			if ((err = capture_parse_opt(CAPTURE_OPT_ATTACH, optarg, &o->cap)))
				return err;
			break;
		case OPT_BTF:
			/* Read it now: a missing or broken file is a usage error, not a fallback. */
			{
				libbpf_print_fn_t quiet = libbpf_set_print(NULL);
				struct btf *btf = btf__parse(optarg, NULL);
				long e = libbpf_get_error(btf);
				char why[128];

				libbpf_set_print(quiet);
				if (e) {
					libbpf_strerror(e, why, sizeof(why));
					np_err("--btf %s: cannot read BTF: %s", optarg, why);
					return -EINVAL;
				}
				btf__free(btf);
			}
			o->cap.btf_path = optarg;
			break;
		case OPT_SORT:
			if ((err = np_pick(optarg, "sort", sorts, 4, &i)))
				return err;
			o->view.sort = i;
			break;
		case OPT_INTERFACE:
			if ((err = capture_parse_opt(CAPTURE_OPT_INTERFACE, optarg, &o->cap)))
				return err;
			o->view.hide_idle = true;
			break;
		case OPT_CGROUP:
			if ((err = monitor_resolve_cgroup(optarg, cgroup_buf, sizeof(cgroup_buf))))
				return err;
			o->cap.cgroup_path = cgroup_buf;
			break;
		case OPT_PID:
			if ((err = view_parse_pids(optarg, &o->view)))
				return err;
			break;
		case OPT_FILTER:
			o->view.filter = optarg;
			break;
		case OPT_GROUP:
			if ((err = view_parse_group(optarg, &o->view)))
				return err;
			break;
		case OPT_CONTAINER:
			if ((err = view_parse_container(optarg, &o->view)))
				return err;
			break;
		case OPT_NETNS:
			if ((err = view_parse_netns(optarg, &o->view)))
				return err;
			break;
		case OPT_UNIT:
			if ((err = view_parse_unit(optarg, &o->view)))
				return err;
			break;
		case OPT_CAPTURE_BUFFER:
			if ((err = capture_parse_opt(CAPTURE_OPT_BUFFER, optarg, &o->cap)))
				return err;
			break;
		case OPT_NO_DNS:
			o->no_dns = true;
			break;
		case OPT_RESOLVE:
			o->resolve = true;
			break;
		case OPT_DNS_TIMEOUT:
			if (parse_seconds_opt(optarg, "dns-timeout", &o->dns_timeout))
				return -EINVAL;
			break;
		case OPT_DNS_PORT:
			if ((err = dns_parse_port(optarg, o->dns.dns_ports, &ndns_ports)))
				return err;
			break;
		case OPT_NO_COLOR:
			o->color = false;
			break;
		case OPT_UNITS:
			if ((err = np_pick(optarg, "units", units, 2, &i)))
				return err;
			o->bits = i == 1;
			break;
		case OPT_MONITOR:	/* the original's flag for what is the default here */
			break;
		case 'v':
			np_verbose = true;
			break;
		case OPT_VERSION:
			printf("netoproc %s\n", NETOPROC_VERSION);
			return 1;
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
	if (o->view.netns_all && o->view.nnetns) {
		np_err("--netns all goes with no other --netns");
		return -EINVAL;
	}
	/* AF_PACKET opens a ring in each of them; eBPF sees every namespace anyway */
	o->cap.netns = o->view.netns;
	o->cap.nnetns = o->view.nnetns;
	o->cap.netns_all = o->view.netns_all;
	if (o->interval && o->duration && o->interval > o->duration) {
		np_err("--interval %g is longer than --duration %g", o->interval, o->duration);
		return -EINVAL;
	}
	if (!isatty(STDOUT_FILENO))
		o->color = false;
	return 0;
}

/* :: or 0.0.0.0: an unconnected socket's remote, which has no name. */
static bool is_unspecified(const uint8_t a[16])
{
	static const uint8_t any6[16], any4[16] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, any6, 16) || !memcmp(a, any4, 16);
}

/*
 * Connections without a name yet get the one DNS or a ClientHello gave their
 * remote, or with --resolve the one a reverse lookup found.
 */
static void name_remotes(struct np_model *m)
{
	static double last;
	static unsigned last_gen, last_payloads;
	double now = now_monotonic();
	size_t i = 0;
	void *v;

	/* After every dump (what an output shows), else now and then. */
	if ((!dns_names && !rdns.running) ||
	    (m->dump_gen == last_gen && now - last < NAMING_PERIOD))
		return;
	last = now;
	if (dns_names)	/* unanswered queries: the DNS tab's timeouts */
		dns_track_expire(dns_names, now, false);
	/*
	 * Between dumps no connection is new: only a name taken since the last
	 * walk, or a reverse lookup's answer, can name one (the walk over
	 * 10,000 connections four times a second was a tenth of the monitor's CPU).
	 */
	if (m->dump_gen == last_gen && !rdns.running &&
	    (!dns_names || dns_names->payloads == last_payloads))
		return;
	last_gen = m->dump_gen;
	if (dns_names)
		last_payloads = dns_names->payloads;
	while (htab_next(&m->procs, &i, NULL, &v)) {
		struct np_proc *p = v;

		/* Gone before /proc was read: the DNS side may have seen it alive. */
		if (dns_names && !p->netns && !p->is_unknown)
			p->netns = dns_track_netns_of(dns_names, p->pid, p->start_ns);
		for (struct np_conn *c = p->conns; c; c = c->next) {
			enum dns_name_source src = NAME_NONE;
			const char *name = NULL, *source;
			char ptr[256];

			if (c->remote_name || is_unspecified(c->remote.addr))
				continue;
			/*
			 * Looked in vain before, and the DNS side has taken nothing since:
			 * ten thousand loopback connections need not be looked up each second.
			 */
			if (!rdns.running && c->name_looked == dns_names->payloads + 1 &&
			    c->name_netns == p->netns)
				continue;
			if (dns_names)
				name = dns_track_name(dns_names, p->netns, c->remote.addr, c->cookie,
						      now, &src);
			source = name ? dns_name_source_str(src) : NULL;
			if (!name && (name = rdns_name(&rdns, c->remote.addr, ptr, sizeof(ptr))))
				source = "ptr";
			if (name && (c->remote_name = strdup(name)))
				c->name_source = source;
			if (!name && dns_names) {
				c->name_looked = dns_names->payloads + 1;
				c->name_netns = p->netns;
			}
		}
	}
}

/* Names for connections, /proc facts for processes seen for the first time. */
static void enrich(struct np_model *m, struct htab *cg_cache, struct capture *cap)
{
	name_remotes(m);
	proc_facts_fill(m, cg_cache, cap);
}

static void emit(const struct monitor_opts *o, struct np_model *m, const struct capture *cap,
		 double period, bool interval_record, bool live)
{
	struct view v;
	struct run_info ri = {
		.mode = cap->mode, .attach = cap->attach, .time = now_realtime(),
		.interval = period, .model = m, .degraded = cap->degraded,
		.ndegraded = cap->ndegraded, .self_check_ms = cap->self_check_ms,
	};

	if (view_build(&v, m, &o->view, interval_record || live)) {
		np_err("out of memory");
		return;
	}
	if (live)
		output_live_table(stdout, &v, &ri, isatty(STDOUT_FILENO), o->color);
	else if (interval_record && o->format == FMT_JSON)
		output_interval_json(stdout, &v, &ri);
	else
		output_snapshot(stdout, o->format, &v, &ri, o->color);
	view_free(&v);
}

/* The capture and the /proc facts, brought into the model together. */
struct feed_ctx {
	struct capture *cap;
	struct np_model *m;
	struct htab cg_cache;
};

static int feed_collect(struct tui_feed *f)
{
	struct feed_ctx *c = f->ctx;
	int err = c->cap->collect(c->cap, c->m);

	if (!err)
		enrich(c->m, &c->cg_cache, c->cap);
	return err;
}

static int feed_wait(struct tui_feed *f, int timeout_ms)
{
	struct feed_ctx *c = f->ctx;
	int err = c->cap->wait(c->cap, c->m, timeout_ms);

	if (!err)
		enrich(c->m, &c->cg_cache, c->cap);
	return err;
}

/*
 * Wait until @until (monotonic), draining the capture, with a socket dump at
 * least every REFRESH_PERIOD so /proc is read while processes live. Returns
 * early on SIGINT/SIGTERM.
 */
static int pump_until(struct tui_feed *f, double until, double *last_collect)
{
	int err = 0;

	while (!err && !np_stop_requested) {
		double now = now_monotonic();
		int slice;

		if (now >= until)
			break;
		if (now - *last_collect >= REFRESH_PERIOD) {
			if ((err = feed_collect(f)))
				break;
			*last_collect = now;
		}
		slice = (int)((until - now) * 1000) + 1;
		err = feed_wait(f, slice > POLL_SLICE_MS ? POLL_SLICE_MS : slice);
	}
	return err;
}

/*
 * --duration: totals at the end, or with --interval one record per interval.
 * Intervals are cut at start + k * interval (never drifting), the last one at
 * start + duration, shorter if the duration is not a multiple: every byte of
 * the run lands in exactly one record, and the records add up to what one
 * snapshot of the same duration shows. SIGINT/SIGTERM ends the run with what
 * was counted so far (a last, partial record).
 */
static int run_snapshot(const struct monitor_opts *o, struct tui_feed *f)
{
	struct feed_ctx *c = f->ctx;
	double start = now_monotonic(), last = start, last_collect = start;
	double end = start + o->duration, period = o->interval;
	/* ceil(duration / interval); decimals inexact in binary (1.1 / 0.1) make no extra record */
	unsigned long n = period ? (unsigned long)ceil(o->duration / period - 1e-6) : 1, k = 0;
	int err = 0;

	while (!np_stop_requested && k < n) {
		double boundary = k + 1 == n ? end : start + (k + 1) * period;
		double now;

		if ((err = pump_until(f, boundary, &last_collect)) || np_stop_requested)
			break;
		if ((err = feed_collect(f)))
			break;
		now = last_collect = now_monotonic();
		k++;
		if (period) {
			emit(o, c->m, c->cap, now - last, true, false);
			model_reset_interval(c->m);
			/*
			 * Records carry their interval only: the long gone can be
			 * forgotten, as in the live views, so a long run under
			 * process churn stays flat. (One snapshot of the whole run
			 * keeps every process: it reports them all at the end.)
			 */
			model_prune(c->m, now, PRUNE_IDLE);
		}
		last = now;
	}
	if (err) {
		np_err("capture failed: %s", strerror(-err));
		return NP_EXIT_USAGE;
	}
	if (!period || k < n) {
		/* The totals, or the interrupted interval: always a complete document. */
		double now = now_monotonic();

		feed_collect(f);
		if (!period)
			emit(o, c->m, c->cap, now - start, false, false);
		else if (now > last)
			emit(o, c->m, c->cap, now - last, true, false);
	}
	if (output_lost_total(c->m))
		np_err("lost %llu %s", (unsigned long long)output_lost_total(c->m),
		       output_lost_what(c->cap->mode));
	if (c->m->stat[NP_STAT_RUNS_SKIPPED])
		np_err("the kernel skipped %llu runs of netoproc's programs (another BPF program "
		       "or a map syscall active on the CPU): their traffic may be uncounted; "
		       "-v says which", (unsigned long long)c->m->stat[NP_STAT_RUNS_SKIPPED]);
	if (np_verbose)
		output_counters_text(stderr, c->m);
	return NP_EXIT_OK;
}

/* Live, not on a terminal: the plain table once per interval until interrupted. */
static int run_table(const struct monitor_opts *o, struct tui_feed *f, double period)
{
	struct feed_ctx *c = f->ctx;
	double start = now_monotonic(), last = start, last_collect = start;
	unsigned long k = 0;
	int err = 0;

	while (!np_stop_requested) {
		double now;

		if ((err = pump_until(f, start + (k + 1) * period, &last_collect)) || np_stop_requested)
			break;
		if ((err = feed_collect(f)))
			break;
		now = last_collect = now_monotonic();
		/* After a stall (a stopped process), start the steps again from now. */
		k = (unsigned long)((now - start) / period);
		emit(o, c->m, c->cap, now - last, false, true);
		model_reset_interval(c->m);
		/* Endless runs forget the long gone. */
		model_prune(c->m, now, PRUNE_IDLE);
		last = now;
	}
	if (err) {
		np_err("capture failed: %s", strerror(-err));
		return NP_EXIT_USAGE;
	}
	return NP_EXIT_OK;
}

static int run(const struct monitor_opts *o, struct capture *cap, struct np_model *m)
{
	struct feed_ctx c = { .cap = cap, .m = m };
	struct tui_feed f = {
		.cap = cap, .model = m, .collect = feed_collect, .wait = feed_wait, .ctx = &c,
	};
	double period = o->interval ? o->interval : LIVE_DEFAULT_INTERVAL;
	int ret = -1;

	if (htab_init(&c.cg_cache, sizeof(uint64_t)))
		return NP_EXIT_FATAL;
	if (o->duration) {
		ret = run_snapshot(o, &f);
	} else {
		/* The interactive view needs a terminal on both ends; else plain tables. */
		if (isatty(STDOUT_FILENO) && isatty(STDIN_FILENO)) {
			struct tui_opts to = {
				.interval = period, .color = o->color,
				.units = o->bits ? TUI_UNITS_BITS : TUI_UNITS_BYTES,
				.view = &o->view, .prune_idle = PRUNE_IDLE,
				.fallback = cap->fallback_reason[0] ? cap->fallback_reason : NULL,
			};
			struct dns_view *dv = NULL;

			/* The DNS tab: queries as they complete, if DNS is read at all. */
			if (dns_names && !cap->payload_missing && (dv = malloc(sizeof(*dv)))) {
				dns_view_init(dv, &dns_names->n);
				dns_names->on_event = dns_view_add;
				dns_names->ctx = dv;
				to.dns = dv;
			}

			ret = tui_run(&f, &to);
			if (dns_names)
				dns_names->on_event = NULL;
			free(dv);
			if (ret < 0)
				np_err("cannot drive terminal '%s': plain tables instead",
				       getenv("TERM") ? getenv("TERM") : "");
		}
		if (ret < 0)
			ret = run_table(o, &f, period);
	}
	htab_free_all(&c.cg_cache);
	return ret;
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor_opts o;
	struct dns_tracker names;
	struct capture cap = {};
	struct np_model m;
	int err;

	err = parse_monitor_opts(argc, argv, &o);
	if (err > 0)
		return NP_EXIT_OK;
	if (err)
		return NP_EXIT_USAGE;
	if (!o.no_dns) {
		if (dns_track_init(&names, o.dns_timeout, DNS_PENDING_MAX_DEFAULT, NULL, NULL)) {
			np_err("out of memory");
			return NP_EXIT_FATAL;
		}
		dns_names = &names;
		o.dns.fn = dns_track_payload;
		o.dns.ctx = &names;
		o.cap.payloads = &o.dns;
	}
	if (o.resolve && rdns_start(&rdns))
		np_err("--resolve: cannot start the lookup thread; remotes stay unnamed");
	/* Before the capture says it is attached: a stop sent then ends the run cleanly. */
	np_catch_stop_signals();
	if ((err = capture_open(&cap, &o.cap)))
		goto out;
	if (cap.ndegraded)
		capture_say_degraded(&cap);
	if (model_init(&m)) {
		cap.close(&cap);
		np_err("out of memory");
		err = NP_EXIT_FATAL;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);	/* the snapshot is written whole, or the error shown */
	err = run(&o, &cap, &m);
	cap.close(&cap);
	model_free(&m);
out:
	if (dns_names && np_verbose)
		np_info("names: %zu from DNS answers, %zu from ClientHellos; %llu malformed and "
			"%llu truncated DNS messages", dns_names->names.count, dns_names->sni.count,
			(unsigned long long)dns_names->n.malformed,
			(unsigned long long)dns_names->n.truncated);
	if (dns_names)
		dns_track_free(dns_names);
	dns_names = NULL;
	if (rdns.running && np_verbose)
		np_info("reverse lookups: %llu asked, %llu named, %llu without a name, %llu not "
			"queued (queue full)", (unsigned long long)rdns.asked,
			(unsigned long long)rdns.named, (unsigned long long)rdns.failed,
			(unsigned long long)rdns.queue_full);
	rdns_stop(&rdns);
	return err;
}
