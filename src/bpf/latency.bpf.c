// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-stage latency along the packet path: each skb is timed between points
 * it passes (tracepoints only), found by its address in a bounded table, and
 * each stage's time goes into a per-CPU log2 histogram; only the histograms
 * reach userspace. The filters (skb.bpf.h) are applied once, where an skb
 * enters the table (device queue or device receive); later points only look
 * it up. Each tracepoint has a tp_btf and a raw_tp flavour, as in trace.
 * The programs only observe.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "latency_abi.h"
#include "skb.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by userspace before load. */
const volatile __u32 lat_by = NP_LAT_BY_NONE;	/* enum np_lat_by */
const volatile __u32 lat_pid = 0;		/* --pid: sender at the queue, reader at the copy */
/* sock:sk_data_ready is attached: a read counts only for an skb it saw queued. */
const volatile bool lat_data_ready = false;
/* --threshold: a packet whose rx_total or tx_total reaches this is sent to slow_rb (0: off). */
const volatile __u64 lat_slow_ns = 0;

/* The histogram half being written; userspace flips it each interval and reads the other. */
__u32 epoch = 0;

/*
 * The skbs in flight: an array of sets of NP_LAT_WAYS entries, the set chosen
 * by a hash of the skb's address. A hash map cost an update (bucket lock,
 * element allocation: about 400 ns here) and a delete per skb, and a hashed
 * lookup at every point; an array lookup is inlined by the verifier. An skb
 * whose set is taken by others is not timed, and counted. Entries are
 * written by the CPU holding their skb without a lock: two skbs of one set
 * made at the same instant on two CPUs can mix (rare: a set is one of 32,768
 * by default); every point checks the skb's address and buffer first.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);	/* userspace sets --max-inflight (a power of 2) */
	__type(key, __u32);
	__type(value, struct np_lat_skb);
} inflight SEC(".maps");

/* --threshold: what a slow packet's line shows, at its entry's index (else 1 entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct np_lat_skb_more);
} inflight_more SEC(".maps");

/* inflight's size - 1, set by userspace. */
const volatile __u32 inflight_mask = 65535;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct np_lat_key);
	__type(value, struct np_lat_hist);
} hists SEC(".maps");

/*
 * Without --by, one group: the histograms are an array (index stage * 2 + epoch),
 * whose lookup the verifier inlines, instead of the hash (a helper call hashing the
 * key, several per skb). Userspace zeroes the half it read.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_LS_MAX * 2);
	__type(key, __u32);
	__type(value, struct np_lat_hist);
} hists_one SEC(".maps");

/*
 * The send call running on each CPU: its thread, start and descriptor (ts_ns
 * 0: none). Per CPU, not per thread: the call's first packet reaches the
 * device queue on the CPU and in the thread that made the call, and an array
 * lookup is inlined where a hash of threads cost a helper call on every
 * write() of the machine. A call whose thread is preempted by another's send
 * on its CPU, or moved to another CPU, before its first packet has no
 * tx_stack sample (fewer samples, never a wrong one: the thread is checked).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct np_lat_send);
} sends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_LAT_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* --threshold: the slow packets, as they end (userspace sizes it; losses counted). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} slow_rb SEC(".maps");

/* Zeroed templates and the filter's packet copy: too large for the stack. */
struct lat_scratch {
	struct np_lat_hist hist;
	struct np_skb_meta m;
	struct np_pktbuf buf;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lat_scratch);
} scratch SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *n = bpf_map_lookup_elem(&stats, &idx);

	if (n)
		(*n)++;
}

static __always_inline struct lat_scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/* Slot of a duration: 0 under 1 us, i for [2^(i-1), 2^i) us (latency_abi.h). */
static __always_inline __u32 slot_of(__u64 ns)
{
	__u64 us = ns / 1000;
	__u32 s = 0;

	if (!us)
		return 0;
	/* floor(log2(us)) + 1, by halving. */
#pragma unroll
	for (int b = 32; b; b >>= 1) {
		if (us >> b) {
			us >>= b;
			s += b;
		}
	}
	s += 1;
	return s < NP_LAT_SLOTS ? s : NP_LAT_SLOTS - 1;
}

/* One sample of @stage for @group (named @name) into this CPU's histogram. */
static __always_inline void record(__u32 stage, __u64 group, const char *name, __u64 ns)
{
	struct np_lat_key k = { .stage = stage, .epoch = epoch & 1, .group = group };
	struct np_lat_hist *h;
	__u32 s;

	if (lat_by == NP_LAT_BY_NONE) {
		__u32 idx = stage * 2 + k.epoch;

		h = bpf_map_lookup_elem(&hists_one, &idx);
		if (!h)
			return;
		goto add;
	}
	h = bpf_map_lookup_elem(&hists, &k);
	if (!h) {
		struct lat_scratch *sc = get_scratch();

		if (!sc)
			return;
		__builtin_memset(&sc->hist, 0, sizeof(sc->hist));
		if (name)
			__builtin_memcpy(sc->hist.name, name, sizeof(sc->hist.name));
		if (bpf_map_update_elem(&hists, &k, &sc->hist, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&hists, &k)) {
			stat_inc(NP_LAT_STAT_HIST_FULL);
			return;
		}
		h = bpf_map_lookup_elem(&hists, &k);
		if (!h)
			return;
	}
add:
	s = slot_of(ns);
	if (s < NP_LAT_SLOTS)
		h->slots[s]++;
	if (!h->count || ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->count++;
	h->sum_ns += ns;
}

/* The stages a slow packet's line shows, by direction: those inside its total. */
#define NP_RX_STAGES (1u << NP_LS_RX_STACK | 1u << NP_LS_RX_SOCKET_QUEUE | 1u << NP_LS_BRIDGE)
#define NP_TX_STAGES (1u << NP_LS_TX_STACK | 1u << NP_LS_TX_QDISC | 1u << NP_LS_TX_DEVICE | \
		      1u << NP_LS_VETH)

/* --threshold: @e's part in inflight_more (NULL without it). */
static __always_inline struct np_lat_skb_more *more_of(struct np_lat_skb *e)
{
	__u32 idx = e->idx;

	return lat_slow_ns ? bpf_map_lookup_elem(&inflight_more, &idx) : NULL;
}

/* --threshold: @ns kept as @stage's time in @e's line. */
static __always_inline void stage_keep(struct np_lat_skb *e, __u32 stage, __u64 ns)
{
	struct np_lat_skb_more *m = more_of(e);

	if (m && stage < NP_LS_MAX) {
		m->stage_ns[stage] = ns;
		m->stages |= 1u << stage;
	}
}

/* A stage of @e ended: into the histogram and, with --threshold, kept for its line. */
static __always_inline void stage_done(struct np_lat_skb *e, __u32 stage, __u64 group,
				       const char *name, __u64 ns)
{
	record(stage, group, name, ns);
	stage_keep(e, stage, ns);
}

/*
 * --threshold: @e ended in direction @dir after @total ns; at or above the
 * threshold it goes to userspace with its stages (@pid/@comm: who, if known).
 */
static __always_inline void slow_check(struct np_lat_skb *e, __u32 dir, __u64 total,
				       __u32 pid, const char *comm)
{
	struct np_lat_slow *ev;
	struct np_lat_skb_more *m;
	__u32 mask = dir == NP_LAT_RX ? NP_RX_STAGES : NP_TX_STAGES;

	if (!lat_slow_ns || total < lat_slow_ns)
		return;
	m = more_of(e);
	if (!m)
		return;
	if (dir == NP_LAT_TX) {	/* the sender, known where the skb was made */
		pid = m->tx_pid;
		comm = pid ? m->tx_comm : NULL;
	}
	ev = bpf_ringbuf_reserve(&slow_rb, sizeof(*ev), 0);
	if (!ev) {
		stat_inc(NP_LAT_STAT_SLOW_LOST);
		return;
	}
	ev->ts_ns = bpf_ktime_get_ns();
	ev->total_ns = total;
	__builtin_memcpy(ev->stage_ns, m->stage_ns, sizeof(ev->stage_ns));
	ev->stages = m->stages & mask;
	ev->dir = dir;
	ev->pid = pid;
	ev->ifindex = m->ifindex;
	ev->netns = m->netns;
	ev->pad = 0;
	ev->pad2 = 0;
	if (comm)
		__builtin_memcpy(ev->comm, comm, sizeof(ev->comm));
	else
		__builtin_memset(ev->comm, 0, sizeof(ev->comm));
	__builtin_memcpy(ev->ifname, m->ifname, sizeof(ev->ifname));
	__builtin_memcpy(&ev->pkt, &m->pkt, sizeof(ev->pkt));
	bpf_ringbuf_submit(ev, np_rb_flags(&slow_rb, 256 * 1024));
}

/* --threshold: the headers and device of @skb into @e (the device: @dev, else skb->dev). */
static __always_inline void slow_meta(struct np_lat_skb *e, struct sk_buff *skb,
				      struct net_device *dev, bool fresh, bool direct)
{
	struct np_lat_skb_more *m = more_of(e);
	struct lat_scratch *sc;

	if (!m)
		return;
	sc = get_scratch();
	if (!sc)
		return;
	/* The filters already parsed it (birth_match) or it is parsed here. */
	if (!fresh || !np_cfg.flags)
		np_skb_collect(skb, NULL, dev, &sc->m, &sc->buf, false, direct);
	m->ifindex = sc->m.ifindex;
	m->netns = sc->m.netns;
	__builtin_memcpy(m->ifname, sc->m.ifname, sizeof(m->ifname));
	__builtin_memcpy(&m->pkt, &sc->m.pkt, sizeof(m->pkt));
	if (fresh && sc->m.in_task) {
		m->tx_pid = sc->m.pid;
		__builtin_memcpy(m->tx_comm, sc->m.comm, sizeof(m->tx_comm));
	}
}

/* This variable's own address, as a number (written by the first program that needs it). */
__u64 anchor_addr = 0;

/*
 * @p's address as a plain number, less anchor_addr's (a constant: the hash
 * only needs it consistent). Under tp_btf the skb is a typed pointer, on
 * which the verifier allows no arithmetic but add and sub, and a pointer less
 * a pointer is a number; under raw_tp it is a number already, and the anchor's
 * address, stored once and loaded back from the map, is one too. Nothing is
 * kept in between: a program nested on this CPU (a softirq run on an
 * interrupt's exit) cannot change it.
 */
static __always_inline __u64 addr_of(const void *p, bool direct)
{
	if (direct)
		return (__u64)p - (__u64)&anchor_addr;
	if (!anchor_addr)
		anchor_addr = (__u64)&anchor_addr;
	/*
	 * Loaded back, as a number: reusing the pointer just stored (what clang
	 * does without volatile) is number less pointer, which 6.18's verifier
	 * refuses ("math between map_value pointer and register").
	 */
	return (__u64)p - *(volatile __u64 *)&anchor_addr;
}

/* The index of the set of the skb at @addr: the address, multiplied. */
static __always_inline __u32 set_of(__u64 addr)
{
	return (__u32)((addr * 0x9e3779b97f4a7c15ull) >> 32) & inflight_mask & ~(NP_LAT_WAYS - 1);
}

/* @e's skb ended: the entry is free. */
static __always_inline void entry_end(struct np_lat_skb *e)
{
	e->skb = 0;
}

/*
 * The entry of skb (with buffer @head) in its set, which starts at @idx, or
 * NULL; an entry another skb left at this address (its buffer differs) is
 * freed: that skb ended unseen.
 */
static __always_inline struct np_lat_skb *entry_in(__u32 idx, struct sk_buff *skb, __u64 head)
{
	for (int w = 0; w < NP_LAT_WAYS; w++, idx++) {
		struct np_lat_skb *e = bpf_map_lookup_elem(&inflight, &idx);

		if (!e || e->skb != (__u64)skb)
			continue;
		if (e->head == head)
			return e;
		stat_inc(NP_LAT_STAT_UNSEEN_END);
		entry_end(e);
		return NULL;
	}
	return NULL;
}

static __always_inline struct np_lat_skb *entry_of(struct sk_buff *skb, __u64 head, bool direct)
{
	return entry_in(set_of(addr_of(skb, direct)), skb, head);
}

/*
 * Where an skb enters the table (device queue, device receive), an entry of
 * the same address and buffer continues (forwarded, handed from a transmit to
 * a receive, bridged) only if its last point was this recent: otherwise it is
 * left by an skb freed where no tracepoint sees it (TCP frees pure ACKs and
 * read segments so) whose memory came back as this one.
 */
#define NP_CONTINUE_NS (10 * 1000000ull)
/* An entry waiting in a queue (qdisc, socket) is taken for another skb after this. */
#define NP_IDLE_NS (10 * 1000000000ull)

/* The entry of skb in set @set where it enters the table (its set is found once there). */
static __always_inline struct np_lat_skb *entry_at_birth(__u32 set, struct sk_buff *skb,
							  __u64 head, __u64 now)
{
	struct np_lat_skb *e = entry_in(set, skb, head);

	if (e && now - e->last_ns > NP_CONTINUE_NS) {
		stat_inc(NP_LAT_STAT_UNSEEN_END);
		entry_end(e);
		return NULL;
	}
	return e;
}

/*
 * May @e be taken for a new skb at @now? Free; or idle past NP_CONTINUE_NS
 * outside the queues an skb may wait in (its skb was freed unseen: between
 * the other points an skb spends microseconds); or past NP_IDLE_NS anywhere.
 */
static __always_inline bool entry_takeable(struct np_lat_skb *e, __u64 now)
{
	__s64 idle = (__s64)(now - e->last_ns);

	if (!e->skb)
		return true;
	if (idle > (__s64)NP_IDLE_NS) {
		stat_inc(NP_LAT_STAT_EXPIRED);
		return true;
	}
	if (idle > (__s64)NP_CONTINUE_NS && !e->qdisc_enq && !e->rx_queued) {
		stat_inc(NP_LAT_STAT_UNSEEN_END);
		return true;
	}
	return false;
}

/*
 * A new entry for @skb: a place of its set (starting at @idx) that may be
 * taken, else NULL (counted). Zeroed but for its skb, head and time; the
 * skb's address is written last, after the rest.
 */
static __always_inline struct np_lat_skb *entry_new(__u32 idx, struct sk_buff *skb, __u64 head,
						    __u64 now)
{
	struct np_lat_skb *e = NULL;
	struct np_lat_skb_more *m;

	for (int w = 0; w < NP_LAT_WAYS; w++, idx++) {
		e = bpf_map_lookup_elem(&inflight, &idx);
		if (!e)
			return NULL;
		if (entry_takeable(e, now))
			break;
		e = NULL;
	}
	if (!e) {
		stat_inc(NP_LAT_STAT_INFLIGHT_FULL);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->idx = idx;
	e->head = head;
	e->last_ns = now;
	m = more_of(e);
	if (m)
		__builtin_memset(m, 0, sizeof(*m));
	asm volatile("" ::: "memory");	/* the rest before the address */
	e->skb = (__u64)skb;
	return e;
}

/*
 * --netns, --ifname, --mark without an expression: read from the skb and its device
 * alone (np_skb_collect would also copy and parse the headers, for nothing). NULL
 * device: false, and the caller takes the full way.
 */
static __always_inline bool birth_where(struct sk_buff *skb, bool direct, bool *match)
{
	struct net_device *dev = NP_RD(direct, skb, dev);
	char name[NP_IFNAMSIZ];
	struct net *net;

	if (!dev)
		return false;
	*match = false;
	if ((np_cfg.flags & NP_F_MARK) &&
	    (NP_RD(direct, skb, mark) & np_cfg.mark_mask) != np_cfg.mark)
		return true;
	if (np_cfg.flags & NP_F_NETNS) {
		net = NP_RD(direct, dev, nd_net.net);
		if (!net || NP_RD(direct, net, ns.inum) != np_cfg.netns)
			return true;
	}
	if (np_cfg.flags & NP_F_IFNAME) {
		if (direct)
			__builtin_memcpy(name, dev->name, sizeof(name));
		else
			bpf_probe_read_kernel(name, sizeof(name), &dev->name);
		for (int i = 0; i < NP_IFNAMSIZ; i++) {
			if (name[i] != np_cfg.ifname[i])
				return true;
			if (!name[i])
				break;
		}
	}
	*match = true;
	return true;
}

/* The filters, where an skb enters the table (--pid is applied by the callers). */
static __always_inline bool birth_match(struct sk_buff *skb, bool direct)
{
	struct lat_scratch *sc;
	bool match;

	if (!np_cfg.flags)
		return true;
	/* --threshold reuses the headers the full way reads (slow_meta) */
	if (!(np_cfg.flags & NP_F_PCAP) && !lat_slow_ns && birth_where(skb, direct, &match))
		return match;
	sc = get_scratch();
	return sc && np_skb_collect(skb, NULL, NULL, &sc->m, &sc->buf, true, direct);
}

/* A device's group (netns << 32 | ifindex) and name. */
static __always_inline __u64 dev_group(struct net_device *dev, char *name, bool direct)
{
	struct net *net;
	__u64 ns = 0;

	if (!dev)
		return 0;
	if (direct)
		__builtin_memcpy(name, dev->name, NP_COMM_LEN);
	else
		bpf_probe_read_kernel(name, NP_COMM_LEN, &dev->name);
	net = NP_RD(direct, dev, nd_net.net);
	if (net)
		ns = NP_RD(direct, net, ns.inum);
	return ns << 32 | (__u32)NP_RD(direct, dev, ifindex);
}

/* This task's group and name for --by process (0 and no name outside process context). */
static __always_inline __u64 task_group(char *name)
{
	if (!np_in_task())
		return 0;
	bpf_get_current_comm(name, NP_COMM_LEN);
	return bpf_get_current_pid_tgid() >> 32;
}

/* Is @fd of the current task the socket @skb belongs to? */
static __always_inline bool send_is_for(struct sk_buff *skb, __s64 fd, bool direct)
{
	/*
	 * The task by probe reads: bpf_get_current_task_btf() (plain loads) is 5.11+, and
	 * the kernel matrix has 5.10. The socket's side, typed under tp_btf, by plain loads.
	 */
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct sock *sk = NP_RD(direct, skb, sk);
	struct file *want = NULL, *got = NULL;
	struct fdtable *fdt;
	struct file **fds;
	struct socket *so;
	__u32 max;

	if (!sk || fd < 0)
		return false;
	if (direct) {
		so = sk->sk_socket;
		if (so)
			want = so->file;
	} else {
		want = BPF_CORE_READ(sk, sk_socket, file);
	}
	if (!want)
		return false;
	fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt)
		return false;
	max = BPF_CORE_READ(fdt, max_fds);
	fds = BPF_CORE_READ(fdt, fd);
	if (fd >= max || fd > 0xfffffff)
		return false;
	if (bpf_probe_read_kernel(&got, sizeof(got), fds + fd))
		return false;
	return got == want;
}

/* veth's rtnl_link_ops, once a device showed it (then one load tells a veth). */
__u64 veth_ops = 0;

/*
 * A veth's kind is "veth": its rtnl_link_ops. Devices without any (loopback, physical
 * ones) are told by one load; veth's own ops, by their address once known.
 */
static __always_inline bool dev_is_veth(struct net_device *dev, bool direct)
{
	const struct rtnl_link_ops *ops = NP_RD(direct, dev, rtnl_link_ops);
	const char *kind;
	char k[5] = {};

	if (!ops)
		return false;
	if ((__u64)ops == veth_ops)
		return true;
	kind = BPF_CORE_READ(ops, kind);
	if (!kind || bpf_probe_read_kernel(k, sizeof(k), kind))
		return false;
	if (k[0] == 'v' && k[1] == 'e' && k[2] == 't' && k[3] == 'h' && !k[4]) {
		veth_ops = (__u64)ops;
		return true;
	}
	return false;
}

static __always_inline bool dev_is_bridge_port(struct net_device *dev, bool direct)
{
	__u64 flags = direct ? BPF_CORE_READ_BITFIELD(dev, priv_flags) :
			       BPF_CORE_READ_BITFIELD_PROBED(dev, priv_flags);

	return flags & bpf_core_enum_value(enum netdev_priv_flags, IFF_BRIDGE_PORT);
}

/* tx_device ends at @end: freed after transmit, or handed on to a receiver. */
static __always_inline void tx_device_end(struct np_lat_skb *e, __u64 end)
{
	if (!e->xmit_start)
		return;
	stage_done(e, NP_LS_TX_DEVICE, e->tx_group, e->tx_name, end - e->xmit_start);
	if (e->tx_send) {
		record(NP_LS_TX_TOTAL, e->tx_group, e->tx_name, end - e->tx_send);
		slow_check(e, NP_LAT_TX, end - e->tx_send, 0, NULL);
	}
	e->xmit_start = 0;
	e->xmit_done = 0;
	e->tx_send = 0;
}

/* net_dev_queue: an skb enters the device layer (where transmitted skbs enter the table). */
static __always_inline int on_dev_queue(struct sk_buff *skb, bool direct)
{
	__u64 now = bpf_ktime_get_ns(), head = (__u64)NP_RD(direct, skb, head);
	__u32 set = set_of(addr_of(skb, direct));
	struct np_lat_skb *e = entry_at_birth(set, skb, head, now);
	__u64 id = bpf_get_current_pid_tgid();
	char name[NP_COMM_LEN] = {};
	struct np_lat_send *s;
	bool in_task;
	__u32 zero = 0;

	if (!e) {
		if (!birth_match(skb, direct))
			return 0;
		in_task = np_in_task();
		if (lat_pid && (!in_task || id >> 32 != lat_pid))
			return 0;
		e = entry_new(set, skb, head, now);
		if (!e)
			return 0;
		if (lat_by == NP_LAT_BY_PROCESS && in_task) {
			e->tx_group = id >> 32;
			bpf_get_current_comm(e->tx_name, sizeof(e->tx_name));
		}
		s = in_task ? bpf_map_lookup_elem(&sends, &zero) : NULL;
		if (s && s->ts_ns && s->tid == (__u32)id && send_is_for(skb, s->fd, direct)) {
			e->tx_send = s->ts_ns;
			s->ts_ns = 0;	/* its first packet only */
		}
		if (lat_by == NP_LAT_BY_DEV) {
			e->tx_group = dev_group(NP_RD(direct, skb, dev), name, direct);
			__builtin_memcpy(e->tx_name, name, sizeof(name));
		}
		slow_meta(e, skb, NULL, true, direct);
		if (e->tx_send)
			stage_done(e, NP_LS_TX_STACK, e->tx_group, e->tx_name, now - e->tx_send);
		return 0;
	} else {
		if (e->hop == NP_LS_BRIDGE) {
			stage_done(e, NP_LS_BRIDGE, e->rx_group, e->rx_name, now - e->hop_ns);
			e->hop = 0;
		}
		slow_meta(e, skb, NULL, false, direct);
		/* Forwarded: its transmit stages are the new device's. */
		if (lat_by == NP_LAT_BY_DEV) {
			e->tx_group = dev_group(NP_RD(direct, skb, dev), name, direct);
			__builtin_memcpy(e->tx_name, name, sizeof(name));
		}
	}
	e->last_ns = now;
	return 0;
}

static __always_inline int on_qdisc_enqueue(struct sk_buff *skb, bool direct)
{
	struct np_lat_skb *e = entry_of(skb, (__u64)NP_RD(direct, skb, head), direct);

	if (e)
		e->last_ns = e->qdisc_enq = bpf_ktime_get_ns();
	return 0;
}

#define NP_DEQUEUE_MAX 8	/* skbs of a bulk dequeue timed (the rest are not) */

static __always_inline int on_qdisc_dequeue(struct sk_buff *skb, int packets, bool direct)
{
	__u64 now = bpf_ktime_get_ns();

	for (int i = 0; i < NP_DEQUEUE_MAX && i < packets && skb; i++) {
		struct np_lat_skb *e = entry_of(skb, (__u64)NP_RD(direct, skb, head), direct);

		if (e && e->qdisc_enq) {
			stage_done(e, NP_LS_TX_QDISC, e->tx_group, e->tx_name, now - e->qdisc_enq);
			e->qdisc_enq = 0;
			e->last_ns = now;
		}
		skb = NP_RD(direct, skb, next);
	}
	return 0;
}

static __always_inline int on_start_xmit(struct sk_buff *skb, struct net_device *dev,
					 bool direct)
{
	struct np_lat_skb *e = entry_of(skb, (__u64)NP_RD(direct, skb, head), direct);
	__u64 now;

	if (!e)
		return 0;
	now = bpf_ktime_get_ns();
	e->xmit_start = now;
	e->xmit_done = 0;
	e->last_ns = now;
	if (dev && dev_is_veth(dev, direct)) {
		e->hop = NP_LS_VETH;
		e->hop_ns = now;
	}
	return 0;
}

static __always_inline int on_xmit(struct sk_buff *skb, int rc, bool direct)
{
	struct np_lat_skb *e = entry_of(skb, (__u64)NP_RD(direct, skb, head), direct);

	if (e && e->xmit_start && rc == 0)
		e->last_ns = e->xmit_done = bpf_ktime_get_ns();
	return 0;
}

/* netif_receive_skb: an skb enters the receive path (where received skbs enter the table). */
static __always_inline int on_receive(struct sk_buff *skb, bool direct)
{
	__u64 now = bpf_ktime_get_ns(), head = (__u64)NP_RD(direct, skb, head);
	__u32 set = set_of(addr_of(skb, direct));
	struct np_lat_skb *e = entry_at_birth(set, skb, head, now);
	struct net_device *dev = NP_RD(direct, skb, dev);
	__u32 ifindex = dev ? NP_RD(direct, dev, ifindex) : 0;
	bool fresh = true;

	if (e) {
		if (e->hop == NP_LS_VETH) {
			stage_done(e, NP_LS_VETH, e->tx_group, e->tx_name, now - e->hop_ns);
			e->hop = 0;
		} else if (e->hop == NP_LS_BRIDGE && ifindex != e->hop_ifindex) {
			stage_done(e, NP_LS_BRIDGE, e->rx_group, e->rx_name, now - e->hop_ns);
			e->hop = 0;
		}
		/*
		 * Handed over by a device's transmit (loopback, veth): tx_device ended
		 * there (after the veth stage: a slow packet's line shows it).
		 */
		tx_device_end(e, e->xmit_done ?: now);
		fresh = false;
	} else {
		if (!birth_match(skb, direct))
			return 0;
		e = entry_new(set, skb, head, now);
		if (!e)
			return 0;
	}
	if (!e->rx_dev) {
		e->rx_dev = now;
		slow_meta(e, skb, dev, fresh, direct);
		if (lat_by == NP_LAT_BY_DEV)
			e->rx_group = dev_group(dev, e->rx_name, direct);
	}
	if (!e->hop && dev && dev_is_bridge_port(dev, direct)) {
		e->hop = NP_LS_BRIDGE;
		e->hop_ns = now;
		e->hop_ifindex = ifindex;
	}
	e->last_ns = now;
	return 0;
}

/*
 * UDP datagrams read by a linear copy are freed, on recent kernels, with
 * skb_attempt_defer_free(), which has no tracepoint: their read is seen at
 * sock_recv_length instead, which names the socket, not the skb. So each UDP
 * socket keeps the datagrams it was given, in order, and a read takes the
 * oldest that is no longer in the socket's queues (see on_recv_length).
 */
#define NP_UDP_RING 16		/* a power of 2 */
#define NP_UDP_SCAN 4		/* queue entries looked at to tell a datagram still there */

struct udp_ring {
	__u64 skb[NP_UDP_RING];
	__u32 idx[NP_UDP_RING];	/* its entry's index in inflight */
	__u32 head;		/* next to read */
	__u32 tail;		/* next free */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);	/* closed sockets' rings age out */
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct udp_ring);
} udp_rings SEC(".maps");

static __always_inline bool sk_is_udp(const struct sock *sk, bool direct)
{
	__u16 proto = NP_RD(direct, sk, sk_protocol);

	return proto == NP_IPPROTO_UDP || proto == NP_IPPROTO_UDPLITE;
}

static __always_inline void udp_ring_push(const struct sock *sk, __u64 skb, __u32 idx)
{
	__u64 key = (__u64)sk;
	struct udp_ring *r = bpf_map_lookup_elem(&udp_rings, &key);

	if (!r) {
		struct udp_ring zero = {};

		bpf_map_update_elem(&udp_rings, &key, &zero, BPF_NOEXIST);
		r = bpf_map_lookup_elem(&udp_rings, &key);
		if (!r)
			return;
	}
	if (r->tail - r->head >= NP_UDP_RING) {
		stat_inc(NP_LAT_STAT_UDP_RING_FULL);
		return;
	}
	r->skb[r->tail & (NP_UDP_RING - 1)] = skb;
	r->idx[r->tail & (NP_UDP_RING - 1)] = idx;
	r->tail++;
}

#define NP_WALK_BACK 8	/* newly queued skbs stamped per sk_data_ready */

/*
 * sk_data_ready: the skbs just queued are at the receive queue's end: the
 * last, or (UDP batching them, 6.18) the last few, whose entries have no
 * queued time yet.
 */
static __always_inline int on_data_ready(struct sock *sk, bool direct)
{
	struct sk_buff *skb, *head_sentinel = (struct sk_buff *)&sk->sk_receive_queue;
	__u64 now, fresh[NP_WALK_BACK];
	__u32 fresh_idx[NP_WALK_BACK];
	bool udp;
	int n = 0;

	if (!sk || !NP_RD(direct, sk, sk_receive_queue.qlen))
		return 0;
	udp = sk_is_udp(sk, direct);
	now = bpf_ktime_get_ns();
	skb = NP_RD(direct, sk, sk_receive_queue.prev);
	for (int i = 0; i < NP_WALK_BACK && skb && skb != head_sentinel; i++) {
		struct np_lat_skb *e = entry_of(skb, (__u64)NP_RD(direct, skb, head), direct);

		if (e && e->rx_queued)
			break;	/* queued before: so is everything ahead of it */
		if (e && !NP_RD(direct, skb, len)) {
			/* A FIN alone: never copied, freed untraced on close; not timed. */
			entry_end(e);
		} else if (e && e->rx_dev) {
			e->last_ns = e->rx_queued = now;
			e->sk = (__u64)sk;
			e->queued_udp = udp;
			fresh_idx[n & (NP_WALK_BACK - 1)] = e->idx;
			fresh[n++ & (NP_WALK_BACK - 1)] = (__u64)skb;
		}
		if (!udp)
			break;	/* TCP queues one skb (or coalesces into it) per call */
		skb = NP_RD(direct, skb, prev);
	}
	/* UDP: on the socket's ring, oldest first. */
	for (int i = NP_WALK_BACK - 1; udp && i >= 0; i--)
		if (i < n)
			udp_ring_push(sk, fresh[i], fresh_idx[i]);
	return 0;
}

/*
 * The application has the skb's data: its receive stages end. Seen at
 * skb_copy_datagram_iovec (TCP, and UDP data in fragments), or, for UDP's
 * linear datagrams (copied without that tracepoint), at the consume_skb
 * that frees a queued datagram in the reader's recvmsg.
 */
static __always_inline void rx_read(struct np_lat_skb *e)
{
	char name[NP_COMM_LEN] = {};
	__u64 now = bpf_ktime_get_ns(), group = e->rx_group;

	if (lat_by == NP_LAT_BY_PROCESS)
		group = task_group(name);
	else
		__builtin_memcpy(name, e->rx_name, sizeof(name));
	if (e->rx_queued) {
		stage_done(e, NP_LS_RX_STACK, group, name, e->rx_queued - e->rx_dev);
		stage_done(e, NP_LS_RX_SOCKET_QUEUE, group, name, now - e->rx_queued);
	}
	record(NP_LS_RX_TOTAL, group, name, now - e->rx_dev);
	if (lat_slow_ns && now - e->rx_dev >= lat_slow_ns) {
		char comm[NP_COMM_LEN] = {};
		__u32 pid = 0;

		if (np_in_task()) {
			pid = bpf_get_current_pid_tgid() >> 32;
			bpf_get_current_comm(comm, sizeof(comm));
		}
		slow_check(e, NP_LAT_RX, now - e->rx_dev, pid, pid ? comm : NULL);
	}
}

/* --pid: the reader must be that process. */
static __always_inline bool reader_match(void)
{
	return !lat_pid || (np_in_task() && bpf_get_current_pid_tgid() >> 32 == lat_pid);
}

/*
 * --netns, again where an skb is read: an entry whose skb was freed unseen
 * could otherwise meet a reader elsewhere whose socket and skb reuse its
 * memory (all three addresses at once: rare, but slab caches reuse freely).
 */
static __always_inline bool sk_netns_match(const struct sock *sk, bool direct)
{
	struct net *net;

	if (!(np_cfg.flags & NP_F_NETNS))
		return true;
	net = sk ? NP_RD(direct, sk, __sk_common.skc_net.net) : NULL;
	return net && NP_RD(direct, net, ns.inum) == np_cfg.netns;
}

static __always_inline int on_copy(struct sk_buff *skb, bool direct)
{
	struct np_lat_skb *e = entry_of(skb, (__u64)NP_RD(direct, skb, head), direct);
	struct sock *sk;

	if (!e || !e->rx_dev || (lat_data_ready && !e->rx_queued))
		return 0;
	/* Queued to a socket: the skb read must be owned by it (not a netlink skb reusing it). */
	sk = NP_RD(direct, skb, sk);
	if ((e->sk && (__u64)sk != e->sk) || !sk_netns_match(sk, direct)) {
		stat_inc(NP_LAT_STAT_UNSEEN_END);
		entry_end(e);
		return 0;
	}
	if (reader_match())
		rx_read(e);
	entry_end(e);
	return 0;
}

/* consume_skb, kfree_skb: the end of an skb; after a transmit, of tx_device. */
static __always_inline int on_free(struct sk_buff *skb, bool consumed, bool direct)
{
	struct np_lat_skb *e = entry_of(skb, (__u64)NP_RD(direct, skb, head), direct);

	if (!e)
		return 0;
	tx_device_end(e, bpf_ktime_get_ns());
	/* Consumed from a socket's queue in process context: a UDP reader's recvmsg. */
	if (consumed && e->queued_udp && np_in_task() && reader_match())
		rx_read(e);
	entry_end(e);
	return 0;
}

/* Is @skb among the first NP_UDP_SCAN of @q? */
static __always_inline bool in_queue(struct sk_buff_head *q, __u64 skb)
{
	struct sk_buff *p = BPF_CORE_READ(q, next);

	for (int i = 0; i < NP_UDP_SCAN && p && p != (struct sk_buff *)q; i++) {
		if ((__u64)p == skb)
			return true;
		p = BPF_CORE_READ(p, next);
	}
	return false;
}

#define NP_MSG_PEEK 2

/*
 * sock_recv_length: a UDP read returned. The datagrams of the socket's ring
 * no longer at the front of its queues (reader_queue, then the receive queue)
 * were read: by this call, or by one whose free was traced (an entry ended
 * then, nothing is recorded twice).
 */
static __always_inline int on_recv_length(struct sock *sk, int ret, int flags, bool direct)
{
	struct udp_sock *up = (struct udp_sock *)sk;
	__u64 key = (__u64)sk;
	struct udp_ring *r;

	if (ret < 0 || (flags & NP_MSG_PEEK) || !sk_is_udp(sk, direct) ||
	    !sk_netns_match(sk, direct))
		return 0;
	r = bpf_map_lookup_elem(&udp_rings, &key);
	if (!r)
		return 0;
	for (int i = 0; i < NP_UDP_SCAN && r->head != r->tail; i++) {
		__u64 skb = r->skb[r->head & (NP_UDP_RING - 1)];
		__u32 idx = r->idx[r->head & (NP_UDP_RING - 1)];
		struct np_lat_skb *e;

		if (bpf_core_field_exists(up->reader_queue) && in_queue(&up->reader_queue, skb))
			break;
		if (in_queue(&sk->sk_receive_queue, skb))
			break;
		r->head++;
		e = bpf_map_lookup_elem(&inflight, &idx);
		/* Still the datagram pushed (an address reused since is not queued to sk). */
		if (e && e->skb == skb && e->sk == (__u64)sk && e->rx_queued) {
			if (reader_match())
				rx_read(e);
			entry_end(e);
		}
	}
	return 0;
}

/* Both flavours of one tracepoint: ctx holds its arguments either way. */
#define LAT_PROBE(tp, call)							\
SEC("tp_btf/" #tp)								\
int lat_btf_##tp(__u64 *ctx)							\
{										\
	const bool direct = true;						\
	(void)direct;								\
	return call;								\
}										\
SEC("raw_tp/" #tp)								\
int lat_raw_##tp(__u64 *ctx)							\
{										\
	const bool direct = false;						\
	(void)direct;								\
	return call;								\
}

LAT_PROBE(net_dev_queue, on_dev_queue((struct sk_buff *)ctx[0], direct))
LAT_PROBE(qdisc_enqueue, on_qdisc_enqueue((struct sk_buff *)ctx[2], direct))
LAT_PROBE(qdisc_dequeue, on_qdisc_dequeue((struct sk_buff *)ctx[3], (int)ctx[2], direct))
LAT_PROBE(net_dev_start_xmit, on_start_xmit((struct sk_buff *)ctx[0],
					    (struct net_device *)ctx[1], direct))
LAT_PROBE(net_dev_xmit, on_xmit((struct sk_buff *)ctx[0], (int)ctx[1], direct))
LAT_PROBE(netif_receive_skb, on_receive((struct sk_buff *)ctx[0], direct))
LAT_PROBE(sk_data_ready, on_data_ready((struct sock *)ctx[0], direct))
LAT_PROBE(skb_copy_datagram_iovec, on_copy((struct sk_buff *)ctx[0], direct))
LAT_PROBE(consume_skb, on_free((struct sk_buff *)ctx[0], true, direct))
LAT_PROBE(kfree_skb, on_free((struct sk_buff *)ctx[0], false, direct))

/*
 * Send calls: where tx_stack starts. The entry is taken by the call's first
 * packet at net_dev_queue (same thread, same socket) or dropped when the
 * call returns without one (data left queued for later, a file written).
 */
/* --netns: a thread elsewhere sends nothing timed (and every write() comes here). */
static __always_inline bool task_netns_match(void)
{
	struct task_struct *t;

	if (!(np_cfg.flags & NP_F_NETNS))
		return true;
	/* probe reads: bpf_get_current_task_btf() is 5.11+ (the kernel matrix has 5.10) */
	t = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(t, nsproxy, net_ns, ns.inum) == np_cfg.netns;
}

static __always_inline int send_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct np_lat_send *s;
	__u32 zero = 0;

	if (lat_pid && id >> 32 != lat_pid)
		return 0;
	if (!task_netns_match())
		return 0;
	s = bpf_map_lookup_elem(&sends, &zero);
	if (s) {
		s->ts_ns = bpf_ktime_get_ns();
		s->fd = (int)ctx->args[0];
		s->tid = (__u32)id;
	}
	return 0;
}

static __always_inline int send_exit(void)
{
	struct np_lat_send *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&sends, &zero);
	if (s && s->tid == (__u32)bpf_get_current_pid_tgid())
		s->ts_ns = 0;
	return 0;
}

#define LAT_SEND(call)								\
SEC("tracepoint/syscalls/sys_enter_" #call)					\
int lat_enter_##call(struct trace_event_raw_sys_enter *ctx)			\
{										\
	return send_enter(ctx);							\
}										\
SEC("tracepoint/syscalls/sys_exit_" #call)					\
int lat_exit_##call(void *ctx)							\
{										\
	return send_exit();							\
}

LAT_SEND(write)
LAT_SEND(writev)
LAT_SEND(sendto)
LAT_SEND(sendmsg)
LAT_SEND(sendmmsg)

#include "latency_conn.bpf.h"
