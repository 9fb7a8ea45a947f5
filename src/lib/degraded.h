/* SPDX-License-Identifier: GPL-2.0-only */
/* A part the running kernel refused: said on stderr, in JSON records and by probe. */
#ifndef NETOPROC_DEGRADED_H
#define NETOPROC_DEGRADED_H

/* What was given up, what took its place (NULL: nothing), and the kernel's reason. */
struct np_degraded {
	const char *part;
	const char *instead;
	char reason[240];
};

#define NP_MAX_DEGRADED 8

#include <stddef.h>

/* "part -> instead", or "part (given up)": how every output names a degraded part. */
const char *np_degraded_text(const struct np_degraded *d, char *buf, size_t size);

#endif
