// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "monitor/model/model.h"

struct proc_key {
	uint32_t pid;
	uint32_t pad;
	uint64_t start_ns;
};

struct conn_key {
	uint64_t serial;	/* process */
	uint64_t cookie;	/* socket; 0 for unknown-remote rows */
	uint8_t raddr[16];	/* unknown-remote rows only */
	uint8_t protocol;
	uint8_t pad[7];
};

struct peer_key {
	uintptr_t conn;
	struct np_peer_key k;
};

int model_init(struct np_model *m)
{
	int err;

	memset(m, 0, sizeof(*m));
	if ((err = htab_init(&m->socks, sizeof(uint64_t))) ||
	    (err = htab_init(&m->procs, sizeof(struct proc_key))) ||
	    (err = htab_init(&m->by_pid, sizeof(uint32_t))) ||
	    (err = htab_init(&m->conns, sizeof(struct conn_key))) ||
	    (err = htab_init(&m->unknown_last, sizeof(struct np_unknown_key))) ||
	    (err = htab_init(&m->peer_last, sizeof(struct np_peer_key))) ||
	    (err = htab_init(&m->peers, sizeof(struct peer_key))))
		return err;
	m->unknown.is_unknown = true;
	m->unknown.info_done = true;
	m->unknown.conns_tail = &m->unknown.conns;
	strcpy(m->unknown.comm, "unknown");
	m->next_serial = 1;
	return 0;
}

/* st's records charge c from now on. */
static void link_conn(struct np_sock_state *st, struct np_conn *c)
{
	if (st->conn == c)
		return;
	if (st->conn)
		st->conn->sock = NULL;
	st->conn = c;
	c->sock = st;
}

/* c or st is going: the other side forgets it. */
static void unlink_conn(struct np_conn *c)
{
	if (c->sock)
		c->sock->conn = NULL;
	c->sock = NULL;
}

static void unlink_sock(struct np_sock_state *st)
{
	if (st->conn)
		st->conn->sock = NULL;
	st->conn = NULL;
}

static void free_peers(struct np_model *m, struct np_conn *c)
{
	struct np_peer *pe = c->peers, *next;

	for (; pe; pe = next) {
		struct peer_key pk = { .conn = (uintptr_t)c, .k = pe->key };

		next = pe->next;
		htab_del(&m->peers, &pk);
		free(pe);
	}
	c->peers = NULL;
	c->npeers = 0;
}

static void free_conns(struct np_model *m, struct np_proc *p)
{
	struct np_conn *c = p->conns, *next;

	for (; c; c = next) {
		next = c->next;
		unlink_conn(c);
		free_peers(m, c);
		free(c->remote_name);
		free(c);
	}
	p->conns = NULL;
	p->conns_tail = &p->conns;
	p->nconns = 0;
}

void model_free(struct np_model *m)
{
	size_t i = 0;
	void *v;

	while (htab_next(&m->procs, &i, NULL, &v)) {
		struct np_proc *p = v;

		free_conns(m, p);
		free(p->cmdline);
		free(p->cgroup_path);
		free(p->ct);
		free(p);
	}
	htab_free_all(&m->socks);
	htab_free_all(&m->unknown_last);
	free_conns(m, &m->unknown);
	htab_free_all(&m->peer_last);
	htab_free(&m->procs);
	htab_free(&m->by_pid);
	htab_free(&m->conns);
	htab_free(&m->peers);
}

void traffic_add(struct np_traffic *dst, const struct np_traffic *src)
{
	dst->rx_bytes += src->rx_bytes;
	dst->tx_bytes += src->tx_bytes;
	dst->rx_packets += src->rx_packets;
	dst->tx_packets += src->tx_packets;
	dst->rx_payload += src->rx_payload;
	dst->tx_payload += src->tx_payload;
}

/* Counters only grow; a smaller value is an older record arriving late. */
static uint64_t advance(__u64 *last, uint64_t now)
{
	uint64_t d = now > *last ? now - *last : 0;

	if (now > *last)
		*last = now;
	return d;
}

/*
 * IP counts that the kernel keeps cumulative under @key (unknown remotes, UDP
 * peers): the growth since the last call into *d; @lasts remembers them.
 */
static int ip_delta(struct htab *lasts, const void *key, const struct np_unknown_val *now,
		    struct np_traffic *d)
{
	struct np_unknown_val *last = htab_get(lasts, key);

	if (!last) {
		last = calloc(1, sizeof(*last));
		if (!last)
			return -ENOMEM;
		if (htab_put(lasts, key, last)) {
			free(last);
			return -ENOMEM;
		}
	}
	d->rx_bytes = advance(&last->rx_bytes, now->rx_bytes);
	d->tx_bytes = advance(&last->tx_bytes, now->tx_bytes);
	d->rx_packets = advance(&last->rx_packets, now->rx_packets);
	d->tx_packets = advance(&last->tx_packets, now->tx_packets);
	return 0;
}

/* All zero, or IPv4-mapped 0.0.0.0. */
static bool addr_unset(const uint8_t *a)
{
	static const uint8_t zero[16], v4_zero[16] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, zero, 16) || !memcmp(a, v4_zero, 16);
}

/*
 * Before 5.11 the kernel cannot read a task's start time where sockets are
 * created, so such owners come with start time 0: they belong to the newest
 * process with that pid, and a (pid, 0) process becomes the real one as soon
 * as that is known.
 */
static struct np_proc *get_proc(struct np_model *m, const struct np_owner *o, bool create)
{
	struct proc_key k = { .pid = o->tgid, .start_ns = o->start_ns };
	struct proc_key k0 = { .pid = o->tgid };
	struct np_proc *p = htab_get(&m->procs, &k);

	if (p)
		return p;
	if (!o->start_ns) {
		p = htab_get(&m->by_pid, &k.pid);
		if (p || !create)
			return p;
	} else if ((p = htab_get(&m->procs, &k0))) {
		htab_del(&m->procs, &k0);
		p->start_ns = o->start_ns;
		if (htab_put(&m->procs, &k, p))
			return NULL;
		htab_put(&m->by_pid, &k.pid, p);
		return p;
	}
	if (!create)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = o->tgid;
	p->start_ns = o->start_ns;
	p->uid = o->uid;
	p->cgroup_id = o->cgroup_id;
	memcpy(p->comm, o->comm, NP_COMM_LEN);
	p->comm[NP_COMM_LEN] = '\0';
	p->serial = m->next_serial++;
	p->conns_tail = &p->conns;
	if (htab_put(&m->procs, &k, p)) {
		free(p);
		return NULL;
	}
	/* The newest process with this pid: start times only grow. */
	{
		struct np_proc *cur = htab_get(&m->by_pid, &k.pid);

		if (!cur || cur->start_ns <= p->start_ns)
			htab_put(&m->by_pid, &k.pid, p);
	}
	return p;
}

static struct np_conn *get_conn(struct np_model *m, struct np_proc *p,
				const struct conn_key *k)
{
	struct np_conn *c = htab_get(&m->conns, k);

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cookie = k->cookie;
	c->proc = p;
	if (htab_put(&m->conns, k, c)) {
		free(c);
		return NULL;
	}
	*p->conns_tail = c;
	p->conns_tail = &c->next;
	p->nconns++;
	return c;
}

static void charge(struct np_proc *p, struct np_conn *c, const struct np_traffic *d, double now)
{
	traffic_add(&c->total, d);
	traffic_add(&c->interval, d);
	traffic_add(&p->total, d);
	traffic_add(&p->interval, d);
	if (!traffic_zero(d))
		p->last_active = now;
}

int model_apply_sock(struct np_model *m, const struct np_sock_record *r, double now)
{
	struct np_sock_state *st = htab_get(&m->socks, &r->cookie);
	struct conn_key ck = { .cookie = r->cookie };
	struct np_traffic d;
	struct np_proc *p;
	struct np_conn *c;

	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st)
			return -ENOMEM;
		st->cookie = r->cookie;
		if (htab_put(&m->socks, &st->cookie, st)) {
			free(st);
			return -ENOMEM;
		}
	}
	if (r->event == NP_SOCK_LIVE)
		st->seen_gen = m->dump_gen;
	if (r->event == NP_SOCK_CLOSED && !st->closed) {
		st->closed = true;
		st->closed_gen = m->dump_gen;
	}

	/*
	 * A record that cannot name the owner (before 5.11 the dump cannot read
	 * sk storage) must not use up the counts: a later record that can takes them.
	 */
	if (!r->has_owner)
		return 0;
	d.rx_bytes = advance(&st->last.rx_bytes, r->c.rx_bytes);
	d.tx_bytes = advance(&st->last.tx_bytes, r->c.tx_bytes);
	d.rx_packets = advance(&st->last.rx_packets, r->c.rx_packets);
	d.tx_packets = advance(&st->last.tx_packets, r->c.tx_packets);
	d.rx_payload = advance(&st->last.rx_payload, r->c.rx_payload);
	d.tx_payload = advance(&st->last.tx_payload, r->c.tx_payload);
	c = st->conn;
	if (c && r->owner.start_ns && c->proc->start_ns == r->owner.start_ns &&
	    c->proc->pid == r->owner.tgid) {
		p = c->proc;	/* what the lookups below would find */
	} else {
		/* Idle sockets are not listed, but known ones get their new state. */
		p = get_proc(m, &r->owner, !traffic_zero(&d));
		if (!p)
			return traffic_zero(&d) ? 0 : -ENOMEM;
		ck.serial = p->serial;
		c = htab_get(&m->conns, &ck);
		if (!c && traffic_zero(&d))
			return 0;
		if (!c && !(c = get_conn(m, p, &ck)))
			return -ENOMEM;
		link_conn(st, c);
	}
	c->protocol = r->protocol;
	c->family = r->family;
	c->state = r->state;
	c->closed = st->closed;
	if (r->netns) {
		c->netns = r->netns;
		/* Where its sockets were made: known even when it is gone before /proc is read. */
		if (!p->netns)
			p->netns = r->netns;
	}
	/*
	 * Late records know less: release cannot read the local end, and by the
	 * CLOSE state change TCP has already given back its port (and on IPv6
	 * cleared the peer). Keep what is known; take what is new.
	 */
	if (r->lport || !c->local.port) {
		memcpy(c->local.addr, r->laddr, 16);
		c->local.port = r->lport;
	}
	if (!addr_unset(r->raddr) || addr_unset(c->remote.addr))
		memcpy(c->remote.addr, r->raddr, 16);
	if (r->rport || !c->remote.port)
		c->remote.port = r->rport;
	/* The kernel knows the latest name (exec, prctl); keep it. */
	memcpy(p->comm, r->owner.comm, NP_COMM_LEN);
	charge(p, c, &d, now);
	return 0;
}

int model_apply_unknown(struct np_model *m, const struct np_unknown_key *k,
			const struct np_unknown_val *v)
{
	struct conn_key ck = { .serial = 0, .protocol = k->protocol };
	struct np_traffic d = {};
	struct np_conn *c;
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	int err = ip_delta(&m->unknown_last, k, v, &d);

	if (err)
		return err;
	memcpy(ck.raddr, k->raddr, 16);
	c = htab_get(&m->conns, &ck);
	if (!c && traffic_zero(&d))
		return 0;
	if (!c) {
		if (!(c = get_conn(m, &m->unknown, &ck)))
			return -ENOMEM;
		c->protocol = k->protocol;
		memcpy(c->remote.addr, k->raddr, 16);
		c->family = memcmp(k->raddr, v4_mapped, 12) == 0 ? 2 : 10;
	}
	charge(&m->unknown, c, &d, 0);
	return 0;
}

bool model_knows_socket(const struct np_model *m, uint64_t cookie)
{
	return htab_get(&m->socks, &cookie) != NULL;
}

bool model_socket_closed(const struct np_model *m, uint64_t cookie)
{
	const struct np_sock_state *st = htab_get(&m->socks, &cookie);

	return st && st->closed;
}

int model_apply_peer(struct np_model *m, const struct np_peer_key *k,
		     const struct np_peer_val *v)
{
	struct np_sock_state *st = htab_get(&m->socks, &k->cookie);
	struct peer_key pk = { .k = *k };
	struct np_traffic d = {};
	struct np_conn *c;
	struct np_peer *pe;

	const struct np_unknown_val now = {
		.rx_bytes = v->rx_bytes, .tx_bytes = v->tx_bytes,
		.rx_packets = v->rx_packets, .tx_packets = v->tx_packets,
	};
	int err = ip_delta(&m->peer_last, k, &now, &d);

	if (err)
		return err;
	c = st ? st->conn : NULL;
	if (!c || traffic_zero(&d))
		return 0;
	pk.conn = (uintptr_t)c;
	pe = htab_get(&m->peers, &pk);
	if (!pe) {
		pe = calloc(1, sizeof(*pe));
		if (!pe)
			return -ENOMEM;
		if (htab_put(&m->peers, &pk, pe)) {
			free(pe);
			return -ENOMEM;
		}
		pe->key = *k;
		memcpy(pe->remote.addr, k->raddr, 16);
		pe->remote.port = k->rport;
		pe->next = c->peers;
		c->peers = pe;
		c->npeers++;
	}
	traffic_add(&pe->total, &d);
	traffic_add(&pe->interval, &d);
	return 0;
}

/* Forget a peer's cumulative counts once its socket is gone (the kernel entry goes too). */
void model_forget_peer(struct np_model *m, const struct np_peer_key *k)
{
	free(htab_del(&m->peer_last, k));
}

void model_begin_dump(struct np_model *m)
{
	m->dump_gen++;
}

void model_end_dump(struct np_model *m)
{
	size_t i = 0;
	const void *k;
	void *v;

	while (htab_next(&m->socks, &i, &k, &v)) {
		struct np_sock_state *st = v;

		/*
		 * Forget a socket only once a complete dump, begun after we
		 * learnt it closed, no longer lists it: a later record would
		 * otherwise count its bytes again.
		 */
		if (st->seen_gen == m->dump_gen)
			continue;
		if (st->closed ? st->closed_gen < m->dump_gen : st->seen_gen + 1 < m->dump_gen) {
			htab_del(&m->socks, k);
			unlink_sock(st);
			free(st);
		}
	}
}

static void reset_proc(struct np_model *m, struct np_proc *p)
{
	struct np_conn **pp = &p->conns, *c;

	memset(&p->interval, 0, sizeof(p->interval));
	p->conns_tail = &p->conns;
	while ((c = *pp)) {
		if (c->closed) {
			struct conn_key ck = { .serial = p->serial, .cookie = c->cookie };

			if (!c->cookie) {
				memcpy(ck.raddr, c->remote.addr, 16);
				ck.protocol = c->protocol;
			}
			htab_del(&m->conns, &ck);
			*pp = c->next;
			p->nconns--;
			unlink_conn(c);
			free_peers(m, c);
			free(c->remote_name);
			free(c);
			continue;
		}
		memset(&c->interval, 0, sizeof(c->interval));
		for (struct np_peer *pe = c->peers; pe; pe = pe->next)
			memset(&pe->interval, 0, sizeof(pe->interval));
		p->conns_tail = &c->next;
		pp = &c->next;
	}
}

void model_reset_interval(struct np_model *m)
{
	size_t i = 0;
	void *v;

	while (htab_next(&m->procs, &i, NULL, &v))
		reset_proc(m, v);
	reset_proc(m, &m->unknown);
}

size_t model_list_procs(struct np_model *m, struct np_proc ***out)
{
	size_t n = 0, i = 0;
	struct np_proc **list = malloc((m->procs.count + 1) * sizeof(*list));
	void *v;

	if (!list) {
		*out = NULL;
		return 0;
	}
	while (htab_next(&m->procs, &i, NULL, &v))
		list[n++] = v;
	if (m->unknown.nconns || !traffic_zero(&m->unknown.total))
		list[n++] = &m->unknown;
	*out = list;
	return n;
}

size_t model_prune(struct np_model *m, double now, double idle)
{
	size_t i = 0, gone = 0;
	const void *k;
	void *v;

	while (htab_next(&m->procs, &i, &k, &v)) {
		struct np_proc *p = v;

		if (p->nconns || now - p->last_active < idle)
			continue;
		htab_del(&m->procs, k);
		if (htab_get(&m->by_pid, &p->pid) == p)
			htab_del(&m->by_pid, &p->pid);
		free(p->cmdline);
		free(p->cgroup_path);
		free(p->ct);
		free(p);
		gone++;
	}
	return gone;
}
