/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS over TCP, from segments back to messages (RFC 1035 4.2.2: each message
 * behind a 2-byte length). A client may write the length and the message
 * separately, and a large answer spans segments: what a segment leaves
 * unfinished waits, per direction of each connection, for the segment that
 * continues it. Bounded in flows and message size; losses are counted.
 */
#ifndef NETOPROC_DNS_TCP_H
#define NETOPROC_DNS_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/htab.h"

#define DNS_TCP_FLOWS_MAX	256	/* connections with a message in progress */
#define DNS_TCP_MSG_MAX		16384	/* longer messages are passed on cut */
#define DNS_TCP_STALE		30.0	/* seconds a message may wait for its next segment */

/* One direction of one connection, as one socket saw it. */
struct dns_tcp_key {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t egress;
	uint8_t pad[3];
};

struct dns_tcp {
	struct htab flows;	/* struct dns_tcp_key -> struct dns_tcp_flow */
	uint64_t gaps;		/* a segment missing before one we saw: its message lost */
	uint64_t overflow;	/* no room to wait for a message's next segment */
};

/* A whole message (@cut: what there was of one that cannot be completed). */
typedef void (*dns_tcp_msg_fn)(void *ctx, const uint8_t *msg, size_t len, bool cut);

int dns_tcp_init(struct dns_tcp *s);
void dns_tcp_free(struct dns_tcp *s);
/* The payload of one segment whose first byte has sequence number @seq. */
void dns_tcp_segment(struct dns_tcp *s, const struct dns_tcp_key *k, uint32_t seq,
		     const uint8_t *data, size_t len, double now, dns_tcp_msg_fn fn, void *ctx);

#endif
