/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The exporter's own cumulative counters: Prometheus needs counters that never
 * go backwards, and the model forgets processes. Each interval the model's
 * per-process interval counters are added to the series of the process's
 * label set; a series outlives its processes by --series-ttl; beyond
 * --max-series new label sets go into one process="other" series.
 */
#ifndef NETOPROC_EXPORT_SERIES_H
#define NETOPROC_EXPORT_SERIES_H

#include <stdbool.h>
#include <stdint.h>
#include "monitor/model/model.h"

/* The labels --labels can choose, in the order they are written. */
enum ex_label { EX_LABEL_PROCESS, EX_LABEL_CONTAINER, EX_LABEL_POD, EX_LABEL_UNIT,
		EX_LABEL_PID, EX_LABEL_MAX };

#define EX_UNIT_LEN	256	/* systemd unit names are at most 255 bytes */
#define EX_RCODE_LEN	16

#define EX_CT_LEN	128	/* a container's name (or short id); a pod's namespace/name */

/* A label set; zero-filled so it can be a hash key. */
struct ex_key {
	char process[NP_COMM_LEN + 1];
	char container[EX_CT_LEN];	/* its name, else its 12-character id; "" none */
	char pod[EX_CT_LEN];		/* NAMESPACE/POD, else the pod's UID; "" none */
	char unit[EX_UNIT_LEN];
	uint32_t pid;
	bool other;		/* the overflow series */
};

struct ex_series {
	struct ex_key key;
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
	double last_change;	/* monotonic seconds */
	unsigned users;		/* processes of the model feeding it */
};

struct ex_dns_key {
	char process[NP_COMM_LEN + 1];
	char rcode[EX_RCODE_LEN];
	bool other;
};

struct ex_dns_series {
	struct ex_dns_key key;
	uint64_t queries;
	double last_change;
};

/* Upper bounds of the DNS latency histogram's buckets, seconds (+Inf implied). */
#define EX_DNS_BUCKETS 12
extern const double ex_dns_bounds[EX_DNS_BUCKETS];

struct ex_store {
	bool label_on[EX_LABEL_MAX];
	size_t max_series;
	double ttl;
	struct htab series;	/* struct ex_key -> struct ex_series */
	struct ex_series *other;	/* process="other", once --max-series was reached */
	struct htab feeds;	/* (pid, start_ns) -> struct ex_feed: a process's series */
	struct htab dns;	/* struct ex_dns_key -> struct ex_dns_series */
	unsigned gen;
	uint64_t unattributed_rx, unattributed_tx;
	uint64_t dropped;	/* new series refused by --max-series */
	uint64_t dns_buckets[EX_DNS_BUCKETS], dns_count;
	double dns_sum;
};

int ex_store_init(struct ex_store *s, const bool *label_on, size_t max_series, double ttl);
void ex_store_free(struct ex_store *s);
/*
 * Add the model's interval counters to the series (the caller resets the
 * interval afterwards) and forget series idle for longer than the TTL.
 */
int ex_store_fold(struct ex_store *s, struct np_model *m, double now);
/* One answered or timed-out DNS query. */
void ex_store_dns(struct ex_store *s, const char *process, const char *rcode,
		  double latency_s, double now);

/* The unit a cgroup path belongs to: its innermost .service or .scope, else "". */
void ex_unit_of(const char *cgroup_path, char *out, size_t size);

#endif
