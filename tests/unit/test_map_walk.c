// SPDX-License-Identifier: GPL-2.0-only
/*
 * np_map_each() (src/lib/map_walk.c) on a real hash map, read in several
 * batches, and the entry-by-entry walk it falls back to: each entry once with
 * its value, an empty map, and a callback that stops the walk. Needs root (it
 * creates maps).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "harness.h"
#include "lib/map_walk.h"

#define ENTRIES 2000	/* four batches of 512 */

struct seen {
	uint8_t hits[ENTRIES];
	unsigned calls, wrong_value, stop_after;
};

/* Keys k of the map have value k * 3. */
static int see_hash(const void *key, const void *value, void *ctx)
{
	struct seen *s = ctx;
	uint32_t k = *(const uint32_t *)key;
	uint64_t v = *(const uint64_t *)value;

	s->calls++;
	if (k < ENTRIES)
		s->hits[k]++;
	s->wrong_value += v != (uint64_t)k * 3;
	return s->stop_after && s->calls == s->stop_after ? 42 : 0;
}

static unsigned count_hits(const struct seen *s, unsigned n, unsigned times)
{
	unsigned c = 0;

	for (unsigned i = 0; i < n; i++)
		c += s->hits[i] == times;
	return c;
}

typedef int (*walk_fn)(int fd, uint32_t key_size, uint32_t value_size, np_map_fn fn,
		       void *ctx);

static void check_walk(walk_fn walk)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "np_walk_test", 4, 8, ENTRIES, NULL);
	struct seen *s = calloc(1, sizeof(*s));

	CHECK(fd >= 0 && s);
	if (fd < 0 || !s)
		goto out;
	CHECK_EQ_U64(walk(fd, 4, 8, see_hash, s), 0);	/* empty */
	CHECK_EQ_U64(s->calls, 0);
	for (uint32_t k = 0; k < ENTRIES; k++) {
		uint64_t v = (uint64_t)k * 3;

		CHECK(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST) == 0);
	}
	if (walk == np_map_each) {
		/* The premise: this kernel reads hash maps in batches (5.6+), no fallback. */
		static uint32_t keys[ENTRIES];
		static uint64_t values[ENTRIES];
		uint32_t out, n = ENTRIES;
		int ret = bpf_map_lookup_batch(fd, NULL, &out, keys, values, &n, NULL);

		CHECK(ret == 0 || errno == ENOENT);
		CHECK_EQ_U64(n, ENTRIES);
	}
	CHECK_EQ_U64(walk(fd, 4, 8, see_hash, s), 0);
	CHECK_EQ_U64(s->calls, ENTRIES);
	CHECK_EQ_U64(count_hits(s, ENTRIES, 1), ENTRIES);	/* each once */
	CHECK_EQ_U64(s->wrong_value, 0);
	/* A callback's non-zero return ends the walk there and is returned. */
	memset(s, 0, sizeof(*s));
	s->stop_after = 700;
	CHECK_EQ_U64(walk(fd, 4, 8, see_hash, s), 42);
	CHECK_EQ_U64(s->calls, 700);
out:
	free(s);
	if (fd >= 0)
		close(fd);
}

static void test_in_batches(void)
{
	check_walk(np_map_each);
}

static void test_entry_by_entry(void)
{
	check_walk(np_map_each_by_key);
}

TEST_MAIN(T(test_in_batches), T(test_entry_by_entry))
