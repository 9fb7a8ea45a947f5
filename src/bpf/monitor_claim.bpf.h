/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Claiming a socket for the current process and counting its payload: the
 * shared handler behind every tier's send/receive program.
 */
#ifndef NETOPROC_MONITOR_CLAIM_BPF_H
#define NETOPROC_MONITOR_CLAIM_BPF_H

#include "monitor_maps.bpf.h"

/*
 * With a ring buffer: @len bytes at user address @from go to userspace in a
 * record of their own. Never a wakeup: userspace drains this ring each time
 * it wakes (every 100 ms at most) and whenever it misses a command line.
 * Returns 0, or -1 when nothing was sent.
 */
static __always_inline int send_cmdline(const struct np_proc_key *key, unsigned long from,
					 __u32 len)
{
	struct np_cmdline_record *r;

	r = bpf_ringbuf_reserve(&cmdline_ring, sizeof(*r), 0);
	if (!r) {
		stat_inc(NP_STAT_CMDLINE_LOST);
		return -1;
	}
	r->key = *key;
	r->c.pad = 0;
	if (bpf_probe_read_user(r->c.args, len, (void *)from)) {
		bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);
		return -1;
	}
	r->c.len = len;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

/* Where @task's arguments are (@from, @len bytes, at most NP_CMDLINE_LEN); false: none. */
static __always_inline bool cmdline_span(struct task_struct *task, unsigned long *from,
					 unsigned long *len)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long to, n;

	if (!mm)
		return false;
	*from = BPF_CORE_READ(mm, arg_start);
	to = BPF_CORE_READ(mm, arg_end);
	n = to > *from ? to - *from : 0;
	if (n > NP_CMDLINE_LEN)
		n = NP_CMDLINE_LEN;
	n &= NP_CMDLINE_LEN * 2 - 1;	/* a bound the verifier can see */
	*len = n;
	return n && n <= NP_CMDLINE_LEN;
}

/*
 * Remember @task's command line the first time its process claims a socket:
 * sent through the cmdline ring, or (no ring buffer, before 5.8) kept in the
 * cmdlines map's own element for userspace to look up. Not a per-CPU scratch
 * buffer: it is not ours alone, since tracing programs run preemptibly
 * (migrate_disable only): seen on 7.3, a client's entry got the command line
 * of a server that ran the same code on the same CPU in between. Only threads
 * of the process write its key, all with the same arguments.
 */
static __always_inline void note_cmdline(struct task_struct *task, __u32 tgid, __u64 start)
{
	struct np_proc_key key = { .start_ns = start, .tgid = tgid };
	static const struct np_cmdline empty;
	static const __u8 sent = 1;
	unsigned long from, len;
	struct np_cmdline *c;

	if (!capture_cmdlines)
		return;
	if (use_ringbuf) {
		if (bpf_map_lookup_elem(&cmdline_seen, &key) || !cmdline_span(task, &from, &len) ||
		    bpf_map_update_elem(&cmdline_seen, &key, &sent, BPF_NOEXIST))
			return;
		if (send_cmdline(&key, from, len))
			bpf_map_delete_elem(&cmdline_seen, &key);	/* a later claim tries again */
		return;
	}
	if (bpf_map_lookup_elem(&cmdlines, &key) || !cmdline_span(task, &from, &len) ||
	    bpf_map_update_elem(&cmdlines, &key, &empty, BPF_NOEXIST))
		return;
	c = bpf_map_lookup_elem(&cmdlines, &key);
	if (!c)
		return;
	if (bpf_probe_read_user(c->args, len, (void *)from)) {
		bpf_map_delete_elem(&cmdlines, &key);	/* a later claim tries again */
		return;
	}
	c->len = len;	/* last: userspace takes len 0 for "not yet" */
}

/*
 * tracepoint and fentry tiers: claim @sk in sk storage and return its
 * accounting, or NULL. Those programs get trusted BTF pointers, so fields are
 * read directly, without a helper call.
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
	a = sk_storage_get_or_create(&accts, sk);
	if (!a)
		return NULL;
	if (!a->local_set || !a->lport) {
		if (family == AF_INET)
			set_v4_mapped(a->laddr, sk->__sk_common.skc_rcv_saddr);
		else
			BPF_CORE_READ_INTO(a->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		a->lport = sk->__sk_common.skc_num;
		a->cookie = bpf_get_socket_cookie(sk);
		a->local_set = 1;
	}
	/* A socket never changes namespace; its packets may have set the rest above first. */
	if (!a->netns)
		a->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	/* Kernel threads sending on behalf of others (NFS, kTLS) never take a socket. */
	if (task->flags & PF_KTHREAD)
		return a;
	tgid = task->tgid;
	start = task->group_leader->start_boottime;
	if (a->owned && a->owner_tgid == tgid && a->owner_start == start)
		return a;	/* the usual case: same owner as last time */
	o = sk_storage_get_or_create(&owners, sk);
	if (!o)
		return a;
	if (o->tgid != tgid || o->start_ns != start)
		fill_owner(o, tgid, start);
	note_cmdline(task, tgid, start);
	a->owner_tgid = tgid;
	a->owner_start = start;
	a->owned = 1;
	return a;
}

static __always_inline void count_payload(struct sock *sk, long ret, bool tx)
{
	struct sock_acct *a;

	if (ret <= 0)
		return;
	a = claim_socket(sk);
	if (!a)
		return;
	if (tx)
		__sync_fetch_and_add(&a->tx_payload, (__u64)ret);
	else
		__sync_fetch_and_add(&a->rx_payload, (__u64)ret);
}

/*
 * kprobe tier: claim @sk in the sk_procs hash, reading through probe helpers.
 * Called at function entry, so the socket is owned before its first packet.
 */
static __always_inline struct sk_proc *claim_socket_hash(struct sock *sk)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u64 key = (__u64)sk, start;
	struct sk_proc *p, zero = {};
	__u32 tgid;

	if ((family != AF_INET && family != AF_INET6) || !task_watched())
		return NULL;
	zero.ino = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	p = bpf_map_lookup_elem(&sk_procs, &key);
	if (p && p->ino != zero.ino) {
		/* Left by a socket freed without a release we saw: start afresh. */
		stat_inc(NP_STAT_SKPROC_RESET);
		bpf_map_update_elem(&sk_procs, &key, &zero, BPF_EXIST);
	} else if (!p) {
		if (bpf_map_update_elem(&sk_procs, &key, &zero, BPF_NOEXIST) == -E2BIG)
			stat_inc(NP_STAT_SKPROC_FULL);
	}
	p = bpf_map_lookup_elem(&sk_procs, &key);
	if (!p)
		return NULL;
	if (!(BPF_CORE_READ(task, flags) & PF_KTHREAD)) {
		tgid = bpf_get_current_pid_tgid() >> 32;
		start = BPF_CORE_READ(task, group_leader, start_boottime);
		if (p->owner.tgid != tgid || p->owner.start_ns != start) {
			fill_owner(&p->owner, tgid, start);
			note_cmdline(task, tgid, start);
		}
	}
	return p;
}

static __always_inline void count_payload_hash(struct sock *sk, long ret, bool tx)
{
	__u64 key = (__u64)sk;
	struct sk_proc *p;

	if (ret <= 0)
		return;
	p = bpf_map_lookup_elem(&sk_procs, &key);
	if (!p)
		return;
	if (tx)
		__sync_fetch_and_add(&p->tx_payload, (__u64)ret);
	else
		__sync_fetch_and_add(&p->rx_payload, (__u64)ret);
}

#endif

#ifndef NETOPROC_MONITOR_CLAIM_ANY
#define NETOPROC_MONITOR_CLAIM_ANY
/* fentry tier: sk storage where tracing programs may use it, else the hash. */
static __always_inline void count_payload_any(struct sock *sk, long ret, bool tx)
{
	if (!owner_in_hash)
		count_payload(sk, ret, tx);
	else if (ret > 0 && claim_socket_hash(sk))
		count_payload_hash(sk, ret, tx);
}
#endif
