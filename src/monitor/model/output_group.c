// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <string.h>
#include "lib/json_writer.h"
#include "lib/util.h"
#include "monitor/model/output.h"
#include "monitor/model/output_group.h"

#define PRETTY_KEY_W 24

/* What every member shares: a field that differs between two of them is unknown for the group. */
static void common_identity(const struct view_group *g, struct ct_info *ct, uint64_t *netns)
{
	const struct np_proc *first = g->members[0];

	memset(ct, 0, sizeof(*ct));
	*netns = first->netns;
	if (first->ct)
		*ct = *first->ct;
	for (size_t i = 1; i < g->n; i++) {
		const struct np_proc *p = g->members[i];
		static const struct ct_info none;
		const struct ct_info *o = p->ct ? p->ct : &none;

		if (p->netns != *netns)
			*netns = 0;
		if (o->ident.runtime != ct->ident.runtime || strcmp(o->ident.id, ct->ident.id))
			ct->ident.runtime = CT_NONE;
		if (strcmp(o->name, ct->name))
			ct->name[0] = '\0';
		if (strcmp(o->ident.pod_uid, ct->ident.pod_uid))
			ct->ident.pod_uid[0] = '\0';
		if (strcmp(o->k8s_namespace, ct->k8s_namespace))
			ct->k8s_namespace[0] = '\0';
		if (strcmp(o->pod_name, ct->pod_name))
			ct->pod_name[0] = '\0';
		if (strcmp(o->ident.unit, ct->ident.unit))
			ct->ident.unit[0] = '\0';
	}
}

/* A group's name for text: the container's name, the pod's namespace/name; "-" otherwise. */
static void group_label(const struct view_group *g, enum group_key k, char *buf, size_t size)
{
	struct ct_info ct;
	uint64_t ns;

	snprintf(buf, size, "-");
	if (g->unknown || !g->key[0])
		return;
	common_identity(g, &ct, &ns);
	if (k == GROUP_CONTAINER && ct.name[0])
		snprintf(buf, size, "%s", ct.name);
	else if (k == GROUP_POD && ct.pod_name[0])
		snprintf(buf, size, "%s/%s", ct.k8s_namespace, ct.pod_name);
}

int output_groups_json(struct json_writer *jw, const struct view *v)
{
	struct view_group *gs;
	size_t n;

	if (view_groups(v, v->group, &gs, &n))
		return -1;
	jw_start_array(jw);
	for (size_t i = 0; i < n; i++) {
		struct np_proc common = { 0 };
		struct ct_info ct;

		common_identity(&gs[i], &ct, &common.netns);
		common.ct = &ct;
		jw_start_object(jw);
		jw_kv_string(jw, "group", view_group_name(v->group));
		jw_kv_string(jw, "key", gs[i].key[0] ? gs[i].key : NULL);
		jw_kv_bool(jw, "unknown", gs[i].unknown);
		output_identity_json(jw, &common);
		output_traffic_json(jw, &gs[i].sum);
		jw_key(jw, "processes");
		jw_start_array(jw);
		for (size_t j = 0; j < gs[i].n; j++)
			output_proc_json(jw, v, gs[i].members[j]);
		jw_end_array(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	view_groups_free(gs, n);
	return 0;
}

int output_groups_tsv(FILE *out, const struct view *v)
{
	struct view_group *gs;
	size_t n;

	if (view_groups(v, v->group, &gs, &n))
		return -1;
	fprintf(out, "%s\tname\tprocesses\trx_bytes\ttx_bytes\trx_packets\ttx_packets\n",
		view_group_name(v->group));
	for (size_t i = 0; i < n; i++) {
		const struct np_traffic *t = &gs[i].sum;
		char label[512];

		group_label(&gs[i], v->group, label, sizeof(label));
		fprintf(out, "%s\t%s\t%zu\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\n",
			gs[i].unknown ? "unknown" : gs[i].key[0] ? gs[i].key : "-", label,
			gs[i].unknown ? (size_t)0 : gs[i].n, t->rx_bytes, t->tx_bytes, t->rx_packets,
			t->tx_packets);
	}
	view_groups_free(gs, n);
	return 0;
}

static void pretty_line(FILE *out, const char *key, const char *name, const char *procs,
			const struct np_traffic *t, const char *on, const char *off)
{
	char rx[32], tx[32];

	output_format_bytes(rx, sizeof(rx), t->rx_bytes);
	output_format_bytes(tx, sizeof(tx), t->tx_bytes);
	fprintf(out, "%s%-*.*s %-20.20s %6s %12s %12s %10" PRIu64 " %10" PRIu64 "%s\n", on,
		PRETTY_KEY_W, PRETTY_KEY_W, key, name, procs, rx, tx, t->rx_packets, t->tx_packets,
		off);
}

int output_groups_pretty(FILE *out, const struct view *v, bool color)
{
	const char *bold = color ? "\033[1m" : "", *dim = color ? "\033[2m" : "";
	const char *off = color ? "\033[0m" : "";
	struct view_group *gs;
	char head[32];
	size_t n;

	if (view_groups(v, v->group, &gs, &n))
		return -1;
	snprintf(head, sizeof(head), "%s", view_group_name(v->group));
	for (char *c = head; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
	fprintf(out, "%s%-*s %-20s %6s %12s %12s %10s %10s%s\n", bold, PRETTY_KEY_W, head, "NAME",
		"PROCS", "RX", "TX", "RX_PKT", "TX_PKT", off);
	for (size_t i = 0; i < n; i++) {
		char short_id[CT_ID_MAX], label[512], procs[16];
		const char *key = gs[i].key[0] ? gs[i].key : "-";

		if (gs[i].unknown) {
			pretty_line(out, "unknown", "-", "-", &gs[i].sum, "", "");
			continue;
		}
		if (v->group == GROUP_CONTAINER && gs[i].key[0]) {
			ct_short_id(gs[i].key, short_id, sizeof(short_id));
			key = short_id;
		}
		group_label(&gs[i], v->group, label, sizeof(label));
		snprintf(procs, sizeof(procs), "%zu", gs[i].n);
		pretty_line(out, key, label, procs, &gs[i].sum, "", "");
		for (size_t j = 0; j < gs[i].n; j++) {
			const struct np_proc *p = gs[i].members[j];
			char pid[24];

			snprintf(pid, sizeof(pid), "  %u", p->pid);
			pretty_line(out, pid, p->comm, "", view_traffic(v, p), dim, off);
		}
	}
	pretty_line(out, "TOTAL", "", "", &v->sum, bold, off);
	view_groups_free(gs, n);
	return 0;
}
