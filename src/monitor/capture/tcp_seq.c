// SPDX-License-Identifier: GPL-2.0-only
/* TCP payload counting by sequence number: see tcp_seq.h. */
#include "monitor/capture/tcp_seq.h"

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* [lo, hi) came inside hole h: what is above it takes a free slot, or is forgotten. */
static void split_hole(struct tcp_seq *t, struct tcp_seq_hole *h, uint32_t lo, uint32_t hi)
{
	for (int i = 0; i < TCP_SEQ_HOLES; i++) {
		struct tcp_seq_hole *free_slot = &t->holes[i];

		if (free_slot->lo == free_slot->hi) {
			free_slot->lo = hi;
			free_slot->hi = h->hi;
			break;
		}
	}
	h->hi = lo;
}

/*
 * Payload bytes of [seq, seq + len) not counted before. Payload is what the
 * application moved: a retransmitted segment is wire bytes, not new payload.
 * A segment beyond the highest one seen leaves a gap, remembered until its
 * bytes come: a segment lost before we saw it is filled in by its
 * retransmission, and one overtaken (loopback's receive copies can arrive out
 * of order when the sender changes CPU) by its late arrival. TCP_SEQ_HOLES gaps
 * at once; a further one evicts the oldest, whose bytes then go uncounted
 * (a small undercount, as is the part above a gap filled inside when no slot
 * is free).
 */
uint32_t tcp_seq_fresh(struct tcp_seq *t, uint32_t seq, uint32_t len)
{
	uint32_t end = seq + len, fresh = 0;

	if (!len)
		return 0;
	if (!t->init) {
		t->init = true;
		t->next = end;
		return len;
	}
	if (seq_after(end, t->next)) {
		if (seq_after(seq, t->next)) {
			struct tcp_seq_hole *h = &t->holes[t->oldest++ % TCP_SEQ_HOLES];

			h->lo = t->next;
			h->hi = seq;
			fresh = len;
		} else {
			fresh = end - t->next;
		}
		t->next = end;
		end = seq + len - fresh;	/* what is left below is old: holes only */
		if (end == seq)
			return fresh;
	}
	for (int i = 0; i < TCP_SEQ_HOLES; i++) {
		struct tcp_seq_hole *h = &t->holes[i];
		uint32_t lo = seq_after(seq, h->lo) ? seq : h->lo;
		uint32_t hi = seq_after(end, h->hi) ? h->hi : end;

		if (!seq_after(hi, lo))
			continue;
		fresh += hi - lo;
		if (lo == h->lo)
			h->lo = hi;		/* filled from below (or whole: lo == hi) */
		else if (hi == h->hi)
			h->hi = lo;		/* filled from above */
		else
			split_hole(t, h, lo, hi);
	}
	return fresh;
}
