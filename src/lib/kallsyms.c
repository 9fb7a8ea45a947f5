// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/kallsyms.h"

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int kallsyms_load(struct kallsyms *ks, const char *path)
{
	return kallsyms_load_want(ks, path, NULL, 0);
}

/*
 * One line, "ffffffff81000000 T name\t[module]": the address, type and name
 * (cut at its end, in place). With sscanf() and a re-sort of the already
 * sorted symbols, loading took 160 ms on 6.18 (122,000 text symbols), of
 * which the kernel's writing of the file is 80.
 */
static bool parse_line(char *line, unsigned long long *addr, char *type, char **name)
{
	char *end;

	*addr = strtoull(line, &end, 16);
	if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
		return false;
	*type = end[1];
	*name = end + 3;
	(*name)[strcspn(*name, " \t\n")] = '\0';
	return **name != '\0';
}

int kallsyms_load_want(struct kallsyms *ks, const char *path, struct kallsyms_want *want,
		       size_t nwant)
{
	size_t cap_syms = 0, cap_names = 0;
	unsigned long long addr;
	bool any_nonzero = false, sorted = true;
	char line[1024], type, *name;
	int err = 0;
	FILE *f;

	memset(ks, 0, sizeof(*ks));
	for (size_t i = 0; i < nwant; i++)
		want[i].addr = 0;
	f = fopen(path ? path : "/proc/kallsyms", "re");
	if (!f)
		return -errno;
	/* procfs says 1 KiB blocks: one read per 40 lines otherwise. */
	setvbuf(f, NULL, _IOFBF, 1 << 18);
	while (fgets(line, sizeof(line), f)) {
		size_t len;

		if (!parse_line(line, &addr, &type, &name))
			continue;
		if (addr)
			any_nonzero = true;
		if (nwant && strchr("dDbB", type))
			for (size_t i = 0; i < nwant; i++)
				if (strcmp(name, want[i].name) == 0)
					want[i].addr = addr;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (ks->n == cap_syms) {
			size_t nc = cap_syms ? cap_syms * 2 : 65536;
			struct ksym *p = realloc(ks->syms, nc * sizeof(*p));

			if (!p) {
				err = -ENOMEM;
				goto cleanup;
			}
			ks->syms = p;
			cap_syms = nc;
		}
		len = strlen(name) + 1;
		if (ks->names_len + len > cap_names) {
			size_t nc = cap_names ? cap_names * 2 : 1 << 20;
			char *p = realloc(ks->names, nc);

			if (!p) {
				err = -ENOMEM;
				goto cleanup;
			}
			ks->names = p;
			cap_names = nc;
		}
		memcpy(ks->names + ks->names_len, name, len);
		if (ks->n && addr < ks->syms[ks->n - 1].addr)
			sorted = false;
		ks->syms[ks->n].addr = addr;
		ks->syms[ks->n].name = ks->names_len;
		ks->names_len += len;
		ks->n++;
	}
	if (!any_nonzero) {
		err = -EPERM;	/* kptr_restrict: every address reads as 0 */
		goto cleanup;
	}
	if (!sorted)	/* the kernel's own are in order; modules' may not be */
		qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_ksym);
cleanup:
	fclose(f);
	if (err)
		kallsyms_free(ks);
	return err;
}

static void *loader_run(void *arg)
{
	struct kallsyms_loader *l = arg;

	l->err = kallsyms_load_want(l->ks, NULL, l->want, l->nwant);
	return NULL;
}

void kallsyms_load_start(struct kallsyms_loader *l, struct kallsyms *ks,
			 struct kallsyms_want *want, size_t nwant)
{
	*l = (struct kallsyms_loader){ .ks = ks, .want = want, .nwant = nwant };
	l->running = pthread_create(&l->thread, NULL, loader_run, l) == 0;
	if (!l->running)
		loader_run(l);
}

int kallsyms_load_finish(struct kallsyms_loader *l)
{
	if (l->running)
		pthread_join(l->thread, NULL);
	l->running = false;
	return l->err;
}

void kallsyms_free(struct kallsyms *ks)
{
	free(ks->syms);
	free(ks->names);
	memset(ks, 0, sizeof(*ks));
}

const char *kallsyms_lookup(const struct kallsyms *ks, uint64_t addr, uint64_t *off)
{
	size_t lo = 0, hi = ks->n;

	if (!ks->n || addr < ks->syms[0].addr)
		return NULL;
	while (hi - lo > 1) {	/* last symbol with syms[i].addr <= addr */
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*off = addr - ks->syms[lo].addr;
	return ks->names + ks->syms[lo].name;
}

const char *kallsyms_format(const struct kallsyms *ks, uint64_t addr, char *buf, size_t size)
{
	uint64_t off;
	const char *s = kallsyms_lookup(ks, addr, &off);

	if (s)
		snprintf(buf, size, "%s+0x%llx", s, (unsigned long long)off);
	else
		snprintf(buf, size, "0x%llx", (unsigned long long)addr);
	return buf;
}
