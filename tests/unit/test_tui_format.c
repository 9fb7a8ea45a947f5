// SPDX-License-Identifier: GPL-2.0-only
/* The TUI's cells: amounts, rates in bytes and bits, heat, sparklines; /proc/net/dev lines. */
#include "harness.h"
#include "lib/ifstats.h"
#include "tui/tui_format.h"

static void test_bytes(void)
{
	char b[32];

	tui_fmt_bytes(b, sizeof(b), 0);
	CHECK_STR(b, "0 B");
	tui_fmt_bytes(b, sizeof(b), 1023);
	CHECK_STR(b, "1023 B");
	tui_fmt_bytes(b, sizeof(b), 1024);
	CHECK_STR(b, "1.0 KiB");
	tui_fmt_bytes(b, sizeof(b), 102800);	/* 100 datagrams of 1000 + 28 */
	CHECK_STR(b, "100.4 KiB");
	tui_fmt_bytes(b, sizeof(b), 1048575);	/* 1023.999 KiB: not "1024.0 KiB" */
	CHECK_STR(b, "1.0 MiB");
	tui_fmt_bytes(b, sizeof(b), 3ULL << 30);
	CHECK_STR(b, "3.0 GiB");
	tui_fmt_bytes(b, sizeof(b), 1536ULL << 40);
	CHECK_STR(b, "1.5 PiB");
}

static void test_rates(void)
{
	char b[32];

	tui_fmt_rate(b, sizeof(b), 0, TUI_UNITS_BYTES);
	CHECK_STR(b, "0 B/s");
	tui_fmt_rate(b, sizeof(b), 0.4, TUI_UNITS_BYTES);
	CHECK_STR(b, "0 B/s");
	tui_fmt_rate(b, sizeof(b), 6400, TUI_UNITS_BYTES);
	CHECK_STR(b, "6.2 KiB/s");
	tui_fmt_rate(b, sizeof(b), 102800, TUI_UNITS_BYTES);
	CHECK_STR(b, "100.4 KiB/s");
	tui_fmt_rate(b, sizeof(b), -5, TUI_UNITS_BYTES);
	CHECK_STR(b, "0 B/s");
	/* Bits are 1000-based, as links are rated. */
	tui_fmt_rate(b, sizeof(b), 100, TUI_UNITS_BITS);
	CHECK_STR(b, "800 bit/s");
	tui_fmt_rate(b, sizeof(b), 6400, TUI_UNITS_BITS);
	CHECK_STR(b, "51.2 kbit/s");
	tui_fmt_rate(b, sizeof(b), 125000000, TUI_UNITS_BITS);
	CHECK_STR(b, "1.0 Gbit/s");
	tui_fmt_rate(b, sizeof(b), 124999, TUI_UNITS_BITS);	/* 999.992 kbit/s */
	CHECK_STR(b, "1.0 Mbit/s");
}

static void test_heat(void)
{
	CHECK_EQ_U64(tui_heat(0), 0);
	CHECK_EQ_U64(tui_heat(1), 1);
	CHECK_EQ_U64(tui_heat(10 * 1024 - 1), 1);
	CHECK_EQ_U64(tui_heat(10 * 1024), 2);
	CHECK_EQ_U64(tui_heat(1024 * 1024), 3);
}

static void test_sparkline_ascii(void)
{
	const float ramp[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const float gaps[4] = { 0, 8, 0, 1 };
	const float sixty[60] = { [0] = 4, [59] = 8 };
	char b[256];

	CHECK_EQ_U64(tui_sparkline(b, sizeof(b), ramp, 8, 8, false), 8);
	CHECK_STR(b, ".,:-=+*#");
	/* Fewer samples than cells: newest on the right, blanks on the left. */
	tui_sparkline(b, sizeof(b), ramp + 6, 2, 5, false);
	CHECK_STR(b, "   *#");
	/* Zero is blank; anything above zero at least the lowest level. */
	tui_sparkline(b, sizeof(b), gaps, 4, 4, false);
	CHECK_STR(b, " # .");
	/* 60 samples in 12 cells: each cell the largest of its 5. */
	tui_sparkline(b, sizeof(b), sixty, 60, 12, false);
	CHECK_STR(b, "-          #");
	tui_sparkline(b, sizeof(b), ramp, 0, 3, false);
	CHECK_STR(b, "   ");
	/* All zero: blanks, no division by zero. */
	tui_sparkline(b, sizeof(b), gaps, 1, 1, false);
	CHECK_STR(b, " ");
	CHECK_EQ_U64((uint64_t)(int64_t)tui_sparkline(b, 4, ramp, 8, 8, false), (uint64_t)-1);
}

static void test_sparkline_utf8(void)
{
	const float two[2] = { 1, 8 };
	char b[64];

	CHECK_EQ_U64(tui_sparkline(b, sizeof(b), two, 2, 3, true), 3);
	CHECK_STR(b, " \u2581\u2588");
	/* Three bytes a cell: too small a buffer is refused. */
	CHECK_EQ_U64((uint64_t)(int64_t)tui_sparkline(b, 9, two, 2, 3, true), (uint64_t)-1);
}

static void test_fit(void)
{
	char b[16];

	CHECK_STR(tui_fit(b, sizeof(b), "npt_fast", 10), "npt_fast");
	CHECK_STR(tui_fit(b, sizeof(b), "unknown (system)", 8), "unknown~");
	CHECK_STR(tui_fit(b, sizeof(b), "abc", 0), "");
	/* A buffer of 4 holds three cells. */
	CHECK_STR(tui_fit(b, 4, "abcdef", 10), "ab~");
}

static void test_proc_net_dev_line(void)
{
	struct ifstat s;

	CHECK(ifstats_parse_line("  lo: 102800     100    1    2    0     0          0         0   "
				 "102800     100    3    4    0     0       0          0\n", &s) == 0);
	CHECK_STR(s.name, "lo");
	CHECK_EQ_U64(s.rx_bytes, 102800);
	CHECK_EQ_U64(s.rx_packets, 100);
	CHECK_EQ_U64(s.rx_errors, 1);
	CHECK_EQ_U64(s.rx_dropped, 2);
	CHECK_EQ_U64(s.tx_bytes, 102800);
	CHECK_EQ_U64(s.tx_packets, 100);
	CHECK_EQ_U64(s.tx_errors, 3);
	CHECK_EQ_U64(s.tx_dropped, 4);
	/* 64-bit counters, no space after the colon. */
	CHECK(ifstats_parse_line("eth0:18446744073709551615 1 0 0 0 0 0 0 5 6 0 0 0 0 0 0", &s) == 0);
	CHECK_EQ_U64(s.rx_bytes, 18446744073709551615ULL);
	CHECK_STR(s.name, "eth0");
	/* The two header lines. */
	CHECK(ifstats_parse_line("Inter-|   Receive                            |  Transmit\n", &s) != 0);
	CHECK(ifstats_parse_line(" face |bytes    packets errs drop fifo frame compressed multicast|"
				 "bytes    packets errs drop fifo colls carrier compressed\n", &s) != 0);
	s.up = true;
	s.running = false;
	CHECK_STR(ifstats_state(&s), "NO-CARRIER");
}

TEST_MAIN(T(test_bytes), T(test_rates), T(test_heat), T(test_sparkline_ascii),
	  T(test_sparkline_utf8), T(test_fit), T(test_proc_net_dev_line))
