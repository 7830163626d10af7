/*
 * fuzz_cidr: the -A parser and matcher. Input: text up to the first
 * '\0' (an -A value), then up to 17 bytes of an address to match
 * (the first picks the family). An accepted network holds its own
 * address, has no bits set past its prefix, and holds an address
 * exactly when their first bits agree (compared bit by bit here).
 * A refused one leaves the list as it was and says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

#define REQUIRE(c) do { \
	if (!(c)) { \
		fprintf(stderr, "invariant failed: %s:%d: %s\n", __FILE__, \
		    __LINE__, #c); \
		abort(); \
	} \
} while (0)

static int bit(const unsigned char *b, unsigned i)
{
	return b[i / 8] >> (7 - i % 8) & 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = memchr(data, '\0', size);
	size_t len = end ? (size_t)(end - data) : size, rest, i;
	char *text = malloc(len + 1);
	struct addr_list l;
	struct addr a;
	const char *why = NULL;
	unsigned b, total;
	int r, same;

	REQUIRE(text != NULL);
	memcpy(text, data, len);
	text[len] = '\0';
	memset(&l, 0, sizeof l);
	l.n = ADDR_LIST_MAX - 1;	/* the last place, then no more */
	r = addr_list_add(&l, text, &why);
	if (r < 0) {
		REQUIRE(why != NULL && why[0] != '\0' && l.n == ADDR_LIST_MAX - 1);
		free(text);
		return 0;
	}
	REQUIRE(r == 0 && l.n == ADDR_LIST_MAX);
	REQUIRE(addr_list_add(&l, text, &why) < 0 && l.n == ADDR_LIST_MAX);
	/* The new network alone, for matching. */
	l.net[0] = l.net[ADDR_LIST_MAX - 1];
	l.n = 1;
	{
		const struct addr_net *n = &l.net[0];

		total = n->a.v4 ? 32 : 128;
		REQUIRE(n->bits <= total);
		for (b = n->bits; b < 128; b++)
			REQUIRE(!bit(n->a.b, b));
		REQUIRE(addr_list_has(&l, &n->a));
		/* Some address from the input. */
		rest = end ? size - len - 1 : 0;
		memset(&a, 0, sizeof a);
		a.v4 = rest > 0 && (end[1] & 1);
		/* end[1] picks the family, the address bytes follow. */
		for (i = 0; i + 1 < rest && i < (a.v4 ? 4u : 16u); i++)
			a.b[i] = end[2 + i];
		for (same = a.v4 == n->a.v4, b = 0; same && b < n->bits; b++)
			same = bit(a.b, b) == bit(n->a.b, b);
		REQUIRE(addr_list_has(&l, &a) == same);
	}
	free(text);
	return 0;
}
