// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packet-path tracer: one small program per tracepoint that carries an skb,
 * all sharing one handler (filters from skb.bpf.h, optional --track of
 * matched skbs by address). Userspace loads the programs of the chosen probe
 * level that exist in the running kernel, as tp_btf where BTF allows, raw_tp
 * otherwise. The programs only observe.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "trace_abi.h"
#include "skb.bpf.h"
#include "trace_event.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define ENETUNREACH 101

/* Set by userspace before load: kprobes may call bpf_get_func_ip (5.15+). */
const volatile bool kprobe_func_ip = false;
/*
 * Arguments each tracepoint has in this kernel (the context pointer
 * included), from its BTF; raw_tp without BTF: the minimum the probe needs.
 * Optional arguments (drop reason, rx_sk, reset reason, consume location...)
 * are read only where they exist: the verifier refuses reading past the last.
 */
const volatile __u8 np_nargs[NP_P_MAX] = {};

/* Argument i of probe id, or 0 where this kernel's tracepoint lacks it. */
#define NP_ARG(id, i) (np_nargs[id] >= (i) + 2 ? ctx[i] : 0)

/*
 * 6.2+: a typed pointer made read-only and untrusted. Reads through it are
 * the same plain loads, but the verifier no longer searches the kernel's BTF
 * for "__safe_trusted" types at each pointer read (skb->dev, dev->nd_net...):
 * on 6.18 those linear searches were two thirds of trace's start-up (about
 * 7 ms of verification per program, 22 programs). The extern is weak: an
 * object with it loads on older kernels, where only np_cast_ programs (never
 * loaded there) would call it.
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
#define NP_UNTRUSTED(p, type) \
	((p) ? (type *)bpf_rdonly_cast((void *)(p), bpf_core_type_id_kernel(type)) : (type *)0)

/*
 * The flavours of one probe: ctx holds the tracepoint's arguments each way.
 * dev: the device argument of tracepoints that have one (0: skb->dev).
 */
#define NP_PROBE_DEV(tp, id, skb, sk, dev, loc, arg)					\
SEC("tp_btf/" #tp)									\
int np_cast_##tp(__u64 *ctx)								\
{											\
	return on_probe(id, NP_UNTRUSTED(skb, struct sk_buff),				\
			NP_UNTRUSTED(sk, struct sock), NP_UNTRUSTED(dev, struct net_device),\
			loc, arg, true);						\
}											\
SEC("tp_btf/" #tp)									\
int np_btf_##tp(__u64 *ctx)								\
{											\
	return on_probe(id, (struct sk_buff *)(skb), (struct sock *)(sk),		\
			(struct net_device *)(dev), loc, arg, true);			\
}											\
SEC("raw_tp/" #tp)									\
int np_raw_##tp(__u64 *ctx)								\
{											\
	return on_probe(id, (struct sk_buff *)(skb), (struct sock *)(sk),		\
			(struct net_device *)(dev), loc, arg, false);			\
}
#define NP_PROBE(tp, id, skb, sk, loc, arg) NP_PROBE_DEV(tp, id, skb, sk, 0, loc, arg)

/*
 * Argument positions as in the kernel's TP_PROTO. The skb (and sk) arguments
 * are required (userspace loads a probe only where they exist), the others
 * go through NP_ARG.
 */
#define A(id, i) NP_ARG(id, i)
NP_PROBE(netif_rx, NP_P_NETIF_RX, ctx[0], 0, 0, 0)
NP_PROBE(netif_rx_entry, NP_P_NETIF_RX_ENTRY, ctx[0], 0, 0, 0)
NP_PROBE(netif_receive_skb, NP_P_NETIF_RECEIVE_SKB, ctx[0], 0, 0, 0)
NP_PROBE(netif_receive_skb_entry, NP_P_NETIF_RECEIVE_SKB_ENTRY, ctx[0], 0, 0, 0)
NP_PROBE(netif_receive_skb_list_entry, NP_P_NETIF_RECEIVE_SKB_LIST_ENTRY, ctx[0], 0, 0, 0)
NP_PROBE(napi_gro_receive_entry, NP_P_NAPI_GRO_RECEIVE_ENTRY, ctx[0], 0, 0, 0)
NP_PROBE(napi_gro_frags_entry, NP_P_NAPI_GRO_FRAGS_ENTRY, ctx[0], 0, 0, 0)
NP_PROBE(net_dev_queue, NP_P_NET_DEV_QUEUE, ctx[0], 0, 0, 0)
NP_PROBE(net_dev_start_xmit, NP_P_NET_DEV_START_XMIT, ctx[0], 0, 0, 0)
/* After the driver's transmit: a veth has already handed the skb to its peer. */
NP_PROBE_DEV(net_dev_xmit, NP_P_NET_DEV_XMIT, ctx[0], 0, ctx[2], 0,
	     (__u32)A(NP_P_NET_DEV_XMIT, 1))
NP_PROBE(qdisc_enqueue, NP_P_QDISC_ENQUEUE, ctx[2], 0, 0, 0)
NP_PROBE(qdisc_dequeue, NP_P_QDISC_DEQUEUE, ctx[3], 0, 0, (__u32)ctx[2])
NP_PROBE(icmp_send, NP_P_ICMP_SEND, ctx[0], 0, 0,
	 (__u32)A(NP_P_ICMP_SEND, 1) << 8 | ((__u32)A(NP_P_ICMP_SEND, 2) & 0xff))
NP_PROBE(tcp_retransmit_skb, NP_P_TCP_RETRANSMIT_SKB, ctx[1], ctx[0], 0, 0)
NP_PROBE(tcp_send_reset, NP_P_TCP_SEND_RESET, ctx[1], ctx[0], 0,
	 (__u32)A(NP_P_TCP_SEND_RESET, 2))
NP_PROBE(tcp_bad_csum, NP_P_TCP_BAD_CSUM, ctx[0], 0, 0, 0)
NP_PROBE(tcp_probe, NP_P_TCP_PROBE, ctx[1], ctx[0], 0, 0)
NP_PROBE(tcp_sendmsg_locked, NP_P_TCP_SENDMSG_LOCKED, ctx[2], ctx[0], 0,
	 (__u32)A(NP_P_TCP_SENDMSG_LOCKED, 3))
NP_PROBE(tcp_hash_bad_header, NP_P_TCP_HASH_BAD_HEADER, ctx[1], ctx[0], 0, 0)
NP_PROBE(tcp_hash_md5_required, NP_P_TCP_HASH_MD5_REQUIRED, ctx[1], ctx[0], 0, 0)
NP_PROBE(tcp_hash_md5_unexpected, NP_P_TCP_HASH_MD5_UNEXPECTED, ctx[1], ctx[0], 0, 0)
NP_PROBE(tcp_hash_md5_mismatch, NP_P_TCP_HASH_MD5_MISMATCH, ctx[1], ctx[0], 0, 0)
NP_PROBE(tcp_hash_ao_required, NP_P_TCP_HASH_AO_REQUIRED, ctx[1], ctx[0], 0, 0)
NP_PROBE(udp_fail_queue_rcv_skb, NP_P_UDP_FAIL_QUEUE_RCV_SKB, ctx[2], ctx[1], 0, (__u32)ctx[0])
NP_PROBE(sock_rcvqueue_full, NP_P_SOCK_RCVQUEUE_FULL, ctx[1], ctx[0], 0, 0)
NP_PROBE(skb_copy_datagram_iovec, NP_P_SKB_COPY_DATAGRAM_IOVEC, ctx[0], 0, 0,
	 (__u32)A(NP_P_SKB_COPY_DATAGRAM_IOVEC, 1))
NP_PROBE(consume_skb, NP_P_CONSUME_SKB, ctx[0], 0, A(NP_P_CONSUME_SKB, 1), 0)

/* kfree_skb: reason (5.17+) and rx_sk (6.11+) by CO-RE and BTF, as in drop.bpf.c. */
static __always_inline int kfree_args(__u64 *ctx, bool direct, bool untrusted)
{
	struct sk_buff *skb = (struct sk_buff *)ctx[0];
	struct sock *sk = NULL;
	__u32 reason = 0;

	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED))
		reason = NP_ARG(NP_P_KFREE_SKB, 2);
	sk = (struct sock *)NP_ARG(NP_P_KFREE_SKB, 3);
	if (untrusted) {
		skb = NP_UNTRUSTED(skb, struct sk_buff);
		sk = NP_UNTRUSTED(sk, struct sock);
	}
	return on_probe(NP_P_KFREE_SKB, skb, sk, NULL, ctx[1], reason, direct);
}

SEC("tp_btf/kfree_skb")
int np_cast_kfree_skb(__u64 *ctx)
{
	return kfree_args(ctx, true, true);
}

SEC("tp_btf/kfree_skb")
int np_btf_kfree_skb(__u64 *ctx)
{
	return kfree_args(ctx, true, false);
}

SEC("raw_tp/kfree_skb")
int np_raw_kfree_skb(__u64 *ctx)
{
	return kfree_args(ctx, false, false);
}

/*
 * Kernel functions. A kprobe sees registers, not typed arguments: the skb is
 * read with probe reads (direct=false), and first checked to look like one,
 * since a compiler clone (.isra, .part) may not pass what BTF says.
 */
static __always_inline bool skb_plausible(struct sk_buff *skb)
{
	unsigned char *head, *data;
	__u32 len;

	if (bpf_probe_read_kernel(&head, sizeof(head), &skb->head) ||
	    bpf_probe_read_kernel(&data, sizeof(data), &skb->data) ||
	    bpf_probe_read_kernel(&len, sizeof(len), &skb->len))
		return false;
	/* Headroom and length bounds far above any real skb's (BIG TCP: 512 KiB). */
	return head && data >= head && data - head < (1 << 20) && len < (1 << 24);
}

static __always_inline int on_kfunc(struct sk_buff *skb, __u64 ip)
{
	if (!skb || !skb_plausible(skb))
		return 0;
	return on_probe(NP_P_KFUNC, skb, NULL, NULL, ip, 0, false);
}

/*
 * One program per skb position, shared by every function with its skb
 * there. Without bpf_get_func_ip (before 5.15) a kprobe's ip is one byte
 * past the probed address (the int3, or ftrace standing in for it);
 * userspace resolves either to the symbol at or below.
 */
#define NP_KFUNC(n)									\
SEC("kprobe.multi")									\
int np_kmulti_##n(struct pt_regs *ctx)							\
{											\
	return on_kfunc((struct sk_buff *)PT_REGS_PARM##n(ctx), bpf_get_func_ip(ctx));	\
}											\
SEC("kprobe")										\
int np_kprobe_##n(struct pt_regs *ctx)							\
{											\
	__u64 ip = kprobe_func_ip ? bpf_get_func_ip(ctx) : PT_REGS_IP(ctx) - 1;		\
											\
	return on_kfunc((struct sk_buff *)PT_REGS_PARM##n(ctx), ip);			\
}

NP_KFUNC(1)
NP_KFUNC(2)
NP_KFUNC(3)
NP_KFUNC(4)
NP_KFUNC(5)

/*
 * --track through copies: skb_copy(), __pskb_copy_fclone(), skb_copy_expand()
 * return a new skb with a buffer of its own, skb_segment() a list of them
 * (GSO). The entry remembers a tracked source, per task or, in softirq, per
 * CPU (the "current" task there is whichever was interrupted); the return
 * tracks what came back. Kernels with kprobes only: fexit would need one
 * loaded program per function.
 */
#define NP_COPY_SEGS_MAX 64

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} copy_src SEC(".maps");

static __always_inline __u64 copy_key(void)
{
	return np_in_task() ? bpf_get_current_pid_tgid() :
			      0xffffffff00000000ull | bpf_get_smp_processor_id();
}

SEC("kprobe")
int np_copy_entry(struct pt_regs *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)PT_REGS_PARM1(ctx);
	__u64 key = copy_key(), src = (__u64)skb, head = 0;
	bool by_addr = false, by_head = false;

	if (skb)
		track_lookup(skb, bpf_ktime_get_ns(), &head, &by_addr, &by_head);
	if (by_addr || by_head)
		bpf_map_update_elem(&copy_src, &key, &src, BPF_ANY);
	else	/* a return missed earlier must not pass its source on */
		bpf_map_delete_elem(&copy_src, &key);
	return 0;
}

SEC("kretprobe")
int np_copy_return(struct pt_regs *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)PT_REGS_RC(ctx);
	__u64 key = copy_key(), now = bpf_ktime_get_ns(), addr, head;

	if (!bpf_map_lookup_elem(&copy_src, &key))
		return 0;
	bpf_map_delete_elem(&copy_src, &key);
	/* An error pointer or NULL ends the list as well as a segment's NULL next. */
	for (int i = 0; i < NP_COPY_SEGS_MAX && skb && (__u64)skb < (__u64)-4095; i++) {
		addr = (__u64)skb;
		head = (__u64)BPF_CORE_READ(skb, head);
		bpf_map_update_elem(&tracked, &addr, &now, BPF_ANY);
		if (head)
			bpf_map_update_elem(&tracked_heads, &head, &now, BPF_ANY);
		skb = BPF_CORE_READ(skb, next);
	}
	return 0;
}

/*
 * Route lookups carry a flow, not an skb: its addresses, protocol and ports
 * are written as an IP header into the packet buffer, so the pcap expression
 * and the parser work on it unchanged. Namespace and device from the next
 * hop found (or, for a failed lookup in process context, the task's).
 */
static __always_inline int on_fib(__u32 probe, __u32 tb_id, struct flowi_common *fc,
				  const void *saddr, const void *daddr, union flowi_uli *uli,
				  bool v6, struct net_device *dev, __u32 netns, int err)
{
	struct np_trace_scratch *s;
	struct np_skb_meta *m;
	__u32 zero = 0, hl = v6 ? 40 : 20;
	__u8 proto, raw[4];

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s || !fc)
		return 0;
	m = &s->ev.m;
	__builtin_memset(m, 0, sizeof(*m));
	m->mark = BPF_CORE_READ(fc, flowic_mark);
	if (!np_match_who(m, true))
		return 0;
	np_fill_dev(m, dev, false);
	if (!m->netns)
		m->netns = netns;
	if (!m->netns && m->in_task) {
		struct task_struct *t = (struct task_struct *)bpf_get_current_task();

		m->netns = BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
	}
	if (!m->ifindex)
		m->ifindex = BPF_CORE_READ(fc, flowic_oif) ?: BPF_CORE_READ(fc, flowic_iif);
	if (!np_match_where(m, true))
		return 0;

	proto = BPF_CORE_READ(fc, flowic_proto);
	bpf_probe_read_kernel(raw, 4, uli);
	__builtin_memset(s->buf.pkt, 0, 64);
	if (v6) {
		s->buf.pkt[0] = 0x60;
		s->buf.pkt[5] = 4;	/* payload length */
		s->buf.pkt[6] = proto;
		s->buf.pkt[7] = 64;
		bpf_probe_read_kernel(s->buf.pkt + 8, 16, saddr);
		bpf_probe_read_kernel(s->buf.pkt + 24, 16, daddr);
		m->pkt.ethertype = NP_ETH_P_IPV6;
	} else {
		s->buf.pkt[0] = 0x45;
		s->buf.pkt[3] = 24;	/* total length */
		s->buf.pkt[8] = 64;
		s->buf.pkt[9] = proto;
		bpf_probe_read_kernel(s->buf.pkt + 12, 4, saddr);
		bpf_probe_read_kernel(s->buf.pkt + 16, 4, daddr);
		m->pkt.ethertype = NP_ETH_P_IP;
	}
	/* flowi ports are (dport, sport); on the wire (sport, dport). ICMP: type, code. */
	if (proto == NP_IPPROTO_TCP || proto == NP_IPPROTO_UDP || proto == NP_IPPROTO_SCTP ||
	    proto == NP_IPPROTO_UDPLITE) {
		s->buf.pkt[hl] = raw[2];
		s->buf.pkt[hl + 1] = raw[3];
		s->buf.pkt[hl + 2] = raw[0];
		s->buf.pkt[hl + 3] = raw[1];
	} else {
		__builtin_memcpy(s->buf.pkt + hl, raw, 4);
	}
	if (!np_match_packet(m, &s->buf, hl + 4, hl + 4, true))
		return 0;
	return np_emit(s, probe, tb_id, err);
}

/* fib_table_lookup(tb_id, flp, nhc, err) */
static __always_inline int fib4_args(__u64 *ctx)
{
	struct flowi4 *fl = (struct flowi4 *)ctx[1];
	struct fib_nh_common *nhc = (struct fib_nh_common *)ctx[2];

	if (!fl)
		return 0;
	return on_fib(NP_P_FIB_TABLE_LOOKUP, ctx[0], &fl->__fl_common, &fl->saddr, &fl->daddr,
		      &fl->uli, false, nhc ? BPF_CORE_READ(nhc, nhc_dev) : NULL, 0, ctx[3]);
}

/* fib6_table_lookup(net, res, table, flp) */
static __always_inline int fib6_args(__u64 *ctx)
{
	struct net *net = (struct net *)ctx[0];
	struct fib6_result *res = (struct fib6_result *)ctx[1];
	struct fib6_table *tb = (struct fib6_table *)ctx[2];
	struct flowi6 *fl = (struct flowi6 *)ctx[3];
	struct fib6_nh *nh = res ? BPF_CORE_READ(res, nh) : NULL;
	struct net_device *dev = nh ? BPF_CORE_READ(nh, nh_common.nhc_dev) : NULL;

	if (!fl)
		return 0;
	return on_fib(NP_P_FIB6_TABLE_LOOKUP, tb ? BPF_CORE_READ(tb, tb6_id) : 0,
		      &fl->__fl_common, &fl->saddr, &fl->daddr, &fl->uli, true, dev,
		      net ? BPF_CORE_READ(net, ns.inum) : 0, dev ? 0 : -ENETUNREACH);
}

/* Route lookups read through probe reads: the same program in both tp_btf flavours. */
SEC("tp_btf/fib_table_lookup")
int np_cast_fib_table_lookup(__u64 *ctx)
{
	return fib4_args(ctx);
}

SEC("tp_btf/fib_table_lookup")
int np_btf_fib_table_lookup(__u64 *ctx)
{
	return fib4_args(ctx);
}

SEC("raw_tp/fib_table_lookup")
int np_raw_fib_table_lookup(__u64 *ctx)
{
	return fib4_args(ctx);
}

SEC("tp_btf/fib6_table_lookup")
int np_cast_fib6_table_lookup(__u64 *ctx)
{
	return fib6_args(ctx);
}

SEC("tp_btf/fib6_table_lookup")
int np_btf_fib6_table_lookup(__u64 *ctx)
{
	return fib6_args(ctx);
}

SEC("raw_tp/fib6_table_lookup")
int np_raw_fib6_table_lookup(__u64 *ctx)
{
	return fib6_args(ctx);
}
