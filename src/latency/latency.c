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
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "filter/filter_opts.h"
#include "latency/latency.h"
#include "latency/latency_conn.h"
#include "latency/latency_hist.h"
#include "latency/latency_report.h"
#include "latency/latency_stages.h"
#include "lib/bpf_util.h"
#include "lib/util.h"
#include "pktpath/pkt_cmd.h"
#include "pktpath/pkt_format.h"
#include "latency.skel.h"

_Static_assert(sizeof(struct np_lat_key) == 16, "np_lat_key layout");
_Static_assert(sizeof(struct np_lat_hist) == 32 + 8 * NP_LAT_SLOTS + NP_COMM_LEN,
	       "np_lat_hist layout");
_Static_assert(sizeof(struct np_lat_skb) == 120 + 2 * NP_COMM_LEN, "np_lat_skb layout");
_Static_assert(sizeof(struct np_lat_conn) == 144, "np_lat_conn layout");

#define POLL_MS 100
#define SETTLE_MS 20		/* after an epoch flip, before the old half is read */
#define SWEEP_SECS 5.0		/* how often idle in-flight entries are looked for */
#define IDLE_NS (10ull * 1000000000)	/* an entry this idle lost its skb's end */
#define DEFAULT_INFLIGHT 65536
#define MAX_ROWS 4096
#define MAX_CONNS 65536		/* connections kept for the run's totals */

struct latency_opts {
	struct pkt_opts c;	/* --format, --duration, the filter */
	double interval;	/* 0: one table at exit */
	enum np_lat_by by;
	uint64_t max_inflight;
	bool connections;	/* --connections: TCP connections instead of stages */
};

struct lat_ctx {
	struct latency_opts *o;
	struct latency_bpf *skel;
	struct bpf_link *links[64];
	int nlinks;
	unsigned int have;	/* points attached (bits of enum lat_point) */
	bool tier_btf;		/* net_dev_queue's flavour: tp_btf (else raw_tp) */
	struct lat_row *iv, *total;	/* this interval's rows, the run's */
	size_t niv, ntotal;
	uint64_t rows_full;	/* groups not shown: more than MAX_ROWS */
	uint64_t expired;	/* in-flight entries idle past IDLE_NS, removed */
	struct conn_table conns;	/* --connections */
	int ncpu;
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
	      "  --connections          TCP connections instead: connect time and failures,\n"
	      "                         RTT, retransmissions, RTOs, out-of-order, zero windows,\n"
	      "                         bytes in flight; per process and per remote too\n"
	      "  --format text|json     a table, or one JSON object per line per stage (text)\n"
	      "  --duration SECS        stop after SECS\n"
	      FILTER_USAGE
	      "  -v, --verbose          say what is attached\n"
	      "  -h, --help\n"
	      "\n"
	      "Exit status: 0 ok, 1 missing privilege, 2 bad arguments or BPF error.\n", out);
}

enum { OPT_INTERVAL = 256, OPT_BY, OPT_MAX_INFLIGHT, OPT_CONNECTIONS };

static const struct option long_opts[] = {
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "by", required_argument, NULL, OPT_BY },
	{ "max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT },
	{ "connections", no_argument, NULL, OPT_CONNECTIONS },
	PKT_LONG_OPTS,
	{ 0 },
};

static int latency_option(void *opts, int opt, const char *arg)
{
	static const char *const bys[] = { "process", "dev" };
	struct latency_opts *o = opts;
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
		return 0;
	case OPT_CONNECTIONS:
		o->connections = true;
		return 0;
	}
	return -EINVAL;
}

static int latency_check(void *opts)
{
	struct latency_opts *o = opts;

	if (o->c.count) {
		np_err("--count does not apply to latency (it counts no events): use --duration");
		return -EINVAL;
	}
	if (o->connections && o->by) {
		np_err("--by does not apply to --connections (it shows connections, processes and "
		       "remotes)");
		return -EINVAL;
	}
	return 0;
}

/* The point a program serves, from its section name; -1: none (softirq bookkeeping). */
static int program_point(const struct bpf_program *prog, bool *btf, bool *syscall)
{
	const char *sec = bpf_program__section_name(prog), *name = strrchr(sec, '/');

	*btf = strncmp(sec, "tp_btf/", 7) == 0;
	*syscall = strncmp(sec, "tracepoint/syscalls/", 20) == 0;
	if (*syscall)
		return LP_SEND_CALLS;
	for (int p = 0; name && p < LP_MAX; p++)
		if (p != LP_SEND_CALLS && strcmp(name + 1, lat_points[p].name) == 0)
			return p;
	return -1;
}

/* tp_btf where the kernel's BTF has the tracepoint with the arguments read, else raw_tp. */
static void choose_flavours(struct latency_bpf *skel, const struct btf *vmlinux, bool conns)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		bool btf, sys;
		int p = program_point(prog, &btf, &sys);
		bool use_btf;

		if (p < 0 || sys) {
			/* softirq bookkeeping: the flavour of the rest (net_dev_queue's) */
			const char *sec = bpf_program__section_name(prog);

			if (!sys) {
				use_btf = np_tp_nargs(vmlinux, "softirq_entry") >= 2;
				bpf_program__set_autoload(prog, (strncmp(sec, "tp_btf/", 7) == 0) ==
							  use_btf);
			} else {
				bpf_program__set_autoload(prog, !conns);
			}
			continue;
		}
		use_btf = np_tp_nargs(vmlinux, lat_points[p].name) >= lat_points[p].nargs;
		bpf_program__set_autoload(prog, btf == use_btf && (lat_points[p].modes &
					  (conns ? LAT_MODE_CONNS : LAT_MODE_STAGES)));
	}
}

/* --connections: what is not followed for want of a tracepoint. */
static int conn_missing(struct lat_ctx *t)
{
	static const struct { int point; const char *what; } parts[] = {
		{ LP_TCP_RETRANSMIT_SKB, "retransmissions" },
		{ LP_TCP_PROBE, "RTT, out-of-order and zero-window updates between state changes" },
		{ LP_SOCK_SEND_LENGTH, "the process of accepted connections (from sends)" },
		{ LP_SOCK_RECV_LENGTH, "the process of accepted connections (from reads)" },
	};

	if (!(t->have & (1u << LP_INET_SOCK_SET_STATE))) {
		np_err("latency: --connections needs sock:inet_sock_set_state, which could not be "
		       "attached");
		return -ENOENT;
	}
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (!(t->have & (1u << parts[i].point)))
			np_err("latency: %s missing: this kernel has no %s:%s", parts[i].what,
			       lat_points[parts[i].point].category, lat_points[parts[i].point].name);
	return 0;
}

static int load_attach(struct lat_ctx *t)
{
	struct latency_opts *o = t->o;
	struct bpf_program *prog;
	struct btf *vmlinux;
	struct np_filter_cfg cfg = o->c.f.cfg;
	int err;

	t->skel = latency_bpf__open();
	if (!t->skel) {
		err = -errno;
		np_err("latency: cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	/* --pid is the sender's at the device queue and the reader's at the copy (latency.bpf.c). */
	if (cfg.flags & NP_F_PID) {
		t->skel->rodata->lat_pid = cfg.pid;
		cfg.flags &= ~NP_F_PID;
	}
	t->skel->rodata->np_cfg = cfg;
	t->skel->rodata->lat_by = o->by;
	bpf_map__set_max_entries(t->skel->maps.inflight, o->connections ? 1 : o->max_inflight);
	if (!o->connections)
		bpf_map__set_max_entries(t->skel->maps.conns, 1);
	vmlinux = btf__load_vmlinux_btf();
	/* Since 6.13 or so tcp_retransmit_skb also fires for failed attempts, with the error. */
	t->skel->rodata->conn_retrans_err = np_tp_nargs(vmlinux, "tcp_retransmit_skb") >= 4;
	choose_flavours(t->skel, vmlinux, o->connections);
	t->skel->rodata->lat_data_ready = !o->connections &&
		(bpf_program__autoload(t->skel->progs.lat_btf_sk_data_ready) ||
		 bpf_program__autoload(t->skel->progs.lat_raw_sk_data_ready));
	btf__free(vmlinux);
	err = filter_apply(&o->c.f, t->skel->obj, "latency");
	if (err)
		return err;
	err = latency_bpf__load(t->skel);
	if (err) {
		np_err("latency: cannot load the BPF programs: %s", strerror(-err));
		return err;
	}
	/* cleared below when one of them is missing */
	t->have = o->connections ? 0 : 1u << LP_SEND_CALLS;
	bpf_object__for_each_program(prog, t->skel->obj) {
		struct bpf_link *link;
		bool btf, sys;
		int p;

		if (!bpf_program__autoload(prog))
			continue;
		p = program_point(prog, &btf, &sys);
		link = t->nlinks < (int)(sizeof(t->links) / sizeof(t->links[0])) ?
		       bpf_program__attach(prog) : NULL;
		if (!link) {
			np_info("latency: %s not attached: %s", bpf_program__section_name(prog),
				strerror(errno));
			if (p == LP_SEND_CALLS)
				t->have &= ~(1u << LP_SEND_CALLS);
			continue;
		}
		t->links[t->nlinks++] = link;
		if (p >= 0 && p != LP_SEND_CALLS)
			t->have |= 1u << p;
		if (p == LP_NET_DEV_QUEUE || p == LP_INET_SOCK_SET_STATE)
			t->tier_btf = btf;
		if (np_verbose)
			np_info("latency: %s attached", bpf_program__section_name(prog));
	}
	if (o->connections)
		return conn_missing(t);
	for (int s = 0; s < NP_LS_MAX; s++) {
		int p = lat_stage_missing(s, t->have);

		if (p >= 0)
			np_err("latency: stage %s missing: this kernel has no %s:%s", lat_stages[s].name,
				lat_points[p].category,
				p == LP_SEND_CALLS ? "sys_enter_write/writev/sendto/sendmsg/sendmmsg" :
				lat_points[p].name);
	}
	if (!(t->have & (1u << LP_NET_DEV_QUEUE)) && !(t->have & (1u << LP_NETIF_RECEIVE_SKB))) {
		np_err("latency: neither net:net_dev_queue nor net:netif_receive_skb could be attached");
		return -ENOENT;
	}
	return 0;
}

/* The row of (stage, group) in rows (added when new), or NULL when the table is full. */
static struct lat_row *row_of(struct lat_ctx *t, struct lat_row *rows, size_t *n,
			      const struct np_lat_key *k)
{
	for (size_t i = 0; i < *n; i++)
		if (rows[i].stage == k->stage && rows[i].group == k->group)
			return &rows[i];
	if (*n == MAX_ROWS) {
		t->rows_full++;
		return NULL;
	}
	memset(&rows[*n], 0, sizeof(rows[0]));
	rows[*n].stage = k->stage;
	rows[*n].group = k->group;
	rows[*n].by = t->o->by;
	return &rows[(*n)++];
}

/*
 * Switch the programs to the other half, let those already running finish,
 * then read the half they left into t->iv (and the totals) and delete it.
 */
static int harvest(struct lat_ctx *t)
{
	int fd = bpf_map__fd(t->skel->maps.hists);
	uint32_t old = __atomic_load_n(&t->skel->bss->epoch, __ATOMIC_RELAXED) & 1;
	size_t vsize = sizeof(struct np_lat_hist);
	struct np_lat_key key, next, *keys;
	struct np_lat_hist *vals;
	size_t nk = 0, cap = 2 * MAX_ROWS + 64;
	int err = 0;

	__atomic_store_n(&t->skel->bss->epoch, old ^ 1, __ATOMIC_SEQ_CST);
	usleep(SETTLE_MS * 1000);
	keys = calloc(cap, sizeof(*keys));
	vals = calloc(t->ncpu, vsize);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	t->niv = 0;
	for (void *prev = NULL; nk < cap && !bpf_map_get_next_key(fd, prev, &next); prev = &key) {
		key = next;
		if (next.epoch == old)
			keys[nk++] = next;
	}
	for (size_t i = 0; i < nk; i++) {
		struct lat_row *iv, *tot;
		struct lat_hist sum = { 0 };
		const char *name = NULL;

		if (bpf_map_lookup_elem(fd, &keys[i], vals))
			continue;
		bpf_map_delete_elem(fd, &keys[i]);
		for (int c = 0; c < t->ncpu; c++) {
			lat_hist_add_cpu(&sum, &vals[c]);
			if (!name && vals[c].name[0])
				name = vals[c].name;
		}
		iv = row_of(t, t->iv, &t->niv, &keys[i]);
		tot = row_of(t, t->total, &t->ntotal, &keys[i]);
		if (iv) {
			lat_hist_add(&iv->h, &sum);
			if (name)
				memcpy(iv->name, name, sizeof(iv->name));
		}
		if (tot) {
			lat_hist_add(&tot->h, &sum);
			if (name && !tot->name[0])
				memcpy(tot->name, name, sizeof(tot->name));
		}
	}
out:
	free(keys);
	free(vals);
	if (err)
		np_err("latency: out of memory reading the histograms");
	return err;
}

/* In-flight entries idle for IDLE_NS: their skb ended where no tracepoint saw it. */
static void sweep(struct lat_ctx *t)
{
	int fd = bpf_map__fd(t->skel->maps.inflight);
	struct timespec ts;
	uint64_t key, next, now, *stale;
	struct np_lat_skb e;
	size_t n = 0, cap = t->o->max_inflight;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	stale = malloc(cap * sizeof(*stale));
	if (!stale)
		return;
	for (void *prev = NULL; n < cap && !bpf_map_get_next_key(fd, prev, &next); prev = &key) {
		key = next;
		if (!bpf_map_lookup_elem(fd, &key, &e) && e.last_ns + IDLE_NS < now)
			stale[n++] = key;
	}
	for (size_t i = 0; i < n; i++)
		if (!bpf_map_delete_elem(fd, &stale[i]))
			t->expired++;
	free(stale);
}

static void report_interval(struct lat_ctx *t)
{
	if (t->o->connections)
		conn_report(stdout, t->o->c.json, &t->conns, false, now_realtime());
	else
		lat_report(stdout, t->o->c.json, t->iv, t->niv, false, now_realtime());
}

/* The interval's data: histograms, or the connection table. */
static int collect(struct lat_ctx *t)
{
	if (!t->o->connections)
		return harvest(t);
	conn_next_interval(&t->conns);
	return conn_harvest(&t->conns, bpf_map__fd(t->skel->maps.conns));
}

/* What was not timed, always (nothing lost silently). */
static void say_counters(struct lat_ctx *t)
{
	int fd = bpf_map__fd(t->skel->maps.stats);
	uint64_t full = np_percpu_sum(fd, NP_LAT_STAT_INFLIGHT_FULL);
	uint64_t conn_full = np_percpu_sum(fd, NP_LAT_STAT_CONN_FULL) + t->conns.dropped;
	uint64_t hist_full = np_percpu_sum(fd, NP_LAT_STAT_HIST_FULL);
	uint64_t ring_full = np_percpu_sum(fd, NP_LAT_STAT_UDP_RING_FULL);
	uint64_t misses = np_prog_misses(t->skel->obj);
	/* Losses always; what is only bookkeeping with -v. */
	void (*say)(const char *, ...) = full || hist_full || ring_full || t->rows_full ||
					 misses || conn_full ? np_err : np_info;

	if (t->o->connections) {
		say("latency: %llu connections not followed (table full), %llu program runs "
		    "missed (nested)", (unsigned long long)conn_full, (unsigned long long)misses);
		return;
	}
	say("latency: %llu skbs not timed (in-flight table full at %llu), %llu samples lost "
		"(histogram table full), %llu UDP datagrams not timed to their read (socket's ring "
		"full), %llu rows not shown (over %d groups), %llu skbs ended "
		"unseen, %llu idle entries expired, %llu program runs missed (nested)",
		(unsigned long long)full, (unsigned long long)t->o->max_inflight,
		(unsigned long long)hist_full, (unsigned long long)ring_full,
		(unsigned long long)t->rows_full, MAX_ROWS,
		(unsigned long long)np_percpu_sum(fd, NP_LAT_STAT_UNSEEN_END),
		(unsigned long long)t->expired,
		(unsigned long long)misses);
}

static int loop(struct lat_ctx *t)
{
	struct latency_opts *o = t->o;
	double start = now_monotonic(), next_iv = start + o->interval;
	double next_sweep = start + SWEEP_SECS;
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
		if (now >= next_sweep && !o->connections) {
			sweep(t);
			next_sweep = now + SWEEP_SECS;
		}
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
	if (o->interval && (t->niv || o->connections))
		report_interval(t);
	if (o->connections)
		conn_report(stdout, o->c.json, &t->conns, true, now_realtime());
	else
		lat_report(stdout, o->c.json, t->total, t->ntotal, true, now_realtime());
	return 0;
}

static int run(void *opts)
{
	struct latency_opts *o = opts;
	struct lat_ctx t = { .o = o };
	int err;

	t.ncpu = libbpf_num_possible_cpus();
	t.iv = calloc(MAX_ROWS, sizeof(*t.iv));
	t.total = calloc(MAX_ROWS, sizeof(*t.total));
	if (t.ncpu <= 0 || !t.iv || !t.total || conn_table_init(&t.conns, o->connections ?
								   MAX_CONNS : 1)) {
		err = -ENOMEM;
		np_err("latency: out of memory");
		goto cleanup;
	}
	libbpf_set_print(np_libbpf_print);
	if ((err = load_attach(&t)))
		goto cleanup;
	np_info("latency: capture attached: %d programs (%s)%s%s", t.nlinks,
		t.tier_btf ? "tp_btf" : "raw_tp", o->c.f.expr ? ", filter: " : "",
		o->c.f.expr ? o->c.f.expr : "");
	err = loop(&t);
	pkt_say_filter_short("latency", bpf_map__fd(t.skel->maps.np_filter_short));
	say_counters(&t);
cleanup:
	for (int i = 0; i < t.nlinks; i++)
		bpf_link__destroy(t.links[i]);
	latency_bpf__destroy(t.skel);
	free(t.iv);
	free(t.total);
	conn_table_free(&t.conns);
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
