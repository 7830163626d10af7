#include <netinet/in.h>
#include <string.h>

#include "addr.h"

#define STR(x) STR_(x)
#define STR_(x) #x

void addr_set(struct addr *a, int v4, const void *b)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	const unsigned char *p = b;

	memset(a, 0, sizeof *a);
	if (!v4 && memcmp(p, mapped, sizeof mapped) == 0) {
		p += 12;
		v4 = 1;
	}
	memcpy(a->b, p, v4 ? 4 : 16);
	a->v4 = v4;
}

int addr_of(const void *sa, size_t len, struct addr *a, unsigned *port)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u;

	if (sa == NULL || len < sizeof u.sa.sa_family)
		return -1;
	memcpy(&u, sa, len < sizeof u ? len : sizeof u);
	if (u.sa.sa_family == AF_INET && len >= sizeof u.in)
		addr_set(a, 1, &u.in.sin_addr);
	else if (u.sa.sa_family == AF_INET6 && len >= sizeof u.in6)
		addr_set(a, 0, &u.in6.sin6_addr);
	else
		return -1;
	/* The port is at the same place in both. */
	*port = ntohs(u.in.sin_port);
	return 0;
}

void addr_key(const struct addr *a, unsigned char key[ADDR_KEY])
{
	memset(key, 0xff, 4);
	memcpy(key + (a->v4 ? 4 : 0), a->b, a->v4 ? 4 : ADDR_KEY);
}

int addr_is_loopback(const struct addr *a)
{
	static const unsigned char one[16] = { [15] = 1 };

	return a->v4 ? a->b[0] == 127 : memcmp(a->b, one, 16) == 0;
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
	/* ::ffff:10.0.0.0/104 is 10.0.0.0/8: mapped sources are IPv4. */
	n.bits = n.a.v4 && !v4 ? bits - 96 : bits;
	*why = "address bits set past the prefix length";
	for (i = n.bits; i < 128; i++)
		if (n.a.b[i / 8] >> (7 - i % 8) & 1)
			return -1;
	if (n.bits > 128)	/* ::ffff:0:0 with less than /96 */
		return -1;
	l->net[l->n++] = n;
	return 0;
}

int addr_list_has(const struct addr_list *l, const struct addr *a)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (l->net[i].a.v4 == a->v4 &&
		    same(l->net[i].a.b, a->b, l->net[i].bits))
			return 1;
	return 0;
}
