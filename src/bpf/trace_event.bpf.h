/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tracer's maps and its one event handler, shared by trace.bpf.c and
 * trace_kfunc.bpf.c (whose copies of the maps userspace replaces with
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

/*
 * --track: skbs that matched, by address, and their data buffers (skb->head),
 * which clones share: a clone made after the match (bridge flooding, TCP
 * transmit and retransmit, packet taps) is followed too, though its address
 * differs. Value: when last seen. Entries go when the skb (or the buffer's
 * last reference) is freed; frees no tracepoint shows (__kfree_skb) leave
 * entries behind, so one idle for NP_TRACK_IDLE_NS no longer counts: a
 * reused address is not taken for the packet that had it.
 */
#define NP_TRACK_IDLE_NS 2000000000ull

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} tracked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} tracked_heads SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		(*v)++;
}

/* The event in s, collected and matched, to the ring buffer; a full one counts as lost. */
static __always_inline int np_emit(struct np_trace_scratch *s, __u32 probe, __u64 location,
				   __u32 arg)
{
	s->ev.probe = probe;
	s->ev.location = location;
	s->ev.arg = arg;
	stat_inc(NP_TRACE_STAT_MATCHED);
	if (bpf_ringbuf_output(&events, &s->ev, sizeof(s->ev), np_rb_flags(&events, RB_SIZE)))
		stat_inc(NP_TRACE_STAT_LOST);
	return 0;
}

/* Whether key is in map and seen recently; refreshes it. */
static __always_inline bool track_hit(void *map, __u64 key, __u64 now)
{
	__u64 *seen = bpf_map_lookup_elem(map, &key);

	if (!seen)
		return false;
	if (now - *seen > NP_TRACK_IDLE_NS) {
		bpf_map_delete_elem(map, &key);
		return false;
	}
	*seen = now;
	return true;
}

/* Whether skb is tracked, by address and by its buffer (*head: skb->head). */
static __always_inline void track_lookup(struct sk_buff *skb, __u64 now, __u64 *head,
					 bool *by_addr, bool *by_head)
{
	*head = (__u64)BPF_CORE_READ(skb, head);
	*by_addr = track_hit(&tracked, (__u64)skb, now);
	*by_head = *head && track_hit(&tracked_heads, *head, now);
}

/* The skb is being freed: forget it, and its buffer when this is the last reference. */
static __always_inline void track_forget(struct sk_buff *skb, __u64 key, __u64 head)
{
	struct skb_shared_info *shinfo;
	__u32 dataref;

	bpf_map_delete_elem(&tracked, &key);
	shinfo = (struct skb_shared_info *)(head + BPF_CORE_READ(skb, end));
	dataref = BPF_CORE_READ(shinfo, dataref.counter);
	if ((dataref & 0xffff) <= 1)	/* SKB_DATAREF_MASK: references to the buffer */
		bpf_map_delete_elem(&tracked_heads, &head);
}

static __always_inline int on_probe(__u32 probe, struct sk_buff *skb, struct sock *sk,
				    struct net_device *dev, __u64 location, __u32 arg, bool direct)
{
	struct np_trace_scratch *s;
	__u64 key = (__u64)skb, head = 0, now = 0;
	bool by_addr = false, by_head = false;
	__u32 zero = 0;

	if (!skb)
		return 0;
	if (track) {
		now = bpf_ktime_get_ns();
		track_lookup(skb, now, &head, &by_addr, &by_head);
	}
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s || !np_skb_collect(skb, sk, dev, &s->ev.m, &s->buf, !by_addr && !by_head, direct))
		return 0;
	if (track) {
		if (probe == NP_P_KFREE_SKB || probe == NP_P_CONSUME_SKB) {
			track_forget(skb, key, head);
		} else {
			/* A clone met through its buffer is tracked by address from now on. */
			if (!by_addr)
				bpf_map_update_elem(&tracked, &key, &now, BPF_ANY);
			if (head && !by_head)
				bpf_map_update_elem(&tracked_heads, &head, &now, BPF_ANY);
		}
	}
	return np_emit(s, probe, location, arg);
}

#endif
