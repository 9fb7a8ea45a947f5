// SPDX-License-Identifier: GPL-2.0-only
/*
 * Queries are seen from the asking side only: a query leaving a socket, and
 * the answer arriving at that same socket. A DNS server on this host sees
 * the mirror image (a query arriving, an answer leaving), which is its own
 * traffic, not a question it asked: those copies are skipped. A stub
 * resolver's queries upstream leave its own socket, so they are its own.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "dns/dns_track.h"
#include "dns/tls_sni.h"
#include "lib/procinfo.h"
#include "lib/util.h"
#include "monitor/capture/packet_parse.h"

#define SNI_KEEP	600.0	/* seconds a server name waits for its connection to be shown */

/* A query in flight: its socket's end, the server's, the protocol and the id. */
struct pending_key {
	uint8_t client[16], server[16];
	uint16_t client_port, server_port;
	uint16_t id;
	uint8_t protocol;
	uint8_t pad;
};

struct dns_pending {
	struct pending_key key;
	struct dns_event e;
};

struct name_key {
	uint64_t netns;
	uint8_t addr[16];
};

struct dns_name {
	double expires;		/* monotonic */
	char name[DNS_NAME_MAX];
};

struct sni_name {
	double seen;
	char name[DNS_NAME_MAX];
};

struct netns_key {
	uint64_t start_ns;
	uint32_t pid;
	uint32_t pad;
};

int dns_track_init(struct dns_tracker *t, double timeout, size_t pending_max,
		   dns_event_fn fn, void *ctx)
{
	memset(t, 0, sizeof(*t));
	t->timeout = timeout;
	t->pending_max = pending_max;
	t->on_event = fn;
	t->ctx = ctx;
	if (htab_init(&t->pending, sizeof(struct pending_key)) ||
	    htab_init(&t->names, sizeof(struct name_key)) ||
	    htab_init(&t->any_names, 16) ||
	    htab_init(&t->sni, sizeof(uint64_t)) ||
	    htab_init(&t->netns_of, sizeof(struct netns_key)) || dns_tcp_init(&t->tcp)) {
		dns_track_free(t);
		return -1;
	}
	return 0;
}

void dns_track_free(struct dns_tracker *t)
{
	htab_free_all(&t->pending);
	htab_free(&t->any_names);	/* its values belong to names */
	htab_free_all(&t->names);
	htab_free_all(&t->sni);
	htab_free_all(&t->netns_of);
	dns_tcp_free(&t->tcp);
}

/* The asking process's network namespace, read once per process while it lives. */
static uint64_t owner_netns(struct dns_tracker *t, const struct np_payload *p)
{
	struct netns_key k = { .start_ns = p->owner.start_ns, .pid = p->owner.tgid };
	uint64_t *v;

	if (!p->has_owner || !p->owner.tgid)
		return 0;
	if ((v = htab_get(&t->netns_of, &k)))
		return *v;
	if (t->netns_of.count >= DNS_NAMES_MAX)
		return procinfo_netns(k.pid);	/* a cache, not a record: never full */
	if ((v = malloc(sizeof(*v)))) {
		*v = procinfo_netns(k.pid);
		if (!*v || htab_put(&t->netns_of, &k, v)) {
			uint64_t ino = *v;

			free(v);
			return ino;
		}
		return *v;
	}
	return 0;
}

/* Entries past @cutoff go (names: expired; server names: waited long enough). */
static void sweep(struct htab *h, struct htab *any, double cutoff, bool by_expiry)
{
	size_t i = 0;
	const void *k;
	void *v;

	while (htab_next(h, &i, &k, &v)) {
		double when = by_expiry ? ((struct dns_name *)v)->expires : ((struct sni_name *)v)->seen;

		if (when < cutoff) {
			if (by_expiry && htab_get(any, ((const struct name_key *)k)->addr) == v)
				htab_del(any, ((const struct name_key *)k)->addr);
			free(htab_del(h, k));
		}
	}
}

static void learn_name(struct dns_tracker *t, uint64_t netns, const uint8_t addr[16],
		       const char *name, double now, double expires)
{
	struct name_key k = { .netns = netns };
	struct dns_name *v;

	memcpy(k.addr, addr, 16);
	if (!(v = htab_get(&t->names, &k))) {
		if (t->names.count >= DNS_NAMES_MAX)
			sweep(&t->names, &t->any_names, now, true);
		if (t->names.count >= DNS_NAMES_MAX || !(v = calloc(1, sizeof(*v)))) {
			t->n.names_overflow++;
			return;
		}
		if (htab_put(&t->names, &k, v)) {
			free(v);
			t->n.names_overflow++;
			return;
		}
	}
	snprintf(v->name, sizeof(v->name), "%s", name);
	if (expires > v->expires)
		v->expires = expires;
	/* The newest name of the address in whichever namespace: shared, not owned. */
	htab_put(&t->any_names, addr, v);
}

/* Addresses an answer holds, under the name that was asked (not the CNAME targets). */
static void learn_answer(struct dns_tracker *t, const struct dns_msg *m, uint64_t netns,
			 double now)
{
	for (unsigned i = 0; i < m->nanswers; i++) {
		const struct dns_answer *a = &m->answers[i];
		uint8_t addr[16] = { [10] = 0xff, [11] = 0xff };
		double ttl = a->ttl > DNS_NAME_MIN_TTL ? a->ttl : DNS_NAME_MIN_TTL;

		if (a->addr_len == 4)
			memcpy(addr + 12, a->addr, 4);
		else if (a->addr_len == 16)
			memcpy(addr, a->addr, 16);
		else
			continue;
		learn_name(t, netns, addr, m->qname, now, now + ttl);
	}
}

/* The process's name rather than the sending thread's (dig sends from "isc-net-0000"). */
static void process_name(struct np_owner *o, bool has_owner)
{
	char comm[32];

	if (has_owner && procinfo_comm(o->tgid, o->start_ns, comm, sizeof(comm)) == 0)
		snprintf(o->comm, sizeof(o->comm), "%.*s", (int)sizeof(o->comm) - 1, comm);
}

static void report(struct dns_tracker *t, const struct dns_event *e)
{
	if (t->on_event)
		t->on_event(t->ctx, e);
}

static void on_query(struct dns_tracker *t, const struct np_payload *p,
		     const struct pending_key *k, const struct dns_msg *m)
{
	struct dns_pending *q = htab_get(&t->pending, k);

	if (q && !strcasecmp(q->e.qname, m->qname)) {
		q->e.retries++;		/* sent again: the first sending starts the clock */
		return;
	}
	if (!q) {
		if (t->pending.count >= t->pending_max || !(q = calloc(1, sizeof(*q)))) {
			t->n.pending_overflow++;
			return;
		}
		if (htab_put(&t->pending, k, q)) {
			free(q);
			t->n.pending_overflow++;
			return;
		}
	}
	t->n.queries++;
	memset(q, 0, sizeof(*q));
	q->key = *k;
	q->e.query_mono = p->mono;
	q->e.query_real = now_realtime() - (now_monotonic() - p->mono);
	q->e.latency_ms = -1;
	q->e.rcode = -1;
	q->e.has_owner = p->has_owner;
	q->e.owner = p->owner;
	q->e.netns = owner_netns(t, p);
	process_name(&q->e.owner, p->has_owner);
	q->e.protocol = k->protocol;
	memcpy(q->e.resolver, k->server, 16);
	q->e.resolver_port = k->server_port;
	q->e.qtype = m->qtype;
	snprintf(q->e.qname, sizeof(q->e.qname), "%s", m->qname);
}

static void on_answer(struct dns_tracker *t, const struct np_payload *p,
		      const struct pending_key *k, const struct dns_msg *m)
{
	struct dns_pending *q = htab_get(&t->pending, k);

	learn_answer(t, m, owner_netns(t, p), p->mono);
	if (!q || strcasecmp(q->e.qname, m->qname) || q->e.qtype != m->qtype) {
		t->n.unmatched++;
		return;
	}
	htab_del(&t->pending, k);
	/* The same socket: its owner may have been found since the query left. */
	if (!q->e.has_owner && p->has_owner) {
		q->e.has_owner = true;
		q->e.owner = p->owner;
		q->e.netns = owner_netns(t, p);
		process_name(&q->e.owner, true);
	}
	q->e.latency_ms = (p->mono - q->e.query_mono) * 1000.0;
	if (q->e.latency_ms < 0)
		q->e.latency_ms = 0;
	q->e.rcode = m->rcode;
	q->e.answer = m;
	t->n.answered++;
	report(t, &q->e);
	free(q);
}

static void on_message(struct dns_tracker *t, const struct np_payload *p,
		       const struct pkt_info *pi, const uint8_t *msg, size_t len, bool cut)
{
	/* Large (16 answers with their text): one at a time, never on the stack. */
	static struct dns_msg m;
	struct pending_key k = { .protocol = pi->protocol };
	enum dns_status st = dns_parse(msg, len, &m);

	if (st == DNS_MALFORMED) {
		t->n.malformed++;
		return;
	}
	if (st == DNS_TRUNCATED || cut)
		t->n.truncated++;
	if (!m.has_question)
		return;
	/* The asking side only: a query leaving, an answer arriving. */
	if (m.qr == p->egress)
		return;
	memcpy(k.client, p->egress ? pi->saddr : pi->daddr, 16);
	memcpy(k.server, p->egress ? pi->daddr : pi->saddr, 16);
	k.client_port = p->egress ? pi->sport : pi->dport;
	k.server_port = p->egress ? pi->dport : pi->sport;
	k.id = m.id;
	if (m.qr)
		on_answer(t, p, &k, &m);
	else
		on_query(t, p, &k, &m);
}

static void on_client_hello(struct dns_tracker *t, const struct np_payload *p,
			    const uint8_t *data, size_t len)
{
	struct sni_name *v;
	char name[DNS_NAME_MAX];

	if (!p->cookie || tls_client_hello_sni(data, len, name, sizeof(name)) != SNI_FOUND)
		return;
	t->n.tls_hellos++;
	if (!(v = htab_get(&t->sni, &p->cookie))) {
		if (t->sni.count >= DNS_SNI_MAX)
			sweep(&t->sni, NULL, p->mono - SNI_KEEP, false);
		if (t->sni.count >= DNS_SNI_MAX || !(v = calloc(1, sizeof(*v)))) {
			t->n.sni_overflow++;
			return;
		}
		if (htab_put(&t->sni, &p->cookie, v)) {
			free(v);
			t->n.sni_overflow++;
			return;
		}
	}
	v->seen = p->mono;
	snprintf(v->name, sizeof(v->name), "%s", name);
}

struct tcp_msg_ctx {
	struct dns_tracker *t;
	const struct np_payload *p;
	const struct pkt_info *pi;
};

static void tcp_message(void *ctx, const uint8_t *msg, size_t len, bool cut)
{
	struct tcp_msg_ctx *c = ctx;

	/* Too little of a message left to be one: lost, not malformed. */
	if (cut && len < 12) {
		c->t->n.truncated++;
		return;
	}
	on_message(c->t, c->p, c->pi, msg, len, cut);
}

void dns_track_payload(void *ctx, const struct np_payload *p)
{
	struct dns_tracker *t = ctx;
	const uint8_t *data;
	struct pkt_info pi;
	size_t avail;
	bool cut;

	t->payloads++;
	if (pkt_parse_ip(p->ip, p->caplen, p->len, &pi) != PKT_PORTS || pi.hdr_bytes > p->caplen ||
	    (pi.protocol != IPPROTO_UDP && pi.protocol != IPPROTO_TCP))
		return;
	data = p->ip + pi.hdr_bytes;
	avail = p->caplen - pi.hdr_bytes;
	cut = avail < pi.payload;
	if (avail > pi.payload)
		avail = pi.payload;	/* link padding */
	if (p->kind == NP_PAYLOAD_TLS_HELLO) {
		on_client_hello(t, p, data, avail);
		return;
	}
	if (pi.protocol == IPPROTO_UDP) {
		on_message(t, p, &pi, data, avail, cut);
		return;
	}
	/* TCP: messages behind their length, put back together across segments. */
	{
		struct dns_tcp_key k = { .sport = pi.sport, .dport = pi.dport, .egress = p->egress };
		struct tcp_msg_ctx c = { t, p, &pi };

		memcpy(k.src, pi.saddr, 16);
		memcpy(k.dst, pi.daddr, 16);
		/* The capture cut the segment: what it carried cannot be put together. */
		if (cut) {
			t->n.truncated++;
			return;
		}
		dns_tcp_segment(&t->tcp, &k, pi.tcp_seq, data, avail, p->mono, tcp_message, &c);
	}
}

void dns_track_expire(struct dns_tracker *t, double now_mono, bool all)
{
	size_t i = 0;
	const void *k;
	void *v;

	while (htab_next(&t->pending, &i, &k, &v)) {
		struct dns_pending *q = v;

		if (!all && now_mono - q->e.query_mono < t->timeout)
			continue;
		htab_del(&t->pending, k);
		if (now_mono - q->e.query_mono >= t->timeout) {
			q->e.timeout = true;
			t->n.timeouts++;
		}
		report(t, &q->e);
		free(q);
	}
}

const char *dns_track_name(struct dns_tracker *t, uint64_t netns, const uint8_t addr[16],
			   uint64_t cookie, double now_mono, enum dns_name_source *src)
{
	struct name_key k = { .netns = netns };
	struct dns_name *n;
	struct sni_name *s;

	memcpy(k.addr, addr, 16);
	n = htab_get(&t->names, &k);
	if (!n && netns) {
		k.netns = 0;	/* learnt from a socket whose process was not known */
		n = htab_get(&t->names, &k);
	}
	/* The asker's namespace is not known (gone before /proc was read): any will do. */
	if (!n && !netns)
		n = htab_get(&t->any_names, addr);
	if (n && n->expires >= now_mono) {
		*src = NAME_DNS;
		return n->name;
	}
	if (cookie && (s = htab_get(&t->sni, &cookie))) {
		*src = NAME_SNI;
		return s->name;
	}
	*src = NAME_NONE;
	return NULL;
}

uint64_t dns_track_netns_of(struct dns_tracker *t, uint32_t pid, uint64_t start_ns)
{
	struct netns_key k = { .start_ns = start_ns, .pid = pid };
	uint64_t *v = htab_get(&t->netns_of, &k);

	return v ? *v : 0;
}

const char *dns_name_source_str(enum dns_name_source s)
{
	return s == NAME_DNS ? "dns" : s == NAME_SNI ? "sni" : NULL;
}
