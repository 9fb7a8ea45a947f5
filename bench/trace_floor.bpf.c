// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor of a tracer filtering packets by their contents (bench/trace.sh):
 * on the busy tracepoints of `trace --probes standard`, what any such filter
 * must do for the expression the bench uses, 'udp port 9', hand-written: find
 * the network header, copy the bytes the expression reads (64: the ports
 * past the longest IPv4 header) and test them. No event, no other filter, no
 * check of the header's plausibility; a match is only counted.
 * Built with -DFLOOR_EMPTY, the programs on the same tracepoints do nothing:
 * the reference trace's figures are read against (a run costs less on these
 * tracepoints than on the monitor's send and receive ones: 35-39 ns, not 41-58).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define FLOOR_BYTES	64
#define FLOOR_PORT	9

__u64 floor_matched;

static __always_inline bool udp_port_9(const __u8 *b, __u32 n)
{
	__u32 l4;

	if ((b[0] >> 4) == 4) {
		/* UDP, and no later fragment (their bytes are no UDP header) */
		if (b[9] != IPPROTO_UDP || ((b[6] & 0x1f) | b[7]))
			return false;
		l4 = (b[0] & 0xf) * 4;
	} else if ((b[0] >> 4) == 6) {
		if (b[6] != IPPROTO_UDP)
			return false;
		l4 = 40;
	} else {
		return false;
	}
	if (l4 + 4 > n || l4 > FLOOR_BYTES - 4)
		return false;
	return ((b[l4] << 8 | b[l4 + 1]) == FLOOR_PORT) ||
	       ((b[l4 + 2] << 8 | b[l4 + 3]) == FLOOR_PORT);
}

static __always_inline int floor_filter(struct sk_buff *skb)
{
	__u8 b[FLOOR_BYTES];
	__u32 nh = skb->network_header, tail = skb->tail;
	unsigned char *head = skb->head;
	__u64 n;

	if (nh == 0xffff || nh >= tail)
		return 0;
	n = (__u64)tail - nh;
	if (n > FLOOR_BYTES)
		n = FLOOR_BYTES;
	asm volatile("" : "+r"(n));	/* the bounds checked on the register passed */
	if (n < 20 || n > FLOOR_BYTES || bpf_probe_read_kernel(b, n, head + nh))
		return 0;
	if (udp_port_9(b, n))
		__sync_fetch_and_add(&floor_matched, 1);
	return 0;
}

#ifdef FLOOR_EMPTY
#define FLOOR_RUN(ctx) 0
#else
#define FLOOR_RUN(ctx) floor_filter((struct sk_buff *)(ctx)[0])
#endif

#define FLOOR_PROBE(tp)							\
SEC("tp_btf/" #tp)							\
int floor_##tp(__u64 *ctx)						\
{									\
	return FLOOR_RUN(ctx);						\
}

FLOOR_PROBE(netif_rx)
FLOOR_PROBE(netif_rx_entry)
FLOOR_PROBE(netif_receive_skb)
FLOOR_PROBE(netif_receive_skb_entry)
FLOOR_PROBE(net_dev_queue)
FLOOR_PROBE(net_dev_start_xmit)
FLOOR_PROBE(net_dev_xmit)
FLOOR_PROBE(consume_skb)
FLOOR_PROBE(kfree_skb)
