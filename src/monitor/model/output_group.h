/* SPDX-License-Identifier: GPL-2.0-only */
/* --group: the monitor's outputs with processes summed by container, pod, cgroup, unit or netns. */
#ifndef NETOPROC_OUTPUT_GROUP_H
#define NETOPROC_OUTPUT_GROUP_H

#include <stdbool.h>
#include <stdio.h>
#include "monitor/model/view.h"

struct json_writer;
/* The groups of @v (v->group) as a JSON array of group objects, each listing its processes. */
int output_groups_json(struct json_writer *jw, const struct view *v);
/* tsv: KIND name processes rx_bytes tx_bytes rx_packets tx_packets. */
int output_groups_tsv(FILE *out, const struct view *v);
/* pretty: a row per group, its processes under it, then TOTAL. */
int output_groups_pretty(FILE *out, const struct view *v, bool color);

#endif
