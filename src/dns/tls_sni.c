// SPDX-License-Identifier: GPL-2.0-only
/*
 * The server name in a TLS ClientHello (tls_sni.h). The handshake message is
 * read through a cursor that crosses record boundaries, as a ClientHello may
 * be split over several records (RFC 8446 5.1) and large ones (post-quantum
 * key shares) are. Every length is checked against the one that holds it.
 *
 * Which answer when: bytes that cannot start or continue a ClientHello are
 * SNI_NOT_TLS as soon as they are seen; bytes that end first are
 * SNI_TRUNCATED, so that a caller with more of the stream may ask again.
 * The server_name extension is returned as soon as it is read: what follows
 * it need not have arrived.
 */
#include <stdbool.h>
#include <string.h>
#include "dns/tls_sni.h"

#define TLS_CT_HANDSHAKE	22
#define TLS_HS_CLIENT_HELLO	1
#define TLS_EXT_SERVER_NAME	0
#define TLS_SNI_HOST_NAME	0
#define TLS_RECORD_HDR		5
#define TLS_MAX_FRAGMENT	16384	/* RFC 8446 5.1: 2^14 bytes of plaintext */
#define TLS_RANDOM_LEN		32
#define TLS_SESSION_ID_MAX	32

/* Helpers answer SNI_FOUND for "so far so good", anything else ends the walk. */
#define SNI_GO_ON		SNI_FOUND

/* The handshake bytes, read across the records that carry them. */
struct hs {
	const uint8_t *buf;
	size_t len;
	size_t pos;		/* next byte of buf */
	size_t rec_left;	/* handshake bytes left in the current record */
};

/*
 * The header of the next record, checked byte by byte so that a few bytes
 * of something else are NOT_TLS at once. Only handshake records may carry
 * a ClientHello, with nothing of other types between its pieces, and never
 * an empty one (RFC 8446 5.1).
 */
static enum sni_status next_record(struct hs *h)
{
	size_t avail = h->len - h->pos;
	const uint8_t *p;
	size_t n;

	if (avail < 1)
		return SNI_TRUNCATED;	/* before p: buf may be NULL (with len 0) */
	p = h->buf + h->pos;
	if (p[0] != TLS_CT_HANDSHAKE)
		return SNI_NOT_TLS;
	if (avail < 2)
		return SNI_TRUNCATED;
	if (p[1] != 3)	/* 3.x: SSL 3.0 up to TLS 1.3's 3.3 (3.1 in many first records) */
		return SNI_NOT_TLS;
	if (avail < TLS_RECORD_HDR)
		return SNI_TRUNCATED;
	n = (size_t)p[3] << 8 | p[4];
	if (n == 0 || n > TLS_MAX_FRAGMENT)
		return SNI_NOT_TLS;
	h->pos += TLS_RECORD_HDR;
	h->rec_left = n;
	return SNI_GO_ON;
}

/* @n handshake bytes into @out, or past them when @out is NULL. */
static enum sni_status hs_read(struct hs *h, uint8_t *out, size_t n)
{
	while (n) {
		size_t take;

		if (!h->rec_left) {
			enum sni_status st = next_record(h);

			if (st != SNI_GO_ON)
				return st;
		}
		take = n < h->rec_left ? n : h->rec_left;
		if (take > h->len - h->pos)
			take = h->len - h->pos;
		if (!take)
			return SNI_TRUNCATED;
		if (out) {
			memcpy(out, h->buf + h->pos, take);
			out += take;
		}
		h->pos += take;
		h->rec_left -= take;
		n -= take;
	}
	return SNI_GO_ON;
}

/*
 * @n bytes of a field inside a vector with @left bytes left: a field longer
 * than what holds it is NOT_TLS, known before its bytes are.
 */
static enum sni_status take(struct hs *h, size_t *left, uint8_t *out, size_t n)
{
	if (n > *left)
		return SNI_NOT_TLS;
	*left -= n;
	return hs_read(h, out, n);
}

/* A big-endian number of @n (1 to 3) bytes. */
static enum sni_status take_num(struct hs *h, size_t *left, size_t n, size_t *v)
{
	uint8_t b[3];
	enum sni_status st = take(h, left, b, n);

	*v = 0;
	for (size_t i = 0; st == SNI_GO_ON && i < n; i++)
		*v = *v << 8 | b[i];
	return st;
}

/* What a DNS host name may hold (with '_', which some clients send). */
static bool host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

/*
 * A host_name of @n bytes, copied while checked. A name with other bytes is
 * NOT_TLS: no server takes it as a host name (OpenSSL refuses a NUL), NONE
 * would say the client sent no name, and its bytes (terminal escapes, say)
 * must not reach an output.
 */
static enum sni_status host_name(struct hs *h, size_t *left, size_t n, char *name, size_t size)
{
	enum sni_status st;

	if (!n)
		return SNI_NOT_TLS;	/* RFC 6066 3: HostName<1..2^16-1> */
	for (size_t i = 0; i < n; i++) {
		uint8_t c;

		st = take(h, left, &c, 1);
		if (st != SNI_GO_ON)
			return st;
		if (!host_char(c))
			return SNI_NOT_TLS;
		if (name && i + 1 < size) {
			name[i] = (char)c;
			name[i + 1] = '\0';
		}
	}
	return SNI_FOUND;
}

/* The server_name extension's data (RFC 6066 3): a list of typed names, the host_name wanted. */
static enum sni_status server_name(struct hs *h, size_t ext_len, char *name, size_t size)
{
	size_t list_len, type, n;
	enum sni_status st;

	st = take_num(h, &ext_len, 2, &list_len);
	if (st != SNI_GO_ON)
		return st;
	if (!list_len || list_len != ext_len)
		return SNI_NOT_TLS;
	while (list_len) {
		st = take_num(h, &list_len, 1, &type);
		if (st == SNI_GO_ON)
			st = take_num(h, &list_len, 2, &n);
		if (st != SNI_GO_ON)
			return st;
		if (type == TLS_SNI_HOST_NAME)
			return host_name(h, &list_len, n, name, size);
		st = take(h, &list_len, NULL, n);
		if (st != SNI_GO_ON)
			return st;
	}
	return SNI_NONE;
}

/* The extensions, which fill the rest of the ClientHello (@left bytes). */
static enum sni_status extensions(struct hs *h, size_t left, char *name, size_t size)
{
	size_t total, type, n;
	enum sni_status st;

	if (!left)
		return SNI_NONE;	/* a hello from before extensions (SSL 3.0) */
	st = take_num(h, &left, 2, &total);
	if (st != SNI_GO_ON)
		return st;
	if (total != left)
		return SNI_NOT_TLS;
	while (total) {
		st = take_num(h, &total, 2, &type);
		if (st == SNI_GO_ON)
			st = take_num(h, &total, 2, &n);
		if (st != SNI_GO_ON)
			return st;
		if (n > total)
			return SNI_NOT_TLS;
		if (type == TLS_EXT_SERVER_NAME) {
			total -= n;
			return server_name(h, n, name, size);
		}
		st = take(h, &total, NULL, n);
		if (st != SNI_GO_ON)
			return st;
	}
	return SNI_NONE;
}

/*
 * ClientHello (RFC 8446 4.1.2): legacy_version, random, session id,
 * cipher suites, compression methods, then extensions.
 */
enum sni_status tls_client_hello_sni(const uint8_t *buf, size_t len, char *name, size_t size)
{
	struct hs h = { .buf = buf, .len = buf ? len : 0 };
	size_t hdr = 4, type, body, v;
	enum sni_status st;

	if (name && size)
		name[0] = '\0';
	/* Handshake header: type, then a 24-bit length, which bounds the rest. */
	st = take_num(&h, &hdr, 1, &type);
	if (st != SNI_GO_ON)
		return st;
	if (type != TLS_HS_CLIENT_HELLO)
		return SNI_NOT_TLS;
	st = take_num(&h, &hdr, 3, &body);
	if (st != SNI_GO_ON)
		return st;

	st = take_num(&h, &body, 1, &v);		/* legacy_version: 3.x */
	if (st == SNI_GO_ON && v != 3)
		st = SNI_NOT_TLS;
	if (st == SNI_GO_ON)
		st = take(&h, &body, NULL, 1 + TLS_RANDOM_LEN);
	if (st == SNI_GO_ON)
		st = take_num(&h, &body, 1, &v);	/* session id */
	if (st == SNI_GO_ON && v > TLS_SESSION_ID_MAX)
		st = SNI_NOT_TLS;
	if (st == SNI_GO_ON)
		st = take(&h, &body, NULL, v);
	if (st == SNI_GO_ON)
		st = take_num(&h, &body, 2, &v);	/* cipher suites, 2 bytes each */
	if (st == SNI_GO_ON && (v < 2 || v % 2))
		st = SNI_NOT_TLS;
	if (st == SNI_GO_ON)
		st = take(&h, &body, NULL, v);
	if (st == SNI_GO_ON)
		st = take_num(&h, &body, 1, &v);	/* compression methods: one at least */
	if (st == SNI_GO_ON && !v)
		st = SNI_NOT_TLS;
	if (st == SNI_GO_ON)
		st = take(&h, &body, NULL, v);
	if (st == SNI_GO_ON)
		st = extensions(&h, body, name, size);
	if (st != SNI_FOUND && name && size)
		name[0] = '\0';	/* a name half read or refused is no name */
	return st;
}
