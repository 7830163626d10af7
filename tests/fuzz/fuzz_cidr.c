/*
 * fuzz_cidr: -A's networks and their matching (the text itself is parsed
 * in options.c, which fuzz_options covers). Input: a byte of flags, 16
 * bytes of network, a prefix length, 16 bytes of an address. An accepted
 * network has no bits set past its prefix and holds an address exactly
 * when their first bits agree (compared bit by bit here); a v4-mapped
 * one is the IPv4 network it maps. A refused one leaves the list as it
 * was and says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "lib/report.h"

static int bit(const unsigned char *b, unsigned i)
{
	return b[i / 8] >> (7 - i % 8) & 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	unsigned char in[34] = { 0 }, net[16];
	struct addr_list l;
	struct addr a;
	const char *reason = NULL;
	unsigned bits, b;
	int v4, same, r;

	memcpy(in, data, size < sizeof in ? size : sizeof in);
	v4 = in[0] & 1;
	memcpy(net, in + 1, 16);
	if (in[0] & 2)			/* often a network with no host bits */
		for (b = in[17] % 129; b < 128; b++)
			net[b / 8] &= (unsigned char)~(0x80 >> b % 8);
	if (in[0] & 4 && !v4)
		memcpy(net, mapped, 12);
	bits = in[17] % (v4 ? 33 : 129);
	memset(&l, 0, sizeof l);
	l.n = in[0] & 8 ? ADDR_LIST_MAX : 0;
	r = addr_list_add(&l, v4, net, bits, &reason);
	if (r < 0) {
		INVARIANT(reason != NULL && reason[0] != '\0');
		INVARIANT(l.n == (in[0] & 8 ? ADDR_LIST_MAX : 0u));
		return 0;
	}
	INVARIANT(r == 0 && l.n == 1 && !(in[0] & 8));
	{
		const struct addr_net *n = &l.net[0];
		int was_mapped = !v4 && memcmp(net, mapped, 12) == 0;

		INVARIANT(n->a.v4 == (v4 || was_mapped));
		INVARIANT(n->bits == (was_mapped ? bits - 96 : bits));
		INVARIANT(n->bits <= (n->a.v4 ? 32u : 128u));
		for (b = n->bits; b < 128; b++)
			INVARIANT(!bit(n->a.b, b));
		INVARIANT(addr_list_has(&l, &n->a));
		/* The address from the input, v4 or v6 as its flag says. */
		addr_set(&a, in[0] & 16 ? 1 : 0, in + 18);
		for (same = (a.v4 == n->a.v4), b = 0; same && b < n->bits; b++)
			same = bit(a.b, b) == bit(n->a.b, b);
		INVARIANT(addr_list_has(&l, &a) == same);
	}
	return 0;
}
