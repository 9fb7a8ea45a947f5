/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Open-addressing hash table with fixed-size binary keys. Values are caller
 * pointers; the table never owns them. Used for the per-socket, per-process
 * and per-remote tables of the model.
 */
#ifndef NETOPROC_HTAB_H
#define NETOPROC_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct htab_slot {
	uint64_t hash;		/* 0: empty; 1: deleted (tombstone) */
	void *value;
	unsigned char key[];
};

struct htab {
	size_t key_size;
	size_t slot_size;
	size_t cap;		/* power of two */
	size_t used;		/* live + tombstones */
	size_t count;		/* live */
	unsigned char *slots;
};

int htab_init(struct htab *h, size_t key_size);
void htab_free(struct htab *h);
/* free() every value, then the table: for tables that own plain malloc'ed values. */
void htab_free_all(struct htab *h);
void *htab_get(const struct htab *h, const void *key);
/* Insert or replace; returns 0 or -ENOMEM. */
int htab_put(struct htab *h, const void *key, void *value);
/* Remove and return the value, or NULL. */
void *htab_del(struct htab *h, const void *key);

/* Iteration: for (size_t i = 0; htab_next(h, &i, &key, &val);) */
int htab_next(const struct htab *h, size_t *pos, const void **key, void **value);

uint64_t hash_bytes(const void *data, size_t len);

#endif
