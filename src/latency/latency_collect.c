// SPDX-License-Identifier: GPL-2.0-only
/*
 * The latency programs (bpf/latency.bpf.c) loaded, attached and read, for
 * `netoproc latency` and `netoproc export --latency`: the tier per
 * tracepoint (tp_btf where BTF has it, raw_tp otherwise), the stages and
 * connection parts this kernel lacks, the histogram half the programs left
 * at the last flip read and deleted, idle in-flight entries swept, and the
 * closing counters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "filter/filter_opts.h"
#include "latency/latency_collect.h"
#include "lib/kernel_features.h"
#include "latency/latency_stages.h"
#include "lib/bpf_util.h"
#include "lib/map_walk.h"
#include "lib/util.h"
#include "latency.skel.h"

_Static_assert(sizeof(struct np_lat_key) == 16, "np_lat_key layout");
_Static_assert(sizeof(struct np_lat_hist) == 32 + 8 * NP_LAT_SLOTS + NP_COMM_LEN,
	       "np_lat_hist layout");
_Static_assert(sizeof(struct np_lat_skb) == 120 + 2 * NP_COMM_LEN, "np_lat_skb layout");
_Static_assert(sizeof(struct np_lat_skb_more) == 8 * NP_LS_MAX + 16 + NP_COMM_LEN +
	       NP_IFNAMSIZ + sizeof(struct np_pkt) + 4, "np_lat_skb_more layout");
_Static_assert(sizeof(struct np_lat_slow) == 16 + 8 * NP_LS_MAX + 24 + NP_COMM_LEN +
	       NP_IFNAMSIZ + sizeof(struct np_pkt) + 4, "np_lat_slow layout");
_Static_assert(sizeof(struct np_lat_conn) == 152, "np_lat_conn layout");

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

/*
 * tp_btf where the kernel's BTF has the tracepoint with the arguments read, else raw_tp.
 * NETOPROC_LATENCY_FLAVOUR=raw_tp takes raw_tp for all, so tests reach it on any kernel.
 */
static void choose_flavours(struct latency_bpf *skel, const struct btf *vmlinux,
			    unsigned int modes, bool send_calls)
{
	const char *forced = getenv("NETOPROC_LATENCY_FLAVOUR");
	bool raw_only = forced && !strcmp(forced, "raw_tp");
	struct bpf_program *prog;

	if (raw_only)
		np_info("latency: raw_tp forced by NETOPROC_LATENCY_FLAVOUR");
	else if (forced)
		np_info("NETOPROC_LATENCY_FLAVOUR=%s: no such flavour, ignored", forced);

	bpf_object__for_each_program(prog, skel->obj) {
		bool btf, sys;
		int p = program_point(prog, &btf, &sys), nargs;
		bool use_btf;

		if (p < 0 || sys) {
			/* softirq bookkeeping: the flavour of the rest (net_dev_queue's) */
			const char *sec = bpf_program__section_name(prog);

			if (!sys) {
				use_btf = !raw_only && np_tp_nargs(vmlinux, "softirq_entry") >= 2;
				bpf_program__set_autoload(prog, (strncmp(sec, "tp_btf/", 7) == 0) ==
							  use_btf);
			} else {
				bpf_program__set_autoload(prog, (modes & LAT_MODE_STAGES) && send_calls);
			}
			continue;
		}
		nargs = np_tp_nargs(vmlinux, lat_points[p].name);
		/*
		 * Not in the kernel's BTF: it has no such tracepoint (sock:sk_data_ready is
		 * 6.3+), and neither flavour loads (so lat_data_ready below is right).
		 */
		if (vmlinux && nargs == -ENOENT) {
			if (btf && (lat_points[p].modes & modes))
				np_info("latency: %s:%s not attached: not in this kernel",
					lat_points[p].category, lat_points[p].name);
			bpf_program__set_autoload(prog, false);
			continue;
		}
		use_btf = !raw_only && nargs >= lat_points[p].nargs;
		bpf_program__set_autoload(prog, btf == use_btf && (lat_points[p].modes & modes));
	}
}

/* --connections: what is not followed for want of a tracepoint. */
static int conn_missing(struct lat_collector *t)
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

/* A connection the kernel handed over as it closed. */
static int on_closed(void *ctx, void *data, size_t size)
{
	struct lat_collector *t = ctx;
	const struct np_lat_conn *c = data;

	if (size >= sizeof(*c))
		conn_table_update(&t->conns, c->sk, c);
	return 0;
}

/* A slow packet (--threshold). */
static int on_slow(void *ctx, void *data, size_t size)
{
	struct lat_collector *t = ctx;

	if (size >= sizeof(struct np_lat_slow) && t->cfg.on_slow)
		t->cfg.on_slow(t->cfg.slow_ctx, data);
	return 0;
}

int lat_open(struct lat_collector *t, const struct lat_config *cfg)
{
	struct bpf_program *prog;
	struct btf *vmlinux;
	struct np_filter_cfg fc = cfg->f->cfg;
	bool stages = cfg->modes & LAT_MODE_STAGES, conns = cfg->modes & LAT_MODE_CONNS;
	uint32_t inflight = stages ? cfg->max_inflight : NP_LAT_WAYS;
	int err;

	t->skel = latency_bpf__open();
	if (!t->skel) {
		err = -errno;
		np_err("latency: cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	/* --pid is the sender's at the device queue and the reader's at the copy (latency.bpf.c). */
	if (fc.flags & NP_F_PID) {
		t->skel->rodata->lat_pid = fc.pid;
		fc.flags &= ~NP_F_PID;
	}
	t->skel->rodata->np_cfg = fc;
	t->skel->rodata->lat_by = cfg->by;
	t->skel->rodata->conn_mode = conns;
	t->skel->rodata->lat_slow_ns = stages ? cfg->slow_ns : 0;
	if (!t->skel->rodata->lat_slow_ns)
		bpf_map__set_max_entries(t->skel->maps.slow_rb, 4096);
	/* A power of 2 (--max-inflight is rounded up), sets of NP_LAT_WAYS entries. */
	bpf_map__set_max_entries(t->skel->maps.inflight, inflight);
	t->skel->rodata->inflight_mask = inflight - 1;
	bpf_map__set_max_entries(t->skel->maps.inflight_more,
				 t->skel->rodata->lat_slow_ns ? cfg->max_inflight : 1);
	if (!conns)
		bpf_map__set_max_entries(t->skel->maps.conns, 1);
	vmlinux = btf__load_vmlinux_btf();
	/* Since 6.13 or so tcp_retransmit_skb also fires for failed attempts, with the error. */
	t->skel->rodata->conn_retrans_err = np_tp_nargs(vmlinux, "tcp_retransmit_skb") >= 4;
	choose_flavours(t->skel, vmlinux, cfg->modes, cfg->send_calls);
	t->skel->rodata->lat_data_ready = stages &&
		(bpf_program__autoload(t->skel->progs.lat_btf_sk_data_ready) ||
		 bpf_program__autoload(t->skel->progs.lat_raw_sk_data_ready));
	btf__free(vmlinux);
	err = filter_apply(cfg->f, t->skel->obj, "latency");
	if (err)
		return err;
	err = latency_bpf__load(t->skel);
	if (err) {
		np_err("latency: cannot load the BPF programs: %s", strerror(-err));
		return err;
	}
	/* cleared below when one of them is missing */
	t->have = stages && cfg->send_calls ? 1u << LP_SEND_CALLS : 0;
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
	if (conns && (err = conn_missing(t)))
		return err;
	if (conns) {
		t->closed_rb = ring_buffer__new(bpf_map__fd(t->skel->maps.closed_conns), on_closed, t,
						NULL);
		if (!t->closed_rb) {
			err = -errno;
			np_err("latency: cannot open the ring buffer: %s", strerror(-err));
			return err;
		}
	}
	if (stages && cfg->slow_ns) {
		t->slow_rb = ring_buffer__new(bpf_map__fd(t->skel->maps.slow_rb), on_slow, t, NULL);
		if (!t->slow_rb) {
			err = -errno;
			np_err("latency: cannot open the ring buffer: %s", strerror(-err));
			return err;
		}
	}
	for (int s = 0; stages && s < NP_LS_MAX; s++) {
		int p = lat_stage_missing(s, t->have);

		if (p == LP_SEND_CALLS && !cfg->send_calls)
			np_info("latency: stage %s not timed: it starts at the send call, which needs "
				"--send-calls", lat_stages[s].name);
		else if (p == LP_SEND_CALLS && !tracefs_mounted())
			np_err("latency: stage %s missing: the syscalls tracepoints need tracefs, which "
			       "is not mounted (mount -t tracefs nodev /sys/kernel/tracing)",
			       lat_stages[s].name);
		else if (p >= 0)
			np_err("latency: stage %s missing: this kernel has no %s:%s", lat_stages[s].name,
				lat_points[p].category,
				p == LP_SEND_CALLS ? "sys_enter_write/writev/sendto/sendmsg/sendmmsg" :
				lat_points[p].name);
	}
	if (stages && !(t->have & (1u << LP_NET_DEV_QUEUE)) &&
	    !(t->have & (1u << LP_NETIF_RECEIVE_SKB))) {
		np_err("latency: neither net:net_dev_queue nor net:netif_receive_skb could be attached");
		return -ENOENT;
	}
	return 0;
}

/* The row of (stage, group) in rows (added when new), or NULL when the table is full. */
static struct lat_row *row_of(struct lat_collector *t, struct lat_row *rows, size_t *n,
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
	rows[*n].by = t->cfg.by;
	return &rows[(*n)++];
}

/*
 * Switch the programs to the other half, let those already running finish,
 * then read the half they left into t->iv (and the totals) and delete it.
 */
void lat_flip(struct lat_collector *t)
{
	uint32_t old = __atomic_load_n(&t->skel->bss->epoch, __ATOMIC_RELAXED) & 1;

	__atomic_store_n(&t->skel->bss->epoch, old ^ 1, __ATOMIC_SEQ_CST);
	t->left = old;
	t->flipped = true;
}

/* A histogram summed over the CPUs into the interval's and the run's rows. */
static void add_row(struct lat_collector *t, const struct np_lat_key *k,
		    const struct np_lat_hist *vals)
{
	struct lat_row *iv, *tot;
	struct lat_hist sum = { 0 };
	const char *name = NULL;

	for (int c = 0; c < t->ncpu; c++) {
		lat_hist_add_cpu(&sum, &vals[c]);
		if (!name && vals[c].name[0])
			name = vals[c].name;
	}
	if (!sum.count)
		return;
	iv = row_of(t, t->iv, &t->niv, k);
	tot = row_of(t, t->total, &t->ntotal, k);
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

/* Without --by: the array half the programs left, read and zeroed. */
static int read_hists_one(struct lat_collector *t)
{
	int fd = bpf_map__fd(t->skel->maps.hists_one);
	struct np_lat_hist *vals = calloc(t->ncpu, sizeof(*vals));
	struct np_lat_hist *zero = calloc(t->ncpu, sizeof(*zero));
	int err = 0;

	t->niv = 0;
	if (!vals || !zero) {
		err = -ENOMEM;
		np_err("latency: out of memory reading the histograms");
		goto out;
	}
	if (!t->flipped)
		goto out;
	t->flipped = false;
	for (uint32_t s = 0; s < NP_LS_MAX; s++) {
		struct np_lat_key k = { .stage = s, .epoch = t->left, .group = 0 };
		uint32_t idx = s * 2 + t->left;

		if (bpf_map_lookup_elem(fd, &idx, vals))
			continue;
		bpf_map_update_elem(fd, &idx, zero, BPF_ANY);
		add_row(t, &k, vals);
	}
out:
	free(vals);
	free(zero);
	return err;
}

/* The stage histograms of the half the programs left. */
static int read_hists(struct lat_collector *t)
{
	int fd = bpf_map__fd(t->skel->maps.hists);
	uint32_t old = t->left;
	size_t vsize = sizeof(struct np_lat_hist);
	struct np_lat_key key, next, *keys;
	struct np_lat_hist *vals;
	size_t nk = 0, cap = 2 * MAX_ROWS + 64;
	int err = 0;

	t->niv = 0;
	if (!t->flipped)
		return 0;
	t->flipped = false;
	keys = calloc(cap, sizeof(*keys));
	vals = calloc(t->ncpu, vsize);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (void *prev = NULL; nk < cap && !bpf_map_get_next_key(fd, prev, &next); prev = &key) {
		key = next;
		if (next.epoch == old)
			keys[nk++] = next;
	}
	for (size_t i = 0; i < nk; i++) {
		if (bpf_map_lookup_elem(fd, &keys[i], vals))
			continue;
		bpf_map_delete_elem(fd, &keys[i]);
		add_row(t, &keys[i], vals);
	}
out:
	free(keys);
	free(vals);
	if (err)
		np_err("latency: out of memory reading the histograms");
	return err;
}

int lat_read(struct lat_collector *t)
{
	int err = 0;

	if (t->slow_rb)	/* the interval's slow packets before its table */
		ring_buffer__consume(t->slow_rb);
	if (t->cfg.modes & LAT_MODE_STAGES)
		err = t->cfg.by == NP_LAT_BY_NONE ? read_hists_one(t) : read_hists(t);
	if (!err && (t->cfg.modes & LAT_MODE_CONNS)) {
		conn_next_interval(&t->conns);
		lat_poll(t);
		err = conn_harvest(&t->conns, bpf_map__fd(t->skel->maps.conns));
	}
	return err;
}

void lat_poll(struct lat_collector *t)
{
	if (t->closed_rb)
		ring_buffer__consume(t->closed_rb);
	if (t->slow_rb)
		ring_buffer__consume(t->slow_rb);
}

static int count_queued(const void *key, const void *value, void *ctx)
{
	const struct np_lat_skb *e = value;

	(void)key;
	if (e->skb && e->qdisc_enq)
		(*(uint64_t *)ctx)++;
	return 0;
}

/*
 * Timed skbs the table still has in a qdisc: queued at the end, or dequeued
 * where the kernel did not run the programs. Seen on 6.18.44: a qdisc_dequeue
 * and net_dev_start_xmit that ftrace's events saw, in a softirq run on top of
 * another process, reached neither program (no recursion miss counted), so the
 * skb's later stages went untimed. Said, so that no sample is lost silently.
 */
static int queued_at_end(const struct lat_collector *t, uint64_t *n)
{
	*n = 0;
	return np_map_each(bpf_map__fd(t->skel->maps.inflight), sizeof(__u32),
			   sizeof(struct np_lat_skb), count_queued, n);
}

/* What was not timed, always (nothing lost silently). */
void lat_say_counters(const struct lat_collector *t)
{
	int fd = bpf_map__fd(t->skel->maps.stats);
	uint64_t full = np_percpu_sum(fd, NP_LAT_STAT_INFLIGHT_FULL);
	uint64_t conn_full = np_percpu_sum(fd, NP_LAT_STAT_CONN_FULL) + t->conns.dropped;
	uint64_t hist_full = np_percpu_sum(fd, NP_LAT_STAT_HIST_FULL);
	uint64_t ring_full = np_percpu_sum(fd, NP_LAT_STAT_UDP_RING_FULL);
	uint64_t slow_lost = np_percpu_sum(fd, NP_LAT_STAT_SLOW_LOST);
	uint64_t misses = np_prog_misses(t->skel->obj), queued;
	int err;
	/* Losses always; what is only bookkeeping with -v. */
	void (*say)(const char *, ...) = full || hist_full || ring_full || t->rows_full ||
					 misses || conn_full || slow_lost ? np_err : np_info;

	if (!(t->cfg.modes & LAT_MODE_STAGES)) {
		say("latency: %llu connections not followed (table full), %llu program runs "
		    "missed (nested)", (unsigned long long)conn_full, (unsigned long long)misses);
		return;
	}
	say("latency: %llu skbs not timed (in-flight table full at %llu), %llu samples lost "
		"(histogram table full), %llu UDP datagrams not timed to their read (socket's ring "
		"full), %llu rows not shown (over %d groups), %llu skbs ended "
		"unseen, %llu idle entries expired, %llu program runs missed (nested)",
		(unsigned long long)full, (unsigned long long)t->cfg.max_inflight,
		(unsigned long long)hist_full, (unsigned long long)ring_full,
		(unsigned long long)t->rows_full, MAX_ROWS,
		(unsigned long long)np_percpu_sum(fd, NP_LAT_STAT_UNSEEN_END),
		(unsigned long long)np_percpu_sum(fd, NP_LAT_STAT_EXPIRED),
		(unsigned long long)misses);
	if (t->cfg.slow_ns)
		say("latency: %llu slow packets not shown (ring buffer full)",
		    (unsigned long long)slow_lost);
	if ((err = queued_at_end(t, &queued)))
		np_err("latency: skbs left in a qdisc unknown: cannot read the in-flight table: %s",
		       strerror(-err));
	else
		(queued ? np_err : say)("latency: %llu skbs left in a qdisc (still queued, or "
					"dequeued unseen): their later stages not timed",
					(unsigned long long)queued);
}


int lat_collector_init(struct lat_collector *t, const struct lat_config *cfg)
{
	memset(t, 0, sizeof(*t));
	t->cfg = *cfg;
	t->ncpu = libbpf_num_possible_cpus();
	t->iv = calloc(MAX_ROWS, sizeof(*t->iv));
	t->total = calloc(MAX_ROWS, sizeof(*t->total));
	if (t->ncpu <= 0 || !t->iv || !t->total ||
	    conn_table_init(&t->conns, cfg->modes & LAT_MODE_CONNS ? LAT_MAX_CONNS : 1)) {
		np_err("latency: out of memory");
		return -ENOMEM;
	}
	return 0;
}

void lat_close(struct lat_collector *t)
{
	ring_buffer__free(t->closed_rb);
	ring_buffer__free(t->slow_rb);
	t->closed_rb = t->slow_rb = NULL;
	for (int i = 0; i < t->nlinks; i++)
		bpf_link__destroy(t->links[i]);
	t->nlinks = 0;
	latency_bpf__destroy(t->skel);
	t->skel = NULL;
	free(t->iv);
	free(t->total);
	t->iv = t->total = NULL;
	conn_table_free(&t->conns);
}

int lat_filter_short_fd(const struct lat_collector *t)
{
	return bpf_map__fd(t->skel->maps.np_filter_short);
}
