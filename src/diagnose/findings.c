// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/findings.h"
#include "lib/util.h"

/* The fallback for a drop no rule took: a user's file may lack a catch-all. */
#define FALLBACK_ID "unmatched-drop"
#define FALLBACK_SUMMARY "{count} packets dropped for {reason} at {location}"
#define FALLBACK_ADVICE "No rule in the rule file covers this reason; " \
	"see netoproc diagnose --explain {reason}"

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src) ? (src) : "")

int diag_init(struct diag *d, const struct ruleset *rs, const char *procnet,
	      const char *sysnet, bool drops_watched)
{
	int err;

	memset(d, 0, sizeof(*d));
	d->rs = rs;
	d->procnet = procnet;
	d->sysnet = sysnet;
	d->drops_watched = drops_watched;
	err = counters_read(&d->c0, procnet, sysnet);
	if (!err)
		err = socktab_read(&d->s0, procnet);
	if (!err) {
		d->nif0 = ifstats_read(&d->if0);
		if (d->nif0 < 0) {
			err = d->nif0;
			d->nif0 = 0;
		}
	}
	/* Which nft rule drops: its counter says (needs CAP_NET_ADMIN, as BPF does). */
	if (!err && drops_watched)
		err = nft_rules_read(&d->nft0);
	if (err) {
		np_err("diagnose: reading the kernel's counters: %s", strerror(-err));
		diag_free(d);
	}
	return err;
}

void diag_free(struct diag *d)
{
	free(d->drops);
	free(d->dns);
	free(d->sockerrs);
	counters_free(&d->c0);
	socktab_free(&d->s0);
	nft_rules_free(&d->nft0);
	free(d->if0);
	memset(d, 0, sizeof(*d));
}

/* NULL matches all; "!GLOB" whatever GLOB does not match. */
static bool glob(const char *pat, const char *s)
{
	if (pat && pat[0] == '!')
		return fnmatch(pat + 1, s, 0) != 0;
	return !pat || fnmatch(pat, s, 0) == 0;
}

static bool drop_matches(const struct rule *r, const struct drop_obs *o)
{
	if (r->kind != RULE_DROP || !rule_reason_matches(r, o->reason) ||
	    !glob(r->location, o->func) || !glob(r->dev, o->dev))
		return false;
	if (r->proto[0] && strcmp(r->proto, o->proto))
		return false;
	for (const char *f = r->flags; *f; f++)
		if (!strchr(o->flags, *f))
			return false;
	return (r->sport < 0 || r->sport == o->sport) && (r->dport < 0 || r->dport == o->dport);
}

/* A new finding of rule @r at the end of @arr, counted once; NULL without memory. */
static struct finding *append(struct finding **arr, size_t *n, const struct rule *r)
{
	struct finding *a = realloc(*arr, (*n + 1) * sizeof(*a));

	if (!a)
		return NULL;
	*arr = a;
	a = &a[(*n)++];
	memset(a, 0, sizeof(*a));
	a->r = r;
	a->count = 1;
	return a;
}

int diag_drop(struct diag *d, const struct drop_obs *o)
{
	const struct rule *r = NULL;
	struct finding *f;

	d->drops_seen++;
	for (size_t i = 0; i < d->rs->n && !r; i++)
		if (drop_matches(&d->rs->r[i], o))
			r = &d->rs->r[i];
	for (size_t i = 0; i < d->ndrops; i++) {
		f = &d->drops[i];
		/* One finding per container too: which container suffers is the first question. */
		if (f->r == r && strcmp(f->reason, o->reason) == 0 && strcmp(f->func, o->func) == 0 &&
		    strcmp(f->container, o->container ? o->container : "") == 0) {
			f->count++;
			return 0;
		}
	}
	/* The first drop's packet stands for the rest. */
	if (!(f = append(&d->drops, &d->ndrops, r)))
		return -ENOMEM;
	COPY(f->reason, o->reason);
	COPY(f->location, o->location);
	COPY(f->func, o->func);
	COPY(f->dev, o->dev);
	COPY(f->tuple, o->tuple);
	COPY(f->process, o->process);
	COPY(f->container, o->container);
	COPY(f->proto, o->proto);
	f->netns = o->netns;
	return 0;
}

static bool dns_matches(const struct rule *r, const struct dns_obs *o)
{
	return r->kind == RULE_DNS && rule_rcode_matches(r, o->rcode) && glob(r->qname, o->qname);
}

int diag_dns(struct diag *d, const struct dns_obs *o)
{
	const struct rule *r = NULL;
	struct finding *f;

	d->dns_seen++;
	for (size_t i = 0; i < d->rs->n && !r; i++)
		if (dns_matches(&d->rs->r[i], o))
			r = &d->rs->r[i];
	if (!r)		/* answered well, or no rule cares: no fallback for DNS */
		return 0;
	/* One finding per resolver and asker: which one fails, and for whom. */
	for (size_t i = 0; i < d->ndns; i++) {
		f = &d->dns[i];
		if (f->r == r && strcmp(f->resolver, o->resolver) == 0 &&
		    strcmp(f->process, o->process) == 0) {
			f->count++;
			return 0;
		}
	}
	if (!(f = append(&d->dns, &d->ndns, r)))
		return -ENOMEM;
	COPY(f->rcode, o->rcode);
	COPY(f->resolver, o->resolver);
	COPY(f->qname, o->qname);
	COPY(f->process, o->process);
	COPY(f->proto, o->proto);
	f->netns = o->netns;
	return 0;
}

int diag_sockerr(struct diag *d, const struct sockerr_obs *o)
{
	const struct rule *r = NULL;
	struct finding *f;

	d->sockerr_seen++;
	for (size_t i = 0; i < d->rs->n && !r; i++) {
		const struct rule *c = &d->rs->r[i];

		if (c->kind == RULE_SOCKERR && rule_errno_matches(c, o->errname) &&
		    (!c->proto[0] || strcmp(c->proto, o->proto) == 0))
			r = c;
	}
	if (!r)
		return 0;
	/* One finding per process, error and socket: who was told what, about where. */
	for (size_t i = 0; i < d->nsockerrs; i++) {
		f = &d->sockerrs[i];
		if (f->r == r && strcmp(f->process, o->process) == 0 &&
		    strcmp(f->errname, o->errname) == 0 && strcmp(f->tuple, o->tuple) == 0) {
			f->count++;
			return 0;
		}
	}
	if (!(f = append(&d->sockerrs, &d->nsockerrs, r)))
		return -ENOMEM;
	COPY(f->errname, o->errname);
	COPY(f->proto, o->proto);
	COPY(f->tuple, o->tuple);
	COPY(f->process, o->process);
	f->netns = o->netns;
	return 0;
}

static int push(struct finding **arr, size_t *n, const struct finding *f)
{
	struct finding *a = append(arr, n, f->r);

	if (!a)
		return -ENOMEM;
	*a = *f;
	return 0;
}

static uint64_t iface_field(const struct ifstat *s, const char *name)
{
	if (strcmp(name, "rx_dropped") == 0)
		return s->rx_dropped;
	if (strcmp(name, "tx_dropped") == 0)
		return s->tx_dropped;
	if (strcmp(name, "rx_errors") == 0)
		return s->rx_errors;
	return s->tx_errors;
}

static const struct ifstat *if_find(const struct ifstat *a, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(a[i].name, name) == 0)
			return &a[i];
	return NULL;
}

/* Counter, gauge, iface, link and socket rules: what changed since the start. */
static int judge_state(struct diag *d, const struct counters *c1, const struct ifstat *if1,
		       int nif1, const struct socktab *s1, struct finding **arr, size_t *n)
{
	for (size_t i = 0; i < d->rs->n; i++) {
		const struct rule *r = &d->rs->r[i];
		struct finding f;
		uint64_t v0 = 0, v1 = 0, of = 0;

		memset(&f, 0, sizeof(f));
		f.r = r;
		switch (r->kind) {
		case RULE_DROP:
		case RULE_DNS:
		case RULE_SOCKERR:
			break;
		case RULE_COUNTER:
			if (!counters_get(c1, r->name, &v1))
				break;
			counters_get(&d->c0, r->name, &v0);
			if (v1 < v0 || v1 - v0 < r->min)
				break;
			COPY(f.counter, r->name);
			f.count = f.value = v1 - v0;
			f.has_value = true;
			if (push(arr, n, &f))
				return -ENOMEM;
			break;
		case RULE_GAUGE:
			if (!counters_get(c1, r->name, &v1))
				break;
			COPY(f.counter, r->name);
			f.count = f.value = v1;
			f.has_value = true;
			if (r->of[0]) {
				if (!counters_get(c1, r->of, &of) || !of)
					break;
				f.of = of;
				f.has_of = true;
				f.percent = v1 * 100 / of;
				if (f.percent < r->min)
					break;
			} else if (v1 < r->min) {
				break;
			}
			if (push(arr, n, &f))
				return -ENOMEM;
			break;
		case RULE_IFACE:
			for (int j = 0; j < nif1; j++) {
				const struct ifstat *a = if_find(d->if0, d->nif0, if1[j].name);

				if (!glob(r->dev, if1[j].name))
					continue;
				v1 = iface_field(&if1[j], r->name);
				v0 = a ? iface_field(a, r->name) : 0;
				if (v1 < v0 || v1 - v0 < r->min)
					continue;
				COPY(f.dev, if1[j].name);
				COPY(f.counter, r->name);
				f.count = f.value = v1 - v0;
				f.has_value = true;
				if (push(arr, n, &f))
					return -ENOMEM;
			}
			break;
		case RULE_LINK:
			for (int j = 0; j < nif1; j++) {
				const char *st = ifstats_state(&if1[j]);

				if (!glob(r->dev, if1[j].name) ||
				    strcasecmp(st, r->state[0] == 'd' ? "DOWN" : "NO-CARRIER"))
					continue;
				COPY(f.dev, if1[j].name);
				COPY(f.state, r->state);
				f.count = 1;
				if (push(arr, n, &f))
					return -ENOMEM;
			}
			break;
		case RULE_SOCKET:
			for (size_t j = 0; j < s1->n; j++) {
				const struct sockrow *s = &s1->s[j];

				if (r->proto[0] && strcmp(r->proto, s->proto))
					continue;
				v0 = socktab_drops(&d->s0, s->inode);
				if (s->drops < v0 || s->drops - v0 < r->min)
					continue;
				f.count = f.value = s->drops - v0;
				f.has_value = true;
				COPY(f.proto, s->proto);
				snprintf(f.socket, sizeof(f.socket), "%s %s > %s", s->proto, s->local,
					 s->remote);
				COPY(f.tuple, f.socket);
				socktab_owner(s->inode, f.process, sizeof(f.process));
				if (push(arr, n, &f))
					return -ENOMEM;
			}
			break;
		}
	}
	return 0;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int lx = x->r ? (int)x->r->level : RULE_WARN, ly = y->r ? (int)y->r->level : RULE_WARN;

	if (lx != ly)
		return ly - lx;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->r ? x->r->id : FALLBACK_ID, y->r ? y->r->id : FALLBACK_ID);
}

int diag_findings(struct diag *d, struct finding **out)
{
	struct finding *arr = NULL;
	struct counters c1 = { 0 };
	struct socktab s1 = { 0 };
	struct ifstat *if1 = NULL;
	size_t n = 0;
	int nif1, err;

	for (size_t i = 0; i < d->ndrops; i++) {
		struct finding *f = &d->drops[i];

		if (strcmp(f->reason, "NETFILTER_DROP") == 0) {
			struct nft_rules now;

			if ((err = nft_rules_read(&now)))
				goto cleanup;
			nft_rules_busiest(&d->nft0, &now, f->nft, sizeof(f->nft));
			nft_rules_free(&now);
		}
		if (f->count >= (f->r ? f->r->min : 1) && (err = push(&arr, &n, f)))
			goto cleanup;
	}
	for (size_t i = 0; i < d->ndns; i++)
		if (d->dns[i].count >= d->dns[i].r->min && (err = push(&arr, &n, &d->dns[i])))
			goto cleanup;
	for (size_t i = 0; i < d->nsockerrs; i++)
		if (d->sockerrs[i].count >= d->sockerrs[i].r->min &&
		    (err = push(&arr, &n, &d->sockerrs[i])))
			goto cleanup;
	err = counters_read(&c1, d->procnet, d->sysnet);
	if (!err)
		err = socktab_read(&s1, d->procnet);
	nif1 = err ? 0 : ifstats_read(&if1);
	if (nif1 < 0)
		err = nif1;
	if (!err)
		err = judge_state(d, &c1, if1, nif1, &s1, &arr, &n);
	if (!err && n)
		qsort(arr, n, sizeof(*arr), cmp_finding);
cleanup:
	counters_free(&c1);
	socktab_free(&s1);
	free(if1);
	if (err) {
		free(arr);
		np_err("diagnose: judging the rules: %s", strerror(-err));
		return err;
	}
	*out = arr;
	return (int)n;
}

static const char *field(const struct finding *f, const char *name, char *buf, size_t size)
{
	if (strcmp(name, "count") == 0) {
		snprintf(buf, size, "%llu", (unsigned long long)f->count);
		return buf;
	}
	if (strcmp(name, "netns") == 0) {
		if (!f->netns)
			return "";
		snprintf(buf, size, "%u", f->netns);
		return buf;
	}
	if (strcmp(name, "value") == 0 || strcmp(name, "of") == 0 ||
	    strcmp(name, "percent") == 0) {
		bool has = name[0] == 'o' ? f->has_of : name[0] == 'p' ? f->has_of : f->has_value;

		if (!has)
			return "";
		snprintf(buf, size, "%llu", (unsigned long long)(name[0] == 'o' ? f->of :
								  name[0] == 'p' ? f->percent :
								  f->value));
		return buf;
	}
	if (strcmp(name, "reason") == 0)
		return f->reason;
	if (strcmp(name, "location") == 0)
		return f->location;
	if (strcmp(name, "dev") == 0)
		return f->dev;
	if (strcmp(name, "tuple") == 0)
		return f->tuple;
	if (strcmp(name, "process") == 0)
		return f->process;
	if (strcmp(name, "container") == 0)
		return f->container;
	if (strcmp(name, "proto") == 0)
		return f->proto;
	if (strcmp(name, "counter") == 0)
		return f->counter;
	if (strcmp(name, "state") == 0)
		return f->state;
	if (strcmp(name, "socket") == 0)
		return f->socket;
	if (strcmp(name, "nft") == 0)
		return f->nft;
	if (strcmp(name, "resolver") == 0)
		return f->resolver;
	if (strcmp(name, "qname") == 0)
		return f->qname;
	if (strcmp(name, "rcode") == 0)
		return f->rcode;
	if (strcmp(name, "errno") == 0)
		return f->errname;
	return "";
}

void diag_render(const char *t, const struct finding *f, char *buf, size_t size)
{
	size_t o = 0;

	if (!size)
		return;
	for (const char *s = t; *s && o + 1 < size; s++) {
		size_t len = *s == '{' ? strspn(s + 1, "abcdefghijklmnopqrstuvwxyz") : 0;
		char name[32], tmp[32];
		const char *v;

		/* the parser let only known names through; anything else is text */
		if (!len || s[len + 1] != '}' || len >= sizeof(name)) {
			buf[o++] = *s;
			continue;
		}
		memcpy(name, s + 1, len);
		name[len] = 0;
		v = field(f, name, tmp, sizeof(tmp));
		o += (size_t)snprintf(buf + o, size - o, "%s", *v ? v : "?");
		if (o >= size)
			o = size - 1;
		s += len + 1;
	}
	buf[o] = 0;
}

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

void diag_emit(struct emitter *em, const struct finding *f)
{
	const struct rule *r = f->r;
	char summary[512], advice[1024], command[512];
	const char *level = rule_level_name(r ? r->level : RULE_WARN);
	char upper[8];

	diag_render(r ? r->summary : FALLBACK_SUMMARY, f, summary, sizeof(summary));
	diag_render(r ? r->advice : FALLBACK_ADVICE, f, advice, sizeof(advice));
	if (r && r->command)
		diag_render(r->command, f, command, sizeof(command));
	for (size_t i = 0; i < sizeof(upper); i++) {
		upper[i] = (char)(level[i] >= 'a' ? level[i] - 32 : level[i]);
		if (!level[i])
			break;
	}
	em_open(em, NULL);
	em_str(em, EM_JSON, "level", NULL, level);
	em_str(em, EM_TEXT, NULL, "%-5s", upper);
	em_str(em, EM_ANY, "rule", " %s", r ? r->id : FALLBACK_ID);
	em_u64(em, EM_ANY, "count", " (%llu)", f->count);
	em_str(em, EM_ANY, "summary", "\n      %s", summary);
	em_str(em, EM_ANY, "advice", "\n      advice: %s", advice);
	if (em->json)
		em_str(em, EM_JSON, "command", NULL, r && r->command ? command : NULL);
	else if (r && r->command)
		em_str(em, EM_TEXT, NULL, "\n      run: %s", command);
	em_text(em, "\n      evidence:");
	em_open(em, "evidence");
	/* Text: only what is known; JSON: every key, null when unknown. */
#define EV(key, v) do { \
		if (em->json) \
			em_str(em, EM_JSON, key, NULL, nz(v)); \
		else if (nz(v)) \
			em_text(em, " %s %s", key, v); \
	} while (0)
	EV("reason", f->reason);
	EV("location", f->location);
	EV("proto", f->proto);
	EV("tuple", f->tuple);
	EV("dev", f->dev);
	if (f->netns)
		em_u64(em, EM_ANY, "netns", " netns %llu", f->netns);
	else if (em->json)
		em_null(em, "netns");
	EV("process", f->process);
	EV("container", f->container);
	EV("counter", f->counter);
	if (f->has_value)
		em_u64(em, EM_ANY, "value", " value %llu", f->value);
	else if (em->json)
		em_null(em, "value");
	if (f->has_of) {
		em_u64(em, EM_ANY, "of", " of %llu", f->of);
		em_u64(em, EM_ANY, "percent", " (%llu%%)", f->percent);
	} else if (em->json) {
		em_null(em, "of");
		em_null(em, "percent");
	}
	EV("state", f->state);
	EV("socket", f->socket);
	EV("nft_rule", f->nft);
	EV("resolver", f->resolver);
	EV("qname", f->qname);
	EV("rcode", f->rcode);
	EV("errno", f->errname);
#undef EV
	em_close(em);
	em_close(em);
	em_end_line(em);
}
