// SPDX-License-Identifier: GPL-2.0-only
/* page_address()'s bases for the programs that read paged fragments: see frag_bases.h. */
#include "lib/util.h"
#include "pktpath/frag_bases.h"

void frag_bases_set(const char *cmd, const struct kallsyms_want *want, bool loaded, __u32 *state,
		    __u64 *pob, __u64 *vmb)
{
#if defined(__x86_64__)
	if (loaded && want[0].addr && want[1].addr) {
		*pob = want[0].addr;
		*vmb = want[1].addr;
		*state = 1;
		np_info("%s: a filter reads paged payload too (page_offset_base and vmemmap_base "
			"from /proc/kallsyms)", cmd);
		return;
	}
	/*
	 * No guess: with the memory layout randomized a wrong base would read
	 * other memory as packet. Without CONFIG_KALLSYMS_ALL the two are not listed.
	 */
	np_info("%s: a filter reads linear data only (%s): packets it cannot decide are counted",
		cmd, loaded ? "this kernel's /proc/kallsyms lists no page_offset_base and "
			      "vmemmap_base" : "/proc/kallsyms unreadable");
#else
	(void)want;
	(void)loaded;
	(void)state;
	(void)pob;
	(void)vmb;
	np_info("%s: a filter reads linear data only (paged payload is read on x86-64): packets "
		"it cannot decide are counted", cmd);
#endif
}
