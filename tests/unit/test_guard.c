/* SPDX-License-Identifier: ISC */
#include <arpa/inet.h>
#include <string.h>

#include "check.h"
#include "guard.h"

#define PORT 8000

/* A datagram as recvmsg would give it. */
struct dgram {
	struct msghdr m;
	struct sockaddr_in6 name;	/* or a sockaddr_in */
	union {
		struct cmsghdr align;
		char buf[2 * CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
};

static void source(struct dgram *d, const char *addr, unsigned port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)(void *)&d->name;

	memset(d, 0, sizeof *d);
	d->m.msg_name = &d->name;
	d->m.msg_control = d->ctl.buf;
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)port);
		d->m.msg_namelen = sizeof *in;
		return;
	}
	inet_pton(AF_INET6, addr, &d->name.sin6_addr);
	d->name.sin6_family = AF_INET6;
	d->name.sin6_port = htons((unsigned short)port);
	d->m.msg_namelen = sizeof d->name;
}

static void *cmsg(struct dgram *d, int level, int type, size_t len)
{
	struct cmsghdr *c = (struct cmsghdr *)(void *)(d->ctl.buf +
	    d->m.msg_controllen);

	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	d->m.msg_controllen += CMSG_SPACE(len);
	return CMSG_DATA(c);
}

/* IP_PKTINFO: the header's destination, and the address we answer from. */
static void to4(struct dgram *d, const char *dst, const char *local)
{
	struct in_pktinfo p = { .ipi_ifindex = 1 };

	inet_pton(AF_INET, dst, &p.ipi_addr);
	inet_pton(AF_INET, local, &p.ipi_spec_dst);
	memcpy(cmsg(d, IPPROTO_IP, IP_PKTINFO, sizeof p), &p, sizeof p);
}

static void to6(struct dgram *d, const char *dst)
{
	struct in6_pktinfo p = { .ipi6_ifindex = 1 };

	inet_pton(AF_INET6, dst, &p.ipi6_addr);
	memcpy(cmsg(d, IPPROTO_IPV6, IPV6_PKTINFO, sizeof p), &p, sizeof p);
}

static int check(struct dgram *d)
{
	struct addr a;
	unsigned port;

	return guard_check(&d->m, PORT, &a, &port);
}

static int v4(const char *src, unsigned port, const char *dst)
{
	struct dgram d;

	source(&d, src, port);
	to4(&d, dst, dst);
	return check(&d);
}

static int v6(const char *src, unsigned port, const char *dst)
{
	struct dgram d;

	source(&d, src, port);
	to6(&d, dst);
	return check(&d);
}

static void ports(void)
{
	struct dgram d;
	struct addr a;
	unsigned port = 0;

	CHECK(v4("192.0.2.1", 40000, "198.51.100.1") == GUARD_OK);
	source(&d, "192.0.2.1", 40000);
	to4(&d, "198.51.100.1", "198.51.100.1");
	CHECK(guard_check(&d.m, PORT, &a, &port) == GUARD_OK);
	CHECK(port == 40000 && addr_is_v4(&a) && a.b[12] == 192);
	CHECK(v4("192.0.2.1", 1024, "198.51.100.1") == GUARD_OK);
	CHECK(v4("192.0.2.1", 65535, "198.51.100.1") == GUARD_OK);
	/* Small services, privileged ports, NFS, another echod. */
	CHECK(v4("192.0.2.1", 0, "198.51.100.1") == GUARD_PORT);
	CHECK(v4("192.0.2.1", 7, "198.51.100.1") == GUARD_PORT);
	CHECK(v4("192.0.2.1", 19, "198.51.100.1") == GUARD_PORT);
	CHECK(v4("192.0.2.1", 123, "198.51.100.1") == GUARD_PORT);
	CHECK(v4("192.0.2.1", 1023, "198.51.100.1") == GUARD_PORT);
	CHECK(v4("192.0.2.1", 2049, "198.51.100.1") == GUARD_PORT);
	CHECK(v6("2001:db8::1", 53, "2001:db8::2") == GUARD_PORT);
	/* From our own port: ourselves, or a peer on the same port. */
	CHECK(v4("198.51.100.1", PORT, "198.51.100.1") == GUARD_PORT);
	CHECK(v4("127.0.0.1", PORT, "127.0.0.1") == GUARD_PORT);
	CHECK(v4("192.0.2.1", PORT, "198.51.100.1") == GUARD_PORT);
	CHECK(v6("::1", PORT, "::1") == GUARD_PORT);
	CHECK(v6("::ffff:127.0.0.1", PORT, "::ffff:127.0.0.1") == GUARD_PORT);
}

static void sources(void)
{
	/* Addresses that only a forger uses. */
	CHECK(v4("0.0.0.0", 40000, "198.51.100.1") == GUARD_SOURCE);
	CHECK(v4("0.1.2.3", 40000, "198.51.100.1") == GUARD_SOURCE);
	CHECK(v4("224.0.0.1", 40000, "198.51.100.1") == GUARD_SOURCE);
	CHECK(v4("239.255.255.250", 40000, "198.51.100.1") == GUARD_SOURCE);
	CHECK(v4("240.0.0.1", 40000, "198.51.100.1") == GUARD_SOURCE);
	CHECK(v4("255.255.255.255", 40000, "198.51.100.1") == GUARD_SOURCE);
	CHECK(v4("223.255.255.254", 40000, "198.51.100.1") == GUARD_OK);
	CHECK(v4("1.0.0.0", 40000, "198.51.100.1") == GUARD_OK);
	/* Loopback only from loopback to loopback. */
	CHECK(v4("127.0.0.1", 40000, "198.51.100.1") == GUARD_SOURCE);
	CHECK(v4("127.9.9.9", 40000, "10.0.0.1") == GUARD_SOURCE);
	CHECK(v4("127.0.0.1", 40000, "127.0.0.1") == GUARD_OK);
	CHECK(v4("127.0.0.2", 40000, "127.0.0.3") == GUARD_OK);
	CHECK(v6("::1", 40000, "2001:db8::1") == GUARD_SOURCE);
	CHECK(v6("::1", 40000, "::1") == GUARD_OK);
	CHECK(v6("::ffff:127.0.0.1", 40000, "2001:db8::1") == GUARD_SOURCE);
	CHECK(v6("::ffff:127.0.0.1", 40000, "::ffff:127.0.0.1") == GUARD_OK);
	/* IPv6: unspecified, multicast, v4-compatible, v4-mapped forms. */
	CHECK(v6("::", 40000, "2001:db8::1") == GUARD_SOURCE);
	CHECK(v6("ff02::1", 40000, "2001:db8::1") == GUARD_SOURCE);
	CHECK(v6("ff0e::1", 40000, "2001:db8::1") == GUARD_SOURCE);
	CHECK(v6("::10.0.0.1", 40000, "2001:db8::1") == GUARD_SOURCE);
	CHECK(v6("::ffff:0.0.0.1", 40000, "2001:db8::1") == GUARD_SOURCE);
	CHECK(v6("::ffff:224.1.1.1", 40000, "2001:db8::1") == GUARD_SOURCE);
	CHECK(v6("::ffff:255.255.255.255", 40000, "2001:db8::1") ==
	    GUARD_SOURCE);
	CHECK(v6("::ffff:192.0.2.1", 40000, "::ffff:198.51.100.1") == GUARD_OK);
	CHECK(v6("fe80::1", 40000, "fe80::2") == GUARD_OK);
	CHECK(v6("2001:db8::1", 40000, "2001:db8::2") == GUARD_OK);
	CHECK(v6("fc00::1", 40000, "fd00::2") == GUARD_OK);
}

static void destinations(void)
{
	struct dgram d;

	/* The local address differs from the header's: a broadcast. */
	source(&d, "10.0.0.2", 40000);
	to4(&d, "10.0.0.255", "10.0.0.1");
	CHECK(check(&d) == GUARD_DEST);
	source(&d, "10.0.0.2", 40000);
	to4(&d, "255.255.255.255", "10.0.0.1");
	CHECK(check(&d) == GUARD_DEST);
	/* Multicast, and the limited broadcast even if the two agree. */
	CHECK(v4("10.0.0.2", 40000, "224.0.0.251") == GUARD_DEST);
	CHECK(v4("10.0.0.2", 40000, "255.255.255.255") == GUARD_DEST);
	CHECK(v4("10.0.0.2", 40000, "0.0.0.0") == GUARD_DEST);
	CHECK(v6("2001:db8::2", 40000, "ff02::1") == GUARD_DEST);
	CHECK(v6("2001:db8::2", 40000, "ff05::1:3") == GUARD_DEST);
	CHECK(v6("::ffff:10.0.0.2", 40000, "::ffff:224.0.0.1") == GUARD_DEST);
	/* No packet info: cannot tell, so no answer. */
	source(&d, "10.0.0.2", 40000);
	CHECK(check(&d) == GUARD_DEST);
	/* IPv4 on a dual-stack socket brings both; IPv4's decides. */
	source(&d, "::ffff:10.0.0.2", 40000);
	to6(&d, "::ffff:10.0.0.255");
	to4(&d, "10.0.0.255", "10.0.0.1");
	CHECK(check(&d) == GUARD_DEST);
	source(&d, "::ffff:10.0.0.2", 40000);
	to4(&d, "10.0.0.1", "10.0.0.1");
	to6(&d, "::ffff:10.0.0.1");
	CHECK(check(&d) == GUARD_OK);
	/* No local address given (spec_dst 0): the header's alone decides. */
	source(&d, "10.0.0.2", 40000);
	to4(&d, "10.0.0.1", "0.0.0.0");
	CHECK(check(&d) == GUARD_OK);
}

/* Control data that is cut or malformed is not read past its end. */
static void malformed(void)
{
	struct dgram d;
	struct cmsghdr *c;

	source(&d, "10.0.0.2", 40000);
	to4(&d, "10.0.0.1", "10.0.0.1");
	d.m.msg_controllen = CMSG_LEN(sizeof(struct in_pktinfo)) - 1;
	CHECK(check(&d) == GUARD_DEST);
	source(&d, "10.0.0.2", 40000);
	to4(&d, "10.0.0.1", "10.0.0.1");
	c = (struct cmsghdr *)(void *)d.ctl.buf;
	c->cmsg_len = 4000;
	CHECK(check(&d) == GUARD_DEST);
	c->cmsg_len = 2;
	CHECK(check(&d) == GUARD_DEST);
	source(&d, "10.0.0.2", 40000);
	to4(&d, "10.0.0.1", "10.0.0.1");
	d.m.msg_control = NULL;
	CHECK(check(&d) == GUARD_DEST);
	/* A name too short for its family. */
	source(&d, "10.0.0.2", 40000);
	to4(&d, "10.0.0.1", "10.0.0.1");
	d.m.msg_namelen = 4;
	CHECK(check(&d) == GUARD_SOURCE);
	d.m.msg_name = NULL;
	CHECK(check(&d) == GUARD_SOURCE);
}

void test_guard(void)
{
	ports();
	sources();
	destinations();
	malformed();
}
