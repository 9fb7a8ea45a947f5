// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the command line of every subcommand: the fuzz bytes
 * split on NUL are argv[1..] (at most 64 words), dispatched as src/main.c
 * does to the option parser only -- parse_monitor_opts() (monitor.c),
 * dns_parse_only() (dns_cmd.c), diagnose_parse_only(), trace_parse_only(),
 * drop_parse_only() and latency_parse_only()
 * (the options pkt_cmd.c shares, the filter expression compiled by libpcap),
 * probe_parse_opts() (probe_cmd.c). Nothing is opened or loaded. Besides the
 * sanitizers (and LeakSanitizer: every run frees what it parsed), it aborts
 * when:
 *   - a parser returns other than 0, 1 (help, version) or a negative errno;
 *   - the same argv parsed again (getopt's state reset by the parser) gives
 *     another answer, or the argv strings were changed;
 *   - the monitor's options, when accepted, are out of range: format, sort,
 *     capture mode and attach tier among their names, durations >= 0 and
 *     finite, --interval no longer than --duration, capture buffer in
 *     4096..16 MiB, --pid count within MAX_PIDS, the DNS port list with 53
 *     first, and every string pointing into argv (or the parser's
 *     own cgroup buffer).
 * stdout and stderr (usage, one-line errors) go to /dev/null.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/diagnose_cmd.h"
#include "dns/dns_cmd.h"
#include "monitor/monitor.h"
#include "monitor/probe_cmd.h"
#include "latency/latency.h"
#include "pktpath/drop.h"
#include "pktpath/trace.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* libFuzzer and the sanitizers keep writing to fd 2. */
	stdout = fopen("/dev/null", "w");
	stderr = fopen("/dev/null", "w");
	CHECK(stdout && stderr);
	return 0;
}

static bool in_argv(const char *s, char **argv, int argc)
{
	for (int i = 0; i < argc; i++)
		if (s >= argv[i] && s <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

static void check_monitor(const struct monitor_opts *o, char **argv, int argc)
{
	CHECK(o->format <= FMT_PRETTY);
	CHECK(o->view.sort <= SORT_CONNECTIONS);
	CHECK(o->cap.mode <= CAPTURE_AFPACKET);
	CHECK(o->cap.attach < NP_ATTACH_MAX);
	CHECK(o->duration >= 0 && isfinite(o->duration));
	CHECK(o->interval >= 0 && isfinite(o->interval));
	CHECK(o->dns_timeout > 0 && isfinite(o->dns_timeout));
	CHECK(!(o->interval && o->duration) || o->interval <= o->duration);
	CHECK(o->cap.buffer_bytes >= 4096 && o->cap.buffer_bytes <= 16777216);
	CHECK(o->view.npids >= 0 && o->view.npids <= MAX_PIDS);
	CHECK(o->dns.dns_ports[0] == 53);
	CHECK(!o->view.filter || in_argv(o->view.filter, argv, argc));
	CHECK(!o->cap.interface || in_argv(o->cap.interface, argv, argc));
	CHECK(!o->cap.btf_path || in_argv(o->cap.btf_path, argv, argc));
	CHECK(!o->cap.cgroup_path || strlen(o->cap.cgroup_path) < 4096);
}

static int parse(int argc, char **argv, struct monitor_opts *mo, bool *monitor)
{
	bool json;

	*monitor = false;
	if (argc > 1 && argv[1][0] != '-') {
		if (!strcmp(argv[1], "probe"))
			return probe_parse_opts(argc - 1, argv + 1, &json);
		if (!strcmp(argv[1], "drop"))
			return drop_parse_only(argc - 1, argv + 1);
		if (!strcmp(argv[1], "trace"))
			return trace_parse_only(argc - 1, argv + 1);
		if (!strcmp(argv[1], "diagnose"))
			return diagnose_parse_only(argc - 1, argv + 1);
		if (!strcmp(argv[1], "dns"))
			return dns_parse_only(argc - 1, argv + 1);
		if (!strcmp(argv[1], "latency"))
			return latency_parse_only(argc - 1, argv + 1);
	}
	*monitor = true;
	return parse_monitor_opts(argc, argv, mo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *save[MAX_ARGS + 1], *argv[MAX_ARGS + 2];
	struct monitor_opts mo, mo2;
	int argc = 1, r, r2;
	bool monitor;
	size_t i;

	/* The words, each its own allocation: the sanitizer sees a read past one. */
	copy = malloc(size + 1);
	CHECK(copy);
	memcpy(copy, data, size);
	copy[size] = 0;
	argv[0] = strdup("netoproc");
	for (i = 0; i < size && argc <= MAX_ARGS; i += strlen(copy + i) + 1)
		argv[argc++] = strdup(copy + i);
	argv[argc] = NULL;
	for (int k = 0; k < argc; k++) {
		CHECK(argv[k]);
		save[k] = argv[k];
	}

	r = parse(argc, argv, &mo, &monitor);
	CHECK(r == 0 || r == 1 || (r < 0 && r > -4096));
	if (monitor && r == 0)
		check_monitor(&mo, argv, argc);
	/* getopt_long may permute argv (options after the expression): parse the result again. */
	r2 = parse(argc, argv, &mo2, &monitor);
	CHECK(r2 == r);
	if (monitor && r == 0) {
		CHECK(mo2.format == mo.format && mo2.duration == mo.duration &&
		      mo2.interval == mo.interval && mo2.cap.mode == mo.cap.mode &&
		      mo2.cap.buffer_bytes == mo.cap.buffer_bytes &&
		      mo2.view.npids == mo.view.npids &&
		      !memcmp(mo2.dns.dns_ports, mo.dns.dns_ports, sizeof(mo.dns.dns_ports)));
	}

	/* The parsers never change the strings, only their order. */
	for (int k = 0; k < argc; k++) {
		bool found = false;

		for (int j = 0; j < argc; j++)
			found |= argv[j] == save[k];
		CHECK(found);
	}
	for (int k = 0; k < argc; k++)
		free(argv[k]);
	free(copy);
	return 0;
}
