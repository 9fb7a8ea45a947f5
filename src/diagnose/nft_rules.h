/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which nftables rule drops: the counters of rules whose verdict is drop or
 * reject, from `nft -a list ruleset` of this network namespace, compared
 * between the start and the end of the watch. The kernel's drop event says
 * only "netfilter, in nft_do_chain"; the rule counters can say which rule.
 */
#ifndef NETOPROC_NFT_RULES_H
#define NETOPROC_NFT_RULES_H

#include <stddef.h>
#include <stdint.h>

struct nft_rule {
	char where[192];	/* "table inet t1 chain input handle 3" */
	char text[160];		/* "tcp dport 4000 drop" (the counter left out) */
	uint64_t packets;
};

struct nft_rules {
	struct nft_rule *r;
	size_t n;
};

/* Run nft and parse; no nft or no permission: 0 with no rules. 0 or -ENOMEM. */
int nft_rules_read(struct nft_rules *out);
/* Parse `nft -a list ruleset` output: 0 or -ENOMEM. Exposed for tests. */
int nft_rules_parse(struct nft_rules *out, const char *text);
void nft_rules_free(struct nft_rules *r);
/*
 * The drop rule whose counter grew most from @before to @after, as
 * "table inet t1 chain input handle 3: tcp dport 4000 drop (+6 packets)" in
 * @buf; "" when none grew.
 */
void nft_rules_busiest(const struct nft_rules *before, const struct nft_rules *after, char *buf,
		       size_t size);

#endif
