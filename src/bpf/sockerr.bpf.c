// SPDX-License-Identifier: GPL-2.0-only
/*
 * Errors reported to inet sockets, for `netoproc diagnose`: the socket's
 * tuple, error and inode (its process is found from the inode in /proc: the
 * report runs in softirq, where the current task is not the socket's owner).
 * Only --netns of the shared filters applies. The program only observes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "pkt_abi.h"
#include "sockerr_abi.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10

const volatile struct np_filter_cfg np_cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} sockerr_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_SOCKERR_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sockerr_stats SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&sockerr_stats, &idx);

	if (v)
		(*v)++;
}

SEC("tp_btf/inet_sk_error_report")
int BPF_PROG(np_sockerr, const struct sock *sk)
{
	struct np_sockerr_event *e;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u32 netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);

	if (family != AF_INET && family != AF_INET6)
		return 0;
	if ((np_cfg.flags & NP_F_NETNS) && netns != np_cfg.netns)
		return 0;
	stat_inc(NP_SOCKERR_STAT_SEEN);
	e = bpf_ringbuf_reserve(&sockerr_events, sizeof(*e), 0);
	if (!e) {
		stat_inc(NP_SOCKERR_STAT_LOST);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->netns = netns;
	e->err = BPF_CORE_READ(sk, sk_err);
	e->family = family;
	e->protocol = BPF_CORE_READ(sk, sk_protocol);
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		__u32 s = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 d = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		e->saddr[10] = e->saddr[11] = e->daddr[10] = e->daddr[11] = 0xff;
		__builtin_memcpy(e->saddr + 12, &s, 4);
		__builtin_memcpy(e->daddr + 12, &d, 4);
	} else {
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	e->inode = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
