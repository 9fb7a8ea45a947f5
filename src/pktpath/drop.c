// SPDX-License-Identifier: GPL-2.0-only
/*
 * `netoproc drop`: every packet the kernel drops (kfree_skb with a reason
 * other than SKB_CONSUMED), with the reason named from the running kernel's
 * BTF and the freeing location from /proc/kallsyms. Stream mode prints one
 * line or JSON object per drop; --summary counts drops by reason, location,
 * protocol, namespace/device and process.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf/drop_abi.h"
#include "containers/ct_resolve.h"
#include "filter/filter_opts.h"
#include "lib/bpf_util.h"
#include "lib/caps.h"
#include "lib/htab.h"
#include "lib/json_writer.h"
#include "lib/kallsyms.h"
#include "lib/util.h"
#include "pktpath/drop.h"
#include "pktpath/drop_reason.h"
#include "pktpath/frag_bases.h"
#include "pktpath/pkt_cmd.h"
#include "pktpath/pkt_format.h"
#include "drop.skel.h"

_Static_assert(sizeof(struct np_skb_meta) == 128, "np_skb_meta layout");
_Static_assert(sizeof(struct np_drop_event) == 144, "np_drop_event layout");

struct drop_opts {
	struct pkt_opts c;	/* --format, --duration, --count, the filter */
	bool summary;
	double interval;	/* summary period; 0: at exit only */
};

/* One summary row; zeroed before filling, so padding compares equal. */
struct sum_key {
	uint64_t location;
	uint32_t reason;
	uint32_t netns;
	uint32_t ifindex;
	uint16_t ethertype;
	uint8_t family;
	uint8_t l4proto;
	char ifname[NP_IFNAMSIZ];
	char comm[NP_COMM_LEN];
};

struct drop_ctx {
	struct drop_opts *o;
	struct drop_reasons reasons;
	bool have_reasons;
	struct kallsyms ksyms;
	bool have_ksyms;
	struct htab sum;
	struct drop_bpf *skel;
	double next_sum;	/* --interval: when the next table is due */
	uint64_t shown;		/* events printed or counted */
	bool done;
};

static void usage(FILE *out)
{
	fputs("Usage: netoproc drop [OPTIONS] [EXPRESSION]\n"
	      "\n"
	      "Packets the kernel drops, with the drop reason and where it happened.\n"
	      "\n"
	      "  --format text|json     one line / one JSON object per drop (text)\n"
	      "  --summary              count drops by reason, location, protocol,\n"
	      "                         namespace/device and process instead\n"
	      "  --interval SECS        with --summary: print the table every SECS\n"
	      "  --duration SECS        stop after SECS\n"
	      "  --count N              stop after N drops\n"
	      FILTER_USAGE
	      "  --container ID|NAME    only events of that container (id or name prefix): the\n"
	      "                         process handling the skb, else its network namespace\n"
	      "  -v, --verbose          say what is attached\n"
	      "  -h, --help\n"
	      "\n"
	      "Exit status: 0 ok, 1 missing privilege, 2 bad arguments or BPF error, 4 fatal.\n",
	      out);
}

enum { OPT_SUMMARY = 256, OPT_INTERVAL };

static const struct option long_opts[] = {
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	PKT_LONG_OPTS,
	{ 0 },
};

static int drop_option(void *opts, int opt, const char *arg)
{
	struct drop_opts *o = opts;

	if (opt == OPT_SUMMARY) {
		o->summary = true;
		return 0;
	}
	if (opt == OPT_INTERVAL)
		return parse_seconds_opt(arg, "interval", &o->interval);
	return -EINVAL;
}

static int drop_check(void *opts)
{
	struct drop_opts *o = opts;

	if (o->interval && !o->summary) {
		np_err("--interval needs --summary");
		return -EINVAL;
	}
	return 0;
}

static const char *reason_str(struct drop_ctx *d, uint32_t reason, char *buf, size_t size)
{
	if (!d->have_reasons)	/* a kernel without drop reasons: location only */
		return NULL;
	return drop_reason_name(&d->reasons, reason, buf, size);
}

static const char *location_str(struct drop_ctx *d, uint64_t loc, char *buf, size_t size)
{
	if (!d->have_ksyms) {
		snprintf(buf, size, "0x%llx", (unsigned long long)loc);
		return buf;
	}
	return kallsyms_format(&d->ksyms, loc, buf, size);
}

static void print_event(struct drop_ctx *d, const struct np_drop_event *e)
{
	char rb[64], lb[160];
	struct emitter em;

	em_init(&em, stdout, d->o->c.json);
	em_open(&em, NULL);
	pkt_meta(&em, &e->m, "kfree_skb", false);
	em_str(&em, EM_ANY, "reason", " %s", reason_str(d, e->reason, rb, sizeof(rb)));
	em_str(&em, EM_ANY, "location", " %s", location_str(d, e->location, lb, sizeof(lb)));
	pkt_task(&em, &e->m);
	pkt_identity(&em, pkt_event_identity(&e->m));
	em_close(&em);
	em_end_line(&em);
}

static int count_event(struct drop_ctx *d, const struct np_drop_event *e)
{
	struct sum_key k;
	uint64_t *n;

	memset(&k, 0, sizeof(k));
	k.location = e->location;
	k.reason = e->reason;
	k.netns = e->m.netns;
	k.ifindex = e->m.ifindex;
	k.ethertype = e->m.pkt.ethertype;
	k.family = e->m.pkt.family;
	k.l4proto = e->m.pkt.l4proto;
	memcpy(k.ifname, e->m.ifname, sizeof(k.ifname));
	if (e->m.in_task)
		memcpy(k.comm, e->m.comm, sizeof(k.comm));
	n = htab_get(&d->sum, &k);
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n || htab_put(&d->sum, &k, n)) {
			free(n);
			np_err("out of memory for the summary");
			return -ENOMEM;
		}
	}
	(*n)++;
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct drop_ctx *d = ctx;
	const struct np_drop_event *e = data;

	if (d->done || size < sizeof(*e))
		return 0;
	if (d->o->c.container && !ct_matches(pkt_event_identity(&e->m), d->o->c.container))
		return 0;
	if (d->o->summary) {
		if (count_event(d, e))
			return -ENOMEM;
	} else {
		print_event(d, e);
	}
	if (d->o->c.count && ++d->shown >= d->o->c.count)
		d->done = true;
	return 0;
}

struct sum_row {
	const struct sum_key *k;
	uint64_t n;
};

static int cmp_row(const void *a, const void *b)
{
	const struct sum_row *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return x->k->reason < y->k->reason ? -1 : x->k->reason > y->k->reason;
}

static void print_summary(struct drop_ctx *d, uint64_t lost, bool final)
{
	struct sum_row *rows = calloc(d->sum.count ? d->sum.count : 1, sizeof(*rows));
	char rb[64], lb[160], pb[24], t[32];
	const void *key;
	void *val;
	size_t n = 0;
	struct emitter em;
	uint64_t total = 0;

	if (!rows) {
		np_err("out of memory for the summary");
		return;
	}
	for (size_t i = 0; htab_next(&d->sum, &i, &key, &val);) {
		rows[n].k = key;
		rows[n].n = *(uint64_t *)val;
		total += rows[n].n;
		n++;
	}
	qsort(rows, n, sizeof(*rows), cmp_row);
	em_init(&em, stdout, d->o->c.json);
	em_open(&em, NULL);
	em_double(&em, EM_JSON, "time", 6, NULL, now_realtime());
	em_str(&em, EM_TEXT, NULL, "%s", pkt_time_str(now_realtime(), t, sizeof(t)));
	em_bool(&em, "final", final);
	em_u64(&em, EM_ANY, "total", " drops since start: %llu", total);
	em_u64(&em, EM_ANY, "lost", ", lost: %llu", lost);
	em_text(&em, "%s\n%10s  %-28s %-36s %-8s %-12s %-16s %s\n", final ? " (final)" : "",
		"COUNT", "REASON", "LOCATION", "PROTO", "NETNS", "DEVICE", "PROCESS");
	em_open_array(&em, "drops");
	for (size_t i = 0; i < n; i++) {
		const struct sum_key *k = rows[i].k;
		struct np_pkt p = { .ethertype = k->ethertype, .family = k->family,
				    .l4proto = k->l4proto };

		em_open(&em, NULL);
		em_u64(&em, EM_ANY, "count", "%10llu", rows[i].n);
		em_str(&em, EM_ANY, "reason", "  %-28s", reason_str(d, k->reason, rb, sizeof(rb)));
		em_str(&em, EM_ANY, "location", " %-36s",
		       location_str(d, k->location, lb, sizeof(lb)));
		em_str(&em, EM_ANY, "proto", " %-8s", pkt_proto_name(&p, pb, sizeof(pb)));
		em_u64(&em, EM_ANY, "netns", " %-12llu", k->netns);
		em_str(&em, EM_ANY, "ifname", " %-16s", k->ifname[0] ? k->ifname : NULL);
		em_u64(&em, EM_JSON, "ifindex", NULL, k->ifindex);
		em_str(&em, EM_ANY, "comm", " %s", k->comm[0] ? k->comm : NULL);
		em_close(&em);
		em_end_line(&em);
	}
	em_close_array(&em);
	em_close(&em);
	if (em.json)
		em_end_line(&em);
	fflush(stdout);
	free(rows);
}

int drop_load_attach(const struct filter_opts *f, int nargs, struct drop_bpf **out,
		     const char **how)
{
	static const char *const names[] = { "tp_btf/kfree_skb", "raw_tp/kfree_skb" };
	int err = -ENOENT;

	for (int i = 0; i < 2; i++) {
		struct drop_bpf *skel = drop_bpf__open();

		if (!skel) {
			err = -errno;
			np_err("drop: cannot open the BPF object: %s", strerror(-err));
			return err;
		}
		skel->rodata->np_cfg = f->cfg;
		skel->rodata->kfree_nargs = nargs >= 3 ? nargs : 3;
		np_autoload_kind(skel->obj, i == 0 ? "tp_btf/" : "raw_tp/");
		err = filter_apply(f, skel->obj, "drop");
		if (err) {
			drop_bpf__destroy(skel);
			return err;
		}
		err = drop_bpf__load(skel);
		if (!err)
			err = drop_bpf__attach(skel);
		if (!err) {
			*out = skel;
			*how = names[i];
			return 0;
		}
		np_info("drop: %s: %s", names[i], strerror(-err));
		drop_bpf__destroy(skel);
	}
	np_err("drop: cannot attach to the kfree_skb tracepoint: %s", strerror(-err));
	return err;
}

/* Every event lost so far: ring buffer full, or the program nested on its CPU. */
static uint64_t drop_lost(void *ctx)
{
	struct drop_ctx *d = ctx;

	return np_percpu_sum(bpf_map__fd(d->skel->maps.stats), NP_DROP_STAT_LOST) +
	       np_prog_misses(d->skel->obj);
}

/* --summary --interval: the table every interval. */
static void drop_after_report(void *ctx, double now, uint64_t lost)
{
	struct drop_ctx *d = ctx;

	if (d->next_sum && now >= d->next_sum) {
		print_summary(d, lost, false);
		d->next_sum += d->o->interval;
	}
}

static int run(void *opts)
{
	struct drop_opts *o = opts;
	struct drop_ctx d = { .o = o };
	struct pkt_loop loop = { .name = "drop", .duration = o->c.duration, .done = &d.done,
				 .ctx = &d, .lost = drop_lost, .after_report = drop_after_report };
	struct kallsyms_want bases[] = FRAG_BASES_WANT;
	struct kallsyms_loader ksyms_loader;
	struct btf *vmlinux;
	const char *how = NULL;
	int nargs, ksyms_err;
	int err;

	vmlinux = btf__load_vmlinux_btf();
	/* void *, skb, location, then reason (5.17+) and rx_sk (6.11+) */
	nargs = np_tp_nargs(vmlinux, "kfree_skb");
	if (vmlinux) {
		err = drop_reasons_load(&d.reasons, vmlinux);
		d.have_reasons = err == 0;
		if (err)
			np_info("drop: no drop reasons in this kernel's BTF: %s", strerror(-err));
		btf__free(vmlinux);
	} else {
		np_info("drop: no kernel BTF: drop reasons shown as numbers");
	}
	/*
	 * Before drop reasons (5.17) TCP dropped segments with tcp_drop(), which
	 * frees through __kfree_skb and so past the tracepoint; Debian's 5.10
	 * inlines tcp_drop, so there is no function to probe either.
	 */
	if (!d.have_reasons)
		np_info("drop: this kernel predates drop reasons: TCP segments dropped through "
			"tcp_drop() (out of window, bad sequence, pruned queues) are not seen");
	if (htab_init(&d.sum, sizeof(struct sum_key))) {
		err = -ENOMEM;
		np_err("out of memory");
		goto cleanup;
	}

	/* Read while the programs load (see kallsyms_load_start). */
	kallsyms_load_start(&ksyms_loader, &d.ksyms, bases, FRAG_BASES_NWANT);
	libbpf_set_print(np_libbpf_print);
	err = drop_load_attach(&o->c.f, nargs, &d.skel, &how);
	ksyms_err = kallsyms_load_finish(&ksyms_loader);
	d.have_ksyms = ksyms_err == 0;
	if (ksyms_err)
		np_info("drop: /proc/kallsyms unusable (%s): locations shown as addresses",
			strerror(-ksyms_err));
	if (err || (err = pkt_loop_open(&loop, bpf_map__fd(d.skel->maps.events), on_event, &d)))
		goto cleanup;
	if (o->c.f.expr)
		frag_bases_set("drop", bases, d.have_ksyms, &d.skel->bss->np_frag_bases,
			       &d.skel->bss->np_page_offset_base_addr,
			       &d.skel->bss->np_vmemmap_base_addr);
	/* Before saying so: a stop sent once we are attached must end the run cleanly. */
	np_catch_stop_signals();
	np_info("drop: capture attached: %s%s%s", how, o->c.f.expr ? ", filter: " : "",
		o->c.f.expr ? o->c.f.expr : "");
	d.next_sum = o->interval ? now_monotonic() + o->interval : 0;
	if (!o->c.json && !o->summary)
		pkt_text_header(stdout, false, "REASON LOCATION");
	if ((err = pkt_loop_run(&loop)))
		goto cleanup;
	if (o->summary)
		print_summary(&d, loop.reported.reported, true);
	pkt_say_filter_short("drop", bpf_map__fd(d.skel->maps.np_filter_short));
	np_info("drop: %llu drops seen, %llu matched the filters, %llu lost in the ring buffer, "
		"%llu missed (probe nested)",
		(unsigned long long)np_percpu_sum(bpf_map__fd(d.skel->maps.stats), NP_DROP_STAT_SEEN),
		(unsigned long long)np_percpu_sum(bpf_map__fd(d.skel->maps.stats),
						  NP_DROP_STAT_MATCHED),
		(unsigned long long)np_percpu_sum(bpf_map__fd(d.skel->maps.stats), NP_DROP_STAT_LOST),
		(unsigned long long)np_prog_misses(d.skel->obj));
	fflush(stdout);
cleanup:
	pkt_loop_close(&loop);
	drop_bpf__destroy(d.skel);
	htab_free_all(&d.sum);
	if (d.have_ksyms)
		kallsyms_free(&d.ksyms);
	if (d.have_reasons)
		drop_reasons_free(&d.reasons);
	return err;
}

static const struct pkt_cmd drop_cmd = {
	.name = "drop", .long_opts = long_opts, .usage = usage, .option = drop_option,
	.check = drop_check, .run = run,
};

int drop_parse_only(int argc, char **argv)
{
	struct drop_opts o = { 0 };

	return pkt_cmd_parse_only(&drop_cmd, &o.c, &o, argc, argv);
}

int cmd_drop(int argc, char **argv)
{
	struct drop_opts o = { 0 };

	return pkt_cmd_main(&drop_cmd, &o.c, &o, argc, argv);
}
