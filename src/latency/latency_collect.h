/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The latency programs loaded, attached and read (latency_collect.c): shared
 * by `netoproc latency` (latency.c) and `netoproc export --latency`.
 */
#ifndef NETOPROC_LATENCY_COLLECT_H
#define NETOPROC_LATENCY_COLLECT_H

#include <stdbool.h>
#include <stdint.h>
#include "latency/latency_conn.h"
#include "latency/latency_report.h"

#define MAX_ROWS 4096		/* groups per interval and for the run */
#define LAT_MAX_CONNS 65536	/* connections kept */

struct filter_opts;
struct latency_bpf;
struct bpf_link;
struct ring_buffer;

struct lat_config {
	const struct filter_opts *f;	/* the filter (all zero: none) */
	uint32_t by;			/* enum np_lat_by */
	uint64_t max_inflight;		/* skbs timed at once */
	unsigned int modes;		/* LAT_MODE_STAGES and/or LAT_MODE_CONNS */
	uint64_t slow_ns;		/* --threshold (0: none): packets at least this slow */
	bool send_calls;		/* --send-calls: tx_stack and tx_total (syscall tracepoints) */
	/* each slow packet, as lat_poll takes it from the kernel */
	void (*on_slow)(void *ctx, const struct np_lat_slow *s);
	void *slow_ctx;
};

struct lat_collector {
	struct lat_config cfg;
	struct latency_bpf *skel;
	struct bpf_link *links[64];
	int nlinks;
	unsigned int have;	/* points attached (bits of enum lat_point) */
	bool tier_btf;		/* tp_btf (else raw_tp) */
	uint32_t left;		/* the histogram half the programs left at the last flip */
	bool flipped;		/* a flip not read yet */
	struct lat_row *iv, *total;	/* the last interval's rows, the run's */
	size_t niv, ntotal;
	uint64_t rows_full;	/* groups not shown: more than MAX_ROWS */
	struct conn_table conns;	/* LAT_MODE_CONNS */
	struct ring_buffer *closed_rb;	/* closed connections */
	struct ring_buffer *slow_rb;	/* --threshold: slow packets */
	int ncpu;
};

/* Tables for @cfg: 0 or -ENOMEM after a one-line error. */
int lat_collector_init(struct lat_collector *t, const struct lat_config *cfg);
/* Load and attach, saying what is missing: 0 or -errno after a one-line error. */
int lat_open(struct lat_collector *t, const struct lat_config *cfg);
/* The programs to the other histogram half; read the one they left a little later. */
void lat_flip(struct lat_collector *t);
/* The half left at the last flip into iv (and the totals); the connections. */
int lat_read(struct lat_collector *t);
/* Take the closed connections and slow packets the kernel handed over (often: its rings are bounded). */
void lat_poll(struct lat_collector *t);
/* The closing counters: with np_err when something was lost, else with -v. */
void lat_say_counters(const struct lat_collector *t);
int lat_filter_short_fd(const struct lat_collector *t);
void lat_close(struct lat_collector *t);

#endif
