/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading every entry of a BPF hash map from userspace, in as few syscalls as the kernel allows. */
#ifndef NETOPROC_MAP_WALK_H
#define NETOPROC_MAP_WALK_H

#include <stdint.h>

/* One entry; a non-zero return stops the walk and is returned by np_map_each(). */
typedef int (*np_map_fn)(const void *key, const void *value, void *ctx);

/*
 * @fn for every entry of hash map @fd, read in batches (BPF_MAP_LOOKUP_BATCH,
 * 5.6+) or, where the kernel has no batch operations for it, one
 * get_next_key and one lookup per entry. Entries added or deleted during
 * the walk may be seen or not, as with get_next_key. Returns 0, @fn's
 * non-zero return, or -errno.
 */
int np_map_each(int fd, uint32_t key_size, uint32_t value_size, np_map_fn fn, void *ctx);
/* The same, one get_next_key and one lookup per entry: where batches are refused. */
int np_map_each_by_key(int fd, uint32_t key_size, uint32_t value_size, np_map_fn fn, void *ctx);

#endif
