// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>
#include "monitor/capture/proc_parse.h"

/* Decimal digits [s, e) as a number up to @max, no leading zero: 0 if not one. */
static uint64_t decimal(const char *s, const char *e, uint64_t max)
{
	uint64_t v = 0;

	if (s == e || (*s == '0') || e - s > 20)
		return 0;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return 0;
	}
	return v;
}

int proc_next_pid(const char **pos, const char *end, uint32_t *pid)
{
	while (*pos < end) {
		const char *s = *pos, *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;
		uint64_t v = decimal(s, e, PROC_PID_MAX);

		*pos = nl ? nl + 1 : end;
		if (v) {
			*pid = (uint32_t)v;
			return 1;
		}
	}
	return 0;
}

uint32_t proc_socket_inode(const char *link, size_t n)
{
	static const char pre[] = "socket:[";

	if (n < sizeof(pre) + 1 || memcmp(link, pre, sizeof(pre) - 1) || link[n - 1] != ']')
		return 0;
	return (uint32_t)decimal(link + sizeof(pre) - 1, link + n - 1, UINT32_MAX);
}
