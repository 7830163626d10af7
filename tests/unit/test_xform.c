/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "check.h"
#include "xform.h"

static int same(const char *in, const char *want)
{
	unsigned char buf[256];
	size_t n = strlen(in);
	int line = 1;

	memcpy(buf, in, n);
	xform_capitalize(buf, n, &line);
	return memcmp(buf, want, n) == 0;
}

/* Every split of the input into two calls gives the one-call result. */
static int split_invariant(const char *in)
{
	unsigned char whole[256], parts[256];
	size_t n = strlen(in), cut;
	int line;

	memcpy(whole, in, n);
	line = 1;
	xform_capitalize(whole, n, &line);
	for (cut = 0; cut <= n; cut++) {
		memcpy(parts, in, n);
		line = 1;
		xform_capitalize(parts, cut, &line);
		xform_capitalize(parts + cut, n - cut, &line);
		if (memcmp(whole, parts, n) != 0)
			return 0;
	}
	return 1;
}

void test_xform(void)
{
	int line = 0;
	unsigned char b[3] = { 'a', 'B', '\n' };

	CHECK(same("hELLO wORLD\nfOO\n", "Hello world\nFoo\n"));
	CHECK(same("\n\nabc", "\n\nAbc"));
	CHECK(same("1ABC\nxYZ", "1abc\nXyz"));
	/* Non-ASCII bytes pass through; they still start a line. */
	CHECK(same("\xc3\xa9T\xff\n\xe9z", "\xc3\xa9t\xff\n\xe9z"));
	CHECK(same("", ""));
	CHECK(split_invariant("hELLO wORLD\nfOO\nbar baz\n\nQ"));
	/* State carries over: mid-line, so 'a' is lowered, not raised. */
	xform_capitalize(b, 3, &line);
	CHECK(b[0] == 'a' && b[1] == 'b' && line == 1);
}
