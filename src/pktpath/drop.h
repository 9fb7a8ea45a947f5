/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef NETOPROC_DROP_H
#define NETOPROC_DROP_H

/* `netoproc drop`: packet drops with reason and location. */
int cmd_drop(int argc, char **argv);

#endif
