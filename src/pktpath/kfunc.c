// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "pktpath/kfunc.h"

/* @t, past modifiers and typedefs. */
static const struct btf_type *skip_mods(const struct btf *btf, const struct btf_type *t)
{
	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	return t;
}

/* 1: @type_id is `struct sk_buff *`; 2: `struct sk_buff **`; 0: neither. */
static int skb_ptr_depth(const struct btf *btf, __u32 type_id)
{
	const struct btf_type *t = skip_mods(btf, btf__type_by_id(btf, type_id));
	int depth = 0;

	while (t && btf_is_ptr(t) && depth < 2) {
		depth++;
		t = skip_mods(btf, btf__type_by_id(btf, t->type));
	}
	if (!t || !depth || !btf_is_struct(t))
		return 0;
	return strcmp(btf__name_by_offset(btf, t->name_off), "sk_buff") == 0 ? depth : 0;
}

int kfunc_skb_pos_id(const struct btf *btf, int id, const char **why)
{
	const struct btf_type *fn = btf__type_by_id(btf, id), *proto;
	const struct btf_param *p;
	bool pskb = false;
	int n;

	if (!fn || !btf_is_func(fn)) {
		*why = "not a function in the kernel's BTF";
		return -ENOENT;
	}
	proto = btf__type_by_id(btf, fn->type);
	if (!proto || !btf_is_func_proto(proto)) {
		*why = "no prototype in the kernel's BTF";
		return -ENOENT;
	}
	p = btf_params(proto);
	n = btf_vlen(proto);
	for (int i = 0; i < n; i++) {
		int d = skb_ptr_depth(btf, p[i].type);

		if (d == 1 && i < KFUNC_MAX_POS)
			return i + 1;
		if (d == 1) {
			*why = "its struct sk_buff * is past the fifth parameter";
			return -E2BIG;
		}
		if (d == 2)
			pskb = true;
	}
	/* A `struct sk_buff **` may point to an skb that is replaced inside: not read. */
	*why = pskb ? "takes struct sk_buff **, not an skb" : "no struct sk_buff * parameter";
	return pskb ? -EINVAL : -ENODATA;
}

int kfunc_skb_pos(const struct btf *btf, const char *func, const char **why)
{
	int id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);

	if (id < 0) {
		*why = "not in the kernel's BTF";
		return -ENOENT;
	}
	return kfunc_skb_pos_id(btf, id, why);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Symbol names of @path into a sorted array. @field: the name's
 * whitespace-separated column (0 for available_filter_functions, 2 for
 * kallsyms); @text_only: kallsyms lines of code symbols only.
 */
static int load_names(const char *path, int field, bool text_only, char ***out, size_t *nout,
		      char **bufout)
{
	size_t cap = 0, n = 0, len = 0, bcap = 0;
	char line[512], *buf = NULL, **names = NULL;
	int err = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save = NULL, *name = NULL, type = 0;
		size_t l;
		int i = 0;

		for (tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save), i++) {
			if (i == 1)
				type = tok[0];
			if (i == field) {
				name = tok;
				break;
			}
		}
		if (!name || (text_only && type != 't' && type != 'T'))
			continue;
		l = strlen(name) + 1;
		if (len + l > bcap) {
			size_t nc = bcap ? bcap * 2 : 1 << 20;
			char *p = realloc(buf, nc);

			if (!p) {
				err = -ENOMEM;
				goto cleanup;
			}
			buf = p;
			bcap = nc;
		}
		memcpy(buf + len, name, l);
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			char **p = realloc(names, nc * sizeof(*p));

			if (!p) {
				err = -ENOMEM;
				goto cleanup;
			}
			names = p;
			cap = nc;
		}
		names[n++] = (char *)(uintptr_t)len;	/* an offset until buf stops moving */
		len += l;
	}
	for (size_t i = 0; i < n; i++)
		names[i] = buf + (uintptr_t)names[i];
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
cleanup:
	fclose(f);
	if (err) {
		free(buf);
		free(names);
		return err;
	}
	*out = names;
	*nout = n;
	*bufout = buf;
	return 0;
}

int kfunc_syms_load(struct kfunc_syms *s, const char *ftrace_path, const char *kallsyms_path,
		    const char *blacklist_path)
{
	static const char *const ftrace_paths[] = {
		"/sys/kernel/tracing/available_filter_functions",
		"/sys/kernel/debug/tracing/available_filter_functions",
	};
	int err = -ENOENT;

	memset(s, 0, sizeof(*s));
	if (ftrace_path) {
		err = load_names(ftrace_path, 0, false, &s->names, &s->n, &s->buf);
	} else if (!kallsyms_path) {
		for (size_t i = 0; err && i < sizeof(ftrace_paths) / sizeof(*ftrace_paths); i++)
			err = load_names(ftrace_paths[i], 0, false, &s->names, &s->n, &s->buf);
	}
	/* An empty list: tracefs without ftrace (as on kernels built without it). */
	if (!err && !s->n) {
		kfunc_syms_free(s);
		err = -ENOENT;
	}
	s->ftrace = !err;
	if (err) {
		err = load_names(kallsyms_path ? kallsyms_path : "/proc/kallsyms", 2, true,
				 &s->names, &s->n, &s->buf);
		if (err)
			return err;
	}
	if (!blacklist_path)
		blacklist_path = "/sys/kernel/debug/kprobes/blacklist";
	/* "0xstart-0xend\tname": absent without debugfs, which is no error. */
	if (*blacklist_path)
		load_names(blacklist_path, 1, false, &s->black, &s->nblack, &s->black_buf);
	return 0;
}

void kfunc_syms_free(struct kfunc_syms *s)
{
	free(s->names);
	free(s->buf);
	free(s->black);
	free(s->black_buf);
	memset(s, 0, sizeof(*s));
}

/* First index in the sorted @names whose name is >= @key. */
static size_t lower_bound(char *const *names, size_t n, const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(names[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t kfunc_syms_count(const struct kfunc_syms *s, const char *name)
{
	size_t i = lower_bound(s->names, s->n, name), c = 0;

	while (i + c < s->n && strcmp(s->names[i + c], name) == 0)
		c++;
	return c;
}

bool kfunc_blacklisted(const struct kfunc_syms *s, const char *name)
{
	size_t i = lower_bound(s->black, s->nblack, name);

	return i < s->nblack && strcmp(s->black[i], name) == 0;
}

/*
 * Clone suffixes GCC and LLVM add: ".isra.N" (parameters scalarised),
 * ".constprop.N" (constant parameters dropped), ".part.N" (a partially
 * inlined body), ".llvm.N" (a renamed static), any chain of them. ".cold"
 * is the unlikely tail of a function, not an entry point: never probed.
 */
static bool clone_suffix(const char *sfx)
{
	static const char *const kinds[] = { "isra", "constprop", "part", "llvm" };

	while (*sfx == '.') {
		size_t i, k = 0;

		for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
			k = strlen(kinds[i]);
			if (strncmp(sfx + 1, kinds[i], k) == 0 && sfx[1 + k] == '.')
				break;
		}
		if (i == sizeof(kinds) / sizeof(*kinds))
			return false;
		sfx += 2 + k;
		if (*sfx < '0' || *sfx > '9')
			return false;
		while (*sfx >= '0' && *sfx <= '9')
			sfx++;
	}
	return *sfx == '\0';
}

int kfunc_resolve(const struct kfunc_syms *s, const char *func, int pos, const char **sym,
		  char *whybuf, size_t whysize, const char **why)
{
	const char *where = s->ftrace ? "available_filter_functions" : "kallsyms";
	size_t flen = strlen(func), i;
	const char *clone = NULL;

	*why = NULL;
	i = lower_bound(s->names, s->n, func);
	if (i < s->n && strcmp(s->names[i], func) == 0) {
		if (kfunc_blacklisted(s, func)) {
			*why = "in the kprobe blacklist";
			return -EPERM;
		}
		if (i + 1 < s->n && strcmp(s->names[i + 1], func) == 0) {
			*why = "its name is not unique in the kernel";
			return -ENOTUNIQ;
		}
		*sym = s->names[i];
		return 0;
	}
	/* Clones sort right after "func." (names with '.' after func's own). */
	for (; i < s->n && strncmp(s->names[i], func, flen) == 0; i++) {
		if (s->names[i][flen] == '.' && clone_suffix(s->names[i] + flen)) {
			clone = s->names[i];
			break;
		}
	}
	if (!clone) {
		snprintf(whybuf, whysize, "not in %s (inlined or not traceable)", where);
		*why = whybuf;
		return -ENOENT;
	}
	if (kfunc_blacklisted(s, clone)) {
		*why = "in the kprobe blacklist";
		return -EPERM;
	}
	/*
	 * A clone's parameters are not in BTF: GCC drops unused or constant
	 * ones and may pass a pointer's fields instead of the pointer. The
	 * first parameter keeps its register unless the clone dropped it, so
	 * only then is the clone probed (and every event's skb is checked to
	 * look like one before it is read, in trace.bpf.c).
	 */
	if (pos != 1) {
		snprintf(whybuf, whysize, "only as clone %s, whose parameters may differ from "
			 "BTF's (skb is parameter %d)", clone, pos);
		*why = whybuf;
		return -EXDEV;
	}
	snprintf(whybuf, whysize, "as clone %s, skb parameter 1 kept", clone);
	*why = whybuf;
	*sym = clone;
	return 1;
}
