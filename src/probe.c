// SPDX-License-Identifier: GPL-2.0-only
/*
 * Feature probing by trying, never by version numbers: each check loads,
 * creates or looks up the thing itself.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "capture.h"
#include "caps.h"
#include "cgroup.h"
#include "json_writer.h"
#include "output.h"
#include "probe.h"
#include "util.h"

static int silent_print(enum libbpf_print_level l, const char *f, va_list ap)
{
	return 0;
}

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

/* The kernel's BTF, or @path's (--btf, BTFHub-style files for kernels without it). */
struct btf *load_kernel_btf(const char *path)
{
	struct btf *btf = path ? btf__parse(path, NULL) : btf__load_vmlinux_btf();

	if (libbpf_get_error(btf))
		return NULL;
	return btf;
}

void probe_kernel(struct kernel_features *f, const char *btf_path)
{
	struct btf *vmlinux;

	libbpf_print_fn_t old_print = libbpf_set_print(silent_print);

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

const char *attach_name(enum np_attach t)
{
	static const char *const names[NP_ATTACH_MAX] = {
		[NP_ATTACH_AUTO] = "auto", [NP_ATTACH_TRACEPOINT] = "tracepoint",
		[NP_ATTACH_FENTRY] = "fentry", [NP_ATTACH_KPROBE] = "kprobe",
	};

	return t < NP_ATTACH_MAX ? names[t] : "?";
}

/* What every tier needs: the packet side, socket storage, records. */
static bool base_ok(const struct kernel_features *f, const char **why)
{
	if (!f->btf)
		*why = "no kernel BTF: CO-RE programs cannot be relocated";
	else if ((!f->map_sk_storage || !f->prog_cgroup_skb) && caps_missing_for_ebpf())
		*why = "BPF programs cannot be loaded without CAP_BPF (or CAP_SYS_ADMIN)";
	else if (!f->map_sk_storage || !f->prog_cgroup_skb)
		*why = "kernel lacks sk_storage or cgroup_skb programs";
	else if (!f->prog_tracing)
		*why = "tp_btf programs do not load";
	else
		return true;
	return false;
}

bool probe_tier(const struct kernel_features *f, enum np_attach t, const char **why)
{
	if (!base_ok(f, why))
		return false;
	switch (t) {
	case NP_ATTACH_TRACEPOINT:
		*why = f->tp_send_length && f->tp_recv_length ?
		       "sock_send_length/sock_recv_length tracepoints: the stable interface" :
		       "no sock_send_length/sock_recv_length tracepoints (kernel < 6.3)";
		return f->tp_send_length && f->tp_recv_length;
	case NP_ATTACH_FENTRY:
		*why = f->fentry ? "fentry program on tcp_sendmsg loads" :
		       "fentry program on tcp_sendmsg does not load";
		return f->fentry;
	case NP_ATTACH_KPROBE:
		*why = f->kprobe_pmu ? "kprobes can be created" :
		       "no kprobe PMU or kprobe_events (CONFIG_KPROBES off?)";
		return f->kprobe_pmu;
	default:
		*why = "unknown tier";
		return false;
	}
}

/* Stable interfaces first: tracepoint, then fentry, then kprobe. */
enum np_attach probe_choose_attach(const struct kernel_features *f, const char **why)
{
	for (enum np_attach t = NP_ATTACH_TRACEPOINT; t < NP_ATTACH_MAX; t++)
		if (probe_tier(f, t, why))
			return t;
	if (base_ok(f, why))
		*why = "no tier available: no send/receive tracepoints, fentry or kprobes";
	return NP_ATTACH_AUTO;
}

struct check {
	const char *name;
	bool ok;
	const char *detail;
};

static void append_missing(char *buf, size_t size, int cap)
{
	size_t n = strlen(buf);

	if (!cap_effective(cap))
		snprintf(buf + n, size - n, "%s%s", n ? ", " : "", cap_name(cap));
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kernel_features f;
	struct utsname un;
	const char *reason, *attach, *missing, *tier_why[NP_ATTACH_MAX];
	bool tier_ok[NP_ATTACH_MAX] = {};
	enum np_attach chosen;
	char fentry_detail[96];
	bool json = false;
	int c;
	static const int caps[] = { CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW,
				    CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH };
	char afp_missing[160], load_why[512];
	struct capture cap = {};
	bool ebpf = false;
	int rc = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0)) {
			json = strcmp(optarg, "json") == 0;
		} else if (c == 'h') {
			puts("Usage: netoproc probe [--format text|json]");
			return 0;
		} else {
			np_err(c == 'f' ? "invalid value for --format: expected text or json" :
					  "probe: unknown option '%s'", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		np_err("probe: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	probe_kernel(&f, NULL);
	uname(&un);
	chosen = probe_choose_attach(&f, &reason);
	attach = chosen ? attach_name(chosen) : NULL;
	missing = caps_missing_for_ebpf();
	/* The monitor's own loading, attaching and self-check: its answer is the prediction. */
	if (attach && !missing) {
		struct capture_opts co = { .mode = CAPTURE_EBPF, .attach = NP_ATTACH_AUTO };

		ebpf = ebpf_capture_try(&cap, &co, load_why, sizeof(load_why)) == 0;
		if (!ebpf) {
			attach = NULL;
			reason = load_why;
		}
	}
	for (enum np_attach t = NP_ATTACH_TRACEPOINT; t < NP_ATTACH_MAX; t++)
		tier_ok[t] = probe_tier(&f, t, &tier_why[t]);
	/* AF_PACKET needs CAP_NET_RAW; reading other users' /proc/PID/fd needs the other two. */
	afp_missing[0] = '\0';
	append_missing(afp_missing, sizeof(afp_missing), CAP_NET_RAW);
	append_missing(afp_missing, sizeof(afp_missing), CAP_SYS_PTRACE);
	append_missing(afp_missing, sizeof(afp_missing), CAP_DAC_READ_SEARCH);
	snprintf(fentry_detail, sizeof(fentry_detail), "%s",
		 f.fentry ? "fentry program on tcp_sendmsg loads" : strerror(-f.fentry_err));

	const struct check checks[] = {
		{ "btf", f.btf, "/sys/kernel/btf/vmlinux" },
		{ "prog_cgroup_skb", f.prog_cgroup_skb, "per-packet byte counting" },
		{ "prog_cgroup_sock", f.prog_cgroup_sock, "owner stamped at socket creation" },
		{ "prog_tracing", f.prog_tracing, "tp_btf program loads" },
		{ "map_sk_storage", f.map_sk_storage, "per-socket owner and counters" },
		{ "map_ringbuf", f.map_ringbuf, "final counts of closed sockets" },
		{ "tp_sock_send_length", f.tp_send_length, "tracepoint tier (kernel >= 6.3)" },
		{ "tp_sock_recv_length", f.tp_recv_length, "tracepoint tier (kernel >= 6.3)" },
		{ "fentry", f.fentry, fentry_detail },
		{ "kprobe", f.kprobe_pmu, "/sys/bus/event_source/devices/kprobe" },
		{ "cgroup2", f.cgroup2, f.cgroup2 ? f.cgroup2_path :
					 "not mounted: the monitor mounts a private one" },
	};
	size_t nchecks = sizeof(checks) / sizeof(checks[0]);

	if (json) {
		struct json_writer jw;

		jw_init(&jw, stdout, true);
		jw_start_object(&jw);
		jw_kv_string(&jw, "kernel", un.release);
		jw_kv_string(&jw, "capture_mode", ebpf ? "ebpf" : "afpacket");
		jw_kv_string(&jw, "attach", attach);
		jw_kv_string(&jw, "reason", missing && attach ? "eBPF capture lacks a capability" :
					     reason);
		jw_kv_string(&jw, "socket_dump", cap.dump_way);
		jw_kv_string(&jw, "adopt_existing", cap.adopt_way);
		output_degraded_json(&jw, cap.degraded, cap.ndegraded);
		jw_key(&jw, "self_check_ms");
		if (cap.self_check_ms > 0)
			jw_double(&jw, cap.self_check_ms, 2);
		else
			jw_null(&jw);
		jw_key(&jw, "tiers");
		jw_start_object(&jw);
		for (enum np_attach t = NP_ATTACH_TRACEPOINT; t < NP_ATTACH_MAX; t++) {
			jw_key(&jw, attach_name(t));
			jw_start_object(&jw);
			jw_kv_bool(&jw, "available", tier_ok[t]);
			jw_kv_string(&jw, "reason", tier_why[t]);
			jw_end_object(&jw);
		}
		jw_end_object(&jw);
		jw_key(&jw, "features");
		jw_start_object(&jw);
		for (size_t i = 0; i < nchecks; i++) {
			jw_key(&jw, checks[i].name);
			jw_start_object(&jw);
			jw_kv_bool(&jw, "available", checks[i].ok);
			jw_kv_string(&jw, "detail", checks[i].detail);
			jw_end_object(&jw);
		}
		jw_end_object(&jw);
		jw_key(&jw, "capabilities");
		jw_start_object(&jw);
		for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
			jw_kv_bool(&jw, cap_name(caps[i]), cap_effective(caps[i]));
		jw_end_object(&jw);
		jw_kv_string(&jw, "ebpf_missing_capability", missing);
		jw_kv_string(&jw, "afpacket_missing_capability", afp_missing[0] ? afp_missing : NULL);
		jw_end_object(&jw);
		goto out;
	}
	printf("kernel           %s\n", un.release);
	for (size_t i = 0; i < nchecks; i++)
		printf("%-24s %-13s %s\n", checks[i].name,
		       checks[i].ok ? "available" : "not available", checks[i].detail);
	printf("capabilities    ");
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		printf(" %s%s", cap_effective(caps[i]) ? "+" : "-", cap_name(caps[i]));
	putchar('\n');
	for (enum np_attach t = NP_ATTACH_TRACEPOINT; t < NP_ATTACH_MAX; t++)
		printf("tier %-19s %-13s %s\n", attach_name(t),
		       tier_ok[t] ? "available" : "not available", tier_why[t]);
	printf("capture mode     %s\n", ebpf ? "ebpf" : "afpacket");
	printf("attach           %s\n", attach ? attach : "none");
	printf("why              %s\n", reason);
	if (ebpf) {
		printf("socket dump      %s\n", cap.dump_way ? cap.dump_way : "none: at close only");
		printf("adopt existing   %s\n", cap.adopt_way ? cap.adopt_way : "no");
		for (int i = 0; i < cap.ndegraded; i++)
			printf("degraded         %s%s%s: %s\n", cap.degraded[i].part,
			       cap.degraded[i].instead ? " -> " : " (given up)",
			       cap.degraded[i].instead ? cap.degraded[i].instead : "",
			       cap.degraded[i].reason);
		printf("self-check       %s", cap.self_check_ms > 0 ? "passed in " : "skipped\n");
		if (cap.self_check_ms > 0)
			printf("%.1f ms\n", cap.self_check_ms);
	}
	if (missing)
		printf("eBPF lacks       %s\n", missing);
	if (afp_missing[0])
		printf("AF_PACKET lacks  %s (%s)\n", afp_missing, cap_effective(CAP_NET_RAW) ?
		       "other users' processes stay unknown" :
		       "no AF_PACKET capture without CAP_NET_RAW");
out:
	if (ebpf)
		cap.close(&cap);
	return rc;
}
