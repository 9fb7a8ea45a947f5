/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the packet-path programs need to read an skb's paged fragments for the
 * pcap filter (bpf/skb_frags.bpf.h): where page_address()'s two bases are.
 */
#ifndef NETOPROC_FRAG_BASES_H
#define NETOPROC_FRAG_BASES_H

#include <stdbool.h>
#include <linux/types.h>
#include "lib/kallsyms.h"

/* The kallsyms_want slots to pass to kallsyms_load_want(). */
#define FRAG_BASES_WANT { { "page_offset_base", 0 }, { "vmemmap_base", 0 } }
#define FRAG_BASES_NWANT 2

/*
 * Fill a program's np_frag_bases, np_page_offset_base_addr and
 * np_vmemmap_base_addr from @want after kallsyms_load_want() (@loaded: it
 * succeeded), and say (-v) whether a filter reads paged payload. x86-64
 * with both variables listed only; elsewhere fragments stay unread.
 */
void frag_bases_set(const char *cmd, const struct kallsyms_want *want, bool loaded,
		    __u32 *state, __u64 *pob, __u64 *vmb);

#endif
