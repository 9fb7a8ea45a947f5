// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>
#include "dns/dns_tcp.h"

struct dns_tcp_flow {
	uint32_t next_seq;	/* of the byte that continues buf */
	double seen;
	size_t len;
	uint8_t buf[2 + DNS_TCP_MSG_MAX];
};

int dns_tcp_init(struct dns_tcp *s)
{
	memset(s, 0, sizeof(*s));
	return htab_init(&s->flows, sizeof(struct dns_tcp_key));
}

void dns_tcp_free(struct dns_tcp *s)
{
	htab_free_all(&s->flows);
}

static void drop_flow(struct dns_tcp *s, const struct dns_tcp_key *k)
{
	free(htab_del(&s->flows, k));
}

static void sweep(struct dns_tcp *s, double now)
{
	size_t i = 0;
	const void *k;
	void *v;

	while (htab_next(&s->flows, &i, &k, &v))
		if (now - ((struct dns_tcp_flow *)v)->seen > DNS_TCP_STALE)
			free(htab_del(&s->flows, k));
}

/* Whole messages at @p; returns how many bytes they took. */
static size_t messages(const uint8_t *p, size_t n, dns_tcp_msg_fn fn, void *ctx)
{
	size_t used = 0;

	while (n - used >= 2) {
		size_t m = (size_t)p[used] << 8 | p[used + 1];

		if (n - used - 2 < m)
			break;
		fn(ctx, p + used + 2, m, false);
		used += 2 + m;
	}
	return used;
}

void dns_tcp_segment(struct dns_tcp *s, const struct dns_tcp_key *k, uint32_t seq,
		     const uint8_t *data, size_t len, double now, dns_tcp_msg_fn fn, void *ctx)
{
	struct dns_tcp_flow *f = htab_get(&s->flows, k);
	const uint8_t *p = data;
	size_t n = len, used;

	if (!len)
		return;
	if (f && seq != f->next_seq) {
		/* A retransmission of what we have: nothing new. */
		if ((int32_t)(seq + len - f->next_seq) <= 0)
			return;
		/* Bytes missing before this segment: the waiting message is lost. */
		s->gaps++;
		fn(ctx, f->buf + 2, f->len > 2 ? f->len - 2 : 0, true);
		drop_flow(s, k);
		f = NULL;
	}
	if (f) {
		if (f->len + len > sizeof(f->buf)) {
			memcpy(f->buf + f->len, data, sizeof(f->buf) - f->len);
			fn(ctx, f->buf + 2, sizeof(f->buf) - 2, true);
			drop_flow(s, k);
			return;
		}
		memcpy(f->buf + f->len, data, len);
		f->len += len;
		p = f->buf;
		n = f->len;
	}
	used = messages(p, n, fn, ctx);
	if (used == n) {
		if (f)
			drop_flow(s, k);
		return;
	}
	/* A message in progress: wait for the rest, if there is room. */
	if (!f) {
		if (s->flows.count >= DNS_TCP_FLOWS_MAX)
			sweep(s, now);
		if (n - used > sizeof(f->buf) || s->flows.count >= DNS_TCP_FLOWS_MAX ||
		    !(f = malloc(sizeof(*f)))) {
			s->overflow++;
			fn(ctx, p + used + 2, n - used >= 2 ? n - used - 2 : 0, true);
			return;
		}
		if (htab_put(&s->flows, k, f)) {
			free(f);
			s->overflow++;
			return;
		}
		f->len = 0;
	}
	memmove(f->buf, p + used, n - used);
	f->len = n - used;
	f->next_seq = seq + len;
	f->seen = now;
}
