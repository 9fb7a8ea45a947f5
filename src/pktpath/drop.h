/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef NETOPROC_DROP_H
#define NETOPROC_DROP_H

/* `netoproc drop`: packet drops with reason and location. */
int cmd_drop(int argc, char **argv);
/* Its options alone, nothing opened: 0, 1 (help printed) or -EINVAL after a one-line error. */
int drop_parse_only(int argc, char **argv);

#endif
