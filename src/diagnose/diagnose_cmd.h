/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef NETOPROC_DIAGNOSE_CMD_H
#define NETOPROC_DIAGNOSE_CMD_H

/* `netoproc diagnose`: drops and kernel counters turned into findings with advice. */
int cmd_diagnose(int argc, char **argv);
/* Its options alone, nothing opened: 0, 1 (help printed) or -EINVAL after a one-line error. */
int diagnose_parse_only(int argc, char **argv);

#endif
