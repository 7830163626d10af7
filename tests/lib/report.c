/* SPDX-License-Identifier: ISC */
/* report: failures, results and the tally. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "report.h"

char why[512];
const char *invariant_context;
static int passed, failed, skipped;

int fail(const char *fmt, ...)
{
	va_list ap;

	if (why[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(why, sizeof why, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int skip(const char *reason)
{
	snprintf(why, sizeof why, "%s", reason);
	return 1;
}

void report(int rc, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (rc == 0) {
		printf("ok   %s\n", what);
		passed++;
	} else if (rc > 0) {
		printf("SKIP %s: %s\n", what, why);
		skipped++;
	} else {
		printf("FAIL %s%s%s\n", what, why[0] ? ": " : "", why);
		failed++;
	}
	fflush(stdout);
	why[0] = '\0';
}

int summary(void)
{
	if (skipped)
		printf("(%d skipped)\n", skipped);
	printf("%d passed, %d failed\n", passed, failed);
	fflush(stdout);
	return failed != 0 || passed == 0;
}

void invariant_failed(const char *file, int line, const char *expr)
{
	fprintf(stderr, "invariant failed: %s:%d: %s\n", file, line, expr);
	if (invariant_context != NULL)
		fprintf(stderr, "context: \"%s\"\n", invariant_context);
	abort();
}
