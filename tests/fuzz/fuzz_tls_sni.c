// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for tls_client_hello_sni() (src/dns/tls_sni.c). Besides
 * what the sanitizers catch, it aborts when a promise of tls_sni.h is
 * broken: a name only with SNI_FOUND, inside @size, of host name characters;
 * a smaller buffer gets the same answer and the name's first characters;
 * and a prefix of the input answers SNI_TRUNCATED or as the whole input does.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "dns/tls_sni.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

static void check_name(enum sni_status st, const char *name, size_t size)
{
	size_t n = strnlen(name, size);

	CHECK(st == SNI_FOUND || st == SNI_NONE || st == SNI_NOT_TLS || st == SNI_TRUNCATED);
	CHECK(n < size);
	CHECK(st == SNI_FOUND ? n > 0 || size == 1 : n == 0);
	for (size_t i = 0; i < n; i++)
		CHECK(host_char(name[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[300], small[8], cut_name[300];
	enum sni_status st, small_st, cut_st;
	size_t cut, small_size;

	memset(name, 'x', sizeof(name));	/* no NUL unless the parser writes it */
	st = tls_client_hello_sni(data, size, name, sizeof(name));
	check_name(st, name, sizeof(name));

	small_size = size ? 1 + data[0] % sizeof(small) : sizeof(small);
	memset(small, 'x', sizeof(small));
	small_st = tls_client_hello_sni(data, size, small, small_size);
	check_name(small_st, small, small_size);
	CHECK(small_st == st && !strncmp(small, name, small_size - 1));
	CHECK(tls_client_hello_sni(data, size, NULL, 0) == st);

	if (size) {
		cut = (data[size - 1] * 251u + data[size / 2]) % size;
		cut_st = tls_client_hello_sni(data, cut, cut_name, sizeof(cut_name));
		check_name(cut_st, cut_name, sizeof(cut_name));
		CHECK(cut_st == SNI_TRUNCATED || cut_st == st);
		CHECK(cut_st != SNI_FOUND || !strcmp(cut_name, name));
	}
	return 0;
}
