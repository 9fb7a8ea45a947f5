/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How `netoproc latency` shows its histograms: a table per interval and at
 * exit, or one JSON object per line per stage and group.
 */
#ifndef NETOPROC_LATENCY_REPORT_H
#define NETOPROC_LATENCY_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "latency/latency_hist.h"

/* One stage of one group (all, a process, a device). */
struct lat_row {
	uint32_t stage;		/* enum np_lat_stage */
	uint32_t by;		/* enum np_lat_by */
	uint64_t group;		/* tgid, or netns << 32 | ifindex; 0: none / not in a process */
	char name[NP_COMM_LEN];	/* process or device name */
	struct lat_hist h;
};

/*
 * The rows (sorted here: by stage, then count, largest first) as a table or
 * JSON lines. @total: the whole run (else one interval); @time: UNIX time at
 * its end.
 */
void lat_report(FILE *out, bool json, struct lat_row *rows, size_t n, bool total, double time);

/*
 * --threshold: one slow packet as a line (text: time, direction, tuple,
 * process, device, total, then each stage it passed), or a JSON object with
 * "scope": "slow".
 */
void lat_report_slow(FILE *out, bool json, const struct np_lat_slow *s);

#endif
