// SPDX-License-Identifier: GPL-2.0-only
/*
 * Batches instead of an entry at a time: a walk by get_next_key and lookup
 * makes two syscalls per entry (the UDP peers of a DNS server with 10,000
 * clients: 20,000 each refresh), a batch lookup one per NP_MAP_BATCH. Each
 * such syscall also marks its CPU as running BPF while it runs, and in the
 * kprobe tier a task preempted inside one has kprobe programs skipped on
 * that CPU (see monitor_maps.bpf.h): fewer and shorter windows.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "lib/map_walk.h"

#define NP_MAP_BATCH 512

int np_map_each_by_key(int fd, uint32_t key_size, uint32_t value_size, np_map_fn fn, void *ctx)
{
	char *key = malloc(2 * (size_t)key_size), *next;
	void *value = malloc(value_size), *prev = NULL;
	int err = 0;

	if (!key || !value) {
		err = -ENOMEM;
		goto out;
	}
	next = key + key_size;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		if (bpf_map_lookup_elem(fd, next, value) == 0 && (err = fn(next, value, ctx)))
			break;
		memcpy(key, next, key_size);
		prev = key;
	}
out:
	free(key);
	free(value);
	return err;
}

int np_map_each(int fd, uint32_t key_size, uint32_t value_size, np_map_fn fn, void *ctx)
{
	uint32_t cap = NP_MAP_BATCH, n;
	char *keys = malloc((size_t)cap * key_size), *values = malloc((size_t)cap * value_size);
	uint64_t in = 0, out = 0;	/* a hash map's batch token is a bucket index (u32) */
	bool first = true;
	int err = 0, ret;

	if (!keys || !values) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		n = cap;
		ret = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, values, &n, NULL);
		if (ret && errno == ENOSPC && cap < (1u << 16)) {
			/* One bucket holds more than a batch: a bigger batch. */
			char *k = realloc(keys, (size_t)cap * 2 * key_size);
			char *v = k ? realloc(values, (size_t)cap * 2 * value_size) : NULL;

			if (k)
				keys = k;
			if (!v) {
				err = -ENOMEM;
				goto out;
			}
			values = v;
			cap *= 2;
			continue;
		}
		if (ret && errno != ENOENT) {
			/* No batch operations here (before 5.6, or for this map): entry by entry. */
			err = first ? np_map_each_by_key(fd, key_size, value_size, fn, ctx) : -errno;
			goto out;
		}
		for (uint32_t i = 0; i < n; i++)
			if ((err = fn(keys + (size_t)i * key_size, values + (size_t)i * value_size,
				      ctx)))
				goto out;
		if (ret)	/* ENOENT: the last batch */
			break;
		in = out;
		first = false;
	}
out:
	free(keys);
	free(values);
	return err;
}
