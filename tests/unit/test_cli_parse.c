// SPDX-License-Identifier: GPL-2.0-only
/*
 * The command-line parsers run more than once in a process (as the CLI
 * fuzzer, tests/fuzz/fuzz_cli.c, runs them). Bug: each reset getopt with
 * "optind = 1", which leaves glibc's position inside a cluster of short
 * options where the previous parse returned ("-hx" returns at 'h'), so the
 * next parse, of another argv, read the rest of the old one -- "unknown
 * option '-x'" for no option at all, or freed memory. "optind = 0" restarts.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "harness.h"
#include "diagnose/diagnose_cmd.h"
#include "dns/dns_cmd.h"
#include "monitor/monitor.h"
#include "monitor/probe_cmd.h"
#include "latency/latency.h"
#include "pktpath/drop.h"
#include "pktpath/trace.h"

static int quiet_fd = -1;

/* Usage text and one-line errors out of the test's output. */
static void quiet(bool on)
{
	fflush(stdout);
	fflush(stderr);
	if (on) {
		int null = open("/dev/null", O_WRONLY);

		quiet_fd = dup(1);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	} else {
		dup2(quiet_fd, 1);
		dup2(quiet_fd, 2);
		close(quiet_fd);
	}
}

/* "-hx" stops at 'h' (help): then each parser on an argv without options. */
static void test_parse_after_help_cluster(void)
{
	char a0[] = "netoproc", a1[] = "-hx", p0[] = "probe", none[] = "";
	char *help[] = { a0, a1, NULL }, *plain[] = { a0, NULL }, *phelp[] = { p0, a1, NULL };
	char *pplain[] = { p0, NULL }, *cmd[] = { none, NULL };
	struct monitor_opts mo;
	bool json;

	quiet(true);
	CHECK(parse_monitor_opts(2, help, &mo) == 1);
	CHECK(parse_monitor_opts(1, plain, &mo) == 0);
	CHECK(probe_parse_opts(2, phelp, &json) == 1);
	CHECK(probe_parse_opts(1, pplain, &json) == 0);
	CHECK(dns_parse_only(2, help) == 1);
	CHECK(dns_parse_only(1, cmd) == 0);
	CHECK(trace_parse_only(2, help) == 1);
	CHECK(trace_parse_only(1, cmd) == 0);
	CHECK(drop_parse_only(2, help) == 1);
	CHECK(drop_parse_only(1, cmd) == 0);
	CHECK(latency_parse_only(2, help) == 1);
	CHECK(latency_parse_only(1, cmd) == 0);
	CHECK(diagnose_parse_only(2, help) == 1);
	CHECK(diagnose_parse_only(1, cmd) == 0);
	quiet(false);
}

/* The same argv twice gives the same answer, and a bad one is -EINVAL each time. */
static void test_parse_twice(void)
{
	char a0[] = "netoproc", a1[] = "--format", a2[] = "json", a3[] = "--duration", a4[] = "2";
	char b1[] = "--interval", b2[] = "5";
	char *ok[] = { a0, a1, a2, a3, a4, NULL }, *bad[] = { a0, a3, a4, b1, b2, NULL };
	struct monitor_opts mo;

	quiet(true);
	for (int i = 0; i < 2; i++) {
		CHECK(parse_monitor_opts(5, ok, &mo) == 0);
		CHECK(mo.format == FMT_JSON && mo.duration == 2);
		CHECK(parse_monitor_opts(5, bad, &mo) == -EINVAL);	/* interval > duration */
	}
	quiet(false);
}

TEST_MAIN(T(test_parse_after_help_cluster), T(test_parse_twice))
