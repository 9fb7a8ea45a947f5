// SPDX-License-Identifier: GPL-2.0-only
/*
 * eBPF capture: loads src/bpf/monitor.bpf.c (monitor_load.c), attaches its
 * cgroup programs to the watched cgroup and its tracepoints globally, checks
 * itself, and turns the socket dump, the close ring buffer and the unknown
 * map into model updates.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "lib/bpf_util.h"
#include "lib/caps.h"
#include "lib/cgroup.h"
#include "lib/kernel_features.h"
#include "lib/map_walk.h"
#include "lib/netns.h"
#include "lib/util.h"
#include "monitor/capture/capture.h"
#include "monitor/capture/cmdline_cache.h"
#include "monitor/capture/monitor_load.h"
#include "monitor/capture/selfcheck.h"
#include "monitor/capture/tiers.h"
#include "monitor.skel.h"

#define PERF_BUFFER_PAGES 64	/* per CPU: 256 KiB, about 1700 records */

/* What one read of a BPF iterator returns at most: its seq_file buffer, 8 pages of 4 KiB. */
#define ITER_READ_BYTES	(8 * 4096)

struct ebpf_capture {
	struct ring_buffer *rb;
	struct perf_buffer *pb;	/* instead of rb on kernels without a ring buffer */
	uint64_t perf_lost;	/* samples the perf buffer overwrote */
	struct bpf_link *links[32];
	int nlinks;
	struct bpf_link *iter[2];	/* the dump's iterators (TCP and UDP tables: two) */
	struct ebpf_loaded loaded;	/* the object, and the parts this kernel refused */
	struct selfcheck check;		/* its sockets are never reported */
	bool checking;			/* a dump for the self-check: records go to it */
	int cgroup_fd;
	struct np_model *model;	/* target of ring buffer callbacks */
	unsigned netns_skipped;	/* namespaces a dump could not enter */
	const struct payload_sink *sink;	/* DNS messages and ClientHellos go here */
	/*
	 * Command lines (ring buffer kernels): a ring of their own, read by
	 * itself whenever one is missing, so never behind the socket records
	 * that make a process known. Nothing polls it: no wakeups needed.
	 */
	struct ring_buffer *cmd_rb;
	struct cmdline_cache cmdlines;
	bool kprobe_links;	/* the tier's links are kprobes: the kernel counts their misses */
	/*
	 * A dump's reads: as many whole records as one read of an iterator
	 * gives (its kernel buffer is 8 pages). With 64 records a read, a dump
	 * of 10,000 sockets made 160 reads, each stopping the kernel's walk and
	 * finding its place again: 1.31% of a core before, 1.20% after (a
	 * 1 s refresh beside 10,000 idle sockets, three pairs).
	 */
	struct np_sock_record recs[ITER_READ_BYTES / sizeof(struct np_sock_record)];
};

_Static_assert(sizeof(struct np_sock_record) % 8 == 0, "record must stay 8-byte aligned");

/* A socket record from the kernel: to the self-check, the model, or (ours) nowhere. */
static int deliver(struct ebpf_capture *ec, const struct np_sock_record *r, double now)
{
	if (ec->checking) {
		selfcheck_see(&ec->check, r);
		return 0;
	}
	if (selfcheck_owns(&ec->check, r->cookie) || !ec->model)
		return 0;
	return model_apply_sock(ec->model, r, now);
}

static void on_perf_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct ebpf_capture *ec = ctx;

	if (size >= sizeof(struct np_sock_record))
		deliver(ec, data, now_monotonic());
}

static void on_perf_lost(void *ctx, int cpu, __u64 n)
{
	((struct ebpf_capture *)ctx)->perf_lost += n;
}

static int on_closed(void *ctx, void *data, size_t size)
{
	struct ebpf_capture *ec = ctx;

	if (size < sizeof(struct np_sock_record))
		return 0;
	return deliver(ec, data, now_monotonic());
}

_Static_assert(sizeof(struct np_payload_event) % 8 == 0, "event must stay 8-byte aligned");

static int on_payload(void *ctx, void *data, size_t size)
{
	struct ebpf_capture *ec = ctx;
	const struct np_payload_event *e = data;
	struct np_payload p;

	if (size < sizeof(*e) || !ec->sink || selfcheck_owns(&ec->check, e->cookie))
		return 0;
	p = (struct np_payload){
		.mono = e->ts_ns / 1e9, .kind = e->kind, .egress = e->egress,
		.has_owner = e->has_owner, .owner = e->owner, .cookie = e->cookie,
		.ifindex = e->ifindex, .ip = e->data,
		.caplen = e->caplen < sizeof(e->data) ? e->caplen : sizeof(e->data),
		.len = e->len,
	};
	ec->sink->fn(ec->sink->ctx, &p);
	return 0;
}

static int on_cmdline(void *ctx, void *data, size_t size)
{
	struct ebpf_capture *ec = ctx;
	const struct np_cmdline_record *r = data;

	if (size < sizeof(*r) || r->c.len > sizeof(r->c.args))
		return 0;
	cmdline_cache_put(&ec->cmdlines, r->key.tgid, r->key.start_ns, r->c.args, r->c.len);
	return 0;
}

static int add_link(struct ebpf_capture *ec, struct bpf_link *l, const char *what)
{
	long err = libbpf_get_error(l);

	if (err) {
		np_err("cannot attach %s: %s", what, strerror(-err));
		return err;
	}
	ec->links[ec->nlinks++] = l;
	return 0;
}

/* Run one iterator to its end, delivering the records it writes. */
static int read_iter(struct ebpf_capture *ec, struct bpf_link *link)
{
	struct np_sock_record *recs = ec->recs;
	double now = now_monotonic();
	int fd = bpf_iter_create(bpf_link__fd(link));
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, recs, sizeof(ec->recs));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		for (size_t i = 0; i < n / sizeof(recs[0]); i++)
			if ((err = deliver(ec, &recs[i], now)))
				goto out;
	}
out:
	close(fd);
	return err;
}

/*
 * Every dump iterator, in the network namespace we are in now. The TCP and UDP
 * table iterators walk every bucket of the host's table to find this
 * namespace's sockets: skip the walk where the namespace has none.
 */
static int dump_here(void *arg)
{
	struct ebpf_capture *ec = arg;
	unsigned in_use[2];
	bool known = ec->loaded.dump == DUMP_SOCKET_TABLES &&
		     netns_sockets_in_use(&in_use[0], &in_use[1]) == 0;
	int err = 0;

	for (int i = 0; !err && i < 2 && ec->iter[i]; i++)
		if (!known || in_use[i])
			err = read_iter(ec, ec->iter[i]);
	return err;
}

/* Every live socket's counts; the socket tables are walked in every namespace. */
static int dump_sockets(struct ebpf_capture *ec, bool all_netns)
{
	if (ec->loaded.dump == DUMP_SOCKET_TABLES && all_netns)
		return netns_for_each(dump_here, ec, &ec->netns_skipped);
	return dump_here(ec);
}

/* Close records waiting in the ring (or perf) buffer, delivered now. */
static void consume_records(struct ebpf_capture *ec)
{
	if (ec->rb)
		ring_buffer__consume(ec->rb);
	else
		perf_buffer__consume(ec->pb);
}

static int apply_unknown(const void *key, const void *value, void *m)
{
	return model_apply_unknown(m, key, value);
}

static int read_unknown(struct ebpf_capture *ec, struct np_model *m)
{
	return np_map_each(bpf_map__fd(ec->loaded.skel->maps.unknown),
			   sizeof(struct np_unknown_key), sizeof(struct np_unknown_val),
			   apply_unknown, m);
}

/* The UDP peers read, and those of closed sockets, deleted after the walk. */
struct peers_walk {
	struct np_model *m;
	struct np_peer_key *gone;
	size_t ngone, cap;
};

static int apply_peer(const void *key, const void *value, void *ctx)
{
	struct peers_walk *w = ctx;
	const struct np_peer_key *k = key;
	struct np_peer_key *grown;
	int err = model_apply_peer(w->m, k, value);

	/* Its socket is closed: nothing more can be counted. */
	if (err || !model_socket_closed(w->m, k->cookie))
		return err;
	if (w->ngone == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		grown = realloc(w->gone, w->cap * sizeof(*w->gone));
		if (!grown)
			return -ENOMEM;
		w->gone = grown;
	}
	w->gone[w->ngone++] = *k;
	return 0;
}

/* Peers of unconnected UDP sockets; entries of closed sockets are deleted once applied. */
static int read_udp_peers(struct ebpf_capture *ec, struct np_model *m)
{
	int fd = bpf_map__fd(ec->loaded.skel->maps.udp_peers);
	struct peers_walk w = { .m = m };
	int err = np_map_each(fd, sizeof(struct np_peer_key), sizeof(struct np_peer_val),
			      apply_peer, &w);

	for (size_t i = 0; i < w.ngone; i++) {
		bpf_map_delete_elem(fd, &w.gone[i]);
		model_forget_peer(m, &w.gone[i]);
	}
	free(w.gone);
	return err;
}

_Static_assert(NP_STAT_MAX <= NP_STAT_ROW_LEN, "a counter row holds every counter");

/*
 * The BPF counters summed over their rows into @out. Read through the .bss
 * mapping: no syscall, so nothing marks this CPU as running BPF (see
 * monitor_maps.bpf.h). Kernels that cannot map it (before 5.5) get one lookup.
 */
static void read_counters(const struct monitor_bpf *s, uint64_t out[NP_STAT_MAX])
{
	const struct np_stat_row *rows = s->bss ? s->bss->np_stats : NULL;
	struct monitor_bpf__bss copy;
	__u32 zero = 0;

	if (!rows) {
		if (bpf_map_lookup_elem(bpf_map__fd(s->maps.bss), &zero, &copy))
			memset(&copy, 0, sizeof(copy));
		rows = copy.np_stats;
	}
	for (int i = 0; i < NP_STAT_MAX; i++) {
		out[i] = 0;
		for (int r = 0; r < NP_STAT_ROWS; r++)
			out[i] += __atomic_load_n(&rows[r].v[i], __ATOMIC_RELAXED);
	}
}

/*
 * Runs of the monitor's programs the kernel skipped: each program's recursion
 * misses, plus, in the kprobe tier, its links' missed hits. @say (-v, at the
 * end): one line per program that lost any, so the count points at a place.
 */
static uint64_t runs_skipped(const struct ebpf_capture *ec, bool say)
{
	struct { uint32_t prog_id; uint64_t missed; } hits[32];
	struct bpf_program *prog;
	uint64_t sum = 0;
	int nhits = 0;

	for (int i = 0; ec->kprobe_links && i < ec->nlinks; i++, nhits++)
		hits[i].missed = np_kprobe_link_misses(ec->links[i], &hits[i].prog_id);
	bpf_object__for_each_program(prog, ec->loaded.skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);
		uint64_t missed = 0;

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		for (int i = 0; i < nhits; i++)
			if (hits[i].prog_id == info.id)
				missed += hits[i].missed;
		sum += info.recursion_misses + missed;
		if (say && (info.recursion_misses || missed))
			np_info("%s: %llu runs skipped (another program active on its CPU), "
				"%llu probe hits without a run (kprobe's own count)",
				bpf_program__name(prog), (unsigned long long)info.recursion_misses,
				(unsigned long long)missed);
	}
	return sum;
}

static void read_stats(struct ebpf_capture *ec, struct np_model *m)
{
	read_counters(ec->loaded.skel, m->stat);
	m->stat[NP_STAT_RUNS_SKIPPED] = runs_skipped(ec, false);
	m->lost_records = m->stat[NP_STAT_RINGBUF_LOST] + ec->perf_lost;
}

static int ebpf_wait(struct capture *c, struct np_model *m, int timeout_ms)
{
	struct ebpf_capture *ec = c->priv;
	int n;

	ec->model = m;
	n = ec->rb ? ring_buffer__poll(ec->rb, timeout_ms) : perf_buffer__poll(ec->pb, timeout_ms);
	if (ec->cmd_rb)
		ring_buffer__consume(ec->cmd_rb);
	return n < 0 && n != -EINTR ? n : 0;
}

/* One epoll descriptor stands for every ring (libbpf's own): readable when any has data. */
static int ebpf_pollfds(struct capture *c, struct pollfd *out, int max)
{
	struct ebpf_capture *ec = c->priv;

	if (max < 1)
		return 0;
	out[0].fd = ec->rb ? ring_buffer__epoll_fd(ec->rb) : perf_buffer__epoll_fd(ec->pb);
	out[0].events = POLLIN;
	return 1;
}

static int ebpf_collect(struct capture *c, struct np_model *m)
{
	struct ebpf_capture *ec = c->priv;
	int err;

	ec->model = m;
	model_begin_dump(m);
	if ((err = dump_sockets(ec, true)))
		return err;
	/* Close records that raced with the dump belong to this round. */
	consume_records(ec);
	/* Peers before the dump's end forgets closed sockets: their last counts apply. */
	if ((err = read_udp_peers(ec, m)))
		return err;
	model_end_dump(m);
	if ((err = read_unknown(ec, m)))
		return err;
	read_stats(ec, m);
	return 0;
}

static int ebpf_cmdline(struct capture *c, uint32_t pid, uint64_t start_ns, char *buf,
			size_t size)
{
	struct ebpf_capture *ec = c->priv;
	struct np_proc_key key = { .start_ns = start_ns, .tgid = pid };
	struct np_cmdline val;

	if (ec->cmd_rb) {
		if (cmdline_cache_get(&ec->cmdlines, pid, start_ns, buf, size) == 0)
			return 0;
		ring_buffer__consume(ec->cmd_rb);
		return cmdline_cache_get(&ec->cmdlines, pid, start_ns, buf, size);
	}
	/* Kernels before 5.8: no ring, the map keeps them. */
	if (bpf_map_lookup_elem(bpf_map__fd(ec->loaded.skel->maps.cmdlines), &key, &val))
		return -ENOENT;
	return cmdline_args_text(buf, size, val.args,
				 val.len < sizeof(val.args) ? val.len : sizeof(val.args)) ? 0 : -ENOENT;
}

static void ebpf_close(struct capture *c)
{
	struct ebpf_capture *ec = c->priv;

	if (!ec)
		return;
	if (np_verbose && ec->loaded.skel)
		runs_skipped(ec, true);
	ring_buffer__free(ec->rb);
	ring_buffer__free(ec->cmd_rb);
	perf_buffer__free(ec->pb);
	for (int i = 0; i < 2; i++)
		bpf_link__destroy(ec->iter[i]);
	selfcheck_close(&ec->check);
	for (int i = ec->nlinks - 1; i >= 0; i--)
		bpf_link__destroy(ec->links[i]);
	monitor_bpf__destroy(ec->loaded.skel);
	cmdline_cache_free(&ec->cmdlines);
	if (ec->cgroup_fd >= 0)
		close(ec->cgroup_fd);
	free(ec);
	c->priv = NULL;
}

/*
 * No cgroup2 mounted (a cgroup-v1-only host): mount the v2 hierarchy privately
 * just long enough to open its root, then detach the mount. The descriptor is
 * all the programs need, and nothing is left in the mount table.
 */
static int open_private_cgroup2(int *fd_out)
{
	char dir[] = "/tmp/netoproc-cgroup2-XXXXXX";
	int fd, err;

	if (!mkdtemp(dir)) {
		err = -errno;
		np_err("no cgroup v2 mounted, and no directory to mount one: %s", strerror(errno));
		return err;
	}
	if (mount("none", dir, "cgroup2", 0, NULL)) {
		err = -errno;
		rmdir(dir);
		np_err("no cgroup v2 mounted, and mounting one failed: %s", strerror(-err));
		return err;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	if (err) {
		np_err("cannot open the cgroup v2 root: %s", strerror(-err));
		return err;
	}
	np_info("no cgroup v2 mounted: attached to its root through a private mount");
	*fd_out = fd;
	return 0;
}

static int open_cgroup(const struct capture_opts *o, int *fd_out)
{
	char root[256];
	const char *path = o->cgroup_path;
	int fd;

	if (!path) {
		if (cgroup2_mount(root, sizeof(root)))
			return open_private_cgroup2(fd_out);
		path = root;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int err = -errno;

		np_err("cannot open cgroup %s: %s", path, strerror(errno));
		return err;
	}
	*fd_out = fd;
	return 0;
}

/*
 * The tier's send/receive hooks. NETOPROC_FAULT=no-payload-hooks leaves them
 * out: a kernel whose hooks never fire, which the self-check must catch.
 */
static int attach_payload_hooks(struct ebpf_capture *ec, enum np_attach tier)
{
	const char *fault = getenv("NETOPROC_FAULT");

	if (fault && !strcmp(fault, "no-payload-hooks")) {
		np_info("NETOPROC_FAULT=no-payload-hooks: send/receive hooks not attached");
		return 0;
	}
	ec->kprobe_links = tier == NP_ATTACH_KPROBE;
	return ebpf_attach_tier(ec->loaded.skel, tier, ec->links, &ec->nlinks);
}

/* Run an iterator program once for what it does, not for what it writes. */
static void run_iter_once(struct bpf_program *p)
{
	struct bpf_link *link = bpf_program__attach_iter(p, NULL);
	char buf[64];
	int fd;

	if (libbpf_get_error(link)) {
		np_info("%s: cannot attach: %s", bpf_program__name(p), strerror(errno));
		return;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd >= 0) {
		while (read(fd, buf, sizeof(buf)) > 0 || errno == EINTR)
			;
		close(fd);
	}
	bpf_link__destroy(link);
}

static int adopt_here(void *arg)
{
	struct monitor_bpf *s = arg;

	run_iter_once(s->progs.adopt_tcp);
	run_iter_once(s->progs.adopt_udp);
	return 0;
}

/* The holders table is needed once: give its memory back. */
static void forget_holders(int fd)
{
	__u64 key;

	while (bpf_map_get_next_key(fd, NULL, &key) == 0)
		if (bpf_map_delete_elem(fd, &key))
			break;
}

/* Give sockets that existed before we started the process holding them. */
static void adopt_existing_sockets(struct ebpf_capture *ec)
{
	struct monitor_bpf *s = ec->loaded.skel;
	unsigned skipped;

	switch (ec->loaded.adopt) {
	case ADOPT_TASK_FILES:
		run_iter_once(s->progs.adopt_sockets);
		break;
	case ADOPT_SOCKET_TABLES:
		run_iter_once(s->progs.note_holders);
		netns_for_each(adopt_here, s, &skipped);
		if (skipped)
			np_info("existing sockets of %u network namespaces not adopted: cannot enter "
				"them", skipped);
		forget_holders(bpf_map__fd(s->maps.holders));
		break;
	case ADOPT_NONE:
		break;
	}
}

/* The dump's iterators for the way ebpf_load kept. */
static int create_dump_iters(struct ebpf_capture *ec)
{
	struct monitor_bpf *s = ec->loaded.skel;
	union bpf_iter_link_info linfo = {};
	DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, iopts);

	int n = 1;

	linfo.map.map_fd = bpf_map__fd(s->maps.accts);
	iopts.link_info = &linfo;
	iopts.link_info_len = sizeof(linfo);
	switch (ec->loaded.dump) {
	case DUMP_STORAGE_MAP:
		ec->iter[0] = bpf_program__attach_iter(s->progs.dump_sockets, &iopts);
		break;
	case DUMP_TASK_FILES:
		ec->iter[0] = bpf_program__attach_iter(s->progs.dump_sockets_by_file, NULL);
		break;
	case DUMP_SOCKET_TABLES:
		ec->iter[0] = bpf_program__attach_iter(s->progs.dump_tcp, NULL);
		ec->iter[1] = bpf_program__attach_iter(s->progs.dump_udp, NULL);
		n = 2;
		break;
	case DUMP_NONE:
		return 0;
	}
	/* libbpf returns NULL with errno set: every slot we asked for must hold a link. */
	for (int i = 0; i < n; i++) {
		if (ec->iter[i])
			continue;
		np_err("cannot create the socket iterator: %s", strerror(errno));
		return -errno ?: -EINVAL;
	}
	return 0;
}

/*
 * The canary: our own loopback exchange must come back from the kernel
 * attributed exactly to us. Needs our traffic to be watched: not with
 * --cgroup (we are not in it) or --interface other than loopback.
 */
static int self_check(struct ebpf_capture *ec, const struct capture_opts *o, struct capture *c)
{
	char why[256];
	int err;

	if (o->cgroup_path || (o->interface && strcmp(o->interface, "lo"))) {
		np_info("self-check skipped: netoproc's own traffic is outside --%s",
			o->cgroup_path ? "cgroup" : "interface");
		c->self_check_ms = -1;
		return 0;
	}
	err = selfcheck_exchange(&ec->check, why, sizeof(why));
	if (!err) {
		ec->checking = true;
		if (ec->loaded.dump != DUMP_NONE) {
			err = dump_sockets(ec, false);
		} else {
			/* No live dump on this kernel: the sockets' close records tell the same. */
			selfcheck_close(&ec->check);
			consume_records(ec);
		}
		ec->checking = false;
		if (err)
			snprintf(why, sizeof(why), "self-check: dumping sockets failed: %s",
				 strerror(-err));
		else
			err = selfcheck_verdict(&ec->check, why, sizeof(why));
	}
	c->self_check_ms = (now_monotonic() - ec->check.started) * 1e3;
	/* Closed now: their last packets and close records are recognised by cookie. */
	selfcheck_close(&ec->check);
	if (err) {
		uint64_t counters[NP_STAT_MAX];
		uint64_t nostore;

		read_counters(ec->loaded.skel, counters);
		nostore = counters[NP_STAT_STORAGE_FAIL];

		/* Seen on 7.x under a CPU without cmpxchg16b: kmalloc_nolock() always fails. */
		if (nostore)
			np_err("%s; the kernel could not allocate BPF socket storage %llu times "
			       "(no memory for sk storage on this kernel and CPU)", why,
			       (unsigned long long)nostore);
		else
			np_err("%s", why);
		return -EPROTO;
	}
	np_info("self-check passed in %.1f ms: a loopback exchange attributed exactly",
		c->self_check_ms);
	return 0;
}

int ebpf_capture_open(struct capture *c, const struct capture_opts *o)
{
	struct ebpf_capture *ec = calloc(1, sizeof(*ec));
	struct monitor_bpf *s;
	enum np_attach tier;
	int err;

	if (!ec)
		return -ENOMEM;
	ec->cgroup_fd = -1;
	selfcheck_init(&ec->check);
	c->priv = ec;
	c->mode = "ebpf";
	c->wait = ebpf_wait;
	c->pollfds = ebpf_pollfds;
	c->collect = ebpf_collect;
	c->close = ebpf_close;
	c->cmdline = ebpf_cmdline;
	libbpf_set_print(np_libbpf_print);

	if ((err = ebpf_choose_tier(o->attach, o->btf_path, &tier)))
		goto fail;
	c->attach = attach_name(tier);
	if ((err = open_cgroup(o, &ec->cgroup_fd)))
		goto fail;
	if ((err = ebpf_load(&ec->loaded, o, tier)))
		goto fail;
	c->degraded = ec->loaded.degraded;
	c->ndegraded = ec->loaded.ndegraded;
	c->dump_way = ebpf_dump_name(ec->loaded.dump);
	c->adopt_way = ebpf_adopt_name(ec->loaded.adopt);
	s = ec->loaded.skel;
	if (o->cgroup_path) {
		__u32 zero = 0;

		if (bpf_map_update_elem(bpf_map__fd(s->maps.watched_cgroup), &zero,
					&ec->cgroup_fd, BPF_ANY)) {
			err = -errno;
			np_err("cannot watch cgroup %s: %s", o->cgroup_path, strerror(errno));
			goto fail;
		}
	}
	if ((err = add_link(ec, bpf_program__attach_cgroup(s->progs.count_ingress, ec->cgroup_fd),
			    "cgroup_skb/ingress")) ||
	    (err = add_link(ec, bpf_program__attach_cgroup(s->progs.count_egress, ec->cgroup_fd),
			    "cgroup_skb/egress")) ||
	    (err = add_link(ec, bpf_program__attach_cgroup(s->progs.on_sock_create, ec->cgroup_fd),
			    "cgroup/sock_create")) ||
	    (err = add_link(ec, bpf_program__attach_cgroup(s->progs.on_sock_release, ec->cgroup_fd),
			    "cgroup/sock_release")) ||
	    (err = attach_payload_hooks(ec, tier)) ||
	    (err = create_dump_iters(ec)))
		goto fail;
	adopt_existing_sockets(ec);
	if (s->rodata->use_ringbuf)
		ec->rb = ring_buffer__new(bpf_map__fd(s->maps.closed), on_closed, ec, NULL);
	else
		ec->pb = perf_buffer__new(bpf_map__fd(s->maps.closed_perf), PERF_BUFFER_PAGES,
					  on_perf_sample, on_perf_lost, ec, NULL);
	if (!ec->rb && !ec->pb) {
		err = -errno;
		np_err("cannot open the ring buffer: %s", strerror(errno));
		goto fail;
	}
	if (o->payloads && !ec->loaded.payloads)
		c->payload_missing = "the kernel refused the eBPF code that reads them";
	if (ec->loaded.payloads && o->payloads) {
		ec->sink = o->payloads;
		if (ring_buffer__add(ec->rb, bpf_map__fd(s->maps.payloads), on_payload, ec)) {
			err = -errno;
			np_err("cannot open the payload ring buffer: %s", strerror(errno));
			goto fail;
		}
	}
	if (s->rodata->use_ringbuf && s->rodata->capture_cmdlines) {
		if ((err = cmdline_cache_init(&ec->cmdlines, NP_CMDLINES_MAX)))
			goto fail;
		ec->cmd_rb = ring_buffer__new(bpf_map__fd(s->maps.cmdline_ring), on_cmdline, ec, NULL);
		if (!ec->cmd_rb) {
			err = -errno;
			np_err("cannot open the command line ring buffer: %s", strerror(errno));
			goto fail;
		}
	}
	if ((err = self_check(ec, o, c)))
		goto fail;
	np_info("eBPF capture attached: cgroup %s, %s tier, %s, %s",
		o->cgroup_path ? o->cgroup_path : "v2 root", c->attach,
		ebpf_dump_name(ec->loaded.dump) ?: "no live dump",
		ebpf_adopt_name(ec->loaded.adopt) ?: "existing sockets not adopted");
	return 0;
fail:
	ebpf_close(c);
	/* Nothing of eBPF's may be left for a fallback capture to call. */
	memset(c, 0, sizeof(*c));
	return err ? err : -EINVAL;
}

int ebpf_capture_try(struct capture *c, const struct capture_opts *o, char *why, size_t size)
{
	FILE *saved = stderr, *mem;
	char *buf = NULL, *line, *last = NULL;
	size_t len = 0;
	int err;

	mem = open_memstream(&buf, &len);
	if (mem)
		stderr = mem;
	err = ebpf_capture_open(c, o);
	if (!mem)
		return err;
	fclose(mem);
	stderr = saved;
	/* -v shows what eBPF said, attached or not. */
	if (np_verbose && buf)
		fputs(buf, stderr);
	for (line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, "netoproc: ", 10) == 0)
			last = line + 10;
	if (last)
		snprintf(why, size, "%.*s", (int)strcspn(last, "\n"), last);
	else
		snprintf(why, size, "%s", strerror(-err));
	free(buf);
	return err;
}

void capture_say_degraded(const struct capture *c)
{
	char d[128];

	fputs("netoproc: degraded on this kernel:", stderr);
	for (int i = 0; i < c->ndegraded; i++)
		fprintf(stderr, "%s %s", i ? "," : "", np_degraded_text(&c->degraded[i], d, sizeof(d)));
	fputs(" (reasons: -v, or netoproc probe)\n", stderr);
}
