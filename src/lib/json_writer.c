// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <math.h>
#include "lib/json_writer.h"

void jw_init(struct json_writer *jw, FILE *out, bool pretty)
{
	jw->out = out;
	jw->pretty = pretty;
	jw->depth = 0;
	jw->first[0] = true;
	jw->after_key = false;
}

static void indent(struct json_writer *jw)
{
	if (!jw->pretty)
		return;
	fputc('\n', jw->out);
	for (int i = 0; i < jw->depth; i++)
		fputs("  ", jw->out);
}

/* Separator before a new value (or key) at the current level. */
static void begin_value(struct json_writer *jw)
{
	if (jw->after_key) {
		jw->after_key = false;
		return;
	}
	if (!jw->first[jw->depth])
		fputc(',', jw->out);
	if (jw->depth > 0)
		indent(jw);
	jw->first[jw->depth] = false;
}

static void open_level(struct json_writer *jw, char c)
{
	begin_value(jw);
	fputc(c, jw->out);
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
	fputc(c, jw->out);
	if (jw->depth == 0 && jw->pretty)
		fputc('\n', jw->out);
}

void jw_start_object(struct json_writer *jw) { open_level(jw, '{'); }
void jw_end_object(struct json_writer *jw) { close_level(jw, '}'); }
void jw_start_array(struct json_writer *jw) { open_level(jw, '['); }
void jw_end_array(struct json_writer *jw) { close_level(jw, ']'); }

/*
 * A JSON string: runs of bytes that need no escape go out in one fwrite, so a
 * snapshot of ten thousand connections is not a million locked fputc calls.
 */
static void write_escaped(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	fputc('"', out);
	for (; *p; p++) {
		if (*p >= 0x20 && *p != 0x7f && *p != '"' && *p != '\\')
			continue;
		fwrite(run, 1, p - run, out);
		run = p + 1;
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default: fprintf(out, "\\u%04x", *p);
		}
	}
	fwrite(run, 1, p - run, out);
	fputc('"', out);
}

/* Decimal digits of @v, without printf's format parsing (numbers are most of a record). */
static void write_u64(FILE *out, uint64_t v)
{
	char buf[20], *e = buf + sizeof(buf), *b = e;

	do {
		*--b = '0' + v % 10;
		v /= 10;
	} while (v);
	fwrite(b, 1, e - b, out);
}

void jw_key(struct json_writer *jw, const char *key)
{
	begin_value(jw);
	write_escaped(jw->out, key);
	fputs(jw->pretty ? ": " : ":", jw->out);
	jw->after_key = true;
}

void jw_string(struct json_writer *jw, const char *s)
{
	begin_value(jw);
	write_escaped(jw->out, s);
}

void jw_u64(struct json_writer *jw, uint64_t v)
{
	begin_value(jw);
	write_u64(jw->out, v);
}

void jw_i64(struct json_writer *jw, int64_t v)
{
	begin_value(jw);
	fprintf(jw->out, "%" PRId64, v);
}

void jw_double(struct json_writer *jw, double v, int decimals)
{
	begin_value(jw);
	if (isfinite(v))
		fprintf(jw->out, "%.*f", decimals, v);
	else
		fputs("null", jw->out);
}

void jw_bool(struct json_writer *jw, bool v)
{
	begin_value(jw);
	fputs(v ? "true" : "false", jw->out);
}

void jw_null(struct json_writer *jw)
{
	begin_value(jw);
	fputs("null", jw->out);
}

void jw_kv_string(struct json_writer *jw, const char *key, const char *s)
{
	jw_key(jw, key);
	if (s)
		jw_string(jw, s);
	else
		jw_null(jw);
}

void jw_kv_u64(struct json_writer *jw, const char *key, uint64_t v)
{
	jw_key(jw, key);
	jw_u64(jw, v);
}

void jw_kv_bool(struct json_writer *jw, const char *key, bool v)
{
	jw_key(jw, key);
	jw_bool(jw, v);
}

void jw_kv_i64(struct json_writer *jw, const char *key, int64_t v)
{
	jw_key(jw, key);
	jw_i64(jw, v);
}

void jw_kv_double(struct json_writer *jw, const char *key, double v, int decimals)
{
	jw_key(jw, key);
	jw_double(jw, v, decimals);
}

void jw_kv_null(struct json_writer *jw, const char *key)
{
	jw_key(jw, key);
	jw_null(jw);
}

void jw_kv_u64_or_null(struct json_writer *jw, const char *key, bool known, uint64_t v)
{
	if (known)
		jw_kv_u64(jw, key, v);
	else
		jw_kv_null(jw, key);
}
