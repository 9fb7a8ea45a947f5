/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small eBPF interpreter for what src/filter/cbpf_translate.c emits, with
 * the kernel's semantics for that subset (32-bit ALU zero-extends, division
 * by zero gives 0 and modulo keeps dst, 32-bit shifts take the count mod 32,
 * JMP compares 64 bits with the immediate sign-extended, JMP32 the low 32),
 * and every memory access bounds-checked against the struct np_pktbuf the
 * region reads. Anything else aborts: an instruction outside the subset, a
 * backward jump, a jump out of the region, a load or store outside the
 * buffer, a packet byte read at or past caplen (stale bytes in the kernel's
 * per-CPU copy), the frame pointer, a register never written.
 */
#ifndef NETOPROC_EBPF_INTERP_H
#define NETOPROC_EBPF_INTERP_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/bpf.h>
#include "bpf/pkt_abi.h"

struct ebpf_run {
	uint64_t ret;		/* the region's result register at the end */
	uint32_t steps;		/* instructions executed */
	bool mem_uninit;	/* read a scratch word no instruction of this run stored */
};

/*
 * Run insns[0..n) (the whole region: it ends by falling off the last slot)
 * with register buf_reg = b, caplen_reg = caplen, ret_reg the result; r0-r5
 * start as garbage. Aborts on what the kernel would refuse or misbehave on
 * (see above), and when the buf/caplen registers change (unless one of them
 * is also ret) or a register outside r0-r5 other than ret is written.
 */
void ebpf_run(const struct bpf_insn *insns, uint32_t n, uint8_t buf_reg, uint8_t caplen_reg,
	      uint8_t ret_reg, struct np_pktbuf *b, uint64_t caplen, struct ebpf_run *out);

#endif
