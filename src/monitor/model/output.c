// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include "lib/json_writer.h"
#include "lib/proto.h"
#include "lib/util.h"
#include "monitor/model/output.h"
#include "monitor/model/output_group.h"

/* Keep in sync with enum np_stat in monitor_abi.h. */
static const char *const np_stat_names[NP_STAT_MAX] = {
	[NP_STAT_RINGBUF_LOST] = "ringbuf_lost",
	[NP_STAT_STORAGE_FAIL] = "storage_fail",
	[NP_STAT_UNKNOWN_OVERFLOW] = "unknown_overflow",
	[NP_STAT_UNKNOWN_NOSOCK] = "no_socket",
	[NP_STAT_SKPROC_FULL] = "owner_table_full",
	[NP_STAT_PEERS_FULL] = "udp_peers_full",
	[NP_STAT_HOLDERS_FULL] = "holders_full",
	[NP_STAT_SKPROC_RESET] = "owner_entry_restarts",
	[NP_STAT_PAYLOAD_LOST] = "payload_lost",
	[NP_STAT_CMDLINE_LOST] = "cmdlines_lost",
	[NP_STAT_RUNS_SKIPPED] = "runs_skipped",
};

#define PRETTY_UNKNOWN_REMOTES 10
#define PRETTY_PROC_CONNS 3	/* a process's largest connections under its row */
#define DESC_MAX (16 + 64 + DNS_NAME_TEXT_MAX)
#define DNS_NAME_TEXT_MAX 256

uint64_t output_lost_total(const struct np_model *m)
{
	return m->lost_records;
}

const char *output_lost_what(const char *mode)
{
	return mode && strcmp(mode, "afpacket") == 0 ? "packets (capture ring full)" :
						       "socket records (ring buffer full)";
}

void output_format_bytes(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = bytes;
	int u = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%" PRIu64 " B", bytes);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
}

static bool is_v4_mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, prefix, 12) == 0;
}

static bool all_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

/* Decimal @v at @p; returns the end. */
static char *put_dec(char *p, unsigned v)
{
	char d[10], *e = d + sizeof(d), *b = dec_digits_before(e, v, 1);

	memcpy(p, b, e - b);
	return p + (e - b);
}

/*
 * An IPv4 address and port without inet_ntop and printf: a record of ten
 * thousand connections a second formats twenty thousand of them.
 */
static void format_v4(char *buf, size_t size, const uint8_t a[4], int port)
{
	char tmp[24], *p = put_ipv4(tmp, a);

	if (port >= 0) {
		*p++ = ':';
		p = put_dec(p, port);
	}
	if ((size_t)(p - tmp) >= size)
		p = tmp + size - 1;	/* cut, as snprintf would */
	memcpy(buf, tmp, p - tmp);
	buf[p - tmp] = 0;
}

void output_format_endpoint(char *buf, size_t size, const struct np_endpoint *e, bool with_port)
{
	char ip[INET6_ADDRSTRLEN];
	bool v4 = is_v4_mapped(e->addr);

	if (v4 && !(with_port && e->port == 0 && all_zero(e->addr + 12, 4))) {
		format_v4(buf, size, e->addr + 12, with_port ? e->port : -1);
		return;
	}
	if (v4)
		inet_ntop(AF_INET, e->addr + 12, ip, sizeof(ip));
	else
		inet_ntop(AF_INET6, e->addr, ip, sizeof(ip));
	if (!with_port)
		snprintf(buf, size, "%s", ip);
	else if (e->port == 0 && (all_zero(e->addr, 16) || (v4 && all_zero(e->addr + 12, 4))))
		snprintf(buf, size, "*:*");	/* unconnected */
	else if (v4)
		snprintf(buf, size, "%s:%u", ip, e->port);
	else
		snprintf(buf, size, "[%s]:%u", ip, e->port);
}

const char *output_proto_name(uint8_t protocol, uint16_t family)
{
	const char *name = ip_proto_name(protocol);

	if (name)
		return name;
	if (protocol == IPPROTO_RAW)
		return "raw";
	if (protocol == 0)	/* a raw socket of no protocol: named by its family */
		return family == AF_INET6 ? "ipv6" : "ip";
	return "other";
}

const char *output_tcp_state(uint8_t state)
{
	static const char *const names[] = {
		"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
		"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
		"NEW_SYN_RECV",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "UNKNOWN";
}

static const char *conn_state(const struct np_conn *c)
{
	if (c->protocol == IPPROTO_TCP)
		return c->closed && c->state != TCP_CLOSE ? "CLOSED" : output_tcp_state(c->state);
	if (!c->cookie)
		return NULL;	/* unknown-remote row: no socket */
	return c->closed ? "CLOSED" : "OPEN";
}

void output_traffic_json(struct json_writer *jw, const struct np_traffic *t)
{
	jw_kv_u64(jw, "rx_bytes", t->rx_bytes);
	jw_kv_u64(jw, "tx_bytes", t->tx_bytes);
	jw_kv_u64(jw, "rx_packets", t->rx_packets);
	jw_kv_u64(jw, "tx_packets", t->tx_packets);
	jw_kv_u64(jw, "rx_payload", t->rx_payload);
	jw_kv_u64(jw, "tx_payload", t->tx_payload);
}

static void json_conn(struct json_writer *jw, const struct view *v, const struct np_proc *p,
		      const struct np_conn *c)
{
	/* A socket the kernel did not stamp (a listener no process read from) is its process's. */
	uint64_t ns = c->netns ? c->netns : p->netns;
	char buf[64];

	jw_start_object(jw);
	jw_kv_string(jw, "proto", output_proto_name(c->protocol, c->family));
	if (c->cookie) {
		output_format_endpoint(buf, sizeof(buf), &c->local, true);
		jw_kv_string(jw, "local", buf);
		output_format_endpoint(buf, sizeof(buf), &c->remote, true);
	} else {
		jw_kv_string(jw, "local", NULL);
		output_format_endpoint(buf, sizeof(buf), &c->remote, false);
	}
	jw_kv_string(jw, "remote", buf);
	jw_kv_string(jw, "remote_name", c->remote_name);
	jw_kv_string(jw, "name_source", c->name_source);
	jw_kv_string(jw, "state", conn_state(c));
	jw_kv_u64_or_null(jw, "netns", ns != 0, ns);
	output_traffic_json(jw, view_conn_traffic(v, c));
	if (c->peers) {
		/* Unconnected UDP: the same bytes again, by peer. */
		jw_key(jw, "peers");
		jw_start_array(jw);
		for (const struct np_peer *pe = c->peers; pe; pe = pe->next) {
			const struct np_traffic *t = v->use_interval ? &pe->interval : &pe->total;

			if (!(t->rx_packets | t->tx_packets))
				continue;
			jw_start_object(jw);
			output_format_endpoint(buf, sizeof(buf), &pe->remote, true);
			jw_kv_string(jw, "remote", buf);
			jw_kv_u64(jw, "rx_bytes", t->rx_bytes);
			jw_kv_u64(jw, "tx_bytes", t->tx_bytes);
			jw_kv_u64(jw, "rx_packets", t->rx_packets);
			jw_kv_u64(jw, "tx_packets", t->tx_packets);
			jw_end_object(jw);
		}
		jw_end_array(jw);
	}
	jw_end_object(jw);
}

static const char *or_null(const char *s)
{
	return s && s[0] ? s : NULL;
}

/* netns, unit and container keys: always present, null when unknown. */
void output_identity_json(struct json_writer *jw, const struct np_proc *p)
{
	const struct ct_info *ct = p->ct;
	bool in_ct = ct && ct->ident.runtime != CT_NONE;

	jw_kv_u64_or_null(jw, "netns", p->netns != 0, p->netns);
	jw_kv_string(jw, "unit", ct ? or_null(ct->ident.unit) : NULL);
	jw_kv_string(jw, "container_id", in_ct ? or_null(ct->ident.id) : NULL);
	jw_kv_string(jw, "container_runtime", in_ct ? ct_runtime_name(ct->ident.runtime) : NULL);
	jw_kv_string(jw, "container_name", in_ct ? or_null(ct->name) : NULL);
	jw_kv_string(jw, "pod_uid", ct ? or_null(ct->ident.pod_uid) : NULL);
	jw_kv_string(jw, "k8s_namespace", ct ? or_null(ct->k8s_namespace) : NULL);
	jw_kv_string(jw, "pod_name", ct ? or_null(ct->pod_name) : NULL);
}

void output_proc_json(struct json_writer *jw, const struct view *v, const struct np_proc *p)
{
	jw_start_object(jw);
	jw_kv_u64_or_null(jw, "pid", !p->is_unknown, p->pid);
	jw_kv_string(jw, "process", p->comm);
	output_traffic_json(jw, view_traffic(v, p));
	jw_kv_u64_or_null(jw, "uid", !p->is_unknown, p->uid);
	jw_kv_string(jw, "cgroup", p->cgroup_path);
	jw_kv_u64_or_null(jw, "cgroup_id", !p->is_unknown, p->cgroup_id);
	jw_kv_u64_or_null(jw, "start_time", !p->is_unknown, p->start_ns);
	jw_kv_string(jw, "cmdline", p->cmdline);
	output_identity_json(jw, p);
	jw_key(jw, "connections");
	jw_start_array(jw);
	for (const struct np_conn *c = p->conns; c; c = c->next)
		if (!traffic_zero(view_conn_traffic(v, c)))
			json_conn(jw, v, p, c);
	jw_end_array(jw);
	jw_end_object(jw);
}

static void json_procs(struct json_writer *jw, const struct view *v)
{
	jw_start_array(jw);
	for (size_t i = 0; i < v->n; i++)
		output_proc_json(jw, v, v->procs[i]);
	jw_end_array(jw);
}

static void write_tsv(FILE *out, const struct view *v)
{
	fputs("pid\tprocess\trx_bytes\ttx_bytes\trx_packets\ttx_packets\n", out);
	for (size_t i = 0; i < v->n; i++) {
		const struct np_proc *p = v->procs[i];
		const struct np_traffic *t = view_traffic(v, p);

		if (p->is_unknown)
			fputs("-\tunknown", out);
		else
			fprintf(out, "%u\t%s", p->pid, p->comm);
		fprintf(out, "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\n",
			t->rx_bytes, t->tx_bytes, t->rx_packets, t->tx_packets);
	}
}

/* A process's largest connections (or unknown remotes), largest first. */
static size_t top_conns(const struct view *v, const struct np_proc *p,
			const struct np_conn **top, size_t max)
{
	size_t n = 0, i;

	for (const struct np_conn *c = p->conns; c; c = c->next) {
		uint64_t b = traffic_bytes(view_conn_traffic(v, c));

		if (!b)
			continue;
		if (n < max)
			n++;
		else if (b <= traffic_bytes(view_conn_traffic(v, top[max - 1])))
			continue;
		for (i = n - 1; i > 0 && traffic_bytes(view_conn_traffic(v, top[i - 1])) < b; i--)
			top[i] = top[i - 1];
		top[i] = c;
	}
	return n;
}

void output_container_label(const struct np_proc *p, char *buf, size_t size)
{
	const struct ct_info *ct = p->ct;
	char id[CT_ID_MAX];

	buf[0] = '\0';
	if (!ct || ct->ident.runtime == CT_NONE)
		return;
	ct_short_id(ct->ident.id, id, sizeof(id));
	if (ct->name[0] && strcmp(ct->name, ct->ident.id))
		snprintf(buf, size, "%s %s", id, ct->name);
	else
		snprintf(buf, size, "%s", id);
	if (ct->pod_name[0])
		snprintf(buf + strlen(buf), size - strlen(buf), " (pod %s/%s)", ct->k8s_namespace,
			 ct->pod_name);
}

/* @extra: the CONTAINER column, NULL when no row of the table has one. */
static void pretty_row(FILE *out, const char *pid, const char *name,
		       const struct np_traffic *t, const char *on, const char *off,
		       const char *extra)
{
	char rx[32], tx[32];

	output_format_bytes(rx, sizeof(rx), t->rx_bytes);
	output_format_bytes(tx, sizeof(tx), t->tx_bytes);
	/* Names are cut to the column; a connection's line keeps its remote whole. */
	fprintf(out, "%s%-8s %-20.*s %12s %12s %10" PRIu64 " %10" PRIu64 "%s%s%s\n", on, pid,
		pid[0] || !name[0] ? 20 : (int)strlen(name), name,
		rx, tx, t->rx_packets, t->tx_packets, extra && extra[0] ? "  " : "",
		extra ? extra : "", off);
}

static bool any_container(const struct view *v)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->procs[i]->ct && v->procs[i]->ct->ident.runtime != CT_NONE)
			return true;
	return false;
}

/* Under a process (or unknown), its largest connections: the remote, with its name if known. */
static void pretty_conns(FILE *out, const struct view *v, const struct np_proc *p, size_t max,
			 const char *dim, const char *off)
{
	const struct np_conn *top[PRETTY_UNKNOWN_REMOTES];
	size_t n = top_conns(v, p, top, max < PRETTY_UNKNOWN_REMOTES ? max : PRETTY_UNKNOWN_REMOTES);

	for (size_t j = 0; j < n; j++) {
		char desc[DESC_MAX], addr[64];

		/* Sockets by their remote end, unknown traffic by its remote host. */
		output_format_endpoint(addr, sizeof(addr), &top[j]->remote, top[j]->cookie != 0);
		snprintf(desc, sizeof(desc), "  %s %s%s%s",
			 output_proto_name(top[j]->protocol, top[j]->family), addr,
			 top[j]->remote_name ? " " : "", top[j]->remote_name ? top[j]->remote_name : "");
		fprintf(out, "%s", dim);
		pretty_row(out, "", desc, view_conn_traffic(v, top[j]), "", off, NULL);
	}
}

static void write_pretty(FILE *out, const struct view *v, const struct run_info *ri, bool color)
{
	const char *bold = color ? "\033[1m" : "", *dim = color ? "\033[2m" : "";
	const char *off = color ? "\033[0m" : "";
	bool with_ct = any_container(v);
	char pid[16], ct[CT_ID_MAX + 3 * CT_NAME_MAX];

	if (v->group != GROUP_PROCESS) {
		if (output_groups_pretty(out, v, color))
			fputs("netoproc: out of memory\n", out);
		goto footer;
	}
	fprintf(out, "%s%-8s %-20s %12s %12s %10s %10s%s%s\n", bold, "PID", "PROCESS", "RX", "TX",
		"RX_PKT", "TX_PKT", with_ct ? "  CONTAINER" : "", off);
	for (size_t i = 0; i < v->n; i++) {
		const struct np_proc *p = v->procs[i];

		if (p->is_unknown) {
			pretty_row(out, "-", "unknown", view_traffic(v, p), "", "", NULL);
			pretty_conns(out, v, p, PRETTY_UNKNOWN_REMOTES, dim, off);
			continue;
		}
		snprintf(pid, sizeof(pid), "%u", p->pid);
		output_container_label(p, ct, sizeof(ct));
		pretty_row(out, pid, p->comm, view_traffic(v, p), "", "", with_ct ? ct : NULL);
		pretty_conns(out, v, p, PRETTY_PROC_CONNS, dim, off);
	}
	pretty_row(out, "TOTAL", "", &v->sum, bold, off, NULL);
footer:
	for (int i = 0; i < ri->ndegraded; i++) {
		char d[128];

		fprintf(out, "%sdegraded: %s%s\n", dim,
			np_degraded_text(&ri->degraded[i], d, sizeof(d)), off);
	}
	if (output_lost_total(ri->model))
		fprintf(out, "lost: %" PRIu64 " %s\n", output_lost_total(ri->model), output_lost_what(ri->mode));
}

void output_snapshot(FILE *out, enum out_format fmt, const struct view *v,
		     const struct run_info *ri, bool color)
{
	struct json_writer jw;

	switch (fmt) {
	case FMT_TSV:
		if (v->group == GROUP_PROCESS)
			write_tsv(out, v);
		else if (output_groups_tsv(out, v))
			np_err("out of memory");
		break;
	case FMT_JSON:
		jw_init(&jw, out, true);
		if (v->group == GROUP_PROCESS)
			json_procs(&jw, v);
		else if (output_groups_json(&jw, v))
			np_err("out of memory");
		break;
	case FMT_PRETTY:
		write_pretty(out, v, ri, color);
		break;
	}
	fflush(out);
}

void output_degraded_json(struct json_writer *jw, const struct np_degraded *d, int n)
{
	jw_key(jw, "degraded");
	jw_start_array(jw);
	for (int i = 0; i < n; i++) {
		jw_start_object(jw);
		jw_kv_string(jw, "part", d[i].part);
		jw_kv_string(jw, "instead", d[i].instead);
		jw_kv_string(jw, "reason", d[i].reason);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

void output_counters_text(FILE *out, const struct np_model *m)
{
	fputs("netoproc: kernel counters:", out);
	for (int i = 0; i < NP_STAT_MAX; i++)
		fprintf(out, " %s=%llu", np_stat_names[i], (unsigned long long)m->stat[i]);
	fputc('\n', out);
}

void output_self_check_json(struct json_writer *jw, double ms)
{
	if (ms > 0)
		jw_kv_double(jw, "self_check_ms", ms, 2);
	else
		jw_kv_null(jw, "self_check_ms");
}

void output_interval_json(FILE *out, const struct view *v, const struct run_info *ri)
{
	struct json_writer jw;

	jw_init(&jw, out, false);
	jw_start_object(&jw);
	jw_kv_double(&jw, "time", ri->time, 3);
	jw_kv_double(&jw, "interval", ri->interval, 3);
	jw_kv_string(&jw, "mode", ri->mode);
	jw_kv_string(&jw, "attach", ri->attach);
	output_degraded_json(&jw, ri->degraded, ri->ndegraded);
	output_self_check_json(&jw, ri->self_check_ms);
	jw_key(&jw, "processes");
	json_procs(&jw, v);
	/* --group: the same processes summed; both keys always there (null without it) */
	jw_kv_string(&jw, "group", v->group == GROUP_PROCESS ? NULL : view_group_name(v->group));
	jw_key(&jw, "groups");
	if (v->group == GROUP_PROCESS || output_groups_json(&jw, v))
		jw_null(&jw);
	jw_kv_u64(&jw, "lost", output_lost_total(ri->model));
	jw_key(&jw, "counters");
	jw_start_object(&jw);
	for (int i = 0; i < NP_STAT_MAX; i++)
		jw_kv_u64(&jw, np_stat_names[i], ri->model->stat[i]);
	jw_end_object(&jw);
	jw_end_object(&jw);
	fputc('\n', out);
	fflush(out);
}

void output_live_table(FILE *out, const struct view *v, const struct run_info *ri,
		       bool clear, bool color)
{
	if (clear)
		fputs("\033[H\033[2J", out);
	fprintf(out, "netoproc  mode %s (%s)  interval %.1fs  lost %" PRIu64 "\n\n",
		ri->mode, ri->attach, ri->interval, output_lost_total(ri->model));
	write_pretty(out, v, ri, color);
	fflush(out);
}
