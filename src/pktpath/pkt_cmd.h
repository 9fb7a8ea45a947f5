/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The skeleton both ring-buffer commands (`netoproc trace`, `netoproc drop`)
 * are built on: the options they share and their parsing, the privilege
 * check and exit codes, and the loop that drains the ring buffer, reports
 * lost events each second and stops on a signal, --duration or --count.
 */
#ifndef NETOPROC_PKT_CMD_H
#define NETOPROC_PKT_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "filter/filter_opts.h"
#include "pktpath/pkt_format.h"

/* What every ring-buffer command takes. */
struct pkt_opts {
	struct filter_opts f;	/* --netns, --ifname, --mark, --pid, EXPRESSION */
	bool json;		/* --format json */
	double duration;	/* --duration; 0: until interrupted */
	uint64_t count;		/* --count; 0: no limit */
	const char *container;	/* --container: events of that container (id or name prefix) */
};

/* getopt values of the shared options (the command's own start at 256). */
enum { PKT_OPT_FORMAT = 2000, PKT_OPT_DURATION, PKT_OPT_COUNT, PKT_OPT_CONTAINER };

#define PKT_LONG_OPTS \
	{ "format", required_argument, NULL, PKT_OPT_FORMAT }, \
	{ "duration", required_argument, NULL, PKT_OPT_DURATION }, \
	{ "count", required_argument, NULL, PKT_OPT_COUNT }, \
	{ "container", required_argument, NULL, PKT_OPT_CONTAINER }, \
	FILTER_LONG_OPTS, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }

struct pkt_cmd {
	const char *name;		/* "trace", "drop": in messages */
	const struct option *long_opts;	/* PKT_LONG_OPTS and the command's own, { 0 }-ended */
	void (*usage)(FILE *out);
	/* One of the command's own options: 0, or -EINVAL after a one-line error. */
	int (*option)(void *opts, int opt, const char *arg);
	/* After every option: checks across options (may be NULL). */
	int (*check)(void *opts);
	/* Load, attach, run: 0 or -errno (after a one-line error). */
	int (*run)(void *opts);
	/*
	 * run() decides itself what it can do without the eBPF capabilities
	 * (`netoproc diagnose` runs its /proc rules); otherwise their absence is
	 * exit status 1 before run().
	 */
	bool runs_unprivileged;
};

/*
 * Parse @argv into @common (embedded in @opts) and the command's own options,
 * check privileges, run. Returns the exit status.
 */
int pkt_cmd_main(const struct pkt_cmd *cmd, struct pkt_opts *common, void *opts, int argc,
		 char **argv);

/* The options alone, nothing opened: 0, 1 (help printed) or -EINVAL after a one-line error. */
int pkt_cmd_parse_only(const struct pkt_cmd *cmd, struct pkt_opts *common, void *opts, int argc,
		       char **argv);

/* The ring-buffer loop of a loaded, attached command. */
struct pkt_loop {
	const char *name;
	struct ring_buffer *rb;
	double duration;
	bool *done;			/* set by the sample callback at --count */
	void *ctx;
	uint64_t (*lost)(void *ctx);	/* events lost so far (ring buffer full, probes nested) */
	void (*tick)(void *ctx, double now);	/* each turn, before stdout is flushed (or NULL) */
	/* Each turn after the lost-event report, with what it reported so far (or NULL). */
	void (*after_report)(void *ctx, double now, uint64_t lost);
	void (*drain)(void *ctx);	/* after the last events, before the final report (NULL) */
	int poll_ms;			/* the longest wait for events between turns (0: 100) */
	struct pkt_lost reported;
};

/* Ring buffer on @map_fd feeding @sample(@ctx): 0 or -errno after a one-line error. */
int pkt_loop_open(struct pkt_loop *l, int map_fd, int (*sample)(void *, void *, size_t),
		  void *ctx);
/* Until a signal, --duration or *done; then the events still queued and the lost total. */
int pkt_loop_run(struct pkt_loop *l);
void pkt_loop_close(struct pkt_loop *l);

#endif
