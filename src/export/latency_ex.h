/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --latency: the latency programs (latency/latency_collect.c, every stage and
 * the TCP connections, unfiltered) read each --interval, for the stage
 * histograms and the connection counters of the exposition. Closed
 * connections are folded into running sums, so every counter only grows.
 */
#ifndef NETOPROC_EXPORT_LATENCY_EX_H
#define NETOPROC_EXPORT_LATENCY_EX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "filter/filter_opts.h"
#include "latency/latency_collect.h"
#include "latency/latency_hist.h"

#define EX_CONNECT_RESULTS 16	/* "established" and failure reasons kept apart */

struct ex_latency {
	struct filter_opts none;	/* no filter */
	struct lat_collector col;
	struct lat_hist connect;	/* connect times, each connection once */
	const char *result[EX_CONNECT_RESULTS];	/* "established", "ECONNREFUSED"... */
	uint64_t results[EX_CONNECT_RESULTS];
	uint64_t results_other;		/* more reasons than EX_CONNECT_RESULTS */
	/* Counters of closed connections, folded. */
	uint64_t retransmits, rtos, out_of_order, zero_window;
};

/* Load and attach: 0 or -errno after a one-line error. */
int ex_latency_open(struct ex_latency *l, bool send_calls);
/* Every --interval: read what the programs left, fold closed connections, flip. */
int ex_latency_tick(struct ex_latency *l);
/* The families: netoproc_latency_seconds, netoproc_tcp_*. */
void ex_latency_render(FILE *f, bool om, const struct ex_latency *l,
		       void (*family)(FILE *, bool, const char *, const char *, const char *));
/* Samples and connections not taken: tables full, nested runs. */
uint64_t ex_latency_lost(const struct ex_latency *l);
void ex_latency_close(struct ex_latency *l);

#endif
