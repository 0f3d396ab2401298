/* A tiny unit-test harness: one binary per tests/unit/test_*.c, reporting in TAP.
 * The plan comes first: the Makefile counts the RUN( lines of the source and
 * passes -DUNIT_PLAN=N, and the binary prints "1..N" before main runs, so a
 * binary that stops early (exit, crash, a failed setup) has reported fewer
 * results than it declared and tests/unit/run counts the missing ones as failed.
 * Each CHECK prints a "# " diagnostic when it fails; each RUN prints
 * "ok N - NAME" or "not ok N - NAME"; UNIT_DONE exits non-zero when any test
 * failed or when the number run differs from the plan. stdout is line-buffered
 * so that no result is lost when the binary crashes. */
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef UNIT_PLAN
#error "UNIT_PLAN (the number of RUN statements) must be defined: the Makefile passes it"
#endif

static int unit_failed_checks;
static int unit_tests_passed, unit_tests_failed;

__attribute__((constructor)) static void unit_plan(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..%d\n", UNIT_PLAN);
}

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "#  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		unit_failed_checks++; \
	} } while (0)

#define CHECK_STR(a, b) do { \
	const char *_a = (a), *_b = (b); \
	if (!_a || !_b || strcmp(_a, _b)) { \
		fprintf(stderr, "#  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, _a ? _a : "(null)", _b ? _b : "(null)"); \
		unit_failed_checks++; \
	} } while (0)

#define CHECK_INT(a, b) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { \
		fprintf(stderr, "#  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, _a, _b); \
		unit_failed_checks++; \
	} } while (0)

#define RUN(fn) do { \
	int _before = unit_failed_checks; \
	fflush(stderr); \
	fn(); \
	if (unit_failed_checks == _before) { unit_tests_passed++; \
		printf("ok %d - %s\n", unit_tests_passed + unit_tests_failed, #fn); } \
	else { unit_tests_failed++; \
		printf("not ok %d - %s\n", unit_tests_passed + unit_tests_failed, #fn); } \
	} while (0)

#define UNIT_DONE() do { \
	int _ran = unit_tests_passed + unit_tests_failed; \
	if (_ran != UNIT_PLAN) \
		printf("# planned %d tests, ran %d\n", UNIT_PLAN, _ran); \
	printf("# %d passed, %d failed\n", unit_tests_passed, unit_tests_failed); \
	return unit_tests_failed || _ran != UNIT_PLAN ? 1 : 0; } while (0)
