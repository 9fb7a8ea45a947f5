/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `netoproc latency --connections`: TCP connections, each followed from its
 * state changes (sock:inet_sock_set_state), retransmissions
 * (tcp:tcp_retransmit_skb) and received segments (tcp:tcp_probe), with the
 * socket's RTT, window and counters read there (CO-RE). Included once, by
 * latency.bpf.c (it uses its filters, stats and scratch).
 */
#ifndef NETOPROC_LATENCY_CONN_BPF_H
#define NETOPROC_LATENCY_CONN_BPF_H

#define NP_TCP_ESTABLISHED	1
#define NP_TCP_SYN_SENT		2
#define NP_TCP_CLOSE		7
#define NP_AF_INET		2
#define NP_AF_INET6		10

/* Set by userspace: tcp_retransmit_skb carries its error (6.13+?): count only successes. */
const volatile bool conn_retrans_err = false;
/* --connections is on (else the table has one entry, and nothing looks it up). */
const volatile bool conn_mode = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);	/* userspace sets --max-inflight's companion */
	__type(key, __u64);
	__type(value, struct np_lat_conn);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct np_lat_conn);
} conn_scratch SEC(".maps");

/*
 * Closed connections, handed to userspace at once: the socket's address (the
 * table's key) is soon another connection's.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} closed_conns SEC(".maps");

/*
 * The filters on a connection: --netns on the socket's namespace, --pid on
 * the connecting process, the pcap expression on an IP and TCP header made
 * from its addresses and ports (as trace does for route lookups).
 */
static __always_inline bool conn_match(struct np_lat_conn *c)
{
	struct lat_scratch *sc;
	struct np_skb_meta *m;
	__u32 hl = c->family == 6 ? 40 : 20;

	if ((np_cfg.flags & NP_F_NETNS) && c->netns != np_cfg.netns)
		return false;
	if (lat_pid && c->pid != lat_pid)
		return false;
	if (!(np_cfg.flags & NP_F_PCAP))
		return true;
	sc = get_scratch();
	if (!sc)
		return false;
	m = &sc->m;
	__builtin_memset(m, 0, sizeof(*m));
	__builtin_memset(sc->buf.pkt, 0, 64);
	if (c->family == 6) {
		sc->buf.pkt[0] = 0x60;
		sc->buf.pkt[5] = 20;
		sc->buf.pkt[6] = NP_IPPROTO_TCP;
		sc->buf.pkt[7] = 64;
		__builtin_memcpy(sc->buf.pkt + 8, c->saddr, 16);
		__builtin_memcpy(sc->buf.pkt + 24, c->daddr, 16);
		m->pkt.ethertype = NP_ETH_P_IPV6;
	} else {
		sc->buf.pkt[0] = 0x45;
		sc->buf.pkt[3] = 40;
		sc->buf.pkt[8] = 64;
		sc->buf.pkt[9] = NP_IPPROTO_TCP;
		__builtin_memcpy(sc->buf.pkt + 12, c->saddr, 4);
		__builtin_memcpy(sc->buf.pkt + 16, c->daddr, 4);
		m->pkt.ethertype = NP_ETH_P_IP;
	}
	sc->buf.pkt[hl] = c->sport >> 8;
	sc->buf.pkt[hl + 1] = c->sport & 0xff;
	sc->buf.pkt[hl + 2] = c->dport >> 8;
	sc->buf.pkt[hl + 3] = c->dport & 0xff;
	sc->buf.pkt[hl + 12] = 0x50;	/* data offset: 20 bytes */
	return np_match_packet(m, &sc->buf, hl + 20, hl + 20, true);
}

/*
 * Addresses and ports. connect() moves to SYN_SENT before it picks the local
 * port (and, unbound, the local address): those are read again later.
 */
static __always_inline void conn_addrs(struct np_lat_conn *c, const struct sock *sk)
{
	/* inet_sport, not skc_num: moving to CLOSE releases the port (skc_num 0) first. */
	c->sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	c->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (c->family == 4) {
		bpf_probe_read_kernel(c->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_probe_read_kernel(c->daddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_probe_read_kernel(c->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_probe_read_kernel(c->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* A new connection's entry from its socket; NULL when filtered out or the table is full. */
static __always_inline struct np_lat_conn *conn_new(const struct sock *sk, bool active,
						    __u64 now)
{
	struct np_lat_conn *c;
	__u32 zero = 0;
	__u64 key = (__u64)sk;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	struct net *net;

	c = bpf_map_lookup_elem(&conn_scratch, &zero);
	if (!c || (family != NP_AF_INET && family != NP_AF_INET6))
		return NULL;
	__builtin_memset(c, 0, sizeof(*c));
	c->sk = key;
	c->open_ns = now;
	c->active = active;
	c->family = family == NP_AF_INET ? 4 : 6;
	conn_addrs(c, sk);
	net = BPF_CORE_READ(sk, __sk_common.skc_net.net);
	if (net)
		c->netns = BPF_CORE_READ(net, ns.inum);
	if (np_in_task()) {
		c->pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(c->comm, sizeof(c->comm));
	}
	if (!conn_match(c))
		return NULL;
	if (bpf_map_update_elem(&conns, &key, c, BPF_ANY)) {
		stat_inc(NP_LAT_STAT_CONN_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&conns, &key);
}

/* The socket's RTT, window, bytes in flight and counters, as they are now. */
static __always_inline void conn_snapshot(struct np_lat_conn *c, const struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u8 rtx = BPF_CORE_READ(tp, inet_conn.icsk_retransmits);
	__u32 wnd = BPF_CORE_READ(tp, snd_wnd);

	if (!c->sport)
		conn_addrs(c, sk);

	__u32 srtt = BPF_CORE_READ(tp, srtt_us);

	/* The last RTT known: a socket reset for reuse (tcp_disconnect) has none. */
	if (srtt) {
		c->srtt_us = srtt >> 3;
		c->rttvar_us = BPF_CORE_READ(tp, mdev_us) >> 2;
	}
	c->in_flight = BPF_CORE_READ(tp, snd_nxt) - BPF_CORE_READ(tp, snd_una);
	if (bpf_core_field_exists(tp->rcv_ooopack))
		c->out_of_order = BPF_CORE_READ(tp, rcv_ooopack);
	/* Each timeout raises icsk_retransmits; progress resets it to 0. */
	if (rtx != c->icsk_retransmits && rtx)
		c->rtos += rtx > c->icsk_retransmits ? rtx - c->icsk_retransmits : rtx;
	c->icsk_retransmits = rtx;
	if (c->state == NP_TCP_ESTABLISHED && !wnd && !c->snd_wnd_zero)
		c->zero_window++;
	c->snd_wnd_zero = !wnd;
}

static __always_inline int on_set_state(const struct sock *sk, int old, int new)
{
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns();
	struct np_lat_conn *c;

	if (BPF_CORE_READ(sk, sk_protocol) != NP_IPPROTO_TCP)
		return 0;
	c = bpf_map_lookup_elem(&conns, &key);
	if (new == NP_TCP_SYN_SENT) {
		c = conn_new(sk, true, now);	/* a socket reused for a new connect() too */
	} else if (!c) {
		if (new != NP_TCP_ESTABLISHED)
			return 0;
		c = conn_new(sk, false, now);	/* accepted */
	}
	if (!c)
		return 0;
	if (new == NP_TCP_ESTABLISHED && old == NP_TCP_SYN_SENT)
		c->connect_ns = now - c->open_ns;
	/* A connect that ended before ESTABLISHED failed: why, from the socket's error. */
	if (new == NP_TCP_CLOSE && old == NP_TCP_SYN_SENT)
		c->fail_err = BPF_CORE_READ(sk, sk_err) ?: -1;
	c->state = new;
	conn_snapshot(c, sk);
	if (new == NP_TCP_CLOSE) {
		c->close_ns = now;
		/* Out of the table: kept there, a new socket at this address would replace it. */
		if (bpf_ringbuf_output(&closed_conns, c, sizeof(*c), 0))
			stat_inc(NP_LAT_STAT_CONN_FULL);
		else
			bpf_map_delete_elem(&conns, &key);
	}
	return 0;
}

/* GSO segments of a retransmitted skb: skb_shinfo(skb)->gso_segs, at least 1. */
static __always_inline __u32 skb_segs(const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u32 end = BPF_CORE_READ(skb, end);
	struct skb_shared_info *si = (struct skb_shared_info *)(head + end);
	__u16 segs = BPF_CORE_READ(si, gso_segs);

	return segs ?: 1;
}

static __always_inline int on_retransmit(const struct sock *sk, const struct sk_buff *skb,
					 int err)
{
	__u64 key = (__u64)sk;
	struct np_lat_conn *c = bpf_map_lookup_elem(&conns, &key);

	if (!c || err)
		return 0;
	c->retransmits += skb ? skb_segs(skb) : 1;
	conn_snapshot(c, sk);
	return 0;
}

static __always_inline int on_tcp_probe(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct np_lat_conn *c = bpf_map_lookup_elem(&conns, &key);

	if (c)
		conn_snapshot(c, sk);
	return 0;
}

/* A send or read in process context names an accepted connection's process. */
static __always_inline int on_sock_io(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct np_lat_conn *c = bpf_map_lookup_elem(&conns, &key);

	if (c && !c->pid && np_in_task()) {
		c->pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(c->comm, sizeof(c->comm));
	}
	return 0;
}

LAT_PROBE(inet_sock_set_state, on_set_state((const struct sock *)ctx[0], (int)ctx[1],
					    (int)ctx[2]))
LAT_PROBE(tcp_retransmit_skb, on_retransmit((const struct sock *)ctx[0],
					    (const struct sk_buff *)ctx[1],
					    conn_retrans_err ? (int)ctx[2] : 0))
LAT_PROBE(tcp_probe, on_tcp_probe((const struct sock *)ctx[0]))
LAT_PROBE(sock_send_length, on_sock_io((const struct sock *)ctx[0]))
/* Both modes: UDP reads end their datagrams' receive stages; connections learn a process. */
static __always_inline int on_recv_both(struct sock *sk, int ret, int flags, bool direct)
{
	on_recv_length(sk, ret, flags, direct);
	return conn_mode ? on_sock_io(sk) : 0;
}

LAT_PROBE(sock_recv_length, on_recv_both((struct sock *)ctx[0], (int)ctx[1], (int)ctx[2],
					 direct))

#endif
