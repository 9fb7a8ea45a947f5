// SPDX-License-Identifier: GPL-2.0-only
/* netoproc: subcommand dispatch. Without a subcommand it runs the monitor. */
#include <stdio.h>
#include <string.h>
#include "diagnose/diagnose_cmd.h"
#include "dns/dns_cmd.h"
#include "export/export_cmd.h"
#include "latency/latency.h"
#include "monitor/monitor.h"
#include "monitor/probe_cmd.h"
#include "pktpath/drop.h"
#include "pktpath/trace.h"

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
};

/* Exact names only: no prefix guessing, so new commands never change old meanings. */
static const struct cmd cmds[] = {
	{ "probe", cmd_probe },
	{ "drop", cmd_drop },
	{ "trace", cmd_trace },
	{ "dns", cmd_dns },
	{ "export", cmd_export },
	{ "latency", cmd_latency },
	{ "diagnose", cmd_diagnose },
};

int main(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] != '-') {
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (strcmp(argv[1], cmds[i].name) == 0)
				return cmds[i].func(argc - 1, argv + 1);
	}
	return cmd_monitor(argc, argv);
}
