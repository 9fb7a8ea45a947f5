// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "monitor/capture/cmdline_cache.h"

size_t cmdline_args_text(char *buf, size_t size, const char *args, size_t len)
{
	size_t n = len < size - 1 ? len : size - 1;

	memcpy(buf, args, n);
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return n;
}

int cmdline_cache_init(struct cmdline_cache *c, size_t cap)
{
	memset(c, 0, sizeof(*c));
	c->order = calloc(cap, sizeof(*c->order));
	if (!c->order || htab_init(&c->by_proc, sizeof(struct np_proc_key))) {
		free(c->order);
		c->order = NULL;
		return -ENOMEM;
	}
	c->cap = cap;
	return 0;
}

void cmdline_cache_free(struct cmdline_cache *c)
{
	if (!c->order)
		return;
	htab_free_all(&c->by_proc);
	free(c->order);
	c->order = NULL;
}

int cmdline_cache_put(struct cmdline_cache *c, uint32_t tgid, uint64_t start_ns,
		      const char *args, size_t len)
{
	struct np_proc_key k = { .start_ns = start_ns, .tgid = tgid };
	char *text = malloc(len + 1), *old;
	size_t slot;

	if (!text)
		return -ENOMEM;
	if (!cmdline_args_text(text, len + 1, args, len)) {
		free(text);
		return 0;	/* nothing but NULs: as good as none */
	}
	/* The same process again (a retry after a failed read): the newest text wins. */
	old = htab_get(&c->by_proc, &k);
	if (old) {
		htab_put(&c->by_proc, &k, text);	/* a replacement allocates nothing */
		free(old);
		return 0;
	}
	/* Full: the oldest goes (its process may well still be in /proc). */
	if (c->n == c->cap) {
		free(htab_del(&c->by_proc, &c->order[c->head]));
		c->head = (c->head + 1) % c->cap;
		c->n--;
	}
	if (htab_put(&c->by_proc, &k, text)) {
		free(text);
		return -ENOMEM;
	}
	slot = (c->head + c->n) % c->cap;
	c->order[slot] = k;
	c->n++;
	return 0;
}

int cmdline_cache_get(const struct cmdline_cache *c, uint32_t tgid, uint64_t start_ns,
		      char *buf, size_t size)
{
	struct np_proc_key k = { .start_ns = start_ns, .tgid = tgid };
	const char *text = c->order ? htab_get(&c->by_proc, &k) : NULL;
	size_t n;

	if (!text || !size)
		return -ENOENT;
	n = strlen(text);
	if (n > size - 1)
		n = size - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	return 0;
}
