/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal unit-test harness: CHECK* record failures with file:line and go
 * on; TEST_MAIN runs the listed tests and prints "N passed, N failed".
 */
#ifndef NETOPROC_TEST_HARNESS_H
#define NETOPROC_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int h_failures;	/* in the current test */

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		h_failures++; \
	} } while (0)

#define CHECK_EQ_U64(a, b) do { \
	uint64_t _a = (a), _b = (b); \
	if (_a != _b) { \
		fprintf(stderr, "  %s:%d: %s == %" PRIu64 ", expected %" PRIu64 "\n", \
			__FILE__, __LINE__, #a, _a, _b); \
		h_failures++; \
	} } while (0)

#define CHECK_STR(a, b) do { \
	const char *_a = (a), *_b = (b); \
	if (!_a || strcmp(_a, _b) != 0) { \
		fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", \
			__FILE__, __LINE__, #a, _a ? _a : "(null)", _b); \
		h_failures++; \
	} } while (0)

struct h_test {
	const char *name;
	void (*fn)(void);
};

#define TEST_MAIN(...) \
int main(void) \
{ \
	static const struct h_test tests[] = { __VA_ARGS__ }; \
	int passed = 0, failed = 0; \
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) { \
		h_failures = 0; \
		tests[i].fn(); \
		printf("%s %s\n", h_failures ? "FAIL" : "ok  ", tests[i].name); \
		if (h_failures) failed++; else passed++; \
	} \
	printf("%d passed, %d failed\n", passed, failed); \
	return failed ? 1 : 0; \
}

#define T(fn) { #fn, fn }

#endif
