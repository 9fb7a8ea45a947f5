// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for dns_parse() (src/dns/dns_msg.c). Besides what the
 * sanitizers catch, it aborts when a promise of dns_msg.h is broken:
 * strings end inside their arrays and show only printable characters,
 * counts stay in range, and a prefix of the input reads the same as far as
 * it goes (TRUNCATED, or the whole input's status): missing bytes are never
 * taken for a bad message, nor a cut one for a whole one.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "dns/dns_msg.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* NUL-terminated inside @size bytes, every character in [@lo, '~']. */
static void check_string(const char *s, size_t size, char lo)
{
	size_t n = strnlen(s, size);

	CHECK(n < size);
	for (size_t i = 0; i < n; i++)
		CHECK(s[i] >= lo && s[i] <= '~');
}

static void check_name(const char *s, bool empty_ok)
{
	check_string(s, DNS_NAME_MAX, '!');
	CHECK(strlen(s) <= 253);
	CHECK(empty_ok || s[0]);
}

static void check_msg(const struct dns_msg *m, enum dns_status st, size_t len)
{
	CHECK(st == DNS_OK || st == DNS_TRUNCATED || st == DNS_MALFORMED);
	CHECK(m->nanswers <= DNS_MAX_ANSWERS && m->nanswers <= m->ancount);
	CHECK(m->has_question ? m->qdcount > 0 : !m->qname[0]);
	check_name(m->qname, !m->has_question);
	CHECK(m->rcode <= 0xfff);
	CHECK(m->edns || (m->edns_udp_size == 0 && m->rcode <= 0xf));
	if (len < 12)
		CHECK(st == DNS_MALFORMED);
	for (unsigned i = 0; i < m->nanswers; i++) {
		const struct dns_answer *a = &m->answers[i];

		check_name(a->name, false);
		check_string(a->text, DNS_ANSWER_TEXT, ' ');
		CHECK(a->addr_len == (a->type == DNS_T_A ? 4 : a->type == DNS_T_AAAA ? 16 : 0));
	}
}

static bool same_answer(const struct dns_answer *a, const struct dns_answer *b)
{
	return a->type == b->type && a->rclass == b->rclass && a->ttl == b->ttl &&
	       a->addr_len == b->addr_len && !memcmp(a->addr, b->addr, a->addr_len) &&
	       !strcmp(a->name, b->name) && !strcmp(a->text, b->text);
}

/* @p was read from the first bytes of what gave @m. */
static void check_prefix(const struct dns_msg *m, enum dns_status st,
			 const struct dns_msg *p, enum dns_status pst)
{
	CHECK(pst == DNS_TRUNCATED || pst == st);
	CHECK(p->id == m->id && p->opcode == m->opcode && p->qr == m->qr && p->tc == m->tc);
	CHECK((p->rcode & 0xf) == (m->rcode & 0xf));
	CHECK(p->qdcount == m->qdcount && p->ancount == m->ancount &&
	      p->nscount == m->nscount && p->arcount == m->arcount);
	CHECK(!p->has_question || (m->has_question && !strcmp(p->qname, m->qname) &&
				   p->qtype == m->qtype && p->qclass == m->qclass));
	CHECK(p->nanswers <= m->nanswers);
	for (unsigned i = 0; i < p->nanswers; i++)
		CHECK(same_answer(&p->answers[i], &m->answers[i]));
	CHECK(!p->edns || (m->edns && p->edns_udp_size == m->edns_udp_size && p->rcode == m->rcode));
	if (pst == st && st != DNS_TRUNCATED)	/* the cut lost nothing that was read */
		CHECK(p->nanswers == m->nanswers && p->edns == m->edns &&
		      p->has_question == m->has_question);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_msg m, p;	/* 10 KB each: not on the stack */
	enum dns_status st, pst;
	char buf[16];
	size_t cut;

	st = dns_parse(data, size, &m);
	check_msg(&m, st, size);
	if (size >= 12) {
		/* One cut per input, where the input's own bytes say. */
		cut = 12 + (data[size - 1] * 251u + data[size / 2]) % (size - 11);
		pst = dns_parse(data, cut, &p);
		check_msg(&p, pst, cut);
		check_prefix(&m, st, &p, pst);
	}
	if (size >= 3) {
		uint16_t v = (uint16_t)(data[0] << 8 | data[1]);

		check_string(dns_type_name(v, buf, sizeof(buf)), sizeof(buf), '0');
		check_string(dns_rcode_name(v, buf, sizeof(buf)), sizeof(buf), '0');
		CHECK(dns_type_name(v, NULL, 0) != NULL);
		CHECK(dns_rcode_name(v, buf, (size_t)(data[2] % 4)) != NULL);
	}
	return 0;
}
