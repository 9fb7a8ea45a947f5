// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>
#include "containers/json_scan.h"

#define JS_DEPTH_MAX 64

const char *js_ws(const char *p)
{
	while (p && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *js_string(const char *p, char *out, size_t size)
{
	size_t o = 0;

	if (!p || *p != '"')
		return NULL;
	for (p++; *p && *p != '"'; p++) {
		char c = *p;

		if (c == '\\') {
			p++;
			switch (*p) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				int v = 0;

				for (int i = 1; i <= 4; i++) {
					int h = hexval(p[i]);

					if (h < 0)
						return NULL;
					v = v * 16 + h;
				}
				p += 4;
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			case '\0':
				return NULL;
			default: c = *p; break;	/* \" \\ \/ */
			}
		}
		if (out && o + 1 < size)
			out[o++] = c;
	}
	if (out && size)
		out[o] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

const char *js_skip(const char *p)
{
	int depth = 0;

	p = js_ws(p);
	if (!p || !*p)
		return NULL;
	if (*p == '"')
		return js_string(p, NULL, 0);
	if (*p != '{' && *p != '[') {
		/* numbers, true, false, null */
		while (*p && !strchr(",}] \t\r\n", *p))
			p++;
		return p;
	}
	do {
		if (*p == '"') {
			if (!(p = js_string(p, NULL, 0)))
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[') {
			if (++depth > JS_DEPTH_MAX)
				return NULL;
		} else if (*p == '}' || *p == ']') {
			depth--;
		} else if (!*p) {
			return NULL;
		}
		p++;
	} while (depth > 0);
	return p;
}

const char *js_member(const char *p, const char *key)
{
	char k[256];

	p = js_ws(p);
	if (!p || *p != '{')
		return NULL;
	p = js_ws(p + 1);
	if (*p == '}')
		return NULL;
	for (;;) {
		if (!(p = js_string(js_ws(p), k, sizeof(k))))
			return NULL;
		p = js_ws(p);
		if (*p != ':')
			return NULL;
		p = js_ws(p + 1);
		if (!strcmp(k, key))
			return p;
		if (!(p = js_skip(p)))
			return NULL;
		p = js_ws(p);
		if (*p != ',')
			return NULL;
		p++;
	}
}

bool js_member_string(const char *obj, const char *key, char *out, size_t size)
{
	const char *v = js_member(obj, key);

	return v && *v == '"' && js_string(v, out, size);
}
