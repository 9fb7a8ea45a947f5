/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef NETOPROC_TRACE_H
#define NETOPROC_TRACE_H

/* `netoproc trace`: packets along their path through the kernel. */
int cmd_trace(int argc, char **argv);
/* Its options alone, nothing opened: 0, 1 (help printed) or -EINVAL after a one-line error. */
int trace_parse_only(int argc, char **argv);

#endif
