// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor of an exact dump through the TCP table (bench/sockets.sh): the
 * walk of bench/walk.bpf.c, and for each socket what any per-socket counter
 * must do to report it: find its counters in sk storage (made at the first
 * walk, which is not timed) and write a record of the monitor's size with
 * the socket's ends and those counts. No owner, no second lookup.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "../src/bpf/monitor_abi.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct np_counters);
} walk_counts SEC(".maps");

SEC("iter/tcp")
int walk_count_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct np_sock_record r = {};
	struct np_counters *c;
	struct sock *sk;

	sk = skc ? (struct sock *)bpf_skc_to_tcp_sock(skc) : NULL;
	if (!sk)
		return 0;
	c = bpf_sk_storage_get(&walk_counts, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!c)
		return 0;
	r.c = *c;
	r.family = sk->__sk_common.skc_family;
	r.lport = sk->__sk_common.skc_num;
	r.rport = sk->__sk_common.skc_dport;
	__builtin_memcpy(r.laddr, sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8, 16);
	__builtin_memcpy(r.raddr, sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8, 16);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
