/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How many bytes of a packet a classic BPF program can read, found before it
 * runs: the packet-path programs copy only those before the filter (and the
 * paged part of an skb only when the linear one falls short of them), since
 * most packets a filtered trace meets do not match.
 */
#ifndef NETOPROC_CBPF_NEED_H
#define NETOPROC_CBPF_NEED_H

#include <stdbool.h>
#include <stdint.h>
#include "bpf/pkt_abi.h"

/*
 * The bytes a program reads: at most @fixed, or @ihl past the IPv4 header
 * (X = 4 * ([0] & 0xf), libpcap's way to a transport header), whichever is
 * more for the packet at hand; @ihl 0: no load is relative to that header.
 * Both at most NP_PKT_MAX, which is also the answer where no bound is found
 * (an offset read from the packet, a jump out of the program). For one
 * packet: np_pcap_need(fixed, ihl, its first byte).
 */
struct cbpf_need {
	uint32_t fixed;
	uint32_t ihl;
	bool len;	/* it reads the packet's length (len, greater, less); true where unknown */
};

struct cbpf_need cbpf_bytes_needed(const struct np_cbpf_insn *prog, uint32_t len);

#endif
