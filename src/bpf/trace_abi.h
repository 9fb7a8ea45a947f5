/* SPDX-License-Identifier: GPL-2.0-only */
/* ABI shared by src/bpf/trace.bpf.c and src/trace.c. */
#ifndef NETOPROC_TRACE_ABI_H
#define NETOPROC_TRACE_ABI_H

#include "pkt_abi.h"

/*
 * Probe ids: the index into the probe table of src/pktpath/trace.c (keep in sync with
 * the NP_PROBE lines of src/bpf/trace.bpf.c).
 */
enum np_probe_id {
	NP_P_NETIF_RX = 0,
	NP_P_NETIF_RX_ENTRY,
	NP_P_NETIF_RECEIVE_SKB,
	NP_P_NETIF_RECEIVE_SKB_ENTRY,
	NP_P_NETIF_RECEIVE_SKB_LIST_ENTRY,
	NP_P_NAPI_GRO_RECEIVE_ENTRY,
	NP_P_NAPI_GRO_FRAGS_ENTRY,
	NP_P_NET_DEV_QUEUE,
	NP_P_NET_DEV_START_XMIT,
	NP_P_NET_DEV_XMIT,
	NP_P_QDISC_ENQUEUE,
	NP_P_QDISC_DEQUEUE,
	NP_P_ICMP_SEND,
	NP_P_TCP_RETRANSMIT_SKB,
	NP_P_TCP_SEND_RESET,
	NP_P_TCP_BAD_CSUM,
	NP_P_TCP_PROBE,
	NP_P_TCP_SENDMSG_LOCKED,
	NP_P_TCP_HASH_BAD_HEADER,
	NP_P_TCP_HASH_MD5_REQUIRED,
	NP_P_TCP_HASH_MD5_UNEXPECTED,
	NP_P_TCP_HASH_MD5_MISMATCH,
	NP_P_TCP_HASH_AO_REQUIRED,
	NP_P_UDP_FAIL_QUEUE_RCV_SKB,
	NP_P_SOCK_RCVQUEUE_FULL,
	NP_P_SKB_COPY_DATAGRAM_IOVEC,
	NP_P_KFREE_SKB,
	NP_P_CONSUME_SKB,
	NP_P_FIB_TABLE_LOOKUP,
	NP_P_FIB6_TABLE_LOOKUP,
	NP_P_KFUNC,		/* a kernel function: its address in location */
	NP_P_MAX,
};

struct np_trace_event {
	struct np_skb_meta m;
	__u64 location;		/* kfree_skb, consume_skb: caller address;
				 * fib lookups: routing table id;
				 * kernel functions: the function's address */
	__u32 probe;		/* enum np_probe_id */
	__u32 arg;		/* kfree_skb: drop reason; net_dev_xmit: rc; tcp_send_reset:
				 * reset reason; icmp_send: type << 8 | code;
				 * fib lookups: error (0: a route was found; IPv6:
				 * -ENETUNREACH when no next hop) */
};

enum np_trace_stat {
	NP_TRACE_STAT_MATCHED = 0,
	NP_TRACE_STAT_LOST,
	NP_TRACE_STAT_MAX,
};

#endif
