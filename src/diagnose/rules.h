/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rule file of `netoproc diagnose`: what is known about causes and cures
 * lives there, not in C. The code here only reads it; the matchers in
 * findings.c are generic over the fields below. The format is described in
 * support/diagnose.rules and docs/netoproc-diagnose.8.
 */
#ifndef NETOPROC_RULES_H
#define NETOPROC_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rule_level { RULE_INFO, RULE_WARN, RULE_ERROR };

/* What a rule watches: each kind is one generic matcher. */
enum rule_kind {
	RULE_DROP,	/* kfree_skb drops (needs BPF) */
	RULE_COUNTER,	/* a kernel counter's increase over the watch (nstat names) */
	RULE_GAUGE,	/* a kernel value at the end, optionally as a percentage of another */
	RULE_IFACE,	/* an interface counter's increase, per device */
	RULE_LINK,	/* an interface's state at the end */
	RULE_SOCKET,	/* a socket's own drop counter's increase, per socket */
	RULE_DNS,	/* DNS queries by their outcome (answer code, or none), per resolver and asker */
	RULE_SOCKERR,	/* errors reported to sockets (ICMP errors, resets), per process */
};

#define RULE_ID_MAX 48
#define RULE_NAME_MAX 64

struct rule {
	char id[RULE_ID_MAX];
	enum rule_level level;
	enum rule_kind kind;
	/* drop */
	char *reason;		/* comma-separated globs over reason names, or NULL: any */
	char *location;		/* glob over the freeing function's name, or NULL */
	char proto[8];		/* "tcp", "udp", "icmp", ... or "": any */
	char *dev;		/* glob over the device name, or NULL */
	char flags[12];		/* TCP flags all of which must be set (letters), or "" */
	int sport, dport;	/* -1: any */
	/* dns */
	char *rcode;		/* comma-separated globs over answer codes ("SERVFAIL"), TIMEOUT */
	char *qname;		/* glob over the name asked, or NULL */
	/* sockerr */
	char *errnos;		/* comma-separated globs over errno names ("ECONNREFUSED") */
	/* counter, gauge, iface, socket */
	char name[RULE_NAME_MAX];	/* counter name, or iface/socket field */
	char of[RULE_NAME_MAX];	/* gauge: as a percentage of this value */
	char state[16];		/* link: "down", "no-carrier" */
	uint64_t min;		/* the threshold: count, increase, or percentage */
	/* what to say */
	char *summary;		/* template: {count} {reason} {location} ... */
	char *advice;
	char *command;		/* may be NULL */
	int line;		/* where the rule starts, for messages */
};

/* What a drop reason means, from `explain` lines. */
struct rule_explain {
	char *reason;
	char *text;
};

struct ruleset {
	char *path;
	struct rule *r;
	size_t n;
	struct rule_explain *ex;
	size_t nex;
};

/*
 * Parse @path into @rs. On a malformed file returns -EINVAL after one line on
 * stderr naming the file and line; -errno when it cannot be read.
 */
int rules_load(struct ruleset *rs, const char *path);
/* The same on text in memory (@name in messages). */
int rules_parse(struct ruleset *rs, const char *name, const char *text);
void rules_free(struct ruleset *rs);

const char *rule_level_name(enum rule_level l);
const char *rule_kind_name(enum rule_kind k);
/* True when the kind needs BPF (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN): drops, DNS, sockerr. */
bool rule_kind_needs_bpf(enum rule_kind k);
/* Does @reason (a name without prefix) match the rule's reason list? NULL list: yes. */
bool rule_reason_matches(const struct rule *r, const char *reason);

/* Does @rcode ("SERVFAIL", or "TIMEOUT" for no answer) match the rule's rcode list? */
bool rule_rcode_matches(const struct rule *r, const char *rcode);
/* Does @name ("ECONNREFUSED") match the rule's errno list? NULL list: yes. */
bool rule_errno_matches(const struct rule *r, const char *name);

/* The shipped rule file: the installed one, else the source tree's; NULL if neither. */
const char *rules_default_path(void);

#endif
