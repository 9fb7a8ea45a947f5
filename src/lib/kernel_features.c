// SPDX-License-Identifier: GPL-2.0-only
/*
 * Feature probing by trying, never by version numbers: each check loads,
 * creates or looks up the thing itself.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "lib/bpf_util.h"
#include "lib/cgroup.h"
#include "lib/kernel_features.h"

int probe_tracing_prog(const struct btf *vmlinux, const char *name, int kind,
		       enum bpf_attach_type type)
{
	struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 },	/* BPF_ALU64 | BPF_MOV | BPF_K */
		{ .code = 0x95 },				/* BPF_JMP | BPF_EXIT */
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type);
	int id = vmlinux ? btf__find_by_name_kind(vmlinux, name, kind) : -ENOENT;
	int fd;

	if (id < 0)
		return -ENOENT;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "np_probe", "GPL", insns, 2, &opts);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

bool probe_kprobe_pmu(void)
{
	/* libbpf uses the kprobe PMU, or kprobe_events in tracefs on older kernels. */
	return access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0 ||
	       access("/sys/kernel/tracing/kprobe_events", W_OK) == 0 ||
	       access("/sys/kernel/debug/tracing/kprobe_events", W_OK) == 0;
}

bool tracefs_mounted(void)
{
	/* libbpf attaches a tracepoint/ program through its id file in either place. */
	return access("/sys/kernel/tracing/events", F_OK) == 0 ||
	       access("/sys/kernel/debug/tracing/events", F_OK) == 0;
}

void probe_kernel(struct kernel_features *f, const char *btf_path)
{
	struct btf *vmlinux;

	libbpf_print_fn_t old_print = libbpf_set_print(np_libbpf_silent);

	memset(f, 0, sizeof(*f));
	f->btf = btf_path ? access(btf_path, R_OK) == 0 :
			    access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	f->prog_cgroup_skb = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SKB, NULL) == 1;
	f->prog_cgroup_sock = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SOCK, NULL) == 1;
	f->prog_kprobe = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_KPROBE, NULL) == 1;
	f->map_ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	f->map_sk_storage = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_SK_STORAGE, NULL) == 1;
	f->kprobe_pmu = probe_kprobe_pmu();
	f->cgroup2 = cgroup2_mount(f->cgroup2_path, sizeof(f->cgroup2_path)) == 0;
	vmlinux = f->btf ? load_kernel_btf(btf_path) : NULL;
	f->btf = vmlinux != NULL;
	if (vmlinux) {
		f->tp_send_length = btf__find_by_name_kind(vmlinux, "btf_trace_sock_send_length",
							   BTF_KIND_TYPEDEF) > 0;
		f->tp_recv_length = btf__find_by_name_kind(vmlinux, "btf_trace_sock_recv_length",
							   BTF_KIND_TYPEDEF) > 0;
		f->prog_tracing = probe_tracing_prog(vmlinux, "btf_trace_inet_sock_set_state",
					      BTF_KIND_TYPEDEF, BPF_TRACE_RAW_TP) == 0;
		f->fentry_err = probe_tracing_prog(vmlinux, "tcp_sendmsg", BTF_KIND_FUNC, BPF_TRACE_FENTRY);
		f->fentry = f->fentry_err == 0;
		btf__free(vmlinux);
	}
	libbpf_set_print(old_print);
}

