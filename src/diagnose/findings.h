/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The generic matchers of `netoproc diagnose`: drops are matched against the
 * drop rules as they come (the first rule in file order that matches takes a
 * drop) and counted per rule, reason and freeing function; counter, gauge,
 * interface, link and socket rules are judged at each report from what
 * changed since the start. Findings are ranked by level, then count.
 */
#ifndef NETOPROC_FINDINGS_H
#define NETOPROC_FINDINGS_H

#include <stdbool.h>
#include <stdint.h>
#include "diagnose/counters.h"
#include "diagnose/nft_rules.h"
#include "diagnose/rules.h"
#include "diagnose/sockerr.h"
#include "diagnose/socktab.h"
#include "lib/emit.h"
#include "lib/ifstats.h"

/* One drop, decoded. Strings are never NULL ("" when unknown). */
struct drop_obs {
	const char *reason;	/* "NETFILTER_DROP"; a number when the kernel has no name */
	const char *location;	/* "nft_do_chain+0x2a5" */
	const char *func;	/* "nft_do_chain" */
	const char *proto;	/* "tcp", "udp", "icmp", ... */
	const char *dev;
	const char *flags;	/* TCP flags as letters */
	const char *tuple;	/* "tcp 10.0.0.1:5 > 10.0.0.2:80" */
	const char *process;	/* "comm:pid" in process context */
	const char *container;	/* "short-id(name)" of the process's or namespace's container */
	uint32_t netns;		/* 0: unknown */
	int sport, dport;	/* -1: none */
};

/* One DNS query's outcome, decoded. Strings are never NULL ("" when unknown). */
struct dns_obs {
	const char *rcode;	/* "SERVFAIL", "NOERROR"; "TIMEOUT" when no answer came */
	const char *resolver;	/* "10.0.0.2:53" */
	const char *qname;
	const char *process;	/* "comm:pid" of the asking process */
	const char *proto;	/* "udp", "tcp" */
	uint32_t netns;		/* the asker's, 0: unknown */
};

struct finding {
	const struct rule *r;	/* NULL: the built-in fallback for a drop no rule took */
	uint64_t count;
	char reason[64], location[128], func[96], dev[32], tuple[160], process[48];
	char container[200];
	char counter[64], state[16], proto[12], socket[160];
	char nft[400];		/* the nftables drop rule whose counter grew most */
	char resolver[64], qname[128], rcode[16];	/* dns: the first query stands for the rest */
	char errname[24];	/* sockerr: "ECONNREFUSED" */
	uint32_t netns;		/* 0: unknown */
	bool has_value, has_of;
	uint64_t value, of, percent;
};

struct diag {
	const struct ruleset *rs;
	const char *procnet, *sysnet;	/* /proc/net, /proc/sys/net */
	bool drops_watched;	/* false: drop rules skipped (no BPF) */
	struct finding *drops;	/* per (rule, reason, function, container) */
	size_t ndrops;
	bool dns_watched;	/* false: dns rules skipped */
	struct finding *dns;	/* per (rule, resolver, asking process) */
	size_t ndns;
	uint64_t dns_seen;	/* queries that ended (answered or timed out) */
	uint64_t dns_unknown_netns;	/* with --netns: askers whose namespace was not read */
	bool sockerr_watched;	/* false: sockerr rules skipped */
	struct finding *sockerrs;	/* per (rule, process, errno, tuple) */
	size_t nsockerrs;
	uint64_t sockerr_seen;
	uint64_t drops_seen;
	struct counters c0;	/* at the start */
	struct ifstat *if0;
	int nif0;
	struct socktab s0;
	struct nft_rules nft0;	/* drop rules' counters at the start (with drops watched) */
};

/* Take the starting values: 0 or -errno after a one-line error. */
int diag_init(struct diag *d, const struct ruleset *rs, const char *procnet,
	      const char *sysnet, bool drops_watched);
void diag_free(struct diag *d);
/* One drop: 0 or -ENOMEM. */
int diag_drop(struct diag *d, const struct drop_obs *o);
/* One error reported to a socket: 0 or -ENOMEM. */
int diag_sockerr(struct diag *d, const struct sockerr_obs *o);
/* One DNS query that ended: 0 or -ENOMEM. */
int diag_dns(struct diag *d, const struct dns_obs *o);
/*
 * Every finding now, ranked (level, then count, then rule id), into a
 * malloc'ed array: count or -errno.
 */
int diag_findings(struct diag *d, struct finding **out);
/* {placeholder} of @t filled from @f into @buf. */
void diag_render(const char *t, const struct finding *f, char *buf, size_t size);
/* One finding as text (a block of lines) or a JSON object. */
void diag_emit(struct emitter *em, const struct finding *f);

#endif
