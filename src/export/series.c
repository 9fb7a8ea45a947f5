// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exporter-side cumulative series (see series.h). A process is bound to its
 * series the first time it is folded, so its bytes never split across two
 * series when the model later learns a better name for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "export/series.h"

const double ex_dns_bounds[EX_DNS_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};

struct feed_key {
	uint64_t start_ns;
	uint32_t pid;
	uint32_t pad;
};

struct ex_feed {
	struct ex_series *series;
	unsigned gen;		/* last fold that saw the process in the model */
};

int ex_store_init(struct ex_store *s, const bool *label_on, size_t max_series, double ttl)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->label_on, label_on, sizeof(s->label_on));
	s->max_series = max_series;
	s->ttl = ttl;
	if (htab_init(&s->series, sizeof(struct ex_key)) ||
	    htab_init(&s->feeds, sizeof(struct feed_key)) ||
	    htab_init(&s->dns, sizeof(struct ex_dns_key))) {
		ex_store_free(s);
		return -ENOMEM;
	}
	return 0;
}

void ex_store_free(struct ex_store *s)
{
	htab_free_all(&s->series);
	htab_free_all(&s->feeds);
	htab_free_all(&s->dns);
}

/* systemd's units of processes: services and scopes (slices only group them). */
static bool is_unit(const char *name, size_t len)
{
	return (len > 8 && !memcmp(name + len - 8, ".service", 8)) ||
	       (len > 6 && !memcmp(name + len - 6, ".scope", 6));
}

void ex_unit_of(const char *cgroup_path, char *out, size_t size)
{
	const char *p = cgroup_path, *best = NULL;
	size_t best_len = 0;

	out[0] = '\0';
	if (!p)
		return;
	/* The innermost one: user@1000.service/app.slice/x.service is x.service. */
	while (*p) {
		const char *end;

		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		if (end > p && is_unit(p, end - p)) {
			best = p;
			best_len = end - p;
		}
		p = end;
	}
	if (best && best_len < size)
		snprintf(out, size, "%.*s", (int)best_len, best);
}

static struct ex_series *series_of(struct ex_store *s, const struct np_proc *p, double now)
{
	struct ex_key k;
	struct ex_series *se;

	memset(&k, 0, sizeof(k));
	if (s->label_on[EX_LABEL_PROCESS])
		snprintf(k.process, sizeof(k.process), "%s", p->comm);
	if (s->label_on[EX_LABEL_UNIT])
		ex_unit_of(p->cgroup_path, k.unit, sizeof(k.unit));
	if (s->label_on[EX_LABEL_CONTAINER] && p->ct && p->ct->ident.runtime != CT_NONE) {
		if (p->ct->name[0])
			snprintf(k.container, sizeof(k.container), "%.*s", (int)sizeof(k.container) - 1,
				 p->ct->name);
		else
			ct_short_id(p->ct->ident.id, k.container, sizeof(k.container));
	}
	if (s->label_on[EX_LABEL_POD] && p->ct && p->ct->pod_name[0])
		snprintf(k.pod, sizeof(k.pod), "%.40s/%.80s", p->ct->k8s_namespace, p->ct->pod_name);
	else if (s->label_on[EX_LABEL_POD] && p->ct)
		snprintf(k.pod, sizeof(k.pod), "%s", p->ct->ident.pod_uid);
	if (s->label_on[EX_LABEL_PID])
		k.pid = p->pid;
	if ((se = htab_get(&s->series, &k)))
		return se;
	if (s->series.count - (s->other ? 1 : 0) >= s->max_series) {
		/* Full: the newcomer's traffic still counts, under process="other". */
		s->dropped++;
		memset(&k, 0, sizeof(k));
		snprintf(k.process, sizeof(k.process), "other");
		k.other = true;
		if (s->other)
			return s->other;
	}
	se = calloc(1, sizeof(*se));
	if (!se)
		return NULL;
	se->key = k;
	se->last_change = now;
	if (htab_put(&s->series, &se->key, se)) {
		free(se);
		return NULL;
	}
	if (k.other)
		s->other = se;
	return se;
}

int ex_store_fold(struct ex_store *s, struct np_model *m, double now)
{
	size_t i = 0;
	const void *k;
	void *v;

	s->gen++;
	while (htab_next(&m->procs, &i, NULL, &v)) {
		struct np_proc *p = v;
		struct feed_key fk = { .start_ns = p->start_ns, .pid = p->pid };
		struct ex_feed *f = htab_get(&s->feeds, &fk);
		const struct np_traffic *t = &p->interval;

		if (!f) {
			struct ex_series *se = series_of(s, p, now);

			if (!se || !(f = calloc(1, sizeof(*f))))
				return -ENOMEM;
			if (htab_put(&s->feeds, &fk, f)) {
				free(f);
				return -ENOMEM;
			}
			f->series = se;
			se->users++;
		}
		f->gen = s->gen;
		if (t->rx_bytes | t->tx_bytes | t->rx_packets | t->tx_packets) {
			f->series->rx_bytes += t->rx_bytes;
			f->series->tx_bytes += t->tx_bytes;
			f->series->rx_packets += t->rx_packets;
			f->series->tx_packets += t->tx_packets;
			f->series->last_change = now;
		}
	}
	s->unattributed_rx += m->unknown.interval.rx_bytes;
	s->unattributed_tx += m->unknown.interval.tx_bytes;

	/* Processes the model has forgotten (pruned) no longer hold their series. */
	i = 0;
	while (htab_next(&s->feeds, &i, &k, &v)) {
		struct ex_feed *f = v;

		if (f->gen == s->gen)
			continue;
		f->series->users--;
		htab_del(&s->feeds, k);
		free(f);
	}
	/* A series nobody feeds any more stays --series-ttl after its last change. */
	i = 0;
	while (htab_next(&s->series, &i, &k, &v)) {
		struct ex_series *se = v;

		if (se->users || now - se->last_change <= s->ttl)
			continue;
		if (se == s->other)
			s->other = NULL;
		htab_del(&s->series, k);
		free(se);
	}
	i = 0;
	while (htab_next(&s->dns, &i, &k, &v)) {
		struct ex_dns_series *d = v;

		if (now - d->last_change <= s->ttl)
			continue;
		htab_del(&s->dns, k);
		free(d);
	}
	return 0;
}

void ex_store_dns(struct ex_store *s, const char *process, const char *rcode,
		  double latency_s, double now)
{
	struct ex_dns_key k;
	struct ex_dns_series *d;

	memset(&k, 0, sizeof(k));
	snprintf(k.process, sizeof(k.process), "%s", process);
	snprintf(k.rcode, sizeof(k.rcode), "%s", rcode);
	d = htab_get(&s->dns, &k);
	if (!d && s->dns.count >= s->max_series) {
		s->dropped++;
		memset(k.process, 0, sizeof(k.process));
		snprintf(k.process, sizeof(k.process), "other");
		k.other = true;
		d = htab_get(&s->dns, &k);
	}
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return;
		d->key = k;
		if (htab_put(&s->dns, &d->key, d)) {
			free(d);
			return;
		}
	}
	d->queries++;
	d->last_change = now;
	if (latency_s >= 0) {
		for (int b = 0; b < EX_DNS_BUCKETS; b++)
			if (latency_s <= ex_dns_bounds[b])
				s->dns_buckets[b]++;
		s->dns_count++;
		s->dns_sum += latency_s;
	}
}
