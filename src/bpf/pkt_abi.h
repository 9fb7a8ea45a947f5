/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ABI shared by the packet-path programs (src/bpf/drop.bpf.c, trace.bpf.c)
 * and userspace: the in-kernel filter configuration and what is read from an
 * skb. Fixed-width types and explicit padding only; userspace guards the
 * sizes with _Static_assert.
 */
#ifndef NETOPROC_PKT_ABI_H
#define NETOPROC_PKT_ABI_H

#include "common_abi.h"

#define NP_PKT_MAX	256	/* bytes from the network header copied for the filter */
/*
 * What the filter region returns when the filter needed bytes past those
 * captured: no match, as libpcap says, but known (a RET of classic BPF is
 * 32 bits, so this 64-bit value is never a real answer).
 */
#define NP_PCAP_SHORT	(~0ULL)
/*
 * The pcap filter region (src/bpf/pcap_region.bpf.h): eBPF instructions each
 * program reserves for the translated filter, and the marker it starts with
 * (a 64-bit immediate load of NP_REGION_MAGIC).
 */
#define NP_REGION_INSNS	1024
#define NP_REGION_MAGIC	0x4e50f17e00c0ffee

/* Classic BPF instruction: the layout of struct sock_filter / struct bpf_insn (pcap). */
struct np_cbpf_insn {
	__u16 code;
	__u8 jt;
	__u8 jf;
	__u32 k;
};

enum np_filter_flag {
	NP_F_NETNS	= 1 << 0,
	NP_F_IFNAME	= 1 << 1,
	NP_F_MARK	= 1 << 2,
	NP_F_PID	= 1 << 3,
	NP_F_PCAP	= 1 << 4,
	NP_F_PCAP_LEN	= 1 << 5,	/* the expression reads the packet's length */
};

struct np_filter_cfg {
	__u32 flags;		/* enum np_filter_flag */
	__u32 netns;		/* inode of the network namespace */
	__u32 mark;
	__u32 mark_mask;
	__u32 pid;		/* tgid; matches only in process context */
	/*
	 * Bytes from the network header the pcap filter may read: at most
	 * pcap_need, or, where more, pcap_need_ihl past the IPv4 header
	 * (4 * (first byte & 0xf)) when pcap_need_ihl is not 0.
	 */
	__u16 pcap_need;
	__u16 pcap_need_ihl;
	char ifname[NP_IFNAMSIZ];
};

/*
 * Bytes a filter with bounds @need and @need_ihl (see np_filter_cfg) may read
 * of a packet whose first byte is @first: the BPF programs decide with it
 * whether to read an skb's paged part, the tests check the bounds with it.
 */
static inline __u32 np_pcap_need(__u32 need, __u32 need_ihl, __u8 first)
{
	__u32 rel = need_ihl ? need_ihl + 4 * (first & 0xf) : 0;

	return rel > need ? rel : need;
}

/*
 * Per-CPU copy of the packet from its network header, with what the
 * translated filter reads besides the bytes: its wire length (cBPF "len")
 * and 16 words of cBPF scratch memory.
 */
struct np_pktbuf {
	__u8 pkt[NP_PKT_MAX];
	__u32 mem[16];
	__u32 wirelen;
	__u32 caplen;		/* bytes in pkt, read back after the filter (see np_skb_collect) */
	/*
	 * Room for a copy that starts anywhere in pkt (the paged part, after the
	 * linear one), whose length the verifier knows only below 2 * NP_PKT_MAX.
	 * What lands past pkt is never read as packet.
	 */
	__u8 spill[2 * NP_PKT_MAX];
};

/* What the network and transport headers said. */
struct np_pkt {
	__u8 saddr[16];		/* IPv4: first 4 bytes */
	__u8 daddr[16];
	__u16 sport;		/* host order; TCP, UDP, UDP-Lite, SCTP */
	__u16 dport;
	__u16 ethertype;	/* skb->protocol, host order */
	__u8 family;		/* 4, 6, or 0: no IP header found */
	__u8 l4proto;		/* IPPROTO_* */
	__u8 has_l4;		/* ports / ICMP type were read */
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 icmp_code;
};

/* Common part of every event: where, when, which skb, and who if in process context. */
struct np_skb_meta {
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	__u64 skb;
	__u32 netns;		/* 0: unknown */
	__u32 ifindex;
	__u32 len;		/* skb->len */
	__u32 mark;
	__u32 pid;		/* tgid; 0 unless in_task */
	__u32 cpu;
	__u8 in_task;		/* 1: process context, pid/comm are the sender's */
	__u8 pad[7];
	char ifname[NP_IFNAMSIZ];
	char comm[NP_COMM_LEN];
	struct np_pkt pkt;
};

#endif
