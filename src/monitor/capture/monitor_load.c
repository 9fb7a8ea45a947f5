// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading src/bpf/monitor.bpf.c on whatever kernel this is. libbpf loads an
 * object all or nothing, so a refused optional program is found by name in
 * libbpf's report, switched off (or replaced by the next way of doing its
 * job) and the load tried again. The verifier's own words become the reason.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "lib/bpf_util.h"
#include "lib/kernel_features.h"
#include "lib/util.h"
#include "monitor/capture/monitor_load.h"
#include "monitor/capture/tiers.h"
#include "monitor/capture/way_probes.h"
#include "monitor.skel.h"

#define MAX_ATTEMPTS 12
#define LOG_TAIL_LINES 12

/*
 * The process-context hooks of each tier. A program whose kernel function is
 * missing from BTF is left out; without a required one the tier cannot run.
 */
struct hook {
	enum np_attach tier;
	const char *prog;
	const char *func;	/* kernel function it needs; NULL for tracepoints */
	bool required;
	unsigned nargs;		/* bit N: for func with N parameters; 0: any signature */
};

#define ARGS(n) (1u << (n))

static const struct hook hooks[] = {
	{ NP_ATTACH_TRACEPOINT, "on_send", NULL, true, 0 },
	{ NP_ATTACH_TRACEPOINT, "on_recv", NULL, true, 0 },
	{ NP_ATTACH_FENTRY, "fexit_tcp_sendmsg", "tcp_sendmsg", true, 0 },
	/*
	 * tcp_recvmsg and udp{,v6}_recvmsg lost their noblock parameter in 5.19
	 * and their addr_len in 7.x: one program per signature.
	 */
	{ NP_ATTACH_FENTRY, "fexit_tcp_recvmsg4", "tcp_recvmsg", true, ARGS(4) },
	{ NP_ATTACH_FENTRY, "fexit_tcp_recvmsg5", "tcp_recvmsg", true, ARGS(5) },
	{ NP_ATTACH_FENTRY, "fexit_tcp_recvmsg6", "tcp_recvmsg", true, ARGS(6) },
	{ NP_ATTACH_FENTRY, "fexit_udp_sendmsg", "udp_sendmsg", true, 0 },
	{ NP_ATTACH_FENTRY, "fexit_udp_recvmsg4", "udp_recvmsg", true, ARGS(4) },
	{ NP_ATTACH_FENTRY, "fexit_udp_recvmsg5", "udp_recvmsg", true, ARGS(5) },
	{ NP_ATTACH_FENTRY, "fexit_udp_recvmsg6", "udp_recvmsg", true, ARGS(6) },
	{ NP_ATTACH_FENTRY, "fexit_udpv6_sendmsg", "udpv6_sendmsg", false, 0 },
	{ NP_ATTACH_FENTRY, "fexit_udpv6_recvmsg4", "udpv6_recvmsg", false, ARGS(4) },
	{ NP_ATTACH_FENTRY, "fexit_udpv6_recvmsg5", "udpv6_recvmsg", false, ARGS(5) },
	{ NP_ATTACH_FENTRY, "fexit_udpv6_recvmsg6", "udpv6_recvmsg", false, ARGS(6) },
	{ NP_ATTACH_KPROBE, "kp_tcp_sendmsg", "tcp_sendmsg", true, 0 },
	{ NP_ATTACH_KPROBE, "krp_tcp_sendmsg", "tcp_sendmsg", true, 0 },
	/* A kprobe reads the arguments it names: flags is the fourth with 4 or 5. */
	{ NP_ATTACH_KPROBE, "kp_tcp_recvmsg5", "tcp_recvmsg", true, ARGS(4) | ARGS(5) },
	{ NP_ATTACH_KPROBE, "kp_tcp_recvmsg6", "tcp_recvmsg", true, ARGS(6) },
	{ NP_ATTACH_KPROBE, "kp_tcp_cleanup_rbuf", "tcp_cleanup_rbuf", true, 0 },
	{ NP_ATTACH_KPROBE, "kp_skb_consume_udp", "skb_consume_udp", true, 0 },
	{ NP_ATTACH_KPROBE, "kp_udp_sendmsg", "udp_sendmsg", true, 0 },
	{ NP_ATTACH_KPROBE, "krp_udp_sendmsg", "udp_sendmsg", true, 0 },
	{ NP_ATTACH_KPROBE, "kp_udpv6_sendmsg", "udpv6_sendmsg", false, 0 },
	{ NP_ATTACH_KPROBE, "krp_udpv6_sendmsg", "udpv6_sendmsg", false, 0 },
};

#define NHOOKS (sizeof(hooks) / sizeof(hooks[0]))

/* The programs of each way of dumping and adopting, NULL-terminated. */
static const char *const dump_progs[DUMP_NONE][3] = {
	[DUMP_STORAGE_MAP] = { "dump_sockets" },
	[DUMP_TASK_FILES] = { "dump_sockets_by_file" },
	[DUMP_SOCKET_TABLES] = { "dump_tcp", "dump_udp" },
};

static const char *const adopt_progs[ADOPT_NONE][4] = {
	[ADOPT_TASK_FILES] = { "adopt_sockets" },
	[ADOPT_SOCKET_TABLES] = { "note_holders", "adopt_tcp", "adopt_udp" },
};

/* Each way's name in `degraded` and -v; NETOPROC_*_WAY take the part after the dot. */
static const char *const dump_names[DUMP_NONE + 1] = {
	[DUMP_STORAGE_MAP] = "socket-dump.storage-map",
	[DUMP_TASK_FILES] = "socket-dump.task-files",
	[DUMP_SOCKET_TABLES] = "socket-dump.socket-tables",
	[DUMP_NONE] = NULL,
};

static const char *const adopt_names[ADOPT_NONE + 1] = {
	[ADOPT_TASK_FILES] = "adopt-existing.task-files",
	[ADOPT_SOCKET_TABLES] = "adopt-existing.socket-tables",
	[ADOPT_NONE] = NULL,
};

const char *ebpf_dump_name(enum ebpf_dump_way w)
{
	return dump_names[w];
}

const char *ebpf_adopt_name(enum ebpf_adopt_way w)
{
	return adopt_names[w];
}

/* ---- what libbpf said while loading ------------------------------------ */

/*
 * libbpf reports a refused program as "prog 'NAME': failed to load" and the
 * verifier log between BEGIN/END PROG LOAD LOG lines: kept here, not shown,
 * so the failing program and its reason can be named in one line.
 */
static char *load_report;
static size_t load_report_len;
static FILE *load_report_file;

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || !load_report_file)
		return 0;
	return vfprintf(load_report_file, fmt, ap);
}

static void report_begin(void)
{
	free(load_report);
	load_report = NULL;
	load_report_len = 0;
	load_report_file = open_memstream(&load_report, &load_report_len);
	libbpf_set_print(capture_print);
}

static void report_end(void)
{
	if (load_report_file)
		fclose(load_report_file);
	load_report_file = NULL;
}

/* The program libbpf says it failed to load, into @name; false if none is named. */
static bool report_failed_prog(char *name, size_t size)
{
	const char *p = load_report, *q;

	while (p && (p = strstr(p, "prog '"))) {
		p += 6;
		q = strchr(p, '\'');
		if (q && strncmp(q, "': failed to load", 17) == 0) {
			snprintf(name, size, "%.*s", (int)(q - p), p);
			return true;
		}
	}
	return false;
}

/* The verifier log of the failed load: [*start, *end) within load_report, or false. */
static bool report_log(const char **start, const char **end)
{
	const char *b = load_report ? strstr(load_report, "-- BEGIN PROG LOAD LOG --\n") : NULL;
	const char *e = b ? strstr(b, "-- END PROG LOAD LOG --") : NULL;

	if (!e)
		return false;
	*start = b + strlen("-- BEGIN PROG LOAD LOG --\n");
	*end = e;
	return true;
}

/*
 * Why @prog was refused, as "the verifier rejected PROG: " and the last line
 * of its log that is not its closing statistics ("processed N insns ..."),
 * or "the kernel refused PROG: " and the errno where the verifier said nothing.
 */
static void report_reason(char *buf, size_t size, const char *prog, int err)
{
	const char *start, *end, *line, *best = NULL;
	int best_len = 0;

	if (report_log(&start, &end)) {
		for (line = start; line < end;) {
			const char *nl = memchr(line, '\n', end - line);
			int len = (nl ? nl : end) - line;

			if (len > 0 && strncmp(line, "processed ", 10) != 0 &&
			    strncmp(line, "verification time", 17) != 0 &&
			    strncmp(line, "stack depth", 11) != 0)
				best = line, best_len = len;
			line = nl ? nl + 1 : end;
		}
	}
	if (best)
		snprintf(buf, size, "the verifier rejected %s: %.*s", prog, best_len, best);
	else
		snprintf(buf, size, "the kernel refused %s: %s", prog, strerror(-err));
}

/* With -v: the last lines of the verifier log, not libbpf's whole report. */
static void report_show_tail(const char *prog)
{
	const char *start, *end, *p;
	int lines = 0;

	if (!np_verbose || !report_log(&start, &end))
		return;
	for (p = end; p > start; p--)
		if (p[-1] == '\n' && ++lines > LOG_TAIL_LINES)
			break;
	fprintf(stderr, "netoproc: verifier log of %s, last %d lines:\n%.*s", prog,
		LOG_TAIL_LINES, (int)(end - p), p);
}

/* ---- choosing --------------------------------------------------------- */

int ebpf_hooks_missing(void)
{
	struct monitor_bpf *s = monitor_bpf__open();
	int missing = 0;

	if (!s)
		return -1;
	for (size_t i = 0; i < NHOOKS; i++)
		if (!bpf_object__find_program_by_name(s->obj, hooks[i].prog))
			missing++;
	for (int w = 0; w < DUMP_NONE; w++)
		for (int j = 0; dump_progs[w][j]; j++)
			missing += !bpf_object__find_program_by_name(s->obj, dump_progs[w][j]);
	for (int w = 0; w < ADOPT_NONE; w++)
		for (int j = 0; adopt_progs[w][j]; j++)
			missing += !bpf_object__find_program_by_name(s->obj, adopt_progs[w][j]);
	monitor_bpf__destroy(s);
	return missing;
}

int ebpf_choose_tier(enum np_attach forced, const char *btf_path, enum np_attach *out)
{
	struct kernel_features f;
	const char *why;
	enum np_attach t;

	probe_kernel(&f, btf_path);
	if (forced != NP_ATTACH_AUTO) {
		if (!probe_tier(&f, forced, &why)) {
			np_err("--attach %s: not available on this kernel: %s", attach_name(forced), why);
			return -EOPNOTSUPP;
		}
		np_info("attach tier %s (forced): %s", attach_name(forced), why);
		*out = forced;
		return 0;
	}
	t = probe_choose_attach(&f, &why);
	if (t == NP_ATTACH_AUTO) {
		np_err("eBPF capture cannot run here: %s", why);
		return -EOPNOTSUPP;
	}
	np_info("attach tier %s: %s", attach_name(t), why);
	*out = t;
	return 0;
}

static void degrade(struct ebpf_loaded *l, const char *part, const char *instead,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void degrade(struct ebpf_loaded *l, const char *part, const char *instead,
		    const char *fmt, ...)
{
	struct np_degraded *d;
	va_list ap;

	if (l->ndegraded == NP_MAX_DEGRADED)
		return;
	d = &l->degraded[l->ndegraded++];
	d->part = part;
	d->instead = instead;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/* Adopting needs bpf_sock_from_file() and sk storage in iterators (5.11): else skip it. */
static void skip_impossible(struct ebpf_loaded *l, const struct btf *btf, bool modern)
{
	if (modern && btf__find_by_name_kind(btf, "bpf_iter__task_file", BTF_KIND_STRUCT) >= 0 &&
	    btf_enum_has(btf, "bpf_func_id", "BPF_FUNC_sock_from_file"))
		return;
	l->adopt = ADOPT_NONE;
	degrade(l, ebpf_adopt_name(ADOPT_TASK_FILES), NULL,
		"no bpf_sock_from_file() or sk storage in iterators (kernel < 5.11)");
}

/*
 * The dump way after @w: the next one, or none before 5.11, where the
 * storage-map dump is the only one (it reads owners from the hash).
 */
static enum ebpf_dump_way next_dump(enum ebpf_dump_way w, bool modern)
{
	return modern ? w + 1 : DUMP_NONE;
}

/* Which optional part program @name belongs to: 'd' dump, 'a' adopt, 0 neither. */
static char part_of(const struct ebpf_loaded *l, const char *name)
{
	if (l->dump < DUMP_NONE)
		for (int j = 0; dump_progs[l->dump][j]; j++)
			if (!strcmp(name, dump_progs[l->dump][j]))
				return 'd';
	if (l->adopt < ADOPT_NONE)
		for (int j = 0; adopt_progs[l->adopt][j]; j++)
			if (!strcmp(name, adopt_progs[l->adopt][j]))
				return 'a';
	return 0;
}

/* Does hook @h's variant fit a function of @nargs parameters? */
static bool variant_fits(const struct hook *h, int nargs)
{
	return !h->nargs || (nargs >= 0 && nargs < 32 && (h->nargs & ARGS(nargs)));
}

bool ebpf_signature_known(enum np_attach tier, const char *func, int nargs)
{
	for (size_t i = 0; i < NHOOKS; i++)
		if (hooks[i].tier == tier && hooks[i].func && !strcmp(hooks[i].func, func) &&
		    variant_fits(&hooks[i], nargs))
			return true;
	return false;
}

/* Before load: keep the tier's programs whose functions exist, and one way of each part. */
static int select_programs(struct ebpf_loaded *l, enum np_attach tier, const struct btf *btf)
{
	struct monitor_bpf *s = l->skel;
	int err = 0;

	for (size_t i = 0; i < NHOOKS; i++) {
		const struct hook *h = &hooks[i];
		struct bpf_program *p = bpf_object__find_program_by_name(s->obj, h->prog);
		bool want = h->tier == tier;
		/* Only the chosen tier's: each lookup is a linear search of the kernel's BTF. */
		int nargs = want && h->func ? btf_func_nargs(btf, h->func) : 0;

		if (!p)
			continue;
		if (want && h->func && nargs < 0) {
			if (h->required) {
				np_err("--attach %s: kernel function %s is missing", attach_name(tier),
				       h->func);
				err = -ENOENT;
			} else {
				np_info("%s: kernel function %s is missing, left out", h->prog, h->func);
			}
			want = false;
		} else if (want && h->func && !ebpf_signature_known(tier, h->func, nargs)) {
			/* A signature none of our variants knows: no silent loss of its bytes. */
			if (h->required && !err) {
				np_err("--attach %s: kernel function %s has %d parameters, a signature "
				       "netoproc does not know", attach_name(tier), h->func, nargs);
				err = -ENOTSUP;
			}
			want = false;
		} else if (want && !variant_fits(h, nargs)) {
			want = false;	/* the other signature's variant: silently not ours */
		}
		bpf_program__set_autoload(p, want);
	}
	for (int w = 0; w < DUMP_NONE; w++)
		for (int j = 0; dump_progs[w][j]; j++)
			bpf_program__set_autoload(bpf_object__find_program_by_name(s->obj,
						  dump_progs[w][j]), w == (int)l->dump);
	for (int w = 0; w < ADOPT_NONE; w++)
		for (int j = 0; adopt_progs[w][j]; j++)
			bpf_program__set_autoload(bpf_object__find_program_by_name(s->obj,
						  adopt_progs[w][j]), w == (int)l->adopt);
	return err;
}

/*
 * Optional code inside required programs: what a refused one may be asking
 * us to give up, tried in this order among the parts that live in it.
 */
enum { FLAG_PAYLOADS, FLAG_PEERS, FLAG_CMDLINES, FLAG_MAX };

static const struct {
	const char *name;
	const char *in;		/* prefix of the programs carrying it; NULL: any */
} flag_parts[FLAG_MAX] = {
	[FLAG_PAYLOADS] = { "dns-and-sni", "count_" },
	[FLAG_PEERS] = { "udp-peers", "count_" },
	[FLAG_CMDLINES] = { "command-lines", NULL },	/* the process-side hooks' claim */
};

/* The next part still on that program @prog carries, or FLAG_MAX. */
static int next_flag_in(const bool *flags, const char *prog)
{
	for (int f = 0; f < FLAG_MAX; f++)
		if (flags[f] && (!flag_parts[f].in ||
				 !strncmp(prog, flag_parts[f].in, strlen(flag_parts[f].in))))
			return f;
	return FLAG_MAX;
}

static int open_one(struct ebpf_loaded *l, const struct capture_opts *o, enum np_attach tier,
		    const struct btf *btf, bool modern, bool ringbuf, const bool *flags)
{
	/* CO-RE relocates against the kernel's own BTF, or the --btf file. */
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .btf_custom_path = o->btf_path);
	struct monitor_bpf *s;
	int err;

	monitor_bpf__destroy(l->skel);
	s = l->skel = monitor_bpf__open_opts(&oopts);
	if (!s) {
		err = -errno;
		np_err("cannot open BPF object: %s", strerror(errno));
		return err;
	}
	s->rodata->watch_all = o->cgroup_path == NULL;
	if (o->interface)
		s->rodata->only_ifindex = if_nametoindex(o->interface);
	s->rodata->modern_tracing = modern;
	s->rodata->owner_in_hash = tier == NP_ATTACH_KPROBE || !modern;
	s->rodata->capture_cmdlines = flags[FLAG_CMDLINES];
	s->rodata->count_peers = flags[FLAG_PEERS];
	/* Payloads need a ring buffer of their own: none before 5.8. */
	s->rodata->capture_payloads = flags[FLAG_PAYLOADS] && ringbuf;
	if (o->payloads)
		memcpy((void *)s->rodata->dns_ports, o->payloads->dns_ports,
		       sizeof(s->rodata->dns_ports));
	s->rodata->use_ringbuf = ringbuf;
	/*
	 * The kprobe tier's tables, and the owner hash of kernels without sk
	 * storage for tracing: a tier that never writes them gets one entry
	 * each instead of preallocating 96k (a quarter of the start-up's time).
	 */
	if (!s->rodata->owner_in_hash)
		bpf_map__set_max_entries(s->maps.sk_procs, 1);
	if (tier != NP_ATTACH_KPROBE) {
		bpf_map__set_max_entries(s->maps.inflight, 1);
		bpf_map__set_max_entries(s->maps.tcp_reads, 1);
	}
	bpf_map__set_autocreate(s->maps.closed, ringbuf);
	bpf_map__set_autocreate(s->maps.payloads, s->rodata->capture_payloads);
	bpf_map__set_autocreate(s->maps.cmdline_ring, ringbuf && s->rodata->capture_cmdlines);
	/* One of the two command line tables is used: the other gets one entry. */
	bpf_map__set_max_entries(ringbuf ? s->maps.cmdlines : s->maps.cmdline_seen, 1);
	return select_programs(l, tier, btf);
}

/*
 * NETOPROC_DUMP_WAY / NETOPROC_ADOPT_WAY (storage-map, task-files,
 * socket-tables, none): start from that way, so tests reach every way on any
 * kernel. Returns the way's index in @names (@n ways, then none), or -1.
 */
static int forced_way(const char *env, const char *const *names, int n)
{
	const char *v = getenv(env);

	if (v && !strcmp(v, "none"))
		return n;
	for (int w = 0; v && w < n; w++)
		if (!strcmp(strchr(names[w], '.') + 1, v))
			return w;
	if (v)
		np_info("%s=%s: no such way, ignored", env, v);
	return -1;
}

/* The dump way in use was refused: -v says @said, the degraded list @reason; on to the next. */
static void dump_refused(struct ebpf_loaded *l, bool modern, const char *said, const char *reason)
{
	enum ebpf_dump_way next = next_dump(l->dump, modern);

	np_info("%s: trying %s", said, next < DUMP_NONE ? ebpf_dump_name(next) : "no live dump");
	degrade(l, ebpf_dump_name(l->dump), ebpf_dump_name(next), "%s", reason);
	l->dump = next;
}

/* The adoption way in use was refused for @reason: on to the next. */
static void adopt_refused(struct ebpf_loaded *l, const char *reason)
{
	np_info("%s: trying %s", reason,
		l->adopt + 1 < ADOPT_NONE ? ebpf_adopt_name(l->adopt + 1) : "no adoption");
	degrade(l, ebpf_adopt_name(l->adopt), ebpf_adopt_name(l->adopt + 1), "%s", reason);
	l->adopt++;
}

/*
 * The task-files dump takes its socket where adoption does, from a task's
 * file, and hands it to sk storage the same way: where the verifier refused
 * that pointer to adoption (@file_sock_refused) it refuses it here too. Not
 * loaded again to hear so: each attempt is a whole load (about 70 ms on 6.18).
 */
static void skip_task_files_dump(struct ebpf_loaded *l, bool modern, const char *file_sock_refused)
{
	char said[320], reason[260];

	if (l->dump != DUMP_TASK_FILES || !file_sock_refused[0])
		return;
	snprintf(reason, sizeof(reason), "not tried, as %s", file_sock_refused);
	snprintf(said, sizeof(said), "%s: %s", ebpf_dump_name(l->dump), reason);
	dump_refused(l, modern, said, reason);
}

/*
 * Refusals heard from programs of a few instructions (way_probes.c) instead
 * of a whole load each: a map-element iterator refused (EPERM), and the
 * socket of a task's file refused to sk storage. What they leave open, the
 * loads find out.
 */
static void probe_refusals(struct ebpf_loaded *l, const struct btf *btf, bool modern,
			   char *file_sock_refused, size_t size)
{
	const char *env = getenv("NETOPROC_WAY_PROBES");
	char why[160];

	/* NETOPROC_WAY_PROBES=0: hear every refusal from whole loads (tests compare the two). */
	if (!btf || (env && !strcmp(env, "0")))
		return;
	if (l->adopt == ADOPT_TASK_FILES && way_probe_file_sock(btf, why, sizeof(why))) {
		snprintf(file_sock_refused, size, "the verifier rejected a task's file's socket "
			 "for sk storage (probe): %s", why);
		adopt_refused(l, file_sock_refused);
	}
	if (l->dump == DUMP_STORAGE_MAP && way_probe_map_iter(btf) == -EPERM) {
		snprintf(why, sizeof(why), "the kernel refused a map-element iterator (probe): %s",
			 strerror(EPERM));
		dump_refused(l, modern, why, why);
	}
	skip_task_files_dump(l, modern, file_sock_refused);
}

int ebpf_load(struct ebpf_loaded *l, const struct capture_opts *o, enum np_attach tier)
{
	struct btf *btf = load_kernel_btf(o->btf_path);
	bool flags[FLAG_MAX] = {
		[FLAG_PAYLOADS] = o->payloads != NULL, [FLAG_PEERS] = true, [FLAG_CMDLINES] = true,
	};
	char failed[64], reason[240], first_reason[240] = "";
	char file_sock_refused[240] = "";	/* see the 'd' case below */
	const char *pb = getenv("NETOPROC_PERF_BUFFER");
	libbpf_print_fn_t old_print;
	bool modern, ringbuf;
	bool given_up[FLAG_MAX] = {};
	int err = 0, f, w;

	memset(l, 0, sizeof(*l));
	/* bpf_get_current_task_btf() came with sk storage for tracing programs (5.11). */
	modern = btf && btf_enum_has(btf, "bpf_func_id", "BPF_FUNC_get_current_task_btf");
	if (!modern)
		np_info("kernel before 5.11: owners kept in a hash keyed by socket address");
	/*
	 * Ring buffer (5.8) where the kernel has one, else a perf buffer;
	 * NETOPROC_PERF_BUFFER=1 forces the latter, so tests reach it here too.
	 */
	ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1 &&
		  !(pb && !strcmp(pb, "1"));
	if (!ringbuf)
		np_info("closing sockets are reported through a perf buffer (no ring buffer)");
	skip_impossible(l, btf, modern);
	if ((w = forced_way("NETOPROC_DUMP_WAY", dump_names, DUMP_NONE)) >= 0) {
		l->dump = w;
		np_info("socket dump forced by NETOPROC_DUMP_WAY: %s",
			ebpf_dump_name(l->dump) ?: "none");
	}
	if ((w = forced_way("NETOPROC_ADOPT_WAY", adopt_names, ADOPT_NONE)) >= 0 &&
	    l->adopt != ADOPT_NONE) {
		l->adopt = w;
		np_info("adoption forced by NETOPROC_ADOPT_WAY: %s",
			ebpf_adopt_name(l->adopt) ?: "none");
	}
	probe_refusals(l, btf, modern, file_sock_refused, sizeof(file_sock_refused));
	old_print = libbpf_set_print(NULL);
	for (l->attempts = 1; l->attempts <= MAX_ATTEMPTS; l->attempts++) {
		if ((err = open_one(l, o, tier, btf, modern, ringbuf, flags)))
			break;
		report_begin();
		err = monitor_bpf__load(l->skel);
		report_end();
		if (!err)
			break;
		if (!report_failed_prog(failed, sizeof(failed))) {
			np_err("cannot load BPF programs: %s", strerror(-err));
			break;
		}
		report_reason(reason, sizeof(reason), failed, err);
		report_show_tail(failed);
		switch (part_of(l, failed)) {
		case 'd':
			dump_refused(l, modern, reason, reason);
			skip_task_files_dump(l, modern, file_sock_refused);
			continue;
		case 'a':
			/* R2: the socket argument of bpf_sk_storage_get(), untrusted. */
			if (l->adopt == ADOPT_TASK_FILES && strstr(reason, "R2 type=untrusted_ptr_"))
				snprintf(file_sock_refused, sizeof(file_sock_refused), "%s", reason);
			adopt_refused(l, reason);
			continue;
		}
		/* A required program: retry without the optional code it carries. */
		if (!first_reason[0])
			snprintf(first_reason, sizeof(first_reason), "%s", reason);
		if ((f = next_flag_in(flags, failed)) < FLAG_MAX) {
			np_info("%s: trying without %s", reason, flag_parts[f].name);
			flags[f] = false;
			given_up[f] = true;
			continue;
		}
		np_err("%s%s", first_reason, np_verbose ? "" : " (-v shows the verifier log)");
		break;
	}
	if (err && l->attempts > MAX_ATTEMPTS)
		np_err("cannot load BPF programs: the kernel refused %d of them", MAX_ATTEMPTS);
	if (!err)
		np_info("monitor programs loaded at whole load %d", l->attempts);
	/* Each optional code switched off on the way to a load that passed is a part given up. */
	for (f = 0; !err && f < FLAG_MAX; f++)
		if (given_up[f])
			degrade(l, flag_parts[f].name, NULL, "given up so that the rest loads: %s",
				first_reason);
	if (!err && o->payloads && !ringbuf)
		degrade(l, flag_parts[FLAG_PAYLOADS].name, NULL, "needs a BPF ring buffer (5.8)");
	l->payloads = !err && flags[FLAG_PAYLOADS] && ringbuf;
	libbpf_set_print(old_print);
	btf__free(btf);
	free(load_report);
	load_report = NULL;
	if (err) {
		monitor_bpf__destroy(l->skel);
		l->skel = NULL;
	}
	return err;
}

int ebpf_attach_tier(struct monitor_bpf *s, enum np_attach tier, struct bpf_link **links,
		     int *nlinks)
{
	for (size_t i = 0; i < NHOOKS; i++) {
		struct bpf_program *p;
		struct bpf_link *lk;
		long err;

		if (hooks[i].tier != tier)
			continue;
		p = bpf_object__find_program_by_name(s->obj, hooks[i].prog);
		if (!p || !bpf_program__autoload(p))
			continue;
		lk = bpf_program__attach(p);
		err = libbpf_get_error(lk);
		if (!err) {
			links[(*nlinks)++] = lk;
			continue;
		}
		if (hooks[i].required) {
			np_err("cannot attach %s: %s", hooks[i].prog, strerror(-err));
			return err;
		}
		np_info("%s: cannot attach (%s), left out", hooks[i].prog, strerror(-err));
	}
	return 0;
}
