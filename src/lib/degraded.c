// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include "lib/degraded.h"

const char *np_degraded_text(const struct np_degraded *d, char *buf, size_t size)
{
	if (d->instead)
		snprintf(buf, size, "%s -> %s", d->part, d->instead);
	else
		snprintf(buf, size, "%s (given up)", d->part);
	return buf;
}
