/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The userspace side of the pcap filter region (src/bpf/pcap_region.bpf.h):
 * find each program's region by its markers and write the eBPF translation
 * of the compiled filter there, before the object is loaded.
 */
#ifndef NETOPROC_PCAP_REGION_H
#define NETOPROC_PCAP_REGION_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "bpf/pkt_abi.h"

struct bpf_object;

/*
 * Write the translation of prog into the filter region of every program of
 * obj that will be loaded. Call after choosing programs, before loading.
 * Returns the number of regions written, or -errno with a reason in err
 * (-E2BIG: the filter does not fit a region).
 */
int pcap_filter_patch(struct bpf_object *obj, const struct np_cbpf_insn *prog, uint32_t len,
		      char *err, size_t errlen);

#endif
