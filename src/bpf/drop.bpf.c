// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packet drops: every skb freed through kfree_skb with a reason other than
 * SKB_CONSUMED, with the reason, the freeing location and the packet, after
 * the shared filters (skb.bpf.h). The reason argument exists since the kernel
 * has enum skb_drop_reason (5.17); CO-RE checks for the enum, so older kernels
 * report the location alone. The programs only observe: they drop nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "drop_abi.h"
#include "skb.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define RB_SIZE (4 << 20)

struct np_drop_scratch {
	struct np_drop_event ev;
	struct np_pktbuf buf;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RB_SIZE);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct np_drop_scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_DROP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		(*v)++;
}

/*
 * The tracepoint's argument count (context pointer included) from its BTF;
 * 3 without BTF. Arguments past it may not be read: the verifier refuses.
 */
const volatile __u8 kfree_nargs = 3;

static __always_inline int on_drop(struct sk_buff *skb, struct sock *sk, __u64 location,
				   __u32 reason, bool direct)
{
	struct np_drop_scratch *s;
	__u32 zero = 0;

	/* Since 6.2 kfree_skb_reason(skb, SKB_CONSUMED) frees without dropping. */
	if (!skb)
		return 0;
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED))
		return 0;
	stat_inc(NP_DROP_STAT_SEEN);
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s || !np_skb_collect(skb, sk, NULL, &s->ev.m, &s->buf, true, direct))
		return 0;
	s->ev.location = location;
	s->ev.reason = reason;
	stat_inc(NP_DROP_STAT_MATCHED);
	if (bpf_ringbuf_output(&events, &s->ev, sizeof(s->ev), np_rb_flags(&events, RB_SIZE)))
		stat_inc(NP_DROP_STAT_LOST);
	return 0;
}

/* Arguments: skb, location, then reason (5.17+) and rx_sk (6.11+). */
static __always_inline int drop_args(__u64 *ctx, bool direct)
{
	struct sock *sk = NULL;
	__u32 reason = 0;

	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED) &&
	    kfree_nargs >= 4)
		reason = ctx[2];
	if (kfree_nargs >= 5)
		sk = (struct sock *)ctx[3];
	return on_drop((struct sk_buff *)ctx[0], sk, ctx[1], reason, direct);
}

SEC("tp_btf/kfree_skb")
int np_drop_btf(__u64 *ctx)
{
	return drop_args(ctx, true);
}

/* For kernels whose tp_btf attach fails: the same arguments, untyped. */
SEC("raw_tp/kfree_skb")
int np_drop_raw(__u64 *ctx)
{
	return drop_args(ctx, false);
}
