/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the packet-path programs (drop, trace) read from an skb, and the
 * filters they share: --netns, --ifname, --mark, --pid and the pcap
 * expression (translated to eBPF into pcap_region.bpf.h). Cheap filters run
 * first; the packet bytes are copied only for skbs that pass them.
 * Include once per BPF object: it defines the filter's read-only globals.
 */
#ifndef NETOPROC_SKB_BPF_H
#define NETOPROC_SKB_BPF_H

#include "pkt_abi.h"

#include "pcap_region.bpf.h"
#include "skb_frags.bpf.h"

#define NP_ETH_P_IP	0x0800
#define NP_ETH_P_IPV6	0x86DD
#define NP_IPPROTO_ICMP	1
#define NP_IPPROTO_TCP	6
#define NP_IPPROTO_UDP	17
#define NP_IPPROTO_ICMPV6 58
#define NP_IPPROTO_SCTP	132
#define NP_IPPROTO_UDPLITE 136

/* preempt_count bits: NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET (include/linux/preempt.h). */
#define NP_NOT_TASK_MASK 0x00ff0100

/* Set by userspace before load. */
const volatile struct np_filter_cfg np_cfg = {};

/*
 * Packets the pcap filter did not match only because it needed bytes past
 * those read (paged payload, or past NP_PKT_MAX): counted, so the user learns
 * what tcpdump would have looked at (per CPU, one slot).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} np_filter_short SEC(".maps");

/*
 * Whether each CPU is serving a softirq, kept by the softirq_entry/exit
 * tracepoints below. The kernel's preempt_count would say it directly, but it
 * is a per-CPU variable BPF can reach only where kallsyms lists data symbols.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} np_in_softirq SEC(".maps");

static __always_inline int np_softirq_set(__u32 v)
{
	__u32 zero = 0, *p = bpf_map_lookup_elem(&np_in_softirq, &zero);

	if (p)
		*p = v;
	return 0;
}

SEC("tp_btf/softirq_entry")
int np_softirq_entry_btf(__u64 *ctx) { return np_softirq_set(1); }
SEC("tp_btf/softirq_exit")
int np_softirq_exit_btf(__u64 *ctx) { return np_softirq_set(0); }
SEC("raw_tp/softirq_entry")
int np_softirq_entry_raw(__u64 *ctx) { return np_softirq_set(1); }
SEC("raw_tp/softirq_exit")
int np_softirq_exit_raw(__u64 *ctx) { return np_softirq_set(0); }

/*
 * Process context, where the current task is the one the packet is for: not
 * while serving a softirq (hard IRQs and NMIs do not free or route packets).
 */
static __always_inline bool np_in_task(void)
{
	__u32 zero = 0, *p = bpf_map_lookup_elem(&np_in_softirq, &zero);

	if (p && *p)
		return false;
	return (bpf_get_current_pid_tgid() >> 32) != 0;
}

static __always_inline void np_parse(struct np_pkt *p, const __u8 *pkt, __u32 caplen)
{
	__u32 off, room;

	if (caplen >= 20 && (pkt[0] >> 4) == 4) {
		p->family = 4;
		p->l4proto = pkt[9];
		__builtin_memcpy(p->saddr, pkt + 12, 4);
		__builtin_memcpy(p->daddr, pkt + 16, 4);
		if ((pkt[6] & 0x1f) || pkt[7])		/* not the first fragment */
			return;
		off = (pkt[0] & 0xf) * 4;
	} else if (caplen >= 40 && (pkt[0] >> 4) == 6) {
		p->family = 6;
		p->l4proto = pkt[6];
		__builtin_memcpy(p->saddr, pkt + 8, 16);
		__builtin_memcpy(p->daddr, pkt + 24, 16);
		off = 40;
	} else {
		return;
	}
	if (off > NP_PKT_MAX - 14 || off >= caplen)
		return;
	/*
	 * Bytes left after off, as a register of its own: comparing off + n with
	 * caplen links the two, and 6.12's verifier then loses off's bounds.
	 */
	room = caplen - off;
	asm volatile("" : "+r"(room));
	switch (p->l4proto) {
	case NP_IPPROTO_TCP:
		if (room < 14)
			return;
		p->tcp_flags = pkt[off + 13];
		/* fall through */
	case NP_IPPROTO_UDP:
	case NP_IPPROTO_SCTP:
	case NP_IPPROTO_UDPLITE:
		if (room < 4)
			return;
		p->sport = (__u16)pkt[off] << 8 | pkt[off + 1];
		p->dport = (__u16)pkt[off + 2] << 8 | pkt[off + 3];
		p->has_l4 = 1;
		break;
	case NP_IPPROTO_ICMP:
	case NP_IPPROTO_ICMPV6:
		if (room < 2)
			return;
		p->icmp_type = pkt[off];
		p->icmp_code = pkt[off + 1];
		p->has_l4 = 1;
		break;
	}
}

/*
 * Ring buffer output flags: wake the reader only once the buffer is filling
 * up. A wakeup per event costs an irq_work (a self-IPI: microseconds in a VM)
 * for every packet; the reader also drains the buffer every 100 ms.
 */
static __always_inline __u64 np_rb_flags(void *rb, __u64 size)
{
	return bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) > size / 16 ? BPF_RB_FORCE_WAKEUP :
								     BPF_RB_NO_WAKEUP;
}

/* --mark and --pid, on m->mark already set; fills in_task/pid. */
static __always_inline bool np_match_who(struct np_skb_meta *m, bool filter)
{
	if (filter && (np_cfg.flags & NP_F_MARK) && (m->mark & np_cfg.mark_mask) != np_cfg.mark)
		return false;
	m->in_task = np_in_task();
	if (m->in_task)
		m->pid = bpf_get_current_pid_tgid() >> 32;
	if (filter && (np_cfg.flags & NP_F_PID) && (!m->in_task || m->pid != np_cfg.pid))
		return false;
	return true;
}

/*
 * A field of a kernel object: a plain load where the program has a typed
 * pointer (tp_btf: the verifier checks it), a probe read where it does not
 * (raw_tp). Each probe read is a helper call, ~20 ns in a VM.
 */
#define NP_RD(direct, p, field) ((direct) ? (p)->field : BPF_CORE_READ(p, field))

/* Device name, index and namespace from dev (may be NULL). */
static __always_inline void np_fill_dev(struct np_skb_meta *m, struct net_device *dev,
					bool direct)
{
	struct net *net;

	if (!dev)
		return;
	m->ifindex = NP_RD(direct, dev, ifindex);
	if (direct)
		__builtin_memcpy(m->ifname, dev->name, sizeof(m->ifname));
	else
		bpf_probe_read_kernel(m->ifname, sizeof(m->ifname), &dev->name);
	net = NP_RD(direct, dev, nd_net.net);
	if (net)
		m->netns = NP_RD(direct, net, ns.inum);
}

/* --netns and --ifname. */
static __always_inline bool np_match_where(const struct np_skb_meta *m, bool filter)
{
	if (filter && (np_cfg.flags & NP_F_NETNS) && m->netns != np_cfg.netns)
		return false;
	if (filter && (np_cfg.flags & NP_F_IFNAME)) {
		for (int i = 0; i < NP_IFNAMSIZ; i++) {
			if (m->ifname[i] != np_cfg.ifname[i])
				return false;
			if (!m->ifname[i])
				break;
		}
	}
	return true;
}

/*
 * A filter that needed bytes past the caplen read, of a packet of wirelen:
 * counted where the packet had them, so the user learns what tcpdump would
 * have looked at.
 */
static __always_inline void np_pcap_short(__u32 caplen, __u32 wirelen)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&np_filter_short, &zero);

	if (n && wirelen > caplen)
		(*n)++;
}

/* The pcap expression on the caplen bytes in b: 0, a match, or NP_PCAP_SHORT. */
static __always_inline __u64 np_pcap_run(struct np_pktbuf *b, __u32 caplen, __u32 wirelen)
{
	if (!caplen)
		return 0;
	b->wirelen = wirelen;
	return np_pcap_region(b, caplen);
}

/* The headers parsed and the event stamped, for a packet that matched. */
static __always_inline void np_stamp(struct np_skb_meta *m, struct np_pktbuf *b, __u32 caplen)
{
	if (caplen && (m->pkt.ethertype == NP_ETH_P_IP || m->pkt.ethertype == NP_ETH_P_IPV6 ||
		       m->pkt.ethertype == 0))
		np_parse(&m->pkt, b->pkt, caplen);
	m->ts_ns = bpf_ktime_get_ns();
	m->cpu = bpf_get_smp_processor_id();
	if (m->in_task)
		bpf_get_current_comm(m->comm, sizeof(m->comm));
}

/*
 * For a header built in b->pkt (from a route lookup's flow, a connection's
 * addresses): the pcap expression, then the headers parsed and the event
 * stamped. @caplen goes through the buffer and is read back, so the verifier
 * sees an unknown length as for every skb: handed the constant the callers
 * have, np_parse()'s bounds checks made Debian 6.18.15's verifier warn "REG
 * INVARIANTS VIOLATION (true_reg2)", a kernel WARNING that taints the kernel
 * (found by loading trace's programs one at a time in that kernel's VM).
 */
static __always_inline bool np_match_packet(struct np_skb_meta *m, struct np_pktbuf *b,
					    __u32 caplen, __u32 wirelen, bool filter)
{
	__u64 ret;

	b->caplen = caplen;
	caplen = *(volatile __u32 *)&b->caplen;
	if (filter && (np_cfg.flags & NP_F_PCAP)) {
		ret = np_pcap_run(b, caplen, wirelen);
		if (ret == NP_PCAP_SHORT)
			np_pcap_short(caplen, wirelen);
		if (!ret || ret == NP_PCAP_SHORT)
			return false;
	}
	np_stamp(m, b, caplen);
	return true;
}

/*
 * Is there an IP header at the skb's network offset @nh? Where a probe point
 * meets an skb whose headers are not built yet (a TCP segment waiting in the
 * write queue, met at tcp_retransmit_skb), network_header is still 0 as
 * allocated, the buffer's head: the bytes there are anything (stale memory
 * once read as "0.0.0.0 > 2.6.0.0 len 65483"), and decoding or filtering
 * them would report garbage as a packet. A real header always has headroom
 * before it. Lengths are not checked: before __ip_local_out() sets it, an
 * outgoing packet's tot_len is not yet its length.
 */
static __always_inline bool np_l3_plausible(const __u8 *pkt, __u32 caplen, __u32 nh)
{
	if (!nh)
		return false;
	if (caplen >= 20 && (pkt[0] >> 4) == 4)
		return (pkt[0] & 0xf) >= 5;
	return caplen >= 40 && (pkt[0] >> 4) == 6;
}

/*
 * skb->dev, or NULL where the place holds something else. A UDP datagram
 * queued to its socket keeps packed lengths in dev_scratch, which shares
 * dev's place, until it is freed: read as a device at consume_skb, each load
 * through it faulted (a general protection fault and the JIT's fixup search:
 * 3% of a UDP sender's CPU samples under trace). Kernel addresses on x86-64 and
 * arm64 have their top byte all ones; the packed lengths never do. Read as
 * a number first: the verifier allows no arithmetic on a typed pointer.
 */
static __always_inline struct net_device *np_skb_dev(struct sk_buff *skb, bool direct)
{
	unsigned long v = NP_RD(direct, skb, dev_scratch);

	if ((v >> 56) != 0xff)
		return NULL;
	return NP_RD(direct, skb, dev);
}

/* Device, or input device and namespace, of skb (see np_skb_collect for sk and dev). */
static __always_inline void np_skb_where(struct sk_buff *skb, struct sock *sk,
					 struct net_device *dev, struct np_skb_meta *m, bool direct)
{
	struct net *net;

	if (!dev)
		dev = np_skb_dev(skb, direct);
	if (dev) {
		np_fill_dev(m, dev, direct);
		return;
	}
	/* TCP clears skb->dev on receive; the input device is still known. */
	m->ifindex = NP_RD(direct, skb, skb_iif);
	if (!sk)
		sk = NP_RD(direct, skb, sk);
	net = sk ? NP_RD(direct, sk, __sk_common.skc_net.net) : NULL;
	if (net)
		m->netns = NP_RD(direct, net, ns.inum);
}

/*
 * The packet's length from its network header (pcap's "len" for DLT_RAW),
 * or caplen where the skb says less.
 */
static __always_inline __u32 np_wirelen(struct sk_buff *skb, unsigned char *head, __u32 nh,
					__u32 caplen, bool direct)
{
	unsigned char *data = NP_RD(direct, skb, data);
	__s64 l3len = (__s64)NP_RD(direct, skb, len) + (data - head) - nh;

	return l3len > 0 ? l3len : caplen;
}

/* np_parse() reads up to TCP's flags: past an IPv4 header with options, 60 + 14 bytes. */
#define NP_PARSE_BYTES	74

/*
 * Bytes of the packet worth copying: what the pcap filter may read (userspace
 * bounds it from the classic BPF program, cbpf_bytes_needed()) and what
 * np_parse() reads. Most skbs a filtered trace meets do not match: copying
 * NP_PKT_MAX bytes with the paged part of each TCP segment was about 30% of
 * a run of 'udp port 9' under TCP traffic (Debian's 6.18.15 under qemu, where
 * kallsyms lets the programs read page fragments; this host's kernel does not).
 */
static __always_inline __u32 np_copy_want(void)
{
	__u32 want = np_cfg.pcap_need_ihl ? np_cfg.pcap_need_ihl + 60 : 0;

	if (want < np_cfg.pcap_need)
		want = np_cfg.pcap_need;
	if (want < NP_PARSE_BYTES)
		want = NP_PARSE_BYTES;
	return want < NP_PKT_MAX ? want : NP_PKT_MAX;
}

/* The event cleared, its skb and mark set: before who and where are read. */
static __always_inline void np_meta_begin(struct sk_buff *skb, struct np_skb_meta *m, bool direct)
{
	__builtin_memset(m, 0, sizeof(*m));
	m->skb = (__u64)skb;
	m->mark = NP_RD(direct, skb, mark);
}

/*
 * Fill m from skb and, when filter is set, apply every filter (--track shows
 * tracked skbs unfiltered). Returns true when the skb matches.
 * sk: the socket the probe knows the skb belongs to, when skb->sk is not set
 * (may be NULL); its namespace is the skb's when the skb has no device.
 * dev: the device the probe point is about when the probe knows it (NULL:
 * skb->dev): after a veth transmit, skb->dev is already the peer.
 * direct: skb and sk are typed pointers (tp_btf), see NP_RD.
 *
 * Most skbs a filtered trace meets do not match, so who and where are read
 * before the packet only when a filter asks for them; with skb->head and
 * data as plain loads, a non-matching filter's run went from about 300 to
 * 190-210 ns on 6.18 (bench/trace.sh's first part). The paged part is read
 * only where the filter's bound for this packet passes the linear part
 * (np_pcap_need): known before the filter runs, so the filter is in the
 * program once (a second run after a short read doubled the verifier's work
 * and trace's start-up). Unless who or where filter first, the event is
 * cleared only for a packet the pcap expression matched (paired runs of 'udp
 * port 9' under iperf3, nine pairs: 79.9 ns a run before, 75.7 after).
 */
static __always_inline bool np_skb_collect(struct sk_buff *skb, struct sock *sk,
					   struct net_device *dev, struct np_skb_meta *m,
					   struct np_pktbuf *b, bool filter, bool direct)
{
	bool who_first = filter && (np_cfg.flags & (NP_F_MARK | NP_F_PID));
	bool where_first = filter && (np_cfg.flags & (NP_F_NETNS | NP_F_IFNAME));
	unsigned char *head;
	__u32 nh, tail, caplen = 0;

	if (who_first || where_first) {
		np_meta_begin(skb, m, direct);
		if (who_first && !np_match_who(m, true))
			return false;
		if (where_first) {
			np_skb_where(skb, sk, dev, m, direct);
			if (!np_match_where(m, true))
				return false;
		}
	}

	/*
	 * The packet from its network header: the pcap filter is compiled for
	 * DLT_RAW. A typed pointer's byte pointers load as plain numbers: no
	 * probe read.
	 */
	head = NP_RD(direct, skb, head);
	nh = NP_RD(direct, skb, network_header);
	tail = NP_RD(direct, skb, tail);
	if (nh != 0xffff && nh < tail) {
		__u64 n = (__u64)tail - nh;

		/*
		 * np_copy_want() twice, not kept in a register: with the bound in
		 * a register of its own, 5.10's and 6.1's verifiers refused the
		 * copy below (EACCES). Two reads of read-only constants.
		 */
		if (n > np_copy_want())
			n = np_copy_want();
		asm volatile("" : "+r"(n));	/* keep the bound check on the register passed */
		if (n >= 1 && n <= NP_PKT_MAX && !bpf_probe_read_kernel(b->pkt, n, head + nh))
			caplen = n;
		/*
		 * All the linear data read and the filter may read past it: the
		 * paged part follows it.
		 */
		if (caplen && caplen == (__u64)tail - nh &&
		    caplen < np_pcap_need(np_cfg.pcap_need, np_cfg.pcap_need_ihl, b->pkt[0]) &&
		    NP_RD(direct, skb, data_len))
			caplen = np_copy_frags(skb, head, b, caplen);
		if (caplen && !np_l3_plausible(b->pkt, caplen, nh))
			caplen = 0;	/* no IP header here: nothing to decode */
	}
	if (filter && (np_cfg.flags & NP_F_PCAP)) {
		/*
		 * The packet's length takes two more of the skb's cache lines
		 * (len, data): read before the filter only for an expression that
		 * reads it (len, greater, less), else only to count a short read
		 * (never 0 once read: at least caplen).
		 * For every skb it was 5 ns of a non-matching run's 66 (the
		 * first part of bench/trace.sh, 6.18).
		 */
		__u32 wirelen = caplen && (np_cfg.flags & NP_F_PCAP_LEN) ?
				np_wirelen(skb, head, nh, caplen, direct) : 0;
		__u64 ret;

		b->caplen = caplen;
		ret = np_pcap_run(b, caplen, wirelen);
		if (ret == NP_PCAP_SHORT)
			np_pcap_short(caplen, wirelen ?: np_wirelen(skb, head, nh, caplen, direct));
		if (!ret || ret == NP_PCAP_SHORT)
			return false;
		/*
		 * From memory, not the register: each length check in the filter
		 * left the verifier its own range of caplen, and each range one
		 * more pass over all that follows (a quarter more of trace's
		 * verification, a third more start-up).
		 */
		caplen = b->caplen;
	}
	if (!who_first && !where_first)
		np_meta_begin(skb, m, direct);
	m->pkt.ethertype = bpf_ntohs(NP_RD(direct, skb, protocol));
	m->len = NP_RD(direct, skb, len);
	if (!who_first)
		np_match_who(m, false);
	if (!where_first)
		np_skb_where(skb, sk, dev, m, direct);
	np_stamp(m, b, caplen);
	return true;
}

#endif
