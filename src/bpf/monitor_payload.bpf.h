/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packets whose contents userspace reads, handed over with the owner of the
 * socket they belong to: DNS messages (UDP or TCP to or from a DNS port) and
 * the first data a TCP socket sends, when it is a TLS ClientHello (for the
 * server name). Called from the cgroup_skb programs with the packet's full
 * socket; everything else returns at the first cheap test.
 */
#ifndef NETOPROC_MONITOR_PAYLOAD_BPF_H
#define NETOPROC_MONITOR_PAYLOAD_BPF_H

#include "monitor_maps.bpf.h"

#define TLS_HANDSHAKE		0x16
#define TLS_CLIENT_HELLO	0x01

static __always_inline bool is_dns_port(__u16 port)
{
#pragma unroll
	for (int i = 0; i < NP_DNS_PORTS_MAX; i++)
		if (dns_ports[i] && dns_ports[i] == port)
			return true;
	return false;
}

/* Offset of the transport header in the linear data, or 0 (not IPv4/IPv6, a later fragment). */
static __always_inline __u32 l4_offset(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > end || (ip->frag_off & bpf_htons(0x1fff)))
			return 0;
		return ip->ihl * 4;
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data;

		/* Extension headers are rare on DNS and TLS: such packets are not read. */
		if ((void *)(ip6 + 1) > end ||
		    (ip6->nexthdr != IPPROTO_UDP && ip6->nexthdr != IPPROTO_TCP))
			return 0;
		return sizeof(*ip6);
	}
	return 0;
}

/*
 * The peer's port, read from the packet: unconnected UDP sockets have none of
 * their own. Direct packet access: this runs for every such datagram.
 */
static __always_inline __u16 udp_peer_port(struct __sk_buff *skb, bool egress)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u32 off = l4_offset(skb);
	struct udphdr *uh = data + (off & 0x3f);

	if (!off || (void *)(uh + 1) > end)
		return 0;
	return bpf_ntohs(egress ? uh->dest : uh->source);
}

/* Offset of the TCP payload, or 0 when the segment has none. */
static __always_inline __u32 tcp_payload_offset(struct __sk_buff *skb)
{
	__u32 off = l4_offset(skb);
	__u8 doff;

	if (!off || bpf_skb_load_bytes(skb, (off & 0x3f) + 12, &doff, 1))
		return 0;
	off = (off & 0x3f) + (doff >> 4) * 4;
	return off < skb->len ? off : 0;
}

/* Is the segment's data a TLS handshake record that starts a ClientHello? */
static __always_inline bool starts_client_hello(struct __sk_buff *skb, __u32 off)
{
	__u8 hdr[6];

	if (bpf_skb_load_bytes(skb, off & 0xff, hdr, sizeof(hdr)))
		return false;
	return hdr[0] == TLS_HANDSHAKE && hdr[5] == TLS_CLIENT_HELLO;
}

static __always_inline void payload_owner(struct np_payload_event *e, struct bpf_sock *sk,
				       struct sock_acct *a)
{
	struct np_owner *o = bpf_sk_storage_get(&owners, sk, 0, 0);

	if (!o && owner_in_hash) {
		__u64 key = a->sk_addr;
		struct sk_proc *p = bpf_map_lookup_elem(&sk_procs, &key);

		if (p)
			o = &p->owner;
	}
	if (o) {
		__builtin_memcpy(&e->owner, o, sizeof(*o));
		e->has_owner = 1;
	}
}

static __always_inline void send_payload(struct __sk_buff *skb, struct bpf_sock *sk,
					 struct sock_acct *a, bool egress, __u8 kind)
{
	struct np_payload_event *e;
	__u32 len = skb->len;

	if (len > NP_PAYLOAD_SNAP)
		len = NP_PAYLOAD_SNAP;
	if (len < 1)
		return;
	/* Spelled so that the verifier's bounds are [1, SNAP] even after a spill. */
	len = ((len - 1) & (NP_PAYLOAD_SNAP - 1)) + 1;
	e = bpf_ringbuf_reserve(&payloads, sizeof(*e), 0);
	if (!e) {
		stat_inc(NP_STAT_PAYLOAD_LOST);
		return;
	}
	__builtin_memset(e, 0, __builtin_offsetof(struct np_payload_event, data));
	e->ts_ns = bpf_ktime_get_ns();
	e->cookie = a->cookie;
	e->ifindex = skb->ifindex;
	e->len = skb->len;
	e->egress = egress;
	e->kind = kind;
	payload_owner(e, sk, a);
	if (bpf_skb_load_bytes(skb, 0, e->data, len)) {
		bpf_ringbuf_discard(e, 0);
		return;
	}
	e->caplen = len;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void maybe_send_payload(struct __sk_buff *skb, struct bpf_sock *sk,
					       struct sock_acct *a, bool egress)
{
	__u16 rport;
	__u32 off;

	/* Most packets end here: a connected socket's ports were judged at its first. */
	if (!capture_payloads || (a->not_dns && (!egress || a->hello_checked)))
		return;
	rport = bpf_ntohs(sk->dst_port);
	if (sk->protocol == IPPROTO_UDP) {
		if (is_dns_port(sk->src_port) ||
		    is_dns_port(rport ? rport : udp_peer_port(skb, egress)))
			send_payload(skb, sk, a, egress, NP_PAYLOAD_DNS);
		else if (rport && sk->src_port)
			a->not_dns = a->hello_checked = 1;	/* no ClientHello over UDP */
		return;
	}
	if (sk->protocol != IPPROTO_TCP)
		return;
	if (!a->not_dns) {
		if (is_dns_port(sk->src_port) || is_dns_port(rport)) {
			/* DNS over TCP: segments with data only (a message, or part of one). */
			if (tcp_payload_offset(skb))
				send_payload(skb, sk, a, egress, NP_PAYLOAD_DNS);
			return;
		}
		if (rport && sk->src_port)
			a->not_dns = 1;
	}
	if (!egress || a->hello_checked)
		return;
	off = tcp_payload_offset(skb);
	if (!off)
		return;		/* SYN, bare ACKs: the first data is still to come */
	a->hello_checked = 1;
	if (starts_client_hello(skb, off))
		send_payload(skb, sk, a, egress, NP_PAYLOAD_TLS_HELLO);
}

#endif
