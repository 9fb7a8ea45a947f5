/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --drops: every packet drop (netoproc drop's programs, unfiltered) counted by
 * reason and by the kernel function that freed it, for netoproc_drops_total.
 */
#ifndef NETOPROC_EXPORT_DROPS_H
#define NETOPROC_EXPORT_DROPS_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/htab.h"
#include "lib/kallsyms.h"
#include "pktpath/drop_reason.h"

#define EX_DROP_REASON_LEN	64
#define EX_DROP_LOCATION_LEN	128

struct ex_drop_key {
	char reason[EX_DROP_REASON_LEN];	/* "" on kernels without drop reasons */
	char location[EX_DROP_LOCATION_LEN];	/* function name, without the offset */
};

struct ex_drop_count {
	struct ex_drop_key key;
	uint64_t n;
};

struct ex_drops {
	struct drop_bpf *skel;
	struct ring_buffer *rb;
	struct drop_reasons reasons;
	bool have_reasons;
	struct kallsyms ksyms;
	bool have_ksyms;
	struct htab counts;	/* struct ex_drop_key -> struct ex_drop_count */
	size_t max_series;
	uint64_t dropped;	/* new series refused: counted under reason="other" */
};

/* Load and attach; 0 or -errno with the error printed. */
int ex_drops_open(struct ex_drops *d, size_t max_series);
/* The ring buffer's descriptor, to poll with the others. */
int ex_drops_fd(const struct ex_drops *d);
/* Count what the ring holds; never waits. */
void ex_drops_consume(struct ex_drops *d);
/* Drops the kernel could not hand over (ring full, program nested). */
uint64_t ex_drops_lost(const struct ex_drops *d);
void ex_drops_close(struct ex_drops *d);

#endif
