#include <arpa/inet.h>
#include <string.h>

#include "addr.h"

#define STR(x) STR_(x)
#define STR_(x) #x

static const unsigned char v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

/* IPv6 bytes into a, unmapping ::ffff:a.b.c.d. */
static void from_v6(struct addr *a, const unsigned char *b)
{
	memset(a, 0, sizeof *a);
	if (memcmp(b, v4_mapped, sizeof v4_mapped) == 0) {
		memcpy(a->b, b + 12, 4);
		a->v4 = 1;
		return;
	}
	memcpy(a->b, b, 16);
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
	if (u.sa.sa_family == AF_INET && len >= sizeof u.in) {
		memset(a, 0, sizeof *a);
		memcpy(a->b, &u.in.sin_addr, 4);
		a->v4 = 1;
		*port = ntohs(u.in.sin_port);
		return 0;
	}
	if (u.sa.sa_family != AF_INET6 || len < sizeof u.in6)
		return -1;
	from_v6(a, u.in6.sin6_addr.s6_addr);
	*port = ntohs(u.in6.sin6_port);
	return 0;
}

void addr_key(const struct addr *a, unsigned char key[ADDR_KEY])
{
	if (a->v4) {
		memset(key, 0xff, 4);
		memcpy(key + 4, a->b, 4);
	} else {
		memcpy(key, a->b, ADDR_KEY);
	}
}

int addr_is_loopback(const struct addr *a)
{
	static const unsigned char one[16] = { [15] = 1 };

	return a->v4 ? a->b[0] == 127 : memcmp(a->b, one, 16) == 0;
}

/* Clear the bits of b past the first bits. */
static void mask(unsigned char *b, unsigned bits)
{
	unsigned i = bits / 8;

	if (i < 16)
		b[i++] &= (unsigned char)(0xff00u >> bits % 8);
	while (i < 16)
		b[i++] = 0;
}

/* The prefix length after the '/': strictly decimal, at most max. */
static int prefix(const char *s, unsigned max, unsigned *bits)
{
	unsigned v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9' ||
		    (v = v * 10 + (unsigned)(*s - '0')) > max)
			return -1;
	*bits = v;
	return 0;
}

/* The address part of "ADDR[/LEN]" into n->a; -1 if it is none. */
static int network(struct addr_net *n, const char *text, size_t len)
{
	unsigned char b[16];
	char host[INET6_ADDRSTRLEN];

	if (len >= sizeof host)
		return -1;
	memcpy(host, text, len);
	host[len] = '\0';
	memset(n, 0, sizeof *n);
	if (inet_pton(AF_INET, host, n->a.b) == 1) {
		n->a.v4 = 1;
		return 0;
	}
	if (inet_pton(AF_INET6, host, b) != 1)
		return -1;
	memcpy(n->a.b, b, 16);
	return 0;
}

int addr_list_add(struct addr_list *l, const char *text, const char **why)
{
	const char *slash = strchr(text, '/');
	struct addr_net n;
	unsigned char b[16];

	*why = "at most " STR(ADDR_LIST_MAX) " networks";
	if (l->n == ADDR_LIST_MAX)
		return -1;
	*why = "not an IPv4 or IPv6 address";
	if (network(&n, text, slash ? (size_t)(slash - text) : strlen(text)) < 0)
		return -1;
	n.bits = n.a.v4 ? 32 : 128;
	*why = n.a.v4 ? "prefix length must be 0-32" :
	    "prefix length must be 0-128";
	if (slash != NULL && prefix(slash + 1, n.bits, &n.bits) < 0)
		return -1;
	/* ::ffff:10.0.0.0/104 is 10.0.0.0/8: mapped sources are IPv4. */
	if (!n.a.v4 && n.bits >= 96 && memcmp(n.a.b, v4_mapped, 12) == 0) {
		memcpy(b, n.a.b, 16);
		from_v6(&n.a, b);
		n.bits -= 96;
	}
	memcpy(b, n.a.b, 16);
	mask(b, n.bits);
	*why = "address bits set past the prefix length";
	if (memcmp(b, n.a.b, 16) != 0)
		return -1;
	l->net[l->n++] = n;
	return 0;
}

int addr_list_has(const struct addr_list *l, const struct addr *a)
{
	const struct addr_net *n;
	unsigned i, full, rest;

	for (i = 0; i < l->n; i++) {
		n = &l->net[i];
		full = n->bits / 8;
		rest = n->bits % 8;
		if (n->a.v4 == a->v4 && memcmp(n->a.b, a->b, full) == 0 &&
		    (rest == 0 || ((n->a.b[full] ^ a->b[full]) &
		    (0xff00u >> rest) & 0xff) == 0))
			return 1;
	}
	return 0;
}
