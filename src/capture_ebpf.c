// SPDX-License-Identifier: GPL-2.0-only
/*
 * eBPF capture: loads src/bpf/monitor.bpf.c, attaches its cgroup programs to
 * the watched cgroup and its tracepoints globally, and turns the socket dump
 * iterator, the close ring buffer and the unknown map into model updates.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "capture.h"
#include "caps.h"
#include "cgroup.h"
#include "util.h"
#include "monitor.skel.h"

struct ebpf_capture {
	struct monitor_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[8];
	int nlinks;
	struct bpf_link *iter;
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
	m->lost_records = m->stat[NP_STAT_RINGBUF_LOST];
	free(vals);
}

static int ebpf_wait(struct capture *c, struct np_model *m, int timeout_ms)
{
	struct ebpf_capture *ec = c->priv;
	int n;

	ec->model = m;
	n = ring_buffer__poll(ec->rb, timeout_ms);
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
	ring_buffer__consume(ec->rb);
	model_end_dump(m);
	if ((err = read_unknown(ec, m)))
		return err;
	read_stats(ec, m);
	return 0;
}

static void ebpf_close(struct capture *c)
{
	struct ebpf_capture *ec = c->priv;

	if (!ec)
		return;
	ring_buffer__free(ec->rb);
	bpf_link__destroy(ec->iter);
	for (int i = ec->nlinks - 1; i >= 0; i--)
		bpf_link__destroy(ec->links[i]);
	monitor_bpf__destroy(ec->skel);
	if (ec->cgroup_fd >= 0)
		close(ec->cgroup_fd);
	free(ec);
	c->priv = NULL;
}

static int open_cgroup(const struct capture_opts *o, int *fd_out)
{
	char root[256];
	const char *path = o->cgroup_path;
	int fd;

	if (!path) {
		if (cgroup2_mount(root, sizeof(root))) {
			np_err("no cgroup v2 hierarchy is mounted");
			return -ENOENT;
		}
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

int ebpf_capture_open(struct capture *c, const struct capture_opts *o)
{
	struct ebpf_capture *ec = calloc(1, sizeof(*ec));
	struct monitor_bpf *s;
	union bpf_iter_link_info linfo = {};
	DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, iopts);
	int err;

	if (!ec)
		return -ENOMEM;
	ec->cgroup_fd = -1;
	c->priv = ec;
	c->mode = "ebpf";
	c->attach = "tracepoint";
	c->wait = ebpf_wait;
	c->collect = ebpf_collect;
	c->close = ebpf_close;
	ec->cpus = libbpf_num_possible_cpus();
	libbpf_set_print(libbpf_print);

	if ((err = open_cgroup(o, &ec->cgroup_fd)))
		goto fail;
	s = ec->skel = monitor_bpf__open();
	if (!s) {
		err = -errno;
		np_err("cannot open BPF object: %s", strerror(errno));
		goto fail;
	}
	s->rodata->watch_all = o->cgroup_path == NULL;
	if (o->interface)
		s->rodata->only_ifindex = if_nametoindex(o->interface);
	if ((err = monitor_bpf__load(s))) {
		np_err("cannot load BPF programs: %s%s", strerror(-err),
		       np_verbose ? "" : " (-v shows the verifier log)");
		goto fail;
	}
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
	    (err = add_link(ec, bpf_program__attach(s->progs.on_send), "tp_btf/sock_send_length")) ||
	    (err = add_link(ec, bpf_program__attach(s->progs.on_recv), "tp_btf/sock_recv_length")) ||
	    (err = add_link(ec, bpf_program__attach(s->progs.on_set_state),
			    "tp_btf/inet_sock_set_state")))
		goto fail;

	linfo.map.map_fd = bpf_map__fd(s->maps.accts);
	iopts.link_info = &linfo;
	iopts.link_info_len = sizeof(linfo);
	ec->iter = bpf_program__attach_iter(s->progs.dump_sockets, &iopts);
	if ((err = libbpf_get_error(ec->iter))) {
		ec->iter = NULL;
		np_err("cannot create the socket iterator: %s", strerror(-err));
		goto fail;
	}
	ec->rb = ring_buffer__new(bpf_map__fd(s->maps.closed), on_closed, ec, NULL);
	if (!ec->rb) {
		err = -errno;
		np_err("cannot open the ring buffer: %s", strerror(errno));
		goto fail;
	}
	np_info("eBPF capture attached: cgroup %s, tracepoint tier (sock_send_length, "
		"sock_recv_length, inet_sock_set_state)", o->cgroup_path ? o->cgroup_path : "v2 root");
	return 0;
fail:
	ebpf_close(c);
	return err ? err : -EINVAL;
}
