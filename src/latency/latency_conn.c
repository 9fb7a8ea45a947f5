// SPDX-License-Identifier: GPL-2.0-only
/* TCP connections of `netoproc latency --connections` (latency_conn.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "latency/latency_conn.h"
#include "lib/emit.h"
#include "lib/map_walk.h"

int conn_table_init(struct conn_table *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->rows = calloc(cap, sizeof(*t->rows));
	t->cap = cap;
	return t->rows ? 0 : -ENOMEM;
}

void conn_table_free(struct conn_table *t)
{
	free(t->rows);
	t->rows = NULL;
}

void conn_table_update(struct conn_table *t, uint64_t sk, const struct np_lat_conn *c)
{
	struct conn_row *r = NULL;

	for (size_t i = t->n; i-- > 0;) {
		if (t->rows[i].sk == sk && t->rows[i].c.open_ns == c->open_ns) {
			r = &t->rows[i];
			break;
		}
	}
	if (!r) {
		if (t->n == t->cap) {
			t->dropped++;
			return;
		}
		r = &t->rows[t->n++];
		r->sk = sk;
	}
	r->c = *c;
	r->touched = true;
}

void conn_table_take_closed(struct conn_table *t, void (*fn)(void *ctx, struct conn_row *r),
			    void *ctx)
{
	for (size_t i = 0; i < t->n;) {
		if (!t->rows[i].c.close_ns) {
			i++;
			continue;
		}
		fn(ctx, &t->rows[i]);
		t->rows[i] = t->rows[--t->n];
	}
}

void conn_next_interval(struct conn_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->rows[i].touched = false;
}

struct harvest {
	struct conn_table *t;
	int map_fd;
};

static int harvest_one(const void *key, const void *value, void *ctx)
{
	struct harvest *h = ctx;
	const struct np_lat_conn *c = value;

	/* Closed ones come through the ring (the kernel failed to hand this one over). */
	conn_table_update(h->t, *(const uint64_t *)key, c);
	if (c->close_ns)
		bpf_map_delete_elem(h->map_fd, key);
	return 0;
}

int conn_harvest(struct conn_table *t, int map_fd)
{
	struct harvest h = { .t = t, .map_fd = map_fd };

	return np_map_each(map_fd, sizeof(uint64_t), sizeof(struct np_lat_conn), harvest_one, &h);
}

static const char *state_name(int s)
{
	static const char *const names[] = {
		"?", "ESTABLISHED", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",
		"TIME-WAIT", "CLOSE", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING",
		"NEW-SYN-RECV", "BOUND-INACTIVE",
	};

	return s >= 0 && s < (int)(sizeof(names) / sizeof(names[0])) ? names[s] : "?";
}

static void addr_str(const struct np_lat_conn *c, bool local, bool port, char *buf,
		     size_t size)
{
	char a[INET6_ADDRSTRLEN];
	const __u8 *ip = local ? c->saddr : c->daddr;

	inet_ntop(c->family == 6 ? AF_INET6 : AF_INET, ip, a, sizeof(a));
	if (!port)
		snprintf(buf, size, "%s", a);
	else if (c->family == 6)
		snprintf(buf, size, "[%s]:%u", a, local ? c->sport : c->dport);
	else
		snprintf(buf, size, "%s:%u", a, local ? c->sport : c->dport);
}

/* A failed connect's reason: the errno's name, or "closed" (by the application). */
const char *conn_fail_name(int err)
{
	const char *n = err > 0 ? strerrorname_np(err) : NULL;

	return err < 0 ? "closed" : n ? n : "unknown";
}

static void emit_conn(struct emitter *em, const struct conn_row *r, bool total, double time)
{
	const struct np_lat_conn *c = &r->c;
	char l[64], rm[64];

	addr_str(c, true, true, l, sizeof(l));
	addr_str(c, false, true, rm, sizeof(rm));
	em_init(em, em->out, em->json);
	em_open(em, NULL);
	em_double(em, EM_JSON, "time", 3, NULL, time);
	em_str(em, EM_JSON, "scope", NULL, total ? "total" : "interval");
	em_str(em, EM_JSON, "kind", NULL, "connection");
	if (c->pid)
		em_u64(em, EM_ANY, "pid", "%7llu", c->pid);
	else
		em_str(em, EM_ANY, "pid", "%7s", NULL);
	em_str(em, EM_ANY, "process", " %-15s", c->pid ? c->comm : NULL);
	em_str(em, EM_ANY, "local", " %-22s", l);
	em_str(em, EM_ANY, "remote", " %-22s", rm);
	em_str(em, EM_ANY, "state", " %-12s", state_name(c->state));
	em_bool(em, "active", c->active);
	if (c->connect_ns)
		em_double(em, EM_ANY, "connect_ms", 3, " %10.3f", c->connect_ns / 1e6);
	else
		em_str(em, EM_ANY, "connect_ms", " %10s", NULL);
	em_str(em, EM_ANY, "failed", " %-12s", c->fail_err ? conn_fail_name(c->fail_err) : NULL);
	if (c->srtt_us) {
		em_double(em, EM_ANY, "srtt_ms", 3, " %8.3f", c->srtt_us / 1e3);
		em_double(em, EM_ANY, "rttvar_ms", 3, " %8.3f", c->rttvar_us / 1e3);
	} else {	/* no RTT sample yet (a connect that never got an answer) */
		em_str(em, EM_ANY, "srtt_ms", " %8s", NULL);
		em_str(em, EM_ANY, "rttvar_ms", " %8s", NULL);
	}
	em_u64(em, EM_ANY, "retransmits", " %7llu", c->retransmits);
	em_u64(em, EM_ANY, "rtos", " %5llu", c->rtos);
	em_u64(em, EM_ANY, "out_of_order", " %6llu", c->out_of_order);
	em_u64(em, EM_ANY, "zero_window", " %5llu", c->zero_window);
	em_u64(em, EM_ANY, "bytes_in_flight", " %9llu", c->in_flight);
	em_bool(em, "open", !c->close_ns);
	em_close(em);
	em_end_line(em);
}

/* Per process or per remote: the sums of its connections. */
struct conn_agg {
	uint32_t pid;
	char comm[NP_COMM_LEN];
	struct np_lat_conn remote;	/* family and daddr: the remote */
	uint64_t conns, connected, failed, connect_ns_sum, connect_ns_max;
	uint64_t retransmits, rtos, out_of_order, zero_window, srtt_sum, srtt_n;
	uint64_t fails[8];		/* by reason: the first 8 reasons seen */
	int fail_err[8];
};

static void agg_add(struct conn_agg *a, const struct np_lat_conn *c)
{
	a->conns++;
	if (c->connect_ns) {
		a->connected++;
		a->connect_ns_sum += c->connect_ns;
		if (c->connect_ns > a->connect_ns_max)
			a->connect_ns_max = c->connect_ns;
	}
	if (c->fail_err) {
		a->failed++;
		for (int i = 0; i < 8; i++) {
			if (!a->fails[i] || a->fail_err[i] == c->fail_err) {
				a->fail_err[i] = c->fail_err;
				a->fails[i]++;
				break;
			}
		}
	}
	a->retransmits += c->retransmits;
	a->rtos += c->rtos;
	a->out_of_order += c->out_of_order;
	a->zero_window += c->zero_window;
	if (c->srtt_us) {
		a->srtt_sum += c->srtt_us;
		a->srtt_n++;
	}
}

static void emit_agg(struct emitter *em, const struct conn_agg *a, bool by_remote, bool total,
		     double time)
{
	char rm[64];

	em_init(em, em->out, em->json);
	em_open(em, NULL);
	em_double(em, EM_JSON, "time", 3, NULL, time);
	em_str(em, EM_JSON, "scope", NULL, total ? "total" : "interval");
	em_str(em, EM_JSON, "kind", NULL, by_remote ? "remote" : "process");
	if (by_remote) {
		addr_str(&a->remote, false, false, rm, sizeof(rm));
		em_str(em, EM_ANY, "remote", "%-39s", rm);
	} else {
		if (a->pid)
			em_u64(em, EM_ANY, "pid", "%7llu", a->pid);
		else
			em_str(em, EM_ANY, "pid", "%7s", NULL);
		em_str(em, EM_ANY, "process", " %-31s", a->pid ? a->comm : NULL);
	}
	em_u64(em, EM_ANY, "connections", " %6llu", a->conns);
	em_u64(em, EM_ANY, "connected", " %6llu", a->connected);
	if (a->connected) {
		em_double(em, EM_ANY, "connect_ms_mean", 3, " %10.3f",
			  a->connect_ns_sum / 1e6 / a->connected);
		em_double(em, EM_ANY, "connect_ms_max", 3, " %10.3f", a->connect_ns_max / 1e6);
	} else {
		em_str(em, EM_ANY, "connect_ms_mean", " %10s", NULL);
		em_str(em, EM_ANY, "connect_ms_max", " %10s", NULL);
	}
	em_open(em, "failed");
	for (int i = 0; i < 8 && a->fails[i]; i++)
		em_u64(em, EM_JSON, conn_fail_name(a->fail_err[i]), NULL, a->fails[i]);
	em_close(em);
	em_u64(em, EM_TEXT, NULL, " %6llu", a->failed);
	if (a->srtt_n)
		em_double(em, EM_ANY, "srtt_ms_mean", 3, " %8.3f", a->srtt_sum / 1e3 / a->srtt_n);
	else
		em_str(em, EM_ANY, "srtt_ms_mean", " %8s", NULL);
	em_u64(em, EM_ANY, "retransmits", " %7llu", a->retransmits);
	em_u64(em, EM_ANY, "rtos", " %5llu", a->rtos);
	em_u64(em, EM_ANY, "out_of_order", " %6llu", a->out_of_order);
	em_u64(em, EM_ANY, "zero_window", " %5llu", a->zero_window);
	em_close(em);
	em_end_line(em);
}

static struct conn_agg *agg_of(struct conn_agg *aggs, size_t *n, const struct np_lat_conn *c,
			       bool by_remote)
{
	for (size_t i = 0; i < *n; i++) {
		if (by_remote ? aggs[i].remote.family == c->family &&
				!memcmp(aggs[i].remote.daddr, c->daddr, 16) :
				aggs[i].pid == c->pid && !strncmp(aggs[i].comm, c->comm, NP_COMM_LEN))
			return &aggs[i];
	}
	memset(&aggs[*n], 0, sizeof(aggs[0]));
	aggs[*n].pid = c->pid;
	memcpy(aggs[*n].comm, c->comm, NP_COMM_LEN);
	aggs[*n].remote.family = c->family;
	memcpy(aggs[*n].remote.daddr, c->daddr, 16);
	return &aggs[(*n)++];
}

void conn_report(FILE *out, bool json, struct conn_table *t, bool total, double time)
{
	struct conn_agg *procs = calloc(t->n + 1, sizeof(*procs));
	struct conn_agg *remotes = calloc(t->n + 1, sizeof(*remotes));
	size_t np = 0, nr = 0;
	struct emitter em;
	char ts[16];
	time_t tt = (time_t)time;
	struct tm tm;

	if (!procs || !remotes) {
		free(procs);
		free(remotes);
		return;
	}
	localtime_r(&tt, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	em_init(&em, out, json);
	if (!json)
		fprintf(out, "%s %s connections\n%7s %-15s %-22s %-22s %-12s %10s %-12s %8s %8s "
			"%7s %5s %6s %5s %9s\n", ts, total ? "total" : "interval", "PID",
			"PROCESS", "LOCAL", "REMOTE", "STATE", "CONNECT_MS", "FAILED", "SRTT_MS",
			"RTTVAR", "RETRANS", "RTOS", "OOO", "ZWIN", "INFLIGHT");
	for (size_t i = 0; i < t->n; i++) {
		const struct conn_row *r = &t->rows[i];

		if (!total && !r->touched)
			continue;
		emit_conn(&em, r, total, time);
		agg_add(agg_of(procs, &np, &r->c, false), &r->c);
		agg_add(agg_of(remotes, &nr, &r->c, true), &r->c);
	}
	for (int by_remote = 0; by_remote < 2; by_remote++) {
		if (!json)
			fprintf(out, "\n%-*s %6s %6s %10s %10s %6s %8s %7s %5s %6s %5s\n",
				by_remote ? 39 : 39, by_remote ? "REMOTE" : "    PID PROCESS", "CONNS",
				"CONN'D", "CONN_MEAN", "CONN_MAX", "FAILED", "SRTT_MS", "RETRANS",
				"RTOS", "OOO", "ZWIN");
		for (size_t i = 0; i < (by_remote ? nr : np); i++)
			emit_agg(&em, by_remote ? &remotes[i] : &procs[i], by_remote, total, time);
	}
	if (!json)
		fputc('\n', out);
	fflush(out);
	free(procs);
	free(remotes);
}
