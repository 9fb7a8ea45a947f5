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
