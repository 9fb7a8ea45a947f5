// SPDX-License-Identifier: GPL-2.0-only
/* Which attach tier the monitor's send/receive hooks take, from what the kernel offers. */
#include <stdbool.h>
#include "lib/caps.h"
#include "monitor/capture/tiers.h"

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
