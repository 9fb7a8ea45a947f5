// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-process traffic accounting.
 *
 * Who owns a socket and how many bytes it moved are kept apart:
 *  - the owner (tgid, start time, uid, cgroup, comm) is stamped into sk storage
 *    from process context: socket creation and every send/receive. The owner
 *    map is created with BPF_F_CLONE, so accept()ed sockets inherit the
 *    listener's owner until their own process touches them;
 *  - IP-layer bytes and packets are counted per socket in cgroup_skb
 *    ingress/egress, which sees every packet with headers and retransmissions;
 *  - payload bytes come from the send/receive tracepoints (only ret > 0).
 * Counts stay in sk storage while the socket lives; userspace dumps them with
 * an iterator, and a socket's final counts reach it through a ring buffer when
 * TCP reaches CLOSE or the socket is released. Packets of sockets nobody owns
 * are counted by remote address in the unknown map instead.
 *
 * The cgroup_skb programs always return 1: netoproc observes, it never drops.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "monitor_abi.h"

#define AF_INET		2
#define AF_INET6	10
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define PF_KTHREAD	0x00200000
#define MSG_PEEK	2
#define TCP_CLOSE_STATE	7
#define E2BIG		7
#define RINGBUF_SIZE	(1 << 22)

char LICENSE[] SEC("license") = "GPL";

/* Set by userspace before load. */
const volatile bool watch_all = true;	/* false: only tasks under watched_cgroup[0] */
const volatile __u32 only_ifindex = 0;	/* --interface: count packets through this device only */

/*
 * Kept in sk storage next to the owner; userspace never sees this layout.
 * Packets are often counted on another CPU than the process's send/receive
 * (loopback receive runs in the sender's softirq): the packet half and the
 * payload half sit on separate cache lines so the two do not bounce.
 */
struct sock_acct {
	/* written per packet (cgroup_skb) */
	__u64 rx_bytes, tx_bytes, rx_packets, tx_packets;
	/*
	 * The local address, cached from the first packet: cgroup/sock_release
	 * may read the remote end and state of its socket, but not the local one.
	 */
	__u8 laddr[16];
	__u16 lport;
	__u8 local_set;
	__u8 owned;	/* cache: an owner was found, so packets go to this socket */
	__u32 pad0;
	__u64 pad1;
	/* written per send/receive (process context) */
	__u64 rx_payload, tx_payload;
	__u32 owner_tgid;	/* cache of the owner, so a send by the same process */
	__u32 pad2;
	__u64 owner_start;	/* needs no second storage lookup */
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct np_owner);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_acct);
} accts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct np_unknown_key);
	__type(value, struct np_unknown_val);
} unknown SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RINGBUF_SIZE);
} closed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} watched_cgroup SEC(".maps");

/*
 * Userspace polls the ring every 100 ms anyway: wake it only when the ring is
 * a quarter full, sparing each close an irq_work.
 */
static __always_inline __u64 ringbuf_flags(void)
{
	return bpf_ringbuf_query(&closed, BPF_RB_AVAIL_DATA) > RINGBUF_SIZE / 4 ?
	       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += 1;	/* per-CPU slot: no atomic needed */
}

static __always_inline void set_v4_mapped(__u8 *dst, __u32 addr_be)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &addr_be, 4);
}

/* ---- packet side --------------------------------------------------------- */

/*
 * Bytes the packet's segments would occupy on the wire: a GSO (egress) or
 * GRO (ingress) packet carries gso_segs segments that each repeat the IP and
 * transport headers.
 */
static __always_inline __u64 wire_bytes(struct __sk_buff *skb, __u32 segs)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u32 hdr, l4;
	__u8 proto;

	if (segs <= 1)
		return skb->len;
	/* Headers of a GSO/GRO packet are in its linear part: read them directly. */
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > end)
			return skb->len;
		hdr = ip->ihl * 4;
		proto = ip->protocol;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data;

		if ((void *)(ip6 + 1) > end)
			return skb->len;
		hdr = sizeof(*ip6);
		proto = ip6->nexthdr;
	} else {
		return skb->len;
	}
	l4 = 0;
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = data + (hdr & 0x3f);

		if ((void *)(th + 1) <= end)
			l4 = th->doff * 4;
	} else if (proto == IPPROTO_UDP) {
		l4 = sizeof(struct udphdr);
	}
	return skb->len + (__u64)(segs - 1) * (hdr + l4);
}

/* Count a packet that no owned socket accounts for, by its remote address. */
static __always_inline void count_unknown(struct __sk_buff *skb, bool egress,
					  __u64 bytes, __u32 segs)
{
	struct np_unknown_key key = {};
	struct np_unknown_val zero = {}, *v;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) == 0) {
			set_v4_mapped(key.raddr, egress ? ip.daddr : ip.saddr);
			key.protocol = ip.protocol;
		}
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)) == 0) {
			__builtin_memcpy(key.raddr, egress ? &ip6.daddr : &ip6.saddr, 16);
			key.protocol = ip6.nexthdr;
		}
	}

	v = bpf_map_lookup_elem(&unknown, &key);
	if (!v) {
		if (bpf_map_update_elem(&unknown, &key, &zero, BPF_NOEXIST) == -E2BIG) {
			/* Table full: fold into the all-zero bucket so no byte is lost. */
			stat_inc(NP_STAT_UNKNOWN_OVERFLOW);
			__builtin_memset(&key, 0, sizeof(key));
			bpf_map_update_elem(&unknown, &key, &zero, BPF_NOEXIST);
		}
		v = bpf_map_lookup_elem(&unknown, &key);
		if (!v)
			return;
	}
	if (egress) {
		__sync_fetch_and_add(&v->tx_bytes, bytes);
		__sync_fetch_and_add(&v->tx_packets, segs);
	} else {
		__sync_fetch_and_add(&v->rx_bytes, bytes);
		__sync_fetch_and_add(&v->rx_packets, segs);
	}
}

static __always_inline int count_skb(struct __sk_buff *skb, bool egress)
{
	struct bpf_sock *skc = skb->sk, *sk;
	struct sock_acct *a;
	__u32 segs;
	__u64 bytes;

	if (only_ifindex && skb->ifindex != only_ifindex)
		return 1;
	segs = skb->gso_segs ? skb->gso_segs : 1;
	bytes = wire_bytes(skb, segs);
	if (!skc)
		goto unknown;
	sk = bpf_sk_fullsock(skc);
	if (!sk) {
		/* A request socket (SYN-ACK) belongs to its listener. */
		sk = bpf_get_listener_sock(skc);
		if (!sk) {
			stat_inc(NP_STAT_UNKNOWN_NOSOCK);
			goto unknown;
		}
	}
	a = bpf_sk_storage_get(&accts, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!a) {
		stat_inc(NP_STAT_STORAGE_FAIL);
		goto unknown;
	}
	if (!a->local_set) {
		if (sk->family == AF_INET) {
			set_v4_mapped(a->laddr, sk->src_ip4);
		} else {
			__u32 *l = (__u32 *)a->laddr;

			l[0] = sk->src_ip6[0];
			l[1] = sk->src_ip6[1];
			l[2] = sk->src_ip6[2];
			l[3] = sk->src_ip6[3];
		}
		a->lport = sk->src_port;
		a->local_set = 1;
	}
	if (!a->owned) {
		if (!bpf_sk_storage_get(&owners, sk, 0, 0))
			goto unknown;
		a->owned = 1;
	}
	if (egress) {
		__sync_fetch_and_add(&a->tx_bytes, bytes);
		__sync_fetch_and_add(&a->tx_packets, segs);
	} else {
		__sync_fetch_and_add(&a->rx_bytes, bytes);
		__sync_fetch_and_add(&a->rx_packets, segs);
	}
	return 1;
unknown:
	count_unknown(skb, egress, bytes, segs);
	return 1;
}

SEC("cgroup_skb/ingress")
int count_ingress(struct __sk_buff *skb)
{
	return count_skb(skb, false);
}

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
	return count_skb(skb, true);
}

/* ---- process side -------------------------------------------------------- */

static __always_inline bool task_watched(void)
{
	return watch_all || bpf_current_task_under_cgroup(&watched_cgroup, 0) == 1;
}

static __always_inline void fill_owner(struct np_owner *o, __u32 tgid, __u64 start)
{
	o->tgid = tgid;
	o->start_ns = start;
	o->uid = (__u32)bpf_get_current_uid_gid();
	o->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

/*
 * Claim @sk for the current process and return its accounting, or NULL.
 * tp_btf hands us trusted BTF pointers: fields are read directly, no helper.
 */
static __always_inline struct sock_acct *claim_socket(struct sock *sk)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct np_owner *o;
	struct sock_acct *a;
	__u16 family = sk->__sk_common.skc_family;
	__u32 tgid;
	__u64 start;

	if (family != AF_INET && family != AF_INET6)
		return NULL;
	if (!task_watched())
		return NULL;
	a = bpf_sk_storage_get(&accts, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!a)
		return NULL;
	if (!a->local_set) {
		if (family == AF_INET)
			set_v4_mapped(a->laddr, sk->__sk_common.skc_rcv_saddr);
		else
			BPF_CORE_READ_INTO(a->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		a->lport = sk->__sk_common.skc_num;
		a->local_set = 1;
	}
	/* Kernel threads sending on behalf of others (NFS, kTLS) never take a socket. */
	if (task->flags & PF_KTHREAD)
		return a;
	tgid = task->tgid;
	start = task->group_leader->start_boottime;
	if (a->owned && a->owner_tgid == tgid && a->owner_start == start)
		return a;	/* the usual case: same owner as last time */
	o = bpf_sk_storage_get(&owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!o)
		return a;
	if (o->tgid != tgid || o->start_ns != start)
		fill_owner(o, tgid, start);
	a->owner_tgid = tgid;
	a->owner_start = start;
	a->owned = 1;
	return a;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(on_send, struct sock *sk, int ret, int flags)
{
	struct sock_acct *a = claim_socket(sk);

	if (a && ret > 0)
		__sync_fetch_and_add(&a->tx_payload, (__u64)ret);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_recv, struct sock *sk, int ret, int flags)
{
	struct sock_acct *a = claim_socket(sk);

	/* MSG_PEEK leaves the data queued: it is counted when really read. */
	if (a && ret > 0 && !(flags & MSG_PEEK))
		__sync_fetch_and_add(&a->rx_payload, (__u64)ret);
	return 0;
}

SEC("cgroup/sock_create")
int on_sock_create(struct bpf_sock *sk)
{
	struct np_owner *o;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct task_struct *task = bpf_get_current_task_btf();

	o = bpf_sk_storage_get(&owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (o)
		fill_owner(o, pid_tgid >> 32, BPF_CORE_READ(task, group_leader, start_boottime));
	return 1;
}

/* ---- socket records ------------------------------------------------------ */

static __always_inline void fill_tuple(struct np_sock_record *r, const struct sock *sk)
{
	r->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	r->protocol = BPF_CORE_READ(sk, sk_protocol);
	r->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	r->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (r->protocol == IPPROTO_TCP)
		r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (r->family == AF_INET) {
		set_v4_mapped(r->laddr, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
		set_v4_mapped(r->raddr, BPF_CORE_READ(sk, __sk_common.skc_daddr));
	} else {
		BPF_CORE_READ_INTO(r->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(r->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

static __always_inline void fill_counts(struct np_sock_record *r, struct sock_acct *a,
					struct np_owner *o, __u64 cookie, __u8 event)
{
	r->cookie = cookie;
	r->event = event;
	r->c.rx_bytes = a->rx_bytes;
	r->c.tx_bytes = a->tx_bytes;
	r->c.rx_packets = a->rx_packets;
	r->c.tx_packets = a->tx_packets;
	r->c.rx_payload = a->rx_payload;
	r->c.tx_payload = a->tx_payload;
	if (o) {
		r->owner = *o;
		r->has_owner = 1;
	}
}

/* Send a socket's final counts to userspace. */
static __always_inline void emit_closed(struct sock *sk)
{
	struct sock_acct *a;
	struct np_sock_record *r;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (family != AF_INET && family != AF_INET6)
		return;
	a = bpf_sk_storage_get(&accts, sk, 0, 0);
	if (!a || !a->owned)
		return;
	r = bpf_ringbuf_reserve(&closed, sizeof(*r), 0);
	if (!r) {
		stat_inc(NP_STAT_RINGBUF_LOST);
		return;
	}
	__builtin_memset(r, 0, sizeof(*r));
	fill_tuple(r, sk);
	fill_counts(r, a, bpf_sk_storage_get(&owners, sk, 0, 0),
		    bpf_get_socket_cookie(sk), NP_SOCK_CLOSED);
	bpf_ringbuf_submit(r, ringbuf_flags());
}

/* TCP's last packet has been counted when the socket reaches CLOSE. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_set_state, struct sock *sk, int oldstate, int newstate)
{
	if (newstate == TCP_CLOSE_STATE &&
	    BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP)
		emit_closed(sk);
	return 0;
}

/*
 * UDP, ICMP and raw sockets send nothing after release. TCP is reported here
 * too: a connection reset before close() may still have data read after its
 * CLOSE record; userspace keeps the larger cumulative values.
 */
SEC("cgroup/sock_release")
int on_sock_release(struct bpf_sock *sk)
{
	struct sock_acct *a;
	struct np_sock_record *r;

	a = bpf_sk_storage_get(&accts, sk, 0, 0);
	if (!a || !a->owned)
		return 1;
	r = bpf_ringbuf_reserve(&closed, sizeof(*r), 0);
	if (!r) {
		stat_inc(NP_STAT_RINGBUF_LOST);
		return 1;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->family = sk->family;
	r->protocol = sk->protocol;
	r->lport = a->lport;
	__builtin_memcpy(r->laddr, a->laddr, 16);
	r->rport = bpf_ntohs(sk->dst_port);
	if (sk->protocol == IPPROTO_TCP)
		r->state = sk->state;
	if (sk->family == AF_INET) {
		set_v4_mapped(r->raddr, sk->dst_ip4);
	} else {
		__u32 *rr = (__u32 *)r->raddr;

		rr[0] = sk->dst_ip6[0];
		rr[1] = sk->dst_ip6[1];
		rr[2] = sk->dst_ip6[2];
		rr[3] = sk->dst_ip6[3];
	}
	fill_counts(r, a, bpf_sk_storage_get(&owners, sk, 0, 0),
		    bpf_get_socket_cookie(sk), NP_SOCK_CLOSED);
	bpf_ringbuf_submit(r, ringbuf_flags());
	return 1;
}

/* Dump every live socket's counts; userspace turns them into per-interval deltas. */
SEC("iter/bpf_sk_storage_map")
int dump_sockets(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct sock *sk = ctx->sk;
	struct sock_acct *a = ctx->value;
	struct np_owner *o;
	struct np_sock_record r = {};

	if (!sk || !a || !a->owned)
		return 0;
	o = bpf_sk_storage_get(&owners, sk, 0, 0);
	fill_tuple(&r, sk);
	fill_counts(&r, a, o, bpf_get_socket_cookie(sk), NP_SOCK_LIVE);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
