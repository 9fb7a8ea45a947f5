/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interactive terminal UI of the monitor (no --duration, on a terminal):
 * Processes, Connections, Interfaces and DNS tabs over the same model the
 * snapshot writers read. The monitor hands it the capture through a feed.
 */
#ifndef NETOPROC_TUI_H
#define NETOPROC_TUI_H

#include <stdbool.h>
#include "monitor/capture/capture.h"
#include "monitor/model/view.h"
#include "tui/tui_format.h"

/* How the TUI brings the model up to date; the monitor's own loop does the same. */
struct dns_view;

struct tui_feed {
	struct capture *cap;
	struct np_model *model;
	/* Everything the kernel counted so far into the model (and /proc facts): 0 or -errno. */
	int (*collect)(struct tui_feed *f);
	/* Drain asynchronous records for up to @timeout_ms: 0 or -errno. */
	int (*wait)(struct tui_feed *f, int timeout_ms);
	void *ctx;
};

struct tui_opts {
	double interval;		/* refresh, seconds */
	bool color;			/* --no-color / NO_COLOR clear it */
	enum tui_units units;		/* --units */
	const struct view_opts *view;	/* --pid, --filter, --sort, --group, identity filters */
	const char *fallback;		/* why eBPF was not used, or NULL */
	const struct dns_view *dns;	/* the DNS tab's figures; NULL without DNS capture */
	double prune_idle;		/* seconds before an idle process leaves the model */
};

/*
 * Run until q, Ctrl-C or SIGTERM. Returns an exit code (NP_EXIT_*), or -1 when
 * the terminal cannot be driven (unknown TERM): the caller prints tables instead.
 */
int tui_run(struct tui_feed *f, const struct tui_opts *o);

#endif
