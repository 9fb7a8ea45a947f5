/* SPDX-License-Identifier: GPL-2.0-only */
/* `netoproc probe`: what this kernel offers netoproc, and what the monitor would do. */
#ifndef NETOPROC_PROBE_CMD_H
#define NETOPROC_PROBE_CMD_H

int cmd_probe(int argc, char **argv);

#endif
