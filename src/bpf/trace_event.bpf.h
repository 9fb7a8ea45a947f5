/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tracer's maps and its one event handler, shared by trace.bpf.c and
 * trace_fentry.bpf.c (whose copies of the maps userspace replaces with
 * trace.bpf.c's before load). Include once per BPF object, after skb.bpf.h.
 */
#ifndef NETOPROC_TRACE_EVENT_BPF_H
#define NETOPROC_TRACE_EVENT_BPF_H

#include "trace_abi.h"

#define RB_SIZE (8 << 20)

/* Set by userspace before load. */
const volatile bool track = false;

struct np_trace_scratch {
	struct np_trace_event ev;
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
	__type(value, struct np_trace_scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_TRACE_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* --track: skbs that matched once, by address, until freed. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u8);
} tracked SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		(*v)++;
}

static __always_inline int on_probe(__u32 probe, struct sk_buff *skb, struct sock *sk,
				    __u64 location, __u32 arg, bool direct)
{
	struct np_trace_scratch *s;
	__u64 key = (__u64)skb;
	bool was_tracked = false;
	__u32 zero = 0;
	__u8 one = 1;

	if (!skb)
		return 0;
	if (track && bpf_map_lookup_elem(&tracked, &key))
		was_tracked = true;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s || !np_skb_collect(skb, sk, &s->ev.m, &s->buf, !was_tracked, direct))
		return 0;
	if (track) {
		if (probe == NP_P_KFREE_SKB || probe == NP_P_CONSUME_SKB)
			bpf_map_delete_elem(&tracked, &key);
		else if (!was_tracked)
			bpf_map_update_elem(&tracked, &key, &one, BPF_ANY);
	}
	s->ev.probe = probe;
	s->ev.location = location;
	s->ev.arg = arg;
	stat_inc(NP_TRACE_STAT_MATCHED);
	if (bpf_ringbuf_output(&events, &s->ev, sizeof(s->ev), np_rb_flags(&events, RB_SIZE)))
		stat_inc(NP_TRACE_STAT_LOST);
	return 0;
}

#endif
