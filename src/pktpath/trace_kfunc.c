// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel-function probes for `netoproc trace`: the layers the tracepoints
 * miss (IP in/out/forward, netfilter, bridge, virtual devices, protocol
 * receive). Each function's skb position comes from the running kernel's
 * BTF; the attach method from trying the kernel: kprobe-multi (one link per
 * skb position for all functions), else one kprobe per function, else fentry
 * (trace_kfunc.bpf.c loaded once per function: the slowest to start).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf/trace_abi.h"
#include "filter/filter_opts.h"
#include "filter/pcap_region.h"
#include "lib/bpf_util.h"
#include "lib/kallsyms.h"
#include "lib/kernel_features.h"
#include "lib/util.h"
#include "monitor/capture/tiers.h"
#include "pktpath/pkt_format.h"
#include "pktpath/trace_kfunc.h"
#include "trace.skel.h"
#include "trace_kfunc.skel.h"

#define ENOTSUPP 524	/* include/linux/errno.h */

struct kfunc_def {
	const char *func;
	const char *layer;
	enum kfunc_level level;
};

/* Along the path of a packet: receive, forward, send, then per protocol. */
static const struct kfunc_def defs[] = {
	{ "ip_rcv", "ip-in", KF_STANDARD },
	{ "ip_rcv_finish", "ip-in", KF_FULL },
	{ "ip_rcv_finish_core", "ip-in", KF_FULL },
	{ "ip_local_deliver", "ip-in", KF_STANDARD },
	{ "ip_local_deliver_finish", "ip-in", KF_FULL },
	{ "ip_forward", "ip-fwd", KF_STANDARD },
	{ "ip_forward_finish", "ip-fwd", KF_FULL },
	{ "__ip_queue_xmit", "ip-out", KF_FULL },
	{ "__ip_local_out", "ip-out", KF_STANDARD },
	{ "ip_output", "ip-out", KF_STANDARD },
	{ "ip_finish_output", "ip-out", KF_FULL },
	{ "ip_finish_output2", "ip-out", KF_STANDARD },
	{ "ipv6_rcv", "ip6-in", KF_STANDARD },
	{ "ip6_rcv_finish", "ip6-in", KF_FULL },
	{ "ip6_input", "ip6-in", KF_FULL },
	{ "ip6_forward", "ip6-fwd", KF_FULL },
	{ "ip6_xmit", "ip6-out", KF_FULL },
	{ "ip6_local_out", "ip6-out", KF_FULL },
	{ "ip6_output", "ip6-out", KF_STANDARD },
	{ "ip6_finish_output2", "ip6-out", KF_FULL },
	{ "nf_hook_slow", "netfilter", KF_STANDARD },
	{ "nf_conntrack_in", "netfilter", KF_FULL },
	{ "br_handle_frame", "bridge", KF_FULL },
	{ "br_handle_frame_finish", "bridge", KF_FULL },
	{ "br_forward", "bridge", KF_FULL },
	{ "br_pass_frame_up", "bridge", KF_FULL },
	{ "br_dev_xmit", "bridge", KF_FULL },
	{ "__netif_receive_skb_core", "link-in", KF_FULL },
	{ "__dev_queue_xmit", "link-out", KF_STANDARD },
	{ "dev_hard_start_xmit", "link-out", KF_FULL },
	{ "veth_xmit", "link-out", KF_FULL },
	{ "tun_net_xmit", "link-out", KF_FULL },
	{ "tcp_v4_rcv", "tcp", KF_STANDARD },
	{ "tcp_v6_rcv", "tcp", KF_FULL },
	{ "tcp_rcv_established", "tcp", KF_FULL },
	{ "__tcp_transmit_skb", "tcp", KF_FULL },
	{ "udp_rcv", "udp", KF_STANDARD },
	{ "udpv6_rcv", "udp", KF_FULL },
	{ "udp_queue_rcv_skb", "udp", KF_FULL },
	{ "udp_send_skb", "udp", KF_FULL },
	{ "icmp_rcv", "icmp", KF_STANDARD },
	{ "icmpv6_rcv", "icmp", KF_FULL },
};

/* all-skb: a layer from the name, for functions outside the table. */
static const struct {
	const char *prefix;
	const char *layer;
} prefix_layers[] = {
	{ "ip6", "ip6" }, { "ipv6", "ip6" }, { "ip_", "ip" }, { "tcp", "tcp" },
	{ "udp", "udp" }, { "icmp", "icmp" }, { "nf_", "netfilter" }, { "nft_", "netfilter" },
	{ "br_", "bridge" }, { "netif_", "link" }, { "dev_", "link" }, { "__dev_", "link" },
	{ "napi_", "link" }, { "skb_", "skb" }, { "__skb_", "skb" }, { "sk_", "socket" },
	{ "sock_", "socket" }, { "neigh", "neigh" }, { "arp", "neigh" },
};

/* all-skb: why functions were left out (indexes of kfunc_probes.skipped). */
static const char *const skip_names[] = {
	"not traceable", "in the kprobe blacklist", "name not unique",
	"compiler clones with a moved skb", "skb past the fifth parameter",
};

static const char *guess_layer(const char *func)
{
	for (size_t i = 0; i < sizeof(prefix_layers) / sizeof(*prefix_layers); i++)
		if (strncmp(func, prefix_layers[i].prefix, strlen(prefix_layers[i].prefix)) == 0)
			return prefix_layers[i].layer;
	return "function";
}

/* 0 when a kprobe-multi link can be made here, else -errno of the attempt. */
static int try_kprobe_multi(void)
{
	struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 },	/* r0 = 0 */
		{ .code = 0x95 },				/* exit */
	};
	LIBBPF_OPTS(bpf_prog_load_opts, popts, .expected_attach_type = BPF_TRACE_KPROBE_MULTI);
	LIBBPF_OPTS(bpf_link_create_opts, lopts);
	const char *sym = "netoproc_probe_no_such_function";
	int prog, link, err;

	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "np_kmulti", "GPL", insns, 2, &popts);
	if (prog < 0)
		return -errno;
	lopts.kprobe_multi.syms = &sym;
	lopts.kprobe_multi.cnt = 1;
	link = bpf_link_create(prog, 0, BPF_TRACE_KPROBE_MULTI, &lopts);
	err = link < 0 ? -errno : 0;
	if (link >= 0)
		close(link);
	close(prog);
	/*
	 * A kernel with kprobe-multi looks the name up and fails to find it;
	 * one without refuses the attach type (EINVAL) or has no fprobe
	 * (EOPNOTSUPP).
	 */
	return err == -ESRCH || err == -ENOENT ? 0 : err;
}

const char *kfunc_method_name(enum kfunc_method m)
{
	static const char *const names[] = {
		[KF_METHOD_NONE] = "none", [KF_METHOD_MULTI] = "kprobe-multi",
		[KF_METHOD_KPROBE] = "kprobe", [KF_METHOD_FENTRY] = "fentry",
	};

	return names[m];
}

bool kfunc_have_kprobes(void)
{
	return libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_KPROBE, NULL) == 1 && probe_kprobe_pmu();
}

void kfunc_probe_method(struct kfunc_probes *kp, const struct btf *btf)
{
	libbpf_print_fn_t old = libbpf_set_print(np_libbpf_silent);
	static char why[200];
	bool kprobes;
	int err;

	err = try_kprobe_multi();
	kprobes = kfunc_have_kprobes();
	kp->func_ip = kprobes &&
		      libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_get_func_ip, NULL) == 1;
	kp->fentry_err = probe_tracing_prog(btf, "ip_rcv", BTF_KIND_FUNC, BPF_TRACE_FENTRY);
	libbpf_set_print(old);
	if (!err)
		kp->method = KF_METHOD_MULTI;
	else if (kprobes)
		kp->method = KF_METHOD_KPROBE;
	else if (!kp->fentry_err)
		kp->method = KF_METHOD_FENTRY;
	else
		kp->method = KF_METHOD_NONE;
	snprintf(why, sizeof(why), "this kernel has neither kprobe-multi (%s), kprobes nor "
		 "fentry (%s)", strerror(-err), strerror(-kp->fentry_err));
	kp->no_method = why;
	kp->multi_err = err;
	kp->forced = getenv("NETOPROC_KFUNC_METHOD");
	if (kp->forced && !*kp->forced)
		kp->forced = NULL;
	if (kp->forced) {
		enum kfunc_method m = KF_METHOD_NONE;

		for (int i = KF_METHOD_MULTI; i <= KF_METHOD_FENTRY; i++)
			if (strcmp(kp->forced, kfunc_method_name(i)) == 0)
				m = i;
		if ((m == KF_METHOD_MULTI && err) || (m == KF_METHOD_KPROBE && !kprobes) ||
		    (m == KF_METHOD_FENTRY && kp->fentry_err))
			m = KF_METHOD_NONE;
		if (m == KF_METHOD_NONE) {
			snprintf(why, sizeof(why), "NETOPROC_KFUNC_METHOD=%s is not available here",
				 kp->forced);
		}
		kp->method = m;
	}
}

static int add_target(struct kfunc_probes *kp, size_t *cap, const char *func, const char *layer)
{
	if (kp->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct kfunc_target *p = realloc(kp->t, nc * sizeof(*p));

		if (!p)
			return -ENOMEM;
		kp->t = p;
		*cap = nc;
	}
	memset(&kp->t[kp->n], 0, sizeof(kp->t[0]));
	kp->t[kp->n].func = func;
	kp->t[kp->n].layer = layer;
	kp->n++;
	return 0;
}

/* The symbol for target @t, or its reason; returns the skip_names index, or -1 when ok. */
static int resolve(struct kfunc_probes *kp, struct kfunc_target *t)
{
	char buf[192];
	const char *why;
	int r;

	r = kfunc_resolve(&kp->syms, t->func, t->pos, &t->sym, buf, sizeof(buf), &why);
	if (why)
		t->why = strdup(why);
	if (r >= 0)
		return -1;
	t->sym = NULL;
	return r == -EPERM ? 1 : r == -ENOTUNIQ ? 2 : r == -EXDEV ? 3 : 0;
}

/*
 * A function of a loaded module (bridge, veth, tun are often modules) has
 * its BTF in /sys/kernel/btf/MODULE, split from vmlinux'.
 */
static int module_skb_pos(const struct btf *vmlinux, const char *func, const char **why)
{
	struct dirent *d;
	DIR *dir;
	int pos = -ENOENT;

	dir = opendir("/sys/kernel/btf");
	if (!dir)
		return -ENOENT;
	while (pos == -ENOENT && (d = readdir(dir))) {
		char path[300];
		struct btf *mod;

		if (d->d_name[0] == '.' || strcmp(d->d_name, "vmlinux") == 0)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", d->d_name);
		mod = btf__parse_split(path, (struct btf *)vmlinux);
		if (libbpf_get_error(mod))
			continue;
		pos = kfunc_skb_pos(mod, func, why);
		btf__free(mod);
	}
	closedir(dir);
	return pos;
}

static int cmp_target_sym(const void *a, const void *b)
{
	const struct kfunc_target *x = a, *y = b;

	return strcmp(x->sym, y->sym);
}

int kfunc_plan(struct kfunc_probes *kp, enum kfunc_level level, const struct btf *btf)
{
	size_t cap = 0, w = 0;
	int err;

	kp->level = level;
	if (level == KF_NONE)
		return 0;
	/*
	 * With no way to attach (kfunc_probe_method() ran first), the symbol list
	 * (/proc/kallsyms and ftrace's list, a third of trace's start-up) would
	 * only name what cannot be used.
	 */
	err = kp->method == KF_METHOD_NONE ? -EOPNOTSUPP :
	      kfunc_syms_load(&kp->syms, NULL, NULL, NULL);
	kp->have_syms = !err;
	if (level != KF_ALL_SKB) {
		for (size_t i = 0; i < sizeof(defs) / sizeof(*defs); i++) {
			struct kfunc_target *t;
			const char *why;

			if (defs[i].level > level)
				continue;
			if (add_target(kp, &cap, defs[i].func, defs[i].layer))
				return -ENOMEM;
			t = &kp->t[kp->n - 1];
			t->pos = btf ? kfunc_skb_pos(btf, t->func, &why) : -ENOENT;
			if (t->pos == -ENOENT && btf)
				t->pos = module_skb_pos(btf, t->func, &why);
			if (!btf)
				why = "no kernel BTF to find its skb parameter";
			if (t->pos == -ENOENT && btf && kp->have_syms)
				why = kfunc_syms_count(&kp->syms, t->func) ?
				      "in the kernel's symbols but not in its BTF" :
				      "not in this kernel's BTF nor its symbols (inlined, or in a "
				      "module not loaded)";
			if (t->pos < 0)
				t->why = strdup(why);
			else if (kp->method == KF_METHOD_NONE)
				t->why = strdup(kp->no_method);
			else if (!kp->have_syms)
				t->why = strdup("no list of kernel symbols (kallsyms) to attach by");
			else
				resolve(kp, t);
		}
		return 0;
	}
	/*
	 * kallsyms also lists functions ftrace cannot probe, and each would
	 * make a kprobe-multi link fail: all-skb needs ftrace's own list.
	 */
	if (!btf || !kp->have_syms || !kp->syms.ftrace)
		return -ENOENT;
	for (int id = 1; id < (int)btf__type_cnt(btf); id++) {
		const struct btf_type *bt = btf__type_by_id(btf, id);
		struct kfunc_target *t;
		const char *why;
		int pos, skip;

		if (!btf_is_func(bt))
			continue;
		pos = kfunc_skb_pos_id(btf, id, &why);
		if (pos == -E2BIG)
			kp->skipped[4]++;
		if (pos < 0)
			continue;
		if (add_target(kp, &cap, btf__name_by_offset(btf, bt->name_off), NULL))
			return -ENOMEM;
		t = &kp->t[kp->n - 1];
		t->pos = pos;
		skip = resolve(kp, t);
		free(t->why);	/* thousands: only counted */
		t->why = NULL;
		if (skip >= 0) {
			kp->skipped[skip]++;
			kp->n--;
			continue;
		}
		t->layer = guess_layer(t->func);
		for (size_t i = 0; i < sizeof(defs) / sizeof(*defs); i++)
			if (strcmp(defs[i].func, t->func) == 0)
				t->layer = defs[i].layer;
	}
	/* A function BTF lists twice is one probe. */
	if (kp->n)
		qsort(kp->t, kp->n, sizeof(*kp->t), cmp_target_sym);
	for (size_t i = 0; i < kp->n; i++)
		if (!w || strcmp(kp->t[i].sym, kp->t[w - 1].sym))
			kp->t[w++] = kp->t[i];
	kp->n = w;
	return 0;
}

static struct bpf_program *prog_for(struct trace_bpf *skel, bool multi, int pos)
{
	struct bpf_program *m[KFUNC_MAX_POS] = {
		skel->progs.np_kmulti_1, skel->progs.np_kmulti_2, skel->progs.np_kmulti_3,
		skel->progs.np_kmulti_4, skel->progs.np_kmulti_5,
	};
	struct bpf_program *k[KFUNC_MAX_POS] = {
		skel->progs.np_kprobe_1, skel->progs.np_kprobe_2, skel->progs.np_kprobe_3,
		skel->progs.np_kprobe_4, skel->progs.np_kprobe_5,
	};

	return multi ? m[pos - 1] : k[pos - 1];
}

void kfunc_configure(struct kfunc_probes *kp, struct trace_bpf *skel, bool load)
{
	bool need[KFUNC_MAX_POS + 1] = { false };

	for (size_t i = 0; i < kp->n; i++)
		if (kp->t[i].sym)
			need[kp->t[i].pos] = true;
	skel->rodata->kprobe_func_ip = kp->func_ip;
	for (int pos = 1; pos <= KFUNC_MAX_POS; pos++) {
		bpf_program__set_autoload(prog_for(skel, true, pos), load && need[pos] &&
					  kp->method == KF_METHOD_MULTI);
		bpf_program__set_autoload(prog_for(skel, false, pos), load && need[pos] &&
					  kp->method == KF_METHOD_KPROBE);
	}
}

static int add_link(struct kfunc_probes *kp, struct bpf_link *link)
{
	if (kp->nlinks == kp->cap_links) {
		size_t nc = kp->cap_links ? kp->cap_links * 2 : 64;
		struct bpf_link **p = realloc(kp->links, nc * sizeof(*p));

		if (!p) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		kp->links = p;
		kp->cap_links = nc;
	}
	kp->links[kp->nlinks++] = link;
	return 0;
}

static void set_why(struct kfunc_target *t, const char *why)
{
	free(t->why);
	t->why = strdup(why);
}

/*
 * One kprobe-multi link for @g[0..n). The kernel refuses the whole link for
 * one function it cannot probe, so a refused group is halved until the
 * functions at fault are found alone.
 */
static void attach_multi(struct kfunc_probes *kp, struct bpf_program *prog,
			 struct kfunc_target **g, size_t n)
{
	LIBBPF_OPTS(bpf_kprobe_multi_opts, opts);
	const char **syms = calloc(n, sizeof(*syms));
	/*
	 * Cookies the program never reads, given only so that the link has
	 * them: 6.18's bpf_kprobe_multi_show_fdinfo() prints each function's
	 * cookie without checking there are any, and reading the link's
	 * /proc/PID/fdinfo (bpftool, lsof, any agent listing BPF links) was a
	 * NULL dereference, a kernel oops (seen on Debian's 6.18.15).
	 */
	__u64 *cookies = calloc(n, sizeof(*cookies));
	struct bpf_link *link;
	int err;

	if (!syms || !cookies) {
		for (size_t i = 0; i < n; i++)
			set_why(g[i], strerror(ENOMEM));
		free(syms);
		free(cookies);
		return;
	}
	for (size_t i = 0; i < n; i++)
		syms[i] = g[i]->sym;
	opts.syms = syms;
	opts.cookies = cookies;
	opts.cnt = n;
	link = bpf_program__attach_kprobe_multi_opts(prog, NULL, &opts);
	err = link ? 0 : -errno;
	free(syms);
	free(cookies);
	if (link && !add_link(kp, link)) {
		for (size_t i = 0; i < n; i++)
			g[i]->attached = true;
		return;
	}
	/*
	 * Halve only for errors about a symbol (not found, not traceable);
	 * anything else (memory, permission) would fail every half the same.
	 */
	if (n == 1 || (err != -ENOENT && err != -ESRCH && err != -EINVAL &&
		       err != -EADDRNOTAVAIL)) {
		for (size_t i = 0; i < n; i++)
			set_why(g[i], strerror(-err));
		return;
	}
	attach_multi(kp, prog, g, n / 2);
	attach_multi(kp, prog, g + n / 2, n - n / 2);
}

static int cmp_by_sym(const void *a, const void *b)
{
	const struct kfunc_target *const *x = a, *const *y = b;

	return strcmp((*x)->sym, (*y)->sym);
}

/*
 * Without -v the list above is silent: one line says how many kernel-function
 * probes of the chosen level are not there and why (the first reason met), so
 * that nobody takes a quiet trace for an empty path.
 */
static void say_missing(const struct kfunc_probes *kp)
{
	const char *why = NULL;
	size_t missing = 0;

	for (size_t i = 0; i < kp->n; i++) {
		const struct kfunc_target *t = &kp->t[i];

		if (t->attached)
			continue;
		missing++;
		if (!why)
			why = kp->method == KF_METHOD_NONE && t->sym ? kp->no_method : t->why;
	}
	if (missing)
		np_err("trace: %zu of %zu kernel-function probes of this level unavailable (%s)%s",
		       missing, kp->n, why ? why : "not in this kernel",
		       np_verbose ? "" : "; -v lists them");
}

static void report(const struct kfunc_probes *kp)
{
	const char *how = kfunc_method_name(kp->method);

	if (kp->level == KF_ALL_SKB) {
		size_t clones = 0;

		for (size_t i = 0; i < kp->n; i++)
			clones += kp->t[i].attached && strcmp(kp->t[i].sym, kp->t[i].func);
		np_info("trace: all-skb: %zu kernel functions taking an skb attached (%s, %zu "
			"links), %zu of them as compiler clones with the skb first; %zu failed "
			"to attach", kp->attached, how, kp->nlinks, clones, kp->n - kp->attached);
		for (size_t i = 0; i < sizeof(skip_names) / sizeof(*skip_names); i++)
			if (kp->skipped[i])
				np_info("trace: all-skb: %zu left out: %s", kp->skipped[i],
					skip_names[i]);
		return;
	}
	for (size_t i = 0; i < kp->n; i++) {
		const struct kfunc_target *t = &kp->t[i];

		if (t->attached)
			np_info("probe kfunc:%s attached (%s, %s, skb parameter %d%s%s)", t->func,
				how, t->layer, t->pos, t->why ? "; " : "", t->why ? t->why : "");
		else if (kp->method == KF_METHOD_NONE && t->sym)
			np_info("probe kfunc:%s missing (%s)", t->func, kp->no_method);
		else
			np_info("probe kfunc:%s missing (%s)", t->func, t->why ? t->why : "?");
	}
	say_missing(kp);
}

/* Address of text symbol @name, 0 when unknown (the event then shows 0x0). */
static uint64_t sym_addr(const struct kallsyms *ks, const char *name)
{
	for (size_t i = 0; ks && i < ks->n; i++)
		if (strcmp(ks->names + ks->syms[i].name, name) == 0)
			return ks->syms[i].addr;
	return 0;
}

/*
 * fentry: trace_kfunc.bpf.c loaded for @t alone, sharing @skel's maps and
 * filter settings. The kernel finds a fentry target by its BTF name, so a
 * function left only as a compiler clone cannot be one.
 */
static int attach_fentry(struct kfunc_probes *kp, struct trace_bpf *skel,
			 struct kfunc_target *t, const struct kallsyms *ks)
{
	struct trace_kfunc_bpf *fe, **p;
	struct bpf_program *prog, *progs[KFUNC_MAX_POS];
	struct bpf_link *link;
	int err;

	if (strcmp(t->sym, t->func)) {
		set_why(t, "only a compiler clone, which fentry cannot attach to by BTF name");
		return -ENOENT;
	}
	p = realloc(kp->fentry, (kp->nfentry + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	kp->fentry = p;
	fe = trace_kfunc_bpf__open();
	if (!fe)
		return -errno;
	kp->fentry[kp->nfentry++] = fe;
	fe->rodata->np_cfg = skel->rodata->np_cfg;
	fe->rodata->track = skel->rodata->track;
	fe->rodata->func_addr = sym_addr(ks, t->sym);
	progs[0] = fe->progs.np_fentry_1;
	progs[1] = fe->progs.np_fentry_2;
	progs[2] = fe->progs.np_fentry_3;
	progs[3] = fe->progs.np_fentry_4;
	progs[4] = fe->progs.np_fentry_5;
	bpf_object__for_each_program(prog, fe->obj)
		bpf_program__set_autoload(prog, prog == progs[t->pos - 1]);
	if (kp->filter && kp->filter->prog) {
		char why[256];

		err = pcap_filter_patch(fe->obj, kp->filter->prog, kp->filter->prog_len, why,
					sizeof(why));
		if (err < 0)
			return err;	/* the main object's patch reported it already */
	}
	err = bpf_map__reuse_fd(fe->maps.events, bpf_map__fd(skel->maps.events));
	err = err ?: bpf_map__reuse_fd(fe->maps.scratch, bpf_map__fd(skel->maps.scratch));
	err = err ?: bpf_map__reuse_fd(fe->maps.stats, bpf_map__fd(skel->maps.stats));
	err = err ?: bpf_map__reuse_fd(fe->maps.tracked, bpf_map__fd(skel->maps.tracked));
	err = err ?: bpf_map__reuse_fd(fe->maps.tracked_heads,
				       bpf_map__fd(skel->maps.tracked_heads));
	err = err ?: bpf_map__reuse_fd(fe->maps.np_in_softirq,
				       bpf_map__fd(skel->maps.np_in_softirq));
	err = err ?: bpf_program__set_attach_target(progs[t->pos - 1], 0, t->func);
	err = err ?: trace_kfunc_bpf__load(fe);
	if (err)
		return err;
	link = bpf_program__attach(progs[t->pos - 1]);
	if (!link)
		return -errno;
	return add_link(kp, link);
}

void kfunc_attach(struct kfunc_probes *kp, struct trace_bpf *skel, bool loaded,
		  const struct kallsyms *ks)
{
	struct kfunc_target **g;
	size_t n;

	if (kp->level == KF_NONE)
		return;
	/* Again for the raw_tp flavour when no tp_btf probe attached: start afresh. */
	free(kp->by_sym);
	kp->by_sym = NULL;
	kp->nby = kp->attached = 0;
	for (size_t i = 0; i < kp->n; i++)
		kp->t[i].attached = false;
	g = calloc(kp->n ? kp->n : 1, sizeof(*g));
	for (size_t i = 0; kp->method == KF_METHOD_FENTRY && i < kp->n; i++) {
		int err;

		if (!kp->t[i].sym)
			continue;
		err = attach_fentry(kp, skel, &kp->t[i], ks);
		if (!err)
			kp->t[i].attached = true;
		else if (err == -ENOTSUPP)	/* the kernel's own errno, not in libc */
			set_why(&kp->t[i], "the kernel cannot build its fentry trampoline "
				"(ENOTSUPP: more arguments than it handles, or a struct by value)");
		else if (err != -ENOENT)
			set_why(&kp->t[i], strerror(-err));
	}
	for (int pos = 1; g && loaded && kp->method != KF_METHOD_NONE &&
	     kp->method != KF_METHOD_FENTRY && pos <= KFUNC_MAX_POS; pos++) {
		struct bpf_program *prog = prog_for(skel, kp->method == KF_METHOD_MULTI, pos);

		n = 0;
		for (size_t i = 0; i < kp->n; i++)
			if (kp->t[i].sym && kp->t[i].pos == pos)
				g[n++] = &kp->t[i];
		if (!n)
			continue;
		if (kp->method == KF_METHOD_MULTI) {
			attach_multi(kp, prog, g, n);
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			struct bpf_link *link = bpf_program__attach_kprobe(prog, false, g[i]->sym);

			if (!link)
				set_why(g[i], strerror(errno));
			else if (!add_link(kp, link))
				g[i]->attached = true;
		}
	}
	if (!loaded && kp->method != KF_METHOD_FENTRY)
		for (size_t i = 0; i < kp->n; i++)
			if (kp->t[i].sym && kp->method != KF_METHOD_NONE)
				set_why(&kp->t[i], "its BPF programs did not load");
	kp->nby = 0;
	for (size_t i = 0; g && i < kp->n; i++)
		if (kp->t[i].attached)
			g[kp->nby++] = &kp->t[i];
	kp->attached = kp->nby;
	if (kp->nby)
		qsort(g, kp->nby, sizeof(*g), cmp_by_sym);
	kp->by_sym = g;
	report(kp);
}

void kfunc_detach(struct kfunc_probes *kp)
{
	for (size_t i = 0; i < kp->nlinks; i++)
		bpf_link__destroy(kp->links[i]);
	kp->nlinks = 0;
	for (size_t i = 0; i < kp->nfentry; i++)
		trace_kfunc_bpf__destroy(kp->fentry[i]);
	free(kp->fentry);
	kp->fentry = NULL;
	kp->nfentry = 0;
}

uint64_t kfunc_misses(const struct kfunc_probes *kp)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < kp->nfentry; i++)
		sum += np_prog_misses(kp->fentry[i]->obj);
	return sum;
}

void kfunc_free(struct kfunc_probes *kp)
{
	kfunc_detach(kp);
	for (size_t i = 0; i < kp->n; i++)
		free(kp->t[i].why);
	free(kp->t);
	free(kp->by_sym);
	free(kp->links);
	if (kp->have_syms)
		kfunc_syms_free(&kp->syms);
	memset(kp, 0, sizeof(*kp));
}

const struct kfunc_target *kfunc_at(const struct kfunc_probes *kp, const struct kallsyms *ks,
				    uint64_t ip, const char **sym)
{
	struct kfunc_target key, *kq = &key;
	struct kfunc_target **hit;
	uint64_t off;

	*sym = ks ? kallsyms_lookup(ks, ip, &off) : NULL;
	if (!*sym || !kp->nby)
		return NULL;
	key.sym = *sym;
	hit = bsearch(&kq, kp->by_sym, kp->nby, sizeof(*kp->by_sym), cmp_by_sym);
	return hit ? *hit : NULL;
}
