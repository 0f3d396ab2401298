/* A tiny unit-test harness: one binary per tests/unit/test_*.c.
 * Each CHECK prints nothing when it passes; each TEST prints "ok NAME" or
 * "FAIL NAME" and the binary exits non-zero when any test failed. */
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failed_checks;
static int unit_tests_passed, unit_tests_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		unit_failed_checks++; \
	} } while (0)

#define CHECK_STR(a, b) do { \
	const char *_a = (a), *_b = (b); \
	if (!_a || !_b || strcmp(_a, _b)) { \
		fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, _a ? _a : "(null)", _b ? _b : "(null)"); \
		unit_failed_checks++; \
	} } while (0)

#define CHECK_INT(a, b) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { \
		fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, _a, _b); \
		unit_failed_checks++; \
	} } while (0)

#define RUN(fn) do { \
	int _before = unit_failed_checks; \
	fn(); \
	if (unit_failed_checks == _before) { unit_tests_passed++; printf("ok %s\n", #fn); } \
	else { unit_tests_failed++; printf("FAIL %s\n", #fn); } \
	} while (0)

#define UNIT_DONE() do { \
	printf("# %d passed, %d failed\n", unit_tests_passed, unit_tests_failed); \
	return unit_tests_failed ? 1 : 0; } while (0)
