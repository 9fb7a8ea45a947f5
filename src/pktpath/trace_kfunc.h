/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel-function probes of `netoproc trace`: which functions each
 * --probes level adds (with their layer), how they are attached (one
 * kprobe-multi link per skb position where the kernel has it, else a kprobe
 * per function), and the function an event came from.
 */
#ifndef NETOPROC_TRACE_KFUNC_H
#define NETOPROC_TRACE_KFUNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pktpath/kfunc.h"

struct btf;
struct bpf_link;
struct kallsyms;
struct trace_bpf;
struct trace_kfunc_bpf;
struct filter_opts;

enum kfunc_level { KF_NONE, KF_STANDARD, KF_FULL, KF_ALL_SKB };
/* Best first: one link for all; a link per function; a loaded program per function. */
enum kfunc_method { KF_METHOD_NONE, KF_METHOD_MULTI, KF_METHOD_KPROBE, KF_METHOD_FENTRY };

struct kfunc_target {
	const char *func;	/* BTF name, shown as the event's probe */
	const char *sym;	/* symbol probed: func itself or a compiler clone */
	const char *layer;
	char *why;		/* missing: why; attached as a clone: what was done */
	int pos;		/* skb parameter, 1..KFUNC_MAX_POS */
	bool attached;
};

struct kfunc_probes {
	enum kfunc_level level;
	enum kfunc_method method;
	bool func_ip;		/* kprobes have bpf_get_func_ip */
	const char *no_method;	/* why no method, when method is NONE */
	int multi_err;		/* why not kprobe-multi: -errno of the attempt */
	int fentry_err;		/* why not fentry */
	const char *forced;	/* NETOPROC_KFUNC_METHOD, for tests */
	const struct filter_opts *filter;	/* written into each fentry object */
	struct kfunc_target *t;
	size_t n;
	struct kfunc_target **by_sym;	/* attached ones, sorted by sym, for events */
	size_t nby;
	struct bpf_link **links;
	size_t nlinks;
	size_t cap_links;
	size_t attached;
	size_t skipped[5];	/* all-skb: functions left out, by reason (see trace_kfunc.c) */
	struct kfunc_syms syms;
	bool have_syms;
	struct trace_kfunc_bpf **fentry;	/* fentry: one loaded object per function */
	size_t nfentry;
};

/*
 * How this kernel lets functions be probed, best first: kprobe-multi,
 * kprobe, fentry. NETOPROC_KFUNC_METHOD=kprobe-multi|kprobe|fentry picks
 * one for tests (none when this kernel lacks it).
 */
void kfunc_probe_method(struct kfunc_probes *kp, const struct btf *btf);
const char *kfunc_method_name(enum kfunc_method m);
/* The functions of @level with their skb position and symbol (after kfunc_probe_method()); 0 or -errno. */
int kfunc_plan(struct kfunc_probes *kp, enum kfunc_level level, const struct btf *btf);
/* Before load: the programs the plan and the method need, and their settings. */
void kfunc_configure(struct kfunc_probes *kp, struct trace_bpf *skel, bool load);
/* Whether single kprobes can be attached here (a kprobe PMU or kprobe_events). */
bool kfunc_have_kprobes(void);
/* After load: attach, and say per probe (-v) how or why not. Never fatal. */
void kfunc_attach(struct kfunc_probes *kp, struct trace_bpf *skel, bool loaded,
		  const struct kallsyms *ks);
/* Runs the fentry programs missed (as np_prog_misses). */
uint64_t kfunc_misses(const struct kfunc_probes *kp);
void kfunc_detach(struct kfunc_probes *kp);
void kfunc_free(struct kfunc_probes *kp);
/* The probed function at @ip: its target, or NULL with *sym the nearest kallsyms name. */
const struct kfunc_target *kfunc_at(const struct kfunc_probes *kp, const struct kallsyms *ks,
				    uint64_t ip, const char **sym);

#endif
