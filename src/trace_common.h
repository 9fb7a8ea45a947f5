/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `netoproc drop` and `netoproc trace` share: the packet filter options
 * (--netns, --ifname, --mark, --pid, pcap expression), the common event
 * fields in text and JSON, and the lost-event accounting.
 */
#ifndef NETOPROC_TRACE_COMMON_H
#define NETOPROC_TRACE_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "json_writer.h"
#include "pkt_abi.h"

struct np_filter_opts {
	struct np_filter_cfg cfg;
	struct np_cbpf_insn *prog;	/* the pcap expression compiled, or NULL */
	uint32_t prog_len;
	char *expr;		/* the pcap expression, or NULL */
};

/* getopt values of the filter options; callers put NP_FILTER_LONG_OPTS in their table. */
enum {
	NP_OPT_NETNS = 1000, NP_OPT_IFNAME, NP_OPT_MARK, NP_OPT_PID,
};

#define NP_FILTER_LONG_OPTS \
	{ "netns", required_argument, NULL, NP_OPT_NETNS }, \
	{ "ifname", required_argument, NULL, NP_OPT_IFNAME }, \
	{ "mark", required_argument, NULL, NP_OPT_MARK }, \
	{ "pid", required_argument, NULL, NP_OPT_PID }

#define NP_FILTER_USAGE \
	"  --netns INODE|PATH     only this network namespace (inode, or a path such as\n" \
	"                         /var/run/netns/NAME or /proc/PID/ns/net; or a NAME there)\n" \
	"  --ifname NAME          only skbs whose device is NAME (in any namespace)\n" \
	"  --mark VALUE[/MASK]    only skbs with (mark & MASK) == VALUE\n" \
	"  --pid PID              only skbs handled in process context of PID\n" \
	"  EXPRESSION             pcap-filter(7) expression on the IP header onwards\n"

/* One filter option (opt, arg) into f: 0, or -EINVAL after a one-line error. */
int np_filter_opt(struct np_filter_opts *f, int opt, const char *arg);
/* The remaining arguments as the pcap expression: 0, or -EINVAL after a one-line error. */
int np_filter_expr(struct np_filter_opts *f, int argc, char **argv);
void np_filter_free(struct np_filter_opts *f);
struct bpf_object;
/*
 * Write the pcap filter (if any) into obj's programs chosen to load: 0, or
 * -errno after a one-line error naming what.
 */
int np_filter_apply(const struct np_filter_opts *f, struct bpf_object *obj, const char *what);

/* "tcp", "udp", "icmp", "icmp6", ..., "arp", or the ethertype in hex. */
const char *np_proto_name(const struct np_pkt *p, char *buf, size_t size);
/* Source or destination address as text; "" when there is no IP header. */
const char *np_addr(const struct np_pkt *p, bool src, char *buf, size_t size);
/* TCP flags as letters (FSRPAUEC), "" when none. */
const char *np_tcp_flags(uint8_t flags, char *buf, size_t size);

/* CLOCK_MONOTONIC ns of an event to wall-clock seconds. */
double np_event_time(uint64_t ts_ns);
/* "HH:MM:SS.uuuuuu" in local time. */
const char *np_time_str(double t, char *buf, size_t size);

/* The fields every event has, inside an object the caller opened. */
void np_meta_json(struct json_writer *jw, const struct np_skb_meta *m, const char *probe);
/* "time cpu netns dev proto src > dst len" of a text line, without newline. */
void np_meta_text(FILE *out, const struct np_skb_meta *m, const char *probe);
/* " comm:pid" when the event was in process context. */
void np_task_text(FILE *out, const struct np_skb_meta *m);

/* Lost events: report an increase since the last call on stderr. */
struct np_lost {
	uint64_t reported;
};
void np_lost_report(struct np_lost *l, uint64_t total, bool final);

struct bpf_object;
struct btf;
/* Parameters of tracepoint `name` in btf (the context pointer included), or -errno. */
int np_tp_nargs(const struct btf *btf, const char *name);
/* Load only the programs whose section starts with prefix ("tp_btf/", "raw_tp/"). */
void np_autoload_kind(struct bpf_object *obj, const char *prefix);

/*
 * Runs of obj's loaded programs the kernel skipped because the program was
 * already running on that CPU (a softirq interrupting it): lost events too.
 */
uint64_t np_prog_misses(struct bpf_object *obj);

/* Sum of a per-CPU u64 counter at index idx of map_fd. */
uint64_t np_percpu_sum(int map_fd, uint32_t idx);

#endif
