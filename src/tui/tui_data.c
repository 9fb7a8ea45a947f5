// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TUI's rows, taken from the model at every refresh: per-process rates and
 * their history, exits, the running totals, connections and interfaces. The
 * model is read the way the snapshot writers read it (interval and total
 * counters, then model_reset_interval), so the two never count differently.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "lib/procinfo.h"
#include "monitor/model/output.h"
#include "monitor/model/view.h"
#include "tui/tui_int.h"

/* The initial pid namespace's inode (PROC_PID_INIT_INO in the kernel's proc_ns.h). */
#define PROC_PID_INIT_INO 0xEFFFFFFCU

int tui_data_init(struct tui *t)
{
	struct stat st;
	int err;

	/*
	 * The kernel names processes by their pids in the initial namespace. Where
	 * netoproc runs in another one, its /proc does not know them: a process is
	 * then only taken as exited after /proc showed it alive once.
	 */
	t->root_pidns = stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == PROC_PID_INIT_INO;
	if ((err = htab_init(&t->pstates, sizeof(uint64_t))))
		return err;
	return htab_init(&t->users, sizeof(uint32_t));
}

static void free_prows(struct tui *t)
{
	for (size_t i = 0; i < t->nprows; i++) {
		free(t->prows[i].cmdline);
		free(t->prows[i].cgroup);
	}
	t->nprows = 0;
}

void tui_data_free(struct tui *t)
{
	free_prows(t);
	free(t->prows);
	free(t->crows);
	free(t->irows);
	free(t->if_prev);
	free(t->pidx);
	free(t->cidx);
	free(t->iidx);
	htab_free_all(&t->pstates);
	htab_free_all(&t->users);
}

const char *tui_user_name(struct tui *t, uint32_t uid)
{
	char *name = htab_get(&t->users, &uid);
	struct passwd *pw;
	char buf[16];

	if (name)
		return name;
	pw = getpwuid(uid);
	if (pw) {
		name = strdup(pw->pw_name);
	} else {
		snprintf(buf, sizeof(buf), "%u", uid);
		name = strdup(buf);
	}
	if (name && htab_put(&t->users, &uid, name)) {
		free(name);
		return "?";
	}
	return name ? name : "?";
}

const char *tui_sort_name(enum tui_tab tab, enum tui_sort s)
{
	static const char *const names[TS_MAX] = { "traffic", "rate", "pid", "name", "connections" };

	if (tab == TAB_CONNS && s == TS_CONNS)
		return "remote";
	return names[s];
}

void tui_remote_label(char *buf, size_t size, const struct np_endpoint *e, const char *name,
		      bool with_port)
{
	/* The one place a remote is named: by the name it was resolved as, like ss -r. */
	if (name && name[0] && with_port)
		snprintf(buf, size, "%s:%u", name, e->port);
	else if (name && name[0])
		snprintf(buf, size, "%s", name);
	else
		output_format_endpoint(buf, size, e, with_port);
}

static void *grow(void *arr, size_t *cap, size_t want, size_t elem)
{
	size_t c = *cap ? *cap : 64;
	void *bigger;

	if (want <= *cap)
		return arr;
	while (c < want)
		c *= 2;
	bigger = realloc(arr, c * elem);
	if (!bigger)
		return NULL;
	*cap = c;
	return bigger;
}

static struct tui_pstate *pstate_of(struct tui *t, uint64_t serial)
{
	struct tui_pstate *st = htab_get(&t->pstates, &serial);

	if (st)
		return st;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->serial = serial;
	if (htab_put(&t->pstates, &st->serial, st)) {
		free(st);
		return NULL;
	}
	return st;
}

static void hist_push(struct tui_pstate *st, float v)
{
	st->hist[st->hist_pos] = v;
	st->hist_pos = (st->hist_pos + 1) % TUI_HIST;
	if (st->hist_n < TUI_HIST)
		st->hist_n++;
}

/* The samples of the last 60 s, oldest first. */
static unsigned hist_copy(const struct tui_pstate *st, float *out, double interval)
{
	unsigned want = (unsigned)ceil(60.0 / interval), n;

	if (want > TUI_HIST)
		want = TUI_HIST;
	if (want < 1)
		want = 1;
	n = st->hist_n < want ? st->hist_n : want;
	for (unsigned i = 0; i < n; i++)
		out[i] = st->hist[(st->hist_pos + TUI_HIST - n + i) % TUI_HIST];
	return n;
}

static const char *conn_state(const struct np_conn *c)
{
	if (!c->cookie)
		return "-";
	if (c->protocol == IPPROTO_TCP)
		return c->closed && c->state != TCP_CLOSE ? "CLOSED" : output_tcp_state(c->state);
	return c->closed ? "CLOSED" : "OPEN";
}

static int add_unknown_remotes(struct tui *t, const struct np_proc *p, double elapsed)
{
	const struct np_conn *top[TUI_UNKNOWN_TOP];
	size_t n = 0, i;

	for (const struct np_conn *c = p->conns; c; c = c->next) {
		uint64_t b = traffic_bytes(&c->total);

		if (!b)
			continue;
		if (n < TUI_UNKNOWN_TOP)
			n++;
		else if (b <= traffic_bytes(&top[n - 1]->total))
			continue;
		for (i = n - 1; i > 0 && traffic_bytes(&top[i - 1]->total) < b; i--)
			top[i] = top[i - 1];
		top[i] = c;
	}
	for (i = 0; i < n; i++) {
		struct tui_prow *r;
		char addr[64];

		if (!(t->prows = grow(t->prows, &t->cap_prows, t->nprows + 1, sizeof(*r))))
			return -ENOMEM;
		r = &t->prows[t->nprows++];
		memset(r, 0, sizeof(*r));
		tui_remote_label(addr, sizeof(addr), &top[i]->remote, top[i]->remote_name, false);
		snprintf(r->name, sizeof(r->name), "  %.6s %.48s",
			 output_proto_name(top[i]->protocol, top[i]->family), addr);
		r->key = hash_bytes(top[i]->remote.addr, 16) ^ top[i]->protocol;
		r->sub = r->unknown = true;
		r->rx_rate = top[i]->interval.rx_bytes / elapsed;
		r->tx_rate = top[i]->interval.tx_bytes / elapsed;
		r->rx_total = top[i]->total.rx_bytes;
		r->tx_total = top[i]->total.tx_bytes;
	}
	return (int)n;
}

static int add_conns(struct tui *t, const struct np_proc *p, bool exited, double elapsed,
		     uint64_t gkey)
{
	for (const struct np_conn *c = p->conns; c; c = c->next) {
		struct tui_crow *r;
		size_t head;

		if (!(t->crows = grow(t->crows, &t->cap_crows, t->ncrows + 1 + c->npeers, sizeof(*r))))
			return -ENOMEM;
		head = t->ncrows++;
		r = &t->crows[head];
		memset(r, 0, sizeof(*r));
		r->key = c->cookie ? c->cookie : hash_bytes(c->remote.addr, 16) ^ c->protocol;
		r->serial = p->serial;
		r->gkey = gkey;
		r->pid = p->pid;
		r->unknown = p->is_unknown;
		r->exited = exited;
		snprintf(r->name, sizeof(r->name), "%s", p->comm);
		r->has_local = c->cookie != 0;
		r->protocol = c->protocol;
		r->family = c->family;
		r->local = c->local;
		r->remote = c->remote;
		snprintf(r->remote_name, sizeof(r->remote_name), "%s", c->remote_name ? c->remote_name : "");
		snprintf(r->state, sizeof(r->state), "%s", conn_state(c));
		r->rx_rate = c->interval.rx_bytes / elapsed;
		r->tx_rate = c->interval.tx_bytes / elapsed;
		r->rx_total = c->total.rx_bytes;
		r->tx_total = c->total.tx_bytes;
		/* Unconnected UDP: the same bytes again, by peer. */
		for (const struct np_peer *pe = c->peers; pe; pe = pe->next) {
			struct tui_crow *q = &t->crows[t->ncrows++];

			q->gkey = gkey;

			*q = t->crows[head];
			q->key = hash_bytes(&pe->key, sizeof(pe->key));
			q->peer = true;
			q->remote = pe->remote;
			q->remote_name[0] = '\0';
			q->state[0] = '\0';
			q->rx_rate = pe->interval.rx_bytes / elapsed;
			q->tx_rate = pe->interval.tx_bytes / elapsed;
			q->rx_total = pe->total.rx_bytes;
			q->tx_total = pe->total.tx_bytes;
			t->crows[head].nsub++;
		}
	}
	return 0;
}

/* --group: the key of @p's group (its hash and what the row shows) into @r. */
static void group_of(enum group_key g, const struct np_proc *p, struct tui_prow *r)
{
	char key[4096];
	const char *show = key;
	size_t len;

	view_group_key(p, g, key, sizeof(key));
	r->gkey = hash_bytes(key, strlen(key)) | 1;	/* never the unknown row's 0 */
	if (!key[0]) {
		snprintf(r->glabel, sizeof(r->glabel), "(no %s)", view_group_name(g));
		return;
	}
	if (g == GROUP_CONTAINER || g == GROUP_POD) {
		output_container_label(p, r->glabel, sizeof(r->glabel));
		if (g == GROUP_POD)
			snprintf(r->glabel, sizeof(r->glabel), "%.20s/%.42s", p->ct->k8s_namespace[0] ?
				 p->ct->k8s_namespace : "?", p->ct->pod_name[0] ? p->ct->pod_name : key);
		return;
	}
	/* a long cgroup path: its end names it */
	len = strlen(key);
	if (len >= sizeof(r->glabel))
		show = key + len - (sizeof(r->glabel) - 1);
	snprintf(r->glabel, sizeof(r->glabel), "%.*s", (int)sizeof(r->glabel) - 1, show);
}

/* Two rate histories summed, aligned at their newest sample. */
static void hist_add(struct tui_prow *dst, const struct tui_prow *src)
{
	unsigned n = dst->nhist > src->nhist ? dst->nhist : src->nhist;
	float sum[TUI_HIST] = { 0 };

	for (unsigned i = 0; i < dst->nhist; i++)
		sum[n - dst->nhist + i] += dst->hist[i];
	for (unsigned i = 0; i < src->nhist; i++)
		sum[n - src->nhist + i] += src->hist[i];
	memcpy(dst->hist, sum, n * sizeof(float));
	dst->nhist = n;
}

/* --group: the process rows folded into one row per group (unknown and its remotes stay). */
static int fold_groups(struct tui *t)
{
	struct tui_prow *out = calloc(t->nprows ? t->nprows : 1, sizeof(*out));
	size_t n = 0, ngroups = 0, *groups = calloc(t->nprows ? t->nprows : 1, sizeof(*groups));

	if (!out || !groups) {
		free(out);
		free(groups);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->nprows; i++) {
		struct tui_prow *r = &t->prows[i], *g = NULL;

		if (r->unknown || r->sub) {
			out[n++] = *r;	/* its copies of strings move with it */
			continue;
		}
		for (size_t j = 0; j < ngroups && !g; j++)
			if (out[groups[j]].gkey == r->gkey)
				g = &out[groups[j]];
		if (!g) {
			groups[ngroups++] = n;
			g = &out[n++];
			*g = *r;
			g->is_group = true;
			g->key = r->gkey;
			g->pid = 0;
			g->nmembers = 1;
			g->cmdline = g->cgroup = NULL;
			snprintf(g->name, sizeof(g->name), "%.*s", (int)sizeof(g->name) - 1, r->glabel);
		} else {
			g->nmembers++;
			g->exited = g->exited && r->exited;
			g->nsock += r->nsock;
			g->rx_rate += r->rx_rate;
			g->tx_rate += r->tx_rate;
			g->rx_total += r->rx_total;
			g->tx_total += r->tx_total;
			hist_add(g, r);
		}
		free(r->cmdline);
		free(r->cgroup);
	}
	free(groups);
	free(t->prows);
	t->prows = out;
	t->nprows = n;
	t->cap_prows = t->nprows ? t->nprows : 1;
	return 0;
}

static int build_rows(struct tui *t, struct np_proc **all, size_t n, double now, double elapsed)
{
	free_prows(t);
	t->ncrows = 0;
	t->nprocs = t->nconns = 0;
	for (size_t i = 0; i < n; i++) {
		const struct np_proc *p = all[i];
		struct tui_pstate *st = htab_get(&t->pstates, &p->serial);
		struct tui_prow *r;
		size_t at;
		int nsub;

		if (!st || !view_proc_selected(p, t->o->view))
			continue;
		/* --interface: only processes with packets through it. */
		if (t->o->view->hide_idle && !traffic_bytes(&p->total))
			continue;
		/* Gone for longer than the grace time: off the screen (its bytes stay in the totals). */
		if (st->exited_at && now - st->exited_at > TUI_EXIT_GRACE)
			continue;
		if (!(t->prows = grow(t->prows, &t->cap_prows, t->nprows + 1, sizeof(*r))))
			return -ENOMEM;
		at = t->nprows++;
		r = &t->prows[at];
		memset(r, 0, sizeof(*r));
		r->key = p->serial;
		r->pid = p->pid;
		r->uid = p->uid;
		r->unknown = p->is_unknown;
		r->exited = st->exited_at != 0;
		snprintf(r->name, sizeof(r->name), "%s", p->comm);
		r->cmdline = p->cmdline ? strdup(p->cmdline) : NULL;
		r->cgroup = p->cgroup_path ? strdup(p->cgroup_path) : NULL;
		r->nsock = p->nconns;
		r->rx_rate = st->rx_rate;
		r->tx_rate = st->tx_rate;
		r->rx_total = p->total.rx_bytes;
		r->tx_total = p->total.tx_bytes;
		r->nhist = hist_copy(st, r->hist, t->o->interval);
		t->nprocs += !p->is_unknown;
		t->nconns += p->nconns;
		if (p->is_unknown) {
			if ((nsub = add_unknown_remotes(t, p, elapsed)) < 0)
				return nsub;
			t->prows[at].nsub = nsub;
		}
		if (t->o->view->group != GROUP_PROCESS && !p->is_unknown)
			group_of(t->o->view->group, p, &t->prows[at]);
		if (add_conns(t, p, st->exited_at != 0, elapsed, t->prows[at].gkey))
			return -ENOMEM;
	}
	return t->o->view->group != GROUP_PROCESS ? fold_groups(t) : 0;
}

static int build_ifaces(struct tui *t, double now)
{
	struct ifstat *cur;
	int n = ifstats_read(&cur);
	double dt = now - t->if_prev_at;
	struct tui_irow *rows;

	if (n < 0)
		return 0;	/* no /proc/net/dev: an empty tab, not a failure */
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		free(cur);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		rows[i].s = cur[i];
		for (int j = 0; j < t->nif_prev && dt > 0; j++) {
			const struct ifstat *pr = &t->if_prev[j];

			if (strcmp(pr->name, cur[i].name))
				continue;
			/* A counter that went back (device re-created) is no rate. */
			if (cur[i].rx_bytes >= pr->rx_bytes)
				rows[i].rx_rate = (cur[i].rx_bytes - pr->rx_bytes) / dt;
			if (cur[i].tx_bytes >= pr->tx_bytes)
				rows[i].tx_rate = (cur[i].tx_bytes - pr->tx_bytes) / dt;
		}
	}
	free(t->irows);
	t->irows = rows;
	t->nirows = n;
	free(t->if_prev);
	t->if_prev = cur;
	t->nif_prev = n;
	t->if_prev_at = now;
	return 0;
}

int tui_data_tick(struct tui *t, double now, double elapsed)
{
	struct np_model *m = t->feed->model;
	struct np_proc **all;
	size_t n = model_list_procs(m, &all), i = 0;
	uint64_t rx = 0, tx = 0;
	const void *k;
	void *v;
	int err = 0;

	if (!all && n)
		return -ENOMEM;
	if (elapsed <= 0)
		elapsed = 1e-3;
	while (htab_next(&t->pstates, &i, NULL, &v))
		((struct tui_pstate *)v)->seen = false;
	for (i = 0; i < n; i++) {
		const struct np_proc *p = all[i];
		struct tui_pstate *st = pstate_of(t, p->serial);

		if (!st) {
			err = -ENOMEM;
			goto cleanup;
		}
		st->seen = true;
		st->rx_rate = p->interval.rx_bytes / elapsed;
		st->tx_rate = p->interval.tx_bytes / elapsed;
		hist_push(st, (float)(st->rx_rate + st->tx_rate));
		if (!p->is_unknown && !st->exited_at) {
			if (procinfo_alive(p->pid, p->start_ns))
				st->seen_alive = true;
			else if (st->seen_alive || t->root_pidns)
				st->exited_at = now;
		}
		rx += p->interval.rx_bytes;
		tx += p->interval.tx_bytes;
	}
	/* Processes the model pruned. */
	i = 0;
	while (htab_next(&t->pstates, &i, &k, &v)) {
		if (((struct tui_pstate *)v)->seen)
			continue;
		htab_del(&t->pstates, k);
		free(v);
	}
	t->rx_total += rx;
	t->tx_total += tx;
	t->rx_rate = rx / elapsed;
	t->tx_rate = tx / elapsed;
	t->stat_lost = output_lost_total(m) + m->stat[NP_STAT_RUNS_SKIPPED];
	t->stat_overflow = m->stat[NP_STAT_UNKNOWN_OVERFLOW] + m->stat[NP_STAT_SKPROC_FULL] +
			   m->stat[NP_STAT_PEERS_FULL] + m->stat[NP_STAT_HOLDERS_FULL] +
			   m->stat[NP_STAT_STORAGE_FAIL];
	if (!t->paused) {
		t->shown.rx_rate = t->rx_rate;
		t->shown.tx_rate = t->tx_rate;
		t->shown.rx_total = t->rx_total;
		t->shown.tx_total = t->tx_total;
		if ((err = build_rows(t, all, n, now, elapsed)) || (err = build_ifaces(t, now)))
			goto cleanup;
		tui_data_select(t);
	}
cleanup:
	free(all);
	model_reset_interval(m);
	model_prune(m, now, t->o->prune_idle);
	return err;
}

/* ---- order, filter, focus ------------------------------------------------------- */

struct sort_ctx {
	enum tui_sort by;
	bool reverse;
};

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_dbl(double a, double b)
{
	return a < b ? -1 : a > b;
}

static int cmp_prow(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *c = arg;
	const struct tui_prow *a = *(struct tui_prow *const *)pa, *b = *(struct tui_prow *const *)pb;
	int r = 0;

	switch (c->by) {
	case TS_TRAFFIC:
		r = -cmp_u64(a->rx_total + a->tx_total, b->rx_total + b->tx_total);
		break;
	case TS_RATE:
		r = -cmp_dbl(a->rx_rate + a->tx_rate, b->rx_rate + b->tx_rate);
		break;
	case TS_PID:
		r = a->unknown != b->unknown ? a->unknown - b->unknown : cmp_u64(a->pid, b->pid);
		break;
	case TS_NAME:
		r = strcasecmp(a->name, b->name);
		break;
	case TS_CONNS:
		r = -cmp_u64(a->nsock, b->nsock);
		break;
	default:
		break;
	}
	if (!r)
		r = a->unknown != b->unknown ? a->unknown - b->unknown : cmp_u64(a->pid, b->pid);
	if (!r)
		r = cmp_u64(a->key, b->key);
	return c->reverse ? -r : r;
}

static int cmp_endpoint(const struct np_endpoint *a, const struct np_endpoint *b)
{
	int r = memcmp(a->addr, b->addr, 16);

	return r ? r : cmp_u64(a->port, b->port);
}

static int cmp_crow(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *c = arg;
	const struct tui_crow *a = *(struct tui_crow *const *)pa, *b = *(struct tui_crow *const *)pb;
	int r = 0;

	switch (c->by) {
	case TS_TRAFFIC:
		r = -cmp_u64(a->rx_total + a->tx_total, b->rx_total + b->tx_total);
		break;
	case TS_RATE:
		r = -cmp_dbl(a->rx_rate + a->tx_rate, b->rx_rate + b->tx_rate);
		break;
	case TS_PID:
		r = a->unknown != b->unknown ? a->unknown - b->unknown : cmp_u64(a->pid, b->pid);
		break;
	case TS_NAME:
		r = strcasecmp(a->name, b->name);
		break;
	case TS_CONNS:
		r = cmp_endpoint(&a->remote, &b->remote);
		break;
	default:
		break;
	}
	if (!r)
		r = cmp_u64(a->pid, b->pid);
	if (!r)
		r = cmp_u64(a->key, b->key);
	return c->reverse ? -r : r;
}

static bool contains(const char *s, const char *pat)
{
	return s && view_name_matches(s, pat);
}

static bool prow_matches(const struct tui *t, const struct tui_prow *r)
{
	char pid[16];

	if (!t->filter[0])
		return true;
	snprintf(pid, sizeof(pid), "%u", r->pid);
	return contains(r->name, t->filter) || contains(r->cmdline, t->filter) ||
	       (!r->unknown && strcmp(pid, t->filter) == 0);
}

static bool crow_matches(const struct tui *t, const struct tui_crow *r)
{
	char buf[80];

	if (t->focus && (t->focus_group ? r->gkey : r->serial) != t->focus_serial)
		return false;
	if (!t->filter[0])
		return true;
	if (contains(r->name, t->filter))
		return true;
	tui_remote_label(buf, sizeof(buf), &r->remote, r->remote_name, true);
	if (contains(buf, t->filter))
		return true;
	output_format_endpoint(buf, sizeof(buf), &r->local, true);
	return r->has_local && contains(buf, t->filter);
}

/* Keep the selected row selected (by identity) when rows move. */
static void reselect(struct tui_list *l, size_t n, uint64_t (*key_at)(const struct tui *, size_t),
		     const struct tui *t)
{
	for (size_t i = 0; i < n; i++) {
		if (key_at(t, i) == l->sel_key) {
			l->sel = (int)i;
			break;
		}
	}
	if (l->sel >= (int)n)
		l->sel = n ? (int)n - 1 : 0;
	if (l->sel < 0)
		l->sel = 0;
	if (n)
		l->sel_key = key_at(t, l->sel);
}

static uint64_t pkey(const struct tui *t, size_t i)
{
	return t->prows[t->pidx[i]].key;
}

static uint64_t ckey(const struct tui *t, size_t i)
{
	return t->crows[t->cidx[i]].key;
}

static uint64_t ikey(const struct tui *t, size_t i)
{
	return hash_bytes(t->irows[t->iidx[i]].s.name, sizeof(t->irows[0].s.name));
}

void tui_data_select(struct tui *t)
{
	struct sort_ctx c = { .by = t->sort, .reverse = t->reverse };
	struct tui_prow **ptop = malloc((t->nprows + 1) * sizeof(*ptop));
	struct tui_crow **ctop = malloc((t->ncrows + 1) * sizeof(*ctop));
	size_t np = 0, nc = 0;

	free(t->pidx);
	free(t->cidx);
	free(t->iidx);
	t->pidx = malloc((t->nprows + 1) * sizeof(size_t));
	t->cidx = malloc((t->ncrows + 1) * sizeof(size_t));
	t->iidx = malloc((t->nirows + 1) * sizeof(size_t));
	t->npidx = t->ncidx = t->niidx = 0;
	if (!ptop || !ctop || !t->pidx || !t->cidx || !t->iidx)
		goto out;

	for (size_t i = 0; i < t->nprows; i += 1 + t->prows[i].nsub)
		if (prow_matches(t, &t->prows[i]))
			ptop[np++] = &t->prows[i];
	qsort_r(ptop, np, sizeof(*ptop), cmp_prow, &c);
	for (size_t i = 0; i < np; i++) {
		size_t at = ptop[i] - t->prows;

		for (size_t j = 0; j <= ptop[i]->nsub; j++)
			t->pidx[t->npidx++] = at + j;
	}

	for (size_t i = 0; i < t->ncrows; i += 1 + t->crows[i].nsub)
		if (crow_matches(t, &t->crows[i]))
			ctop[nc++] = &t->crows[i];
	qsort_r(ctop, nc, sizeof(*ctop), cmp_crow, &c);
	for (size_t i = 0; i < nc; i++) {
		size_t at = ctop[i] - t->crows;

		for (size_t j = 0; j <= ctop[i]->nsub; j++)
			t->cidx[t->ncidx++] = at + j;
	}

	/* Interfaces in the kernel's order; the filter narrows them by name. */
	for (size_t i = 0; i < t->nirows; i++)
		if (!t->filter[0] || contains(t->irows[i].s.name, t->filter))
			t->iidx[t->niidx++] = i;

	reselect(&t->list[TAB_PROCS], t->npidx, pkey, t);
	reselect(&t->list[TAB_CONNS], t->ncidx, ckey, t);
	reselect(&t->list[TAB_IFACES], t->niidx, ikey, t);
out:
	free(ptop);
	free(ctop);
}

/* After a key moved the selection: remember what is selected. */
void tui_data_note_selection(struct tui *t)
{
	struct tui_list *l = &t->list[t->tab];

	if (t->tab == TAB_PROCS && l->sel < (int)t->npidx)
		l->sel_key = pkey(t, l->sel);
	else if (t->tab == TAB_CONNS && l->sel < (int)t->ncidx)
		l->sel_key = ckey(t, l->sel);
	else if (t->tab == TAB_IFACES && l->sel < (int)t->niidx)
		l->sel_key = ikey(t, l->sel);
}
