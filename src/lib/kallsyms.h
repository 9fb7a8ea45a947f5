/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel addresses to "symbol+0xoffset", from /proc/kallsyms (text symbols). */
#ifndef NETOPROC_KALLSYMS_H
#define NETOPROC_KALLSYMS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	uint32_t name;		/* offset into names */
};

struct kallsyms {
	struct ksym *syms;
	size_t n;
	char *names;
	size_t names_len;
};

/* A data symbol wanted from the same read: its address, 0 when the kernel has none. */
struct kallsyms_want {
	const char *name;
	uint64_t addr;
};

/* Load from path (NULL: /proc/kallsyms). Returns 0 or -errno; -EPERM when addresses are hidden. */
int kallsyms_load(struct kallsyms *ks, const char *path);
/* The same, also filling @want's addresses (data symbols: d, D, b, B). */
int kallsyms_load_want(struct kallsyms *ks, const char *path, struct kallsyms_want *want,
		       size_t nwant);
void kallsyms_free(struct kallsyms *ks);

/*
 * kallsyms_load_want() in a thread of its own: the kernel takes about 80 ms
 * to write the file, which can pass while BPF programs load. Nothing of
 * @ks or @want may be read before kallsyms_load_finish(), which returns
 * the load's result; a failed start loads at once instead.
 */
struct kallsyms_loader {
	pthread_t thread;
	bool running;
	struct kallsyms *ks;
	struct kallsyms_want *want;
	size_t nwant;
	int err;
};

void kallsyms_load_start(struct kallsyms_loader *l, struct kallsyms *ks,
			 struct kallsyms_want *want, size_t nwant);
int kallsyms_load_finish(struct kallsyms_loader *l);
/* The symbol containing addr and the offset into it, or NULL. */
const char *kallsyms_lookup(const struct kallsyms *ks, uint64_t addr, uint64_t *off);
/* "sym+0xoff" into buf; the bare address in hex when no symbol holds it. */
const char *kallsyms_format(const struct kallsyms *ks, uint64_t addr, char *buf, size_t size);

#endif
