/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * From captured DNS messages to answered (or unanswered) queries: a query a
 * process sends is held until the answer to the same socket, with the same
 * id and question, comes back, or until the timeout. Answers teach the name
 * cache which name an address was asked by; ClientHellos teach the server
 * name of the connection they opened. Fed by any capture (struct np_payload).
 */
#ifndef NETOPROC_DNS_TRACK_H
#define NETOPROC_DNS_TRACK_H

#include <stdbool.h>
#include <stdint.h>
#include "dns/dns_msg.h"
#include "dns/dns_tcp.h"
#include "lib/htab.h"
#include "monitor/capture/capture.h"

#define DNS_PENDING_MAX_DEFAULT	4096
#define DNS_TIMEOUT_DEFAULT	5.0	/* seconds: --dns-timeout */
#define DNS_NAMES_MAX		65536	/* (netns, address) -> name */
#define DNS_SNI_MAX		65536	/* socket cookie -> server name */
/*
 * A name is kept at least this long after its answer, whatever the TTL: many
 * local servers answer with TTL 0, and the connection follows the answer by
 * a moment. A connection keeps the name it got.
 */
#define DNS_NAME_MIN_TTL	30.0

/* One query and its outcome, as `netoproc dns` reports it. */
struct dns_event {
	double query_mono, query_real;	/* when the query was sent */
	double latency_ms;		/* < 0: no answer */
	bool timeout;
	bool has_owner;
	struct np_owner owner;		/* the asking process */
	uint64_t netns;			/* its network namespace (inode), 0 unknown */
	uint8_t protocol;		/* IPPROTO_UDP / IPPROTO_TCP */
	uint8_t resolver[16];		/* IPv4 as IPv4-mapped */
	uint16_t resolver_port;
	uint16_t qtype;
	int rcode;			/* -1: no answer */
	unsigned retries;		/* the same query sent again before the answer */
	char qname[DNS_NAME_MAX];
	const struct dns_msg *answer;	/* NULL without one */
};

struct dns_counters {
	uint64_t queries, answered, timeouts;
	uint64_t malformed;		/* messages no parser should trust */
	uint64_t truncated;		/* messages cut short (by the sender or the capture) */
	uint64_t unmatched;		/* answers to no query we saw */
	uint64_t pending_overflow;	/* queries not followed: the pending table was full */
	uint64_t names_overflow, sni_overflow;
	uint64_t tls_hellos;		/* ClientHellos with a server name */
};

typedef void (*dns_event_fn)(void *ctx, const struct dns_event *e);

struct dns_tracker {
	double timeout;			/* seconds until a query counts as unanswered */
	size_t pending_max;
	dns_event_fn on_event;		/* NULL: only names are learnt (the monitor) */
	void *ctx;
	struct htab pending;		/* struct pending_key -> struct dns_pending */
	struct htab names;		/* struct name_key -> struct dns_name */
	struct htab any_names;		/* address -> its newest struct dns_name in names */
	struct htab sni;		/* cookie -> char * */
	struct htab netns_of;		/* (pid, start) -> cached netns inode */
	struct dns_tcp tcp;		/* DNS over TCP: messages across segments */
	struct dns_counters n;
	unsigned payloads;		/* payloads taken: a name may be new since a look */
};

int dns_track_init(struct dns_tracker *t, double timeout, size_t pending_max,
		   dns_event_fn fn, void *ctx);
void dns_track_free(struct dns_tracker *t);
/* A payload from the capture: the payload_sink function (@ctx is the tracker). */
void dns_track_payload(void *ctx, const struct np_payload *p);
/* Report queries unanswered for longer than the timeout (all of them with @all). */
void dns_track_expire(struct dns_tracker *t, double now_mono, bool all);

enum dns_name_source { NAME_NONE = 0, NAME_DNS, NAME_SNI };
/*
 * The name for a connection: the DNS name whose answer held @addr in network
 * namespace @netns (0: unknown), else the server name its ClientHello asked
 * for (@cookie). Returns NULL when neither is known.
 */
const char *dns_track_name(struct dns_tracker *t, uint64_t netns, const uint8_t addr[16],
			   uint64_t cookie, double now_mono, enum dns_name_source *src);
/* The network namespace of a process that asked something (read while it lived), or 0. */
uint64_t dns_track_netns_of(struct dns_tracker *t, uint32_t pid, uint64_t start_ns);
/* "dns" / "sni". */
const char *dns_name_source_str(enum dns_name_source s);

#endif
