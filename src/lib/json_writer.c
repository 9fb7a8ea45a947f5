// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "lib/json_writer.h"
#include "lib/util.h"

/*
 * Writes gather in the writer's buffer and reach stdio in one unlocked
 * fwrite when an object or array ends (or the buffer fills): trace writes
 * a dozen fields per event at a hundred thousand events a second, and a
 * call into stdio per field was a fifth of trace's CPU. A stream is written
 * by one thread; the reverse-DNS thread never writes one.
 */
void jw_flush(struct json_writer *jw)
{
	if (jw->n)
		fwrite_unlocked(jw->buf, 1, jw->n, jw->out);
	jw->n = 0;
}

/*
 * A value written: out now if it was the whole document (a level's end
 * flushes anyway; a key is always inside an object, so key calls skip this).
 */
static void end_value(struct json_writer *jw)
{
	if (jw->depth == 0)
		jw_flush(jw);
}

static void put_bytes(struct json_writer *jw, const void *s, size_t n)
{
	if (n > sizeof(jw->buf) - jw->n) {
		jw_flush(jw);
		if (n > sizeof(jw->buf)) {
			fwrite_unlocked(s, 1, n, jw->out);
			return;
		}
	}
	memcpy(jw->buf + jw->n, s, n);
	jw->n += n;
}

static void put_char(struct json_writer *jw, char c)
{
	if (jw->n == sizeof(jw->buf))
		jw_flush(jw);
	jw->buf[jw->n++] = c;
}

static void put_str(struct json_writer *jw, const char *s)
{
	put_bytes(jw, s, strlen(s));
}

void jw_init(struct json_writer *jw, FILE *out, bool pretty)
{
	jw->out = out;
	jw->pretty = pretty;
	jw->depth = 0;
	jw->first[0] = true;
	jw->after_key = false;
	jw->n = 0;
}

static void indent(struct json_writer *jw)
{
	if (!jw->pretty)
		return;
	put_char(jw, '\n');
	for (int i = 0; i < jw->depth; i++)
		put_bytes(jw, "  ", 2);
}

/* Separator before a new value (or key) at the current level. */
static void begin_value(struct json_writer *jw)
{
	if (jw->after_key) {
		jw->after_key = false;
		return;
	}
	if (!jw->first[jw->depth])
		put_char(jw, ',');
	if (jw->depth > 0)
		indent(jw);
	jw->first[jw->depth] = false;
}

static void open_level(struct json_writer *jw, char c)
{
	begin_value(jw);
	put_char(jw, c);
	if (jw->depth < JW_MAX_DEPTH - 1)
		jw->depth++;
	jw->first[jw->depth] = true;
}

static void close_level(struct json_writer *jw, char c)
{
	bool empty = jw->first[jw->depth];

	if (jw->depth > 0)
		jw->depth--;
	if (!empty)
		indent(jw);
	put_char(jw, c);
	if (jw->depth == 0 && jw->pretty)
		put_char(jw, '\n');
	jw_flush(jw);
}

void jw_start_object(struct json_writer *jw) { open_level(jw, '{'); }
void jw_end_object(struct json_writer *jw) { close_level(jw, '}'); }
void jw_start_array(struct json_writer *jw) { open_level(jw, '['); }
void jw_end_array(struct json_writer *jw) { close_level(jw, ']'); }

/* Bytes a JSON string holds as they are: not a control byte, DEL, '"' or '\\'. */
static const bool json_plain[256] = {
	[0x20 ... 0x21] = true, [0x23 ... 0x5b] = true, [0x5d ... 0x7e] = true,
	[0x80 ... 0xff] = true,
};

/* A JSON string: runs of bytes that need no escape are copied whole. */
static void put_escaped(struct json_writer *jw, const char *s)
{
	const unsigned char *c = (const unsigned char *)s, *run = c;
	char u[8];
	size_t n;

	while (json_plain[*c])
		c++;
	n = c - run;
	if (!*c && n + 2 <= sizeof(jw->buf) - jw->n) {
		/* The usual string, nothing to escape: one copy. */
		jw->buf[jw->n] = '"';
		memcpy(jw->buf + jw->n + 1, s, n);
		jw->buf[jw->n + 1 + n] = '"';
		jw->n += n + 2;
		return;
	}
	put_char(jw, '"');
	for (;;) {
		put_bytes(jw, run, c - run);
		if (!*c)
			break;
		switch (*c) {
		case '"': put_bytes(jw, "\\\"", 2); break;
		case '\\': put_bytes(jw, "\\\\", 2); break;
		case '\n': put_bytes(jw, "\\n", 2); break;
		case '\r': put_bytes(jw, "\\r", 2); break;
		case '\t': put_bytes(jw, "\\t", 2); break;
		default:
			snprintf(u, sizeof(u), "\\u%04x", *c);
			put_bytes(jw, u, 6);
		}
		for (run = ++c; json_plain[*c]; c++)
			;
	}
	put_char(jw, '"');
}

/* Decimal digits of @v, without printf's format parsing (numbers are most of a record). */
static void put_u64(struct json_writer *jw, uint64_t v)
{
	char buf[20], *e = buf + sizeof(buf), *b = dec_digits_before(e, v, 1);

	put_bytes(jw, b, e - b);
}

static void put_i64(struct json_writer *jw, int64_t v)
{
	if (v < 0) {
		put_char(jw, '-');
		put_u64(jw, -(uint64_t)v);
	} else {
		put_u64(jw, v);
	}
}

/*
 * @v with @decimals decimals as printf's "%.*f" writes it, without printf:
 * times and rates are most of an event's numbers. The whole part is exact,
 * and so is the fraction's (v - whole, for |v| < 2^52); only its scaling
 * rounds, by far less than 1e-6. Near a rounding tie, or out of range, printf.
 */
static void put_fixed(struct json_writer *jw, double v, int decimals)
{
	static const double scale[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };
	static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
					  100000000, 1000000000 };
	double a = fabs(v), whole, x, frac;
	uint64_t w, f;
	char buf[400], *e = buf + sizeof(buf), *b = e;

	if (decimals < 0 || decimals > 9 || !(a < 4e15))
		goto slow;
	whole = floor(a);
	frac = modf((a - whole) * scale[decimals], &x);
	if (fabs(frac - 0.5) < 1e-6)
		goto slow;		/* (nearly) a tie: printf's exact rounding decides */
	w = (uint64_t)whole;
	f = (uint64_t)x + (frac > 0.5);
	if (f == pow10[decimals]) {	/* 0.9996 to 3 decimals: 1.000 */
		f = 0;
		w++;
	}
	if (decimals) {
		b = dec_digits_before(b, f, decimals);
		*--b = '.';
	}
	b = dec_digits_before(b, w, 1);
	if (signbit(v))
		*--b = '-';	/* as printf: "-0.0" for -0.04 and for -0.0 */
	put_bytes(jw, b, e - b);
	return;
slow:
	put_bytes(jw, buf, snprintf(buf, sizeof(buf), "%.*f", decimals, v));
}

static void put_key(struct json_writer *jw, const char *key)
{
	begin_value(jw);
	put_escaped(jw, key);
	if (jw->pretty)
		put_bytes(jw, ": ", 2);
	else
		put_char(jw, ':');
	jw->after_key = true;
}

/* The values, each after its separator (none right after a key). */
static void put_string(struct json_writer *jw, const char *s)
{
	begin_value(jw);
	if (s)
		put_escaped(jw, s);
	else
		put_bytes(jw, "null", 4);
}

static void put_u64_value(struct json_writer *jw, uint64_t v)
{
	begin_value(jw);
	put_u64(jw, v);
}

static void put_i64_value(struct json_writer *jw, int64_t v)
{
	begin_value(jw);
	put_i64(jw, v);
}

static void put_double_value(struct json_writer *jw, double v, int decimals)
{
	begin_value(jw);
	if (isfinite(v))
		put_fixed(jw, v, decimals);
	else
		put_bytes(jw, "null", 4);
}

static void put_word(struct json_writer *jw, const char *word)
{
	begin_value(jw);
	put_str(jw, word);
}

void jw_key(struct json_writer *jw, const char *key)
{
	put_key(jw, key);
}

void jw_string(struct json_writer *jw, const char *s)
{
	put_string(jw, s);
	end_value(jw);
}

void jw_u64(struct json_writer *jw, uint64_t v)
{
	put_u64_value(jw, v);
	end_value(jw);
}

void jw_i64(struct json_writer *jw, int64_t v)
{
	put_i64_value(jw, v);
	end_value(jw);
}

void jw_double(struct json_writer *jw, double v, int decimals)
{
	put_double_value(jw, v, decimals);
	end_value(jw);
}

void jw_bool(struct json_writer *jw, bool v)
{
	put_word(jw, v ? "true" : "false");
	end_value(jw);
}

void jw_null(struct json_writer *jw)
{
	put_word(jw, "null");
	end_value(jw);
}

void jw_kv_string(struct json_writer *jw, const char *key, const char *s)
{
	put_key(jw, key);
	put_string(jw, s);
}

void jw_kv_u64(struct json_writer *jw, const char *key, uint64_t v)
{
	put_key(jw, key);
	put_u64_value(jw, v);
}

void jw_kv_bool(struct json_writer *jw, const char *key, bool v)
{
	put_key(jw, key);
	put_word(jw, v ? "true" : "false");
}

void jw_kv_i64(struct json_writer *jw, const char *key, int64_t v)
{
	put_key(jw, key);
	put_i64_value(jw, v);
}

void jw_kv_double(struct json_writer *jw, const char *key, double v, int decimals)
{
	put_key(jw, key);
	put_double_value(jw, v, decimals);
}

void jw_kv_null(struct json_writer *jw, const char *key)
{
	put_key(jw, key);
	put_word(jw, "null");
}

void jw_kv_u64_or_null(struct json_writer *jw, const char *key, bool known, uint64_t v)
{
	if (known)
		jw_kv_u64(jw, key, v);
	else
		jw_kv_null(jw, key);
}
