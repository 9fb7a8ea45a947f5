// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/htab.h"

#define SLOT_EMPTY 0
#define SLOT_DELETED 1

/*
 * Eight bytes at a time, each word multiplied in, then a final mix: keys are
 * 8 to 48 bytes (cookies are sequential, tuples mostly zeros), and a byte at
 * a time was a tenth of the monitor's time at ten thousand sockets.
 */
uint64_t hash_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL ^ len, w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	if (len) {
		w = 0;
		memcpy(&w, p, len);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h < 2 ? h + 2 : h;
}

static struct htab_slot *slot_at(const struct htab *h, size_t i)
{
	return (struct htab_slot *)(h->slots + i * h->slot_size);
}

static int alloc_slots(struct htab *h, size_t cap)
{
	h->slots = calloc(cap, h->slot_size);
	if (!h->slots)
		return -ENOMEM;
	h->cap = cap;
	h->used = 0;
	h->count = 0;
	return 0;
}

int htab_init(struct htab *h, size_t key_size)
{
	h->key_size = key_size;
	/* Round slots to 8 bytes so the hash and pointer stay aligned. */
	h->slot_size = (sizeof(struct htab_slot) + key_size + 7) & ~(size_t)7;
	return alloc_slots(h, 64);
}

void htab_free(struct htab *h)
{
	free(h->slots);
	h->slots = NULL;
	h->cap = h->used = h->count = 0;
}

static struct htab_slot *find(const struct htab *h, const void *key, uint64_t hash)
{
	size_t mask = h->cap - 1;

	for (size_t i = hash & mask, n = 0; n < h->cap; i = (i + 1) & mask, n++) {
		struct htab_slot *s = slot_at(h, i);

		if (s->hash == SLOT_EMPTY)
			return NULL;
		if (s->hash == hash && memcmp(s->key, key, h->key_size) == 0)
			return s;
	}
	return NULL;
}

void htab_free_all(struct htab *h)
{
	size_t i = 0;
	void *v;

	while (h->slots && htab_next(h, &i, NULL, &v))
		free(v);
	htab_free(h);
}

void *htab_get(const struct htab *h, const void *key)
{
	struct htab_slot *s = find(h, key, hash_bytes(key, h->key_size));

	return s ? s->value : NULL;
}

static void insert_new(struct htab *h, const void *key, uint64_t hash, void *value)
{
	size_t mask = h->cap - 1;
	size_t i = hash & mask;

	for (;; i = (i + 1) & mask) {
		struct htab_slot *s = slot_at(h, i);

		if (s->hash == SLOT_EMPTY || s->hash == SLOT_DELETED) {
			if (s->hash == SLOT_EMPTY)
				h->used++;
			s->hash = hash;
			s->value = value;
			memcpy(s->key, key, h->key_size);
			h->count++;
			return;
		}
	}
}

static int grow(struct htab *h)
{
	struct htab old = *h;
	/* Only rehash to the same size when tombstones fill the table. */
	size_t cap = h->count * 2 >= h->cap ? h->cap * 2 : h->cap;
	int err = alloc_slots(h, cap);

	if (err) {
		*h = old;
		return err;
	}
	for (size_t i = 0; i < old.cap; i++) {
		struct htab_slot *s = slot_at(&old, i);

		if (s->hash > SLOT_DELETED)
			insert_new(h, s->key, s->hash, s->value);
	}
	free(old.slots);
	return 0;
}

int htab_put(struct htab *h, const void *key, void *value)
{
	uint64_t hash = hash_bytes(key, h->key_size);
	struct htab_slot *s = find(h, key, hash);

	if (s) {
		s->value = value;
		return 0;
	}
	if ((h->used + 1) * 4 > h->cap * 3) {
		int err = grow(h);

		if (err)
			return err;
	}
	insert_new(h, key, hash, value);
	return 0;
}

void *htab_del(struct htab *h, const void *key)
{
	struct htab_slot *s = find(h, key, hash_bytes(key, h->key_size));
	void *v;

	if (!s)
		return NULL;
	v = s->value;
	s->hash = SLOT_DELETED;
	s->value = NULL;
	h->count--;
	return v;
}

int htab_next(const struct htab *h, size_t *pos, const void **key, void **value)
{
	for (; *pos < h->cap; (*pos)++) {
		struct htab_slot *s = slot_at(h, *pos);

		if (s->hash > SLOT_DELETED) {
			if (key)
				*key = s->key;
			if (value)
				*value = s->value;
			(*pos)++;
			return 1;
		}
	}
	return 0;
}
