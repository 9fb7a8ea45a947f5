// SPDX-License-Identifier: GPL-2.0-only
/*
 * AF_PACKET capture: the mode that needs no eBPF. A TPACKET_V3 ring sees
 * every packet (outgoing ones once, by sll_pkttype; no promiscuous mode);
 * each is charged to the socket the kernel would deliver it to, found in a
 * table built from NETLINK_SOCK_DIAG, and to the process holding that
 * socket, found in /proc/PID/fd. A second, tiny AF_PACKET socket wakes us
 * for outgoing TCP SYNs and UDP datagrams, so that a new socket's owner is
 * looked up while the (possibly short-lived) process still holds it.
 */
#include <endian.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include "lib/netns.h"
#include "lib/util.h"
#include "monitor/capture/afpacket_filter.h"
#include "monitor/capture/capture.h"
#include "monitor/capture/packet_parse.h"
#include "monitor/capture/proc_sockets.h"
#include "monitor/capture/sock_diag.h"
#include "monitor/capture/tcp_seq.h"

#define SNAPLEN		256	/* link + IP + extension + transport headers */
#define BIG_SNAPLEN	(64 + NP_PAYLOAD_SNAP)	/* DNS messages and ClientHellos: contents too */
#define TLS_HANDSHAKE	0x16
#define TLS_CLIENT_HELLO 0x01
/*
 * Blocks go to userspace when full or RETIRE_TOV_MS after they open, which
 * the kernel's timer rounds up to whole jiffies (4-8 ms at HZ=250, Debian's):
 * at low rates each holds a few milliseconds of traffic, so small blocks
 * (many of them) are what gives slack when we are descheduled.
 */
#define BLOCK_BIG	16384
#define RETIRE_TOV_MS	1
/* Longest wait for the block being filled before sockets missing from a dump go. */
#define LATE_WAIT_MS	20
#define REFRESH_GAP	1.0	/* full socket-table dump at least this often */
#define OWNER_RETRY_MIN	0.02
#define OWNER_RETRY_MAX	2.0
#define NFRAGS		64
#define HINT_NICE	(-10)
/* Wake-up lookups per second (burst HINT_BURST); beyond, the ring path finds owners. */
#define HINT_RATE	2000.0
#define HINT_BURST	200.0
#define HINT_SYN	0
#define HINT_UDP	1
/* UDP wake-ups read per call, then a rest: a local UDP flood costs few reads. */
#define HINT_BATCH	32
#define HINT_REST	0.02
#define HINT_RCVBUF	32768
/*
 * A drain that found at least RING_BUSY packets leaves the ring unpolled for
 * RING_REST seconds (the wake-up sockets still are): under a flood, blocks
 * retire as they fill (a 16 KiB block holds about 100 small packets) and
 * each wake-up's context switch and poll cost more than its packets. 5 ms
 * is 4% of a 2 MiB ring at 100k packets/s.
 */
#define RING_BUSY	64
#define RING_REST	0.005
#define MAX_UNKNOWN	65536	/* remotes with a row of their own under unknown */
#define MAX_PEERS	65536	/* (unconnected UDP socket, peer) pairs broken down */
#define PAST_LISTENER_KEEP 10.0	/* seconds a closed listener's holder stays an heir */
#define TCP_SYN		0x02
#define TCP_ACK		0x10
#define TCP_LISTEN	10
#define TCP_TIME_WAIT	6
#define TCP_SYN_RECV	3
#define TCP_CLOSE	7

struct tuple_key {
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	uint8_t protocol;
	uint8_t pad[3];
};

struct local_key {
	uint8_t laddr[16];
	uint16_t lport;
	uint8_t protocol;
	uint8_t pad;
};

struct afp_sock {
	struct np_sock_record rec;	/* tuple, owner, cumulative counters */
	struct np_counters base;	/* already handed to unknown while ownerless */
	struct tuple_key tk;		/* filed under (by_tuple or by_local) */
	struct local_key lk;
	bool filed_tuple, filed_local;
	bool in_scope;
	bool gone;			/* missing from the latest dump */
	uint8_t v6only;
	uint32_t inode;
	uint64_t cgroup_id;		/* of the task that made it, from sock_diag */
	unsigned seen_gen;
	double next_owner_try, owner_backoff;
	struct tcp_seq seq[2];	/* [0] received, [1] sent */
	struct np_owner heir;		/* holder of the listener it came from */
	bool has_heir;
	bool inferred;			/* charged to its heir at least once */
	bool asked_now;			/* a listener whose holder was looked for at once */
};

/*
 * The last packet's flow and the socket place() gave it, and the last
 * unconnected-UDP peer counted: a burst of one flow skips the hash tables
 * (three lookups a datagram, a fifth of the capture's CPU at 100k/s). Cleared
 * whenever the tables they stand for change.
 */
struct flow_memo {
	struct tuple_key k;
	struct afp_sock *s;
};

struct peer_memo {
	struct np_peer_key k;
	struct np_peer_val *v;
};

/* The last holder of a TCP listener on a port, after the listener closed. */
struct past_listener {
	struct np_owner owner;
	double gone_at;
};

struct frag_ent {
	uint8_t saddr[16], daddr[16];
	uint32_t id;
	uint8_t protocol;
	bool tx;
	uint64_t cookie;
};

struct afp {
	int fd, diag_fd;
	int sockstat_fd[2];	/* the namespace's socket counts: empty tables are not walked */
	int hint_fd[2];		/* wake-ups: [HINT_SYN] TCP SYNs, [HINT_UDP] UDP datagrams */
	uint8_t *ring;
	size_t ring_size;
	unsigned block_size, nblocks, cur;
	bool vnet;
	struct htab socks;	/* cookie -> afp_sock */
	struct htab by_tuple;	/* connected sockets */
	struct htab by_local;	/* listeners and unconnected UDP */
	struct htab past_listeners;	/* uint16_t port -> struct past_listener */
	struct htab misses;	/* tuple_key -> 1: looked up in vain since the last dump */
	struct htab unknown;	/* np_unknown_key -> np_unknown_val, cumulative */
	struct htab peers;	/* np_peer_key -> np_peer_val: unconnected UDP, per peer */
	struct flow_memo flow;
	struct peer_memo peer;
	uint64_t peers_full;	/* packets not broken down: peer table full */
	struct proc_sockets ps;
	struct frag_ent frags[NFRAGS];
	unsigned frag_next;
	unsigned dump_gen;
	double last_refresh;
	uint64_t drops;
	uint64_t unknown_overflow;	/* packets folded into the overflow bucket */
	uint64_t packets, lookups, lookup_hits, hints;
	uint64_t synth_cookies, inferred;
	unsigned instance;	/* --netns: which namespace's ring this is (0: the only one) */
	uint32_t netns_ino;	/* the namespace it was opened in: its sockets' */
	bool outer_dump;	/* --netns: the caller begins and ends the model's dump */
	uint64_t hints_owned, hints_noproc;	/* wake-ups: owner found, socket without holder */
	uint64_t hints_skipped;		/* over the rate: left to the ring path */
	double hint_tokens, hint_refill;
	double hint_rest_until;		/* wake-ups not read before this */
	double ring_rest_until;		/* the ring not polled before this (RING_BUSY) */
	uint64_t ring_rests;
	uint64_t late_waits;		/* dumps that waited for a block (read_late_packets) */
	uint64_t table_walks;		/* socket-table dumps asked of the kernel */
	uint64_t tcp_both_walks;	/* of them, TCP's two families in one walk */
	bool tcp_both_refused;		/* the legacy request failed once: one family a walk */
	const struct payload_sink *sink;	/* DNS messages and ClientHellos go here */
	double mono_minus_real;		/* packet times are CLOCK_REALTIME */
};

static const uint8_t any4[16] = { [10] = 0xff, [11] = 0xff };
static const uint8_t any6[16];

static bool is_v4(const uint8_t a[16])
{
	return memcmp(a, any4, 12) == 0;
}

/* ---- the socket table ---- */

/* The key of a connected socket, or of a packet's flow as seen from its local end. */
static void tuple_of(struct tuple_key *k, uint8_t protocol, const uint8_t l[16], uint16_t lport,
		     const uint8_t r[16], uint16_t rport)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->laddr, l, 16);
	memcpy(k->raddr, r, 16);
	k->lport = lport;
	k->rport = rport;
	k->protocol = protocol;
}

static void unfile(struct afp *a, struct afp_sock *s)
{
	a->flow.s = NULL;
	if (s->filed_tuple && htab_get(&a->by_tuple, &s->tk) == s)
		htab_del(&a->by_tuple, &s->tk);
	if (s->filed_local && htab_get(&a->by_local, &s->lk) == s)
		htab_del(&a->by_local, &s->lk);
	s->filed_tuple = s->filed_local = false;
}

static void file(struct afp *a, struct afp_sock *s)
{
	const struct np_sock_record *r = &s->rec;

	a->flow.s = NULL;
	if (r->lport == 0)
		return;		/* not bound yet: no packet can be its */
	if (r->rport || (memcmp(r->raddr, any6, 16) && memcmp(r->raddr, any4, 16))) {
		tuple_of(&s->tk, r->protocol, r->laddr, r->lport, r->raddr, r->rport);
		s->filed_tuple = htab_put(&a->by_tuple, &s->tk, s) == 0;
	} else {
		memset(&s->lk, 0, sizeof(s->lk));
		memcpy(s->lk.laddr, r->laddr, 16);
		s->lk.lport = r->lport;
		s->lk.protocol = r->protocol;
		s->filed_local = htab_put(&a->by_local, &s->lk, s) == 0;
	}
}

static struct afp_sock *find_local(struct afp *a, uint8_t protocol, const uint8_t laddr[16],
				   uint16_t lport)
{
	struct local_key k = { .lport = lport, .protocol = protocol };
	struct afp_sock *s;

	memcpy(k.laddr, laddr, 16);
	if ((s = htab_get(&a->by_local, &k)))
		return s;
	/* Wildcard binds: 0.0.0.0 for IPv4, :: for IPv6 and (unless v6only) IPv4 too. */
	if (is_v4(laddr)) {
		memcpy(k.laddr, any4, 16);
		if ((s = htab_get(&a->by_local, &k)))
			return s;
	}
	memcpy(k.laddr, any6, 16);
	s = htab_get(&a->by_local, &k);
	if (s && is_v4(laddr) && s->v6only)
		return NULL;
	return s;
}

static struct afp_sock *lookup(struct afp *a, uint8_t protocol, const uint8_t l[16],
			       uint16_t lport, const uint8_t r[16], uint16_t rport, bool force);
static void try_owner(struct afp *a, struct afp_sock *s, bool now_or_never);

/* The TCP listener on this local address and port, or NULL. */
static struct afp_sock *listener_at(struct afp *a, const uint8_t laddr[16], uint16_t lport,
				    bool ask)
{
	struct afp_sock *l = find_local(a, IPPROTO_TCP, laddr, lport);

	/* Not met yet (listeners show up in dumps): ask the kernel for it. */
	if (!l && ask)
		l = lookup(a, IPPROTO_TCP, laddr, lport, is_v4(laddr) ? any4 : any6, 0, false);
	if (!l || l->rec.state != TCP_LISTEN)
		return NULL;
	if (!l->rec.has_owner)
		try_owner(a, l, false);
	return l;
}

/* The listener a TCP socket on this local address and port was accepted from. */
static struct afp_sock *listener_of(struct afp *a, struct afp_sock *s, bool ask)
{
	struct afp_sock *l = listener_at(a, s->rec.laddr, s->rec.lport, ask);

	return l == s ? NULL : l;
}

/*
 * Who holds (or last held) the listener of an accepted TCP socket, if we are
 * watching it. A server that stops listening and exits can leave its last
 * connections to be read after the listener is gone from our table; its
 * holder stays known by port for PAST_LISTENER_KEEP seconds for them.
 */
static bool listener_holder(struct afp *a, struct afp_sock *s, bool ask, struct np_owner *out)
{
	struct afp_sock *l = listener_of(a, s, ask);
	struct past_listener *p;

	if (l) {
		if (!l->rec.has_owner || !l->in_scope)
			return false;
		*out = l->rec.owner;
		return true;
	}
	if (!(p = htab_get(&a->past_listeners, &s->rec.lport)))
		return false;
	*out = p->owner;
	return true;
}

/* A listener left the kernel's tables: remember who held it (see listener_holder). */
static void listener_gone(struct afp *a, const struct afp_sock *l)
{
	struct past_listener *p;

	if (l->rec.protocol != IPPROTO_TCP || l->rec.state != TCP_LISTEN ||
	    !l->rec.has_owner || !l->in_scope)
		return;
	if (!(p = htab_get(&a->past_listeners, &l->rec.lport))) {
		if (!(p = calloc(1, sizeof(*p))))
			return;
		if (htab_put(&a->past_listeners, &l->rec.lport, p)) {
			free(p);
			return;
		}
	}
	p->owner = l->rec.owner;
	p->gone_at = now_monotonic();
}

static void forget_past_listeners(struct afp *a, double now)
{
	size_t i = 0;
	const void *k;
	void *v;

	while (htab_next(&a->past_listeners, &i, &k, &v)) {
		struct past_listener *p = v;

		if (now - p->gone_at > PAST_LISTENER_KEEP) {
			uint16_t port = *(const uint16_t *)k;

			htab_del(&a->past_listeners, &port);
			free(p);
		}
	}
}

static void try_owner(struct afp *a, struct afp_sock *s, bool now_or_never)
{
	struct np_owner o;
	uint32_t hints[1];
	int nhints = 0;
	double now;

	if (s->rec.has_owner || !s->inode || !s->in_scope)
		return;
	/*
	 * An accepted socket most likely belongs to whoever holds its listener.
	 * Remembered at once, not after a back-off: the server may close the
	 * listener and exit before this socket's holder is found, and then the
	 * listener's holder is all that says whose its bytes were.
	 */
	if (s->rec.protocol == IPPROTO_TCP && s->rec.state != TCP_LISTEN && !s->has_heir)
		s->has_heir = listener_holder(a, s, false, &s->heir);
	now = now_monotonic();
	if (!now_or_never && now < s->next_owner_try)
		return;
	if (s->has_heir)
		hints[nhints++] = s->heir.tgid;
	if (ps_find(&a->ps, s->inode, hints, nhints, now_or_never, &o) == 0) {
		o.cgroup_id = s->cgroup_id;
		s->rec.owner = o;
		s->rec.has_owner = 1;
		return;
	}
	s->owner_backoff = s->owner_backoff ? s->owner_backoff * 2 : OWNER_RETRY_MIN;
	if (s->owner_backoff > OWNER_RETRY_MAX)
		s->owner_backoff = OWNER_RETRY_MAX;
	s->next_owner_try = now + s->owner_backoff;
}

/* Add or update a socket the kernel told us about. */
static struct afp_sock *upsert(struct afp *a, const struct sd_sock *d, bool from_dump,
			       bool urgent)
{
	struct afp_sock *s = htab_get(&a->socks, &d->cookie);
	uint16_t lport = d->lport;
	struct np_sock_record *r;
	bool met_now = !s;

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return NULL;
		s->rec.cookie = d->cookie;
		s->rec.netns = a->netns_ino;
		if (htab_put(&a->socks, &s->rec.cookie, s)) {
			free(s);
			return NULL;
		}
		s->in_scope = ps_in_scope(&a->ps, d->cgroup_id);
		s->seen_gen = a->dump_gen;
	}
	r = &s->rec;
	/*
	 * A TCP socket caught closing (seen in LAST_ACK and CLOSE) can come
	 * with local port 0: the kernel reports the port the socket holds bound,
	 * and a closing socket gives it back. Its tuple is still the one we
	 * knew; without it no packet finds the socket, nor the socket its
	 * listener's holder (a server's SYN or a whole connection went to
	 * unknown about once in 10 runs of the long-lived-server tests).
	 */
	if (!lport && d->rport)
		lport = r->lport;
	if (from_dump)
		s->seen_gen = a->dump_gen;
	s->gone = false;
	/*
	 * 0 once its file is closed (orphaned, TIME_WAIT): no process holds it
	 * any more, so no /proc scan looks for one.
	 */
	s->inode = d->inode;
	s->v6only = d->v6only;
	if (d->cgroup_id)
		s->cgroup_id = d->cgroup_id;
	r->family = d->family;
	r->protocol = d->protocol;
	r->state = d->protocol == IPPROTO_TCP ? d->state : 0;
	if (r->lport != lport || r->rport != d->rport || memcmp(r->laddr, d->laddr, 16) ||
	    memcmp(r->raddr, d->raddr, 16) || !(s->filed_tuple || s->filed_local)) {
		unfile(a, s);
		memcpy(r->laddr, d->laddr, 16);
		memcpy(r->raddr, d->raddr, 16);
		r->lport = lport;
		r->rport = d->rport;
		file(a, s);
	}
	/*
	 * Looked for when first met; after that only as its packets come
	 * (account() tries on each, backed off). A socket no process holds
	 * (a kernel socket: VXLAN, WireGuard; a descriptor in flight) would
	 * otherwise cost a scan of every process's descriptors every few
	 * seconds while idle: a third of the capture's CPU at 10,000 sockets.
	 */
	if (met_now || urgent)
		try_owner(a, s, urgent);
	return s;
}

static int dump_cb(const struct sd_sock *d, void *ctx)
{
	upsert(ctx, d, true, false);
	return 0;
}

static void free_misses(struct afp *a)
{
	htab_free(&a->misses);
	htab_init(&a->misses, sizeof(struct tuple_key));
}

static unsigned drain_ring(struct afp *a);

/*
 * Whether the block the kernel is filling (the one we read next: we read in
 * order) holds packets. It is ours only once full or retired by its timer.
 */
static bool ring_pending(struct afp *a)
{
	struct tpacket_block_desc *bd = (void *)(a->ring + (size_t)a->cur * a->block_size);

	return !(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) &&
	       __atomic_load_n(&bd->hdr.bh1.num_pkts, __ATOMIC_RELAXED) > 0;
}

/*
 * A socket the dump no longer shows may have sent its last packets just
 * before it went (a server's reply, then close, then gone, within
 * microseconds on loopback): they wait in the block the kernel is filling,
 * up to a timer tick or two. Read them while the socket is still filed, or
 * they go to unknown (a server's whole reply did, about 1 run in 8 of
 * the --netns tests). Waits only when that block holds packets.
 */
static void read_late_packets(struct afp *a)
{
	struct pollfd p = { .fd = a->fd, .events = POLLIN };

	if (ring_pending(a) && poll(&p, 1, LATE_WAIT_MS) > 0)
		a->late_waits++;
	drain_ring(a);
}

/* A full dump of the kernel's TCP and UDP sockets; unlisted ones are gone. */
static int refresh(struct afp *a)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	static const uint16_t fams[] = { AF_INET, AF_INET6 };
	bool walk[2][2] = { { true, true }, { true, true } };	/* [protocol][family] */
	unsigned in_use[2][2];
	size_t i = 0;
	void *v;
	int err;

	/*
	 * A dump visits every bucket of the host's whole table, once per family
	 * (TCP's dumps were 13% of the capture's CPU in a namespace moving only
	 * UDP, 100k datagrams/s; 20% at 10,000 IPv4 connections, half of it the
	 * IPv6 walk). None of a protocol and family in the namespace, and none we
	 * know alive: that table is not walked. (A socket made since is found by
	 * its first packet's lookup, or in the next dump.)
	 */
	if (netns_sockstat_read_by_family(a->sockstat_fd, in_use[0], in_use[1]) == 0) {
		for (int p = 0; p < 2; p++)
			for (int f = 0; f < 2; f++)
				walk[p][f] = in_use[p][f] != 0;
		while (htab_next(&a->socks, &i, NULL, &v)) {
			struct afp_sock *s = v;

			if (!s->gone)
				walk[s->rec.protocol != IPPROTO_TCP][s->rec.family == AF_INET6] = true;
		}
		i = 0;
	}
	a->dump_gen++;
	if (walk[0][0] && walk[0][1] && !a->tcp_both_refused) {
		/* Both TCP families in one walk of the table: half the walking. */
		a->table_walks++;
		err = sd_dump_tcp_both(a->diag_fd, dump_cb, a);
		if (!err) {
			a->tcp_both_walks++;
			walk[0][0] = walk[0][1] = false;
		} else if (err == -EINVAL || err == -EOPNOTSUPP || err == -ENOENT) {
			a->tcp_both_refused = true;	/* one family a walk from now on */
			np_info("afpacket: the kernel refused a TCP dump of both families (%s): "
				"one family a walk", strerror(-err));
		} else {
			return err;
		}
	}
	for (int p = 0; p < 2; p++)
		for (int f = 0; f < 2; f++) {
			if (!walk[p][f])
				continue;
			a->table_walks++;
			err = sd_dump(a->diag_fd, protos[p], fams[f], dump_cb, a);
			if (err && err != -ENOENT)
				return err;
		}
	while (htab_next(&a->socks, &i, NULL, &v)) {
		struct afp_sock *s = v;

		if (s->seen_gen != a->dump_gen && !s->gone) {
			read_late_packets(a);
			break;
		}
	}
	i = 0;
	while (htab_next(&a->socks, &i, NULL, &v)) {
		struct afp_sock *s = v;

		if (s->seen_gen != a->dump_gen && !s->gone) {
			s->gone = true;
			unfile(a, s);
			listener_gone(a, s);
		}
	}
	forget_past_listeners(a, now_monotonic());
	free_misses(a);
	ps_tick(&a->ps);
	a->last_refresh = now_monotonic();
	return 0;
}

/* The kernel's own answer for a packet we cannot place. */
static struct afp_sock *lookup(struct afp *a, uint8_t protocol, const uint8_t l[16],
			       uint16_t lport, const uint8_t r[16], uint16_t rport, bool force)
{
	struct tuple_key k;
	struct sd_sock d;

	tuple_of(&k, protocol, l, lport, r, rport);
	if (!force && htab_get(&a->misses, &k))
		return NULL;
	a->lookups++;
	if (sd_lookup(a->diag_fd, protocol, l, lport, r, rport, &d)) {
		htab_put(&a->misses, &k, (void *)1);
		return NULL;
	}
	a->lookup_hits++;
	/* Found by the tuple we asked for: a closing socket's port 0 is lport (see upsert). */
	if (!d.lport)
		d.lport = lport;
	/* Just met: its holder may be a process about to exit. */
	return upsert(a, &d, false, true);
}

/* ---- counting ---- */

static void add_unknown(struct afp *a, const uint8_t raddr[16], uint8_t protocol, bool tx,
			uint64_t bytes, uint64_t packets)
{
	struct np_unknown_key k = { .protocol = protocol };
	struct np_unknown_val *v;

	memcpy(k.raddr, raddr, 16);
	k.pad[0] = (uint8_t)a->instance;	/* one namespace's counts apart from another's */
	v = htab_get(&a->unknown, &k);
	if (!v && a->unknown.count >= MAX_UNKNOWN) {
		/* Too many remotes: the all-zero key is the overflow bucket, counted. */
		a->unknown_overflow += packets;
		memset(k.raddr, 0, 16);
		v = htab_get(&a->unknown, &k);
	}
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v || htab_put(&a->unknown, &k, v)) {
			free(v);
			/* Out of memory: keep the bytes in the overflow bucket. */
			memset(k.raddr, 0, 16);
			if (!(v = htab_get(&a->unknown, &k)))
				return;
		}
	}
	if (tx) {
		v->tx_bytes += bytes;
		v->tx_packets += packets;
	} else {
		v->rx_bytes += bytes;
		v->rx_packets += packets;
	}
}

static struct frag_ent *frag_find(struct afp *a, const struct pkt_info *p, bool tx)
{
	for (int i = 0; i < NFRAGS; i++) {
		struct frag_ent *f = &a->frags[i];

		if (f->cookie && f->id == p->frag_id && f->protocol == p->protocol &&
		    f->tx == tx && !memcmp(f->saddr, p->saddr, 16) && !memcmp(f->daddr, p->daddr, 16))
			return f;
	}
	return NULL;
}

/*
 * A packet of an established flow that only a listener matches any more:
 * the accepted socket came and went between two looks. Its bytes go to the
 * listener's holder, on a connection of its own, under a cookie with bit 63
 * set (the kernel's cookies count up from 1 and never get there).
 */
static struct afp_sock *from_listener(struct afp *a, struct afp_sock *lst,
				      const uint8_t *l, uint16_t lport, const uint8_t *r,
				      uint16_t rport)
{
	struct afp_sock *s;

	/*
	 * A server just started: its first connections may come and go before
	 * the listener's holder was looked for (a backed-off look, or none yet).
	 * Look now, once per listener, rather than give them to unknown.
	 */
	if (!lst->rec.has_owner && lst->in_scope && !lst->asked_now) {
		lst->asked_now = true;
		try_owner(a, lst, true);
	}
	if (!lst->rec.has_owner || !lst->in_scope)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->rec.cookie = 1ULL << 63 | (uint64_t)a->instance << 40 | ++a->synth_cookies;
	s->rec.netns = a->netns_ino;
	if (htab_put(&a->socks, &s->rec.cookie, s)) {
		free(s);
		return NULL;
	}
	s->rec.family = lst->rec.family;
	s->rec.protocol = IPPROTO_TCP;
	s->rec.state = TCP_CLOSE;
	s->rec.owner = lst->rec.owner;
	s->rec.has_owner = 1;
	memcpy(s->rec.laddr, l, 16);
	memcpy(s->rec.raddr, r, 16);
	s->rec.lport = lport;
	s->rec.rport = rport;
	s->in_scope = true;
	s->seen_gen = a->dump_gen;	/* the next dump will not list it: closed then */
	file(a, s);
	a->inferred++;
	return s;
}

/*
 * Who is charged with an accepted socket nobody is known to hold (yet, or any
 * more: not accepted yet, closed, in TIME_WAIT): the holder of the listener it
 * came from, as the eBPF mode's sockets inherit the listener's owner until
 * their own process touches them. Remembered, so the listener may close
 * before the socket does. False for other sockets: their bytes are unknown.
 *
 * Why this and not more kernel questions: the listener is in our table
 * already (dumps, or one lookup), so a server's bytes are exact at no cost
 * per packet however short its connections. sock_diag's destroy
 * notifications would say when a socket closed but not who held it, and a
 * synchronous lookup on a socket's first packet is made already (lookup())
 * and cannot find a holder once the file is gone.
 */
static bool heir_of(struct afp *a, struct afp_sock *s, bool ask, struct np_owner *out)
{
	struct np_owner h;

	if (s->rec.protocol != IPPROTO_TCP || s->rec.state == TCP_LISTEN ||
	    (s->rec.state == TCP_SYN_RECV && !s->inode))
		return false;
	if (listener_holder(a, s, ask, &h)) {
		s->heir = h;
		s->has_heir = true;
	}
	if (!s->has_heir)
		return false;
	*out = s->heir;
	return true;
}

static struct afp_sock *place(struct afp *a, const struct pkt_info *p, bool tx,
			      const uint8_t *l, uint16_t lport, const uint8_t *r, uint16_t rport)
{
	struct tuple_key k;
	struct afp_sock *s;

	tuple_of(&k, p->protocol, l, lport, r, rport);
	s = htab_get(&a->by_tuple, &k);
	if (p->protocol == IPPROTO_TCP) {
		/* A new connection may reuse a closed one's tuple: ask again on SYN. */
		bool syn = (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;

		/*
		 * A request socket we met at the SYN has become a child socket
		 * with a cookie of its own since: look again.
		 */
		bool stale = s && ((syn && s->rec.state == TCP_TIME_WAIT) ||
				   (s->rec.state == TCP_SYN_RECV && !s->inode && !s->rec.has_owner));

		if (!s || stale) {
			s = lookup(a, IPPROTO_TCP, l, lport, r, rport, syn || stale);
			/*
			 * The listener may have closed since (after the last
			 * connection): we know it until the next dump.
			 */
			if (!s)
				s = find_local(a, IPPROTO_TCP, l, lport);
		}
		/*
		 * The handshake is the listener's, as the kernel charges it: the
		 * SYN arrives on the listener, a request socket (no file, no
		 * process) sends the SYN-ACK and takes the ACK.
		 */
		if (s && s->rec.state == TCP_SYN_RECV && !s->inode)
			return listener_at(a, l, lport, true);
		if (s && s->rec.state == TCP_LISTEN)
			return syn ? s : from_listener(a, s, l, lport, r, rport);
		return s;
	}
	if (s || (s = find_local(a, p->protocol, l, lport)))
		return s;
	return lookup(a, p->protocol, l, lport, r, rport, false);
}

/*
 * place(), remembered for the next packet of the same flow. Not for a SYN
 * (it may open a new connection on an old tuple) nor for a socket place()
 * treats by its state (a listener, a request socket, TIME_WAIT): those go
 * through place() every time.
 */
static struct afp_sock *place_flow(struct afp *a, const struct pkt_info *p, bool tx,
				   const uint8_t *l, uint16_t lport, const uint8_t *r,
				   uint16_t rport)
{
	bool tcp = p->protocol == IPPROTO_TCP;
	struct tuple_key k;
	struct afp_sock *s;

	if (tcp && (p->tcp_flags & TCP_SYN))
		return place(a, p, tx, l, lport, r, rport);
	tuple_of(&k, p->protocol, l, lport, r, rport);
	if (a->flow.s && !memcmp(&a->flow.k, &k, sizeof(k)))
		return a->flow.s;
	s = place(a, p, tx, l, lport, r, rport);
	if (s && (!tcp || (s->rec.state != TCP_LISTEN && s->rec.state != TCP_SYN_RECV &&
			   s->rec.state != TCP_TIME_WAIT))) {
		a->flow.k = k;
		a->flow.s = s;
	}
	return s;
}

/* An unconnected UDP socket's traffic with one peer: a breakdown of its counts. */
static void count_peer(struct afp *a, const struct afp_sock *s, const uint8_t *raddr,
		       uint16_t rport, bool tx, uint64_t bytes, uint64_t packets)
{
	struct np_peer_key k = { .cookie = s->rec.cookie, .rport = rport };
	struct np_peer_val *v;

	memcpy(k.raddr, raddr, 16);
	if (a->peer.v && !memcmp(&a->peer.k, &k, sizeof(k)))
		v = a->peer.v;
	else
		v = htab_get(&a->peers, &k);
	if (!v) {
		if (a->peers.count >= MAX_PEERS || !(v = calloc(1, sizeof(*v)))) {
			a->peers_full += packets;
			return;
		}
		if (htab_put(&a->peers, &k, v)) {
			free(v);
			a->peers_full += packets;
			return;
		}
	}
	a->peer.k = k;
	a->peer.v = v;
	if (tx) {
		v->tx_bytes += bytes;
		v->tx_packets += packets;
	} else {
		v->rx_bytes += bytes;
		v->rx_packets += packets;
	}
}

/* Peers to the model; entries of sockets the model no longer follows go. */
static int apply_peers(struct afp *a, struct np_model *m)
{
	size_t i = 0;
	const void *k;
	void *v;
	int err;

	while (htab_next(&a->peers, &i, &k, &v)) {
		const struct np_peer_key *pk = k;

		if ((err = model_apply_peer(m, pk, v)))
			return err;
		if (!htab_get(&a->socks, &pk->cookie) && !model_knows_socket(m, pk->cookie)) {
			struct np_peer_key gone = *pk;

			model_forget_peer(m, &gone);
			htab_del(&a->peers, &gone);
			free(v);
			a->peer.v = NULL;
		}
	}
	return 0;
}

/* The socket charged with the packet, or NULL (unknown, not watched). */
static struct afp_sock *account(struct afp *a, const struct pkt_info *p, bool tx,
				uint32_t gso_size)
{
	const uint8_t *l = tx ? p->saddr : p->daddr, *r = tx ? p->daddr : p->saddr;
	uint16_t lport = tx ? p->sport : p->dport, rport = tx ? p->dport : p->sport;
	uint64_t segs = 1, bytes = p->ip_bytes, payload;
	struct afp_sock *s = NULL;
	struct np_counters *c;

	/* A GSO/GRO packet counts as the segments it is on the wire. */
	if (gso_size && p->payload > gso_size) {
		segs = (p->payload + gso_size - 1) / gso_size;
		bytes += (segs - 1) * p->hdr_bytes;
	}
	if (p->frag == PKT_FRAG_LATER) {
		struct frag_ent *f = frag_find(a, p, tx);

		s = f ? htab_get(&a->socks, &f->cookie) : NULL;
	} else if (p->protocol == IPPROTO_TCP || p->protocol == IPPROTO_UDP ||
		   p->protocol == IPPROTO_UDPLITE) {
		if (p->sport && p->dport)
			s = place_flow(a, p, tx, l, lport, r, rport);
		if (s && p->frag == PKT_FRAG_FIRST) {
			struct frag_ent *f = frag_find(a, p, tx);

			if (!f) {
				f = &a->frags[a->frag_next++ % NFRAGS];
				memcpy(f->saddr, p->saddr, 16);
				memcpy(f->daddr, p->daddr, 16);
				f->id = p->frag_id;
				f->protocol = p->protocol;
				f->tx = tx;
			}
			f->cookie = s->rec.cookie;
		}
	}
	if (s && !s->in_scope)
		return NULL;	/* another cgroup's socket: not watched */
	if (s && !s->rec.has_owner && !s->inode) {
		struct np_owner heir;

		/* No file: no process to find. Kept on the socket only for a listener's heir. */
		if (!heir_of(a, s, true, &heir))
			s = NULL;
	}
	if (!s) {
		add_unknown(a, r, p->protocol, tx, bytes, segs);
		return NULL;
	}
	try_owner(a, s, false);
	payload = p->payload;
	if (p->protocol == IPPROTO_TCP && p->frag == PKT_FRAG_NONE)
		payload = tcp_seq_fresh(&s->seq[tx], p->tcp_seq + !!(p->tcp_flags & TCP_SYN), payload);
	if (s->filed_local && s->rec.protocol != IPPROTO_TCP && rport)
		count_peer(a, s, r, rport, tx, bytes, segs);
	c = &s->rec.c;
	if (tx) {
		c->tx_bytes += bytes;
		c->tx_packets += segs;
		c->tx_payload += payload;
	} else {
		c->rx_bytes += bytes;
		c->rx_packets += segs;
		c->rx_payload += payload;
	}
	return s;
}

/* ---- the rings ---- */

static bool is_dns_port(const struct afp *a, uint16_t port)
{
	for (int i = 0; i < NP_DNS_PORTS_MAX && a->sink->dns_ports[i]; i++)
		if (a->sink->dns_ports[i] == port)
			return true;
	return false;
}

/* A DNS message or a ClientHello: to the sink, with the owner of the socket charged. */
static void pass_payload(struct afp *a, struct afp_sock *s, const struct pkt_info *p,
			 bool tx, const struct tpacket3_hdr *h, const uint8_t *frame,
			 uint32_t caplen, uint32_t wirelen)
{
	const uint8_t *ip = frame + p->ip_off, *data = ip + p->hdr_bytes;
	struct np_payload pl = { .egress = tx };

	if (p->protocol != IPPROTO_UDP && p->protocol != IPPROTO_TCP)
		return;
	if (caplen < p->ip_off + p->hdr_bytes)
		return;
	if (is_dns_port(a, p->sport) || is_dns_port(a, p->dport)) {
		if (p->protocol == IPPROTO_TCP && !p->payload)
			return;
		pl.kind = NP_PAYLOAD_DNS;
		/* A query leaving a socket we cannot name yet: its process may not wait long. */
		if (s && tx && !s->rec.has_owner && is_dns_port(a, p->dport))
			try_owner(a, s, true);
	} else if (p->protocol == IPPROTO_TCP && tx && p->payload >= 6 &&
		   caplen >= p->ip_off + p->hdr_bytes + 6 &&
		   data[0] == TLS_HANDSHAKE && data[5] == TLS_CLIENT_HELLO) {
		pl.kind = NP_PAYLOAD_TLS_HELLO;
	} else {
		return;
	}
	pl.mono = h->tp_sec + h->tp_nsec / 1e9 + a->mono_minus_real;
	if (s) {
		pl.cookie = s->rec.cookie;
		pl.has_owner = s->rec.has_owner;
		pl.owner = s->rec.owner;
	}
	pl.ip = ip;
	pl.caplen = caplen - p->ip_off;
	pl.len = wirelen > p->ip_off ? wirelen - p->ip_off : 0;
	a->sink->fn(a->sink->ctx, &pl);
}

static void handle_frame(struct afp *a, struct tpacket3_hdr *h)
{
	struct sockaddr_ll *sll = (void *)((uint8_t *)h + TPACKET_ALIGN(sizeof(*h)));
	const uint8_t *data = (uint8_t *)h + h->tp_mac;
	uint32_t caplen = h->tp_snaplen, wirelen = h->tp_len, gso = 0;
	struct afp_sock *s;
	struct pkt_info p;
	bool tx;

	if (sll->sll_pkttype == PACKET_OUTGOING)
		tx = true;
	else if (sll->sll_pkttype == PACKET_HOST)
		tx = false;
	else
		return;		/* other hosts' traffic, broadcast copies of ours */
	a->packets++;
	if (a->vnet) {
		const struct virtio_net_hdr *vh = (const void *)(data - sizeof(*vh));

		if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE)
			gso = le16toh(vh->gso_size);
	}
	if (sll->sll_hatype != PKT_ARPHRD_ETHER && sll->sll_hatype != PKT_ARPHRD_LOOPBACK &&
	    h->tp_net > h->tp_mac) {
		/* Other link headers (IPoIB, cooked tunnels) are skipped, not parsed. */
		uint32_t skip = h->tp_net - h->tp_mac;

		data += skip;
		caplen = caplen > skip ? caplen - skip : 0;
		wirelen = wirelen > skip ? wirelen - skip : 0;
	}
	switch (pkt_parse(data, caplen, wirelen, sll->sll_hatype, &p)) {
	case PKT_PORTS:
		s = account(a, &p, tx, gso);
		if (a->sink)
			pass_payload(a, s, &p, tx, h, data, caplen, wirelen);
		break;
	case PKT_NO_PORTS:
		account(a, &p, tx, gso);
		break;
	case PKT_MALFORMED:
	case PKT_NOT_IP:
		break;
	}
}

/* Every block userspace holds, in order; returns the packets read. */
static unsigned drain_ring(struct afp *a)
{
	unsigned got = 0;

	a->mono_minus_real = now_monotonic() - now_realtime();
	for (unsigned n = 0; n < a->nblocks; n++) {
		struct tpacket_block_desc *bd = (void *)(a->ring + (size_t)a->cur * a->block_size);
		struct tpacket3_hdr *h;

		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			break;
		h = (void *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
		for (uint32_t i = 0; i < bd->hdr.bh1.num_pkts; i++) {
			handle_frame(a, h);
			h = (void *)((uint8_t *)h + h->tp_next_offset);
		}
		got += bd->hdr.bh1.num_pkts;
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		a->cur = (a->cur + 1) % a->nblocks;
	}
	return got;
}

/*
 * Wake-ups for outgoing TCP SYNs and UDP datagrams: find the sending socket's
 * owner now, before a short-lived process can exit. Datagrams of sockets we
 * already know cost one hash lookup; at most HINT_BATCH are read per call,
 * then the UDP socket rests HINT_REST seconds (its small buffer drops the
 * rest): a local UDP flood neither costs much nor delays SYN wake-ups.
 */
static void drain_one(struct afp *a, int which)
{
	uint8_t buf[SNAPLEN];
	struct sockaddr_ll sll;
	socklen_t sl = sizeof(sll);
	struct pkt_info p;
	ssize_t n;
	int batch = 0;

	if (a->hint_fd[which] < 0 || (which == HINT_UDP && now_monotonic() < a->hint_rest_until))
		return;
	while ((which == HINT_SYN || batch < HINT_BATCH) &&
	       (n = recvfrom(a->hint_fd[which], buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&sll, &sl)) > 0) {
		struct afp_sock *s;
		double now;

		sl = sizeof(sll);
		batch++;
		a->hints++;
		/* recvfrom() on a packet socket starts at the link header, as the ring does. */
		if (pkt_parse(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf), n,
			      sll.sll_hatype, &p) != PKT_PORTS || !p.sport || !p.dport)
			continue;
		if (p.protocol == IPPROTO_UDP) {
			struct tuple_key k;

			tuple_of(&k, IPPROTO_UDP, p.saddr, p.sport, p.daddr, p.dport);
			s = htab_get(&a->by_tuple, &k);
			if (!s)
				s = find_local(a, IPPROTO_UDP, p.saddr, p.sport);
			if (s && (s->rec.has_owner || !s->in_scope))
				continue;	/* known already */
		} else if (p.protocol != IPPROTO_TCP) {
			continue;
		}
		/* Bounded work at a raised priority: a flood must not take the machine. */
		now = now_monotonic();
		a->hint_tokens += (now - a->hint_refill) * HINT_RATE;
		a->hint_refill = now;
		if (a->hint_tokens > HINT_BURST)
			a->hint_tokens = HINT_BURST;
		if (a->hint_tokens < 1) {
			a->hints_skipped++;
			continue;
		}
		a->hint_tokens--;
		s = lookup(a, p.protocol, p.saddr, p.sport, p.daddr, p.dport, true);
		if (s && s->rec.has_owner)
			a->hints_owned++;
		else if (s && s->inode)
			a->hints_noproc++;
	}
	if (which == HINT_UDP && batch == HINT_BATCH)
		a->hint_rest_until = now_monotonic() + HINT_REST;
}

static void drain_hints(struct afp *a)
{
	drain_one(a, HINT_SYN);
	drain_one(a, HINT_UDP);
}

static int read_drops(struct afp *a)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	/* The kernel resets these counters on every read: keep the sum. */
	if (getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len))
		return -errno;
	a->drops += st.tp_drops;
	return 0;
}

/* ---- the backend interface ---- */

/*
 * Packets counted past its base: on an ownerless socket, since settle() last
 * gave its counts to unknown; on an owned one, what settle() hands the model
 * (counts only grow, so none now means none was ever handed). Payload is
 * counted only with packets.
 */
static bool counted_past_base(const struct afp_sock *s)
{
	return s->rec.c.rx_packets != s->base.rx_packets ||
	       s->rec.c.tx_packets != s->base.tx_packets;
}

/*
 * Hand one socket's counts to the model, or to unknown while nobody is
 * known to hold it; a socket that is gone is handed over a last time and
 * freed. Never adds sockets: callers may be walking the table.
 */
static int settle(struct afp *a, struct np_model *m, struct afp_sock *s, const void *key,
		  double now)
{
	struct np_sock_record r;
	int err = 0;

	/* Only bytes need an owner: an idle socket is not looked for (see upsert()). */
	if (s->in_scope && !s->rec.has_owner && counted_past_base(s))
		try_owner(a, s, false);
	r = s->rec;
	/*
	 * Not found (yet): an accepted socket's bytes go to its listener's
	 * holder for now; the model gives later ones to its own process once
	 * found (the counts of one cookie may move between owners).
	 */
	if (s->in_scope && !r.has_owner && heir_of(a, s, false, &r.owner)) {
		r.has_owner = 1;
		if (!s->inferred) {
			s->inferred = true;
			a->inferred++;
		}
	}
	/*
	 * An owned socket nothing was counted on (an idle connection) is not
	 * handed over: the model has nothing of it to keep, and learns it whole
	 * at its first packet. Its model update and name refresh were a tenth
	 * of the capture's CPU in a profile beside 10,000 idle sockets.
	 */
	if (s->in_scope && r.has_owner && counted_past_base(s)) {
		/* Named as it is now: it may have exec'ed since its socket was found. */
		ps_refresh_owner(&a->ps, &r.owner);
		if (s->rec.has_owner)
			memcpy(s->rec.owner.comm, r.owner.comm, NP_COMM_LEN);
		r.c.rx_bytes -= s->base.rx_bytes;
		r.c.tx_bytes -= s->base.tx_bytes;
		r.c.rx_packets -= s->base.rx_packets;
		r.c.tx_packets -= s->base.tx_packets;
		r.c.rx_payload -= s->base.rx_payload;
		r.c.tx_payload -= s->base.tx_payload;
		r.event = s->gone ? NP_SOCK_CLOSED : NP_SOCK_LIVE;
		err = model_apply_sock(m, &r, now);
	} else if (s->in_scope && !r.has_owner) {
		struct np_counters *cc = &s->rec.c, *b = &s->base;

		add_unknown(a, s->rec.raddr, s->rec.protocol, true,
			    cc->tx_bytes - b->tx_bytes, cc->tx_packets - b->tx_packets);
		add_unknown(a, s->rec.raddr, s->rec.protocol, false,
			    cc->rx_bytes - b->rx_bytes, cc->rx_packets - b->rx_packets);
		*b = *cc;
	}
	if (s->gone) {
		htab_del(&a->socks, key);
		free(s);
	}
	return err;
}

/* keep in sync with afp_pollfds() */
static int afp_wait(struct capture *c, struct np_model *m, int timeout_ms)
{
	struct afp *a = c->priv;
	double now = now_monotonic();
	/*
	 * Waiting here (timeout_ms > 0), a resting ring is left out and the wait
	 * ends when its rest does (see RING_BUSY). Callers that poll
	 * afp_pollfds() themselves and call with 0 get every call drained.
	 */
	bool own_wait = timeout_ms > 0, resting = own_wait && now < a->ring_rest_until;
	struct pollfd pfd[3] = {
		{ .fd = resting ? -1 : a->fd, .events = POLLIN },
		{ .fd = a->hint_fd[HINT_SYN], .events = POLLIN },
		/* Negative fds are ignored by poll(): a resting UDP socket. */
		{ .fd = now >= a->hint_rest_until ? a->hint_fd[HINT_UDP] : -1,
		  .events = POLLIN },
	};
	size_t i = 0;
	const void *k;
	void *v;
	int n, err;

	if (resting && timeout_ms > (a->ring_rest_until - now) * 1000 + 1)
		timeout_ms = (int)((a->ring_rest_until - now) * 1000) + 1;
	if (!resting)
		drain_ring(a);
	n = poll(pfd, 3, timeout_ms);
	if (n < 0 && errno != EINTR)
		return -errno;
	drain_hints(a);
	if (!own_wait) {
		drain_ring(a);
	} else if (now_monotonic() >= a->ring_rest_until && drain_ring(a) >= RING_BUSY) {
		a->ring_rest_until = now_monotonic() + RING_REST;
		a->ring_rests++;
	}
	now = now_monotonic();
	if (now - a->last_refresh < REFRESH_GAP)
		return 0;
	if ((err = refresh(a)))
		return err;
	/* Closed sockets go to the model now, as the eBPF mode's close records do. */
	while (htab_next(&a->socks, &i, &k, &v))
		if (((struct afp_sock *)v)->gone && (err = settle(a, m, v, k, now)))
			return err;
	return 0;
}

/* What afp_wait() polls; keep in sync with it (the ring's rest is afp_wait's own). */
static int afp_pollfds(struct capture *c, struct pollfd *out, int max)
{
	struct afp *a = c->priv;

	if (max < 3)
		return 0;
	out[0] = (struct pollfd){ .fd = a->fd, .events = POLLIN };
	out[1] = (struct pollfd){ .fd = a->hint_fd[HINT_SYN], .events = POLLIN };
	out[2] = (struct pollfd){
		.fd = now_monotonic() >= a->hint_rest_until ? a->hint_fd[HINT_UDP] : -1,
		.events = POLLIN,
	};
	return 3;
}

static int afp_collect(struct capture *c, struct np_model *m)
{
	struct afp *a = c->priv;
	double now = now_monotonic();
	size_t i = 0;
	const void *k;
	void *v;
	int err;

	drain_hints(a);
	drain_ring(a);
	if ((err = refresh(a)))
		return err;
	if (!a->outer_dump)
		model_begin_dump(m);
	while (htab_next(&a->socks, &i, &k, &v))
		if ((err = settle(a, m, v, k, now)))
			return err;
	/* Before the dump ends: sockets closed this round are still known to the model. */
	if ((err = apply_peers(a, m)))
		return err;
	if (!a->outer_dump)
		model_end_dump(m);
	i = 0;
	while (htab_next(&a->unknown, &i, &k, &v))
		if ((err = model_apply_unknown(m, k, v)))
			return err;
	if ((err = read_drops(a)))
		return err;
	m->lost_records = a->drops;
	m->stat[NP_STAT_UNKNOWN_OVERFLOW] = a->unknown_overflow;
	m->stat[NP_STAT_PEERS_FULL] = a->peers_full;
	return 0;
}

/* Command lines read while their processes held a socket we found. */
static int afp_cmdline(struct capture *c, uint32_t pid, uint64_t start_ns, char *buf,
		       size_t size)
{
	struct afp *a = c->priv;

	return ps_cmdline(&a->ps, pid, start_ns, buf, size);
}

static void afp_close(struct capture *c)
{
	struct afp *a = c->priv;

	if (!a)
		return;
	np_info("afpacket: %llu packets, %llu kernel drops, %llu socket lookups (%llu found), "
		"%llu wake-ups (%llu owners found at once, %llu not found, %llu over the rate), "
		"%llu /proc fd scans (%llu full passes), %llu owners inferred "
		"from listeners, ring rested %llu times (busy), %llu waits for late packets, "
		"%llu socket-table walks (%llu of TCP's two families at once)",
		(unsigned long long)a->packets, (unsigned long long)a->drops,
		(unsigned long long)a->lookups, (unsigned long long)a->lookup_hits,
		(unsigned long long)a->hints, (unsigned long long)a->hints_owned,
		(unsigned long long)a->hints_noproc, (unsigned long long)a->hints_skipped,
		(unsigned long long)a->ps.fd_scans,
		(unsigned long long)a->ps.full_scans, (unsigned long long)a->inferred,
		(unsigned long long)a->ring_rests, (unsigned long long)a->late_waits,
		(unsigned long long)a->table_walks, (unsigned long long)a->tcp_both_walks);
	if (a->ring)
		munmap(a->ring, a->ring_size);
	if (a->fd >= 0)
		close(a->fd);
	for (int i = 0; i < 2; i++)
		if (a->hint_fd[i] >= 0)
			close(a->hint_fd[i]);
	if (a->diag_fd >= 0)
		close(a->diag_fd);
	for (int i = 0; i < 2; i++)
		if (a->sockstat_fd[i] >= 0)
			close(a->sockstat_fd[i]);
	htab_free_all(&a->socks);
	htab_free(&a->by_tuple);
	htab_free(&a->by_local);
	htab_free_all(&a->past_listeners);
	htab_free(&a->misses);
	htab_free_all(&a->unknown);
	htab_free_all(&a->peers);
	ps_free(&a->ps);
	free(a);
	c->priv = NULL;
}

static int attach_filter(int fd, struct sock_filter *f, unsigned short n)
{
	struct sock_fprog prog = { .len = n, .filter = f };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) ? -errno : 0;
}

static int bind_packet(int fd, int ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};

	return bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ? -errno : 0;
}

static int open_ring(struct afp *a, const struct capture_opts *o, int ifindex)
{
	struct sock_filter filter[AFP_FILTER_MAX];
	unsigned short nfilter = afp_ring_filter(filter, o->payloads ? o->payloads->dns_ports : NULL,
						 SNAPLEN, BIG_SNAPLEN);
	struct tpacket_req3 req = {};
	int v3 = TPACKET_V3, one = 1, err;
	uint64_t want = o->buffer_bytes ? o->buffer_bytes : 2097152;

	/* Protocol 0 until bound: nothing queues before the filter and ring are in place. */
	a->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		err = -errno;
		np_err("cannot open an AF_PACKET socket: %s%s", strerror(errno),
		       errno == EPERM ? " (needs CAP_NET_RAW)" : "");
		return err;
	}
	if (setsockopt(a->fd, SOL_PACKET, PACKET_VERSION, &v3, sizeof(v3))) {
		err = -errno;
		np_err("AF_PACKET: TPACKET_V3 not supported: %s", strerror(errno));
		return err;
	}
	/* virtio_net_hdr before each frame carries gso_size: segments, not super-packets. */
	a->vnet = setsockopt(a->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) == 0;
	if ((err = attach_filter(a->fd, filter, nfilter))) {
		np_err("AF_PACKET: cannot attach the socket filter: %s", strerror(-err));
		return err;
	}
	a->block_size = want >= 4 * BLOCK_BIG ? BLOCK_BIG : 4096;
	a->nblocks = want / a->block_size;
	if (a->nblocks < 2)
		a->nblocks = 2;
	req.tp_block_size = a->block_size;
	req.tp_block_nr = a->nblocks;
	req.tp_frame_size = 2048;
	req.tp_frame_nr = a->block_size / 2048 * a->nblocks;
	req.tp_retire_blk_tov = RETIRE_TOV_MS;
	if (setsockopt(a->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
		err = -errno;
		np_err("AF_PACKET: cannot set up a %u x %u-byte ring: %s", a->nblocks,
		       a->block_size, strerror(errno));
		return err;
	}
	a->ring_size = (size_t)a->block_size * a->nblocks;
	a->ring = mmap(NULL, a->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED,
		       a->fd, 0);
	if (a->ring == MAP_FAILED)
		a->ring = mmap(NULL, a->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, 0);
	if (a->ring == MAP_FAILED) {
		a->ring = NULL;
		err = -errno;
		np_err("AF_PACKET: cannot map the ring: %s", strerror(errno));
		return err;
	}
	if ((err = bind_packet(a->fd, ifindex))) {
		np_err("AF_PACKET: cannot bind to %s: %s", o->interface ? o->interface : "all interfaces",
		       strerror(-err));
		return err;
	}
	return 0;
}

static int open_hint(int ifindex, struct sock_filter *f, unsigned short n, int rcvbuf)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (attach_filter(fd, f, n) || bind_packet(fd, ifindex)) {
		np_info("afpacket: no wake-ups (%s): owners are looked up a little later",
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Best effort: without them, owners are still found, only later. */
static void open_hints(struct afp *a, int ifindex)
{
	/* Outgoing TCP segments with SYN and without ACK (connect()), IPv4 and IPv6. */
	struct sock_filter syn[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 16),
		/* 2 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 1, 0),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 7, 13),
		/* 5 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 9),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 11),
		/* 7 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, SKF_NET_OFF + 6),
		/* 8 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 9, 0),
		/* 9 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, SKF_NET_OFF),
		/* 10 */ BPF_STMT(BPF_LD | BPF_B | BPF_IND, SKF_NET_OFF + 13),
		/* 11 */ BPF_JUMP(BPF_JMP | BPF_JA, 3, 0, 0),
		/* 12 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 6),
		/* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 4),
		/* 14 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 40 + 13),
		/* 15 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, TCP_SYN | TCP_ACK),
		/* 16 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TCP_SYN, 0, 1),
		/* 17 */ BPF_STMT(BPF_RET | BPF_K, SNAPLEN),
		/* 18 */ BPF_STMT(BPF_RET | BPF_K, 0),
	};
	/* Outgoing UDP datagrams, IPv4 and IPv6 (no extension headers). */
	struct sock_filter udp[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 8),
		/* 2 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 1, 0),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 2, 5),
		/* 5 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 9),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),
		/* 7 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 6),
		/* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 1),
		/* 9 */ BPF_STMT(BPF_RET | BPF_K, SNAPLEN),
		/* 10 */ BPF_STMT(BPF_RET | BPF_K, 0),
	};

	a->hint_fd[HINT_SYN] = open_hint(ifindex, syn, sizeof(syn) / sizeof(syn[0]), 262144);
	a->hint_fd[HINT_UDP] = open_hint(ifindex, udp, sizeof(udp) / sizeof(udp[0]), HINT_RCVBUF);
}

void afpacket_capture_instance(struct capture *c, unsigned instance)
{
	struct afp *a = c->priv;

	a->instance = instance;
	a->outer_dump = true;
}

int afpacket_capture_open(struct capture *c, const struct capture_opts *o)
{
	struct afp *a = calloc(1, sizeof(*a));
	int ifindex = 0, err;

	if (!a)
		return -ENOMEM;
	a->fd = a->hint_fd[HINT_SYN] = a->hint_fd[HINT_UDP] = a->diag_fd = -1;
	a->sockstat_fd[0] = a->sockstat_fd[1] = -1;
	a->hint_tokens = HINT_BURST;
	a->hint_refill = now_monotonic();
	{
		struct stat st;

		if (stat("/proc/self/ns/net", &st) == 0)
			a->netns_ino = st.st_ino;
	}
	a->sink = o->payloads;
	c->priv = a;
	c->mode = "afpacket";
	c->attach = "tpacket_v3";
	c->wait = afp_wait;
	c->pollfds = afp_pollfds;
	c->collect = afp_collect;
	c->cmdline = afp_cmdline;
	c->close = afp_close;
	if ((err = htab_init(&a->socks, sizeof(uint64_t))) ||
	    (err = htab_init(&a->by_tuple, sizeof(struct tuple_key))) ||
	    (err = htab_init(&a->by_local, sizeof(struct local_key))) ||
	    (err = htab_init(&a->past_listeners, sizeof(uint16_t))) ||
	    (err = htab_init(&a->misses, sizeof(struct tuple_key))) ||
	    (err = htab_init(&a->unknown, sizeof(struct np_unknown_key))) ||
	    (err = htab_init(&a->peers, sizeof(struct np_peer_key))) ||
	    (err = ps_init(&a->ps, o->cgroup_path))) {
		np_err("out of memory");
		goto fail;
	}
	if (o->interface && !(ifindex = if_nametoindex(o->interface))) {
		err = -ENODEV;
		np_err("--interface %s: no such interface", o->interface);
		goto fail;
	}
	/* Without the counts every table is walked, as before. */
	netns_sockstat_open(a->sockstat_fd);
	a->diag_fd = sd_open();
	if (a->diag_fd < 0) {
		err = a->diag_fd;
		np_err("cannot open NETLINK_SOCK_DIAG: %s", strerror(-err));
		goto fail;
	}
	if ((err = refresh(a))) {
		np_err("cannot dump the socket table (sock_diag): %s", strerror(-err));
		goto fail;
	}
	if ((err = open_ring(a, o, ifindex)))
		goto fail;
	open_hints(a, ifindex);
	/*
	 * A wake-up is useful only if we run before the sending
	 * process exits, often within a millisecond: on a busy machine that
	 * takes a higher priority than the workload's. Only where permitted
	 * (CAP_SYS_NICE); the work per wake-up is bounded (one lookup, one
	 * /proc listing).
	 */
	if (a->hint_fd[HINT_SYN] >= 0 && getpriority(PRIO_PROCESS, 0) > HINT_NICE &&
	    setpriority(PRIO_PROCESS, 0, HINT_NICE) == 0)
		np_info("afpacket: running at nice %d to catch short-lived connections", HINT_NICE);
	np_info("AF_PACKET capture attached: %s, TPACKET_V3 ring %u x %u bytes%s, "
		"owners from sock_diag and /proc%s%s", o->interface ? o->interface : "all interfaces",
		a->nblocks, a->block_size, a->vnet ? ", GSO-aware" : "",
		o->cgroup_path ? ", cgroup " : "", o->cgroup_path ? o->cgroup_path : "");
	return 0;
fail:
	afp_close(c);
	return err ? err : -EINVAL;
}
