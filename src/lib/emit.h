/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One call writes a field in whichever form the user asked for, in the
 * manner of iproute2's print_*(): EM_ANY writes it in both forms, EM_JSON or
 * EM_TEXT in one only (where the text line and the JSON object order or
 * name things differently). Text is printf-formatted; JSON goes through the
 * json_writer, so commas and nesting take care of themselves.
 */
#ifndef NETOPROC_EMIT_H
#define NETOPROC_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/json_writer.h"

enum em_form { EM_ANY, EM_JSON, EM_TEXT };

struct emitter {
	FILE *out;
	bool json;
	struct json_writer jw;
};

/* Compact JSON (one record a line) when @json, text otherwise. */
void em_init(struct emitter *em, FILE *out, bool json);
/* JSON: open an object (or array under @key, NULL at the top or in an array). Text: nothing. */
void em_open(struct emitter *em, const char *key);
void em_close(struct emitter *em);
void em_open_array(struct emitter *em, const char *key);
void em_close_array(struct emitter *em);
/* End of a record: '\n' in text always, in JSON once back at the top level. */
void em_end_line(struct emitter *em);

/* Text: printf(@fmt, @v), "-" for NULL. JSON: "@key": @v, null for NULL. */
void em_str(struct emitter *em, enum em_form f, const char *key, const char *fmt,
	    const char *v);
/* Text: @fmt takes an unsigned long long (%llu, %llx) or a long long (%lld). */
void em_u64(struct emitter *em, enum em_form f, const char *key, const char *fmt,
	    uint64_t v);
void em_i64(struct emitter *em, enum em_form f, const char *key, const char *fmt,
	    int64_t v);
/* JSON with @decimals. */
void em_double(struct emitter *em, enum em_form f, const char *key, int decimals,
	       const char *fmt, double v);
void em_bool(struct emitter *em, const char *key, bool v);	/* JSON only */
void em_null(struct emitter *em, const char *key);		/* JSON only */
/* Text only. */
void em_text(struct emitter *em, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
