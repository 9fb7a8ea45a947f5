/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Errors the kernel reported to sockets (an ICMP error reaching a connected
 * UDP socket or a connecting TCP one, a reset, a timeout), each with the
 * process holding the socket: the program of sockerr.bpf.c, its events
 * decoded, the owner found from the socket's inode in /proc.
 */
#ifndef NETOPROC_SOCKERR_H
#define NETOPROC_SOCKERR_H

#include <stdint.h>
#include <linux/types.h>
#include "bpf/pkt_abi.h"

/* One error report, decoded. Strings are never NULL ("" when unknown). */
struct sockerr_obs {
	const char *errname;	/* "ECONNREFUSED" */
	const char *proto;	/* "udp", "tcp" */
	const char *tuple;	/* "udp 10.0.0.1:40000 > 10.0.0.2:53" */
	const char *process;	/* "comm:pid" holding the socket */
	uint32_t netns;
};

struct sockerr_watch;
typedef int (*sockerr_fn)(void *ctx, const struct sockerr_obs *o);

/* Load and attach (only @cfg's --netns applies): NULL after a one-line error. */
struct sockerr_watch *sockerr_open(const struct np_filter_cfg *cfg, sockerr_fn fn, void *ctx);
/* The reports waiting, each to fn: 0, or the first error fn returned. */
int sockerr_poll(struct sockerr_watch *w);
/* Reports the ring buffer had no room for. */
uint64_t sockerr_lost(struct sockerr_watch *w);
void sockerr_close(struct sockerr_watch *w);

#endif
