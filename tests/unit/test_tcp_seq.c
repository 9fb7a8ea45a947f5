// SPDX-License-Identifier: GPL-2.0-only
/* src/monitor/capture/tcp_seq.c: payload counted once, whatever order segments come in. */
#include "harness.h"
#include "monitor/capture/tcp_seq.h"

#define MSS 1000u

/* Feed segment numbers @order (each MSS bytes from @isn); return the payload counted. */
static uint64_t feed(uint32_t isn, const int *order, int n)
{
	struct tcp_seq t = {};
	uint64_t sum = 0;

	for (int i = 0; i < n; i++)
		sum += tcp_seq_fresh(&t, isn + (uint32_t)order[i] * MSS, MSS);
	return sum;
}

static void in_order(void)
{
	const int o[] = { 0, 1, 2, 3, 4 };

	CHECK_EQ_U64(feed(1, o, 5), 5 * MSS);
}

static void retransmissions_are_not_payload(void)
{
	const int o[] = { 0, 1, 1, 2, 0, 3, 3, 3 };

	CHECK_EQ_U64(feed(1, o, 8), 4 * MSS);
}

static void lost_then_retransmitted(void)
{
	/* 2 is lost before the capture, then retransmitted after 3 and 4. */
	const int o[] = { 0, 1, 3, 4, 2 };

	CHECK_EQ_U64(feed(1, o, 5), 5 * MSS);
}

static void overtaken_on_several_gaps(void)
{
	/* Loopback's receive copies reordered twice over (the CI failure: two gaps open). */
	const int o[] = { 0, 2, 4, 1, 3, 7, 5, 6, 8 };

	CHECK_EQ_U64(feed(1, o, 9), 9 * MSS);
}

static void gap_filled_inside(void)
{
	/* Gap [1, 5): 3 comes first, in its middle; then 1, 2 below it and 4 above it. */
	const int o[] = { 0, 5, 3, 1, 2, 4 };

	CHECK_EQ_U64(feed(1, o, 6), 6 * MSS);
}

static void across_sequence_wrap(void)
{
	const int o[] = { 0, 2, 1, 3, 3 };

	CHECK_EQ_U64(feed(0xffffffffu - 1500, o, 5), 4 * MSS);
}

static void more_gaps_than_remembered(void)
{
	/* Five gaps at once: the oldest is forgotten, its late segment uncounted. */
	const int o[] = { 0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9 };

	CHECK_EQ_U64(feed(1, o, 11), 10 * MSS);
}

static void partial_overlap_and_empty(void)
{
	struct tcp_seq t = {};

	CHECK_EQ_U64(tcp_seq_fresh(&t, 100, 0), 0);	/* a bare ACK counts nothing */
	CHECK_EQ_U64(tcp_seq_fresh(&t, 100, 500), 500);
	CHECK_EQ_U64(tcp_seq_fresh(&t, 400, 500), 300);	/* repacketized: 200 old, 300 new */
	CHECK_EQ_U64(tcp_seq_fresh(&t, 900, 0), 0);	/* FIN's ACK: no payload */
	CHECK_EQ_U64(tcp_seq_fresh(&t, 100, 800), 0);
}

TEST_MAIN(T(in_order), T(retransmissions_are_not_payload), T(lost_then_retransmitted),
	  T(overtaken_on_several_gaps), T(gap_filled_inside), T(across_sequence_wrap),
	  T(more_gaps_than_remembered), T(partial_overlap_and_empty))
