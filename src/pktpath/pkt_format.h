/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `netoproc trace` and `netoproc drop` show of every packet: protocol
 * names, addresses, TCP flags, times, the common event fields in text and
 * JSON, and the lost-event report.
 */
#ifndef NETOPROC_PKT_FORMAT_H
#define NETOPROC_PKT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "bpf/pkt_abi.h"
#include "lib/emit.h"

/* "tcp", "udp", "icmp", "icmp6", ..., "arp", or the ethertype in hex. */
const char *pkt_proto_name(const struct np_pkt *p, char *buf, size_t size);
/* Source or destination address as text; "" when there is no IP header. */
const char *pkt_addr(const struct np_pkt *p, bool src, char *buf, size_t size);
/* TCP flags as letters (FSRPAUEC), "" when none. */
const char *pkt_tcp_flags(uint8_t flags, char *buf, size_t size);

/* CLOCK_MONOTONIC ns of an event to wall-clock seconds. */
double pkt_event_time(uint64_t ts_ns);
/* "HH:MM:SS.uuuuuu" in local time. */
const char *pkt_time_str(double t, char *buf, size_t size);

/*
 * The fields every event has: in JSON inside an object the caller opened
 * (the process at the end), in text "time cpu netns dev [probe] proto
 * src > dst len" without newline (@probe only with @probe_in_text).
 */
/*
 * One line when the pcap filter could not decide on some packets because it
 * needed bytes past those read (np_filter_short, @map_fd): not matched, counted.
 */
void pkt_say_filter_short(const char *what, int map_fd);
/* The text form's header row: what the fields of every event line are (@probe: a column). */
void pkt_text_header(FILE *out, bool probe, const char *details);
void pkt_meta(struct emitter *em, const struct np_skb_meta *m, const char *probe,
	      bool probe_in_text);
/* Text: " comm:pid" when the event was in process context (JSON has it in pkt_meta). */
void pkt_task(struct emitter *em, const struct np_skb_meta *m);

struct ct_info;
/*
 * The container, pod and unit of an event: its process's (process context), else its
 * namespace's (src/containers/ct_resolve.h); NULL when none. Valid until the next call.
 */
const struct ct_info *pkt_event_identity(const struct np_skb_meta *m);
/* JSON "container_id", "pod_uid", "unit" (null when unknown); text " ct:SHORTID" (NAME). */
void pkt_identity(struct emitter *em, const struct ct_info *ct);

/* Lost events: report an increase since the last call on stderr. */
struct pkt_lost {
	uint64_t reported;
};
void pkt_lost_report(struct pkt_lost *l, uint64_t total, bool final);

#endif
