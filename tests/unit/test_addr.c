#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "check.h"

static struct addr v4(const char *s)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct addr a;
	unsigned port;

	inet_pton(AF_INET, s, &in.sin_addr);
	if (addr_of(&in, sizeof in, &a, &port) < 0 || port != 9)
		memset(&a, 0xee, sizeof a);
	return a;
}

static struct addr v6(const char *s)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct addr a;
	unsigned port;

	inet_pton(AF_INET6, s, &in6.sin6_addr);
	if (addr_of(&in6, sizeof in6, &a, &port) < 0)
		memset(&a, 0xee, sizeof a);
	return a;
}

static void addresses(void)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr un = { .sa_family = AF_UNIX };
	struct addr a = v4("10.1.2.3"), m = v6("::ffff:10.1.2.3");
	unsigned char k1[ADDR_KEY], k2[ADDR_KEY];
	unsigned port;

	CHECK(a.v4 && a.b[0] == 10 && a.b[3] == 3 && a.b[4] == 0);
	/* A v4-mapped source is the IPv4 address it maps. */
	CHECK(memcmp(&a, &m, sizeof a) == 0);
	CHECK(!v6("2001:db8::1").v4);
	/* Too short for its family, or no family echod knows. */
	CHECK(addr_of(&in, sizeof in - 1, &a, &port) < 0);
	CHECK(addr_of(&in6, sizeof in6 - 1, &a, &port) < 0);
	CHECK(addr_of(&un, sizeof un, &a, &port) < 0);
	CHECK(addr_of(NULL, 0, &a, &port) < 0);
	CHECK(addr_of(&in, 1, &a, &port) < 0);
	/* Keys: the /32, the /64. */
	a = v6("2001:db8:1:2:aaaa::1");
	addr_key(&a, k1);
	a = v6("2001:db8:1:2:bbbb::9");
	addr_key(&a, k2);
	CHECK(memcmp(k1, k2, ADDR_KEY) == 0);
	a = v6("2001:db8:1:3::1");
	addr_key(&a, k2);
	CHECK(memcmp(k1, k2, ADDR_KEY) != 0);
	a = v4("10.0.0.1");
	addr_key(&a, k1);
	a = v4("10.0.0.2");
	addr_key(&a, k2);
	CHECK(memcmp(k1, k2, ADDR_KEY) != 0);
	/* An IPv4 key is not the key of the IPv6 address of its bytes. */
	a = v6("a00:1::");
	addr_key(&a, k2);
	CHECK(memcmp(k1, k2, ADDR_KEY) != 0);
	CHECK(addr_is_loopback(&(struct addr){ .b = { 127, 9 }, .v4 = 1 }));
	a = v6("::1");
	CHECK(addr_is_loopback(&a));
	a = v6("::2");
	CHECK(!addr_is_loopback(&a));
}

static int add(struct addr_list *l, const char *text)
{
	const char *why = NULL;
	int r = addr_list_add(l, text, &why);

	return r < 0 && why == NULL ? -2 : r;
}

static void lists(void)
{
	struct addr_list l;
	struct addr a;
	char text[32];
	unsigned i;

	memset(&l, 0, sizeof l);
	CHECK(add(&l, "192.168.0.0/16") == 0);
	CHECK(add(&l, "fd00::/8") == 0);
	CHECK(add(&l, "10.9.8.7") == 0);
	CHECK(add(&l, "::ffff:172.16.0.0/108") == 0);	/* 172.16.0.0/12 */
	CHECK(l.n == 4 && l.net[3].a.v4 && l.net[3].bits == 12);
	a = v4("192.168.200.1");
	CHECK(addr_list_has(&l, &a));
	a = v6("::ffff:192.168.0.1");
	CHECK(addr_list_has(&l, &a));
	a = v4("192.169.0.1");
	CHECK(!addr_list_has(&l, &a));
	a = v6("fdff::1");
	CHECK(addr_list_has(&l, &a));
	a = v6("fe00::1");
	CHECK(!addr_list_has(&l, &a));
	a = v4("10.9.8.7");
	CHECK(addr_list_has(&l, &a));
	a = v4("10.9.8.6");
	CHECK(!addr_list_has(&l, &a));
	a = v4("172.31.255.255");
	CHECK(addr_list_has(&l, &a));
	a = v4("172.32.0.0");
	CHECK(!addr_list_has(&l, &a));
	/* An IPv4 network never holds an IPv6 address of the same bytes. */
	a = v6("c0a8::1");
	CHECK(!addr_list_has(&l, &a));

	/* /0 holds its whole family, and only that. */
	memset(&l, 0, sizeof l);
	CHECK(add(&l, "0.0.0.0/0") == 0);
	a = v4("1.2.3.4");
	CHECK(addr_list_has(&l, &a));
	a = v6("2001:db8::1");
	CHECK(!addr_list_has(&l, &a));
	/* An odd prefix length. */
	CHECK(add(&l, "2001:db8:8000::/33") == 0);
	a = v6("2001:db8:ffff::1");
	CHECK(addr_list_has(&l, &a));
	a = v6("2001:db8:7fff::1");
	CHECK(!addr_list_has(&l, &a));

	/* Bad ones say why; the list is unchanged. */
	i = l.n;
	CHECK(add(&l, "10.0.0.0/33") == -1);
	CHECK(add(&l, "fd00::/129") == -1);
	CHECK(add(&l, "10.0.0.0/") == -1);
	CHECK(add(&l, "10.0.0.0/-1") == -1);
	CHECK(add(&l, "10.0.0.0/8x") == -1);
	CHECK(add(&l, "10.0.0.0/08") == 0 && l.n == i + 1);
	CHECK(add(&l, "10.0.0.1/8") == -1);		/* host bits */
	CHECK(add(&l, "fd00::1/64") == -1);
	CHECK(add(&l, "/8") == -1);
	CHECK(add(&l, "") == -1);
	CHECK(add(&l, "localhost") == -1);
	CHECK(add(&l, "10.0.0.0/8/8") == -1);
	CHECK(add(&l, "1.2.3.4.5") == -1);
	CHECK(add(&l, "0000:0000:0000:0000:0000:0000:0000:0000:0/1") == -1);
	CHECK(l.n == i + 1);
	/* At most ADDR_LIST_MAX. */
	for (i = l.n; i < ADDR_LIST_MAX; i++) {
		snprintf(text, sizeof text, "10.%u.0.0/16", i);
		CHECK(add(&l, text) == 0);
	}
	CHECK(add(&l, "11.0.0.0/8") == -1 && l.n == ADDR_LIST_MAX);
}

void test_addr(void)
{
	addresses();
	lists();
}
