/* SPDX-License-Identifier: GPL-2.0-only */
/* The default command: per-process traffic monitor. */
#ifndef NETOPROC_MONITOR_H
#define NETOPROC_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include "monitor/capture/capture.h"
#include "monitor/model/output.h"
#include "monitor/model/view.h"

struct monitor_opts {
	double duration;	/* 0: live mode */
	double interval;	/* 0: one snapshot at the end */
	enum out_format format;
	struct capture_opts cap;
	struct view_opts view;	/* --pid, --filter, --sort */
	bool no_dns;
	struct payload_sink dns;	/* --dns-port; where DNS messages and ClientHellos go */
	double dns_timeout;		/* --dns-timeout */
	bool resolve;			/* --resolve: reverse lookups */
	bool color;
	bool bits;	/* --units bits: live-view rates in bits/s */
};

/*
 * --cgroup: a path under the cgroup2 mount, absolute or relative to it, into
 * @out as an absolute path. 0 or -ENOENT with the error printed.
 */
int monitor_resolve_cgroup(const char *arg, char *out, size_t size);
int parse_monitor_opts(int argc, char **argv, struct monitor_opts *o);
int cmd_monitor(int argc, char **argv);

#endif
