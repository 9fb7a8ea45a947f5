/* SPDX-License-Identifier: GPL-2.0-only */
/* What this kernel offers netoproc, found by trying each thing. */
#ifndef NETOPROC_KERNEL_FEATURES_H
#define NETOPROC_KERNEL_FEATURES_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>

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
/* Load "r0 = 0; exit" as a BTF-typed tracing program on @name (@kind): 0 or -errno. */
int probe_tracing_prog(const struct btf *vmlinux, const char *name, int kind,
		       enum bpf_attach_type type);
/* Whether kprobes can be created (the kprobe PMU, or kprobe_events). */
bool probe_kprobe_pmu(void);
/* Whether tracefs' events are reachable: tracepoint/ programs attach through them. */
bool tracefs_mounted(void);

#endif
