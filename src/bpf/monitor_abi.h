/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ABI shared by src/bpf/monitor.bpf.c and userspace. Fixed-width types and
 * explicit padding only: the BPF side sees these through vmlinux.h types, the
 * userspace side through <linux/types.h>.
 */
#ifndef NETOPROC_MONITOR_ABI_H
#define NETOPROC_MONITOR_ABI_H

#include "common_abi.h"

/* How the process-context hooks are attached; attach_name() names each. */
enum np_attach {
	NP_ATTACH_AUTO = 0,
	NP_ATTACH_TRACEPOINT,	/* sock_send_length / sock_recv_length (>= 6.3) */
	NP_ATTACH_FENTRY,	/* fentry/fexit on tcp/udp send and receive */
	NP_ATTACH_KPROBE,	/* kprobe/kretprobe on the same functions */
	NP_ATTACH_MAX,
};

/* Who owns a socket: stamped from process context, inherited by accept(). */
struct np_owner {
	__u64 start_ns;		/* group leader's start_boottime: (tgid, start_ns) is unique */
	__u64 cgroup_id;
	__u32 tgid;
	__u32 uid;
	char comm[NP_COMM_LEN];
};

/* A process's command line, captured in the kernel so short-lived processes keep it. */
#define NP_CMDLINE_LEN 256
#define NP_CMDLINES_MAX 16384	/* processes whose command line is kept (kernel, userspace) */

struct np_proc_key {
	__u64 start_ns;
	__u32 tgid;
	__u32 pad;
};

struct np_cmdline {
	__u32 len;		/* bytes of args used; NUL-separated as in /proc/PID/cmdline */
	__u32 pad;
	char args[NP_CMDLINE_LEN];
};

/* A command line on its way to userspace (the cmdline ring), for its process. */
struct np_cmdline_record {
	struct np_proc_key key;
	struct np_cmdline c;
};

/* Per-socket counters, in sk storage; all cumulative since the socket was first seen. */
struct np_counters {
	__u64 rx_bytes;		/* IP layer: headers and retransmissions included */
	__u64 tx_bytes;
	__u64 rx_packets;	/* a GSO/GRO packet counts as its segments */
	__u64 tx_packets;
	__u64 rx_payload;	/* what recv*() returned to the process */
	__u64 tx_payload;	/* what send*() accepted from the process */
};

/* Why a socket record was emitted. */
enum np_sock_event {
	NP_SOCK_LIVE = 0,	/* periodic dump of a live socket */
	NP_SOCK_CLOSED = 1,	/* TCP reached CLOSE, or the socket was released */
};

/* One socket as userspace sees it, from the dump iterator or the close ring buffer. */
struct np_sock_record {
	__u64 cookie;		/* socket cookie: never reused within a boot */
	struct np_counters c;
	struct np_owner owner;	/* owner.tgid == 0: nobody has claimed the socket */
	__u8 laddr[16];		/* IPv4 as IPv4-mapped IPv6 */
	__u8 raddr[16];
	__u16 lport;		/* host byte order */
	__u16 rport;
	__u16 family;		/* AF_INET / AF_INET6 */
	__u8 protocol;		/* IPPROTO_* */
	__u8 state;		/* TCP state number; 0 for non-TCP */
	__u8 event;		/* enum np_sock_event */
	__u8 has_owner;
	__u8 pad[2];
	__u32 netns;		/* the socket's network namespace (inode); 0 unknown */
};

/* Traffic that no process socket owns, keyed by remote address. */
struct np_unknown_key {
	__u8 raddr[16];		/* IPv4 as IPv4-mapped IPv6; all zero: overflow bucket */
	__u8 protocol;
	__u8 pad[7];
};

struct np_unknown_val {
	__u64 rx_bytes;
	__u64 tx_bytes;
	__u64 rx_packets;
	__u64 tx_packets;
};

/* Unconnected UDP: traffic of one socket with one peer (a breakdown of its counts). */
struct np_peer_key {
	__u64 cookie;
	__u8 raddr[16];		/* IPv4 as IPv4-mapped IPv6 */
	__u16 rport;		/* host byte order */
	__u8 pad[6];
};

struct np_peer_val {
	__u64 rx_bytes, tx_bytes;
	__u64 rx_packets, tx_packets;
};

/* Global counters (rows by CPU, summed by userspace). Keep in sync with np_stat_names[]. */
enum np_stat {
	NP_STAT_RINGBUF_LOST = 0,	/* close records that did not fit the ring buffer */
	NP_STAT_STORAGE_FAIL,		/* sk storage could not be allocated: packets uncounted */
	NP_STAT_UNKNOWN_OVERFLOW,	/* unknown remotes folded into the overflow bucket */
	NP_STAT_UNKNOWN_NOSOCK,		/* packets with no full socket (time-wait, request socks) */
	NP_STAT_SKPROC_FULL,		/* kprobe tier: owner table full, payload uncounted */
	NP_STAT_PEERS_FULL,		/* UDP peer breakdown full: counted in the socket only */
	NP_STAT_HOLDERS_FULL,		/* adopting through the socket tables: holder table full */
	NP_STAT_SKPROC_RESET,		/* kprobe tier: an owner entry restarted for a new socket */
	NP_STAT_PAYLOAD_LOST,		/* DNS messages or ClientHellos that did not fit their ring */
	NP_STAT_CMDLINE_LOST,		/* command lines that did not fit their ring: a name, not bytes */
	/*
	 * Filled by userspace, not BPF: runs of the monitor's programs the kernel
	 * skipped (a kprobe or tracepoint program finding another one active on
	 * its CPU, a kretprobe out of instances). Each may be uncounted bytes.
	 */
	NP_STAT_RUNS_SKIPPED,
	NP_STAT_MAX,
};

/* The counters' rows (monitor_maps.bpf.h): a power of two each, a row two cache lines. */
#define NP_STAT_ROWS		64
#define NP_STAT_ROW_LEN		16
struct np_stat_row {
	__u64 v[NP_STAT_ROW_LEN];
};

/*
 * Packets whose contents userspace reads (DNS messages, the ClientHello a TLS
 * client sends first), with the owner of the socket they belong to.
 */
#define NP_PAYLOAD_SNAP		2048	/* bytes from the IP header on */
#define NP_DNS_PORTS_MAX	8

enum np_payload_kind {
	NP_PAYLOAD_DNS = 1,		/* UDP or TCP to or from a DNS port */
	NP_PAYLOAD_TLS_HELLO = 2,	/* a TCP socket's first outgoing data: a ClientHello */
};

struct np_payload_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	__u64 cookie;		/* the socket's */
	struct np_owner owner;
	__u32 ifindex;
	__u32 len;		/* the packet from its IP header on */
	__u16 caplen;		/* bytes of it in data[] */
	__u8 egress;
	__u8 kind;		/* enum np_payload_kind */
	__u8 has_owner;
	__u8 pad[3];
	__u8 data[NP_PAYLOAD_SNAP];
};

#endif
