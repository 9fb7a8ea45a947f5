/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pcap-filter expressions for the packet-path programs: libpcap compiles them
 * for DLT_RAW (the packet from its IP header) to classic BPF, which is
 * translated to eBPF and written into the programs (src/pcap_region.h).
 */
#ifndef NETOPROC_PCAP_FILTER_H
#define NETOPROC_PCAP_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "bpf/pkt_abi.h"

/*
 * Compile expr into a new array *prog of *len instructions (free() it).
 * Returns 0, or -EINVAL with libpcap's message in err.
 */
int pcap_filter_compile(const char *expr, struct np_cbpf_insn **prog, uint32_t *len,
			char *err, size_t errlen);
/* The expression made of argv[0..argc) joined by spaces; NULL when argc == 0. */
char *pcap_filter_join(int argc, char **argv);
/*
 * prog run on pkt by libpcap's own interpreter (bpf_filter): the reference
 * the in-kernel translation is tested against.
 */
uint32_t pcap_filter_run(const struct np_cbpf_insn *prog, const uint8_t *pkt, uint32_t caplen,
			 uint32_t wirelen);
#endif
