/* SPDX-License-Identifier: GPL-2.0-only */
/* `netoproc probe`: what this kernel offers netoproc, and what it would choose. */
#ifndef NETOPROC_PROBE_H
#define NETOPROC_PROBE_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include "monitor_abi.h"

struct kernel_features {
	bool btf;		/* /sys/kernel/btf/vmlinux */
	bool prog_cgroup_skb, prog_cgroup_sock, prog_tracing, prog_kprobe;
	bool map_ringbuf, map_sk_storage;
	bool tp_send_length, tp_recv_length;	/* in vmlinux BTF */
	bool fentry;		/* a fentry program loads */
	bool kprobe_pmu;	/* kprobes can be created */
	bool cgroup2;
	char cgroup2_path[256];
	int fentry_err;		/* errno of the fentry probe */
};

/* @btf_path: BTF of the running kernel from a file (--btf), or NULL for its own. */
void probe_kernel(struct kernel_features *f, const char *btf_path);
struct btf;
struct btf *load_kernel_btf(const char *path);
/* Load "r0 = 0; exit" as a BTF-typed tracing program on @name (@kind): 0 or -errno. */
int probe_tracing_prog(const struct btf *vmlinux, const char *name, int kind,
		       enum bpf_attach_type type);
/* Whether kprobes can be created (the kprobe PMU, or kprobe_events). */
bool probe_kprobe_pmu(void);
/* Can tier @t run here? *why says why (or why not). */
bool probe_tier(const struct kernel_features *f, enum np_attach t, const char **why);
/* The monitor's choice (NP_ATTACH_AUTO: none), stable interfaces first; *why says why. */
enum np_attach probe_choose_attach(const struct kernel_features *f, const char **why);
const char *attach_name(enum np_attach t);
int cmd_probe(int argc, char **argv);

#endif
