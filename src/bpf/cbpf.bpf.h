/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A classic BPF interpreter that runs inside an eBPF program: the pcap filter
 * expression, compiled by libpcap for DLT_RAW, evaluated on a copy of the
 * packet from its network header. Every loop and memory access is bounded so
 * the verifier accepts it; semantics follow libpcap's bpf_filter() (a load
 * past the captured bytes or a division by zero rejects the packet).
 *
 * Userspace includes this file too (src/pcap_filter.c), so the unit test's
 * differential check against libpcap runs this very code. Define
 * NP_CBPF_PROG_QUAL before including to qualify the program pointer.
 */
#ifndef NETOPROC_CBPF_BPF_H
#define NETOPROC_CBPF_BPF_H

#include "pkt_abi.h"

#ifndef NP_CBPF_PROG_QUAL
#define NP_CBPF_PROG_QUAL const
#endif

#ifndef NP_CBPF_INLINE
#define NP_CBPF_INLINE static inline __attribute__((always_inline))
#endif

/* Opcode fields, as in <linux/filter.h> / <pcap/bpf.h>. */
#define NP_BPF_CLASS(c)	((c) & 0x07)
#define NP_BPF_SIZE(c)	((c) & 0x18)
#define NP_BPF_MODE(c)	((c) & 0xe0)
#define NP_BPF_OP(c)	((c) & 0xf0)
#define NP_BPF_SRC(c)	((c) & 0x08)

/* Bytes [off, off + size) of pkt, big-endian; -1 when not all captured. */
NP_CBPF_INLINE int np_cbpf_load(const __u8 *pkt, __u32 caplen, __u64 off, __u32 size,
				__u32 *out)
{
	/*
	 * The constant bound is for the verifier, the caplen one for the semantics
	 * (written as caplen - size: off + size would link off to the comparison,
	 * which some verifiers, 6.12's, then lose off's bounds over).
	 */
	if (off > NP_PKT_MAX - 4 || caplen < size || off > caplen - size)
		return -1;
	if (size == 4)
		*out = (__u32)pkt[off] << 24 | (__u32)pkt[off + 1] << 16 |
		       (__u32)pkt[off + 2] << 8 | pkt[off + 3];
	else if (size == 2)
		*out = (__u32)pkt[off] << 8 | pkt[off + 1];
	else
		*out = pkt[off];
	return 0;
}

/*
 * Run prog[0..len) on pkt (caplen bytes present, wirelen on the wire); mem is
 * 16 words of scratch. Returns the program's return value: non-zero = match.
 * Jumps only go forward, so NP_CBPF_MAX steps always reach a return.
 */
NP_CBPF_INLINE __u32 np_cbpf_run(NP_CBPF_PROG_QUAL struct np_cbpf_insn *prog, __u32 len,
				 const __u8 *pkt, __u32 caplen, __u32 wirelen, __u32 *mem)
{
	__u32 A = 0, X = 0, pc = 0, v, size;
	int i;

	if (caplen > NP_PKT_MAX)
		caplen = NP_PKT_MAX;
	for (i = 0; i < NP_CBPF_MAX; i++) {
		__u16 code;
		__u32 k;
		__u8 jt, jf;

		if (pc >= len || pc >= NP_CBPF_MAX)
			return 0;
		code = prog[pc].code;
		k = prog[pc].k;
		jt = prog[pc].jt;
		jf = prog[pc].jf;
		pc++;

		switch (NP_BPF_CLASS(code)) {
		case 0x00:	/* LD */
		case 0x01:	/* LDX */
			size = NP_BPF_SIZE(code) == 0x00 ? 4 : NP_BPF_SIZE(code) == 0x08 ? 2 : 1;
			switch (NP_BPF_MODE(code)) {
			case 0x00:	/* IMM */
				v = k;
				break;
			case 0x20:	/* ABS */
				if (np_cbpf_load(pkt, caplen, k, size, &v))
					return 0;
				break;
			case 0x40:	/* IND */
				if (np_cbpf_load(pkt, caplen, (__u64)X + k, size, &v))
					return 0;
				break;
			case 0x60:	/* MEM */
				v = mem[k & 15];
				break;
			case 0x80:	/* LEN */
				v = wirelen;
				break;
			case 0xa0:	/* MSH: X = 4 * (pkt[k] & 0xf), LDX only */
				if (NP_BPF_CLASS(code) != 0x01 ||
				    np_cbpf_load(pkt, caplen, k, 1, &v))
					return 0;
				v = (v & 0xf) << 2;
				break;
			default:
				return 0;
			}
			if (NP_BPF_CLASS(code) == 0x00)
				A = v;
			else
				X = v;
			break;
		case 0x02:	/* ST */
			mem[k & 15] = A;
			break;
		case 0x03:	/* STX */
			mem[k & 15] = X;
			break;
		case 0x04:	/* ALU */
			v = NP_BPF_SRC(code) ? X : k;
			switch (NP_BPF_OP(code)) {
			case 0x00: A += v; break;
			case 0x10: A -= v; break;
			case 0x20: A *= v; break;
			case 0x30:
				if (!v)
					return 0;
				A /= v;
				break;
			case 0x40: A |= v; break;
			case 0x50: A &= v; break;
			case 0x60: A = v < 32 ? A << (v & 31) : 0; break;
			case 0x70: A = v < 32 ? A >> (v & 31) : 0; break;
			case 0x80: A = -A; break;
			case 0x90:
				if (!v)
					return 0;
				A %= v;
				break;
			case 0xa0: A ^= v; break;
			default:
				return 0;
			}
			break;
		case 0x05:	/* JMP */
			v = NP_BPF_SRC(code) ? X : k;
			switch (NP_BPF_OP(code)) {
			case 0x00: pc += k; break;			/* JA */
			case 0x10: pc += A == v ? jt : jf; break;	/* JEQ */
			case 0x20: pc += A > v ? jt : jf; break;	/* JGT */
			case 0x30: pc += A >= v ? jt : jf; break;	/* JGE */
			case 0x40: pc += (A & v) ? jt : jf; break;	/* JSET */
			default:
				return 0;
			}
			break;
		case 0x06:	/* RET */
			switch (NP_BPF_SIZE(code)) {	/* rval field: K, X, A */
			case 0x00: return k;
			case 0x08: return X;
			case 0x10: return A;
			default: return 0;
			}
		case 0x07:	/* MISC */
			if (NP_BPF_OP(code) == 0x80)	/* TXA */
				A = X;
			else
				X = A;			/* TAX */
			break;
		}
	}
	return 0;
}

#endif
