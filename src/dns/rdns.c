// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "dns/rdns.h"
#include "lib/util.h"

struct rdns_entry {
	bool done;		/* asked: name is the answer ("" none) */
	char name[NI_MAXHOST];
};

static bool is_v4_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

/* getnameinfo() with NI_NAMEREQD: a name or nothing, never the address as text. */
static void lookup(const uint8_t addr[16], char *name, size_t size)
{
	struct sockaddr_storage ss = {};
	socklen_t len;

	if (is_v4_mapped(addr)) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, addr + 12, 4);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, addr, 16);
		len = sizeof(*a);
	}
	if (getnameinfo((struct sockaddr *)&ss, len, name, size, NULL, 0, NI_NAMEREQD))
		name[0] = '\0';
}

static void *worker(void *arg)
{
	struct rdns *r = arg;
	struct timespec gap = { 0, (long)(1e9 / RDNS_RATE) };

	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		uint8_t addr[16];
		char name[NI_MAXHOST];
		struct rdns_entry *e;

		if (!r->qlen) {
			pthread_cond_wait(&r->wake, &r->lock);
			continue;
		}
		memcpy(addr, r->queue[r->qhead], 16);
		r->qhead = (r->qhead + 1) % RDNS_QUEUE;
		r->qlen--;
		r->asked++;
		pthread_mutex_unlock(&r->lock);
		lookup(addr, name, sizeof(name));	/* may take the resolver's timeout */
		nanosleep(&gap, NULL);			/* the rate limit */
		pthread_mutex_lock(&r->lock);
		if ((e = htab_get(&r->cache, addr))) {
			snprintf(e->name, sizeof(e->name), "%s", name);
			e->done = true;
		}
		if (name[0])
			r->named++;
		else
			r->failed++;
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int rdns_start(struct rdns *r)
{
	memset(r, 0, sizeof(*r));
	if (htab_init(&r->cache, 16))
		return -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	if (pthread_create(&r->thread, NULL, worker, r)) {
		htab_free_all(&r->cache);
		return -1;
	}
	r->running = true;
	return 0;
}

void rdns_stop(struct rdns *r)
{
	if (!r->running)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	/* A lookup in progress is not waited for: the thread goes with the process. */
	pthread_detach(r->thread);
	r->running = false;
}

const char *rdns_name(struct rdns *r, const uint8_t addr[16], char *buf, size_t size)
{
	struct rdns_entry *e;
	const char *found = NULL;

	if (!r->running)
		return NULL;
	pthread_mutex_lock(&r->lock);
	e = htab_get(&r->cache, addr);
	if (e && e->done && e->name[0]) {
		snprintf(buf, size, "%s", e->name);
		found = buf;
	} else if (!e) {
		if (r->cache.count >= RDNS_CACHE) {
			r->cache_full++;
		} else if (r->qlen == RDNS_QUEUE) {
			r->queue_full++;	/* not cached: asked for again later */
		} else if ((e = calloc(1, sizeof(*e))) && !htab_put(&r->cache, addr, e)) {
			memcpy(r->queue[(r->qhead + r->qlen) % RDNS_QUEUE], addr, 16);
			r->qlen++;
			pthread_cond_signal(&r->wake);
		} else {
			free(e);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return found;
}
