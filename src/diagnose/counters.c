// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/counters.h"

static int add(struct counters *cs, const char *prefix, const char *name, size_t name_len,
	       uint64_t v)
{
	struct counter *c;

	/* Summed tables (per CPU) and repeated keys add up. */
	for (size_t i = 0; i < cs->n; i++) {
		size_t pl = strlen(prefix);

		if (strncmp(cs->c[i].name, prefix, pl) == 0 &&
		    strlen(cs->c[i].name + pl) == name_len &&
		    strncmp(cs->c[i].name + pl, name, name_len) == 0) {
			cs->c[i].value += v;
			return 0;
		}
	}
	c = realloc(cs->c, (cs->n + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	cs->c = c;
	c = &cs->c[cs->n++];
	snprintf(c->name, sizeof(c->name), "%s%.*s", prefix, (int)name_len, name);
	c->value = v;
	return 0;
}

/* Words of a line, as [start, len) pairs; returns the count (at most max). */
static size_t words(const char *s, const char **w, size_t *len, size_t max)
{
	size_t n = 0;

	while (n < max) {
		s += strspn(s, " \t");
		if (!*s || *s == '\n')
			break;
		w[n] = s;
		len[n] = strcspn(s, " \t\n");
		s += len[n++];
	}
	return n;
}

#define MAXW 160

int counters_parse_snmp(struct counters *cs, const char *text)
{
	const char *s = text;

	while (*s) {
		const char *next = strchr(s, '\n'), *w1[MAXW], *w2[MAXW];
		size_t l1[MAXW], l2[MAXW], n1, n2;

		if (!next)
			break;
		n1 = words(s, w1, l1, MAXW);
		s = next + 1;
		next = strchr(s, '\n');
		n2 = words(s, w2, l2, MAXW);
		s = next ? next + 1 : s + strlen(s);
		/* "Tcp:" in both lines, names then values */
		if (n1 < 2 || n1 != n2 || l1[0] != l2[0] || strncmp(w1[0], w2[0], l1[0]) ||
		    w1[0][l1[0] - 1] != ':')
			return -EINVAL;
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "%.*s", (int)l1[0] - 1, w1[0]);
		for (size_t i = 1; i < n1; i++) {
			/* Tcp MaxConn is -1: read as signed, kept as its two's complement */
			long long v = strtoll(w2[i], NULL, 10);

			if (add(cs, prefix, w1[i], l1[i], (uint64_t)v))
				return -ENOMEM;
		}
	}
	return 0;
}

int counters_parse_snmp6(struct counters *cs, const char *text)
{
	const char *s = text;

	while (*s) {
		const char *w[3];
		size_t l[3];
		size_t n = words(s, w, l, 3);

		if (n == 2 && add(cs, "", w[0], l[0], strtoull(w[1], NULL, 10)))
			return -ENOMEM;
		s += strcspn(s, "\n");
		s += *s == '\n';
	}
	return 0;
}

int counters_parse_stat(struct counters *cs, const char *prefix, const char *text)
{
	const char *hw[MAXW], *s;
	size_t hl[MAXW], nh;
	char names[MAXW][64];

	nh = words(text, hw, hl, MAXW);
	if (!nh)
		return -EINVAL;
	for (size_t i = 0; i < nh; i++) {
		/* unresolved_discards -> UnresolvedDiscards */
		size_t o = 0;
		bool up = true;

		for (size_t j = 0; j < hl[i] && o < sizeof(names[i]) - 1; j++) {
			if (hw[i][j] == '_') {
				up = true;
				continue;
			}
			names[i][o++] = up ? (char)toupper((unsigned char)hw[i][j]) : hw[i][j];
			up = false;
		}
		names[i][o] = 0;
	}
	s = strchr(text, '\n');
	while (s && *++s) {
		const char *w[MAXW];
		size_t l[MAXW], n = words(s, w, l, MAXW);

		if (n && n != nh)
			return -EINVAL;
		for (size_t i = 0; i < n; i++)
			if (add(cs, prefix, names[i], strlen(names[i]), strtoull(w[i], NULL, 16)))
				return -ENOMEM;
		s = strchr(s, '\n');
	}
	return 0;
}

static int cmp_counter(const void *a, const void *b)
{
	return strcmp(((const struct counter *)a)->name, ((const struct counter *)b)->name);
}

void counters_sort(struct counters *cs)
{
	if (cs->n)
		qsort(cs->c, cs->n, sizeof(*cs->c), cmp_counter);
}

bool counters_get(const struct counters *cs, const char *name, uint64_t *value)
{
	struct counter key, *c;

	snprintf(key.name, sizeof(key.name), "%s", name);
	c = cs->n ? bsearch(&key, cs->c, cs->n, sizeof(*cs->c), cmp_counter) : NULL;
	if (c)
		*value = c->value;
	return c != NULL;
}

/* The whole of a small /proc file, or NULL (it may not exist: no IPv6, no conntrack). */
static char *slurp(const char *dir, const char *name)
{
	char path[512], *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *b = realloc(buf, cap + 16384);

			if (!b)
				break;
			buf = b;
			cap += 16384;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, f);

		len += got;
		if (!got)
			break;
	}
	fclose(f);
	if (buf)
		buf[len] = 0;
	return buf;
}

/*
 * What the TCP tables say about ephemeral ports: sockets in TIME_WAIT, and the
 * distinct local ports of non-listening sockets that lie in the range connect()
 * draws from (a time-wait socket holds its port too).
 */
static int tcp_ports(struct counters *out, const char *procnet, const char *sysnet)
{
	static const char *const tables[] = { "tcp", "tcp6" };
	unsigned int lo = 0, hi = 0;
	uint64_t tw = 0, inrange = 0;
	uint8_t *used = calloc(65536, 1);
	char *t;
	int err;

	if (!used)
		return -ENOMEM;
	if ((t = slurp(sysnet, "ipv4/ip_local_port_range"))) {
		if (sscanf(t, "%u %u", &lo, &hi) != 2 || hi < lo || hi > 65535)
			lo = hi = 0;
		free(t);
	}
	for (size_t i = 0; i < sizeof(tables) / sizeof(*tables); i++) {
		const char *s;

		if (!(t = slurp(procnet, tables[i])))
			continue;
		for (s = strchr(t, '\n'); s && *++s; s = strchr(s, '\n')) {
			char local[64];
			unsigned int st, port;
			const char *colon;

			if (sscanf(s, "%*s %63s %*s %x", local, &st) != 2)
				continue;
			colon = strchr(local, ':');
			if (!colon || sscanf(colon + 1, "%x", &port) != 1 || port > 65535)
				continue;
			tw += st == 0x06;
			if (st != 0x0a && port >= lo && port <= hi && hi && !used[port]) {
				used[port] = 1;
				inrange++;
			}
		}
		free(t);
	}
	free(used);
	err = add(out, "", "SockTcpTimeWait", 15, tw);
	if (!err && hi)
		err = add(out, "", "SockTcpLocalPortsInRange", 24, inrange);
	if (!err && hi)
		err = add(out, "", "LocalPortRangeSize", 18, hi - lo + 1);
	return err;
}

int counters_read(struct counters *out, const char *procnet, const char *sysnet)
{
	static const struct { const char *file, *prefix; } stats[] = {
		{ "stat/nf_conntrack", "Conntrack" },
		{ "stat/arp_cache", "Arp" },
		{ "stat/ndisc_cache", "Ndisc" },
	};
	static const char *const gauges[][2] = {
		{ "netfilter/nf_conntrack_count", "ConntrackCount" },
		{ "netfilter/nf_conntrack_max", "ConntrackMax" },
	};
	char *t;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if ((t = slurp(procnet, "snmp"))) {
		err = counters_parse_snmp(out, t);
		free(t);
	}
	if (!err && (t = slurp(procnet, "netstat"))) {
		err = counters_parse_snmp(out, t);
		free(t);
	}
	if (!err && (t = slurp(procnet, "snmp6"))) {
		err = counters_parse_snmp6(out, t);
		free(t);
	}
	/* "XfrmInPolBlock 4": IPsec policy drops, which the kernel gives no drop reason */
	if (!err && (t = slurp(procnet, "xfrm_stat"))) {
		err = counters_parse_snmp6(out, t);
		free(t);
	}
	if (!err)
		err = tcp_ports(out, procnet, sysnet);
	for (size_t i = 0; !err && i < sizeof(stats) / sizeof(*stats); i++) {
		if ((t = slurp(procnet, stats[i].file))) {
			err = counters_parse_stat(out, stats[i].prefix, t);
			free(t);
		}
	}
	for (size_t i = 0; !err && i < sizeof(gauges) / sizeof(*gauges); i++) {
		if ((t = slurp(sysnet, gauges[i][0]))) {
			err = add(out, "", gauges[i][1], strlen(gauges[i][1]),
				  strtoull(t, NULL, 10));
			free(t);
		}
	}
	if (err) {
		counters_free(out);
		return err;
	}
	counters_sort(out);
	return 0;
}

void counters_free(struct counters *cs)
{
	free(cs->c);
	memset(cs, 0, sizeof(*cs));
}
