// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/nft_rules.h"

/* Is @word a whole word of @s? */
static bool has_word(const char *s, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = strstr(s, word); p; p = strstr(p + 1, word))
		if ((p == s || p[-1] == ' ') && (p[len] == ' ' || p[len] == 0))
			return true;
	return false;
}

int nft_rules_parse(struct nft_rules *out, const char *text)
{
	char table[80] = "", chain[64] = "";
	const char *s = text;

	memset(out, 0, sizeof(*out));
	while (*s) {
		size_t len = strcspn(s, "\n");
		char line[512], *hash, *ctr;
		unsigned long long packets, handle;
		struct nft_rule *r;

		snprintf(line, sizeof(line), "%.*s", (int)len, s);
		s += len + (s[len] == '\n');
		char *l = line + strspn(line, " \t");

		if (sscanf(l, "table %79[^{#]", table) == 1) {
			size_t tl = strlen(table);	/* "inet t1 " -> "inet t1" */

			while (tl && table[tl - 1] == ' ')
				table[--tl] = 0;
			continue;
		}
		if (sscanf(l, "chain %63s", chain) == 1)
			continue;
		hash = strstr(l, " # handle ");
		ctr = strstr(l, "counter packets ");
		if (!hash || !ctr || sscanf(hash, " # handle %llu", &handle) != 1 ||
		    sscanf(ctr, "counter packets %llu", &packets) != 1)
			continue;
		*hash = 0;
		if (!has_word(l, "drop") && !has_word(l, "reject"))
			continue;
		r = realloc(out->r, (out->n + 1) * sizeof(*r));
		if (!r)
			return -ENOMEM;
		out->r = r;
		r = &out->r[out->n++];
		memset(r, 0, sizeof(*r));
		snprintf(r->where, sizeof(r->where), "table %s chain %s handle %llu", table, chain,
			 handle);
		/* the rule without its "counter packets N bytes M" */
		char *after = strstr(ctr, " bytes ");

		if (after)
			after = strchr(after + 7, ' ');
		snprintf(r->text, sizeof(r->text), "%.*s%s", (int)(ctr - l), l,
			 after ? after + 1 : "");
		r->text[strcspn(r->text, "\n")] = 0;
		r->packets = packets;
	}
	return 0;
}

int nft_rules_read(struct nft_rules *out)
{
	FILE *p = popen("nft -a list ruleset 2>/dev/null", "r");
	char *buf = NULL;
	size_t len = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (!p)
		return 0;
	for (;;) {
		char *b = realloc(buf, len + 65536);
		size_t got;

		if (!b) {
			free(buf);
			pclose(p);
			return -ENOMEM;
		}
		buf = b;
		got = fread(buf + len, 1, 65535, p);
		len += got;
		if (!got)
			break;
	}
	pclose(p);
	buf[len] = 0;
	err = nft_rules_parse(out, buf);
	free(buf);
	return err;
}

void nft_rules_free(struct nft_rules *r)
{
	free(r->r);
	memset(r, 0, sizeof(*r));
}

void nft_rules_busiest(const struct nft_rules *before, const struct nft_rules *after, char *buf,
		       size_t size)
{
	const struct nft_rule *best = NULL;
	uint64_t best_d = 0;

	buf[0] = 0;
	for (size_t i = 0; i < after->n; i++) {
		uint64_t was = 0, d;

		for (size_t j = 0; j < before->n; j++)
			if (strcmp(before->r[j].where, after->r[i].where) == 0)
				was = before->r[j].packets;
		d = after->r[i].packets >= was ? after->r[i].packets - was : 0;
		if (d > best_d) {
			best_d = d;
			best = &after->r[i];
		}
	}
	if (best)
		snprintf(buf, size, "%s: %s (+%llu packets)", best->where, best->text,
			 (unsigned long long)best_d);
}
