// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include "lib/emit.h"

/* The text formats are the callers' literals, each taking the one value it is given. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

void em_init(struct emitter *em, FILE *out, bool json)
{
	em->out = out;
	em->json = json;
	jw_init(&em->jw, out, false);
}

void em_open(struct emitter *em, const char *key)
{
	if (!em->json)
		return;
	if (key)
		jw_key(&em->jw, key);
	jw_start_object(&em->jw);
}

void em_close(struct emitter *em)
{
	if (em->json)
		jw_end_object(&em->jw);
}

void em_open_array(struct emitter *em, const char *key)
{
	if (!em->json)
		return;
	if (key)
		jw_key(&em->jw, key);
	jw_start_array(&em->jw);
}

void em_close_array(struct emitter *em)
{
	if (em->json)
		jw_end_array(&em->jw);
}

void em_end_line(struct emitter *em)
{
	if (!em->json || em->jw.depth == 0)
		fputc('\n', em->out);
}

/* Is a field of form @f written in this emitter's form? */
static bool wanted(const struct emitter *em, enum em_form f)
{
	return f == EM_ANY || (f == EM_JSON) == em->json;
}

void em_str(struct emitter *em, enum em_form f, const char *key, const char *fmt, const char *v)
{
	if (!wanted(em, f))
		return;
	if (em->json)
		jw_kv_string(&em->jw, key, v);
	else
		fprintf(em->out, fmt, v ? v : "-");
}

void em_u64(struct emitter *em, enum em_form f, const char *key, const char *fmt, uint64_t v)
{
	if (!wanted(em, f))
		return;
	if (em->json)
		jw_kv_u64(&em->jw, key, v);
	else
		fprintf(em->out, fmt, (unsigned long long)v);
}

void em_i64(struct emitter *em, enum em_form f, const char *key, const char *fmt, int64_t v)
{
	if (!wanted(em, f))
		return;
	if (em->json)
		jw_kv_i64(&em->jw, key, v);
	else
		fprintf(em->out, fmt, (long long)v);
}

void em_double(struct emitter *em, enum em_form f, const char *key, int decimals,
	       const char *fmt, double v)
{
	if (!wanted(em, f))
		return;
	if (em->json)
		jw_kv_double(&em->jw, key, v, decimals);
	else
		fprintf(em->out, fmt, v);
}

void em_bool(struct emitter *em, const char *key, bool v)
{
	if (em->json)
		jw_kv_bool(&em->jw, key, v);
}

void em_null(struct emitter *em, const char *key)
{
	if (em->json)
		jw_kv_null(&em->jw, key);
}

void em_text(struct emitter *em, const char *fmt, ...)
{
	va_list ap;

	if (em->json)
		return;
	va_start(ap, fmt);
	vfprintf(em->out, fmt, ap);
	va_end(ap);
}
