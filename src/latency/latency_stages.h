/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The stages `netoproc latency` times and the tracepoints each needs: a
 * stage whose points the running kernel lacks is reported missing, never
 * estimated from other points.
 */
#ifndef NETOPROC_LATENCY_STAGES_H
#define NETOPROC_LATENCY_STAGES_H

#include <stdbool.h>
#include <linux/types.h>
#include "bpf/latency_abi.h"

/* Tracepoints the stages are timed between (bit i: lat_points[i]). */
enum lat_point {
	LP_NET_DEV_QUEUE, LP_QDISC_ENQUEUE, LP_QDISC_DEQUEUE, LP_NET_DEV_START_XMIT,
	LP_NET_DEV_XMIT, LP_NETIF_RECEIVE_SKB, LP_SK_DATA_READY, LP_SKB_COPY_DATAGRAM_IOVEC,
	LP_CONSUME_SKB, LP_KFREE_SKB, LP_SEND_CALLS,
	/* --connections */
	LP_INET_SOCK_SET_STATE, LP_TCP_RETRANSMIT_SKB, LP_TCP_PROBE, LP_SOCK_SEND_LENGTH,
	LP_SOCK_RECV_LENGTH, LP_MAX,
};

#define LAT_MODE_STAGES	1u
#define LAT_MODE_CONNS	2u

struct lat_point_info {
	const char *name;	/* as in SEC("tp_btf/NAME"); LP_SEND_CALLS: "send calls" */
	const char *category;	/* tracefs category */
	int nargs;		/* BTF arguments (context included) the program reads */
	unsigned int modes;	/* LAT_MODE_STAGES, LAT_MODE_CONNS: where it is used */
};

struct lat_stage_info {
	const char *name;
	unsigned int needs;	/* bits of enum lat_point */
	const char *what;	/* one line: from where to where */
};

extern const struct lat_point_info lat_points[LP_MAX];
extern const struct lat_stage_info lat_stages[NP_LS_MAX];

/* The first point of @stage missing from @have (a bit set), or -1. */
int lat_stage_missing(int stage, unsigned int have);
/* The stage named @name, or -1. */
int lat_stage_by_name(const char *name);

#endif
