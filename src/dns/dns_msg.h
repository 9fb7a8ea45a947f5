/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS wire-format messages (RFC 1035 and what followed), decoded from bytes
 * that came off the network and may be anything: every offset is checked,
 * every count bounded, compression pointers must point backwards (no loops).
 */
#ifndef NETOPROC_DNS_MSG_H
#define NETOPROC_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX	256	/* presentation form with its NUL: 253 characters at most */
#define DNS_MAX_ANSWERS	16	/* answer records decoded; the rest are only counted */
#define DNS_ANSWER_TEXT	320

enum dns_type {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_PTR = 12,
	DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28, DNS_T_SRV = 33, DNS_T_DNAME = 39,
	DNS_T_OPT = 41,
	DNS_T_SVCB = 64, DNS_T_HTTPS = 65,
};

enum dns_status {
	DNS_OK = 0,
	DNS_TRUNCATED,	/* the bytes end inside the message: header and question may hold */
	DNS_MALFORMED,	/* not a DNS message, or one no parser should trust */
};

struct dns_answer {
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	char name[DNS_NAME_MAX];	/* owner name ("www.example.com", root is ".") */
	char text[DNS_ANSWER_TEXT];	/* rdata for people: see dns_parse() */
	uint8_t addr[16];		/* A: 4 bytes, AAAA: 16 bytes */
	uint8_t addr_len;		/* 0 for other types */
};

struct dns_msg {
	uint16_t id;
	bool qr, aa, tc, rd, ra;
	uint8_t opcode;
	uint16_t rcode;			/* with the EDNS extended bits when an OPT record has them */
	uint16_t qdcount, ancount, nscount, arcount;	/* as the header says */
	bool has_question;
	char qname[DNS_NAME_MAX];	/* first question; lower case kept as sent */
	uint16_t qtype, qclass;
	unsigned nanswers;		/* decoded into answers[] */
	struct dns_answer answers[DNS_MAX_ANSWERS];
	bool edns;			/* an OPT record was seen */
	uint16_t edns_udp_size;
};

/*
 * Decode @len bytes at @buf (one message: for TCP without its 2-byte length).
 * Returns DNS_OK, DNS_TRUNCATED (what was read before the end is filled in,
 * has_question tells whether the question made it) or DNS_MALFORMED.
 * Answer text: A/AAAA the address, CNAME/PTR/NS/DNAME the target name, MX
 * "PREF NAME", TXT the strings quoted and space-separated, SRV
 * "PRIO WEIGHT PORT TARGET", SVCB/HTTPS "PRIO TARGET key=value...", SOA
 * "MNAME RNAME SERIAL", anything else "\# LEN HEX" (RFC 3597).
 *
 * Details: names as in qname, without the final dot, the root "."; inside
 * a label '.' and '\' are written \. and \\, bytes outside '!'..'~' \DDD
 * (as dig does); a name longer than 253 characters so written is MALFORMED.
 * TXT strings have '"' and '\' escaped by a backslash and bytes outside
 * ' '..'~' as \DDD: "v=spf1 -all" "two". SVCB/HTTPS parameters: mandatory=
 * alpn=h2,h3 no-default-alpn port=N ipv4hint=A,B ech=BASE64 ipv6hint=A,B,
 * others keyN=HEX (keyN when empty). HEX is upper case. A text too long for
 * DNS_ANSWER_TEXT is cut and ends in "...".
 * DNS_TRUNCATED: the bytes end inside the question or a record the header
 * counts (a short capture cannot be told from lying counts); answers[] holds
 * the whole answers before that point. DNS_MALFORMED: a header shorter than
 * 12 bytes, a label type other than length or pointer, a pointer not strictly
 * before the labels it is found in or into the header, more than 128
 * pointers in a name, a decoded answer's rdata not exactly filled by its
 * fields (or not of its type's form), two OPT records or one not owned by
 * the root: never missing bytes, so that a prefix of a message is TRUNCATED
 * or reads as the whole. Bytes after the last record are ignored.
 */
enum dns_status dns_parse(const uint8_t *buf, size_t len, struct dns_msg *out);

/* "A", "AAAA", ..., or "TYPE<n>" for types without a mnemonic; writes into @buf. */
const char *dns_type_name(uint16_t type, char *buf, size_t size);
/* "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", ..., or "RCODE<n>". */
const char *dns_rcode_name(uint16_t rcode, char *buf, size_t size);

#endif
