// SPDX-License-Identifier: GPL-2.0-only
/*
 * Empty programs on netoproc's hooks, per attach tier: the baseline for its
 * per-invocation cost. bench/empty_loader.c loads the set of one tier.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("cgroup_skb/ingress")
int empty_ingress(struct __sk_buff *skb) { return 1; }

SEC("cgroup_skb/egress")
int empty_egress(struct __sk_buff *skb) { return 1; }

/* Socket creation and release, every tier. */
SEC("cgroup/sock_create")
int empty_create(struct bpf_sock *sk) { return 1; }

SEC("cgroup/sock_release")
int empty_release(struct bpf_sock *sk) { return 1; }

/* tracepoint tier */
SEC("tp_btf/sock_send_length")
int BPF_PROG(empty_send) { return 0; }

SEC("tp_btf/sock_recv_length")
int BPF_PROG(empty_recv) { return 0; }

/* fentry tier */
SEC("fexit/tcp_sendmsg")
int BPF_PROG(empty_fexit_tcp_sendmsg) { return 0; }

SEC("fexit/tcp_recvmsg")
int BPF_PROG(empty_fexit_tcp_recvmsg) { return 0; }

SEC("fexit/udp_sendmsg")
int BPF_PROG(empty_fexit_udp_sendmsg) { return 0; }

SEC("fexit/udp_recvmsg")
int BPF_PROG(empty_fexit_udp_recvmsg) { return 0; }

/* kprobe tier */
SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(empty_kp_tcp_sendmsg) { return 0; }

SEC("kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(empty_krp_tcp_sendmsg) { return 0; }

SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(empty_kp_tcp_recvmsg) { return 0; }

SEC("kprobe/tcp_cleanup_rbuf")
int BPF_KPROBE(empty_kp_tcp_cleanup_rbuf) { return 0; }

SEC("kprobe/udp_sendmsg")
int BPF_KPROBE(empty_kp_udp_sendmsg) { return 0; }

SEC("kretprobe/udp_sendmsg")
int BPF_KRETPROBE(empty_krp_udp_sendmsg) { return 0; }

SEC("kprobe/skb_consume_udp")
int BPF_KPROBE(empty_kp_skb_consume_udp) { return 0; }

/*
 * The floor: the least an exact per-socket counter does on these hooks, for
 * the monitor's figures to be read against (loaded with "floor" as the
 * loader's third argument, never beside netoproc: whichever program first
 * gives a socket sk storage pays for the storage itself). A packet finds its
 * socket's counters in sk storage (created at need) and adds bytes and
 * packets atomically; a socket's creation makes an owner-sized element.
 */
/* Received, sent and payload counts, in one cache line. */
struct floor_counts {
	__u64 rx_bytes, rx_packets, tx_bytes, tx_packets, payload;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct floor_counts);
} floor_counts SEC(".maps");

struct floor_owner {
	__u64 pid_tgid, start_ns, cgroup_id;
	__u32 uid, pad;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct floor_owner);
} floor_owners SEC(".maps");

static __always_inline int floor_count(struct __sk_buff *skb, bool egress)
{
	struct bpf_sock *sk = skb->sk;
	struct floor_counts *c;

	if (!sk || !(sk = bpf_sk_fullsock(sk)))
		return 1;
	c = bpf_sk_storage_get(&floor_counts, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (c && egress) {
		__sync_fetch_and_add(&c->tx_bytes, skb->len);
		__sync_fetch_and_add(&c->tx_packets, 1);
	} else if (c) {
		__sync_fetch_and_add(&c->rx_bytes, skb->len);
		__sync_fetch_and_add(&c->rx_packets, 1);
	}
	return 1;
}

SEC("cgroup_skb/ingress")
int floor_ingress(struct __sk_buff *skb) { return floor_count(skb, false); }

SEC("cgroup_skb/egress")
int floor_egress(struct __sk_buff *skb) { return floor_count(skb, true); }

SEC("cgroup/sock_create")
int floor_create(struct bpf_sock *sk)
{
	struct floor_owner *o = bpf_sk_storage_get(&floor_owners, sk, 0,
						   BPF_SK_STORAGE_GET_F_CREATE);

	if (o)
		o->pid_tgid = bpf_get_current_pid_tgid();
	return 1;
}

static __always_inline void floor_payload(struct sock *sk, int ret)
{
	struct floor_counts *c;

	if (ret <= 0)
		return;
	c = bpf_sk_storage_get(&floor_counts, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (c)
		__sync_fetch_and_add(&c->payload, ret);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_send, struct sock *sk, int ret, int flags)
{
	floor_payload(sk, ret);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(floor_recv, struct sock *sk, int ret, int flags)
{
	floor_payload(sk, ret);
	return 0;
}
