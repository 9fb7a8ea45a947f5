/* SPDX-License-Identifier: GPL-2.0-only */
/* Snapshot, interval and live-table writers for the monitor. */
#ifndef NETOPROC_OUTPUT_H
#define NETOPROC_OUTPUT_H

#include <stdio.h>
#include "lib/degraded.h"
#include "monitor/model/view.h"

enum out_format { FMT_TSV, FMT_JSON, FMT_PRETTY };

struct run_info {
	const char *mode;	/* "ebpf" / "afpacket" */
	const char *attach;
	double time;		/* wall clock at the end of the period */
	double interval;	/* seconds covered */
	const struct np_model *model;
	const struct np_degraded *degraded;	/* parts the kernel refused */
	int ndegraded;
	double self_check_ms;	/* eBPF start-up self-check; < 0 skipped, 0 none */
};

struct json_writer;
/* "degraded": [{"part", "instead", "reason"}...] as a key of the object being written. */
void output_degraded_json(struct json_writer *jw, const struct np_degraded *d, int n);
/* "netns", "unit", "container_id", ... "pod_name" of @p, null where unknown. */
void output_identity_json(struct json_writer *jw, const struct np_proc *p);
/* The six traffic counters of a row (rx/tx bytes, packets, payload) as JSON keys. */
void output_traffic_json(struct json_writer *jw, const struct np_traffic *t);
/* One process as the JSON outputs write it, with its connections. */
void output_proc_json(struct json_writer *jw, const struct view *v, const struct np_proc *p);
/* "<short id> <name> (pod NS/POD)" for text outputs; "" when not in a container. */
void output_container_label(const struct np_proc *p, char *buf, size_t size);
/* -v at the end: every kernel counter on one line. */
void output_counters_text(FILE *out, const struct np_model *m);
/* "self_check_ms": its time, or null where it was skipped or not eBPF. */
void output_self_check_json(struct json_writer *jw, double ms);

void output_snapshot(FILE *out, enum out_format fmt, const struct view *v,
		     const struct run_info *ri, bool color);
/* One compact JSON object per line (--interval with --format json). */
void output_interval_json(FILE *out, const struct view *v, const struct run_info *ri);
/* Live text table (no --duration). */
void output_live_table(FILE *out, const struct view *v, const struct run_info *ri,
		       bool clear, bool color);

/* Formatting helpers, exposed for unit tests. */
void output_format_bytes(char *buf, size_t size, uint64_t bytes);	/* 1024-based */
void output_format_endpoint(char *buf, size_t size, const struct np_endpoint *e, bool wildcard_port);
const char *output_proto_name(uint8_t protocol, uint16_t family);
const char *output_tcp_state(uint8_t state);
uint64_t output_lost_total(const struct np_model *m);
/* What `lost` counts in this capture mode. */
const char *output_lost_what(const char *mode);

#endif
