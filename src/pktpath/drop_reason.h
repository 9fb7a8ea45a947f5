/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Drop reason names from the running kernel's BTF (enum skb_drop_reason):
 * they differ between kernels, so there is no table in netoproc.
 */
#ifndef NETOPROC_DROP_REASON_H
#define NETOPROC_DROP_REASON_H

#include <stddef.h>
#include <stdint.h>

struct btf;

struct drop_reason {
	uint32_t value;
	const char *name;	/* without the SKB_DROP_REASON_ prefix */
};

struct drop_reasons {
	struct drop_reason *r;	/* sorted by value */
	size_t n;
	struct drop_reason *subsys;	/* enum skb_drop_reason_subsys, same form */
	size_t nsubsys;
	char *strings;
};

/* Returns 0, -ENOENT when the kernel has no drop reasons, or -errno. */
int drop_reasons_load(struct drop_reasons *dr, const struct btf *btf);
void drop_reasons_free(struct drop_reasons *dr);
/* The name of value; unknown values as "SUBSYS_<name>:<code>" or the decimal number. */
const char *drop_reason_name(const struct drop_reasons *dr, uint32_t value, char *buf,
			     size_t size);
/* The value of a name (without prefix); -ENOENT if the kernel has no such reason. */
int drop_reason_value(const struct drop_reasons *dr, const char *name, uint32_t *value);

#endif
