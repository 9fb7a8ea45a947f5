/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libpcap's bpf_validate() and bpf_filter() behind a header of their own:
 * <pcap/bpf.h> and <linux/bpf.h> both define struct bpf_insn. The program
 * is struct np_cbpf_insn[] (libpcap's layout).
 */
#ifndef NETOPROC_PCAP_REF_H
#define NETOPROC_PCAP_REF_H

#include <stdbool.h>
#include <stdint.h>

bool pcap_ref_validate(const void *prog, uint32_t len);
uint32_t pcap_ref_filter(const void *prog, const uint8_t *pkt, uint32_t wirelen, uint32_t caplen);

#endif
