/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small streaming JSON writer: it tracks nesting and commas, so emitters
 * only say what they write. Compact (one line) or pretty (indented) output.
 */
#ifndef NETOPROC_JSON_WRITER_H
#define NETOPROC_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 16

/* What a writer holds before handing it to stdio: a few records of trace. */
#define JW_BUF_SIZE 4096

struct json_writer {
	FILE *out;
	bool pretty;
	int depth;
	bool first[JW_MAX_DEPTH];	/* nothing written yet at this level */
	bool after_key;
	size_t n;			/* bytes in buf */
	char buf[JW_BUF_SIZE];
};

void jw_init(struct json_writer *jw, FILE *out, bool pretty);
/*
 * Hand what is buffered to the stream. Done at the end of every object and
 * array; needed only before writing to the stream directly in the middle of one.
 */
void jw_flush(struct json_writer *jw);
void jw_start_object(struct json_writer *jw);
void jw_end_object(struct json_writer *jw);
void jw_start_array(struct json_writer *jw);
void jw_end_array(struct json_writer *jw);
void jw_key(struct json_writer *jw, const char *key);
void jw_string(struct json_writer *jw, const char *s);
void jw_u64(struct json_writer *jw, uint64_t v);
void jw_i64(struct json_writer *jw, int64_t v);
void jw_double(struct json_writer *jw, double v, int decimals);
void jw_bool(struct json_writer *jw, bool v);
void jw_null(struct json_writer *jw);

/* Key and value in one call. */
void jw_kv_string(struct json_writer *jw, const char *key, const char *s);	/* NULL -> null */
void jw_kv_u64(struct json_writer *jw, const char *key, uint64_t v);
void jw_kv_bool(struct json_writer *jw, const char *key, bool v);
void jw_kv_i64(struct json_writer *jw, const char *key, int64_t v);
void jw_kv_double(struct json_writer *jw, const char *key, double v, int decimals);
void jw_kv_null(struct json_writer *jw, const char *key);
/* v when known, else null. */
void jw_kv_u64_or_null(struct json_writer *jw, const char *key, bool known, uint64_t v);

#endif
