/* SPDX-License-Identifier: GPL-2.0-only */
/* ABI shared by src/bpf/drop.bpf.c and src/pktpath/drop.c. */
#ifndef NETOPROC_DROP_ABI_H
#define NETOPROC_DROP_ABI_H

#include "pkt_abi.h"

struct np_drop_event {
	struct np_skb_meta m;
	__u64 location;		/* kernel address that freed the skb */
	__u32 reason;		/* enum skb_drop_reason value; 0 where the kernel has none */
	__u32 pad;
};

/* Per-CPU counters in the stats map. */
enum np_drop_stat {
	NP_DROP_STAT_SEEN = 0,	/* kfree_skb calls that were drops */
	NP_DROP_STAT_MATCHED,	/* ... that passed the filters */
	NP_DROP_STAT_LOST,	/* ... that the ring buffer had no room for */
	NP_DROP_STAT_MAX,
};

#endif
