/* SPDX-License-Identifier: GPL-2.0-only */
/* `netoproc export`: the monitor's model as Prometheus metrics over HTTP. */
#ifndef NETOPROC_EXPORT_CMD_H
#define NETOPROC_EXPORT_CMD_H

int cmd_export(int argc, char **argv);

#endif
