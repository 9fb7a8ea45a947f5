// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel cBPF interpreter (src/bpf/cbpf.bpf.h, run here through
 * pcap_filter_run) against libpcap's own bpf_filter(), on many generated
 * packets and expressions; plus the expression compiler's error paths.
 */
#include <errno.h>
#include <stdlib.h>
#include <pcap/pcap.h>
#include "harness.h"
#include "pcap_filter.h"

static uint32_t rng = 12345;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* A plausible IPv4/IPv6 packet with TCP/UDP/ICMP, or random bytes; returns caplen. */
static uint32_t gen_packet(uint8_t *p, uint32_t size, uint32_t *wirelen)
{
	static const uint8_t protos[] = { 6, 17, 1, 58, 132, 47 };
	uint32_t kind = rnd() % 8, len, off;

	for (uint32_t i = 0; i < size; i++)
		p[i] = rnd();
	if (kind == 0) {	/* garbage of any length */
		len = rnd() % size;
		*wirelen = len + rnd() % 64;
		return len;
	}
	if (kind <= 4) {
		uint32_t ihl = 5 + (rnd() % 4 == 0 ? rnd() % 11 : 0);

		p[0] = 0x40 | ihl;
		p[6] = rnd() % 4 == 0 ? p[6] : 0x40;
		p[7] = rnd() % 4 == 0 ? p[7] : 0;
		p[9] = protos[rnd() % 6];
		if (rnd() % 2) {	/* addresses from a small set so host filters hit */
			p[12] = 10; p[13] = 0; p[14] = 0; p[15] = rnd() % 3;
			p[16] = 10; p[17] = 0; p[18] = 0; p[19] = rnd() % 3;
		}
		off = ihl * 4;
	} else {
		p[0] = 0x60;
		p[6] = protos[rnd() % 6];
		if (rnd() % 2) {
			memset(p + 8, 0, 32);
			p[8] = p[24] = 0xfd;
			p[23] = rnd() % 3;
			p[39] = rnd() % 3;
		}
		off = 40;
	}
	/* ports from a small set */
	if (off + 4 <= size) {
		static const uint16_t ports[] = { 53, 80, 443, 40000 };
		uint16_t sp = ports[rnd() % 4], dp = ports[rnd() % 4];

		p[off] = sp >> 8; p[off + 1] = sp;
		p[off + 2] = dp >> 8; p[off + 3] = dp;
	}
	len = off + rnd() % 80;
	if (rnd() % 8 == 0)
		len = rnd() % (off + 30);	/* truncated headers */
	if (len > size)
		len = size;
	*wirelen = len + (rnd() % 4 == 0 ? rnd() % 1500 : 0);
	if (p[0] >> 4 == 4) {	/* total length field consistent with the wire length */
		p[2] = *wirelen >> 8;
		p[3] = *wirelen;
	}
	return len;
}

static const char *const exprs[] = {
	"ip", "ip6", "tcp", "udp", "icmp", "icmp6", "sctp",
	"tcp port 80", "udp dst port 53", "tcp src port 443 or udp port 40000",
	"host 10.0.0.1", "src host 10.0.0.2 and dst host 10.0.0.0", "net 10.0.0.0/24",
	"ip6 host fd00::1", "ip6 and tcp dst port 80",
	"tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
	"ip[6:2] & 0x1fff = 0", "len > 100", "greater 200", "less 64",
	"ip[2:2] - ((ip[0] & 0xf) << 2) > 40", "ip[8] * 3 / 2 > 50", "ip[8] % 7 = 3",
	"not tcp and not udp", "portrange 50-90", "ip proto 47", "ip[0] & 0xf > 5",
	"udp[8:4] = 0x79797979", "tcp[13] = 2", "icmp[icmptype] = icmp-echo",
	"(tcp or udp) and (port 53 or port 80) and host 10.0.0.1",
	"ip and (ip[9] ^ 6) = 0", "ip[1] << 2 > 100", "ip[1] >> 1 = 3",
};

static void test_differential(void)
{
	uint8_t pkt[512];
	uint64_t runs = 0, matches = 0, mismatches = 0;

	for (size_t e = 0; e < sizeof(exprs) / sizeof(exprs[0]); e++) {
		struct np_cbpf_insn prog[NP_CBPF_MAX];
		struct bpf_insn *insns = (struct bpf_insn *)prog;
		char err[512];
		uint32_t len;

		if (pcap_filter_compile(exprs[e], prog, &len, err, sizeof(err))) {
			fprintf(stderr, "  %s: %s\n", exprs[e], err);
			CHECK(0);
			continue;
		}
		for (int i = 0; i < 20000; i++) {
			uint32_t wire, cap = gen_packet(pkt, sizeof(pkt), &wire);
			/* The kernel copies at most NP_PKT_MAX bytes: libpcap sees the same. */
			uint32_t kcap = cap > NP_PKT_MAX ? NP_PKT_MAX : cap;
			u_int want = bpf_filter(insns, pkt, wire, kcap);
			uint32_t got = pcap_filter_run(prog, len, pkt, cap, wire);

			runs++;
			matches += want != 0;
			if (got != want && mismatches++ < 5)
				fprintf(stderr, "  '%s': got %u, libpcap %u (caplen %u wire %u)\n",
					exprs[e], got, want, cap, wire);
		}
	}
	CHECK_EQ_U64(mismatches, 0);
	/* The generator must exercise both outcomes. */
	CHECK(matches > runs / 20);
	CHECK(matches < runs - runs / 20);
}

/* Hand-written programs for opcodes libpcap's optimizer rarely emits. */
static void test_opcodes(void)
{
	uint8_t pkt[8] = { 0x45, 0x00, 0x00, 0x08, 1, 2, 3, 4 };
	struct np_cbpf_insn div0[] = {
		{ 0x00, 0, 0, 7 },	/* ld #7 */
		{ 0x01, 0, 0, 0 },	/* ldx #0 */
		{ 0x3c, 0, 0, 0 },	/* div x */
		{ 0x06, 0, 0, 1 },	/* ret #1 */
	};
	struct np_cbpf_insn mem[] = {
		{ 0x30, 0, 0, 4 },	/* ldb [4] */
		{ 0x02, 0, 0, 3 },	/* st M[3] */
		{ 0xb1, 0, 0, 0 },	/* ldxb 4*([0]&0xf) */
		{ 0x87, 0, 0, 0 },	/* txa */
		{ 0x61, 0, 0, 3 },	/* ldx M[3] */
		{ 0x0c, 0, 0, 0 },	/* add x */
		{ 0x16, 0, 0, 0 },	/* ret a */
	};
	struct np_cbpf_insn oob[] = {
		{ 0x20, 0, 0, 6 },	/* ld [6] : 4 bytes from offset 6 of 8 */
		{ 0x06, 0, 0, 1 },
	};
	struct np_cbpf_insn ind[] = {
		{ 0x01, 0, 0, 2 },	/* ldx #2 */
		{ 0x48, 0, 0, 2 },	/* ldh [x + 2] */
		{ 0x15, 0, 1, 0x0102 },	/* jeq #0x0102 */
		{ 0x06, 0, 0, 9 },
		{ 0x06, 0, 0, 0 },
	};

	CHECK_EQ_U64(pcap_filter_run(div0, 4, pkt, 8, 8), 0);
	CHECK_EQ_U64(pcap_filter_run(mem, 7, pkt, 8, 8), 21);
	CHECK_EQ_U64(pcap_filter_run(oob, 2, pkt, 8, 8), 0);
	CHECK_EQ_U64(pcap_filter_run(ind, 5, pkt, 8, 8), 9);
	CHECK_EQ_U64(pcap_filter_run(ind, 1, pkt, 8, 8), 0);	/* ran off the end */
}

static void test_compile_errors(void)
{
	struct np_cbpf_insn prog[NP_CBPF_MAX];
	char err[512];
	uint32_t len;
	char *argv[] = { "tcp", "and", "port", "80" };
	char *joined = pcap_filter_join(4, argv);

	CHECK_STR(joined, "tcp and port 80");
	free(joined);
	CHECK(pcap_filter_join(0, argv) == NULL);
	CHECK_EQ_U64(pcap_filter_compile("tcp port nosuch", prog, &len, err, sizeof(err)),
		     (uint64_t)-EINVAL);
	CHECK(strstr(err, "nosuch") != NULL);
	CHECK_EQ_U64(pcap_filter_compile("tcp port 1 or tcp port 2 or tcp port 3 or tcp port 4 "
					 "or tcp port 5 or tcp port 6 or tcp port 7 or tcp port 8 "
					 "or udp port 9 or udp port 10 or udp port 11 or udp port 12",
					 prog, &len, err, sizeof(err)), (uint64_t)-E2BIG);
	CHECK_EQ_U64(pcap_filter_compile("ip", prog, &len, err, sizeof(err)), 0);
	CHECK(len > 0 && len < 8);
}

TEST_MAIN(T(test_differential), T(test_opcodes), T(test_compile_errors))
