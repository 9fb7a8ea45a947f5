// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "pcap_filter.h"
#include "pcap_region.h"
#include "trace_common.h"
#include "util.h"

static int parse_netns(const char *arg, uint32_t *ino)
{
	char path[4096];
	struct stat st;
	uint64_t v;

	if (parse_u64(arg, 1, UINT32_MAX, &v) == 0) {
		*ino = v;
		return 0;
	}
	if (!strchr(arg, '/')) {	/* a name made by `ip netns add` */
		snprintf(path, sizeof(path), "/var/run/netns/%s", arg);
		arg = path;
	}
	if (stat(arg, &st)) {
		np_err("--netns %s: %s", arg, strerror(errno));
		return -EINVAL;
	}
	*ino = st.st_ino;
	return 0;
}

static int parse_num(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

int np_filter_opt(struct np_filter_opts *f, int opt, const char *arg)
{
	char buf[64], *slash;
	uint64_t v;

	switch (opt) {
	case NP_OPT_NETNS:
		if (parse_netns(arg, &f->cfg.netns))
			return -EINVAL;
		f->cfg.flags |= NP_F_NETNS;
		return 0;
	case NP_OPT_IFNAME:
		if (!*arg || strlen(arg) >= NP_IFNAMSIZ) {
			np_err("invalid value '%s' for --ifname", arg);
			return -EINVAL;
		}
		memset(f->cfg.ifname, 0, sizeof(f->cfg.ifname));
		memcpy(f->cfg.ifname, arg, strlen(arg));
		f->cfg.flags |= NP_F_IFNAME;
		return 0;
	case NP_OPT_MARK:
		snprintf(buf, sizeof(buf), "%s", arg);
		f->cfg.mark_mask = UINT32_MAX;
		slash = strchr(buf, '/');
		if (slash)
			*slash++ = '\0';
		if (parse_num(buf, &f->cfg.mark) || (slash && parse_num(slash, &f->cfg.mark_mask))) {
			np_err("invalid value '%s' for --mark: expected VALUE[/MASK]", arg);
			return -EINVAL;
		}
		f->cfg.mark &= f->cfg.mark_mask;
		f->cfg.flags |= NP_F_MARK;
		return 0;
	case NP_OPT_PID:
		if (parse_u64(arg, 1, 4194304, &v)) {
			np_err("invalid value '%s' for --pid", arg);
			return -EINVAL;
		}
		f->cfg.pid = v;
		f->cfg.flags |= NP_F_PID;
		return 0;
	}
	return -EINVAL;
}

int np_filter_expr(struct np_filter_opts *f, int argc, char **argv)
{
	char err[512];

	if (argc <= 0)
		return 0;
	f->expr = pcap_filter_join(argc, argv);
	if (!f->expr) {
		np_err("out of memory");
		return -ENOMEM;
	}
	if (pcap_filter_compile(f->expr, &f->prog, &f->prog_len, err, sizeof(err))) {
		np_err("invalid filter expression '%s': %s", f->expr, err);
		return -EINVAL;
	}
	f->cfg.flags |= NP_F_PCAP;
	return 0;
}

void np_filter_free(struct np_filter_opts *f)
{
	free(f->expr);
	free(f->prog);
	f->expr = NULL;
	f->prog = NULL;
}

int np_filter_apply(const struct np_filter_opts *f, struct bpf_object *obj, const char *what)
{
	char err[256];
	int n;

	if (!f->prog)
		return 0;
	n = pcap_filter_patch(obj, f->prog, f->prog_len, err, sizeof(err));
	if (n < 0) {
		np_err("filter expression '%s': %s", f->expr, err);
		return n;
	}
	if (n == 0) {
		np_err("%s: no filter region in the BPF programs", what);
		return -ENOENT;
	}
	np_info("%s: filter '%s' translated into %d programs", what, f->expr, n);
	return 0;
}

const char *np_proto_name(const struct np_pkt *p, char *buf, size_t size)
{
	static const struct { uint8_t n; const char *s; } l4[] = {
		{ 1, "icmp" }, { 2, "igmp" }, { 4, "ipip" }, { 6, "tcp" }, { 17, "udp" },
		{ 41, "ipv6" }, { 47, "gre" }, { 50, "esp" }, { 51, "ah" }, { 58, "icmp6" },
		{ 89, "ospf" }, { 103, "pim" }, { 112, "vrrp" }, { 132, "sctp" },
		{ 136, "udplite" },
	};

	if (p->family) {
		for (size_t i = 0; i < sizeof(l4) / sizeof(l4[0]); i++)
			if (l4[i].n == p->l4proto)
				return l4[i].s;
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

const char *np_addr(const struct np_pkt *p, bool src, char *buf, size_t size)
{
	const void *a = src ? p->saddr : p->daddr;

	buf[0] = '\0';
	if (p->family == 4)
		inet_ntop(AF_INET, a, buf, size);
	else if (p->family == 6)
		inet_ntop(AF_INET6, a, buf, size);
	return buf;
}

const char *np_tcp_flags(uint8_t flags, char *buf, size_t size)
{
	static const char letters[] = "FSRPAUEC";
	size_t n = 0;

	for (int i = 0; i < 8 && n + 1 < size; i++)
		if (flags & (1u << i))
			buf[n++] = letters[i];
	buf[n] = '\0';
	return buf;
}

double np_event_time(uint64_t ts_ns)
{
	static double offset;

	if (!offset)
		offset = now_realtime() - now_monotonic();
	return offset + ts_ns / 1e9;
}

const char *np_time_str(double t, char *buf, size_t size)
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
	return p->has_l4 && p->l4proto != 1 && p->l4proto != 58;
}

void np_meta_json(struct json_writer *jw, const struct np_skb_meta *m, const char *probe)
{
	char buf[64], skb[24];

	jw_key(jw, "time");
	jw_double(jw, np_event_time(m->ts_ns), 6);
	jw_kv_u64(jw, "cpu", m->cpu);
	jw_kv_u64(jw, "netns", m->netns);
	jw_kv_string(jw, "ifname", m->ifname[0] ? m->ifname : NULL);
	jw_kv_u64(jw, "ifindex", m->ifindex);
	jw_kv_string(jw, "probe", probe);
	snprintf(skb, sizeof(skb), "0x%llx", (unsigned long long)m->skb);
	jw_kv_string(jw, "skb", skb);
	jw_kv_u64(jw, "len", m->len);
	jw_kv_u64(jw, "mark", m->mark);
	jw_kv_string(jw, "proto", np_proto_name(&m->pkt, buf, sizeof(buf)));
	jw_kv_string(jw, "src", m->pkt.family ? np_addr(&m->pkt, true, buf, sizeof(buf)) : NULL);
	jw_kv_string(jw, "dst", m->pkt.family ? np_addr(&m->pkt, false, buf, sizeof(buf)) : NULL);
	jw_key(jw, "sport");
	if (has_ports(&m->pkt))
		jw_u64(jw, m->pkt.sport);
	else
		jw_null(jw);
	jw_key(jw, "dport");
	if (has_ports(&m->pkt))
		jw_u64(jw, m->pkt.dport);
	else
		jw_null(jw);
	if (m->pkt.has_l4 && m->pkt.l4proto == 6)
		jw_kv_string(jw, "tcp_flags", np_tcp_flags(m->pkt.tcp_flags, buf, sizeof(buf)));
	if (m->pkt.has_l4 && (m->pkt.l4proto == 1 || m->pkt.l4proto == 58)) {
		jw_kv_u64(jw, "icmp_type", m->pkt.icmp_type);
		jw_kv_u64(jw, "icmp_code", m->pkt.icmp_code);
	}
	if (m->in_task) {
		jw_kv_u64(jw, "pid", m->pid);
		jw_kv_string(jw, "comm", m->comm);
	}
}

void np_meta_text(FILE *out, const struct np_skb_meta *m, const char *probe)
{
	char t[32], a[64], b[64], pr[24], fl[16];

	fprintf(out, "%s cpu%-2u ns:%u %s:%u", np_time_str(np_event_time(m->ts_ns), t, sizeof(t)),
		m->cpu, m->netns, m->ifname[0] ? m->ifname : "-", m->ifindex);
	if (probe && *probe)
		fprintf(out, " %s", probe);
	fprintf(out, " %s", np_proto_name(&m->pkt, pr, sizeof(pr)));
	if (m->pkt.family == 4 || m->pkt.family == 6) {
		np_addr(&m->pkt, true, a, sizeof(a));
		np_addr(&m->pkt, false, b, sizeof(b));
		if (has_ports(&m->pkt))
			fprintf(out, m->pkt.family == 6 ? " [%s]:%u > [%s]:%u" : " %s:%u > %s:%u",
				a, m->pkt.sport, b, m->pkt.dport);
		else
			fprintf(out, " %s > %s", a, b);
		if (m->pkt.has_l4 && m->pkt.l4proto == 6)
			fprintf(out, " [%s]", np_tcp_flags(m->pkt.tcp_flags, fl, sizeof(fl)));
		if (m->pkt.has_l4 && (m->pkt.l4proto == 1 || m->pkt.l4proto == 58))
			fprintf(out, " type %u code %u", m->pkt.icmp_type, m->pkt.icmp_code);
	}
	fprintf(out, " len %u", m->len);
	if (m->mark)
		fprintf(out, " mark 0x%x", m->mark);
	fprintf(out, " skb 0x%llx", (unsigned long long)m->skb);
}

void np_task_text(FILE *out, const struct np_skb_meta *m)
{
	if (m->in_task)
		fprintf(out, " %s:%u", m->comm, m->pid);
}

void np_lost_report(struct np_lost *l, uint64_t total, bool final)
{
	if (total > l->reported)
		np_err("%llu events lost: ring buffer full or probe nested (%llu in total)",
		       (unsigned long long)(total - l->reported), (unsigned long long)total);
	else if (final && !total)
		np_info("no events lost");
	l->reported = total;
}

uint64_t np_percpu_sum(int map_fd, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum = 0, *vals;

	if (ncpu <= 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (bpf_map_lookup_elem(map_fd, &idx, vals) == 0)
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

void np_autoload_kind(struct bpf_object *obj, const char *prefix)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, strncmp(bpf_program__section_name(prog), prefix,
							strlen(prefix)) == 0);
}

int np_tp_nargs(const struct btf *btf, const char *name)
{
	const struct btf_type *t;
	char tname[128];
	int id;

	if (!btf)
		return -ENOENT;
	snprintf(tname, sizeof(tname), "btf_trace_%s", name);
	id = btf__find_by_name_kind(btf, tname, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_ptr(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return -EINVAL;
	return btf_vlen(t);
}

uint64_t np_prog_misses(struct bpf_object *obj)
{
	struct bpf_program *prog;
	uint64_t sum = 0;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		/* The softirq bookkeeping programs carry no events. */
		if (fd < 0 || strncmp(bpf_program__name(prog), "np_softirq", 10) == 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			sum += info.recursion_misses;
	}
	return sum;
}
