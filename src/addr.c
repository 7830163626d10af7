/* SPDX-License-Identifier: ISC */
#include <netinet/in.h>
#include <string.h>

#include "addr.h"

#define STR(x) STR_(x)
#define STR_(x) #x

static const unsigned char v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

void addr_set(struct addr *a, int v4, const void *b)
{
	memcpy(a->b, v4_mapped, sizeof v4_mapped);
	memcpy(a->b + (v4 ? 12 : 0), b, v4 ? 4 : 16);
}

int addr_is_v4(const struct addr *a)
{
	return memcmp(a->b, v4_mapped, sizeof v4_mapped) == 0;
}

int addr_is_loopback(const struct addr *a)
{
	static const unsigned char one[16] = { [15] = 1 };

	return addr_is_v4(a) ? a->b[12] == 127 : memcmp(a->b, one, 16) == 0;
}

int addr_of(const void *sa, size_t len, struct addr *a, unsigned *port)
{
	/* sa is aligned for a sockaddr (the callers' own buffers). */
	const struct sockaddr_in *in = sa;
	const struct sockaddr_in6 *in6 = sa;

	if (sa == NULL || len < sizeof in->sin_family)
		return -1;
	if (in->sin_family == AF_INET && len >= sizeof *in)
		addr_set(a, 1, &in->sin_addr);
	else if (in->sin_family == AF_INET6 && len >= sizeof *in6)
		addr_set(a, 0, &in6->sin6_addr);
	else
		return -1;
	/* The port is at the same place in both. */
	*port = ntohs(in->sin_port);
	return 0;
}

const unsigned char *addr_key(const struct addr *a)
{
	return a->b + (addr_is_v4(a) ? 8 : 0);
}

/* Are the first bits of x and y the same? */
static int same(const unsigned char *x, const unsigned char *y, unsigned bits)
{
	unsigned full = bits / 8;

	return memcmp(x, y, full) == 0 && (bits % 8 == 0 ||
	    ((x[full] ^ y[full]) & (0xff00u >> bits % 8) & 0xff) == 0);
}

int addr_list_add(struct addr_list *l, int v4, const void *b, unsigned bits,
    const char **why)
{
	struct addr_net n;
	unsigned i;

	*why = "at most " STR(ADDR_LIST_MAX) " networks";
	if (l->n == ADDR_LIST_MAX)
		return -1;
	addr_set(&n.a, v4, b);
	n.bits = v4 ? bits + 96 : bits;
	*why = "address bits set past the prefix length";
	for (i = n.bits; i < 128; i++)
		if (n.a.b[i / 8] >> (7 - i % 8) & 1)
			return -1;
	l->net[l->n++] = n;
	return 0;
}

int addr_list_has(const struct addr_list *l, const struct addr *a)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (same(l->net[i].a.b, a->b, l->net[i].bits))
			return 1;
	return 0;
}
