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

#include "monitor_maps.bpf.h"
#include "monitor_claim.bpf.h"
#include "monitor_payload.bpf.h"

char LICENSE[] SEC("license") = "GPL";

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

static __always_inline bool emit_from_bpf_sock(void *ctx, struct bpf_sock *sk,
					       struct sock_acct *a, __u64 cookie);

/*
 * An unconnected UDP socket's packet: count it once more under its peer, read
 * from the headers (the socket has no remote end). A breakdown only: when the
 * table is full the socket's own counts still hold every byte.
 */
static __always_inline void count_udp_peer(struct __sk_buff *skb, struct sock_acct *a,
					   bool egress, __u64 bytes, __u32 segs)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct np_peer_key key = { .cookie = a->cookie };
	struct np_peer_val zero = {}, *v;
	struct udphdr *uh;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > end)
			return;
		set_v4_mapped(key.raddr, egress ? ip->daddr : ip->saddr);
		uh = data + ((ip->ihl * 4) & 0x3f);
	} else {
		struct ipv6hdr *ip6 = data;

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP)
			return;
		__builtin_memcpy(key.raddr, egress ? &ip6->daddr : &ip6->saddr, 16);
		uh = (void *)(ip6 + 1);
	}
	if ((void *)(uh + 1) > end)
		return;
	key.rport = bpf_ntohs(egress ? uh->dest : uh->source);
	v = bpf_map_lookup_elem(&udp_peers, &key);
	if (!v) {
		if (bpf_map_update_elem(&udp_peers, &key, &zero, BPF_NOEXIST) == -E2BIG) {
			stat_inc(NP_STAT_PEERS_FULL);
			return;
		}
		v = bpf_map_lookup_elem(&udp_peers, &key);
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
	struct bpf_sock *skc = skb->sk, *sk, *skc_full;
	struct sock_acct *a;
	__u32 segs;
	__u64 bytes;

	if (only_ifindex && skb->ifindex != only_ifindex)
		return 1;
	segs = skb->gso_segs ? skb->gso_segs : 1;
	bytes = wire_bytes(skb, segs);
	if (!skc)
		goto unknown;
	sk = skc_full = bpf_sk_fullsock(skc);
	if (!sk) {
		/* A request socket (SYN-ACK) belongs to its listener. */
		sk = bpf_get_listener_sock(skc);
		if (!sk) {
			stat_inc(NP_STAT_UNKNOWN_NOSOCK);
			goto unknown;
		}
	}
	a = sk_storage_get_or_create(&accts, sk);
	if (!a) {
		stat_inc(NP_STAT_STORAGE_FAIL);
		goto unknown;
	}
	/* The port may still be 0 on a socket's first packet: look again until it is set. */
	if (!a->local_set || !a->lport) {
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
		/* A request socket's packet names the listener: only a socket's own sets these. */
		if (sk == skc_full) {
			a->sk_addr = (__u64)sk;
			a->cookie = bpf_get_socket_cookie(skb);
			a->local_set = 1;
		}
	}
	/* Before the owner test: a socket nobody claimed yet still shows its DNS. */
	if (sk == skc_full)
		maybe_send_payload(skb, sk, a, egress);
	if (!a->owned) {
		__u64 key = a->sk_addr;

		if (!bpf_sk_storage_get(&owners, sk, 0, 0) &&
		    !(owner_in_hash && bpf_map_lookup_elem(&sk_procs, &key)))
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
	/*
	 * After close() a TCP socket still sends and receives its FIN and last
	 * ACKs, and may be freed with no hook to tell (no CLOSE state change for
	 * a passive close on 6.18): report each of these few packets at once.
	 */
	if (sk->protocol == IPPROTO_TCP) {
		if (a->released)
			emit_from_bpf_sock(skb, sk, a, a->cookie);
	} else if (count_peers && sk->protocol == IPPROTO_UDP && !sk->dst_port && a->cookie) {
		count_udp_peer(skb, a, egress, bytes, segs);
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

/* ---- process side: three interchangeable tiers ------------------------- */

/* tracepoint tier (kernel >= 6.3): every protocol's send and receive. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(on_send, struct sock *sk, int ret, int flags)
{
	count_payload(sk, ret, true);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_recv, struct sock *sk, int ret, int flags)
{
	/* MSG_PEEK leaves the data queued: it is counted when really read. */
	if (!(flags & MSG_PEEK))
		count_payload(sk, ret, false);
	return 0;
}

/* fentry tier: fexit on the protocols' send and receive functions. */
SEC("fexit/tcp_sendmsg")
int BPF_PROG(fexit_tcp_sendmsg, struct sock *sk, struct msghdr *msg, size_t size, int ret)
{
	count_payload_any(sk, ret, true);
	return 0;
}

SEC("fexit/udp_sendmsg")
int BPF_PROG(fexit_udp_sendmsg, struct sock *sk, struct msghdr *msg, size_t len, int ret)
{
	count_payload_any(sk, ret, true);
	return 0;
}

SEC("fexit/udpv6_sendmsg")
int BPF_PROG(fexit_udpv6_sendmsg, struct sock *sk, struct msghdr *msg, size_t len, int ret)
{
	count_payload_any(sk, ret, true);
	return 0;
}

/*
 * tcp_recvmsg and udp{,v6}_recvmsg lost their noblock argument in 5.19 and
 * their addr_len argument in 7.x (Debian's 7.3: sk, msg, len, flags): one
 * program for each signature, and userspace loads the one matching the
 * running kernel's BTF. The return value is what the read copied; hooking
 * tcp_cleanup_rbuf() instead counts twice on kernels that call it mid-read.
 */
#define RECV_FEXIT(name, func)						\
SEC("fexit/" #func)								\
int BPF_PROG(name##4, struct sock *sk, struct msghdr *msg, size_t len,		\
	     int flags, int ret)						\
{										\
	if (!(flags & MSG_PEEK))						\
		count_payload_any(sk, ret, false);					\
	return 0;								\
}										\
SEC("fexit/" #func)								\
int BPF_PROG(name##5, struct sock *sk, struct msghdr *msg, size_t len,		\
	     int flags, int *addr_len, int ret)					\
{										\
	if (!(flags & MSG_PEEK))						\
		count_payload_any(sk, ret, false);					\
	return 0;								\
}										\
SEC("fexit/" #func)								\
int BPF_PROG(name##6, struct sock *sk, struct msghdr *msg, size_t len,		\
	     int noblock, int flags, int *addr_len, int ret)			\
{										\
	if (!(flags & MSG_PEEK))						\
		count_payload_any(sk, ret, false);					\
	return 0;								\
}

RECV_FEXIT(fexit_tcp_recvmsg, tcp_recvmsg)
RECV_FEXIT(fexit_udp_recvmsg, udp_recvmsg)
RECV_FEXIT(fexit_udpv6_recvmsg, udpv6_recvmsg)

/* kprobe tier: the same functions; entry keeps the socket until the return. */
static __always_inline void save_call(struct sock *sk, __u64 flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct call_args args = { .sk = sk, .flags = flags };

	if (!claim_socket_hash(sk))
		return;
	bpf_map_update_elem(&inflight, &id, &args, BPF_ANY);
}

static __always_inline void finish_call(long ret, bool tx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct call_args *args = bpf_map_lookup_elem(&inflight, &id);

	if (!args)
		return;
	if (!(args->flags & MSG_PEEK))
		count_payload_hash(args->sk, ret, tx);
	bpf_map_delete_elem(&inflight, &id);
}

#define SEND_KPROBE(func)							\
SEC("kprobe/" #func)								\
int BPF_KPROBE(kp_##func, struct sock *sk)					\
{										\
	save_call(sk, 0);							\
	return 0;								\
}										\
SEC("kretprobe/" #func)								\
int BPF_KRETPROBE(krp_##func, int ret)						\
{										\
	finish_call(ret, true);							\
	return 0;								\
}

SEND_KPROBE(tcp_sendmsg)
SEND_KPROBE(udp_sendmsg)
SEND_KPROBE(udpv6_sendmsg)

/*
 * Receives take no kretprobe: a kretprobe instance is held while the reader
 * sleeps, and when the kernel's few run out the return is missed (seen on
 * 5.10: several reads of a megabyte reply lost). TCP: the entry notes the call,
 * tcp_cleanup_rbuf() reports what it copied so far (5.10 calls it mid-read
 * too, so only the increase counts). UDP: skb_consume_udp() gets the length
 * the read returns (negative when peeking).
 */
static __always_inline void tcp_read_begin(struct sock *sk, __u64 flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tcp_read r = { .sk = sk, .flags = flags };

	if (claim_socket_hash(sk))
		bpf_map_update_elem(&tcp_reads, &id, &r, BPF_ANY);
}

/* 4 or 5 parameters (7.x dropped addr_len after flags): flags is the fourth either way. */
SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(kp_tcp_recvmsg5, struct sock *sk, void *msg, size_t len, int flags)
{
	tcp_read_begin(sk, flags);
	return 0;
}

SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(kp_tcp_recvmsg6, struct sock *sk, void *msg, size_t len, int noblock, int flags)
{
	tcp_read_begin(sk, flags);
	return 0;
}

SEC("kprobe/tcp_cleanup_rbuf")
int BPF_KPROBE(kp_tcp_cleanup_rbuf, struct sock *sk, int copied)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tcp_read *r = bpf_map_lookup_elem(&tcp_reads, &id);
	long add = copied;

	if (copied <= 0)
		return 0;
	if (r && r->sk == sk) {
		if (r->flags & MSG_PEEK)
			return 0;
		/* Within one read the count only grows; smaller means a new read. */
		if ((__u64)copied >= r->copied)
			add = copied - r->copied;
		r->copied = copied;
	} else if (!claim_socket_hash(sk)) {
		return 0;	/* a read we did not see begin (splice, tcp_read_sock) */
	}
	count_payload_hash(sk, add, false);
	return 0;
}

SEC("kprobe/skb_consume_udp")
int BPF_KPROBE(kp_skb_consume_udp, struct sock *sk, struct sk_buff *skb, int len)
{
	if (len > 0 && claim_socket_hash(sk))
		count_payload_hash(sk, len, false);
	return 0;
}

SEC("cgroup/sock_create")
int on_sock_create(struct bpf_sock *sk)
{
	struct np_owner *o;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 start = 0;

	/*
	 * Before 5.11 a cgroup program cannot reach the task: the owner gets start
	 * time 0 here, and its first send or receive writes the real one.
	 */
	if (modern_tracing)
		start = BPF_CORE_READ(bpf_get_current_task_btf(), group_leader, start_boottime);
	o = sk_storage_get_or_create(&owners, sk);
	if (o)
		fill_owner(o, pid_tgid >> 32, start);
	return 1;
}

/* The socket an open file of a task is, or NULL. */
static __always_inline struct sock *file_sock(struct bpf_iter__task_file *ctx)
{
	/* Read once: each read of ctx->file is a new maybe-NULL pointer to the verifier. */
	struct file *file = ctx->file;
	struct socket *sock;

	if (!ctx->task || !file)
		return NULL;
	sock = bpf_sock_from_file(file);
	return sock ? sock->sk : NULL;
}

/*
 * At start-up, give every existing socket the process holding it, so that
 * servers started before netoproc (their listeners, hence their accepted
 * sockets) are attributed from the first packet. Run once by userspace after
 * the hooks are attached; a socket already claimed keeps its owner.
 */
/* An IPv4/IPv6 socket a task's open file is, or NULL. */
static __always_inline struct sock *file_inet_sock(struct bpf_iter__task_file *ctx)
{
	struct sock *sk = file_sock(ctx);
	__u16 family;

	if (!sk)
		return NULL;
	family = sk->__sk_common.skc_family;
	return family == AF_INET || family == AF_INET6 ? sk : NULL;
}

/* The owner a socket held by @task gets: its process, as at a claim. */
static __always_inline void owner_of_task(struct np_owner *o, struct task_struct *task)
{
	o->tgid = task->tgid;
	o->start_ns = task->group_leader->start_boottime;
	o->uid = task->cred->uid.val;
	o->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	bpf_probe_read_kernel_str(o->comm, sizeof(o->comm), task->comm);
}

SEC("iter/task_file")
int adopt_sockets(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;	/* read once: each read may be NULL */
	struct sock *sk = file_inet_sock(ctx);
	struct np_owner *o;

	if (!sk || !task)
		return 0;
	o = sk_storage_get_or_create(&owners, sk);
	if (o && !o->tgid)
		owner_of_task(o, task);
	return 0;
}

/*
 * Adopting through the socket tables, for kernels that refuse sk storage on a
 * socket reached from a file (6.18.44: "R2 type=untrusted_ptr_"): first note
 * who holds each socket, by its address, from every task's open files (this
 * reads the socket but passes it to no helper)...
 */
SEC("iter/task_file")
int note_holders(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;	/* read once: each read may be NULL */
	struct sock *sk = file_inet_sock(ctx);
	struct np_owner o = {};
	__u64 key = (__u64)sk;

	if (!sk || !task)
		return 0;
	owner_of_task(&o, task);
	/* The first holder found keeps it, as adopt_sockets does. */
	if (bpf_map_update_elem(&holders, &key, &o, BPF_NOEXIST) == -E2BIG)
		stat_inc(NP_STAT_HOLDERS_FULL);
	return 0;
}

/* ...then give each socket of the TCP and UDP tables its holder (one netns per walk). */
static __always_inline void adopt_from_holders(struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct np_owner *h = bpf_map_lookup_elem(&holders, &key), *o;

	if (!h)
		return;
	o = sk_storage_get_or_create(&owners, sk);
	if (o && !o->tgid)
		*o = *h;
}

/* The TCP table's full socket at the iterator, or NULL (time-wait, request sockets). */
static __always_inline struct sock *tcp_iter_sock(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;

	return skc ? (struct sock *)bpf_skc_to_tcp_sock(skc) : NULL;
}

SEC("iter/tcp")
int adopt_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock *sk = tcp_iter_sock(ctx);

	if (sk)
		adopt_from_holders(sk);
	return 0;
}

SEC("iter/udp")
int adopt_udp(struct bpf_iter__udp *ctx)
{
	struct udp_sock *us = ctx->udp_sk;

	if (us)
		adopt_from_holders((struct sock *)us);
	return 0;
}

/* ---- socket records ------------------------------------------------------ */

/*
 * Every dump hands over a typed socket (BTF): its fields are plain loads the
 * verifier checks, not a probe-read helper call each (eleven of those were
 * 40% of the TCP table dump's 780 ns per socket at 10,000 sockets).
 */
static __always_inline void fill_tuple(struct np_sock_record *r, const struct sock *sk)
{
	r->family = sk->__sk_common.skc_family;
	r->protocol = sk->sk_protocol;
	r->lport = sk->__sk_common.skc_num;
	r->netns = sk->__sk_common.skc_net.net->ns.inum;
	r->rport = bpf_ntohs(sk->__sk_common.skc_dport);
	if (r->protocol == IPPROTO_TCP)
		r->state = sk->__sk_common.skc_state;
	if (r->family == AF_INET) {
		set_v4_mapped(r->laddr, sk->__sk_common.skc_rcv_saddr);
		set_v4_mapped(r->raddr, sk->__sk_common.skc_daddr);
	} else {
		__builtin_memcpy(r->laddr, sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8, 16);
		__builtin_memcpy(r->raddr, sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8, 16);
	}
}

/* Counts and owner; in the kprobe tier the owner and payload are in sk_procs. */
static __always_inline void fill_counts(struct np_sock_record *r, struct sock_acct *a,
					struct np_owner *o, __u64 cookie, __u8 event)
{
	__u64 key = a->sk_addr;	/* a may be an iterator buffer: keys must be on the stack */
	struct sk_proc *p = owner_in_hash ? bpf_map_lookup_elem(&sk_procs, &key) : NULL;

	r->cookie = cookie;
	r->event = event;
	r->c.rx_bytes = a->rx_bytes;
	r->c.tx_bytes = a->tx_bytes;
	r->c.rx_packets = a->rx_packets;
	r->c.tx_packets = a->tx_packets;
	if (p) {
		r->c.rx_payload = p->rx_payload;
		r->c.tx_payload = p->tx_payload;
		if (p->owner.tgid)
			o = &p->owner;	/* the latest process to use it */
	} else {
		r->c.rx_payload = a->rx_payload;
		r->c.tx_payload = a->tx_payload;
	}
	if (o) {
		r->owner = *o;
		r->has_owner = 1;
	}
}

/*
 * A closing socket's record from what a cgroup program can read: the remote
 * end and state from the socket, the local end from the cache (release may
 * not read it).
 */
static __always_inline bool emit_from_bpf_sock(void *ctx, struct bpf_sock *sk,
					       struct sock_acct *a, __u64 cookie)
{
	struct np_sock_record rec = {}, *r = &rec;
	long err;

	r->family = sk->family;
	r->protocol = sk->protocol;
	r->lport = a->lport;
	r->netns = a->netns;	/* 0 in the kprobe tier, which claims in a hash */
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
	fill_counts(r, a, bpf_sk_storage_get(&owners, sk, 0, 0), cookie, NP_SOCK_CLOSED);
	/* Ring buffer where the kernel has it (5.8), the per-CPU perf buffer before. */
	if (use_ringbuf)
		err = bpf_ringbuf_output(&closed, r, sizeof(*r), ringbuf_flags());
	else
		err = bpf_perf_event_output(ctx, &closed_perf, BPF_F_CURRENT_CPU, r, sizeof(*r));
	if (err) {
		stat_inc(NP_STAT_RINGBUF_LOST);
		return false;
	}
	return true;
}

/*
 * The process closed the socket: its counts so far. UDP, ICMP and raw sockets
 * move nothing after this; TCP's closing packets are reported as they pass.
 */
SEC("cgroup/sock_release")
int on_sock_release(struct bpf_sock *sk)
{
	struct sock_acct *a;
	struct sk_proc *p;
	struct np_owner *o;
	__u64 key;

	a = bpf_sk_storage_get(&accts, sk, 0, 0);
	if (!a)
		return 1;
	a->released = 1;
	if (a->owned)
		emit_from_bpf_sock(sk, sk, a, bpf_get_socket_cookie(sk));
	if (!owner_in_hash)
		return 1;
	/*
	 * kprobe tier: no process touches it again, so move its last owner and
	 * payload into sk storage, where the closing packets' records find them.
	 */
	key = a->sk_addr;
	p = key && owner_in_hash ? bpf_map_lookup_elem(&sk_procs, &key) : NULL;
	if (p) {
		a->rx_payload = p->rx_payload;
		a->tx_payload = p->tx_payload;
		o = sk_storage_get_or_create(&owners, sk);
		if (o && p->owner.tgid)
			*o = p->owner;
		bpf_map_delete_elem(&sk_procs, &key);
	}
	return 1;
}

/* One live socket's record into the dump; o: its owner where the dump can read it. */
static __always_inline void dump_one(struct seq_file *seq, struct sock *sk, struct sock_acct *a,
				     struct np_owner *o, __u64 cookie)
{
	struct np_sock_record r = {};

	fill_tuple(&r, sk);
	fill_counts(&r, a, o, cookie, NP_SOCK_LIVE);
	bpf_seq_write(seq, &r, sizeof(r));
}

/* Dump every live socket's counts; userspace turns them into per-interval deltas. */
SEC("iter/bpf_sk_storage_map")
int dump_sockets(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct sock *sk = ctx->sk;
	struct sock_acct *a = ctx->value;
	struct np_owner *o;
	__u64 cookie;

	if (!sk || !a || !a->owned)
		return 0;
	/* Before 5.11 (no sk storage helpers here) the owner comes from sk_procs. */
	o = modern_tracing ? bpf_sk_storage_get(&owners, sk, 0, 0) : NULL;
	cookie = a->cookie;
	if (!cookie && modern_tracing)
		cookie = bpf_get_socket_cookie(sk);
	if (!cookie)
		return 0;	/* no packet of its own yet: nothing counted to show */
	dump_one(ctx->meta->seq, sk, a, o, cookie);
	return 0;
}

/*
 * The same dump through every task's open files, for kernels that refuse to
 * load map-element iterators (seen: a 6.18 build failing iter/bpf_sk_storage_map
 * and iter/bpf_map_elem with EPERM while iter/task_file loads). A socket no
 * descriptor holds is left out: its release was reported already and its
 * later packets go through the ring buffer. A socket held by several
 * descriptors comes once for each; the counts are cumulative, so the model
 * counts it once. Needs bpf_sock_from_file() and sk storage here (5.11).
 */
SEC("iter/task_file")
int dump_sockets_by_file(struct bpf_iter__task_file *ctx)
{
	struct sock *sk = file_sock(ctx);
	struct sock_acct *a;
	__u64 cookie;

	if (!sk)
		return 0;
	a = bpf_sk_storage_get(&accts, sk, 0, 0);
	if (!a || !a->owned)
		return 0;
	cookie = a->cookie ?: bpf_get_socket_cookie(sk);
	dump_one(ctx->meta->seq, sk, a, bpf_sk_storage_get(&owners, sk, 0, 0), cookie);
	return 0;
}

/*
 * The same dump through the TCP and UDP tables, where the kernel refuses both
 * ways above. A walk sees one network namespace (the one userspace is in when
 * it starts the walk), and no ping or raw sockets: those are reported when
 * they close. Time-wait and request sockets are no full sockets: left out.
 */
static __always_inline void dump_table_sock(struct seq_file *seq, struct sock *sk)
{
	struct sock_acct *a = bpf_sk_storage_get(&accts, sk, 0, 0);

	if (!a || !a->owned)
		return;
	dump_one(seq, sk, a, bpf_sk_storage_get(&owners, sk, 0, 0),
		 a->cookie ?: bpf_get_socket_cookie(sk));
}

SEC("iter/tcp")
int dump_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock *sk = tcp_iter_sock(ctx);

	if (sk)
		dump_table_sock(ctx->meta->seq, sk);
	return 0;
}

SEC("iter/udp")
int dump_udp(struct bpf_iter__udp *ctx)
{
	struct udp_sock *us = ctx->udp_sk;

	if (us)
		dump_table_sock(ctx->meta->seq, (struct sock *)us);
	return 0;
}
