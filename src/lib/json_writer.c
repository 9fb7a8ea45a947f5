// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "lib/json_writer.h"
#include "lib/util.h"

/*
 * Each call builds what it writes (separator, key, value) in a piece on the
 * stack and hands it to stdio in one unlocked fwrite: trace writes a dozen
 * fields per event at a hundred thousand events a second, and a call into
 * stdio per character, quote and comma was most of an event's time. A stream
 * is written by one thread; the reverse-DNS thread never writes one.
 */
struct piece {
	FILE *out;
	size_t n;
	char b[256];
};

/* Not zeroed: an initializer would clear the whole buffer on every call. */
static void piece_start(struct piece *p, FILE *out)
{
	p->out = out;
	p->n = 0;
}

static void p_flush(struct piece *p)
{
	if (p->n)
		fwrite_unlocked(p->b, 1, p->n, p->out);
	p->n = 0;
}

static void p_write(struct piece *p, const void *s, size_t n)
{
	if (n > sizeof(p->b) - p->n) {
		p_flush(p);
		if (n > sizeof(p->b)) {
			fwrite_unlocked(s, 1, n, p->out);
			return;
		}
	}
	memcpy(p->b + p->n, s, n);
	p->n += n;
}

static void p_putc(struct piece *p, char c)
{
	if (p->n == sizeof(p->b))
		p_flush(p);
	p->b[p->n++] = c;
}

static void p_puts(struct piece *p, const char *s)
{
	p_write(p, s, strlen(s));
}

void jw_init(struct json_writer *jw, FILE *out, bool pretty)
{
	jw->out = out;
	jw->pretty = pretty;
	jw->depth = 0;
	jw->first[0] = true;
	jw->after_key = false;
}

static void indent(struct piece *p, const struct json_writer *jw)
{
	if (!jw->pretty)
		return;
	p_putc(p, '\n');
	for (int i = 0; i < jw->depth; i++)
		p_write(p, "  ", 2);
}

/* Separator before a new value (or key) at the current level. */
static void begin_value(struct piece *p, struct json_writer *jw)
{
	if (jw->after_key) {
		jw->after_key = false;
		return;
	}
	if (!jw->first[jw->depth])
		p_putc(p, ',');
	if (jw->depth > 0)
		indent(p, jw);
	jw->first[jw->depth] = false;
}

static void open_level(struct json_writer *jw, char c)
{
	struct piece p;

	piece_start(&p, jw->out);

	begin_value(&p, jw);
	p_putc(&p, c);
	if (jw->depth < JW_MAX_DEPTH - 1)
		jw->depth++;
	jw->first[jw->depth] = true;
	p_flush(&p);
}

static void close_level(struct json_writer *jw, char c)
{
	bool empty = jw->first[jw->depth];
	struct piece p;

	piece_start(&p, jw->out);

	if (jw->depth > 0)
		jw->depth--;
	if (!empty)
		indent(&p, jw);
	p_putc(&p, c);
	if (jw->depth == 0 && jw->pretty)
		p_putc(&p, '\n');
	p_flush(&p);
}

void jw_start_object(struct json_writer *jw) { open_level(jw, '{'); }
void jw_end_object(struct json_writer *jw) { close_level(jw, '}'); }
void jw_start_array(struct json_writer *jw) { open_level(jw, '['); }
void jw_end_array(struct json_writer *jw) { close_level(jw, ']'); }

/* A JSON string: runs of bytes that need no escape are copied whole. */
static void put_escaped(struct piece *p, const char *s)
{
	const unsigned char *c = (const unsigned char *)s, *run = c;
	char u[8];

	p_putc(p, '"');
	for (; *c; c++) {
		if (*c >= 0x20 && *c != 0x7f && *c != '"' && *c != '\\')
			continue;
		p_write(p, run, c - run);
		run = c + 1;
		switch (*c) {
		case '"': p_write(p, "\\\"", 2); break;
		case '\\': p_write(p, "\\\\", 2); break;
		case '\n': p_write(p, "\\n", 2); break;
		case '\r': p_write(p, "\\r", 2); break;
		case '\t': p_write(p, "\\t", 2); break;
		default:
			snprintf(u, sizeof(u), "\\u%04x", *c);
			p_write(p, u, 6);
		}
	}
	p_write(p, run, c - run);
	p_putc(p, '"');
}

/* Decimal digits of @v, without printf's format parsing (numbers are most of a record). */
static void put_u64(struct piece *p, uint64_t v)
{
	char buf[20], *e = buf + sizeof(buf), *b = dec_digits_before(e, v, 1);

	p_write(p, b, e - b);
}

static void put_i64(struct piece *p, int64_t v)
{
	if (v < 0) {
		p_putc(p, '-');
		put_u64(p, -(uint64_t)v);
	} else {
		put_u64(p, v);
	}
}

/*
 * @v with @decimals decimals as printf's "%.*f" writes it, without printf:
 * times and rates are most of an event's numbers. The whole part is exact,
 * and so is the fraction's (v - whole, for |v| < 2^52); only its scaling
 * rounds, by far less than 1e-6. Near a rounding tie, or out of range, printf.
 */
static void put_fixed(struct piece *p, double v, int decimals)
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
	p_write(p, b, e - b);
	return;
slow:
	p_write(p, buf, snprintf(buf, sizeof(buf), "%.*f", decimals, v));
}

static void put_key(struct piece *p, struct json_writer *jw, const char *key)
{
	begin_value(p, jw);
	put_escaped(p, key);
	if (jw->pretty)
		p_write(p, ": ", 2);
	else
		p_putc(p, ':');
	jw->after_key = true;
}

/* The values, each after its separator (none right after a key). */
static void put_string(struct piece *p, struct json_writer *jw, const char *s)
{
	begin_value(p, jw);
	if (s)
		put_escaped(p, s);
	else
		p_write(p, "null", 4);
}

static void put_u64_value(struct piece *p, struct json_writer *jw, uint64_t v)
{
	begin_value(p, jw);
	put_u64(p, v);
}

static void put_i64_value(struct piece *p, struct json_writer *jw, int64_t v)
{
	begin_value(p, jw);
	put_i64(p, v);
}

static void put_double_value(struct piece *p, struct json_writer *jw, double v, int decimals)
{
	begin_value(p, jw);
	if (isfinite(v))
		put_fixed(p, v, decimals);
	else
		p_write(p, "null", 4);
}

static void put_word(struct piece *p, struct json_writer *jw, const char *word)
{
	begin_value(p, jw);
	p_puts(p, word);
}

void jw_key(struct json_writer *jw, const char *key)
{
	struct piece p;

	piece_start(&p, jw->out);

	put_key(&p, jw, key);
	p_flush(&p);
}

void jw_string(struct json_writer *jw, const char *s)
{
	struct piece p;

	piece_start(&p, jw->out);

	put_string(&p, jw, s);
	p_flush(&p);
}

void jw_u64(struct json_writer *jw, uint64_t v)
{
	struct piece p;

	piece_start(&p, jw->out);

	put_u64_value(&p, jw, v);
	p_flush(&p);
}

void jw_i64(struct json_writer *jw, int64_t v)
{
	struct piece p;

	piece_start(&p, jw->out);

	put_i64_value(&p, jw, v);
	p_flush(&p);
}

void jw_double(struct json_writer *jw, double v, int decimals)
{
	struct piece p;

	piece_start(&p, jw->out);

	put_double_value(&p, jw, v, decimals);
	p_flush(&p);
}

void jw_bool(struct json_writer *jw, bool v)
{
	struct piece p;

	piece_start(&p, jw->out);

	put_word(&p, jw, v ? "true" : "false");
	p_flush(&p);
}

void jw_null(struct json_writer *jw)
{
	struct piece p;

	piece_start(&p, jw->out);

	put_word(&p, jw, "null");
	p_flush(&p);
}

void jw_kv_string(struct json_writer *jw, const char *key, const char *s)
{
	struct piece p;

	piece_start(&p, jw->out);

	put_key(&p, jw, key);
	put_string(&p, jw, s);
	p_flush(&p);
}

void jw_kv_u64(struct json_writer *jw, const char *key, uint64_t v)
{
	struct piece p;

	piece_start(&p, jw->out);

	put_key(&p, jw, key);
	put_u64_value(&p, jw, v);
	p_flush(&p);
}

void jw_kv_bool(struct json_writer *jw, const char *key, bool v)
{
	struct piece p;

	piece_start(&p, jw->out);

	put_key(&p, jw, key);
	put_word(&p, jw, v ? "true" : "false");
	p_flush(&p);
}

void jw_kv_i64(struct json_writer *jw, const char *key, int64_t v)
{
	struct piece p;

	piece_start(&p, jw->out);

	put_key(&p, jw, key);
	put_i64_value(&p, jw, v);
	p_flush(&p);
}

void jw_kv_double(struct json_writer *jw, const char *key, double v, int decimals)
{
	struct piece p;

	piece_start(&p, jw->out);

	put_key(&p, jw, key);
	put_double_value(&p, jw, v, decimals);
	p_flush(&p);
}

void jw_kv_null(struct json_writer *jw, const char *key)
{
	struct piece p;

	piece_start(&p, jw->out);

	put_key(&p, jw, key);
	put_word(&p, jw, "null");
	p_flush(&p);
}

void jw_kv_u64_or_null(struct json_writer *jw, const char *key, bool known, uint64_t v)
{
	if (known)
		jw_kv_u64(jw, key, v);
	else
		jw_kv_null(jw, key);
}
