// SPDX-License-Identifier: GPL-2.0-only
/*
 * --drops (see drops.h). The location is the freeing function without its
 * offset: a handful of call sites per function would multiply series without
 * telling an operator more; `netoproc drop` shows the exact address.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf/drop_abi.h"
#include "export/drops.h"
#include "filter/filter_opts.h"
#include "lib/bpf_util.h"
#include "lib/util.h"
#include "pktpath/drop.h"
#include "drop.skel.h"

static void count(struct ex_drops *d, const struct np_drop_event *e)
{
	struct ex_drop_key k;
	struct ex_drop_count *c;
	char buf[EX_DROP_LOCATION_LEN], *plus;

	memset(&k, 0, sizeof(k));
	if (d->have_reasons)
		snprintf(k.reason, sizeof(k.reason), "%s",
			 drop_reason_name(&d->reasons, e->reason, buf, sizeof(buf)));
	if (d->have_ksyms)
		kallsyms_format(&d->ksyms, e->location, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)e->location);
	if ((plus = strchr(buf, '+')))
		*plus = '\0';
	snprintf(k.location, sizeof(k.location), "%s", buf);
	c = htab_get(&d->counts, &k);
	if (!c && d->counts.count >= d->max_series) {
		d->dropped++;
		memset(&k, 0, sizeof(k));
		strcpy(k.reason, "other");
		strcpy(k.location, "other");
		c = htab_get(&d->counts, &k);
	}
	if (!c) {
		if (!(c = calloc(1, sizeof(*c))))
			return;
		c->key = k;
		if (htab_put(&d->counts, &c->key, c)) {
			free(c);
			return;
		}
	}
	c->n++;
}

static int on_event(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct np_drop_event))
		count(ctx, data);
	return 0;
}

int ex_drops_open(struct ex_drops *d, size_t max_series)
{
	struct filter_opts none = {};
	struct btf *vmlinux;
	const char *how = NULL;
	int nargs, err;

	memset(d, 0, sizeof(*d));
	d->max_series = max_series;
	if (htab_init(&d->counts, sizeof(struct ex_drop_key)))
		return -ENOMEM;
	vmlinux = btf__load_vmlinux_btf();
	nargs = np_tp_nargs(vmlinux, "kfree_skb");
	if (vmlinux) {
		d->have_reasons = drop_reasons_load(&d->reasons, vmlinux) == 0;
		btf__free(vmlinux);
	}
	if (!d->have_reasons)
		np_info("--drops: no drop reasons in this kernel: reason=\"\"");
	d->have_ksyms = kallsyms_load(&d->ksyms, NULL) == 0;
	if (!d->have_ksyms)
		np_info("--drops: /proc/kallsyms unusable: locations as addresses");
	if ((err = drop_load_attach(&none, nargs, &d->skel, &how)))
		goto fail;
	d->rb = ring_buffer__new(bpf_map__fd(d->skel->maps.events), on_event, d, NULL);
	if (!d->rb) {
		err = -errno;
		np_err("--drops: cannot open the ring buffer: %s", strerror(-err));
		goto fail;
	}
	np_info("--drops: attached to %s", how);
	return 0;
fail:
	ex_drops_close(d);
	return err;
}

int ex_drops_fd(const struct ex_drops *d)
{
	return ring_buffer__epoll_fd(d->rb);
}

void ex_drops_consume(struct ex_drops *d)
{
	ring_buffer__consume(d->rb);
}

uint64_t ex_drops_lost(const struct ex_drops *d)
{
	return np_percpu_sum(bpf_map__fd(d->skel->maps.stats), NP_DROP_STAT_LOST) +
	       np_prog_misses(d->skel->obj);
}

void ex_drops_close(struct ex_drops *d)
{
	ring_buffer__free(d->rb);
	d->rb = NULL;
	drop_bpf__destroy(d->skel);
	d->skel = NULL;
	if (d->have_reasons)
		drop_reasons_free(&d->reasons);
	if (d->have_ksyms)
		kallsyms_free(&d->ksyms);
	d->have_reasons = d->have_ksyms = false;
	htab_free_all(&d->counts);
}
