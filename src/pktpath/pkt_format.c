// SPDX-License-Identifier: GPL-2.0-only
/* How trace and drop show a packet: names, addresses, times, common fields, lost events. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <net/if.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include "lib/bpf_util.h"
#include "lib/proto.h"
#include "lib/util.h"
#include "containers/ct_resolve.h"
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
	if (p->family == 4 && size >= INET_ADDRSTRLEN)	/* every caller's is */
		*put_ipv4(buf, a) = '\0';	/* inet_ntop's sprintf was a tenth of an event */
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

#define IFNAME_SLOTS	64
#define IFNAME_TTL	1.0	/* s: a device renamed or replaced shows within a second */

/*
 * if_indextoname() costs a socket and an ioctl: at 100k events a second that
 * is most of an event's time, so names are kept a second per index.
 */
static const char *ifname_of_index(uint32_t ifindex, char *buf)
{
	static struct {
		uint32_t ifindex;
		bool known;
		double at;
		char name[IF_NAMESIZE];
	} slots[IFNAME_SLOTS];
	typeof(slots[0]) *s = &slots[ifindex % IFNAME_SLOTS];
	double now = now_monotonic();

	if (s->ifindex != ifindex || now - s->at > IFNAME_TTL) {
		s->ifindex = ifindex;
		s->known = if_indextoname(ifindex, s->name) != NULL;
		s->at = now;
	}
	if (!s->known)
		return NULL;
	memcpy(buf, s->name, IF_NAMESIZE);
	return buf;
}

/*
 * The device's name: from the kernel, or where a probe knew only the index
 * (TCP clears skb->dev on receive), from the index if the device is in our
 * own network namespace (another namespace's index means another device).
 */
static const char *pkt_ifname(const struct np_skb_meta *m, char *buf)
{
	static uint64_t own_netns;
	struct stat st;

	if (m->ifname[0])
		return m->ifname;
	if (!own_netns && stat("/proc/self/ns/net", &st) == 0)
		own_netns = st.st_ino;
	if (m->ifindex && m->netns == own_netns && ifname_of_index(m->ifindex, buf))
		return buf;
	return NULL;
}

void pkt_say_filter_short(const char *what, int map_fd)
{
	uint64_t n = np_percpu_sum(map_fd, 0);

	if (n)
		np_err("%s: %llu packets not matched because the filter needs bytes past the "
		       "%d read from their linear data (payload in paged fragments)", what,
		       (unsigned long long)n, NP_PKT_MAX);
}

void pkt_text_header(FILE *out, bool probe, const char *details)
{
	fprintf(out, "# TIME CPU NETNS DEVICE:IFINDEX%s PROTO SRC > DST LEN SKB %s [PROCESS:PID] "
		"[ct:CONTAINER(NAME)]\n",
		probe ? " PROBE" : "", details);
}

void pkt_meta(struct emitter *em, const struct np_skb_meta *m, const char *probe,
	      bool probe_in_text)
{
	char t[32], buf[64], a[64], b[64], skb[24], fl[16], ifn[IF_NAMESIZE];
	bool tcp = m->pkt.has_l4 && m->pkt.l4proto == IPPROTO_TCP;
	bool icmp = m->pkt.has_l4 &&
		    (m->pkt.l4proto == IPPROTO_ICMP || m->pkt.l4proto == IPPROTO_ICMPV6);

	hex_u64_str(skb, m->skb);
	em_double(em, EM_JSON, "time", 6, NULL, pkt_event_time(m->ts_ns));
	if (!em->json)	/* strftime is a tenth of a JSON event's time: only when shown */
		em_text(em, "%s", pkt_time_str(pkt_event_time(m->ts_ns), t, sizeof(t)));
	em_u64(em, EM_ANY, "cpu", " cpu%-2llu", m->cpu);
	em_u64(em, EM_ANY, "netns", " ns:%llu", m->netns);
	em_str(em, EM_ANY, "ifname", " %s", pkt_ifname(m, ifn));
	em_u64(em, EM_ANY, "ifindex", ":%llu", m->ifindex);
	em_str(em, EM_JSON, "probe", NULL, probe);
	if (probe_in_text && probe && *probe)
		em_str(em, EM_TEXT, NULL, " %s", probe);
	em_str(em, EM_JSON, "skb", NULL, skb);
	em_u64(em, EM_JSON, "len", NULL, m->len);
	em_u64(em, EM_JSON, "mark", NULL, m->mark);
	em_str(em, EM_ANY, "proto", " %s", pkt_proto_name(&m->pkt, buf, sizeof(buf)));
	/* The two forms part here: JSON has a field each, text one "src > dst" phrase. */
	if (em->json) {
		jw_kv_string(&em->jw, "src", m->pkt.family ? pkt_addr(&m->pkt, true, a, sizeof(a)) :
				NULL);
		jw_kv_string(&em->jw, "dst", m->pkt.family ? pkt_addr(&m->pkt, false, b, sizeof(b)) :
				NULL);
		jw_kv_u64_or_null(&em->jw, "sport", has_ports(&m->pkt), m->pkt.sport);
		jw_kv_u64_or_null(&em->jw, "dport", has_ports(&m->pkt), m->pkt.dport);
		if (tcp)
			jw_kv_string(&em->jw, "tcp_flags", pkt_tcp_flags(m->pkt.tcp_flags, fl,
									 sizeof(fl)));
		if (icmp) {
			jw_kv_u64(&em->jw, "icmp_type", m->pkt.icmp_type);
			jw_kv_u64(&em->jw, "icmp_code", m->pkt.icmp_code);
		}
	} else if (m->pkt.family == 4 || m->pkt.family == 6) {
		pkt_addr(&m->pkt, true, a, sizeof(a));
		pkt_addr(&m->pkt, false, b, sizeof(b));
		if (has_ports(&m->pkt))
			em_text(em, m->pkt.family == 6 ? " [%s]:%u > [%s]:%u" : " %s:%u > %s:%u",
				a, m->pkt.sport, b, m->pkt.dport);
		else
			em_text(em, " %s > %s", a, b);
		if (tcp)
			em_text(em, " [%s]", pkt_tcp_flags(m->pkt.tcp_flags, fl, sizeof(fl)));
		if (icmp)
			em_text(em, " type %u code %u", m->pkt.icmp_type, m->pkt.icmp_code);
	}
	em_u64(em, EM_TEXT, NULL, " len %llu", m->len);
	if (m->mark)
		em_u64(em, EM_TEXT, NULL, " mark 0x%llx", m->mark);
	em_str(em, EM_TEXT, NULL, " skb %s", skb);
	if (m->in_task) {
		em_u64(em, EM_JSON, "pid", NULL, m->pid);
		em_str(em, EM_JSON, "comm", NULL, m->comm);
	}
}

void pkt_task(struct emitter *em, const struct np_skb_meta *m)
{
	if (m->in_task)
		em_text(em, " %s:%u", m->comm, m->pid);
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

const struct ct_info *pkt_event_identity(const struct np_skb_meta *m)
{
	/* One per process: trace and drop run one command each. */
	static struct ct_resolver r;
	static int ready;

	if (!ready)
		ready = ct_resolver_init(&r) ? -1 : 1;
	if (ready < 0)
		return NULL;
	return ct_resolve(&r, m->in_task ? m->pid : 0, m->netns, now_monotonic());
}

void pkt_identity(struct emitter *em, const struct ct_info *ct)
{
	bool in_ct = ct && ct->ident.runtime != CT_NONE;
	char id[CT_ID_MAX];

	if (em->json) {
		jw_kv_string(&em->jw, "container_id", in_ct ? ct->ident.id : NULL);
		jw_kv_string(&em->jw, "pod_uid", ct && ct->ident.pod_uid[0] ? ct->ident.pod_uid : NULL);
		jw_kv_string(&em->jw, "unit", ct && ct->ident.unit[0] ? ct->ident.unit : NULL);
		return;
	}
	if (!in_ct)
		return;
	ct_short_id(ct->ident.id, id, sizeof(id));
	em_text(em, " ct:%s", id);
	if (ct->name[0] && strcmp(ct->name, ct->ident.id))
		em_text(em, "(%s)", ct->name);
}
