/* SPDX-License-Identifier: GPL-2.0-only */
/* The default command: per-process traffic monitor. */
#ifndef NETOPROC_MONITOR_H
#define NETOPROC_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include "capture.h"

enum out_format { FMT_TSV, FMT_JSON, FMT_PRETTY };
enum sort_key { SORT_TRAFFIC, SORT_PID, SORT_NAME, SORT_CONNECTIONS };

#define MAX_PIDS 64

struct monitor_opts {
	double duration;	/* 0: live mode */
	double interval;	/* 0: one snapshot at the end */
	enum out_format format;
	struct capture_opts cap;
	uint32_t pids[MAX_PIDS];
	int npids;
	const char *filter;
	enum sort_key sort;
	bool no_dns;
	bool color;
};

int parse_monitor_opts(int argc, char **argv, struct monitor_opts *o);
int cmd_monitor(int argc, char **argv);

#endif
