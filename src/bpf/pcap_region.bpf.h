/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pcap filter region: NP_REGION_INSNS instructions each program reserves
 * where userspace writes, before loading, the eBPF translation of the filter
 * libpcap compiled (src/cbpf_translate.c). The compiler picks the registers
 * of the operands; the markers at the start record which (a 64-bit load of
 * NP_REGION_MAGIC into ret, then "ret = buf" and "ret = caplen"), and the
 * clobbers keep them out of r0-r5, which the translation uses freely.
 * Unpatched, the region is straight-line code that returns caplen: only
 * reached when no filter is set, which the callers check first.
 */
#ifndef NETOPROC_PCAP_REGION_BPF_H
#define NETOPROC_PCAP_REGION_BPF_H

#include "pkt_abi.h"

#define NP_STR2(x) #x
#define NP_STR(x) NP_STR2(x)

/* The filter's return value for the packet in b (caplen bytes): non-zero = match. */
static __always_inline __u64 np_pcap_region(struct np_pktbuf *b, __u64 caplen)
{
	__u64 ret;

	/* 2 slots for the 64-bit load, 2 moves, the rest padding. */
	asm volatile("%[ret] = " NP_STR(NP_REGION_MAGIC) " ll\n\t"
		     "%[ret] = %[buf]\n\t"
		     "%[ret] = %[len]\n\t"
		     ".rept " NP_STR(NP_REGION_INSNS) " - 4\n\t"
		     "r0 = 0\n\t"
		     ".endr"
		     : [ret] "=r"(ret)
		     : [buf] "r"(b), [len] "r"(caplen)
		     : "r0", "r1", "r2", "r3", "r4", "r5", "memory");
	return ret;
}

#endif
