/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `netoproc latency --connections`: the kernel's table of TCP connections
 * (bpf/latency_conn.bpf.h) read each interval into a table of our own (closed
 * connections are taken out of the kernel's), and shown per connection, per
 * process and per remote address.
 */
#ifndef NETOPROC_LATENCY_CONN_H
#define NETOPROC_LATENCY_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "bpf/latency_abi.h"

struct conn_row {
	uint64_t sk;
	struct np_lat_conn c;
	bool touched;		/* open, or seen to close, in the current interval */
	bool counted;		/* its connect already counted (the exporter) */
};

struct conn_table {
	struct conn_row *rows;
	size_t n, cap;
	uint64_t dropped;	/* connections not kept: the table was full */
};

int conn_table_init(struct conn_table *t, size_t cap);
void conn_table_free(struct conn_table *t);
/* One connection as the kernel has it now (a new one when sk and open_ns are new). */
void conn_table_update(struct conn_table *t, uint64_t sk, const struct np_lat_conn *c);
/* Read the kernel's table @map_fd into @t; delete closed connections from it. */
int conn_harvest(struct conn_table *t, int map_fd);
/* The connections touched this interval (or all, @total), then per process and per remote. */
void conn_report(FILE *out, bool json, struct conn_table *t, bool total, double time);
/* Hand each closed connection to @fn, then forget it (the exporter folds them). */
void conn_table_take_closed(struct conn_table *t, void (*fn)(void *ctx, struct conn_row *r),
			    void *ctx);
/* A failed connect's reason: the errno's name, or "closed" (by the application). */
const char *conn_fail_name(int err);
/* Start a new interval: nothing touched yet. */
void conn_next_interval(struct conn_table *t);

#endif
