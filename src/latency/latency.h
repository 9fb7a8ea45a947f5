/* SPDX-License-Identifier: GPL-2.0-only */
/* `netoproc latency`: per-stage latency histograms along the packet path. */
#ifndef NETOPROC_LATENCY_H
#define NETOPROC_LATENCY_H

int cmd_latency(int argc, char **argv);
/* The options alone (fuzzing, tests): 0, 1 (help) or -EINVAL. */
int latency_parse_only(int argc, char **argv);

#endif
