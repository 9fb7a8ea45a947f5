/* SPDX-License-Identifier: GPL-2.0-only */
/* The monitor's maps, tunables and small helpers, shared by its programs. */
#ifndef NETOPROC_MONITOR_MAPS_BPF_H
#define NETOPROC_MONITOR_MAPS_BPF_H

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
#define PAYLOAD_RINGBUF_SIZE	(1 << 21)
#define CMDLINE_RINGBUF_SIZE	(1 << 18)	/* 900 command lines; drained every 100 ms */

/* Set by userspace before load. */
const volatile bool watch_all = true;	/* false: only tasks under watched_cgroup[0] */
const volatile __u32 only_ifindex = 0;	/* --interface: count packets through this device only */
/*
 * kprobe tier: kprobes cannot use sk storage, so owner and payload live in
 * the sk_procs hash keyed by socket address instead.
 */
const volatile bool owner_in_hash = false;
/*
 * 5.11 let tracing programs use sk storage, bpf_get_current_task_btf() and
 * socket cookies; before it (5.10) every tier keeps owners in sk_procs.
 */
const volatile bool modern_tracing = true;
/* Kernels before 5.8 have no ring buffer: records go through closed_perf. */
const volatile bool use_ringbuf = true;
/*
 * Optional parts, each given up on its own when a kernel's verifier refuses
 * the code behind it (a false constant removes that code before verification).
 */
const volatile bool capture_cmdlines = true;	/* note_cmdline() at a process's first claim */
const volatile bool count_peers = true;		/* per-peer breakdown of unconnected UDP */
/* DNS messages and TLS ClientHellos to userspace (off with --no-dns: no cost at all). */
const volatile bool capture_payloads = false;
const volatile __u16 dns_ports[NP_DNS_PORTS_MAX] = { 53 };

/*
 * Kept in sk storage next to the owner; userspace never sees this layout.
 * Each part is written from a different place: received packets are counted
 * in the softirq of whoever sent them (on loopback, the peer's CPU), sent
 * packets on the socket's own CPU, payload in the process. Each gets a cache
 * line of its own so they do not bounce; sk storage puts the value 8 bytes
 * into a cache-aligned element, hence the 56-byte read-mostly head. The sent
 * payload shares the sent packets' line: a send's own packets have just
 * written it on the same CPU, where a line of its own was often cold after
 * the copy of a large send (loopback iperf3, five pairs: on_send 160 ns a run
 * with, 175 without). The received payload keeps its own line, which the
 * received packets' softirq, elsewhere, would take from it.
 */
struct sock_acct {
	/* read on every packet, written rarely */
	__u8 laddr[16];		/* local end, cached: cgroup/sock_release cannot read it */
	__u64 sk_addr;		/* the socket's address: key of sk_procs in the kprobe tier */
	__u64 cookie;
	__u64 owner_start;	/* cache of the owner, so a send by the same process */
	__u32 owner_tgid;	/* needs no second storage lookup */
	__u16 lport;
	__u8 local_set;
	__u8 owned;		/* an owner was found, so packets go to this socket */
	__u8 released;		/* closed by its process: each later packet is reported */
	__u8 hello_checked;	/* its first outgoing data was looked at for a ClientHello */
	__u8 not_dns;		/* connected, neither port a DNS port: no packet of it is DNS */
	__u8 pad0[1];
	__u32 netns;		/* network namespace inode, cached for the close record */
	/* received packets */
	__u64 rx_bytes, rx_packets;
	__u64 pad1[6];
	/* sent packets, and what the process sent */
	__u64 tx_bytes, tx_packets, tx_payload;
	__u64 pad2[5];
	/* what the process received */
	__u64 rx_payload;
};

/* kprobe tier: what sk storage holds in the other tiers, keyed by socket address. */
struct sk_proc {
	struct np_owner owner;
	__u64 rx_payload, tx_payload;
	__u64 ino;	/* the socket file's inode: a new socket at a freed one's address differs */
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
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sk_proc);
} sk_procs SEC(".maps");

/* kprobe tier: the socket and flags of a call, from entry to return. */
struct call_args {
	struct sock *sk;
	__u64 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);	/* pid_tgid */
	__type(value, struct call_args);
} inflight SEC(".maps");

/* kprobe tier: the TCP read a thread is in, and what it has reported of it. */
struct tcp_read {
	struct sock *sk;
	__u64 flags;
	__u64 copied;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);	/* a thread that exits leaves one behind */
	__uint(max_entries, 16384);
	__type(key, __u64);	/* pid_tgid */
	__type(value, struct tcp_read);
} tcp_reads SEC(".maps");

/* Unconnected UDP sockets, per peer: who a DNS resolver or QUIC server talks to. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct np_peer_key);
	__type(value, struct np_peer_val);
} udp_peers SEC(".maps");

/*
 * Command lines of processes seen, read once per process at its first claim.
 * A cache: userspace reads /proc first and falls back to this for processes
 * already gone, so LRU eviction costs a name, never a byte.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NP_CMDLINES_MAX);
	__type(key, struct np_proc_key);
	__type(value, struct np_cmdline);
} cmdlines SEC(".maps");

/*
 * Where note_cmdline() sends what it read, when there is a ring buffer: then
 * cmdline_seen only says "already sent" (memlock 1.4 MB, where the cmdlines
 * map takes 5.6 MB), and userspace looks nothing up in a map (it made one
 * lookup syscall per process gone; np_stats below says what such a syscall
 * costs the kprobe tier).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NP_CMDLINES_MAX);
	__type(key, struct np_proc_key);
	__type(value, __u8);
} cmdline_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CMDLINE_RINGBUF_SIZE);
} cmdline_ring SEC(".maps");

/*
 * Adopting existing sockets through the socket tables: who holds each socket,
 * keyed by its address, written by a walk of every task's open files and read
 * by the walks of the TCP and UDP tables (kernels whose verifier refuses sk
 * storage on a socket reached from a file).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* used once, at start: no memory kept for it */
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct np_owner);
} holders SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct np_unknown_key);
	__type(value, struct np_unknown_val);
} unknown SEC(".maps");

/*
 * Global counters in .bss, one row per CPU (CPUs past NP_STAT_ROWS share rows,
 * hence the atomic add). Userspace reads them through the map's mmap, not by
 * lookup syscalls: such a syscall marks its CPU as running BPF (bpf_prog_active)
 * for its duration, and on a preemptible kernel a task that preempts it has
 * every kprobe program skipped until the syscall's task runs again. Seen on
 * 7.3 (lazy preemption) in the kprobe tier, with the per-process command line
 * lookups this file's cmdline_ring replaced: a client's send and a server's
 * reads uncounted in 7 of 24 runs of 100 short-lived clients (3 VMs at once).
 */
struct np_stat_row np_stats[NP_STAT_ROWS];

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RINGBUF_SIZE);
} closed SEC(".maps");

/* DNS messages and ClientHellos: apart from close records, which must never wait. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PAYLOAD_RINGBUF_SIZE);
} payloads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} closed_perf SEC(".maps");

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

/*
 * @sk's element of sk storage @map, created when missing; NULL only when it
 * cannot be allocated. When two CPUs create a socket's element at once (two
 * packets of a socket nobody counted yet, on two CPUs), the kernel hands the
 * one that loses NULL: -EEXIST, or -EAGAIN when both made the socket's first
 * storage. A second call finds the winner's element, or adds its own beside
 * it. Seen: of 500 processes each sending a datagram to one socket, the
 * first two arrived together and one went to "unknown" (storage_fail=1), in
 * 1 of 25 runs on 2 CPUs. When the first call succeeds, the second is not made.
 */
#define sk_storage_get_or_create(map, sk) ({					\
	void *__e = bpf_sk_storage_get(map, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);	\
	__e ?: bpf_sk_storage_get(map, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);		\
})

static __always_inline void stat_inc(__u32 idx)
{
	__u32 row = bpf_get_smp_processor_id() & (NP_STAT_ROWS - 1);

	__sync_fetch_and_add(&np_stats[row].v[idx & (NP_STAT_ROW_LEN - 1)], 1);
}

static __always_inline void set_v4_mapped(__u8 *dst, __u32 addr_be)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &addr_be, 4);
}

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

#endif
