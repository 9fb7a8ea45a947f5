// SPDX-License-Identifier: GPL-2.0-only
/*
 * DNS messages from the wire (dns_msg.h). The bytes come from anyone on the
 * network: each read is checked against the bytes given, each loop advances
 * through them, and a compression pointer must point before the labels it
 * was read in, so that no message can make the parser loop or read outside.
 *
 * What is TRUNCATED and what MALFORMED: a capture cut short (a snap length,
 * a datagram split by a lossy path, a TCP segment) ends where it ends, and
 * the message's own lengths cannot tell it from one whose counts lie. So
 * bytes that end inside what the header announces are TRUNCATED; MALFORMED
 * is kept for what the bytes present prove wrong, which no cut could
 * produce: a short header, bad label types, pointers that do not point
 * backwards, names longer than DNS allows, rdata whose contents do not fill
 * its rdlength exactly, two OPT records. So a prefix of a message reads as
 * TRUNCATED or as the whole message does (tests/fuzz checks it).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "dns/dns_msg.h"

#define DNS_HDR_LEN	12
#define RR_FIXED_LEN	10	/* type, class, ttl, rdlength after the owner name */
/* Presentation characters, no final dot: RFC 1035 2.3.4's 255 octets. */
#define NAME_TEXT_MAX	253
/* More than any real message needs; the strictly backwards order already ends loops. */
#define MAX_JUMPS	128

/*
 * A reading position. @end is where the bytes of the part being read stop:
 * the message's end, or an rdata's end when one is decoded. Running into it
 * is @short_read: TRUNCATED at the message's end (more was announced), but
 * MALFORMED at an rdata's (the record says its data stop there).
 */
struct cur {
	const uint8_t *buf;
	size_t len;		/* bytes given: compression pointers may lead anywhere before */
	size_t end;
	size_t off;
	enum dns_status short_read;
};

static bool have(const struct cur *c, size_t n)
{
	return c->off <= c->end && c->end - c->off >= n;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Text into a fixed buffer. What does not fit is cut and the text ends in
 * "..." (text_end), so that a long rdata shown cut is not taken for whole.
 */
struct text {
	char *s;
	size_t size;	/* of s, NUL included */
	size_t n;	/* characters kept */
	bool cut;
};

static void text_init(struct text *t, char *s, size_t size)
{
	t->s = s;
	t->size = size;
	t->n = 0;
	t->cut = false;
	s[0] = '\0';
}

static void text_putc(struct text *t, char ch)
{
	if (t->n + 1 >= t->size) {
		t->cut = true;
		return;
	}
	t->s[t->n++] = ch;
	t->s[t->n] = '\0';
}

static void text_puts(struct text *t, const char *s)
{
	while (*s)
		text_putc(t, *s++);
}

static void text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_printf(struct text *t, const char *fmt, ...)
{
	char tmp[64];	/* numbers and addresses only */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	text_puts(t, tmp);
}

static void text_end(struct text *t)
{
	if (t->cut && t->size > 3)
		memcpy(t->s + t->size - 4, "...", 4);
}

/* \DDD, as dig writes a byte it cannot show (RFC 1035 5.1). */
static void text_ddd(struct text *t, uint8_t b)
{
	text_printf(t, "\\%03u", b);
}

/*
 * One label's bytes as dig shows them: '.' and '\' escaped by a backslash
 * (they would change the name's meaning), bytes outside '!'..'~' as \DDD
 * (a space too: a name with one would read as two words).
 */
static void text_label(struct text *t, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '.' || p[i] == '\\') {
			text_putc(t, '\\');
			text_putc(t, (char)p[i]);
		} else if (p[i] < 0x21 || p[i] > 0x7e) {
			text_ddd(t, p[i]);
		} else {
			text_putc(t, (char)p[i]);
		}
	}
}

/*
 * The name at c->off into @out (DNS_NAME_MAX bytes), in presentation form
 * without the final dot, the root as ".". c->off moves past the name's own
 * bytes (a pointer ends them). Pointers must land strictly before the start
 * of the labels they were found in: positions only decrease, so no loop,
 * and MAX_JUMPS bounds chains of pointers to pointers. After a jump the
 * labels may run to the end of the bytes given (not only of an rdata):
 * TRUNCATED there, as the bytes that were cut could have ended the name.
 */
static enum dns_status read_name(struct cur *c, char *out)
{
	size_t pos = c->off, start = c->off, lim = c->end;
	enum dns_status short_read = c->short_read;
	bool jumped = false;
	unsigned jumps = 0;
	struct text t;

	/* One spare byte: a name one character too long is seen, not cut. */
	char tmp[NAME_TEXT_MAX + 2];

	text_init(&t, tmp, sizeof(tmp));
	for (;;) {
		uint8_t b;

		if (pos >= lim)
			goto short_read;
		b = c->buf[pos];
		if (b == 0) {
			pos++;
			break;
		}
		if ((b & 0xc0) == 0xc0) {
			size_t to;

			if (pos + 1 >= lim)
				goto short_read;
			to = (size_t)(b & 0x3f) << 8 | c->buf[pos + 1];
			if (!jumped)
				c->off = pos + 2;
			/* No name starts inside the header. */
			if (to < DNS_HDR_LEN || to >= start || ++jumps > MAX_JUMPS)
				return DNS_MALFORMED;
			jumped = true;
			short_read = DNS_TRUNCATED;
			start = pos = to;
			lim = c->len;
			continue;
		}
		/* 0x40 (RFC 6891 retired the extended label types) and 0x80: none in use. */
		if (b & 0xc0)
			return DNS_MALFORMED;
		if (lim - pos - 1 < b)
			goto short_read;
		if (t.n)
			text_putc(&t, '.');
		text_label(&t, c->buf + pos + 1, b);
		if (t.cut || t.n > NAME_TEXT_MAX)
			return DNS_MALFORMED;
		pos += 1 + (size_t)b;
	}
	if (!jumped)
		c->off = pos;
	if (!t.n)
		text_putc(&t, '.');
	memcpy(out, tmp, t.n + 1);
	return DNS_OK;

short_read:
	return short_read;
}

/* A name inside rdata, appended to @t. */
static enum dns_status rdata_name(struct cur *rd, struct text *t)
{
	char name[DNS_NAME_MAX];
	enum dns_status st = read_name(rd, name);

	if (st == DNS_OK)
		text_puts(t, name);
	return st;
}

/* A <character-string> (RFC 1035 3.3) quoted: '"' and '\' escaped, the rest as TXT shows. */
static enum dns_status rdata_string(struct cur *rd, struct text *t)
{
	uint8_t n;

	if (!have(rd, 1))
		return DNS_MALFORMED;
	n = rd->buf[rd->off];
	if (!have(rd, 1 + (size_t)n))
		return DNS_MALFORMED;
	text_putc(t, '"');
	for (size_t i = 0; i < n; i++) {
		uint8_t b = rd->buf[rd->off + 1 + i];

		if (b == '"' || b == '\\') {
			text_putc(t, '\\');
			text_putc(t, (char)b);
		} else if (b < 0x20 || b > 0x7e) {
			text_ddd(t, b);
		} else {
			text_putc(t, (char)b);
		}
	}
	text_putc(t, '"');
	rd->off += 1 + (size_t)n;
	return DNS_OK;
}

static void text_hex(struct text *t, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		text_printf(t, "%02X", p[i]);
}

static void text_base64(struct text *t, const uint8_t *p, size_t n)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t left = n - i;

		if (left > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		text_putc(t, b64[v >> 18 & 63]);
		text_putc(t, b64[v >> 12 & 63]);
		text_putc(t, left > 1 ? b64[v >> 6 & 63] : '=');
		text_putc(t, left > 2 ? b64[v & 63] : '=');
	}
}

/* RFC 3597's form for rdata without a format of its own: \# LEN HEX. */
static void text_unknown(struct text *t, const uint8_t *p, size_t n)
{
	text_printf(t, "\\# %zu", n);
	if (n) {
		text_putc(t, ' ');
		text_hex(t, p, n);
	}
}

static const char *svc_key_name(uint16_t key)
{
	static const char *const names[] = {
		"mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint",
	};

	return key < sizeof(names) / sizeof(names[0]) ? names[key] : NULL;
}

static void text_svc_key(struct text *t, uint16_t key)
{
	const char *s = svc_key_name(key);

	if (s)
		text_puts(t, s);
	else
		text_printf(t, "key%u", key);
}

/* alpn: protocol ids comma-separated; ',' and '\' escaped, other odd bytes as \DDD. */
static bool svc_alpn(struct text *t, const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (!n)
		return false;	/* RFC 9460 7.1.1: at least one id */
	while (i < n) {
		size_t idlen = p[i++];

		if (!idlen || idlen > n - i)
			return false;
		if (i > 1)
			text_putc(t, ',');
		for (size_t j = 0; j < idlen; j++, i++) {
			if (p[i] == ',' || p[i] == '\\') {
				text_putc(t, '\\');
				text_putc(t, (char)p[i]);
			} else if (p[i] < 0x21 || p[i] > 0x7e) {
				text_ddd(t, p[i]);
			} else {
				text_putc(t, (char)p[i]);
			}
		}
	}
	return true;
}

/* ipv4hint/ipv6hint: addresses comma-separated; @alen 4 or 16. */
static bool svc_hints(struct text *t, const uint8_t *p, size_t n, size_t alen)
{
	char addr[INET6_ADDRSTRLEN];

	if (!n || n % alen)
		return false;
	for (size_t i = 0; i < n; i += alen) {
		inet_ntop(alen == 4 ? AF_INET : AF_INET6, p + i, addr, sizeof(addr));
		if (i)
			text_putc(t, ',');
		text_puts(t, addr);
	}
	return true;
}

/* mandatory: key names comma-separated. */
static bool svc_mandatory(struct text *t, const uint8_t *p, size_t n)
{
	if (!n || n % 2)
		return false;
	for (size_t i = 0; i < n; i += 2) {
		if (i)
			text_putc(t, ',');
		text_svc_key(t, get16(p + i));
	}
	return true;
}

/*
 * One SvcParam " key=value" (RFC 9460 7); false when its value does not
 * have its key's form. Keys without a form of their own: keyN=HEX, or just
 * keyN when empty.
 */
static bool svc_param(struct text *t, uint16_t key, const uint8_t *p, size_t n)
{
	text_putc(t, ' ');
	text_svc_key(t, key);
	switch (key) {
	case 0:
		text_putc(t, '=');
		return svc_mandatory(t, p, n);
	case 1:
		text_putc(t, '=');
		return svc_alpn(t, p, n);
	case 2:
		return n == 0;
	case 3:
		if (n != 2)
			return false;
		text_printf(t, "=%u", get16(p));
		return true;
	case 4:
		text_putc(t, '=');
		return svc_hints(t, p, n, 4);
	case 5:
		text_putc(t, '=');
		text_base64(t, p, n);
		return true;
	case 6:
		text_putc(t, '=');
		return svc_hints(t, p, n, 16);
	default:
		if (n) {
			text_putc(t, '=');
			text_hex(t, p, n);
		}
		return true;
	}
}

/* SVCB/HTTPS (RFC 9460 2.2): "PRIO TARGET key=value...", keys in strictly increasing order. */
static enum dns_status rdata_svcb(struct cur *rd, struct text *t)
{
	enum dns_status st;
	int last_key = -1;

	if (!have(rd, 2))
		return DNS_MALFORMED;
	text_printf(t, "%u ", get16(rd->buf + rd->off));
	rd->off += 2;
	st = rdata_name(rd, t);
	if (st != DNS_OK)
		return st;
	while (rd->off < rd->end) {
		const uint8_t *p = rd->buf + rd->off;
		uint16_t key, n;

		if (!have(rd, 4))
			return DNS_MALFORMED;
		key = get16(p);
		n = get16(p + 2);
		if ((int)key <= last_key || !have(rd, 4 + (size_t)n))
			return DNS_MALFORMED;
		if (!svc_param(t, key, p + 4, n))
			return DNS_MALFORMED;
		last_key = key;
		rd->off += 4 + (size_t)n;
	}
	return DNS_OK;
}

/* SOA: "MNAME RNAME SERIAL"; the four timers are checked for length, not shown. */
static enum dns_status rdata_soa(struct cur *rd, struct text *t)
{
	enum dns_status st = rdata_name(rd, t);

	if (st != DNS_OK)
		return st;
	text_putc(t, ' ');
	st = rdata_name(rd, t);
	if (st != DNS_OK)
		return st;
	if (!have(rd, 20))
		return DNS_MALFORMED;
	text_printf(t, " %u", get32(rd->buf + rd->off));
	rd->off += 20;
	return DNS_OK;
}

static enum dns_status rdata_address(struct cur *rd, struct dns_answer *a, struct text *t,
				     size_t alen)
{
	char addr[INET6_ADDRSTRLEN];

	if (rd->end - rd->off != alen)
		return DNS_MALFORMED;
	memcpy(a->addr, rd->buf + rd->off, alen);
	a->addr_len = (uint8_t)alen;
	inet_ntop(alen == 4 ? AF_INET : AF_INET6, a->addr, addr, sizeof(addr));
	text_puts(t, addr);
	rd->off += alen;
	return DNS_OK;
}

/* Numbers in front of a name (MX, SRV): @n 16-bit fields, space-separated. */
static enum dns_status rdata_u16s_name(struct cur *rd, struct text *t, unsigned n)
{
	if (!have(rd, 2 * (size_t)n))
		return DNS_MALFORMED;
	for (unsigned i = 0; i < n; i++, rd->off += 2)
		text_printf(t, "%u ", get16(rd->buf + rd->off));
	return rdata_name(rd, t);
}

static enum dns_status rdata_txt(struct cur *rd, struct text *t)
{
	while (rd->off < rd->end) {
		enum dns_status st;

		if (t->n)
			text_putc(t, ' ');
		st = rdata_string(rd, t);
		if (st != DNS_OK)
			return st;
	}
	return DNS_OK;
}

/*
 * The rdata of @a (@rdlen bytes at @at, all of them inside the message) as
 * text. Its fields must fill it exactly: a record with bytes left over or
 * missing is MALFORMED, its rdlength having been checked to fit already.
 */
static enum dns_status read_rdata(const struct cur *msg, size_t at, uint16_t rdlen,
				  struct dns_answer *a)
{
	struct cur rd = {
		.buf = msg->buf, .len = msg->len, .off = at, .end = at + rdlen,
		.short_read = DNS_MALFORMED,
	};
	enum dns_status st;
	struct text t;

	text_init(&t, a->text, sizeof(a->text));
	switch (a->type) {
	case DNS_T_A:
		st = rdata_address(&rd, a, &t, 4);
		break;
	case DNS_T_AAAA:
		st = rdata_address(&rd, a, &t, 16);
		break;
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
	case DNS_T_DNAME:
		st = rdata_name(&rd, &t);
		break;
	case DNS_T_MX:
		st = rdata_u16s_name(&rd, &t, 1);
		break;
	case DNS_T_SRV:
		st = rdata_u16s_name(&rd, &t, 3);
		break;
	case DNS_T_SOA:
		st = rdata_soa(&rd, &t);
		break;
	case DNS_T_TXT:
		st = rdata_txt(&rd, &t);
		break;
	case DNS_T_SVCB:
	case DNS_T_HTTPS:
		st = rdata_svcb(&rd, &t);
		break;
	default:
		text_unknown(&t, rd.buf + at, rdlen);
		rd.off = rd.end;
		st = DNS_OK;
		break;
	}
	if (st == DNS_OK && rd.off != rd.end)
		st = DNS_MALFORMED;
	text_end(&t);
	return st;
}

/* A record's owner name and fixed fields; c->off ends past its rdata, which must all be there. */
struct rr {
	uint16_t type, rclass, rdlength;
	uint32_t ttl;
	size_t rdata;	/* offset */
};

static enum dns_status read_rr(struct cur *c, char *name, struct rr *rr)
{
	enum dns_status st = read_name(c, name);
	const uint8_t *p;

	if (st != DNS_OK)
		return st;
	if (!have(c, RR_FIXED_LEN))
		return DNS_TRUNCATED;
	p = c->buf + c->off;
	rr->type = get16(p);
	rr->rclass = get16(p + 2);
	rr->ttl = get32(p + 4);
	rr->rdlength = get16(p + 8);
	c->off += RR_FIXED_LEN;
	if (!have(c, rr->rdlength))
		return DNS_TRUNCATED;
	rr->rdata = c->off;
	c->off += rr->rdlength;
	return DNS_OK;
}

static void read_header(const uint8_t *p, struct dns_msg *m)
{
	m->id = get16(p);
	m->qr = p[2] & 0x80;
	m->opcode = p[2] >> 3 & 0x0f;
	m->aa = p[2] & 0x04;
	m->tc = p[2] & 0x02;
	m->rd = p[2] & 0x01;
	m->ra = p[3] & 0x80;
	m->rcode = p[3] & 0x0f;
	m->qdcount = get16(p + 4);
	m->ancount = get16(p + 6);
	m->nscount = get16(p + 8);
	m->arcount = get16(p + 10);
}

/*
 * The first question is decoded; others (RFC 9619 says one at most, but old
 * servers answered several) are checked and skipped.
 */
static enum dns_status read_questions(struct cur *c, struct dns_msg *m)
{
	char name[DNS_NAME_MAX];

	for (unsigned i = 0; i < m->qdcount; i++) {
		enum dns_status st = read_name(c, i ? name : m->qname);

		if (st != DNS_OK)
			return st;
		if (!have(c, 4)) {
			if (!i)	/* the question is whole or absent */
				m->qname[0] = '\0';
			return DNS_TRUNCATED;
		}
		if (!i) {
			m->qtype = get16(c->buf + c->off);
			m->qclass = get16(c->buf + c->off + 2);
			m->has_question = true;
		}
		c->off += 4;
	}
	return DNS_OK;
}

/*
 * Answers: the first DNS_MAX_ANSWERS decoded, the others checked as far as
 * their names and lengths go. The loop runs at most ancount times but ends
 * sooner when the bytes do: each record takes 11 bytes at least.
 */
static enum dns_status read_answers(struct cur *c, struct dns_msg *m)
{
	char name[DNS_NAME_MAX];

	for (unsigned i = 0; i < m->ancount; i++) {
		struct dns_answer *a = NULL;
		enum dns_status st;
		struct rr rr;

		if (m->nanswers < DNS_MAX_ANSWERS)
			a = &m->answers[m->nanswers];
		st = read_rr(c, a ? a->name : name, &rr);
		if (st == DNS_OK && a) {
			a->type = rr.type;
			a->rclass = rr.rclass;
			a->ttl = rr.ttl;
			st = read_rdata(c, rr.rdata, rr.rdlength, a);
		}
		if (st != DNS_OK) {
			if (a)	/* only whole answers are kept */
				memset(a, 0, sizeof(*a));
			return st;
		}
		if (a)
			m->nanswers++;
	}
	return DNS_OK;
}

/*
 * EDNS (RFC 6891 6.1): the OPT record's class is the sender's UDP payload
 * size, its TTL's top byte the upper 8 bits of a 12-bit rcode. It must be
 * owned by the root, and one at most: with two, which rcode holds?
 */
static enum dns_status read_opt(const char *owner, const struct rr *rr, struct dns_msg *m)
{
	if (m->edns || strcmp(owner, ".") != 0)
		return DNS_MALFORMED;
	m->edns = true;
	m->edns_udp_size = rr->rclass;
	m->rcode = (uint16_t)((rr->ttl >> 24) << 4 | (m->rcode & 0x0f));
	return DNS_OK;
}

/* Authority and additional records: skipped, an OPT among the additional ones read. */
static enum dns_status read_others(struct cur *c, struct dns_msg *m)
{
	unsigned n = (unsigned)m->nscount + m->arcount;
	char name[DNS_NAME_MAX];

	for (unsigned i = 0; i < n; i++) {
		enum dns_status st;
		struct rr rr;

		st = read_rr(c, name, &rr);
		if (st == DNS_OK && i >= m->nscount && rr.type == DNS_T_OPT)
			st = read_opt(name, &rr, m);
		if (st != DNS_OK)
			return st;
	}
	return DNS_OK;
}

/*
 * Bytes after the last record announced are left alone (padding some
 * middleboxes add): what was announced was all read.
 */
enum dns_status dns_parse(const uint8_t *buf, size_t len, struct dns_msg *out)
{
	struct cur c = { .buf = buf, .len = len, .end = len, .off = DNS_HDR_LEN,
			 .short_read = DNS_TRUNCATED };
	enum dns_status st;

	memset(out, 0, sizeof(*out));
	/* Not even a header: nothing in it could be trusted, not even the id. */
	if (!buf || len < DNS_HDR_LEN)
		return DNS_MALFORMED;
	read_header(buf, out);
	st = read_questions(&c, out);
	if (st == DNS_OK)
		st = read_answers(&c, out);
	if (st == DNS_OK)
		st = read_others(&c, out);
	return st;
}

/* IANA "Resource Record (RR) TYPEs", the ones in use. */
static const struct {
	uint16_t type;
	const char *name;
} type_names[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
	{ 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 17, "RP" }, { 18, "AFSDB" },
	{ 24, "SIG" }, { 25, "KEY" }, { 28, "AAAA" }, { 29, "LOC" }, { 33, "SRV" },
	{ 35, "NAPTR" }, { 36, "KX" }, { 37, "CERT" }, { 39, "DNAME" }, { 41, "OPT" },
	{ 42, "APL" }, { 43, "DS" }, { 44, "SSHFP" }, { 45, "IPSECKEY" }, { 46, "RRSIG" },
	{ 47, "NSEC" }, { 48, "DNSKEY" }, { 49, "DHCID" }, { 50, "NSEC3" },
	{ 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 53, "SMIMEA" }, { 55, "HIP" },
	{ 59, "CDS" }, { 60, "CDNSKEY" }, { 61, "OPENPGPKEY" }, { 62, "CSYNC" },
	{ 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" },
	{ 108, "EUI48" }, { 109, "EUI64" }, { 249, "TKEY" }, { 250, "TSIG" },
	{ 251, "IXFR" }, { 252, "AXFR" }, { 255, "ANY" }, { 256, "URI" }, { 257, "CAA" },
};

/* IANA "DNS RCODEs"; 16 is BADSIG only inside a TSIG record, in a header BADVERS. */
static const struct {
	uint16_t rcode;
	const char *name;
} rcode_names[] = {
	{ 0, "NOERROR" }, { 1, "FORMERR" }, { 2, "SERVFAIL" }, { 3, "NXDOMAIN" },
	{ 4, "NOTIMP" }, { 5, "REFUSED" }, { 6, "YXDOMAIN" }, { 7, "YXRRSET" },
	{ 8, "NXRRSET" }, { 9, "NOTAUTH" }, { 10, "NOTZONE" }, { 11, "DSOTYPENI" },
	{ 16, "BADVERS" }, { 17, "BADKEY" }, { 18, "BADTIME" }, { 19, "BADMODE" },
	{ 20, "BADNAME" }, { 21, "BADALG" }, { 22, "BADTRUNC" }, { 23, "BADCOOKIE" },
};

/*
 * @name (or @prefix and the number) into @buf. Without room, the constant
 * name itself or "" comes back, so that a caller never gets NULL.
 */
static const char *name_or_number(const char *name, const char *prefix, unsigned n,
				  char *buf, size_t size)
{
	if (!buf || !size)
		return name ? name : "";
	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%s%u", prefix, n);
	return buf;
}

const char *dns_type_name(uint16_t type, char *buf, size_t size)
{
	const char *name = NULL;

	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			name = type_names[i].name;
	return name_or_number(name, "TYPE", type, buf, size);
}

const char *dns_rcode_name(uint16_t rcode, char *buf, size_t size)
{
	const char *name = NULL;

	for (size_t i = 0; i < sizeof(rcode_names) / sizeof(rcode_names[0]); i++)
		if (rcode_names[i].rcode == rcode)
			name = rcode_names[i].name;
	return name_or_number(name, "RCODE", rcode, buf, size);
}
