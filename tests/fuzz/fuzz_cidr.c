/* SPDX-License-Identifier: ISC */
/*
 * fuzz_cidr: -A's networks and their matching (the text itself is parsed
 * in options.c, which fuzz_options covers). Input: a byte of flags, 16
 * bytes of network, a prefix length, 16 bytes of an address. Networks and
 * addresses are kept as IPv6, IPv4 ones v4-mapped (/n is /(96 + n)). An
 * accepted network is what the input said, with no bits set past its
 * prefix, and holds an address exactly when their first bits agree
 * (compared bit by bit here). A refused one leaves the list as it was
 * and says why.
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

/* The 16-byte form of the 4 (v4) or 16 bytes at b. */
static void wide(unsigned char out[16], int v4, const unsigned char *b)
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + (v4 ? 12 : 0), b, v4 ? 4 : 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char in[34] = { 0 }, net[16];
	struct addr_list l;
	struct addr a;
	const char *reason = NULL;
	unsigned bits, all, b;
	int v4 = 0, host = 0, same, r;

	memcpy(in, data, size < sizeof in ? size : sizeof in);
	v4 = in[0] & 1;
	bits = in[17] % (v4 ? 33 : 129);
	wide(net, v4, in + 1);
	all = v4 ? bits + 96 : bits;
	if (in[0] & 2)			/* often a network with no host bits */
		for (b = all; b < 128; b++)
			net[b / 8] &= (unsigned char)~(0x80 >> b % 8);
	for (b = all; b < 128; b++)
		host |= bit(net, b);
	memset(&l, 0, sizeof l);
	l.n = in[0] & 8 ? ADDR_LIST_MAX : 0;
	r = addr_list_add(&l, v4, net + (v4 ? 12 : 0), bits, &reason);
	if (r < 0) {
		INVARIANT(reason != NULL && reason[0] != '\0');
		INVARIANT(l.n == (in[0] & 8 ? ADDR_LIST_MAX : 0u));
		INVARIANT(host || (in[0] & 8));
		return 0;
	}
	INVARIANT(r == 0 && l.n == 1 && !(in[0] & 8) && !host);
	INVARIANT(l.net[0].bits == all && memcmp(l.net[0].a.b, net, 16) == 0);
	INVARIANT(addr_list_has(&l, &l.net[0].a));
	/* The address from the input, IPv4 or IPv6 as its flag says. */
	addr_set(&a, in[0] & 16 ? 1 : 0, in + 18);
	for (same = 1, b = 0; same && b < all; b++)
		same = bit(a.b, b) == bit(net, b);
	INVARIANT(addr_list_has(&l, &a) == same);
	return 0;
}
