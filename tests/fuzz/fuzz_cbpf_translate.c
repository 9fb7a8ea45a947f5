// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for cbpf_translate() (src/filter/cbpf_translate.c): a
 * classic BPF program and a packet from the fuzz bytes; the translation runs
 * in a userspace eBPF interpreter (ebpf_interp.c, the kernel's semantics,
 * every access bounds-checked, no byte past caplen) and its result must be
 * what libpcap's bpf_filter() says of the same packet.
 *
 * Input: byte 0 = number of cBPF instructions (1..256: value + 1), byte 1 =
 * which registers the region got (bits 0-2), how long the wire packet was
 * (bits 3-6) and whether to repair the program (bit 7), then 8
 * bytes per instruction (code u16, jt, jf, k u32; little-endian, the layout
 * of struct bpf_insn), then the packet (its first NP_PKT_MAX bytes captured,
 * as the kernel copies them). Repairing makes almost any program one that
 * bpf_validate() accepts (codes mapped onto those bpf_filter() runs, jumps
 * inside the program, a return last, scratch words < 16, no division by a
 * constant 0 or constant shift >= 32, packet offsets mostly inside the
 * packet), so that most inputs are compared. Checks, besides the sanitizers:
 *   - the translation returns -EINVAL, -E2BIG or the instructions of code,
 *     fills all NP_REGION_INSNS slots, and says why in one line when it fails;
 *   - a program libpcap's bpf_validate() accepts, made only of the codes
 *     bpf_filter() runs, is translated (or too big);
 *   - the translation only jumps forward inside the region, touches only
 *     r0-r5 and the result, reads the packet only below caplen, and returns
 *     exactly bpf_filter()'s value (zero-extended) -- unless the program read
 *     a scratch word it never stored (libpcap's is then uninitialised stack)
 *     or shifts by a constant of 32 or more (undefined in libpcap's C);
 *   - cbpf_bytes_needed() bounds every load: libpcap on only that many of the
 *     bytes answers as on all of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include "filter/cbpf_need.h"
#include "filter/cbpf_translate.h"
#include "ebpf_interp.h"
#include "pcap_ref.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/*
 * FUZZ_STATS=1 in the environment: at exit, how many inputs got how far
 * (translated, run, compared with libpcap, matched), on stderr.
 */
static unsigned long n_inputs, n_translated, n_ran, n_compared, n_matched, n_need;

static void print_stats(void)
{
	fprintf(stderr, "cbpf: %lu inputs, %lu translated, %lu run, %lu compared with "
		"bpf_filter, %lu matching, %lu also on the bytes needed alone\n", n_inputs,
		n_translated, n_ran, n_compared, n_matched, n_need);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (getenv("FUZZ_STATS"))
		atexit(print_stats);
	return 0;
}

/* The codes libpcap's bpf_filter() runs (anything else: abort() there). */
static bool pcap_runs(uint16_t code)
{
	switch (code) {
	case BPF_RET | BPF_K: case BPF_RET | BPF_A:
	case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS: case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN: case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_LD | BPF_W | BPF_IND: case BPF_LD | BPF_H | BPF_IND: case BPF_LD | BPF_B | BPF_IND:
	case BPF_LDX | BPF_MSH | BPF_B: case BPF_LD | BPF_IMM: case BPF_LDX | BPF_IMM:
	case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM: case BPF_ST: case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_X: case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JEQ | BPF_X: case BPF_JMP | BPF_JSET | BPF_X:
	case BPF_ALU | BPF_ADD | BPF_X: case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_X: case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_MOD | BPF_X: case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_X: case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_X: case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_SUB | BPF_K:
	case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_MOD | BPF_K: case BPF_ALU | BPF_AND | BPF_K:
	case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_XOR | BPF_K:
	case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_K:
	case BPF_ALU | BPF_NEG: case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
		return true;
	}
	return false;
}

/* What bpf_filter() runs, for repair(): the codes of pcap_runs(). */
static const uint16_t runs[] = {
	BPF_RET | BPF_K, BPF_RET | BPF_A,
	BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
	BPF_LD | BPF_W | BPF_LEN, BPF_LDX | BPF_W | BPF_LEN,
	BPF_LD | BPF_W | BPF_IND, BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
	BPF_LDX | BPF_MSH | BPF_B, BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM,
	BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST, BPF_STX, BPF_JMP | BPF_JA,
	BPF_JMP | BPF_JGT | BPF_K, BPF_JMP | BPF_JGE | BPF_K, BPF_JMP | BPF_JEQ | BPF_K,
	BPF_JMP | BPF_JSET | BPF_K, BPF_JMP | BPF_JGT | BPF_X, BPF_JMP | BPF_JGE | BPF_X,
	BPF_JMP | BPF_JEQ | BPF_X, BPF_JMP | BPF_JSET | BPF_X,
	BPF_ALU | BPF_ADD | BPF_X, BPF_ALU | BPF_SUB | BPF_X, BPF_ALU | BPF_MUL | BPF_X,
	BPF_ALU | BPF_DIV | BPF_X, BPF_ALU | BPF_MOD | BPF_X, BPF_ALU | BPF_AND | BPF_X,
	BPF_ALU | BPF_OR | BPF_X, BPF_ALU | BPF_XOR | BPF_X, BPF_ALU | BPF_LSH | BPF_X,
	BPF_ALU | BPF_RSH | BPF_X, BPF_ALU | BPF_ADD | BPF_K, BPF_ALU | BPF_SUB | BPF_K,
	BPF_ALU | BPF_MUL | BPF_K, BPF_ALU | BPF_DIV | BPF_K, BPF_ALU | BPF_MOD | BPF_K,
	BPF_ALU | BPF_AND | BPF_K, BPF_ALU | BPF_OR | BPF_K, BPF_ALU | BPF_XOR | BPF_K,
	BPF_ALU | BPF_LSH | BPF_K, BPF_ALU | BPF_RSH | BPF_K, BPF_ALU | BPF_NEG,
	BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA,
};

/* A program bpf_validate() accepts, from any bytes (see the top). */
static void repair(struct np_cbpf_insn *prog, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		struct np_cbpf_insn *in = &prog[i];
		uint32_t left = len - i - 1;	/* instructions after this one */

		if (!pcap_runs(in->code))
			in->code = runs[in->code % (sizeof(runs) / sizeof(runs[0]))];
		if (!left)
			in->code = in->code == (BPF_RET | BPF_A) ? in->code : BPF_RET | BPF_K;
		switch (BPF_CLASS(in->code)) {
		case BPF_JMP:
			if (BPF_OP(in->code) == BPF_JA) {
				in->k %= left;
			} else {
				in->jt %= left;
				in->jf %= left;
			}
			break;
		case BPF_LD:
		case BPF_LDX:
			if (BPF_MODE(in->code) == BPF_MEM)
				in->k &= 15;
			else if (BPF_MODE(in->code) != BPF_IMM && in->k > NP_PKT_MAX + 8 &&
				 !(in->k >> 31))
				in->k %= NP_PKT_MAX + 8;	/* mostly inside, some past */
			break;
		case BPF_ST:
		case BPF_STX:
			in->k &= 15;
			break;
		case BPF_ALU:
			if ((BPF_OP(in->code) == BPF_DIV || BPF_OP(in->code) == BPF_MOD) &&
			    BPF_SRC(in->code) == BPF_K && !in->k)
				in->k = 1;
			if ((BPF_OP(in->code) == BPF_LSH || BPF_OP(in->code) == BPF_RSH) &&
			    BPF_SRC(in->code) == BPF_K)
				in->k &= 31;
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t pick[][3] = {	/* buf, caplen, ret: as a compiler may */
		{ 6, 7, 8 }, { 9, 6, 7 }, { 7, 9, 6 }, { 8, 6, 9 },
		{ 6, 7, 6 }, { 6, 7, 7 }, { 9, 8, 9 }, { 8, 9, 9 },
	};
	static struct bpf_insn out[NP_REGION_INSNS];
	struct cbpf_region_regs regs;
	struct np_cbpf_insn *prog;
	struct np_pktbuf *b;
	struct ebpf_run run;
	struct cbpf_need nb;
	uint32_t len, caplen, wirelen, pktlen, need;
	bool valid, known = true, comparable = true;
	char err[256];
	uint8_t *pkt;
	int ret;

	if (size < 2)
		return 0;
	len = data[0] + 1u;
	if (size < 2 + 8 * len)
		return 0;
	n_inputs++;
	regs = (struct cbpf_region_regs){ pick[data[1] & 7][0], pick[data[1] & 7][1],
					  pick[data[1] & 7][2] };
	prog = malloc(len * sizeof(*prog));
	CHECK(prog);
	memcpy(prog, data + 2, len * sizeof(*prog));
	pktlen = size - 2 - 8 * len;
	caplen = pktlen < NP_PKT_MAX ? pktlen : NP_PKT_MAX;
	wirelen = pktlen + ((data[1] >> 3) & 15) * 100u;
	if (data[1] & 0x80)
		repair(prog, len);

	memset(out, 0xee, sizeof(out));
	err[0] = 0;
	ret = cbpf_translate(prog, len, &regs, out, NP_REGION_INSNS, err, sizeof(err));
	CHECK(ret == -EINVAL || ret == -E2BIG || (ret > 0 && ret <= NP_REGION_INSNS));
	if (ret < 0)
		CHECK(err[0] && strlen(err) < sizeof(err) - 1 && !strchr(err, '\n'));

	valid = pcap_ref_validate(prog, len);
	for (uint32_t i = 0; i < len; i++) {
		known &= pcap_runs(prog[i].code);
		/* libpcap 1.10's "A <<= k" is undefined in C for k >= 32 (x86 masks
		 * it); the translation gives 0, as Linux does for a shift by X. */
		if ((prog[i].code == (BPF_ALU | BPF_LSH | BPF_K) ||
		     prog[i].code == (BPF_ALU | BPF_RSH | BPF_K)) && prog[i].k >= 32)
			comparable = false;
	}
	if (valid && known)
		CHECK(ret != -EINVAL);
	if (ret < 0) {
		free(prog);
		return 0;
	}
	n_translated++;

	/* The kernel's per-CPU copy: stale bytes past caplen, stale scratch words. */
	b = malloc(sizeof(*b));
	CHECK(b);
	memset(b, 0xa5, sizeof(*b));
	memcpy(b->pkt, data + 2 + 8 * len, caplen);
	b->wirelen = wirelen;
	ebpf_run(out, NP_REGION_INSNS, regs.buf, regs.caplen, regs.ret, b, caplen, &run);
	n_ran++;

	if (valid && known && comparable && !run.mem_uninit) {
		/* libpcap on a copy of exactly caplen bytes. */
		pkt = malloc(caplen ? caplen : 1);
		CHECK(pkt);
		memcpy(pkt, data + 2 + 8 * len, caplen);
		n_compared++;
		/*
		 * A load past caplen answers NP_PCAP_SHORT: libpcap's 0, said apart.
		 * It must be nothing else, and libpcap must then say 0.
		 */
		if (run.ret == NP_PCAP_SHORT)
			CHECK(pcap_ref_filter(prog, pkt, wirelen, caplen) == 0);
		else
			CHECK(run.ret == (uint64_t)pcap_ref_filter(prog, pkt, wirelen, caplen));
		n_matched++;
		/* No load reaches past cbpf_bytes_needed(): fewer bytes, the same answer. */
		nb = cbpf_bytes_needed(prog, len);
		need = caplen ? np_pcap_need(nb.fixed, nb.ihl, pkt[0]) : 0;
		if (need < caplen) {
			CHECK(pcap_ref_filter(prog, pkt, wirelen, need) ==
			      pcap_ref_filter(prog, pkt, wirelen, caplen));
			n_need++;
		}
		free(pkt);
	}
	free(b);
	free(prog);
	return 0;
}
