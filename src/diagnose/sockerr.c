// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/libbpf.h>
#include "bpf/sockerr_abi.h"
#include "diagnose/sockerr.h"
#include "diagnose/socktab.h"
#include "lib/bpf_util.h"
#include "lib/util.h"
#include "monitor/model/output.h"
#include "sockerr.skel.h"

struct sockerr_watch {
	struct sockerr_bpf *skel;
	struct ring_buffer *rb;
	sockerr_fn fn;
	void *ctx;
	int err;
};

static int on_sample(void *ctx, void *data, size_t size)
{
	struct sockerr_watch *w = ctx;
	const struct np_sockerr_event *e = data;
	struct np_endpoint src = { .port = 0 }, dst = { .port = 0 };
	char s[64], d[64], tuple[160], proc[48] = "", num[16];
	const char *name;
	struct sockerr_obs o;

	if (size < sizeof(*e) || w->err)
		return 0;
	memcpy(src.addr, e->saddr, 16);
	memcpy(dst.addr, e->daddr, 16);
	src.port = e->sport;
	dst.port = e->dport;
	output_format_endpoint(s, sizeof(s), &src, true);
	output_format_endpoint(d, sizeof(d), &dst, true);
	o.proto = e->protocol == IPPROTO_UDP ? "udp" : e->protocol == IPPROTO_TCP ? "tcp" :
		  e->protocol == IPPROTO_ICMP ? "icmp" : "raw";
	snprintf(tuple, sizeof(tuple), "%s %s > %s", o.proto, s, d);
	/* Now, while the process most likely still holds it. */
	if (e->inode)
		socktab_owner(e->inode, proc, sizeof(proc));
	name = e->err > 0 ? strerrorname_np(e->err) : NULL;
	if (!name) {
		snprintf(num, sizeof(num), "%d", e->err);
		name = num;
	}
	o.errname = name;
	o.tuple = tuple;
	o.process = proc;
	o.netns = e->netns;
	w->err = w->fn(w->ctx, &o);
	return 0;
}

struct sockerr_watch *sockerr_open(const struct np_filter_cfg *cfg, sockerr_fn fn, void *ctx)
{
	struct sockerr_watch *w = calloc(1, sizeof(*w));
	int err;

	if (!w) {
		np_err("out of memory");
		return NULL;
	}
	w->fn = fn;
	w->ctx = ctx;
	w->skel = sockerr_bpf__open();
	if (!w->skel) {
		np_err("diagnose: cannot open the socket-error BPF object: %s", strerror(errno));
		free(w);
		return NULL;
	}
	w->skel->rodata->np_cfg = *cfg;
	err = sockerr_bpf__load(w->skel);
	if (!err)
		err = sockerr_bpf__attach(w->skel);
	if (!err) {
		w->rb = ring_buffer__new(bpf_map__fd(w->skel->maps.sockerr_events), on_sample, w,
					 NULL);
		if (!w->rb)
			err = -errno;
	}
	if (err) {
		np_err("diagnose: cannot attach to sock:inet_sk_error_report: %s", strerror(-err));
		sockerr_close(w);
		return NULL;
	}
	return w;
}

int sockerr_poll(struct sockerr_watch *w)
{
	int n = ring_buffer__consume(w->rb);

	if (n < 0 && n != -EINTR)
		return n;
	return w->err;
}

uint64_t sockerr_lost(struct sockerr_watch *w)
{
	return np_percpu_sum(bpf_map__fd(w->skel->maps.sockerr_stats), NP_SOCKERR_STAT_LOST);
}

void sockerr_close(struct sockerr_watch *w)
{
	if (!w)
		return;
	ring_buffer__free(w->rb);
	sockerr_bpf__destroy(w->skel);
	free(w);
}
