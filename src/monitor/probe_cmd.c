// SPDX-License-Identifier: GPL-2.0-only
/*
 * `netoproc probe`: what this kernel offers the monitor, and what the monitor
 * does with it, found by doing the monitor's own loading and self-check.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "lib/caps.h"
#include "lib/json_writer.h"
#include "lib/kernel_features.h"
#include "lib/util.h"
#include "monitor/capture/capture.h"
#include "monitor/capture/tiers.h"
#include "monitor/model/output.h"
#include "monitor/probe_cmd.h"

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

int probe_parse_opts(int argc, char **argv, bool *json)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*json = false;
	optind = 0;	/* glibc: a full restart, also inside "-hx" where an earlier parse stopped */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0)) {
			*json = strcmp(optarg, "json") == 0;
		} else if (c == 'h') {
			puts("Usage: netoproc probe [--format text|json]");
			return 1;
		} else {
			np_err(c == 'f' ? "invalid value for --format: expected text or json" :
					  "probe: unknown option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		np_err("probe: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

int cmd_probe(int argc, char **argv)
{
	struct kernel_features f;
	struct utsname un;
	const char *reason, *attach, *missing, *tier_why[NP_ATTACH_MAX];
	bool tier_ok[NP_ATTACH_MAX] = {};
	enum np_attach chosen;
	char fentry_detail[96];
	bool json = false;
	static const int caps[] = { CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW,
				    CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH };
	char afp_missing[160], load_why[512];
	struct capture cap = {};
	bool ebpf = false;
	int rc = 0, c;

	c = probe_parse_opts(argc, argv, &json);
	if (c)
		return c > 0 ? 0 : 2;
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
		output_self_check_json(&jw, cap.self_check_ms);
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
		for (int i = 0; i < cap.ndegraded; i++) {
			char d[128];

			printf("degraded         %s: %s\n",
			       np_degraded_text(&cap.degraded[i], d, sizeof(d)), cap.degraded[i].reason);
		}
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
