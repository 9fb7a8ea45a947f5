// SPDX-License-Identifier: GPL-2.0-only
/*
 * `netoproc diagnose`: watch for --duration (or until interrupted) with what
 * the enabled rules need -- the drop monitor's programs when a rule matches
 * drops and the eBPF capabilities are there, /proc counters always -- then
 * report the findings of the rule file, ranked. The drop programs, their
 * options and loop are `netoproc drop`'s (pktpath/), not copies; DNS queries
 * and their outcomes are `netoproc dns`'s tracker (dns/) fed by the monitor's
 * capture, opened when a rule matches DNS.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf/drop_abi.h"
#include "containers/ct_resolve.h"
#include "diagnose/diagnose_cmd.h"
#include "diagnose/findings.h"
#include "diagnose/rules.h"
#include "diagnose/sockerr.h"
#include "dns/dns_msg.h"
#include "dns/dns_track.h"
#include "lib/bpf_util.h"
#include "lib/caps.h"
#include "lib/kallsyms.h"
#include "lib/netns.h"
#include "lib/util.h"
#include "monitor/capture/capture.h"
#include "monitor/model/model.h"
#include "monitor/model/output.h"
#include "pktpath/drop.h"
#include "pktpath/drop_reason.h"
#include "pktpath/pkt_cmd.h"
#include "pktpath/pkt_format.h"
#include "drop.skel.h"

struct diag_opts {
	struct pkt_opts c;	/* --format, --duration, the filter */
	double interval;	/* a report every SECS as well; 0: at the end only */
	const char *rules;	/* --rules FILE */
	const char *explain;	/* --explain REASON */
	double dns_timeout;	/* --dns-timeout: a query unanswered this long is a timeout */
};

struct diag_ctx {
	struct diag_opts *o;
	struct ruleset rs;
	struct diag d;
	struct drop_reasons reasons;
	bool have_reasons;
	struct kallsyms ksyms;
	bool have_ksyms;
	struct drop_bpf *skel;
	const char *missing;	/* the capability drop, DNS and sockerr rules lack, or NULL */
	/* DNS rules: the capture's payloads into the tracker */
	bool dns_open;
	struct capture cap;
	struct capture_opts copts;
	struct payload_sink sink;
	struct np_model m;
	struct dns_tracker t;
	double last_collect;
	struct sockerr_watch *sockerr;	/* sockerr rules: errors reported to sockets */
	/* what a watch that could not start lacks: its rules are skipped, not fatal */
	const char *dns_why, *sockerr_why;
	double start, next_report;
	bool done;
	int err;		/* of a callback, to end the loop with */
};

static void usage(FILE *out)
{
	fputs("Usage: netoproc diagnose [OPTIONS] [EXPRESSION]\n"
	      "\n"
	      "Watch packet drops and the kernel's counters, and say what went wrong and\n"
	      "what to do, by the rules of a rule file.\n"
	      "\n"
	      "  --duration SECS        watch for SECS (default: until interrupted)\n"
	      "  --interval SECS        also report every SECS (findings so far)\n"
	      "  --rules FILE           rule file (default: the installed diagnose.rules)\n"
	      "  --format text|json     findings as text or one JSON object (text)\n"
	      "  --explain REASON       what a drop reason means and the rules that cover it\n"
	      "  --dns-timeout SECS     a DNS query unanswered this long is a timeout (5)\n"
	      FILTER_USAGE
	      "                         (the filters apply to drops; counters, interfaces and\n"
	      "                         sockets are those of --netns, else netoproc's own;\n"
	      "                         DNS queries those of --netns's processes, else all)\n"
	      "  -v, --verbose          say what is attached\n"
	      "  -h, --help\n"
	      "\n"
	      "Without CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) only the rules on /proc\n"
	      "counters run; the others (drops, DNS, socket errors) are listed with what\n"
	      "they need.\n"
	      "Exit status: 0 ok, 1 missing privilege (--netns of another namespace),\n"
	      "2 bad arguments, bad rule file or BPF error, 4 fatal.\n",
	      out);
}

enum { OPT_INTERVAL = 256, OPT_RULES, OPT_EXPLAIN, OPT_DNS_TIMEOUT };

static const struct option long_opts[] = {
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "explain", required_argument, NULL, OPT_EXPLAIN },
	{ "dns-timeout", required_argument, NULL, OPT_DNS_TIMEOUT },
	PKT_LONG_OPTS,
	{ 0 },
};

static int diag_option(void *opts, int opt, const char *arg)
{
	struct diag_opts *o = opts;

	if (opt == OPT_INTERVAL)
		return parse_seconds_opt(arg, "interval", &o->interval);
	if (opt == OPT_DNS_TIMEOUT)
		return parse_seconds_opt(arg, "dns-timeout", &o->dns_timeout);
	if (opt == OPT_RULES) {
		o->rules = arg;
		return 0;
	}
	if (opt == OPT_EXPLAIN) {
		if (!*arg) {
			np_err("--explain needs a drop reason");
			return -EINVAL;
		}
		o->explain = arg;
		return 0;
	}
	return -EINVAL;
}

static int diag_check(void *opts)
{
	struct diag_opts *o = opts;

	if (o->c.count) {
		np_err("--count is not an option of diagnose (use --duration)");
		return -EINVAL;
	}
	/* Its counters are per namespace, not per container: refuse rather than ignore. */
	if (o->c.container) {
		np_err("--container is not an option of diagnose yet (use --netns with the "
		       "container's namespace)");
		return -EINVAL;
	}
	return 0;
}

static void load_reasons(struct diag_ctx *x)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();

	if (!vmlinux) {
		np_info("diagnose: no kernel BTF: drop reasons as numbers");
		return;
	}
	x->have_reasons = drop_reasons_load(&x->reasons, vmlinux) == 0;
	btf__free(vmlinux);
}

/* --explain: the file's words on a reason and the rules that take it. */
static int explain(struct diag_ctx *x, const char *arg)
{
	const char *name = arg, *text = NULL;
	uint32_t value = 0;
	bool in_kernel;
	struct emitter em;
	size_t nrules = 0;

	if (strncmp(name, "SKB_DROP_REASON_", 16) == 0)
		name += 16;
	load_reasons(x);
	in_kernel = x->have_reasons && drop_reason_value(&x->reasons, name, &value) == 0;
	for (size_t i = 0; i < x->rs.nex; i++)
		if (strcmp(x->rs.ex[i].reason, name) == 0)
			text = x->rs.ex[i].text;
	for (size_t i = 0; i < x->rs.n; i++)
		if (x->rs.r[i].kind == RULE_DROP && x->rs.r[i].reason &&
		    rule_reason_matches(&x->rs.r[i], name))
			nrules++;
	if (!in_kernel && !text && !nrules) {
		np_err("unknown drop reason '%s': not in this kernel's BTF nor in %s", name,
		       x->rs.path);
		return -EINVAL;
	}
	em_init(&em, stdout, x->o->c.json);
	em_open(&em, NULL);
	em_str(&em, EM_ANY, "reason", "%s", name);
	if (in_kernel)
		em_u64(&em, EM_ANY, "value", " (kernel value %llu)", value);
	else
		em_null(&em, "value");
	if (!in_kernel)
		em_text(&em, x->have_reasons ? " (not a reason of this kernel)" :
			" (this kernel names no drop reasons)");
	em_str(&em, EM_ANY, "meaning", "\n  %s", text ? text :
	       em.json ? NULL : "(the rule file does not explain it)");
	em_text(&em, "\n  rules:%s", nrules ? "" : " none but the catch-all");
	em_open_array(&em, "rules");
	for (size_t i = 0; i < x->rs.n; i++) {
		const struct rule *r = &x->rs.r[i];

		if (r->kind != RULE_DROP || !rule_reason_matches(r, name))
			continue;
		if (!r->reason && nrules)	/* the catch-all only when nothing else */
			continue;
		em_open(&em, NULL);
		em_str(&em, EM_ANY, "rule", "\n    %s", r->id);
		em_str(&em, EM_ANY, "level", " (%s)", rule_level_name(r->level));
		em_str(&em, EM_ANY, "summary", ": %s", r->summary);
		em_close(&em);
	}
	em_close_array(&em);
	em_close(&em);
	em_end_line(&em);
	return 0;
}

/* A rule not judged in this run: what it watches is not watched. */
static bool skipped(const struct diag_ctx *x, const struct rule *r)
{
	return (r->kind == RULE_DROP && !x->d.drops_watched) ||
	       (r->kind == RULE_DNS && !x->d.dns_watched) ||
	       (r->kind == RULE_SOCKERR && !x->d.sockerr_watched);
}

/* What a skipped rule needs. */
static const char *needs(const struct diag_ctx *x, const struct rule *r)
{
	if (x->missing)
		return x->missing;
	if (r->kind == RULE_DNS)
		return x->dns_why ? x->dns_why : "the DNS capture";
	if (r->kind == RULE_SOCKERR)
		return x->sockerr_why ? x->sockerr_why : "the socket-error tracepoint";
	return "the drop programs";
}

static void report(struct diag_ctx *x, uint64_t lost, bool final)
{
	struct finding *f = NULL;
	int n = diag_findings(&x->d, &f);
	struct emitter em;
	char t[32];
	size_t nskip = 0;

	if (n < 0) {
		x->err = n;
		return;
	}
	for (size_t i = 0; i < x->rs.n; i++)
		nskip += skipped(x, &x->rs.r[i]);
	em_init(&em, stdout, x->o->c.json);
	em_open(&em, NULL);
	em_double(&em, EM_JSON, "time", 6, NULL, now_realtime());
	em_str(&em, EM_TEXT, NULL, "%s", pkt_time_str(now_realtime(), t, sizeof(t)));
	em_bool(&em, "final", final);
	em_double(&em, EM_ANY, "duration", 3, " diagnose: %.1f s", now_monotonic() - x->start);
	em_str(&em, EM_ANY, "rules_file", ", rules %s", x->rs.path);
	em_u64(&em, EM_ANY, "rules", " (%llu", x->rs.n);
	em_u64(&em, EM_ANY, "rules_skipped", ", %llu skipped)", nskip);
	if (x->d.drops_watched) {
		em_u64(&em, EM_ANY, "drops_seen", ", drops seen %llu", x->d.drops_seen);
		em_u64(&em, EM_ANY, "lost", ", lost %llu", lost);
	} else {
		em_null(&em, "drops_seen");
		em_null(&em, "lost");
	}
	if (x->d.dns_watched) {
		em_u64(&em, EM_ANY, "dns_seen", ", DNS queries %llu", x->d.dns_seen);
		em_u64(&em, EM_ANY, "dns_unknown_netns", " (%llu from processes in no known netns",
		       x->d.dns_unknown_netns);
		/* messages the capture had no room for, queries the tracker could not hold */
		em_u64(&em, EM_ANY, "dns_lost", ", %llu lost)",
		       x->m.stat[NP_STAT_PAYLOAD_LOST] + x->t.n.pending_overflow);
	} else {
		em_null(&em, "dns_seen");
		em_null(&em, "dns_unknown_netns");
		em_null(&em, "dns_lost");
	}
	if (x->d.sockerr_watched)
		em_u64(&em, EM_ANY, "sockerr_seen", ", socket errors %llu", x->d.sockerr_seen);
	else
		em_null(&em, "sockerr_seen");
	em_u64(&em, EM_TEXT, NULL, ": %llu finding", (uint64_t)n);
	em_text(&em, "%s%s\n", n == 1 ? "" : "s", final ? "" : " so far");
	em_open_array(&em, "findings");
	for (int i = 0; i < n; i++)
		diag_emit(&em, &f[i]);
	em_close_array(&em);
	/* text: one line; JSON: each rule with what it needs */
	if (nskip)
		em_text(&em, x->missing ? "skipped, needing %s:" : "skipped (their watch did not "
			"start%s):", x->missing ? x->missing : "");
	em_open_array(&em, "skipped");
	for (size_t i = 0; nskip && i < x->rs.n; i++) {
		const struct rule *r = &x->rs.r[i];

		if (!skipped(x, r))
			continue;
		em_open(&em, NULL);
		em_str(&em, EM_ANY, "rule", " %s", r->id);
		em_str(&em, EM_JSON, "needs", NULL, needs(x, r));
		em_close(&em);
	}
	em_close_array(&em);
	if (nskip)
		em_text(&em, "\n");
	em_close(&em);
	if (em.json)
		em_end_line(&em);
	fflush(stdout);
	free(f);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct diag_ctx *x = ctx;
	const struct np_drop_event *e = data;
	char rb[64], lb[160], fb[96] = "", pb[24], flags[16] = "", tuple[160], proc[48] = "";
	char container[200];
	const struct ct_info *ct;
	char sa[64], da[64];
	struct drop_obs o = { 0 };
	bool ports;

	if (size < sizeof(*e))
		return 0;
	o.reason = x->have_reasons ? drop_reason_name(&x->reasons, e->reason, rb, sizeof(rb)) :
		   (snprintf(rb, sizeof(rb), "%u", e->reason), rb);
	if (x->have_ksyms) {
		uint64_t off;
		const char *sym = kallsyms_lookup(&x->ksyms, e->location, &off);

		kallsyms_format(&x->ksyms, e->location, lb, sizeof(lb));
		if (sym)
			snprintf(fb, sizeof(fb), "%s", sym);
	} else {
		snprintf(lb, sizeof(lb), "0x%llx", (unsigned long long)e->location);
	}
	o.location = lb;
	o.func = fb;
	o.proto = pkt_proto_name(&e->m.pkt, pb, sizeof(pb));
	o.dev = e->m.ifname;
	if (e->m.pkt.l4proto == 6 && e->m.pkt.has_l4)
		pkt_tcp_flags(e->m.pkt.tcp_flags, flags, sizeof(flags));
	o.flags = flags;
	ports = e->m.pkt.has_l4 && (e->m.pkt.l4proto == 6 || e->m.pkt.l4proto == 17);
	o.sport = ports ? e->m.pkt.sport : -1;
	o.dport = ports ? e->m.pkt.dport : -1;
	tuple[0] = 0;
	if (e->m.pkt.family) {
		pkt_addr(&e->m.pkt, true, sa, sizeof(sa));
		pkt_addr(&e->m.pkt, false, da, sizeof(da));
		if (ports)
			snprintf(tuple, sizeof(tuple), "%s %s:%u > %s:%u", o.proto, sa,
				 e->m.pkt.sport, da, e->m.pkt.dport);
		else
			snprintf(tuple, sizeof(tuple), "%s %s > %s", o.proto, sa, da);
	}
	o.tuple = tuple;
	if (e->m.in_task)
		snprintf(proc, sizeof(proc), "%.16s:%u", e->m.comm, e->m.pid);
	o.process = proc;
	ct = pkt_event_identity(&e->m);
	container[0] = 0;
	if (ct && ct->ident.runtime != CT_NONE) {
		char id[CT_ID_MAX];

		ct_short_id(ct->ident.id, id, sizeof(id));
		if (ct->name[0] && strcmp(ct->name, ct->ident.id))
			snprintf(container, sizeof(container), "%s(%.60s)", id, ct->name);
		else
			snprintf(container, sizeof(container), "%s", id);
	}
	o.container = container;
	o.netns = e->m.netns;
	if (diag_drop(&x->d, &o)) {
		np_err("diagnose: out of memory");
		x->err = -ENOMEM;
		x->done = true;
	}
	return 0;
}

/* A query that ended: its outcome to the rules, if its process is one watched. */
static void on_dns(void *ctx, const struct dns_event *e)
{
	struct diag_ctx *x = ctx;
	const struct np_filter_cfg *cfg = &x->o->c.f.cfg;
	struct np_endpoint ep = { .port = e->resolver_port };
	char rc[16], resolver[64], proc[48] = "";
	struct dns_obs o = { 0 };

	/* Still waiting at the end, not yet a timeout: no outcome. */
	if (!e->timeout && e->rcode < 0)
		return;
	/*
	 * --netns: the askers of that namespace. One whose namespace is not known (it
	 * was gone before its first packet was read) is not known to be there: counted.
	 */
	if ((cfg->flags & NP_F_NETNS) && e->netns != cfg->netns) {
		x->d.dns_unknown_netns += !e->netns;
		return;
	}
	memcpy(ep.addr, e->resolver, 16);
	output_format_endpoint(resolver, sizeof(resolver), &ep, true);
	if (e->has_owner)
		snprintf(proc, sizeof(proc), "%.16s:%u", e->owner.comm, e->owner.tgid);
	o.rcode = e->timeout ? "TIMEOUT" : dns_rcode_name((uint16_t)e->rcode, rc, sizeof(rc));
	o.resolver = resolver;
	o.qname = e->qname;
	o.process = proc;
	o.proto = e->protocol == IPPROTO_TCP ? "tcp" : "udp";
	o.netns = (uint32_t)e->netns;
	if (diag_dns(&x->d, &o)) {
		np_err("diagnose: out of memory");
		x->err = -ENOMEM;
		x->done = true;
	}
}

/* The capture's payloads and socket tables, then the queries that timed out. */
static void dns_tick(struct diag_ctx *x, double now)
{
	int err;

	if (!x->dns_open)
		return;
	err = x->cap.wait(&x->cap, &x->m, 0);
	if (!err && now - x->last_collect >= 1.0) {
		err = x->cap.collect(&x->cap, &x->m);
		x->last_collect = now;
		model_reset_interval(&x->m);
		model_prune(&x->m, now, 60);
	}
	if (err) {
		np_err("diagnose: DNS capture failed: %s", strerror(-err));
		x->err = err;
		x->done = true;
		return;
	}
	dns_track_expire(&x->t, now, false);
}

static int on_sockerr(void *ctx, const struct sockerr_obs *o)
{
	return diag_sockerr(&((struct diag_ctx *)ctx)->d, o);
}

static void diag_tick(void *ctx, double now)
{
	struct diag_ctx *x = ctx;
	int err;

	dns_tick(x, now);
	if (x->sockerr && (err = sockerr_poll(x->sockerr))) {
		np_err("diagnose: reading socket errors: %s", strerror(-err));
		x->err = err;
		x->done = true;
	}
}

/* The capture that DNS rules read, as `netoproc dns` opens it: 0 or -errno. */
static int dns_open(struct diag_ctx *x)
{
	int err;

	if (dns_track_init(&x->t, x->o->dns_timeout ? x->o->dns_timeout : DNS_TIMEOUT_DEFAULT,
			   DNS_PENDING_MAX_DEFAULT, on_dns, x) || model_init(&x->m)) {
		np_err("out of memory");
		return -ENOMEM;
	}
	x->sink.fn = dns_track_payload;
	x->sink.ctx = &x->t;
	x->sink.dns_ports[0] = 53;
	x->copts.buffer_bytes = 2097152;
	x->copts.payloads = &x->sink;
	x->dns_open = true;	/* from here on closed by dns_close */
	if ((err = capture_open(&x->cap, &x->copts))) {
		x->cap.close = NULL;
		return err;
	}
	if (x->cap.payload_missing) {
		np_err("diagnose: DNS capture unavailable: %s", x->cap.payload_missing);
		return -EOPNOTSUPP;
	}
	x->last_collect = now_monotonic();
	return 0;
}

static void dns_close(struct diag_ctx *x)
{
	if (!x->dns_open)
		return;
	if (x->cap.close)
		x->cap.close(&x->cap);
	model_free(&x->m);
	dns_track_free(&x->t);
	x->dns_open = false;
}

static uint64_t diag_lost(void *ctx)
{
	struct diag_ctx *x = ctx;

	return np_percpu_sum(bpf_map__fd(x->skel->maps.stats), NP_DROP_STAT_LOST) +
	       np_prog_misses(x->skel->obj) + (x->sockerr ? sockerr_lost(x->sockerr) : 0);
}

static void diag_after_report(void *ctx, double now, uint64_t lost)
{
	struct diag_ctx *x = ctx;

	if (x->next_report && now >= x->next_report) {
		report(x, lost, false);
		x->next_report += x->o->interval;
		if (x->err)
			x->done = true;
	}
}

/* Without BPF: only time passes; counters are read at each report. */
static void wait_counters_only(struct diag_ctx *x)
{
	struct timespec ts = { 0, (x->d.dns_watched ? 10 : 100) * 1000 * 1000 };

	np_catch_stop_signals();
	while (!np_stop_requested && !x->done) {
		double now = now_monotonic();

		if (x->o->c.duration && now - x->start >= x->o->c.duration)
			break;
		diag_tick(x, now);
		diag_after_report(x, now, 0);
		nanosleep(&ts, NULL);
	}
}

struct find_ns {
	uint32_t ino;
	int fd;
};

/* netns_for_each: in the namespace of inode f->ino, keep a descriptor of it. */
static int grab_netns(void *arg)
{
	struct find_ns *f = arg;
	struct stat st;

	if (stat("/proc/self/ns/net", &st) || st.st_ino != f->ino)
		return 0;
	f->fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return f->fd >= 0 ? 1 : -errno;
}

/*
 * --netns: the counters, interfaces and sockets are that namespace's too, so
 * enter it (the drop programs, attached already, see every namespace).
 */
static int enter_netns(uint32_t ino)
{
	struct find_ns f = { .ino = ino, .fd = -1 };
	unsigned skipped = 0;
	struct stat st;
	int err;

	if (stat("/proc/self/ns/net", &st) == 0 && st.st_ino == ino)
		return 0;
	if (!cap_effective(CAP_SYS_ADMIN)) {
		np_err("--netns %u: reading another namespace's counters needs CAP_SYS_ADMIN "
		       "(or run netoproc inside it: ip netns exec)", ino);
		return -EPERM;
	}
	err = netns_for_each(grab_netns, &f, &skipped);
	if (err < 0 || f.fd < 0) {
		np_err("--netns %u: cannot enter it to read its counters: %s", ino,
		       err < 0 ? strerror(-err) : "no process or /run/netns entry holds it");
		return err < 0 ? err : -ENOENT;
	}
	err = setns(f.fd, CLONE_NEWNET) ? -errno : 0;
	close(f.fd);
	if (err)
		np_err("--netns %u: cannot enter it to read its counters: %s", ino, strerror(-err));
	return err;
}

static size_t count_bpf(const struct ruleset *rs, bool bpf)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n; i++)
		n += rule_kind_needs_bpf(rs->r[i].kind) == bpf;
	return n;
}

static size_t count_kind(const struct ruleset *rs, enum rule_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n; i++)
		n += rs->r[i].kind == k;
	return n;
}

static int run(void *opts)
{
	struct diag_opts *o = opts;
	struct diag_ctx x = { .o = o };
	struct pkt_loop loop = { .name = "diagnose", .duration = o->c.duration, .done = &x.done,
				 .ctx = &x, .lost = diag_lost, .after_report = diag_after_report,
				 .tick = diag_tick };
	const char *path = o->rules ? o->rules : rules_default_path();
	const char *how = NULL;
	bool want_bpf, want_dns;
	int err;

	if (!path) {
		np_err("no rule file: none installed and no support/diagnose.rules here; "
		       "give one with --rules");
		return -ENOENT;
	}
	err = rules_load(&x.rs, path);
	if (err)
		return -EINVAL;
	if (o->explain) {
		err = explain(&x, o->explain);
		goto cleanup;
	}
	want_bpf = count_bpf(&x.rs, true) > 0;
	want_dns = count_kind(&x.rs, RULE_DNS) > 0;
	x.missing = want_bpf ? caps_missing_for_ebpf() : NULL;
	if (x.missing)
		fprintf(stderr, "netoproc: diagnose: without %s: %zu drop, %zu DNS and %zu "
			"socket-error rules skipped, the %zu others (counters, interfaces, "
			"sockets) run\n", x.missing, count_kind(&x.rs, RULE_DROP),
			count_kind(&x.rs, RULE_DNS), count_kind(&x.rs, RULE_SOCKERR),
			count_bpf(&x.rs, false));
	if ((o->c.f.cfg.flags & NP_F_NETNS) && (err = enter_netns(o->c.f.cfg.netns)))
		goto cleanup;
	/*
	 * The capture first: its start-up self-check (a loopback exchange, reset
	 * included) happens before the counters' starting values are read.
	 */
	if (want_dns && !x.missing && dns_open(&x)) {
		/* The drop and counter rules still run: say so, skip the DNS ones. */
		dns_close(&x);
		x.dns_why = "the DNS capture (it did not start: see the error above)";
		fprintf(stderr, "netoproc: diagnose: %zu DNS rules skipped\n",
			count_kind(&x.rs, RULE_DNS));
	}
	err = diag_init(&x.d, &x.rs, "/proc/net", "/proc/sys/net",
			count_kind(&x.rs, RULE_DROP) > 0 && !x.missing);
	if (err)
		goto cleanup;
	x.d.dns_watched = x.dns_open;
	if (x.d.drops_watched) {
		struct btf *vmlinux = btf__load_vmlinux_btf();
		int nargs = np_tp_nargs(vmlinux, "kfree_skb");

		btf__free(vmlinux);
		load_reasons(&x);
		x.have_ksyms = kallsyms_load(&x.ksyms, NULL) == 0;
		if (!x.have_ksyms)
			np_info("diagnose: /proc/kallsyms unusable: locations as addresses, "
				"location= rules do not match");
		libbpf_set_print(np_libbpf_print);
		err = drop_load_attach(&o->c.f, nargs, &x.skel, &how);
		if (err || (err = pkt_loop_open(&loop, bpf_map__fd(x.skel->maps.events), on_event,
						 &x)))
			goto cleanup;
	}
	if (count_kind(&x.rs, RULE_SOCKERR) && !x.missing) {
		x.sockerr = sockerr_open(&o->c.f.cfg, on_sockerr, &x);
		if (!x.sockerr) {
			x.sockerr_why = "the tracepoint sock:inet_sk_error_report (see the error "
					"above)";
			fprintf(stderr, "netoproc: diagnose: %zu socket-error rules skipped\n",
				count_kind(&x.rs, RULE_SOCKERR));
		}
		x.d.sockerr_watched = x.sockerr != NULL;
	}
	/* Before saying so: a stop sent once we are attached must end the run cleanly. */
	np_catch_stop_signals();
	np_info("diagnose: capture attached: %s%s%s, %zu rules from %s",
		how ? how : x.d.dns_watched ? "" : "counters only",
		x.d.dns_watched ? (how ? ", DNS " : "DNS ") : "",
		x.d.dns_watched ? x.cap.mode : "", x.rs.n, x.rs.path);
	x.start = now_monotonic();
	x.next_report = o->interval ? x.start + o->interval : 0;
	/* Payloads are read between turns: soon, while the asking process still lives. */
	loop.poll_ms = x.d.dns_watched ? 10 : 0;
	if (x.d.drops_watched)
		err = pkt_loop_run(&loop);
	else
		wait_counters_only(&x);
	if (err || x.err)
		goto cleanup;
	/* What the capture holds already happened before the stop. */
	if (x.sockerr)
		diag_tick(&x, now_monotonic());
	if (x.dns_open) {
		dns_tick(&x, now_monotonic());
		if (!x.cap.collect(&x.cap, &x.m))
			x.cap.wait(&x.cap, &x.m, 0);
		dns_track_expire(&x.t, now_monotonic(), false);
	}
	report(&x, x.d.drops_watched ? loop.reported.reported : 0, true);
cleanup:
	if (!err)
		err = x.err;
	pkt_loop_close(&loop);
	drop_bpf__destroy(x.skel);
	dns_close(&x);
	sockerr_close(x.sockerr);
	diag_free(&x.d);
	if (x.have_ksyms)
		kallsyms_free(&x.ksyms);
	if (x.have_reasons)
		drop_reasons_free(&x.reasons);
	rules_free(&x.rs);
	return err;
}

static const struct pkt_cmd diagnose_cmd = {
	.name = "diagnose", .long_opts = long_opts, .usage = usage, .option = diag_option,
	.check = diag_check, .run = run, .runs_unprivileged = true,
};

int diagnose_parse_only(int argc, char **argv)
{
	struct diag_opts o = { 0 };

	return pkt_cmd_parse_only(&diagnose_cmd, &o.c, &o, argc, argv);
}

int cmd_diagnose(int argc, char **argv)
{
	struct diag_opts o = { 0 };

	return pkt_cmd_main(&diagnose_cmd, &o.c, &o, argc, argv);
}
