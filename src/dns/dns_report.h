/* SPDX-License-Identifier: GPL-2.0-only */
/* What `netoproc dns` prints: one line (or JSON object) a query, and the summary tables. */
#ifndef NETOPROC_DNS_REPORT_H
#define NETOPROC_DNS_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "dns/dns_track.h"
#include "lib/htab.h"

void dns_report_header(FILE *out);
void dns_report_event(FILE *out, bool json, const struct dns_event *e);

/* Per process and per domain: queries, failures, timeouts, latency percentiles. */
struct dns_summary {
	struct htab by_proc;	/* (pid, start_ns) -> struct dns_group */
	struct htab by_name;	/* lower-case name -> struct dns_group */
	struct htab by_resolver;	/* resolver endpoint + proto -> struct dns_group */
};

int dns_summary_init(struct dns_summary *s);
void dns_summary_add(struct dns_summary *s, const struct dns_event *e);
void dns_summary_print(struct dns_summary *s, FILE *out, bool json,
		       const struct dns_counters *n, uint64_t lost);
void dns_summary_free(struct dns_summary *s);

#endif
