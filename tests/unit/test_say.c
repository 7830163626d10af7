/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "check.h"
#include "say.h"

static int fmt_is(const char *want, const char *got)
{
	if (strcmp(want, got) == 0)
		return 1;
	printf("  got '%s', want '%s'\n", got, want);
	return 0;
}

void test_say(void)
{
	char b[128];

	say_fmt(b, sizeof b, "%llu", ULLONG_MAX);
	CHECK(fmt_is("18446744073709551615", b));
	say_fmt(b, sizeof b, "%lld %d %d", LLONG_MIN, INT_MIN, 0);
	CHECK(fmt_is("-9223372036854775808 -2147483648 0", b));
	say_fmt(b, sizeof b, "%x %llx %u", 0xbeefu, 0x123456789abcdefull, 4294967295u);
	CHECK(fmt_is("beef 123456789abcdef 4294967295", b));
	say_fmt(b, sizeof b, "%llu %llu", 4294967296ull, 10000000000000000000ull);
	CHECK(fmt_is("4294967296 10000000000000000000", b));
	say_fmt(b, sizeof b, "[%s]:%u %c%%", "::1", 8000u, 'x');
	CHECK(fmt_is("[::1]:8000 x%", b));
	/* Arguments cannot break the line. */
	say_fmt(b, sizeof b, "'%s' %c", "a\nb\rc\x1b", '\n');
	CHECK(fmt_is("'a?b?c?' ?", b));
	/* Zero-padded to a width; a longer number is not cut. */
	say_fmt(b, sizeof b, "%03u.%010llu %02x %03d %2u", 7u, 42ull, 0xau, -5, 123u);
	CHECK(fmt_is("007.0000000042 0a -005 123", b));
	/* %m: musl's words for the errors echod meets, first and last of
	 * the table included; a number for the rest. */
	errno = EPERM;
	say_fmt(b, sizeof b, "%m");
	CHECK(fmt_is("Operation not permitted", b));
	errno = EADDRINUSE;
	say_fmt(b, sizeof b, "bind: %m");
	CHECK(fmt_is("bind: Address in use", b));
	errno = EHOSTUNREACH;
	say_fmt(b, sizeof b, "%m");
	CHECK(fmt_is("Host is unreachable", b));
	errno = 4000;
	say_fmt(b, sizeof b, "%m");
	CHECK(fmt_is("error 4000", b));
	/* Cut to fit, always terminated. */
	CHECK(say_fmt(b, 6, "%s", "abcdefgh") == 5 && fmt_is("abcde", b));
}
