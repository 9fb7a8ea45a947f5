/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ABI shared by src/bpf/latency.bpf.c and src/latency/: per-stage latency
 * histograms kept in the kernel (log2 buckets, per CPU) and the in-flight
 * skb table they are timed from. Fixed-width types and explicit padding;
 * userspace guards the sizes with _Static_assert.
 */
#ifndef NETOPROC_LATENCY_ABI_H
#define NETOPROC_LATENCY_ABI_H

#include "pkt_abi.h"

/*
 * Histogram slots, in microseconds: slot 0 holds values under 1 us, slot i
 * (1 <= i < NP_LAT_SLOTS) values in [2^(i-1), 2^i) us; the last one also
 * everything above (2^38 us: more than three days).
 */
#define NP_LAT_SLOTS	40

/*
 * Stages, each timed between two points the same skb passes (keep in sync
 * with the stage table of src/latency/latency_stages.c).
 */
enum np_lat_stage {
	NP_LS_RX_STACK = 0,	/* netif_receive_skb -> queued to the socket (sk_data_ready) */
	NP_LS_RX_SOCKET_QUEUE,	/* queued -> copied to the application (skb_copy_datagram_iovec) */
	NP_LS_RX_TOTAL,		/* netif_receive_skb -> copied to the application */
	NP_LS_TX_STACK,		/* send call entered -> net_dev_queue (its first packet) */
	NP_LS_TX_QDISC,		/* qdisc_enqueue -> qdisc_dequeue */
	NP_LS_TX_DEVICE,	/* net_dev_start_xmit -> freed, or handed on (net_dev_xmit) */
	NP_LS_TX_TOTAL,		/* send call entered -> end of tx_device */
	NP_LS_VETH,		/* start_xmit on a veth -> netif_receive_skb on its peer */
	NP_LS_BRIDGE,		/* received on a bridge port -> out of another port, or up the bridge */
	NP_LS_MAX,
};

/* What a histogram's group is. */
enum np_lat_by {
	NP_LAT_BY_NONE = 0,
	NP_LAT_BY_PROCESS,	/* group: tgid (0: not in process context) */
	NP_LAT_BY_DEV,		/* group: netns inode << 32 | ifindex */
};

/* Histogram key. epoch: the half being written (userspace reads the other, see latency.c). */
struct np_lat_key {
	__u32 stage;		/* enum np_lat_stage */
	__u32 epoch;		/* 0 or 1 */
	__u64 group;
};

/* One CPU's share of a histogram. */
struct np_lat_hist {
	__u64 count;
	__u64 sum_ns;
	__u64 min_ns;		/* 0 with count 0 */
	__u64 max_ns;
	__u64 slots[NP_LAT_SLOTS];
	char name[NP_COMM_LEN];	/* the group's process name or device name */
};

/*
 * One skb in flight: the time it passed each point (0: not yet). The table
 * is an array of sets of NP_LAT_WAYS entries, the set chosen by a hash of the
 * skb's address (latency.bpf.c); skb 0 is a free entry; head tells a new skb
 * from an earlier one at the same address whose end this table did not see
 * (some frees have no tracepoint).
 */
#define NP_LAT_WAYS	2

struct np_lat_skb {
	__u64 skb;		/* its address; 0: free */
	__u64 head;		/* skb->head when the entry was made */
	__u64 last_ns;		/* last point passed: an entry idle 10 s may be taken */
	__u64 tx_send;
	__u64 qdisc_enq;
	__u64 xmit_start;
	__u64 xmit_done;
	__u64 rx_dev;
	__u64 rx_queued;
	__u64 hop_ns;		/* start of a veth or bridge crossing */
	__u64 tx_group;
	__u64 rx_group;
	__u64 sk;		/* the socket it was queued to (UDP: its ring, latency.bpf.c) */
	__u32 hop;		/* NP_LS_VETH, NP_LS_BRIDGE, or 0 */
	__u32 hop_ifindex;
	__u32 queued_udp;	/* 1: queued to a UDP socket (read seen at consume or recv) */
	__u32 idx;		/* its index in the table (and in the --threshold table) */
	char tx_name[NP_COMM_LEN];
	char rx_name[NP_COMM_LEN];
};

/*
 * --threshold only: what a slow packet's line shows, at the same index as its
 * np_lat_skb in a table of its own (without --threshold that table has one
 * entry and nothing uses it).
 */
struct np_lat_skb_more {
	__u64 stage_ns[NP_LS_MAX];	/* each stage's time, as recorded */
	__u32 stages;		/* bits of the stages in stage_ns */
	__u32 tx_pid;		/* the sender, in process context at the device queue */
	__u32 ifindex;		/* the device last entered (queued to, or received on) */
	__u32 netns;		/* its namespace */
	char tx_comm[NP_COMM_LEN];
	char ifname[NP_IFNAMSIZ];
	struct np_pkt pkt;	/* its headers, read where it entered the table */
	__u32 pad;
};

/*
 * --threshold: one skb whose end-to-end time (rx_total or tx_total) reached
 * the threshold, with the stages it passed, sent to userspace when it ends.
 */
enum np_lat_dir { NP_LAT_RX = 0, NP_LAT_TX = 1 };

struct np_lat_slow {
	__u64 ts_ns;		/* CLOCK_MONOTONIC at its end */
	__u64 total_ns;		/* rx_total or tx_total */
	__u64 stage_ns[NP_LS_MAX];
	__u32 stages;		/* bits of the stages passed (of its direction) */
	__u32 dir;		/* enum np_lat_dir */
	__u32 pid;		/* the reader (rx) or sender (tx); 0: unknown */
	__u32 ifindex;
	__u32 netns;
	__u32 pad;
	char comm[NP_COMM_LEN];
	char ifname[NP_IFNAMSIZ];
	struct np_pkt pkt;
	__u32 pad2;
};

/* The send call a thread is in: its start and socket descriptor. */
struct np_lat_send {
	__u64 ts_ns;
	__s32 fd;
	__u32 tid;		/* the thread in the call */
};

/*
 * One TCP connection (--connections), keyed by its socket's address: what
 * inet_sock_set_state, tcp_retransmit_skb and tcp_probe saw, and the socket's
 * own fields read there (CO-RE). Counters are since the connection began.
 */
struct np_lat_conn {
	__u64 sk;		/* the socket's address: with open_ns, the connection's identity */
	__u64 open_ns;		/* SYN sent (active), or established (passive) */
	__u64 connect_ns;	/* SYN_SENT -> ESTABLISHED; 0: not (yet) */
	__u64 close_ns;		/* moved to CLOSE; 0: open */
	__u64 retransmits;	/* segments retransmitted (GSO segments each) */
	__u64 rtos;		/* retransmission timeouts (icsk_retransmits rising) */
	__u64 zero_window;	/* times the peer's window closed (snd_wnd -> 0) */
	__u64 out_of_order;	/* out-of-order segments received (rcv_ooopack) */
	__u32 srtt_us;		/* smoothed RTT (srtt_us >> 3) */
	__u32 rttvar_us;	/* its variation (mdev_us >> 2), as ss shows it */
	__u32 in_flight;	/* bytes sent, not acknowledged (snd_nxt - snd_una) */
	__u32 pid;		/* who connected, or first sent or read; 0: unknown */
	__u32 netns;
	__s32 fail_err;		/* closed before established: the socket's error (errno), or
				 * -1: closed without one (by the application) */
	__u16 sport;
	__u16 dport;
	__u8 family;		/* 4 or 6 */
	__u8 state;		/* TCP_* */
	__u8 active;		/* 1: connect(), 0: accepted */
	__u8 icsk_retransmits;	/* last seen */
	__u8 snd_wnd_zero;	/* the peer's window was 0 when last seen */
	__u8 pad[3];
	__u8 saddr[16];
	__u8 daddr[16];
	char comm[NP_COMM_LEN];
};

/* Counters (per CPU array). */
enum np_lat_stat {
	NP_LAT_STAT_INFLIGHT_FULL = 0,	/* skbs not timed: their set of the in-flight table was
					 * full */
	NP_LAT_STAT_HIST_FULL,		/* samples lost: the histogram table was full */
	NP_LAT_STAT_UNSEEN_END,		/* entries replaced: their skb ended unseen */
	NP_LAT_STAT_CONN_FULL,		/* connections not followed: the table (or, closed,
					 * the ring to userspace) was full */
	NP_LAT_STAT_UDP_RING_FULL,	/* UDP datagrams not timed to their read: ring full */
	NP_LAT_STAT_SLOW_LOST,		/* --threshold: slow packets not shown, ring buffer full */
	NP_LAT_STAT_EXPIRED,		/* entries idle 10 s, taken for a new skb */
	NP_LAT_STAT_MAX,
};

#endif
