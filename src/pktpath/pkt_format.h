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
#include "lib/json_writer.h"

/* "tcp", "udp", "icmp", "icmp6", ..., "arp", or the ethertype in hex. */
const char *np_proto_name(const struct np_pkt *p, char *buf, size_t size);
/* Source or destination address as text; "" when there is no IP header. */
const char *np_addr(const struct np_pkt *p, bool src, char *buf, size_t size);
/* TCP flags as letters (FSRPAUEC), "" when none. */
const char *np_tcp_flags(uint8_t flags, char *buf, size_t size);

/* CLOCK_MONOTONIC ns of an event to wall-clock seconds. */
double np_event_time(uint64_t ts_ns);
/* "HH:MM:SS.uuuuuu" in local time. */
const char *np_time_str(double t, char *buf, size_t size);

/* The fields every event has, inside an object the caller opened. */
void np_meta_json(struct json_writer *jw, const struct np_skb_meta *m, const char *probe);
/* "time cpu netns dev proto src > dst len" of a text line, without newline. */
void np_meta_text(FILE *out, const struct np_skb_meta *m, const char *probe);
/* " comm:pid" when the event was in process context. */
void np_task_text(FILE *out, const struct np_skb_meta *m);

/* Lost events: report an increase since the last call on stderr. */
struct np_lost {
	uint64_t reported;
};
void np_lost_report(struct np_lost *l, uint64_t total, bool final);

#endif
