/* SPDX-License-Identifier: ISC */
/*
 * report: how a test says what went wrong, and the tally every runner
 * ends with ("N passed, N failed").
 */
#ifndef LIB_REPORT_H
#define LIB_REPORT_H

/* The first failure since the last report(): its FAIL line says it. */
extern char why[512];

/* Record a failure (the first one counts); -1. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A test that cannot run here says why; 1. */
int skip(const char *reason);

#define REQUIRE(cond, ...) do { \
	if (!(cond)) \
		return fail(__VA_ARGS__); \
} while (0)

/*
 * Count one result (rc 0 passed, > 0 skipped, < 0 failed) and print
 * "ok   WHAT", "SKIP WHAT: why" or "FAIL WHAT: why"; why is then cleared.
 */
void report(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "(N skipped)", "N passed, N failed"; the exit status: 0 if all passed. */
int summary(void);

/*
 * Fuzzers: a broken invariant names itself (and invariant_context, if
 * set), then aborts so that libFuzzer keeps the input.
 */
extern const char *invariant_context;
#define INVARIANT(c) do { \
	if (!(c)) \
		invariant_failed(__FILE__, __LINE__, #c); \
} while (0)
void invariant_failed(const char *file, int line, const char *expr)
    __attribute__((noreturn));

#endif
