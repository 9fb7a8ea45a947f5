// SPDX-License-Identifier: GPL-2.0-only
/*
 * eBPF capture: loads src/bpf/monitor.bpf.c, attaches its cgroup programs to
 * the watched cgroup and its tracepoints globally, and turns the socket dump
 * iterator, the close ring buffer and the unknown map into model updates.
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
#include "capture.h"
#include "caps.h"
#include "cgroup.h"
#include "util.h"
#include "probe.h"
#include "monitor.skel.h"

#define PERF_BUFFER_PAGES 64	/* per CPU: 256 KiB, about 1700 records */

struct ebpf_capture {
	struct monitor_bpf *skel;
	struct ring_buffer *rb;
	struct perf_buffer *pb;	/* instead of rb on kernels without a ring buffer */
	uint64_t perf_lost;	/* samples the perf buffer overwrote */
	struct bpf_link *links[32];
	int nlinks;
	struct bpf_link *iter;
	bool by_file;		/* the dump walks task files, not the storage map */
	bool by_file_possible;	/* ... and could, if the storage map's iterator fails */
	int cgroup_fd;
	struct np_model *model;	/* target of ring buffer callbacks */
	int cpus;
};

_Static_assert(sizeof(struct np_sock_record) % 8 == 0, "record must stay 8-byte aligned");

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!np_verbose && level != LIBBPF_WARN)
		return 0;
	if (!np_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void on_perf_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct ebpf_capture *ec = ctx;

	if (size >= sizeof(struct np_sock_record))
		model_apply_sock(ec->model, data, now_monotonic());
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
	return model_apply_sock(ec->model, data, now_monotonic());
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

static int dump_sockets(struct ebpf_capture *ec, struct np_model *m)
{
	struct np_sock_record recs[64];
	double now = now_monotonic();
	int fd = bpf_iter_create(bpf_link__fd(ec->iter));
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	model_begin_dump(m);
	for (;;) {
		n = read(fd, recs, sizeof(recs));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		for (size_t i = 0; i < n / sizeof(recs[0]); i++)
			if ((err = model_apply_sock(m, &recs[i], now)))
				goto out;
	}
out:
	close(fd);
	return err;
}

static int read_unknown(struct ebpf_capture *ec, struct np_model *m)
{
	int fd = bpf_map__fd(ec->skel->maps.unknown);
	struct np_unknown_key key, next;
	struct np_unknown_val val;
	void *prev = NULL;
	int err;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &val) == 0 &&
		    (err = model_apply_unknown(m, &next, &val)))
			return err;
		key = next;
		prev = &key;
	}
	return 0;
}

/* Peers of unconnected UDP sockets; entries of closed sockets are deleted once applied. */
static int read_udp_peers(struct ebpf_capture *ec, struct np_model *m)
{
	int fd = bpf_map__fd(ec->skel->maps.udp_peers);
	struct np_peer_key key, next, *gone = NULL, *grown;
	size_t ngone = 0, cap = 0;
	struct np_peer_val val;
	void *prev = NULL;
	int err = 0;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &val) == 0 &&
		    (err = model_apply_peer(m, &next, &val)))
			break;
		/* Its socket is closed: nothing more can be counted; delete after the walk. */
		if (model_socket_closed(m, next.cookie)) {
			if (ngone == cap) {
				cap = cap ? cap * 2 : 64;
				grown = realloc(gone, cap * sizeof(*gone));
				if (!grown) {
					err = -ENOMEM;
					break;
				}
				gone = grown;
			}
			gone[ngone++] = next;
		}
		key = next;
		prev = &key;
	}
	for (size_t i = 0; i < ngone; i++) {
		bpf_map_delete_elem(fd, &gone[i]);
		model_forget_peer(m, &gone[i]);
	}
	free(gone);
	return err;
}

static void read_stats(struct ebpf_capture *ec, struct np_model *m)
{
	int fd = bpf_map__fd(ec->skel->maps.stats);
	__u64 *vals = calloc(ec->cpus, sizeof(__u64));

	if (!vals)
		return;
	for (__u32 i = 0; i < NP_STAT_MAX; i++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (int c = 0; c < ec->cpus; c++)
			sum += vals[c];
		m->stat[i] = sum;
	}
	m->lost_records = m->stat[NP_STAT_RINGBUF_LOST] + ec->perf_lost;
	free(vals);
}

static int ebpf_wait(struct capture *c, struct np_model *m, int timeout_ms)
{
	struct ebpf_capture *ec = c->priv;
	int n;

	ec->model = m;
	n = ec->rb ? ring_buffer__poll(ec->rb, timeout_ms) : perf_buffer__poll(ec->pb, timeout_ms);
	return n < 0 && n != -EINTR ? n : 0;
}

static int ebpf_collect(struct capture *c, struct np_model *m)
{
	struct ebpf_capture *ec = c->priv;
	int err;

	ec->model = m;
	if ((err = dump_sockets(ec, m)))
		return err;
	/* Close records that raced with the dump belong to this round. */
	if (ec->rb)
		ring_buffer__consume(ec->rb);
	else
		perf_buffer__consume(ec->pb);
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
	size_t n;

	if (bpf_map_lookup_elem(bpf_map__fd(ec->skel->maps.cmdlines), &key, &val))
		return -ENOENT;
	n = val.len < size - 1 ? val.len : size - 1;
	if (n > sizeof(val.args))
		n = sizeof(val.args);
	memcpy(buf, val.args, n);
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return n ? 0 : -ENOENT;
}

static void ebpf_close(struct capture *c)
{
	struct ebpf_capture *ec = c->priv;

	if (!ec)
		return;
	ring_buffer__free(ec->rb);
	perf_buffer__free(ec->pb);
	bpf_link__destroy(ec->iter);
	for (int i = ec->nlinks - 1; i >= 0; i--)
		bpf_link__destroy(ec->links[i]);
	monitor_bpf__destroy(ec->skel);
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
 * The process-context hooks of each tier. A program whose kernel function is
 * missing from BTF is left out; without a required one the tier cannot run.
 */
struct hook {
	enum np_attach tier;
	const char *prog;
	const char *func;	/* kernel function it needs; NULL for tracepoints */
	bool required;
	int nargs;		/* for this many parameters of func only; 0: any */
};

static const struct hook hooks[] = {
	{ NP_ATTACH_TRACEPOINT, "on_send", NULL, true, 0 },
	{ NP_ATTACH_TRACEPOINT, "on_recv", NULL, true, 0 },
	{ NP_ATTACH_FENTRY, "fexit_tcp_sendmsg", "tcp_sendmsg", true, 0 },
	{ NP_ATTACH_FENTRY, "fexit_tcp_recvmsg5", "tcp_recvmsg", true, 5 },
	{ NP_ATTACH_FENTRY, "fexit_tcp_recvmsg6", "tcp_recvmsg", true, 6 },
	{ NP_ATTACH_FENTRY, "fexit_udp_sendmsg", "udp_sendmsg", true, 0 },
	/* tcp_recvmsg and udp{,v6}_recvmsg lost their noblock parameter in 5.19. */
	{ NP_ATTACH_FENTRY, "fexit_udp_recvmsg5", "udp_recvmsg", true, 5 },
	{ NP_ATTACH_FENTRY, "fexit_udp_recvmsg6", "udp_recvmsg", true, 6 },
	{ NP_ATTACH_FENTRY, "fexit_udpv6_sendmsg", "udpv6_sendmsg", false, 0 },
	{ NP_ATTACH_FENTRY, "fexit_udpv6_recvmsg5", "udpv6_recvmsg", false, 5 },
	{ NP_ATTACH_FENTRY, "fexit_udpv6_recvmsg6", "udpv6_recvmsg", false, 6 },
	{ NP_ATTACH_KPROBE, "kp_tcp_sendmsg", "tcp_sendmsg", true, 0 },
	{ NP_ATTACH_KPROBE, "krp_tcp_sendmsg", "tcp_sendmsg", true, 0 },
	{ NP_ATTACH_KPROBE, "kp_tcp_recvmsg5", "tcp_recvmsg", true, 5 },
	{ NP_ATTACH_KPROBE, "kp_tcp_recvmsg6", "tcp_recvmsg", true, 6 },
	{ NP_ATTACH_KPROBE, "kp_tcp_cleanup_rbuf", "tcp_cleanup_rbuf", true, 0 },
	{ NP_ATTACH_KPROBE, "kp_skb_consume_udp", "skb_consume_udp", true, 0 },
	{ NP_ATTACH_KPROBE, "kp_udp_sendmsg", "udp_sendmsg", true, 0 },
	{ NP_ATTACH_KPROBE, "krp_udp_sendmsg", "udp_sendmsg", true, 0 },
	{ NP_ATTACH_KPROBE, "kp_udpv6_sendmsg", "udpv6_sendmsg", false, 0 },
	{ NP_ATTACH_KPROBE, "krp_udpv6_sendmsg", "udpv6_sendmsg", false, 0 },
};

static bool enum_has(const struct btf *btf, const char *type, const char *value)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(btf, id);
	const struct btf_enum *e = t ? btf_enum(t) : NULL;

	for (int i = 0; t && i < btf_vlen(t); i++)
		if (strcmp(btf__name_by_offset(btf, e[i].name_off), value) == 0)
			return true;
	return false;
}

/* Hooks whose program the BPF object lacks (a renamed program): for the unit tests. */
int ebpf_hooks_missing(void)
{
	struct monitor_bpf *s = monitor_bpf__open();
	int missing = 0;

	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (!bpf_object__find_program_by_name(s->obj, hooks[i].prog))
			missing++;
	monitor_bpf__destroy(s);
	return missing;
}

/* Parameter count of kernel function @name, or -1 when BTF does not have it. */
static int func_nargs(const struct btf *btf, const char *name)
{
	int id = btf ? btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) : -1;
	const struct btf_type *t;

	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	return t ? btf_vlen(t) : -1;
}

/* Which tier runs: the forced one if the kernel has it, else the best one. */
static int choose_tier(enum np_attach forced, const char *btf_path, enum np_attach *out)
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

/* Before load: keep the chosen tier's programs whose functions exist. */
static int select_programs(struct monitor_bpf *s, enum np_attach tier, const char *btf_path)
{
	struct btf *btf = load_kernel_btf(btf_path);
	int err = 0;

	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(s->obj, hooks[i].prog);
		int nargs = hooks[i].func ? func_nargs(btf, hooks[i].func) : 0;
		bool want = hooks[i].tier == tier;

		if (!p)
			continue;
		/* The other signature's variant: silently not ours. */
		if (want && hooks[i].nargs && nargs >= 0 && nargs != hooks[i].nargs)
			want = false;
		else if (want && hooks[i].func && nargs < 0) {
			if (hooks[i].required) {
				np_err("--attach %s: kernel function %s is missing", attach_name(tier),
				       hooks[i].func);
				err = -ENOENT;
			} else {
				np_info("%s: kernel function %s is missing, left out", hooks[i].prog,
					hooks[i].func);
			}
			want = false;
		}
		bpf_program__set_autoload(p, want);
	}
	/* bpf_get_current_task_btf() came with sk storage for tracing programs (5.11). */
	s->rodata->modern_tracing = btf && enum_has(btf, "bpf_func_id",
						    "BPF_FUNC_get_current_task_btf");
	s->rodata->owner_in_hash = tier == NP_ATTACH_KPROBE || !s->rodata->modern_tracing;
	if (!s->rodata->modern_tracing)
		np_info("kernel before 5.11: owners kept in a hash keyed by socket address");
	/* Adopting existing sockets needs bpf_sock_from_file() (5.11). */
	if (!btf || btf__find_by_name_kind(btf, "bpf_iter__task_file", BTF_KIND_STRUCT) < 0 ||
	    !enum_has(btf, "bpf_func_id", "BPF_FUNC_sock_from_file")) {
		bpf_program__set_autoload(s->progs.adopt_sockets, false);
		np_info("existing sockets are not adopted: no bpf_sock_from_file() here");
	}
	btf__free(btf);
	return err;
}

/* Walk every task's open files once and give existing sockets their holder. */
static void adopt_existing_sockets(struct ebpf_capture *ec)
{
	struct bpf_link *link;
	char buf[64];
	int fd;

	if (!bpf_program__autoload(ec->skel->progs.adopt_sockets))
		return;
	link = bpf_program__attach_iter(ec->skel->progs.adopt_sockets, NULL);
	if (libbpf_get_error(link)) {
		np_info("existing sockets are not adopted: %s", strerror(errno));
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

static int attach_tier(struct ebpf_capture *ec, enum np_attach tier)
{
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		struct bpf_program *p;
		struct bpf_link *l;
		long err;

		if (hooks[i].tier != tier)
			continue;
		p = bpf_object__find_program_by_name(ec->skel->obj, hooks[i].prog);
		if (!p || !bpf_program__autoload(p))
			continue;
		l = bpf_program__attach(p);
		err = libbpf_get_error(l);
		if (!err) {
			ec->links[ec->nlinks++] = l;
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

/*
 * Open, configure and load the object for tier. The live sockets are dumped
 * by iterating the socket-storage map or, by_file, every task's open files
 * (some kernels refuse map-element iterators).
 */
static int open_and_load(struct ebpf_capture *ec, const struct capture_opts *o,
			 enum np_attach tier, bool by_file)
{
	/* CO-RE relocates against the kernel's own BTF, or the --btf file. */
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .btf_custom_path = o->btf_path);
	struct monitor_bpf *s;
	int err;

	monitor_bpf__destroy(ec->skel);
	s = ec->skel = monitor_bpf__open_opts(&oopts);
	if (!s) {
		err = -errno;
		np_err("cannot open BPF object: %s", strerror(errno));
		return err;
	}
	s->rodata->watch_all = o->cgroup_path == NULL;
	if (o->interface)
		s->rodata->only_ifindex = if_nametoindex(o->interface);
	if ((err = select_programs(s, tier, o->btf_path)))
		return err;
	/* The by-file dump reads sk storage and files from an iterator: 5.11, as adopting does. */
	ec->by_file_possible = !by_file && s->rodata->modern_tracing &&
			       bpf_program__autoload(s->progs.adopt_sockets);
	ec->by_file = by_file;
	bpf_program__set_autoload(s->progs.dump_sockets, !by_file);
	bpf_program__set_autoload(s->progs.dump_sockets_by_file, by_file);
	/*
	 * Ring buffer (5.8) where the kernel has one, else a perf buffer;
	 * NETOPROC_PERF_BUFFER=1 forces the latter, so tests reach it here too.
	 */
	if (!libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) ||
	    (getenv("NETOPROC_PERF_BUFFER") && !strcmp(getenv("NETOPROC_PERF_BUFFER"), "1"))) {
		s->rodata->use_ringbuf = false;
		bpf_map__set_autocreate(s->maps.closed, false);
		np_info("closing sockets are reported through a perf buffer (no ring buffer)");
	}
	err = monitor_bpf__load(s);
	if (err && ec->by_file_possible)	/* the caller tries again, by file */
		np_info("cannot load BPF programs: %s", strerror(-err));
	else if (err)
		np_err("cannot load BPF programs: %s%s", strerror(-err),
		       np_verbose ? "" : " (-v shows the verifier log)");
	return err;
}

int ebpf_capture_open(struct capture *c, const struct capture_opts *o)
{
	struct ebpf_capture *ec = calloc(1, sizeof(*ec));
	struct monitor_bpf *s;
	union bpf_iter_link_info linfo = {};
	DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, iopts);
	enum np_attach tier;
	int err;

	if (!ec)
		return -ENOMEM;
	ec->cgroup_fd = -1;
	c->priv = ec;
	c->mode = "ebpf";
	c->wait = ebpf_wait;
	c->collect = ebpf_collect;
	c->close = ebpf_close;
	c->cmdline = ebpf_cmdline;
	ec->cpus = libbpf_num_possible_cpus();
	libbpf_set_print(libbpf_print);

	if ((err = choose_tier(o->attach, o->btf_path, &tier)))
		goto fail;
	c->attach = attach_name(tier);
	if ((err = open_cgroup(o, &ec->cgroup_fd)))
		goto fail;
	err = open_and_load(ec, o, tier, false);
	if (err && ec->by_file_possible) {
		np_info("dumping sockets through the socket-storage iterator fails (%s): "
			"through every task's open files instead", strerror(-err));
		err = open_and_load(ec, o, tier, true);
	}
	if (err)
		goto fail;
	s = ec->skel;
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
	    (err = attach_tier(ec, tier)))
		goto fail;

	linfo.map.map_fd = bpf_map__fd(s->maps.accts);
	iopts.link_info = &linfo;
	iopts.link_info_len = sizeof(linfo);
	ec->iter = ec->by_file ? bpf_program__attach_iter(s->progs.dump_sockets_by_file, NULL) :
		   bpf_program__attach_iter(s->progs.dump_sockets, &iopts);
	if ((err = libbpf_get_error(ec->iter))) {
		ec->iter = NULL;
		np_err("cannot create the socket iterator: %s", strerror(-err));
		goto fail;
	}
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
	np_info("eBPF capture attached: cgroup %s, %s tier",
		o->cgroup_path ? o->cgroup_path : "v2 root", c->attach);
	return 0;
fail:
	ebpf_close(c);
	/* Nothing of eBPF's may be left for a fallback capture to call. */
	memset(c, 0, sizeof(*c));
	return err ? err : -EINVAL;
}
