// SPDX-License-Identifier: GPL-2.0-only
/* Stage histograms of `netoproc latency`: slots, sums and percentiles. */
#include <math.h>
#include <stdlib.h>
#include "harness.h"
#include "latency/latency_hist.h"
#include "latency/latency_report.h"
#include "latency/latency_stages.h"

#define CHECK_NEAR(a, b, eps) CHECK(fabs((a) - (b)) <= (eps))

static void test_slots(void)
{
	CHECK_EQ_U64(lat_slot_of(0), 0);
	CHECK_EQ_U64(lat_slot_of(999), 0);		/* under 1 us */
	CHECK_EQ_U64(lat_slot_of(1000), 1);		/* [1, 2) us */
	CHECK_EQ_U64(lat_slot_of(1999), 1);
	CHECK_EQ_U64(lat_slot_of(2000), 2);		/* [2, 4) us */
	CHECK_EQ_U64(lat_slot_of(200000000), 18);	/* 200 ms: [131072, 262144) us */
	CHECK_EQ_U64(lat_slot_of(UINT64_MAX), NP_LAT_SLOTS - 1);
	CHECK_NEAR(lat_slot_lo_us(18), 131072, 0);
	CHECK_NEAR(lat_slot_hi_us(18), 262144, 0);
	CHECK_NEAR(lat_slot_lo_us(0), 0, 0);
	CHECK(isinf(lat_slot_hi_us(NP_LAT_SLOTS - 1)));
}

static void test_percentiles(void)
{
	struct lat_hist h = { 0 }, b = { 0 };

	CHECK_NEAR(lat_percentile_us(&h, 0.5), 0, 0);
	/* Five samples 200.0 .. 200.4 ms, one slot: interpolation between min and max. */
	for (int i = 0; i < 5; i++)
		lat_hist_sample(&h, 200000000ull + i * 100000ull);
	CHECK_EQ_U64(h.count, 5);
	CHECK_EQ_U64(h.slots[18], 5);
	CHECK_NEAR(lat_percentile_us(&h, 0.5), 200000 + 400 * 0.5, 1e-6);
	CHECK_NEAR(lat_percentile_us(&h, 1.0), 200400, 1e-6);
	/* 100 samples spread evenly over 0..1000 us (10 us apart). */
	for (int i = 0; i < 100; i++)
		lat_hist_sample(&b, (uint64_t)i * 10000 + 5000);	/* 5, 15, ... 995 us */
	CHECK_EQ_U64(b.slots[0], 0);
	CHECK_EQ_U64(b.slots[3], 1);	/* 5 us in [4, 8) */
	CHECK_EQ_U64(b.slots[10], 49);	/* [512, 1024): 515 .. 995 */
	/* p50: rank 50 is the 50th sample; slot [256, 512) holds ranks 27..51 (25 samples). */
	CHECK_NEAR(lat_percentile_us(&b, 0.5), 256 + 256 * (50.0 - 26) / 25, 1e-6);
	/* p99 in [512, 1024) clamped to the max 995: 512 + (995 - 512) * 48/49 */
	CHECK_NEAR(lat_percentile_us(&b, 0.99), 512 + (995 - 512) * 48.0 / 49, 1e-6);
	/* Adding histograms keeps min, max and slots. */
	lat_hist_add(&b, &h);
	CHECK_EQ_U64(b.count, 105);
	CHECK_EQ_U64(b.min_ns, 5000);
	CHECK_EQ_U64(b.max_ns, 200400000);
	CHECK_EQ_U64(b.slots[18], 5);
}

static void test_cpu_shares(void)
{
	struct np_lat_hist c0 = { .count = 2, .sum_ns = 3000, .min_ns = 1000, .max_ns = 2000 };
	struct np_lat_hist c1 = { .count = 1, .sum_ns = 500, .min_ns = 500, .max_ns = 500 };
	struct np_lat_hist empty = { 0 };
	struct lat_hist h = { 0 };

	c0.slots[1] = 1;
	c0.slots[2] = 1;
	c1.slots[0] = 1;
	lat_hist_add_cpu(&h, &empty);
	lat_hist_add_cpu(&h, &c0);
	lat_hist_add_cpu(&h, &c1);
	CHECK_EQ_U64(h.count, 3);
	CHECK_EQ_U64(h.sum_ns, 3500);
	CHECK_EQ_U64(h.min_ns, 500);	/* an idle CPU's 0 is not a minimum */
	CHECK_EQ_U64(h.max_ns, 2000);
}

static void test_stages(void)
{
	unsigned int all = (1u << LP_MAX) - 1;

	CHECK_EQ_U64(lat_stage_by_name("rx_socket_queue"), NP_LS_RX_SOCKET_QUEUE);
	CHECK_EQ_U64(lat_stage_by_name("tx_qdisc"), NP_LS_TX_QDISC);
	CHECK(lat_stage_by_name("nope") == -1);
	for (int s = 0; s < NP_LS_MAX; s++)
		CHECK(lat_stage_missing(s, all) == -1);
	/* A kernel without sock:sk_data_ready (before 6.3): rx_stack and rx_socket_queue. */
	CHECK_EQ_U64(lat_stage_missing(NP_LS_RX_SOCKET_QUEUE, all & ~(1u << LP_SK_DATA_READY)),
		     LP_SK_DATA_READY);
	CHECK(lat_stage_missing(NP_LS_RX_TOTAL, all & ~(1u << LP_SK_DATA_READY)) == -1);
}

static void test_json_line(void)
{
	struct lat_row r = { .stage = NP_LS_TX_QDISC, .by = NP_LAT_BY_DEV,
			     .group = (4026531840ull << 32) | 7, .name = "veth0" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	lat_hist_sample(&r.h, 3000);
	lat_hist_sample(&r.h, 3000);
	lat_report(f, true, &r, 1, true, 1000.5);
	fclose(f);
	CHECK_STR(buf, "{\"time\":1000.500,\"scope\":\"total\",\"stage\":\"tx_qdisc\","
		  "\"ifname\":\"veth0\",\"ifindex\":7,\"netns\":4026531840,\"count\":2,"
		  "\"p50_us\":3.000,\"p90_us\":3.000,\"p99_us\":3.000,\"max_us\":3.000,"
		  "\"min_us\":3.000,\"mean_us\":3.000,\"buckets\":{\"4\":2}}\n");
	free(buf);
}

TEST_MAIN(T(test_slots), T(test_percentiles), T(test_cpu_shares), T(test_stages),
	  T(test_json_line))
