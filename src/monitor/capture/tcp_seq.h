/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which TCP payload bytes of one direction of a flow were already counted,
 * from the sequence numbers of the segments a capture sees: retransmissions
 * are wire bytes, not new payload.
 */
#ifndef NETOPROC_TCP_SEQ_H
#define NETOPROC_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_SEQ_HOLES	4

struct tcp_seq_hole {
	uint32_t lo, hi;	/* [lo, hi) not seen yet; empty when lo == hi */
};

/* Zeroed: nothing seen yet. */
struct tcp_seq {
	uint32_t next;		/* one past the highest byte seen */
	bool init;
	uint8_t oldest;		/* the hole a new one replaces */
	struct tcp_seq_hole holes[TCP_SEQ_HOLES];
};

/* How many of the @len payload bytes at @seq were not counted before. */
uint32_t tcp_seq_fresh(struct tcp_seq *t, uint32_t seq, uint32_t len);

#endif
