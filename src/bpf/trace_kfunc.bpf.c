// SPDX-License-Identifier: GPL-2.0-only
/*
 * One kernel function by fentry, for kernels without kprobe-multi or
 * kprobes: a fentry program serves only the function it was loaded for, so
 * userspace opens this object once per function, points it at the function
 * and at trace.bpf.c's maps, and loads it. The skb arrives typed (BTF), so
 * it is read directly. The program only observes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "skb.bpf.h"
#include "trace_event.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by userspace before load: the function's address, for the event. */
const volatile __u64 func_addr = 0;

/*
 * One program per skb position; userspace loads the one for the function's
 * and sets its target (bpf_program__set_attach_target): ip_rcv only names a
 * function every kernel has, for libbpf's open. The argument is read at a
 * constant offset, the only ctx access the verifier allows.
 */
#define NP_FENTRY(n)									\
SEC("fentry/ip_rcv")									\
int np_fentry_##n(__u64 *ctx)								\
{											\
	return on_probe(NP_P_KFUNC, (struct sk_buff *)ctx[n - 1], NULL, NULL, func_addr, 0, true);\
}

NP_FENTRY(1)
NP_FENTRY(2)
NP_FENTRY(3)
NP_FENTRY(4)
NP_FENTRY(5)
