// SPDX-License-Identifier: GPL-2.0-only
#include <pcap/pcap.h>
#include "pcap_ref.h"

bool pcap_ref_validate(const void *prog, uint32_t len)
{
	return bpf_validate(prog, (int)len);
}

uint32_t pcap_ref_filter(const void *prog, const uint8_t *pkt, uint32_t wirelen, uint32_t caplen)
{
	return bpf_filter(prog, pkt, wirelen, caplen);
}
