// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "pktpath/drop_reason.h"

#define PREFIX "SKB_DROP_REASON_"
#define SUBSYS_PREFIX "SKB_DROP_REASON_SUBSYS_"
/* include/net/dropreason.h: the subsystem id sits in the upper 16 bits. */
#define SUBSYS_SHIFT 16

static int cmp_reason(const void *a, const void *b)
{
	const struct drop_reason *x = a, *y = b;

	return x->value < y->value ? -1 : x->value > y->value;
}

/* Copy enum `name` out of btf, names stripped of `prefix`; *out is malloc'ed. */
static int load_enum(const struct btf *btf, const char *name, const char *prefix,
		     struct drop_reason **out, size_t *n, char **strings, size_t *slen)
{
	const struct btf_type *t;
	const struct btf_enum *e;
	int id, vlen;

	id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM);
	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, id);
	vlen = btf_vlen(t);
	e = btf_enum(t);
	*out = calloc(vlen ? vlen : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (int i = 0; i < vlen; i++) {
		const char *s = btf__name_by_offset(btf, e[i].name_off);
		size_t len;
		char *p;

		if (!s)
			continue;
		if (strncmp(s, prefix, strlen(prefix)) == 0)
			s += strlen(prefix);
		else if (strncmp(s, "SKB_", 4) == 0)
			s += 4;	/* SKB_CONSUMED */
		len = strlen(s) + 1;
		p = realloc(*strings, *slen + len);
		if (!p)
			return -ENOMEM;
		*strings = p;
		memcpy(p + *slen, s, len);
		/* Offsets for now: strings may still move. */
		(*out)[*n].name = (const char *)(uintptr_t)*slen;
		(*out)[*n].value = (uint32_t)e[i].val;
		(*n)++;
		*slen += len;
	}
	return 0;
}

int drop_reasons_load(struct drop_reasons *dr, const struct btf *btf)
{
	size_t slen = 0;
	int err;

	memset(dr, 0, sizeof(*dr));
	err = load_enum(btf, "skb_drop_reason", PREFIX, &dr->r, &dr->n, &dr->strings, &slen);
	if (err)
		goto cleanup;
	err = load_enum(btf, "skb_drop_reason_subsys", SUBSYS_PREFIX, &dr->subsys, &dr->nsubsys,
			&dr->strings, &slen);
	if (err && err != -ENOENT)
		goto cleanup;
	err = 0;
	for (size_t i = 0; i < dr->n; i++)
		dr->r[i].name = dr->strings + (uintptr_t)dr->r[i].name;
	for (size_t i = 0; i < dr->nsubsys; i++)
		dr->subsys[i].name = dr->strings + (uintptr_t)dr->subsys[i].name;
	qsort(dr->r, dr->n, sizeof(*dr->r), cmp_reason);
cleanup:
	if (err)
		drop_reasons_free(dr);
	return err;
}

void drop_reasons_free(struct drop_reasons *dr)
{
	free(dr->r);
	free(dr->subsys);
	free(dr->strings);
	memset(dr, 0, sizeof(*dr));
}

const char *drop_reason_name(const struct drop_reasons *dr, uint32_t value, char *buf,
			     size_t size)
{
	struct drop_reason key = { .value = value }, *r;
	uint32_t sub = value >> SUBSYS_SHIFT;

	r = dr->n ? bsearch(&key, dr->r, dr->n, sizeof(*dr->r), cmp_reason) : NULL;
	if (r)
		return r->name;
	for (size_t i = 0; sub && i < dr->nsubsys; i++) {
		if (dr->subsys[i].value == sub) {
			snprintf(buf, size, "SUBSYS_%s:%u", dr->subsys[i].name,
				 value & ((1u << SUBSYS_SHIFT) - 1));
			return buf;
		}
	}
	snprintf(buf, size, "%u", value);
	return buf;
}

int drop_reason_value(const struct drop_reasons *dr, const char *name, uint32_t *value)
{
	for (size_t i = 0; i < dr->n; i++) {
		if (strcmp(dr->r[i].name, name) == 0) {
			*value = dr->r[i].value;
			return 0;
		}
	}
	return -ENOENT;
}
