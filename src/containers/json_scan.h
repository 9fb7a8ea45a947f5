/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough JSON reading for the runtimes' metadata files: a member of an object,
 * a string value, skipping what is not wanted. Malformed text ends a search (NULL);
 * it never reads past the terminating NUL.
 */
#ifndef NETOPROC_JSON_SCAN_H
#define NETOPROC_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

const char *js_ws(const char *p);
/* Past the value at @p (any type), or NULL when it is malformed. */
const char *js_skip(const char *p);
/* The string at @p into @out (escapes decoded; \u beyond ASCII as '?'); past it, or NULL. */
const char *js_string(const char *p, char *out, size_t size);
/* In the object at @p ('{'), the value of member @key; NULL when absent or malformed. */
const char *js_member(const char *p, const char *key);
/* A member that is a string, into @out; false when absent or not a string. */
bool js_member_string(const char *obj, const char *key, char *out, size_t size);

#endif
