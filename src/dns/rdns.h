/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reverse lookups (--resolve): the names of remote addresses nobody resolved
 * where we could see it, asked of the system resolver by a thread of their
 * own so that a slow or silent resolver never holds up capture or display.
 * Rate-limited, queued with a bound, answers (and failures) cached.
 */
#ifndef NETOPROC_RDNS_H
#define NETOPROC_RDNS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "lib/htab.h"

#define RDNS_RATE	10.0	/* lookups per second, at most */
#define RDNS_QUEUE	256	/* addresses waiting; more are asked for again later */
#define RDNS_CACHE	16384	/* addresses remembered, named or not */

struct rdns {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool running, stop;
	struct htab cache;		/* address -> struct rdns_entry */
	uint8_t queue[RDNS_QUEUE][16];
	unsigned qhead, qlen;
	uint64_t asked, named, failed, queue_full, cache_full;
};

int rdns_start(struct rdns *r);
void rdns_stop(struct rdns *r);
/*
 * The name of @addr (IPv4-mapped or IPv6) if a lookup found one. NULL when it
 * found none or is still to come; the first call queues the lookup. Copies
 * the name into @buf, as the cache may change under another thread.
 */
const char *rdns_name(struct rdns *r, const uint8_t addr[16], char *buf, size_t size);

#endif
