/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The exposition: Prometheus text format 0.0.4, or OpenMetrics 1.0.0 when the
 * scraper asks for it. Names and meanings are documented in
 * docs/netoproc-export.8; keep the two in sync.
 */
#ifndef NETOPROC_EXPORT_METRICS_H
#define NETOPROC_EXPORT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "export/drops.h"
#include "export/latency_ex.h"
#include "export/series.h"

struct ex_info {
	const char *mode, *attach;	/* the capture's */
	uint64_t lost;			/* records or packets the capture could not deliver */
	uint64_t skipped;		/* runs of the capture's programs the kernel skipped */
	const struct ex_drops *drops;	/* --drops; NULL without */
	const struct ex_latency *latency;	/* --latency; NULL without */
};

/*
 * Everything into a malloc'ed buffer (*out, *len). @started: monotonic time
 * the scrape began, for netoproc_scrape_duration_seconds. 0 or -ENOMEM.
 */
int ex_metrics_render(const struct ex_store *s, const struct ex_info *info, bool openmetrics,
		      double started, char **out, size_t *len);

/* A label value as both formats want it: escaped, valid UTF-8. */
void ex_label_value(FILE *f, const char *v);

#endif
