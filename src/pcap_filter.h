/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pcap-filter expressions for the packet-path programs: libpcap compiles them
 * for DLT_RAW (the packet from its IP header), the classic BPF result runs in
 * the kernel through the interpreter in src/bpf/cbpf.bpf.h.
 */
#ifndef NETOPROC_PCAP_FILTER_H
#define NETOPROC_PCAP_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "pkt_abi.h"

/*
 * Compile expr into prog (NP_CBPF_MAX instructions at most). Returns 0, or
 * -EINVAL with libpcap's message in err, -E2BIG when the program is too long.
 */
int pcap_filter_compile(const char *expr, struct np_cbpf_insn *prog, uint32_t *len,
			char *err, size_t errlen);
/* The expression made of argv[0..argc) joined by spaces; NULL when argc == 0. */
char *pcap_filter_join(int argc, char **argv);
/* Run prog the way the kernel does (same source): non-zero when pkt matches. */
uint32_t pcap_filter_run(const struct np_cbpf_insn *prog, uint32_t len, const uint8_t *pkt,
			 uint32_t caplen, uint32_t wirelen);

#endif
