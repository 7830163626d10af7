/* SPDX-License-Identifier: ISC */
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
	struct addr a = v4("10.1.2.3"), m = v6("::ffff:10.1.2.3"), b;
	unsigned port;

	/* IPv4 in the form IPv4 clients of the dual-stack socket have. */
	CHECK(addr_is_v4(&a) && a.b[10] == 0xff && a.b[12] == 10 && a.b[15] == 3);
	CHECK(memcmp(&a, &m, sizeof a) == 0);
	b = v6("2001:db8::1");
	CHECK(!addr_is_v4(&b) && b.b[0] == 0x20);
	/* Too short for its family, or no family echod knows. */
	CHECK(addr_of(&in, sizeof in - 1, &a, &port) < 0);
	CHECK(addr_of(&in6, sizeof in6 - 1, &a, &port) < 0);
	CHECK(addr_of(&un, sizeof un, &a, &port) < 0);
	CHECK(addr_of(NULL, 0, &a, &port) < 0);
	CHECK(addr_of(&in, 1, &a, &port) < 0);
	/* Keys: the /32, the /64. */
	a = v6("2001:db8:1:2:aaaa::1");
	b = v6("2001:db8:1:2:bbbb::9");
	CHECK(memcmp(addr_key(&a), addr_key(&b), ADDR_KEY) == 0);
	b = v6("2001:db8:1:3::1");
	CHECK(memcmp(addr_key(&a), addr_key(&b), ADDR_KEY) != 0);
	a = v4("10.0.0.1");
	b = v4("10.0.0.2");
	CHECK(memcmp(addr_key(&a), addr_key(&b), ADDR_KEY) != 0);
	/* An IPv4 key is not the key of the IPv6 address of its bytes. */
	b = v6("a00:1::");
	CHECK(memcmp(addr_key(&a), addr_key(&b), ADDR_KEY) != 0);
	a = v4("127.9.0.0");
	CHECK(addr_is_loopback(&a));
	a = v6("::1");
	CHECK(addr_is_loopback(&a));
	a = v6("::2");
	CHECK(!addr_is_loopback(&a));
}

/* Add text/bits to l: 0, -1 with a reason, -2 without one. */
static int add(struct addr_list *l, const char *text, unsigned bits)
{
	unsigned char b[16];
	const char *why = NULL;
	int is4 = inet_pton(AF_INET, text, b) == 1, r;

	if (!is4 && inet_pton(AF_INET6, text, b) != 1)
		return -3;
	r = addr_list_add(l, is4, b, bits, &why);
	return r < 0 && why == NULL ? -2 : r;
}

/* Is the address in text in one of l's networks? */
static int has(const struct addr_list *l, const char *text)
{
	struct addr a = strchr(text, ':') ? v6(text) : v4(text);

	return addr_list_has(l, &a);
}

static void lists(void)
{
	struct addr_list l;
	char text[32];
	unsigned i;

	memset(&l, 0, sizeof l);
	CHECK(add(&l, "192.168.0.0", 16) == 0);
	CHECK(add(&l, "fd00::", 8) == 0);
	CHECK(add(&l, "10.9.8.7", 32) == 0);
	CHECK(add(&l, "::ffff:172.16.0.0", 108) == 0);	/* 172.16.0.0/12 */
	CHECK(l.n == 4 && l.net[0].bits == 96 + 16 && l.net[3].bits == 108);
	CHECK(has(&l, "192.168.200.1"));
	CHECK(has(&l, "::ffff:192.168.0.1"));
	CHECK(!has(&l, "192.169.0.1"));
	CHECK(has(&l, "fdff::1"));
	CHECK(!has(&l, "fe00::1"));
	CHECK(has(&l, "10.9.8.7"));
	CHECK(!has(&l, "10.9.8.6"));
	CHECK(has(&l, "172.31.255.255"));
	CHECK(!has(&l, "172.32.0.0"));
	/* An IPv4 network never holds an IPv6 address of the same bytes. */
	CHECK(!has(&l, "c0a8::1"));

	/* /0 holds its whole family, and only that. */
	memset(&l, 0, sizeof l);
	CHECK(add(&l, "0.0.0.0", 0) == 0);
	CHECK(has(&l, "1.2.3.4"));
	CHECK(!has(&l, "2001:db8::1"));
	/* An odd prefix length. */
	CHECK(add(&l, "2001:db8:8000::", 33) == 0);
	CHECK(has(&l, "2001:db8:ffff::1"));
	CHECK(!has(&l, "2001:db8:7fff::1"));

	/* Bits past the prefix; v4-mapped networks are IPv6 ones too. */
	i = l.n;
	CHECK(add(&l, "10.0.0.1", 8) == -1);
	CHECK(add(&l, "10.0.0.128", 24) == -1);
	CHECK(add(&l, "10.0.0.128", 25) == 0 && l.n == ++i);
	CHECK(add(&l, "fd00::1", 64) == -1);
	CHECK(add(&l, "::ffff:0.0.0.0", 95) == -1);	/* bit 95 is set */
	CHECK(add(&l, "::ffff:0.0.0.0", 96) == 0 && l.n == ++i);
	CHECK(l.net[i - 1].bits == 96 && has(&l, "9.9.9.9"));
	/* At most ADDR_LIST_MAX. */
	for (; i < ADDR_LIST_MAX; i++) {
		snprintf(text, sizeof text, "10.%u.0.0", i);
		CHECK(add(&l, text, 16) == 0);
	}
	CHECK(add(&l, "11.0.0.0", 8) == -1 && l.n == ADDR_LIST_MAX);
}

void test_addr(void)
{
	addresses();
	lists();
}
