// SPDX-License-Identifier: GPL-2.0-only
/* Filter option parsing and event formatting shared by drop and trace. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "harness.h"
#include "filter/filter_opts.h"
#include "lib/bpf_util.h"
#include "pktpath/pkt_format.h"

static void test_filter_options(void)
{
	struct filter_opts f;
	struct stat st;

	memset(&f, 0, sizeof(f));
	CHECK_EQ_U64(filter_opt(&f, FILTER_OPT_MARK, "0x42"), 0);
	CHECK_EQ_U64(f.cfg.mark, 0x42);
	CHECK_EQ_U64(f.cfg.mark_mask, 0xffffffff);
	CHECK_EQ_U64(filter_opt(&f, FILTER_OPT_MARK, "0x4f/0xf0"), 0);
	CHECK_EQ_U64(f.cfg.mark, 0x40);		/* value bits outside the mask dropped */
	CHECK_EQ_U64(f.cfg.mark_mask, 0xf0);
	CHECK_EQ_U64(filter_opt(&f, FILTER_OPT_MARK, "7/"), (uint64_t)-EINVAL);
	CHECK_EQ_U64(filter_opt(&f, FILTER_OPT_MARK, "0x100000000"), (uint64_t)-EINVAL);
	CHECK(f.cfg.flags & NP_F_MARK);

	CHECK_EQ_U64(filter_opt(&f, FILTER_OPT_IFNAME, "lo"), 0);	/* exists in every namespace */
	CHECK_STR(f.cfg.ifname, "lo");
	/* A name no namespace has: -ENODEV (the one-line error is the integration test's). */
	CHECK_EQ_U64(filter_opt(&f, FILTER_OPT_IFNAME, "npnosuch9"), (uint64_t)-ENODEV);
	CHECK_EQ_U64(filter_opt(&f, FILTER_OPT_IFNAME, "averyveryverylongname"), (uint64_t)-EINVAL);
	CHECK_EQ_U64(filter_opt(&f, FILTER_OPT_PID, "0"), (uint64_t)-EINVAL);
	CHECK_EQ_U64(filter_opt(&f, FILTER_OPT_PID, "4242"), 0);
	CHECK_EQ_U64(f.cfg.pid, 4242);

	CHECK_EQ_U64(filter_opt(&f, FILTER_OPT_NETNS, "4026531840"), 0);
	CHECK_EQ_U64(f.cfg.netns, 4026531840u);
	if (stat("/proc/self/ns/net", &st) == 0) {
		CHECK_EQ_U64(filter_opt(&f, FILTER_OPT_NETNS, "/proc/self/ns/net"), 0);
		CHECK_EQ_U64(f.cfg.netns, st.st_ino);
	}
	CHECK_EQ_U64(filter_opt(&f, FILTER_OPT_NETNS, "no-such-netns-name"), (uint64_t)-EINVAL);

	{
		char *argv[] = { "udp", "and", "port", "53" };

		CHECK_EQ_U64(filter_expr(&f, 4, argv), 0);
		CHECK_STR(f.expr, "udp and port 53");
		/* IPv4 and IPv6, each with the port checked both ways: libpcap's 23 */
		CHECK_EQ_U64(f.prog_len, 23);
		CHECK(f.prog != NULL);
		CHECK(f.cfg.flags & NP_F_PCAP);
		filter_free(&f);
	}
}

static void test_formatting(void)
{
	struct np_pkt p;
	char buf[64];

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.l4proto = 6;
	p.saddr[0] = 10; p.saddr[3] = 1;
	p.daddr[0] = 192; p.daddr[1] = 168; p.daddr[3] = 7;
	CHECK_STR(pkt_proto_name(&p, buf, sizeof(buf)), "tcp");
	CHECK_STR(pkt_addr(&p, true, buf, sizeof(buf)), "10.0.0.1");
	CHECK_STR(pkt_addr(&p, false, buf, sizeof(buf)), "192.168.0.7");
	p.l4proto = 58;
	CHECK_STR(pkt_proto_name(&p, buf, sizeof(buf)), "icmp6");
	p.l4proto = 250;
	CHECK_STR(pkt_proto_name(&p, buf, sizeof(buf)), "ip-proto-250");
	p.family = 6;
	memset(p.saddr, 0, 16);
	p.saddr[15] = 1;
	CHECK_STR(pkt_addr(&p, true, buf, sizeof(buf)), "::1");
	p.family = 0;
	p.ethertype = 0x0806;
	CHECK_STR(pkt_proto_name(&p, buf, sizeof(buf)), "arp");
	p.ethertype = 0x88f7;
	CHECK_STR(pkt_proto_name(&p, buf, sizeof(buf)), "0x88f7");
	CHECK_STR(pkt_addr(&p, true, buf, sizeof(buf)), "");

	CHECK_STR(pkt_tcp_flags(0x02, buf, sizeof(buf)), "S");
	CHECK_STR(pkt_tcp_flags(0x12, buf, sizeof(buf)), "SA");
	CHECK_STR(pkt_tcp_flags(0x19, buf, sizeof(buf)), "FPA");
	CHECK_STR(pkt_tcp_flags(0, buf, sizeof(buf)), "");
}

TEST_MAIN(T(test_filter_options), T(test_formatting))
