/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packet filter options of `netoproc trace` and `netoproc drop`
 * (--netns, --ifname, --mark, --pid, a pcap expression): parsed into the
 * filter config the BPF programs compare, and the expression written into
 * their reserved region before load.
 */
#ifndef NETOPROC_FILTER_OPTS_H
#define NETOPROC_FILTER_OPTS_H

#include <stdint.h>
#include <linux/types.h>
#include "bpf/pkt_abi.h"

struct filter_opts {
	struct np_filter_cfg cfg;
	struct np_cbpf_insn *prog;	/* the pcap expression compiled, or NULL */
	uint32_t prog_len;
	char *expr;		/* the pcap expression, or NULL */
};

/* getopt values of the filter options; callers put FILTER_LONG_OPTS in their table. */
enum {
	FILTER_OPT_NETNS = 1000, FILTER_OPT_IFNAME, FILTER_OPT_MARK, FILTER_OPT_PID,
};

#define FILTER_LONG_OPTS \
	{ "netns", required_argument, NULL, FILTER_OPT_NETNS }, \
	{ "ifname", required_argument, NULL, FILTER_OPT_IFNAME }, \
	{ "mark", required_argument, NULL, FILTER_OPT_MARK }, \
	{ "pid", required_argument, NULL, FILTER_OPT_PID }

#define FILTER_USAGE \
	"  --netns INODE|PATH     only this network namespace (inode, or a path such as\n" \
	"                         /var/run/netns/NAME or /proc/PID/ns/net; or a NAME there)\n" \
	"  --ifname NAME          only skbs whose device is NAME (in any namespace)\n" \
	"  --mark VALUE[/MASK]    only skbs with (mark & MASK) == VALUE\n" \
	"  --pid PID              only skbs handled in process context of PID\n" \
	"  EXPRESSION             pcap-filter(7) expression on the IP header onwards\n"

/* One filter option (opt, arg) into f: 0, or -EINVAL after a one-line error. */
int filter_opt(struct filter_opts *f, int opt, const char *arg);
/* The remaining arguments as the pcap expression: 0, or -EINVAL after a one-line error. */
int filter_expr(struct filter_opts *f, int argc, char **argv);
void filter_free(struct filter_opts *f);
struct bpf_object;
/*
 * Write the pcap filter (if any) into obj's programs chosen to load: 0, or
 * -errno after a one-line error naming what.
 */
int filter_apply(const struct filter_opts *f, struct bpf_object *obj, const char *what);

#endif
