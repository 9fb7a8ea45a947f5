// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pcap filter as it runs in the kernel: libpcap's classic BPF translated
 * to eBPF (src/filter/cbpf_translate.c), written into the filter region of a test
 * program (tests/bpf/pcap_region_test.bpf.c), loaded and run on many
 * generated packets through BPF_PROG_TEST_RUN, each result compared with
 * libpcap's own bpf_filter() on the same bytes. Plus the translator's and
 * the compiler's error paths. Needs root (it loads BPF programs).
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "filter/cbpf_need.h"
#include "filter/pcap_filter.h"
#include "filter/pcap_region.h"
#include "pcap_region_test.skel.h"

#define NP_TEST_PKTS 20000	/* keep in sync with tests/bpf/pcap_region_test.bpf.c */

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
	"ip6 host fd00::1", "ip6 and tcp dst port 80", "ip6 net fd00::/120",
	"tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
	"ip[6:2] & 0x1fff = 0", "len > 100", "greater 200", "less 64",
	"ip[2:2] - ((ip[0] & 0xf) << 2) > 40", "ip[8] * 3 / 2 > 50", "ip[8] % 7 = 3",
	"not tcp and not udp", "portrange 50-90", "ip proto 47", "ip[0] & 0xf > 5",
	"udp[8:4] = 0x79797979", "tcp[13] = 2", "icmp[icmptype] = icmp-echo",
	"(tcp or udp) and (port 53 or port 80) and host 10.0.0.1",
	"ip and (ip[9] ^ 6) = 0", "ip[1] << 2 > 100", "ip[1] >> 1 = 3",
	/* indirect loads at computed offsets, big constants, negation */
	"tcp[((tcp[12] & 0xf0) >> 2):4] = 0x47455420", "udp[ip[0] & 0xf] > 0x80",
	"ip[16:4] > 0x80000000", "ip[12:4] = 0xfffffffe or ip[12:4] >= 0xa0000000",
	"-ip[8] & 0xff = 0xc0", "ip[3] - ip[2] > 200",
	/* longer than the 64 instructions the interpreter this replaced could run */
	"tcp port 1 or tcp port 2 or tcp port 3 or tcp port 4 or tcp port 5 or tcp port 6 "
	"or tcp port 7 or tcp port 8 or udp port 9 or udp port 10 or udp port 11 or "
	"udp port 53 or host 10.0.0.2 or ip6 host fd00::2",
};

struct runner {
	struct pcap_region_test_bpf *first;	/* owns the maps every load reuses */
	int pkts, caplens, results;
};

/* Load the test program with prog translated into it; returns its fd or -errno. */
static int load_filter(struct runner *r, const struct np_cbpf_insn *prog, uint32_t len,
		       struct pcap_region_test_bpf **out)
{
	struct pcap_region_test_bpf *skel = pcap_region_test_bpf__open();
	char err[256];
	int n, ret;

	if (!skel)
		return -errno;
	if (r->first) {
		bpf_map__reuse_fd(skel->maps.pkts, r->pkts);
		bpf_map__reuse_fd(skel->maps.caplens, r->caplens);
		bpf_map__reuse_fd(skel->maps.results, r->results);
	}
	n = pcap_filter_patch(skel->obj, prog, len, err, sizeof(err));
	if (n != 1) {
		fprintf(stderr, "  patch: %d regions: %s\n", n, n < 0 ? err : "");
		pcap_region_test_bpf__destroy(skel);
		return n < 0 ? n : -ENOENT;
	}
	ret = pcap_region_test_bpf__load(skel);
	if (ret) {
		pcap_region_test_bpf__destroy(skel);
		return ret;
	}
	if (!r->first) {
		r->first = skel;
		r->pkts = bpf_map__fd(skel->maps.pkts);
		r->caplens = bpf_map__fd(skel->maps.caplens);
		r->results = bpf_map__fd(skel->maps.results);
	}
	*out = skel;
	return bpf_program__fd(skel->progs.run_filter);
}

static void unload(struct runner *r, struct pcap_region_test_bpf *skel)
{
	if (skel != r->first)
		pcap_region_test_bpf__destroy(skel);
}

#define RUN_FAILED (1ull << 40)	/* neither a classic BPF answer nor NP_PCAP_SHORT */

/* The kernel's result for packet i. */
static uint64_t run_one(struct runner *r, int fd, uint32_t i)
{
	uint64_t arg = i, res = RUN_FAILED;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &arg, .ctx_size_in = sizeof(arg));

	if (bpf_prog_test_run_opts(fd, &opts) || bpf_map_lookup_elem(r->results, &i, &res))
		return RUN_FAILED;
	return res;
}

/* Store packet i in the maps: bytes, wire length, caplen. */
static void store(struct runner *r, uint32_t i, const uint8_t *pkt, uint32_t caplen,
		  uint32_t wirelen)
{
	struct np_pktbuf b = { .wirelen = wirelen };

	memcpy(b.pkt, pkt, caplen < NP_PKT_MAX ? caplen : NP_PKT_MAX);
	CHECK(bpf_map_update_elem(r->pkts, &i, &b, BPF_ANY) == 0);
	CHECK(bpf_map_update_elem(r->caplens, &i, &caplen, BPF_ANY) == 0);
}

static struct runner runner;
static uint8_t packets[NP_TEST_PKTS][NP_PKT_MAX];
static uint32_t caps[NP_TEST_PKTS], wires[NP_TEST_PKTS];

static void test_differential(void)
{
	uint64_t runs = 0, matches = 0, mismatches = 0, shorts = 0, cut = 0, cut_differs = 0;
	uint8_t pkt[512];

	for (size_t e = 0; e < sizeof(exprs) / sizeof(exprs[0]); e++) {
		struct pcap_region_test_bpf *skel;
		struct np_cbpf_insn *prog;
		char err[512];
		struct cbpf_need need;
		uint32_t len;
		int fd;

		if (pcap_filter_compile(exprs[e], &prog, &len, err, sizeof(err))) {
			fprintf(stderr, "  %s: %s\n", exprs[e], err);
			CHECK(0);
			continue;
		}
		fd = load_filter(&runner, prog, len, &skel);
		if (fd < 0) {
			fprintf(stderr, "  '%s' (%u cBPF instructions) does not load: %s\n",
				exprs[e], len, strerror(-fd));
			CHECK(0);
			free(prog);
			continue;
		}
		if (e == 0) {	/* the first load made the maps: fill them once */
			for (uint32_t i = 0; i < NP_TEST_PKTS; i++) {
				uint32_t wire, cap = gen_packet(pkt, sizeof(pkt), &wire);

				/* The kernel copies at most NP_PKT_MAX bytes: libpcap sees the same. */
				caps[i] = cap > NP_PKT_MAX ? NP_PKT_MAX : cap;
				wires[i] = wire;
				memcpy(packets[i], pkt, NP_PKT_MAX);
				store(&runner, i, pkt, caps[i], wire);
			}
		}
		need = cbpf_bytes_needed(prog, len);
		for (uint32_t i = 0; i < NP_TEST_PKTS; i++) {
			uint32_t want = pcap_filter_run(prog, packets[i], caps[i], wires[i]);
			uint64_t got = run_one(&runner, fd, i);
			uint32_t cut_at = np_pcap_need(need.fixed, need.ihl, packets[i][0]);

			/* The programs copy only the bytes the filter needs: the same answer. */
			if (cut_at < caps[i]) {
				cut++;
				cut_differs += pcap_filter_run(prog, packets[i], cut_at, wires[i]) !=
					       want;
			}

			/* A load past the bytes captured: libpcap's "no match", said apart. */
			if (got == NP_PCAP_SHORT) {
				shorts++;
				got = 0;
			}
			runs++;
			matches += want != 0;
			if (got != want && mismatches++ < 5)
				fprintf(stderr, "  '%s': got %llu, libpcap %u (packet %u, caplen %u "
					"wire %u)\n", exprs[e], (unsigned long long)got, want, i,
					caps[i], wires[i]);
		}
		unload(&runner, skel);
		free(prog);
	}
	printf("  %llu packet x expression runs in the kernel, %llu matched, %llu read past "
	       "the bytes captured\n", (unsigned long long)runs, (unsigned long long)matches,
	       (unsigned long long)shorts);
	printf("  %llu runs on only the bytes the filter needs, %llu answered otherwise\n",
	       (unsigned long long)cut, (unsigned long long)cut_differs);
	/* Short captures and payload expressions are in the mix: some loads must fall short. */
	CHECK(shorts > 0);
	CHECK(cut > runs / 4);
	CHECK_EQ_U64(cut_differs, 0);
	CHECK_EQ_U64(runs, (uint64_t)NP_TEST_PKTS * (sizeof(exprs) / sizeof(exprs[0])));
	CHECK_EQ_U64(mismatches, 0);
	/* The generator must exercise both outcomes. */
	CHECK(matches > runs / 20);
	CHECK(matches < runs - runs / 20);
}

/*
 * Hand-written programs for instructions libpcap's optimizer rarely emits,
 * each run in the kernel on one packet and compared with libpcap and with
 * the value worked out by hand.
 */
static void test_opcodes(void)
{
	static const uint8_t pkt[8] = { 0x45, 0x00, 0x00, 0x08, 1, 2, 3, 0x84 };
	static const struct { const char *name; struct np_cbpf_insn p[8]; uint32_t len, want; }
	cases[] = {
		{ "div by X = 0", { { 0x00, 0, 0, 7 }, { 0x01, 0, 0, 0 }, { 0x3c, 0, 0, 0 },
				     { 0x06, 0, 0, 1 } }, 4, 0 },
		{ "mod by X", { { 0x00, 0, 0, 17 }, { 0x01, 0, 0, 5 }, { 0x9c, 0, 0, 0 },
				{ 0x16, 0, 0, 0 } }, 4, 2 },
		{ "scratch, msh, txa, add x", { { 0x30, 0, 0, 4 }, { 0x02, 0, 0, 3 },
				{ 0xb1, 0, 0, 0 }, { 0x87, 0, 0, 0 }, { 0x61, 0, 0, 3 },
				{ 0x0c, 0, 0, 0 }, { 0x16, 0, 0, 0 } }, 7, 21 },
		{ "word past caplen", { { 0x20, 0, 0, 6 }, { 0x06, 0, 0, 1 } }, 2, 0 },
		{ "ldh [x + 2]", { { 0x01, 0, 0, 2 }, { 0x48, 0, 0, 2 },
				  { 0x15, 0, 1, 0x0102 }, { 0x06, 0, 0, 9 }, { 0x06, 0, 0, 0 } },
		  5, 9 },
		{ "ldb [x + k] past caplen", { { 0x01, 0, 0, 7 }, { 0x50, 0, 0, 1 },
				{ 0x06, 0, 0, 1 } }, 3, 0 },
		{ "lsh by X >= 32 is 0", { { 0x00, 0, 0, 5 }, { 0x01, 0, 0, 40 },
				{ 0x6c, 0, 0, 0 }, { 0x16, 0, 0, 0 } }, 4, 0 },
		{ "rsh by X", { { 0x00, 0, 0, 0x80 }, { 0x01, 0, 0, 3 }, { 0x7c, 0, 0, 0 },
				{ 0x16, 0, 0, 0 } }, 4, 16 },
		{ "jgt with k >= 2^31 (32-bit unsigned)", { { 0x20, 0, 0, 4 },
				{ 0x25, 1, 0, 0x80000000 }, { 0x06, 0, 0, 7 }, { 0x06, 0, 0, 8 } },
		  4, 7 },
		{ "jeq 0xffffffff after neg", { { 0x00, 0, 0, 1 }, { 0x84, 0, 0, 0 },
				{ 0x15, 0, 1, 0xffffffff }, { 0x06, 0, 0, 3 }, { 0x06, 0, 0, 4 } },
		  5, 3 },
		{ "jset, true falls through", { { 0x30, 0, 0, 7 }, { 0x45, 0, 1, 0x80 },
				{ 0x06, 0, 0, 5 }, { 0x06, 0, 0, 6 } }, 4, 5 },
		{ "ja over a return", { { 0x05, 0, 0, 1 }, { 0x06, 0, 0, 1 },
				{ 0x06, 0, 0, 2 } }, 3, 2 },
		{ "ld len, tax, ld #0, txa", { { 0x80, 0, 0, 0 }, { 0x07, 0, 0, 0 },
				{ 0x00, 0, 0, 0 }, { 0x87, 0, 0, 0 }, { 0x16, 0, 0, 0 } }, 5, 8 },
		{ "ret k >= 2^31", { { 0x06, 0, 0, 0xfffffff0 } }, 1, 0xfffffff0 },
	};
	uint32_t slot = NP_TEST_PKTS - 1;

	store(&runner, slot, pkt, sizeof(pkt), sizeof(pkt));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pcap_region_test_bpf *skel;
		int fd = load_filter(&runner, cases[i].p, cases[i].len, &skel);
		uint32_t lib = pcap_filter_run(cases[i].p, pkt, sizeof(pkt), sizeof(pkt));

		if (fd < 0) {
			fprintf(stderr, "  %s: does not load: %s\n", cases[i].name, strerror(-fd));
			CHECK(0);
			continue;
		}
		uint64_t got = run_one(&runner, fd, slot);
		/* Loads past the bytes captured say so; every other "no match" is 0. */
		bool short_want = strstr(cases[i].name, "past caplen") != NULL;

		if (got == NP_PCAP_SHORT) {
			CHECK(short_want);
			got = 0;
		} else {
			CHECK(!short_want);
		}
		if (got != cases[i].want || lib != cases[i].want) {
			fprintf(stderr, "  %s: kernel %llu, libpcap %u, expected %u\n", cases[i].name,
				(unsigned long long)got, lib, cases[i].want);
			CHECK(0);
		}
		unload(&runner, skel);
	}
}

/* prog is refused with -EINVAL and exactly this reason. */
static void check_refused(struct bpf_object *obj, const struct np_cbpf_insn *prog, uint32_t len,
			  const char *reason)
{
	char err[256] = "";

	CHECK_EQ_U64(pcap_filter_patch(obj, prog, len, err, sizeof(err)), (uint64_t)-EINVAL);
	CHECK_STR(err, reason);
}

/* Programs the translator refuses, each with its reason. */
static void test_translate_errors(void)
{
	static const struct np_cbpf_insn past_end[] = { { 0x15, 0, 3, 1 }, { 0x06, 0, 0, 1 } };
	static const struct np_cbpf_insn no_ret[] = { { 0x00, 0, 0, 1 } };
	static const struct np_cbpf_insn bad_mem[] = { { 0x60, 0, 0, 16 }, { 0x16, 0, 0, 0 } };
	static const struct np_cbpf_insn bad_code[] = { { 0x20 | 0x18, 0, 0, 0 },
							{ 0x06, 0, 0, 1 } };
	/* "ret x" is neither libpcap's nor Linux's classic BPF */
	static const struct np_cbpf_insn ret_x[] = { { 0x0e, 0, 0, 0 } };
	struct pcap_region_test_bpf *skel = pcap_region_test_bpf__open();
	struct np_cbpf_insn big[401];
	char err[256];

	if (!skel) {
		CHECK(0);
		return;
	}
	check_refused(skel->obj, past_end, 2, "cBPF instruction 0 runs past the end (2 instructions)");
	check_refused(skel->obj, no_ret, 1, "cBPF instruction 0 runs past the end (1 instructions)");
	check_refused(skel->obj, bad_mem, 2, "cBPF instruction 0: scratch word 16");
	check_refused(skel->obj, bad_code, 2, "cBPF instruction 0: unsupported code 0x38");
	check_refused(skel->obj, ret_x, 1, "cBPF instruction 0: unsupported code 0xe");
	/* 400 word loads (3 eBPF instructions each) do not fit the 1024 slots. */
	for (int i = 0; i < 400; i++)
		big[i] = (struct np_cbpf_insn){ 0x20, 0, 0, 0 };	/* ld [0] */
	big[400] = (struct np_cbpf_insn){ 0x06, 0, 0, 1 };
	CHECK_EQ_U64(pcap_filter_patch(skel->obj, big, 401, err, sizeof(err)), (uint64_t)-E2BIG);
	CHECK_STR(err, "the filter needs more than 1024 eBPF instructions (401 cBPF instructions)");
	pcap_region_test_bpf__destroy(skel);
}

static void test_compile_errors(void)
{
	struct np_cbpf_insn *prog;
	char err[512];
	uint32_t len;
	char *argv[] = { "tcp", "and", "port", "80" };
	char *joined = pcap_filter_join(4, argv);

	CHECK_STR(joined, "tcp and port 80");
	free(joined);
	CHECK(pcap_filter_join(0, argv) == NULL);
	CHECK_EQ_U64(pcap_filter_compile("tcp port nosuch", &prog, &len, err, sizeof(err)),
		     (uint64_t)-EINVAL);
	CHECK(strstr(err, "nosuch") != NULL);
	CHECK_EQ_U64(pcap_filter_compile("ip", &prog, &len, err, sizeof(err)), 0);
	CHECK_EQ_U64(len, 5);	/* ldb [0]; and #0xf0; jeq #0x40; ret #65535; ret #0 */
	free(prog);
}

/*
 * The bytes each filter needs, worked out by hand from the program libpcap
 * compiles (DLT_RAW): fixed, and past the IPv4 header where a transport
 * header is read through X = 4 * ([0] & 0xf).
 */
static void test_bytes_needed(void)
{
	static const struct {
		const char *expr;
		uint32_t fixed, ihl;
		bool len;	/* reads the wire length */
	} cases[] = {
		{ "ip", 1, 0, false },			/* ldb [0] */
		{ "len > 100", 0, 0, true },		/* the wire length only */
		{ "less 64", 0, 0, true },
		{ "ip[3] - ip[2] > 200", 4, 0, false },
		{ "ip[16:4] > 0x80000000", 20, 0, false },
		/* IPv6: ldh [42]; IPv4: ldh [x + 2] */
		{ "udp port 9", 44, 4, false },
		{ "ip6 and tcp dst port 80", 44, 0, false },
		/* ldb [9] (protocol), ldh [6] (fragment), ld [x + 8] */
		{ "udp[8:4] = 0x79797979", 10, 12, false },
		{ "tcp[tcpflags] & tcp-syn != 0", 10, 14, false },	/* ldb [x + 13] */
		/* X = H + (tcp[12] & 0xf0) >> 2, at most H + 60; then ld [x + 0] */
		{ "tcp[((tcp[12] & 0xf0) >> 2):4] = 0x47455420", 10, 64, false },
		/* An offset read from the packet: bounded by the byte's width only. */
		{ "ip[ip[0]] = 1", 256, 0, false },
		{ "ip[300] = 1", NP_PKT_MAX, 0, false },
	};
	static const struct np_cbpf_insn ja_past_end[] = { { 0x05, 0, 0, 5 }, { 0x06, 0, 0, 1 } };
	/* ldx 4*([0]&0xf); txa; add x; tax; ldb [x+0]: 2H, past what one H can say */
	static const struct np_cbpf_insn twice_h[] = {
		{ 0xb1, 0, 0, 0 }, { 0x87, 0, 0, 0 }, { 0x0c, 0, 0, 0 }, { 0x07, 0, 0, 0 },
		{ 0x50, 0, 0, 0 }, { 0x06, 0, 0, 1 },
	};
	struct cbpf_need n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct np_cbpf_insn *prog;
		char err[512];
		uint32_t len;

		if (pcap_filter_compile(cases[i].expr, &prog, &len, err, sizeof(err))) {
			fprintf(stderr, "  %s: %s\n", cases[i].expr, err);
			CHECK(0);
			continue;
		}
		n = cbpf_bytes_needed(prog, len);
		if (n.fixed != cases[i].fixed || n.ihl != cases[i].ihl)
			fprintf(stderr, "  '%s': %u, %u past the IPv4 header\n", cases[i].expr,
				n.fixed, n.ihl);
		CHECK_EQ_U64(n.fixed, cases[i].fixed);
		CHECK_EQ_U64(n.ihl, cases[i].ihl);
		CHECK_EQ_U64(n.len, cases[i].len);
		free(prog);
	}
	n = cbpf_bytes_needed(twice_h, 6);
	CHECK_EQ_U64(n.fixed, 121);	/* 60 + 60 + 1 */
	CHECK_EQ_U64(n.ihl, 0);
	/* For one packet, as the programs decide (the first byte 0x46: a 24-byte header). */
	CHECK_EQ_U64(np_pcap_need(44, 4, 0x46), 44);	/* 24 + 4 < 44 */
	CHECK_EQ_U64(np_pcap_need(44, 40, 0x46), 64);	/* 24 + 40 */
	CHECK_EQ_U64(np_pcap_need(44, 0, 0x46), 44);	/* nothing past the header */
	n = cbpf_bytes_needed(ja_past_end, 2);
	CHECK_EQ_U64(n.fixed, NP_PKT_MAX);
	CHECK_EQ_U64(n.ihl, 0);
	CHECK_EQ_U64(n.len, true);	/* no bound found: everything, the length too */
	n = cbpf_bytes_needed(NULL, 0);
	CHECK_EQ_U64(n.fixed, NP_PKT_MAX);
}

TEST_MAIN(T(test_differential), T(test_bytes_needed), T(test_opcodes), T(test_translate_errors),
	  T(test_compile_errors))
