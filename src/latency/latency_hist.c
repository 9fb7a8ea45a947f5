// SPDX-License-Identifier: GPL-2.0-only
/* Histograms of stage times: sums, slots and percentiles (latency_hist.h). */
#include <math.h>
#include "latency/latency_hist.h"

void lat_hist_add(struct lat_hist *a, const struct lat_hist *b)
{
	if (!b->count)
		return;
	if (!a->count || b->min_ns < a->min_ns)
		a->min_ns = b->min_ns;
	if (b->max_ns > a->max_ns)
		a->max_ns = b->max_ns;
	a->count += b->count;
	a->sum_ns += b->sum_ns;
	for (int i = 0; i < NP_LAT_SLOTS; i++)
		a->slots[i] += b->slots[i];
}

void lat_hist_add_cpu(struct lat_hist *a, const struct np_lat_hist *cpu)
{
	struct lat_hist h = {
		.count = cpu->count, .sum_ns = cpu->sum_ns, .min_ns = cpu->min_ns,
		.max_ns = cpu->max_ns,
	};

	for (int i = 0; i < NP_LAT_SLOTS; i++)
		h.slots[i] = cpu->slots[i];
	lat_hist_add(a, &h);
}

int lat_slot_of(uint64_t ns)
{
	uint64_t us = ns / 1000;
	int s = 0;

	while (us) {
		us >>= 1;
		s++;
	}
	return s < NP_LAT_SLOTS ? s : NP_LAT_SLOTS - 1;
}

void lat_hist_sample(struct lat_hist *h, uint64_t ns)
{
	struct lat_hist one = { .count = 1, .sum_ns = ns, .min_ns = ns, .max_ns = ns };

	one.slots[lat_slot_of(ns)] = 1;
	lat_hist_add(h, &one);
}

double lat_slot_lo_us(int i)
{
	return i <= 0 ? 0 : ldexp(1, i - 1);
}

double lat_slot_hi_us(int i)
{
	return i >= NP_LAT_SLOTS - 1 ? INFINITY : ldexp(1, i);
}

double lat_percentile_us(const struct lat_hist *h, double q)
{
	double rank, before = 0, min_us, max_us;

	if (!h->count)
		return 0;
	rank = q * (double)h->count;
	min_us = h->min_ns / 1e3;
	max_us = h->max_ns / 1e3;
	for (int i = 0; i < NP_LAT_SLOTS; i++) {
		double lo, hi, n = (double)h->slots[i];

		if (!n || before + n < rank) {
			before += n;
			continue;
		}
		lo = fmax(lat_slot_lo_us(i), min_us);
		hi = fmin(lat_slot_hi_us(i), max_us);
		if (hi < lo)
			hi = lo;
		return lo + (hi - lo) * (rank - before) / n;
	}
	return max_us;
}
