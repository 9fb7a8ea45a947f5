/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A stage's histogram in userspace: the per-CPU shares the kernel keeps
 * (bpf/latency_abi.h) summed, added up over intervals, and percentiles read
 * from its log2 slots.
 */
#ifndef NETOPROC_LATENCY_HIST_H
#define NETOPROC_LATENCY_HIST_H

#include <stdint.h>
#include <linux/types.h>
#include "bpf/latency_abi.h"

struct lat_hist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t min_ns;	/* meaningful with count > 0 */
	uint64_t max_ns;
	uint64_t slots[NP_LAT_SLOTS];
};

/* Add @b (count 0 allowed) to @a. */
void lat_hist_add(struct lat_hist *a, const struct lat_hist *b);
/* Add one CPU's share. */
void lat_hist_add_cpu(struct lat_hist *a, const struct np_lat_hist *cpu);
/* Record one sample (tests, and to build histograms by hand). */
void lat_hist_sample(struct lat_hist *h, uint64_t ns);
/* Bounds of slot @i in microseconds: [lo, hi); the last slot's hi is infinite. */
double lat_slot_lo_us(int i);
double lat_slot_hi_us(int i);
/* Slot of a duration, as the kernel computes it. */
int lat_slot_of(uint64_t ns);
/*
 * The @q quantile (0 < q <= 1) in microseconds: the slot holding rank
 * q * count, then linear interpolation inside it between its bounds, each
 * clamped to the smallest and largest sample seen. 0 with no samples.
 */
double lat_percentile_us(const struct lat_hist *h, double q);

#endif
