// SPDX-License-Identifier: GPL-2.0-only
/*
 * `netoproc latency`: the time skbs spend between points of the packet path
 * (bpf/latency.bpf.c), as per-stage histograms kept in the kernel. Options,
 * filters and exit codes are trace's (pktpath/pkt_cmd.c). Every --interval
 * the programs switch to the other half of the histogram table (an epoch
 * bit in the key); the half they left is read, added to the run's totals and
 * deleted, so each sample is in exactly one interval.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "containers/ct_resolve.h"
#include "filter/filter_opts.h"
#include "latency/latency.h"
#include "latency/latency_collect.h"
#include "latency/latency_conn.h"
#include "latency/latency_report.h"
#include "latency/latency_stages.h"
#include "lib/util.h"
#include "pktpath/pkt_cmd.h"
#include "pktpath/pkt_format.h"

#define POLL_MS 100
#define SETTLE_MS 20		/* after an epoch flip, before the old half is read */
#define DEFAULT_INFLIGHT 65536

struct latency_opts {
	struct pkt_opts c;	/* --format, --duration, the filter */
	double interval;	/* 0: one table at exit */
	enum np_lat_by by;
	uint64_t max_inflight;
	bool connections;	/* --connections: TCP connections instead of stages */
	bool send_calls;	/* --send-calls: tx_stack and tx_total */
	uint64_t slow_ns;	/* --threshold: packets at least this slow end to end, shown */
};

struct lat_ctx {
	struct latency_opts *o;
	struct lat_collector col;
};

static void usage(FILE *out)
{
	fputs("Usage: netoproc latency [OPTIONS] [EXPRESSION]\n"
	      "\n"
	      "Where the time goes along the packet path: per-stage latency histograms\n"
	      "kept in the kernel (rx_stack, rx_socket_queue, rx_total, tx_stack, tx_qdisc,\n"
	      "tx_device, tx_total, veth, bridge), with count, p50, p90, p99 and max.\n"
	      "\n"
	      "  --interval SECS        a table every SECS (and the run's totals at exit)\n"
	      "  --by process|dev       one row per process (the reader or sender) or device\n"
	      "  --max-inflight N       skbs timed at once (65536); more are counted, not timed\n"
	      "  --send-calls           also tx_stack and tx_total, from each send call: this\n"
	      "                         traces every system call of the machine (slower)\n"
	      "  --threshold MS         also each packet whose rx_total or tx_total is at\n"
	      "                         least MS milliseconds, with the time of each stage\n"
	      "  --connections          TCP connections instead: connect time and failures,\n"
	      "                         RTT, retransmissions, RTOs, out-of-order, zero windows,\n"
	      "                         bytes in flight; per process and per remote too\n"
	      "  --format text|json     a table, or one JSON object per line per stage (text)\n"
	      "  --duration SECS        stop after SECS\n"
	      "  --container ID|NAME    only that container's network namespace (id or name\n"
	      "                         prefix; from its running processes, as --netns)\n"
	      FILTER_USAGE
	      "  -v, --verbose          say what is attached\n"
	      "  -h, --help\n"
	      "\n"
	      "Exit status: 0 ok, 1 missing privilege, 2 bad arguments or BPF error.\n", out);
}

enum { OPT_INTERVAL = 256, OPT_BY, OPT_MAX_INFLIGHT, OPT_CONNECTIONS, OPT_THRESHOLD,
       OPT_SEND_CALLS };

static const struct option long_opts[] = {
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "by", required_argument, NULL, OPT_BY },
	{ "max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT },
	{ "connections", no_argument, NULL, OPT_CONNECTIONS },
	{ "send-calls", no_argument, NULL, OPT_SEND_CALLS },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	PKT_LONG_OPTS,
	{ 0 },
};

static int latency_option(void *opts, int opt, const char *arg)
{
	static const char *const bys[] = { "process", "dev" };
	struct latency_opts *o = opts;
	double ms;
	int i;

	switch (opt) {
	case OPT_INTERVAL:
		return parse_seconds_opt(arg, "interval", &o->interval) ? -EINVAL : 0;
	case OPT_BY:
		if (np_pick(arg, "by", bys, 2, &i))
			return -EINVAL;
		o->by = i == 0 ? NP_LAT_BY_PROCESS : NP_LAT_BY_DEV;
		return 0;
	case OPT_MAX_INFLIGHT:
		if (parse_u64(arg, 64, 1 << 24, &o->max_inflight)) {
			np_err("invalid value '%s' for --max-inflight: expected 64 to 16777216", arg);
			return -EINVAL;
		}
		/* The table is a power of 2 (latency.bpf.c): rounded up. */
		while (o->max_inflight & (o->max_inflight - 1))
			o->max_inflight += o->max_inflight & -o->max_inflight;
		return 0;
	case OPT_CONNECTIONS:
		o->connections = true;
		return 0;
	case OPT_SEND_CALLS:
		o->send_calls = true;
		return 0;
	case OPT_THRESHOLD:
		/* plain decimals (parse_seconds' rule), in ms; under 1 ns is no threshold */
		if (parse_seconds(arg, &ms) || ms * 1e6 < 1) {
			np_err("invalid value '%s' for --threshold: expected a positive number of "
			       "milliseconds", arg);
			return -EINVAL;
		}
		o->slow_ns = (uint64_t)(ms * 1e6 + 0.5);
		return 0;
	}
	return -EINVAL;
}

/*
 * --container: the histograms are summed in the kernel, where no container is known, so
 * it becomes the --netns filter of the container's own namespace (from its running
 * processes); one it shares with the host, or none, is refused: 0 or -EINVAL.
 */
static int container_netns(struct pkt_opts *c)
{
	struct ct_resolver r;
	struct ct_info ct;
	struct stat host;
	uint64_t ns = 0;
	int err;

	if (c->f.cfg.flags & NP_F_NETNS) {
		np_err("--container and --netns together: give one namespace");
		return -EINVAL;
	}
	if (ct_resolver_init(&r)) {
		np_err("--container %s: out of memory", c->container);
		return -EINVAL;
	}
	err = ct_container_netns(&r, c->container, &ns, &ct);
	ct_resolver_free(&r);
	if (err == -ENOENT) {
		np_err("--container %s: no running process of such a container (its network "
		       "namespace is found from them)", c->container);
		return -EINVAL;
	}
	if (err == -EMLINK) {
		np_err("--container %s: its processes are in more than one network namespace "
		       "(use --netns)", c->container);
		return -EINVAL;
	}
	if (err) {
		np_err("--container %s: cannot read /proc: %s", c->container, strerror(-err));
		return -EINVAL;
	}
	if ((!stat("/proc/1/ns/net", &host) && host.st_ino == ns) ||
	    (!stat("/proc/self/ns/net", &host) && host.st_ino == ns)) {
		np_err("--container %s (%.12s%s%s): it shares the host's network namespace, whose "
		       "packets latency cannot tell from its own", c->container, ct.ident.id,
		       ct.name[0] ? " " : "", ct.name);
		return -EINVAL;
	}
	np_info("latency: --container %s: %.12s%s%s, network namespace %llu", c->container,
		ct.ident.id, ct.name[0] ? " " : "", ct.name, (unsigned long long)ns);
	c->f.cfg.flags |= NP_F_NETNS;
	c->f.cfg.netns = (uint32_t)ns;
	return 0;
}

static int latency_check(void *opts)
{
	struct latency_opts *o = opts;

	if (o->c.count) {
		np_err("--count does not apply to latency (it counts no events): use --duration");
		return -EINVAL;
	}
	if (o->c.container && container_netns(&o->c))
		return -EINVAL;
	if (o->connections && o->slow_ns) {
		np_err("--threshold does not apply to --connections (it times packets)");
		return -EINVAL;
	}
	if (o->connections && o->by) {
		np_err("--by does not apply to --connections (it shows connections, processes and "
		       "remotes)");
		return -EINVAL;
	}
	return 0;
}

static void report_interval(struct lat_ctx *t)
{
	if (t->o->connections)
		conn_report(stdout, t->o->c.json, &t->col.conns, false, now_realtime());
	else
		lat_report(stdout, t->o->c.json, t->col.iv, t->col.niv, false, now_realtime());
}

/* The interval's data: the programs to the other half, then the half they left. */
static int collect(struct lat_ctx *t)
{
	lat_flip(&t->col);
	usleep(SETTLE_MS * 1000);
	return lat_read(&t->col);
}

static int loop(struct lat_ctx *t)
{
	struct latency_opts *o = t->o;
	double start = now_monotonic(), next_iv = start + o->interval;
	int err;

	np_catch_stop_signals();
	while (!np_stop_requested) {
		double now = now_monotonic(), wait = POLL_MS / 1e3;

		if (o->c.duration && now - start >= o->c.duration)
			break;
		if (o->interval && now >= next_iv) {
			if ((err = collect(t)))
				return err;
			report_interval(t);
			next_iv += o->interval;
			continue;
		}
		lat_poll(&t->col);
		if (o->interval && next_iv - now < wait)
			wait = next_iv - now;
		if (o->c.duration && start + o->c.duration - now < wait)
			wait = start + o->c.duration - now;
		if (wait > 0)
			usleep((useconds_t)(wait * 1e6));
	}
	if ((err = collect(t)))
		return err;
	/* The last interval (shorter when --interval does not divide --duration). */
	if (o->interval && (t->col.niv || o->connections))
		report_interval(t);
	if (o->connections)
		conn_report(stdout, o->c.json, &t->col.conns, true, now_realtime());
	else
		lat_report(stdout, o->c.json, t->col.total, t->col.ntotal, true, now_realtime());
	return 0;
}

/* --threshold: a slow packet's line, as it comes (between the interval tables). */
static void print_slow(void *ctx, const struct np_lat_slow *s)
{
	const struct latency_opts *o = ctx;

	lat_report_slow(stdout, o->c.json, s);
}

static int run(void *opts)
{
	struct latency_opts *o = opts;
	struct lat_ctx t = { .o = o };
	struct lat_config cfg = {
		.f = &o->c.f, .by = o->by, .max_inflight = o->max_inflight,
		.modes = o->connections ? LAT_MODE_CONNS : LAT_MODE_STAGES,
		.slow_ns = o->slow_ns, .on_slow = print_slow, .slow_ctx = o,
		.send_calls = o->send_calls,
	};
	int err;

	if ((err = lat_collector_init(&t.col, &cfg)))
		goto cleanup;
	if ((err = lat_open(&t.col, &cfg)))
		goto cleanup;
	/* Before saying so: a stop sent once we are attached must end the run cleanly. */
	np_catch_stop_signals();
	np_info("latency: capture attached: %d programs (%s)%s%s", t.col.nlinks,
		t.col.tier_btf ? "tp_btf" : "raw_tp", o->c.f.expr ? ", filter: " : "",
		o->c.f.expr ? o->c.f.expr : "");
	err = loop(&t);
	pkt_say_filter_short("latency", lat_filter_short_fd(&t.col));
	lat_say_counters(&t.col);
cleanup:
	lat_close(&t.col);
	return err;
}

static const struct pkt_cmd latency_cmd = {
	.name = "latency", .long_opts = long_opts, .usage = usage, .option = latency_option,
	.check = latency_check, .run = run,
};

int latency_parse_only(int argc, char **argv)
{
	struct latency_opts o = { .max_inflight = DEFAULT_INFLIGHT };

	return pkt_cmd_parse_only(&latency_cmd, &o.c, &o, argc, argv);
}

int cmd_latency(int argc, char **argv)
{
	struct latency_opts o = { .max_inflight = DEFAULT_INFLIGHT };

	return pkt_cmd_main(&latency_cmd, &o.c, &o, argc, argv);
}
