/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Classic BPF (what libpcap compiles a pcap-filter expression to) translated
 * into eBPF that runs inline in the packet-path programs, in the filter
 * region those programs reserve (src/bpf/pcap_region.bpf.h). The code reads
 * the packet from the per-CPU copy (struct np_pktbuf), follows libpcap's
 * bpf_filter() semantics exactly (a load past the captured bytes or a
 * division by zero rejects the packet), and fills the region to its last
 * slot so nothing after it moves.
 */
#ifndef NETOPROC_CBPF_TRANSLATE_H
#define NETOPROC_CBPF_TRANSLATE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include "bpf/pkt_abi.h"

/* Registers the compiler gave the region's operands (read from its markers). */
struct cbpf_region_regs {
	uint8_t buf;	/* struct np_pktbuf *, the packet at offset 0 */
	uint8_t caplen;	/* bytes of the packet present in buf (u64) */
	uint8_t ret;	/* result: the filter's return value, 0 = no match */
};

/*
 * Translate prog[0..len) into exactly slots eBPF instructions at out.
 * Returns the instructions of real code (the rest is dead padding), or
 * -EINVAL (not a valid classic BPF program) / -E2BIG (does not fit) with a
 * one-line reason in err.
 */
int cbpf_translate(const struct np_cbpf_insn *prog, uint32_t len,
		   const struct cbpf_region_regs *regs, struct bpf_insn *out, uint32_t slots,
		   char *err, size_t errlen);

#endif
