// SPDX-License-Identifier: GPL-2.0-only
/*
 * `netoproc trace`: packets along their path through the stack, from the
 * tracepoints that carry an skb (link in/out, qdisc, ICMP, TCP, UDP, socket,
 * skb lifecycle) and kernel functions that take one (trace_kfunc.c: IP,
 * netfilter, bridge, devices). --probes picks a level; each probe is attached
 * only where the running kernel has it, and -v lists attached and missing
 * ones. Events stream as text or JSON, or --timeline groups them per skb with
 * the delay between hops.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf/trace_abi.h"
#include "containers/ct_resolve.h"
#include "filter/filter_opts.h"
#include "lib/bpf_util.h"
#include "lib/caps.h"
#include "lib/htab.h"
#include "lib/json_writer.h"
#include "lib/kallsyms.h"
#include "lib/util.h"
#include "pktpath/drop_reason.h"
#include "pktpath/frag_bases.h"
#include "pktpath/pkt_cmd.h"
#include "pktpath/pkt_format.h"
#include "pktpath/trace.h"
#include "pktpath/trace_kfunc.h"
#include "trace.skel.h"

_Static_assert(sizeof(struct np_trace_event) == 144, "np_trace_event layout");

#define TIMELINE_MAX 256	/* events kept per skb before its timeline is printed */
#define TIMELINE_IDLE_NS 1000000000ull	/* an skb silent this long is done */

enum level { LEVEL_BASIC, LEVEL_STANDARD, LEVEL_FULL, LEVEL_ALL_SKB };

struct probe {
	const char *name;	/* tracepoint, without its category */
	const char *category;
	const char *layer;
	enum level level;
	int nargs;		/* arguments (context pointer included) the probe needs at least */
};

/* Indexed by enum np_probe_id (src/trace_abi.h). */
static const struct probe probes[NP_P_MAX] = {
	[NP_P_NETIF_RX] = { "netif_rx", "net", "link-in", LEVEL_BASIC, 2 },
	[NP_P_NETIF_RX_ENTRY] = { "netif_rx_entry", "net", "link-in", LEVEL_STANDARD, 2 },
	[NP_P_NETIF_RECEIVE_SKB] = { "netif_receive_skb", "net", "link-in", LEVEL_BASIC, 2 },
	[NP_P_NETIF_RECEIVE_SKB_ENTRY] = { "netif_receive_skb_entry", "net", "link-in",
					   LEVEL_STANDARD, 2 },
	[NP_P_NETIF_RECEIVE_SKB_LIST_ENTRY] = { "netif_receive_skb_list_entry", "net", "link-in",
						LEVEL_STANDARD, 2 },
	[NP_P_NAPI_GRO_RECEIVE_ENTRY] = { "napi_gro_receive_entry", "net", "link-in",
					  LEVEL_BASIC, 2 },
	[NP_P_NAPI_GRO_FRAGS_ENTRY] = { "napi_gro_frags_entry", "net", "link-in",
					LEVEL_STANDARD, 2 },
	[NP_P_NET_DEV_QUEUE] = { "net_dev_queue", "net", "link-out", LEVEL_BASIC, 2 },
	[NP_P_NET_DEV_START_XMIT] = { "net_dev_start_xmit", "net", "link-out", LEVEL_BASIC, 2 },
	[NP_P_NET_DEV_XMIT] = { "net_dev_xmit", "net", "link-out", LEVEL_BASIC, 4 },
	[NP_P_QDISC_ENQUEUE] = { "qdisc_enqueue", "qdisc", "qdisc", LEVEL_BASIC, 4 },
	[NP_P_QDISC_DEQUEUE] = { "qdisc_dequeue", "qdisc", "qdisc", LEVEL_BASIC, 5 },
	[NP_P_ICMP_SEND] = { "icmp_send", "icmp", "icmp", LEVEL_STANDARD, 2 },
	[NP_P_TCP_RETRANSMIT_SKB] = { "tcp_retransmit_skb", "tcp", "tcp", LEVEL_STANDARD, 3 },
	[NP_P_TCP_SEND_RESET] = { "tcp_send_reset", "tcp", "tcp", LEVEL_STANDARD, 3 },
	[NP_P_TCP_BAD_CSUM] = { "tcp_bad_csum", "tcp", "tcp", LEVEL_STANDARD, 2 },
	[NP_P_TCP_PROBE] = { "tcp_probe", "tcp", "tcp", LEVEL_FULL, 3 },
	[NP_P_TCP_SENDMSG_LOCKED] = { "tcp_sendmsg_locked", "tcp", "tcp", LEVEL_FULL, 4 },
	[NP_P_TCP_HASH_BAD_HEADER] = { "tcp_hash_bad_header", "tcp", "tcp", LEVEL_FULL, 3 },
	[NP_P_TCP_HASH_MD5_REQUIRED] = { "tcp_hash_md5_required", "tcp", "tcp", LEVEL_FULL, 3 },
	[NP_P_TCP_HASH_MD5_UNEXPECTED] = { "tcp_hash_md5_unexpected", "tcp", "tcp", LEVEL_FULL,
					   3 },
	[NP_P_TCP_HASH_MD5_MISMATCH] = { "tcp_hash_md5_mismatch", "tcp", "tcp", LEVEL_FULL, 3 },
	[NP_P_TCP_HASH_AO_REQUIRED] = { "tcp_hash_ao_required", "tcp", "tcp", LEVEL_FULL, 3 },
	[NP_P_UDP_FAIL_QUEUE_RCV_SKB] = { "udp_fail_queue_rcv_skb", "udp", "udp",
					  LEVEL_STANDARD, 4 },
	[NP_P_SOCK_RCVQUEUE_FULL] = { "sock_rcvqueue_full", "sock", "socket", LEVEL_STANDARD,
				      3 },
	[NP_P_SKB_COPY_DATAGRAM_IOVEC] = { "skb_copy_datagram_iovec", "skb", "socket",
					   LEVEL_FULL, 2 },
	[NP_P_KFREE_SKB] = { "kfree_skb", "skb", "skb", LEVEL_BASIC, 3 },
	[NP_P_CONSUME_SKB] = { "consume_skb", "skb", "skb", LEVEL_BASIC, 2 },
	[NP_P_FIB_TABLE_LOOKUP] = { "fib_table_lookup", "fib", "route", LEVEL_STANDARD, 5 },
	[NP_P_FIB6_TABLE_LOOKUP] = { "fib6_table_lookup", "fib6", "route", LEVEL_STANDARD, 5 },
	/* Not a tracepoint: the functions of trace_kfunc.c, named per event. */
	[NP_P_KFUNC] = { "kfunc", "kfunc", "function", LEVEL_STANDARD, 0 },
};

struct trace_opts {
	struct pkt_opts c;	/* --format, --duration, --count, the filter */
	enum level level;
	bool timeline;
	bool track;
	bool track_copies;	/* set by run(): --track, and kprobes to follow copies with */
};

/* --timeline: the events of one skb so far. */
struct timeline {
	uint64_t skb;
	size_t n;
	size_t cap;
	struct np_trace_event ev[];	/* grows: most skbs have a handful of events */
};

struct trace_ctx {
	struct trace_opts *o;
	struct drop_reasons reasons;
	bool have_reasons;
	struct kallsyms ksyms;
	bool have_ksyms;
	struct htab lines;	/* skb address -> struct timeline * */
	struct kfunc_probes kp;
	struct trace_bpf *skel;
	uint64_t shown;
	bool done;
};

static void usage(FILE *out)
{
	fputs("Usage: netoproc trace [OPTIONS] [EXPRESSION]\n"
	      "\n"
	      "Packets along their path through the kernel, from its skb tracepoints and\n"
	      "kernel functions (kprobe-multi, kprobes or fentry, where the kernel has them).\n"
	      "\n"
	      "  --probes basic|standard|full|all-skb   probe set (basic: link in/out,\n"
	      "                         qdisc, skb lifecycle; standard: + route lookups,\n"
	      "                         ICMP, TCP, UDP, socket events, IP in/out/forward,\n"
	      "                         netfilter functions; full: + per-segment TCP, copies\n"
	      "                         to user space, bridge, veth/tun, more IP functions;\n"
	      "                         all-skb: full + every function taking an skb, needs\n"
	      "                         kprobe-multi) (standard)\n"
	      "  --format text|json     one line / one JSON object per event (text)\n"
	      "  --timeline             group events per skb, with the delay between hops\n"
	      "  --track                once an skb matched, show it everywhere until freed\n"
	      "  --duration SECS        stop after SECS\n"
	      "  --count N              stop after N events (N packets with --timeline)\n"
	      FILTER_USAGE
	      "  --container ID|NAME    only events of that container (id or name prefix): the\n"
	      "                         process handling the skb, else its network namespace\n"
	      "  -v, --verbose          list attached and missing probes\n"
	      "  -h, --help\n"
	      "\n"
	      "Exit status: 0 ok, 1 missing privilege, 2 bad arguments or BPF error, 4 fatal.\n",
	      out);
}

enum { OPT_PROBES = 256, OPT_TIMELINE, OPT_TRACK };

static const struct option long_opts[] = {
	{ "probes", required_argument, NULL, OPT_PROBES },
	{ "timeline", no_argument, NULL, OPT_TIMELINE },
	{ "track", no_argument, NULL, OPT_TRACK },
	PKT_LONG_OPTS,
	{ 0 },
};

static int trace_option(void *opts, int opt, const char *arg)
{
	static const char *const levels[] = {
		[LEVEL_BASIC] = "basic", [LEVEL_STANDARD] = "standard", [LEVEL_FULL] = "full",
		[LEVEL_ALL_SKB] = "all-skb",
	};
	struct trace_opts *o = opts;

	switch (opt) {
	case OPT_PROBES:
		for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
			if (strcmp(arg, levels[i]) == 0) {
				o->level = i;
				return 0;
			}
		}
		np_err("invalid value '%s' for --probes: expected basic, standard, full or all-skb",
		       arg);
		return -EINVAL;
	case OPT_TIMELINE:
		o->timeline = true;
		return 0;
	case OPT_TRACK:
		o->track = true;
		return 0;
	}
	return -EINVAL;
}

/* Probe-specific detail: drop reason and location, return codes. */
static void event_detail(struct trace_ctx *t, const struct np_trace_event *e,
			 struct emitter *em)
{
	char rb[64], lb[160];
	const char *reason = NULL, *loc = NULL;
	bool fib, rc;

	if (e->probe == NP_P_KFREE_SKB || e->probe == NP_P_CONSUME_SKB) {
		loc = t->have_ksyms ? kallsyms_format(&t->ksyms, e->location, lb, sizeof(lb)) : NULL;
		if (!loc) {
			snprintf(lb, sizeof(lb), "0x%llx", (unsigned long long)e->location);
			loc = lb;
		}
	}
	/* Without drop reasons (before 5.17) the argument is not there: no reason, as in drop. */
	if (e->probe == NP_P_KFREE_SKB && t->have_reasons)
		reason = drop_reason_name(&t->reasons, e->arg, rb, sizeof(rb));
	fib = e->probe == NP_P_FIB_TABLE_LOOKUP || e->probe == NP_P_FIB6_TABLE_LOOKUP;
	rc = fib || e->probe == NP_P_NET_DEV_XMIT || e->probe == NP_P_UDP_FAIL_QUEUE_RCV_SKB;
	if (reason)
		em_str(em, EM_ANY, "reason", " %s", reason);
	if (loc)
		em_str(em, EM_ANY, "location", " %s", loc);
	if (fib)
		em_u64(em, EM_ANY, "table", " table %llu", e->location);
	if (rc)
		em_i64(em, EM_ANY, "rc", " rc %lld", (int32_t)e->arg);
	if (e->probe == NP_P_ICMP_SEND) {
		em_u64(em, EM_ANY, "icmp_send_type", " sends type %llu", e->arg >> 8);
		em_u64(em, EM_ANY, "icmp_send_code", " code %llu", e->arg & 0xff);
	}
}

/* The probe's name and layer; a kernel function's from its address. */
static const char *probe_name(struct trace_ctx *t, const struct np_trace_event *e,
			      const char **layer, char *buf, size_t size)
{
	const struct kfunc_target *kt;
	const char *sym;

	*layer = e->probe < NP_P_MAX ? probes[e->probe].layer : "?";
	if (e->probe != NP_P_KFUNC)
		return e->probe < NP_P_MAX ? probes[e->probe].name : "?";
	kt = kfunc_at(&t->kp, t->have_ksyms ? &t->ksyms : NULL, e->location, &sym);
	if (kt) {
		*layer = kt->layer;
		return kt->func;
	}
	if (sym)
		return sym;
	snprintf(buf, size, "0x%llx", (unsigned long long)e->location);
	return buf;
}

/* One event: a JSON object (at the emitter's current level) or a text line. */
static void emit_event(struct trace_ctx *t, const struct np_trace_event *e, struct emitter *em,
		       const struct np_trace_event *prev)
{
	const char *layer, *name;
	char nb[24];
	double delta = prev ? (e->m.ts_ns - prev->m.ts_ns) / 1e3 : 0;

	name = probe_name(t, e, &layer, nb, sizeof(nb));
	em_open(em, NULL);
	if (prev)
		em_double(em, EM_TEXT, NULL, 3, "  %+10.3fus ", delta);
	pkt_meta(em, &e->m, name, true);
	em_str(em, EM_JSON, "layer", NULL, layer);
	if (e->probe == NP_P_KFUNC)
		em_str(em, EM_TEXT, NULL, " [%s]", layer);
	event_detail(t, e, em);
	pkt_task(em, &e->m);
	pkt_identity(em, pkt_event_identity(&e->m));
	if (prev)
		em_double(em, EM_JSON, "delta_us", 3, NULL, delta);
	em_close(em);
	em_end_line(em);
}

static int cmp_ts(const void *a, const void *b)
{
	const struct np_trace_event *x = a, *y = b;

	return x->m.ts_ns < y->m.ts_ns ? -1 : x->m.ts_ns > y->m.ts_ns;
}

/* Print one skb's timeline and forget it. */
static void flush_timeline(struct trace_ctx *t, struct timeline *tl)
{
	const struct np_trace_event *first;
	char pb[24], a[64], b[64], sk[24];
	struct emitter em;

	htab_del(&t->lines, &tl->skb);
	if (t->done) {
		free(tl);
		return;
	}
	qsort(tl->ev, tl->n, sizeof(tl->ev[0]), cmp_ts);
	first = &tl->ev[0];
	snprintf(sk, sizeof(sk), "0x%llx", (unsigned long long)tl->skb);
	em_init(&em, stdout, t->o->c.json);
	em_open(&em, NULL);
	em_str(&em, EM_ANY, "skb", "skb %s", sk);
	em_str(&em, EM_JSON, "proto", NULL, pkt_proto_name(&first->m.pkt, pb, sizeof(pb)));
	em_str(&em, EM_JSON, "src", NULL, first->m.pkt.family ?
	       pkt_addr(&first->m.pkt, true, a, sizeof(a)) : NULL);
	em_str(&em, EM_JSON, "dst", NULL, first->m.pkt.family ?
	       pkt_addr(&first->m.pkt, false, b, sizeof(b)) : NULL);
	em_u64(&em, EM_ANY, "hops", ": %llu events", tl->n);
	em_double(&em, EM_ANY, "total_us", 3, " in %.3fus\n",
		  (tl->ev[tl->n - 1].m.ts_ns - first->m.ts_ns) / 1e3);
	em_open_array(&em, "events");
	for (size_t i = 0; i < tl->n; i++)
		emit_event(t, &tl->ev[i], &em, i ? &tl->ev[i - 1] : &tl->ev[0]);
	em_close_array(&em);
	em_close(&em);
	if (em.json)
		em_end_line(&em);
	free(tl);
	if (t->o->c.count && ++t->shown >= t->o->c.count)
		t->done = true;
}

/* Timelines whose skb has been silent for a while (its free was not seen). */
static void flush_idle(struct trace_ctx *t, uint64_t now_ns, bool all)
{
	const void *k;
	void *v;

	for (size_t i = 0; htab_next(&t->lines, &i, &k, &v);) {
		struct timeline *tl = v;

		if (all || now_ns - tl->ev[tl->n - 1].m.ts_ns > TIMELINE_IDLE_NS)
			flush_timeline(t, tl);	/* deleting leaves a tombstone: i stays valid */
	}
}

static int add_timeline(struct trace_ctx *t, const struct np_trace_event *e)
{
	struct timeline *tl = htab_get(&t->lines, &e->m.skb);

	/* A freed skb's address is reused: a long gap starts a new packet. */
	if (tl && e->m.ts_ns - tl->ev[tl->n - 1].m.ts_ns > TIMELINE_IDLE_NS) {
		flush_timeline(t, tl);
		tl = NULL;
	}
	if (!tl || tl->n == tl->cap) {
		size_t cap = tl ? tl->cap * 2 : 8;
		struct timeline *nt = realloc(tl, sizeof(*nt) + cap * sizeof(nt->ev[0]));

		if (!nt || htab_put(&t->lines, &e->m.skb, nt)) {
			htab_del(&t->lines, &e->m.skb);
			free(nt ? nt : tl);	/* realloc failing leaves tl as it was */
			np_err("out of memory for timelines");
			return -ENOMEM;
		}
		if (!tl) {
			nt->skb = e->m.skb;
			nt->n = 0;
		}
		nt->cap = cap;
		tl = nt;
	}
	tl->ev[tl->n++] = *e;
	if (e->probe == NP_P_KFREE_SKB || e->probe == NP_P_CONSUME_SKB || tl->n == TIMELINE_MAX)
		flush_timeline(t, tl);
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct trace_ctx *t = ctx;
	const struct np_trace_event *e = data;
	struct emitter em;

	if (t->done || size < sizeof(*e))
		return 0;
	if (t->o->c.container && !ct_matches(pkt_event_identity(&e->m), t->o->c.container))
		return 0;
	if (t->o->timeline && !e->m.skb) {	/* route lookups: no skb to group by */
		struct timeline *one = malloc(sizeof(*one) + sizeof(one->ev[0]));

		if (!one)
			return -ENOMEM;
		one->skb = 0;
		one->n = 1;
		one->cap = 1;
		one->ev[0] = *e;
		flush_timeline(t, one);
		return 0;
	}
	if (t->o->timeline)
		return add_timeline(t, e);
	em_init(&em, stdout, t->o->c.json);
	emit_event(t, e, &em, NULL);
	if (t->o->c.count && ++t->shown >= t->o->c.count)
		t->done = true;
	return 0;
}

/*
 * How the tracepoint programs read the kernel's objects, best first:
 * untrusted typed pointers (6.2+: bpf_rdonly_cast, the quickest to verify),
 * typed pointers (tp_btf), probe reads (raw_tp).
 */
enum flavour { FL_UNTRUSTED, FL_BTF, FL_RAW };

static const struct {
	const char *sec, *name, *shown;
} flavours[] = {
	[FL_UNTRUSTED]	= { "tp_btf/", "np_cast_", "tp_btf, untrusted" },
	[FL_BTF]	= { "tp_btf/", "np_btf_", "tp_btf" },
	[FL_RAW]	= { "raw_tp/", "np_raw_", "raw_tp" },
};

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The probe a program serves, from its section "tp_btf/NAME" or "raw_tp/NAME"; -1: none. */
static int program_probe(struct bpf_program *prog)
{
	const char *sec = strchr(bpf_program__section_name(prog), '/');

	for (int i = 0; sec && i < NP_P_MAX; i++)
		if (strcmp(sec + 1, probes[i].name) == 0)
			return i;
	return -1;
}

/* Whether @prog (of probe @p, or -1: loaded with every flavour of its section) is @fl's. */
static bool in_flavour(struct bpf_program *prog, int p, enum flavour fl)
{
	return has_prefix(bpf_program__section_name(prog), flavours[fl].sec) &&
	       (p < 0 || has_prefix(bpf_program__name(prog), flavours[fl].name));
}

struct attached {
	struct bpf_link *links[2 * NP_P_MAX + 8];
	int n;
	int probes;
};

/* Open and load one flavour's programs of the chosen level, kernel functions' if @kfuncs. */
static int open_load(struct trace_opts *o, const struct btf *vmlinux, enum flavour fl,
		     struct kfunc_probes *kp, bool kfuncs, bool *missing, struct trace_bpf **out)
{
	struct trace_bpf *skel;
	struct bpf_program *prog;
	int err;

	skel = trace_bpf__open();
	if (!skel) {
		err = -errno;
		np_err("trace: cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	skel->rodata->np_cfg = o->c.f.cfg;
	skel->rodata->track = o->track;
	for (int p = 0; p < NP_P_MAX; p++) {
		int n = np_tp_nargs(vmlinux, probes[p].name);	/* -ENOENT without BTF */

		((__u8 *)skel->rodata->np_nargs)[p] = n >= probes[p].nargs ? n : probes[p].nargs;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		int p = program_probe(prog);
		bool load = in_flavour(prog, p, fl);

		if (load && p >= 0) {
			load = probes[p].level <= o->level;
			/* tp_btf needs the tracepoint, with the arguments read, at load time. */
			if (load && fl != FL_RAW && np_tp_nargs(vmlinux, probes[p].name) <
			    probes[p].nargs) {
				missing[p] = true;
				load = false;
			}
		}
		bpf_program__set_autoload(prog, load);
	}
	kfunc_configure(kp, skel, kfuncs);
	bpf_program__set_autoload(skel->progs.np_copy_entry, o->track_copies);
	bpf_program__set_autoload(skel->progs.np_copy_return, o->track_copies);
	err = filter_apply(&o->c.f, skel->obj, "trace");
	if (err) {
		trace_bpf__destroy(skel);
		return err;
	}
	err = trace_bpf__load(skel);
	if (err) {
		np_info("trace: loading the %s programs%s: %s", flavours[fl].shown,
			kfuncs ? " with kernel-function probes" : "", strerror(-err));
		trace_bpf__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

/*
 * --track follows copies (new skbs with buffers of their own) from these
 * functions' returns; each takes the source skb first. Only with kprobes.
 */
static void attach_copies(const struct trace_opts *o, struct trace_bpf *skel,
			  struct attached *at)
{
	static const char *const funcs[] = {
		"skb_copy", "__pskb_copy_fclone", "skb_copy_expand", "skb_segment",
	};
	int n = 0;

	if (!o->track_copies) {
		np_info("trace: --track cannot follow copies (skb_copy, skb_segment...) here: "
			"that needs kprobes; clones are followed");
		return;
	}
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		struct bpf_link *entry, *ret;

		entry = bpf_program__attach_kprobe(skel->progs.np_copy_entry, false, funcs[i]);
		ret = entry ? bpf_program__attach_kprobe(skel->progs.np_copy_return, true,
							 funcs[i]) : NULL;
		if (!ret) {
			np_info("trace: --track: copies from %s not followed (%s)", funcs[i],
				strerror(errno));
			bpf_link__destroy(entry);
			continue;
		}
		at->links[at->n++] = entry;
		at->links[at->n++] = ret;
		n++;
	}
	np_info("trace: --track follows copies from %d of %zu functions (kprobes)", n,
		sizeof(funcs) / sizeof(funcs[0]));
}

/*
 * Load the chosen level's programs of one flavour and attach each on its own:
 * a probe this kernel lacks is reported and skipped. Kernel functions are
 * optional: when their programs do not load, the tracepoints run alone.
 */
static int load_flavour(struct trace_opts *o, const struct btf *vmlinux, enum flavour fl,
			struct kfunc_probes *kp, const struct kallsyms *ks, struct trace_bpf **out,
			struct attached *at)
{
	bool missing[NP_P_MAX] = { false };
	bool kfuncs = kp->method != KF_METHOD_NONE && kp->n;
	struct trace_bpf *skel = NULL;
	struct bpf_program *prog;
	int err;

	err = open_load(o, vmlinux, fl, kp, kfuncs, missing, &skel);
	if (err && kfuncs) {
		kfuncs = false;
		memset(missing, 0, sizeof(missing));
		err = open_load(o, vmlinux, fl, kp, false, missing, &skel);
	}
	if (err)
		return err;
	memset(at, 0, sizeof(*at));
	bpf_object__for_each_program(prog, skel->obj) {
		int p = program_probe(prog);
		struct bpf_link *link;

		if (p >= 0 && missing[p] && in_flavour(prog, p, fl))
			np_info("probe %s:%s missing", probes[p].category, probes[p].name);
		/* Kernel functions are attached by trace_kfunc.c. */
		if (!bpf_program__autoload(prog) || (p < 0 && !in_flavour(prog, p, fl)))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			if (p >= 0)
				np_info("probe %s:%s missing (%s)", probes[p].category,
					probes[p].name, strerror(-err));
			else
				np_info("trace: %s: %s (pid/comm shown in softirq too)",
					bpf_program__section_name(prog), strerror(-err));
			continue;
		}
		at->links[at->n++] = link;
		if (p >= 0) {
			at->probes++;
			np_info("probe %s:%s attached (%s, %s)", probes[p].category, probes[p].name,
				flavours[fl].shown, probes[p].layer);
		}
	}
	kfunc_attach(kp, skel, kfuncs, ks);
	if (o->track)
		attach_copies(o, skel, at);
	if (!at->probes && !kp->attached) {
		np_err("trace: no probe could be attached");
		kfunc_detach(kp);
		for (int i = 0; i < at->n; i++)
			bpf_link__destroy(at->links[i]);
		trace_bpf__destroy(skel);
		return -ENOENT;
	}
	*out = skel;
	return 0;
}

/*
 * The kernel functions of the level and how to attach them. all-skb without
 * kprobe-multi is refused: thousands of single kprobes take minutes to attach.
 */
static int plan_kfuncs(struct trace_ctx *t, const struct btf *vmlinux)
{
	static const enum kfunc_level map[] = {
		[LEVEL_BASIC] = KF_NONE, [LEVEL_STANDARD] = KF_STANDARD,
		[LEVEL_FULL] = KF_FULL, [LEVEL_ALL_SKB] = KF_ALL_SKB,
	};
	enum kfunc_level level = map[t->o->level];
	int err;

	if (level == KF_NONE)
		return 0;
	kfunc_probe_method(&t->kp, vmlinux);
	if (level == KF_ALL_SKB && t->kp.method != KF_METHOD_MULTI) {
		np_err("trace: --probes all-skb needs kprobe-multi (fprobe, CONFIG_FPROBE), "
		       "which this kernel lacks");
		return -EOPNOTSUPP;
	}
	if (t->kp.forced && t->kp.method != KF_METHOD_NONE)
		np_info("trace: kernel functions by %s, as NETOPROC_KFUNC_METHOD=%s asks",
			kfunc_method_name(t->kp.method), t->kp.forced);
	else if (t->kp.method == KF_METHOD_KPROBE)
		np_info("trace: kernel functions by kprobe, one per function (kprobe-multi: %s)",
			strerror(-t->kp.multi_err));
	else if (t->kp.method == KF_METHOD_FENTRY)
		np_info("trace: kernel functions by fentry, a program per function (kprobe-multi: "
			"%s; no kprobes)", strerror(-t->kp.multi_err));
	err = kfunc_plan(&t->kp, level, vmlinux);
	if (err == -ENOMEM)
		np_err("trace: out of memory for kernel-function probes");
	else if (err)
		np_err("trace: --probes all-skb needs the kernel's BTF and tracefs' "
		       "available_filter_functions (mount -t tracefs nodev /sys/kernel/tracing)");
	return err;
}

/* Every event lost so far: ring buffer full, or a probe nested on its CPU. */
static uint64_t trace_lost(void *ctx)
{
	struct trace_ctx *t = ctx;

	return np_percpu_sum(bpf_map__fd(t->skel->maps.stats), NP_TRACE_STAT_LOST) +
	       np_prog_misses(t->skel->obj) + kfunc_misses(&t->kp);
}

/* --timeline: print the skbs that went quiet. */
static void trace_tick(void *ctx, double now)
{
	struct trace_ctx *t = ctx;

	if (t->o->timeline)
		flush_idle(t, (uint64_t)(now * 1e9), false);
}

/* --timeline: at the end, every skb still open. */
static void trace_drain(void *ctx)
{
	struct trace_ctx *t = ctx;

	if (t->o->timeline)
		flush_idle(t, 0, true);
}

static int run(void *opts)
{
	struct trace_opts *o = opts;
	struct trace_ctx t = { .o = o };
	struct pkt_loop loop = { .name = "trace", .duration = o->c.duration, .done = &t.done,
				 .ctx = &t, .lost = trace_lost, .tick = trace_tick,
				 .drain = trace_drain };
	struct attached at = { .n = 0 };
	struct kallsyms_want bases[] = FRAG_BASES_WANT;
	struct kallsyms_loader ksyms_loader;
	struct btf *vmlinux;
	bool ksyms_first;
	int err;

	vmlinux = btf__load_vmlinux_btf();
	if (vmlinux)
		t.have_reasons = drop_reasons_load(&t.reasons, vmlinux) == 0;
	if (htab_init(&t.lines, sizeof(uint64_t))) {
		err = -ENOMEM;
		np_err("out of memory");
		goto cleanup;
	}
	libbpf_set_print(np_libbpf_print);
	t.kp.filter = &o->c.f;
	o->track_copies = o->track && kfunc_have_kprobes();
	err = plan_kfuncs(&t, vmlinux);
	if (err)
		goto cleanup;
	/*
	 * Symbols name drop locations, kernel functions' fentry addresses and
	 * (a filter's) the bases for reading paged payload. Kernel functions need
	 * them to load; otherwise the kernel writes /proc/kallsyms (80 ms on
	 * 6.18) while the programs load, and they are there before the bases
	 * are set, right after the attach.
	 */
	ksyms_first = t.kp.n && t.kp.method != KF_METHOD_NONE;
	if (ksyms_first)
		t.have_ksyms = kallsyms_load_want(&t.ksyms, NULL, bases, FRAG_BASES_NWANT) == 0;
	else
		kallsyms_load_start(&ksyms_loader, &t.ksyms, bases, FRAG_BASES_NWANT);
	err = -ENOENT;
	for (enum flavour fl = FL_UNTRUSTED; err && fl <= FL_RAW; fl++) {
		/* The first two need the kernel's BTF, the first its bpf_rdonly_cast too. */
		if (fl != FL_RAW && !vmlinux)
			continue;
		if (fl == FL_UNTRUSTED &&
		    btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) < 0)
			continue;
		err = load_flavour(o, vmlinux, fl, &t.kp, t.have_ksyms ? &t.ksyms : NULL, &t.skel,
				   &at);
	}
	if (!ksyms_first)
		t.have_ksyms = kallsyms_load_finish(&ksyms_loader) == 0;
	if (err) {
		np_err("trace: cannot load the tracer: %s", strerror(-err));
		goto cleanup;
	}
	if ((err = pkt_loop_open(&loop, bpf_map__fd(t.skel->maps.events), on_event, &t)))
		goto cleanup;
	/* Before saying so: a stop sent once we are attached must end the run cleanly. */
	np_catch_stop_signals();
	/* From here on a filter reads the paged part of a packet too. */
	if (o->c.f.expr)
		frag_bases_set("trace", bases, t.have_ksyms, &t.skel->bss->np_frag_bases,
			       &t.skel->bss->np_page_offset_base_addr,
			       &t.skel->bss->np_vmemmap_base_addr);
	np_info("trace: capture attached: %zu probes%s%s", at.probes + t.kp.attached,
		o->c.f.expr ? ", filter: " : "", o->c.f.expr ? o->c.f.expr : "");
	if (!o->c.json && !o->timeline)
		pkt_text_header(stdout, true, "[DETAILS]");

	if ((err = pkt_loop_run(&loop)))
		goto cleanup;
	pkt_say_filter_short("trace", bpf_map__fd(t.skel->maps.np_filter_short));
	np_info("trace: %llu events matched, %llu lost in the ring buffer, %llu missed "
		"(probe nested)",
		(unsigned long long)np_percpu_sum(bpf_map__fd(t.skel->maps.stats),
						  NP_TRACE_STAT_MATCHED),
		(unsigned long long)np_percpu_sum(bpf_map__fd(t.skel->maps.stats), NP_TRACE_STAT_LOST),
		(unsigned long long)np_prog_misses(t.skel->obj) + kfunc_misses(&t.kp));
cleanup:
	pkt_loop_close(&loop);
	for (int i = 0; i < at.n; i++)
		bpf_link__destroy(at.links[i]);
	kfunc_free(&t.kp);
	trace_bpf__destroy(t.skel);
	if (t.lines.slots)
		flush_idle(&t, 0, true);
	htab_free(&t.lines);
	btf__free(vmlinux);
	if (t.have_ksyms)
		kallsyms_free(&t.ksyms);
	if (t.have_reasons)
		drop_reasons_free(&t.reasons);
	return err;
}

static const struct pkt_cmd trace_cmd = {
	.name = "trace", .long_opts = long_opts, .usage = usage, .option = trace_option,
	.run = run,
};

int trace_parse_only(int argc, char **argv)
{
	struct trace_opts o = { .level = LEVEL_STANDARD };

	return pkt_cmd_parse_only(&trace_cmd, &o.c, &o, argc, argv);
}

int cmd_trace(int argc, char **argv)
{
	struct trace_opts o = { .level = LEVEL_STANDARD };

	return pkt_cmd_main(&trace_cmd, &o.c, &o, argc, argv);
}
