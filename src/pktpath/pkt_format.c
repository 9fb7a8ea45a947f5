// SPDX-License-Identifier: GPL-2.0-only
/* How trace and drop show a packet: names, addresses, times, common fields, lost events. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "lib/proto.h"
#include "lib/util.h"
#include "pktpath/pkt_format.h"

const char *pkt_proto_name(const struct np_pkt *p, char *buf, size_t size)
{
	const char *name;

	if (p->family) {
		if ((name = ip_proto_name(p->l4proto)))
			return name;
		snprintf(buf, size, "ip-proto-%u", p->l4proto);
		return buf;
	}
	switch (p->ethertype) {
	case 0x0806: return "arp";
	case 0x0800: return "ip";
	case 0x86dd: return "ip6";
	case 0x8100: return "vlan";
	case 0x88cc: return "lldp";
	case 0: return "unknown";
	}
	snprintf(buf, size, "0x%04x", p->ethertype);
	return buf;
}

const char *pkt_addr(const struct np_pkt *p, bool src, char *buf, size_t size)
{
	const void *a = src ? p->saddr : p->daddr;

	buf[0] = '\0';
	if (p->family == 4)
		inet_ntop(AF_INET, a, buf, size);
	else if (p->family == 6)
		inet_ntop(AF_INET6, a, buf, size);
	return buf;
}

const char *pkt_tcp_flags(uint8_t flags, char *buf, size_t size)
{
	static const char letters[] = "FSRPAUEC";
	size_t n = 0;

	for (int i = 0; i < 8 && n + 1 < size; i++)
		if (flags & (1u << i))
			buf[n++] = letters[i];
	buf[n] = '\0';
	return buf;
}

double pkt_event_time(uint64_t ts_ns)
{
	static double offset;

	if (!offset)
		offset = now_realtime() - now_monotonic();
	return offset + ts_ns / 1e9;
}

const char *pkt_time_str(double t, char *buf, size_t size)
{
	time_t s = (time_t)t;
	struct tm tm;
	char hms[16];

	localtime_r(&s, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06d", hms, (int)((t - (double)s) * 1e6));
	return buf;
}

static bool has_ports(const struct np_pkt *p)
{
	return p->has_l4 && p->l4proto != IPPROTO_ICMP && p->l4proto != IPPROTO_ICMPV6;
}

void pkt_meta_json(struct json_writer *jw, const struct np_skb_meta *m, const char *probe)
{
	char buf[64], skb[24];

	jw_kv_double(jw, "time", pkt_event_time(m->ts_ns), 6);
	jw_kv_u64(jw, "cpu", m->cpu);
	jw_kv_u64(jw, "netns", m->netns);
	jw_kv_string(jw, "ifname", m->ifname[0] ? m->ifname : NULL);
	jw_kv_u64(jw, "ifindex", m->ifindex);
	jw_kv_string(jw, "probe", probe);
	snprintf(skb, sizeof(skb), "0x%llx", (unsigned long long)m->skb);
	jw_kv_string(jw, "skb", skb);
	jw_kv_u64(jw, "len", m->len);
	jw_kv_u64(jw, "mark", m->mark);
	jw_kv_string(jw, "proto", pkt_proto_name(&m->pkt, buf, sizeof(buf)));
	jw_kv_string(jw, "src", m->pkt.family ? pkt_addr(&m->pkt, true, buf, sizeof(buf)) : NULL);
	jw_kv_string(jw, "dst", m->pkt.family ? pkt_addr(&m->pkt, false, buf, sizeof(buf)) : NULL);
	jw_kv_u64_or_null(jw, "sport", has_ports(&m->pkt), m->pkt.sport);
	jw_kv_u64_or_null(jw, "dport", has_ports(&m->pkt), m->pkt.dport);
	if (m->pkt.has_l4 && m->pkt.l4proto == IPPROTO_TCP)
		jw_kv_string(jw, "tcp_flags", pkt_tcp_flags(m->pkt.tcp_flags, buf, sizeof(buf)));
	if (m->pkt.has_l4 && (m->pkt.l4proto == IPPROTO_ICMP || m->pkt.l4proto == IPPROTO_ICMPV6)) {
		jw_kv_u64(jw, "icmp_type", m->pkt.icmp_type);
		jw_kv_u64(jw, "icmp_code", m->pkt.icmp_code);
	}
	if (m->in_task) {
		jw_kv_u64(jw, "pid", m->pid);
		jw_kv_string(jw, "comm", m->comm);
	}
}

void pkt_meta_text(FILE *out, const struct np_skb_meta *m, const char *probe)
{
	char t[32], a[64], b[64], pr[24], fl[16];

	fprintf(out, "%s cpu%-2u ns:%u %s:%u", pkt_time_str(pkt_event_time(m->ts_ns), t, sizeof(t)),
		m->cpu, m->netns, m->ifname[0] ? m->ifname : "-", m->ifindex);
	if (probe && *probe)
		fprintf(out, " %s", probe);
	fprintf(out, " %s", pkt_proto_name(&m->pkt, pr, sizeof(pr)));
	if (m->pkt.family == 4 || m->pkt.family == 6) {
		pkt_addr(&m->pkt, true, a, sizeof(a));
		pkt_addr(&m->pkt, false, b, sizeof(b));
		if (has_ports(&m->pkt))
			fprintf(out, m->pkt.family == 6 ? " [%s]:%u > [%s]:%u" : " %s:%u > %s:%u",
				a, m->pkt.sport, b, m->pkt.dport);
		else
			fprintf(out, " %s > %s", a, b);
		if (m->pkt.has_l4 && m->pkt.l4proto == IPPROTO_TCP)
			fprintf(out, " [%s]", pkt_tcp_flags(m->pkt.tcp_flags, fl, sizeof(fl)));
		if (m->pkt.has_l4 && (m->pkt.l4proto == IPPROTO_ICMP || m->pkt.l4proto == IPPROTO_ICMPV6))
			fprintf(out, " type %u code %u", m->pkt.icmp_type, m->pkt.icmp_code);
	}
	fprintf(out, " len %u", m->len);
	if (m->mark)
		fprintf(out, " mark 0x%x", m->mark);
	fprintf(out, " skb 0x%llx", (unsigned long long)m->skb);
}

void pkt_task_text(FILE *out, const struct np_skb_meta *m)
{
	if (m->in_task)
		fprintf(out, " %s:%u", m->comm, m->pid);
}

void pkt_lost_report(struct pkt_lost *l, uint64_t total, bool final)
{
	if (total > l->reported)
		np_err("%llu events lost: ring buffer full or probe nested (%llu in total)",
		       (unsigned long long)(total - l->reported), (unsigned long long)total);
	else if (final && !total)
		np_info("no events lost");
	l->reported = total;
}
