/* SPDX-License-Identifier: ISC */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "net.h"
#include "stamp.h"

/* A request as RFC 8762 4.2.1 draws it, padded past the base packet. */
static void request(unsigned char *p, size_t len)
{
	static const unsigned char head[14] = {
		0x00, 0x01, 0x02, 0x03,				/* sequence */
		0xe8, 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00,	/* timestamp */
		0x81, 0x05,					/* error */
	};
	size_t i;

	memset(p, 0, len);
	memcpy(p, head, sizeof head);
	for (i = STAMP_MIN; i < len; i++)
		p[i] = (unsigned char)i;
	p[20] = 0xff;		/* MBZ in the request: must not leak out */
}

static void test_reflect(void)
{
	static const unsigned char want[STAMP_MIN] = {
		0x00, 0x01, 0x02, 0x03,				/* sequence */
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,	/* t3 */
		0x80, 0x0a, 0x00, 0x00,				/* error, MBZ */
		0xe8, 0x00, 0x00, 0x02, 0x40, 0x00, 0x00, 0x00,	/* t2 */
		0x00, 0x01, 0x02, 0x03,				/* sender's */
		0xe8, 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00,
		0x81, 0x05, 0x00, 0x00,
		0x3f, 0x00, 0x00, 0x00,				/* TTL, MBZ */
	};
	struct stamp_rx rx = { 0xe800000240000000ull, 0x800a, 63 };
	struct stamp_reply r;
	unsigned char p[80];
	size_t i;
	int same = 1;

	request(p, sizeof p);
	CHECK(stamp_reflect(p, STAMP_MIN - 1, &rx) == -1);
	CHECK(stamp_reflect(p, sizeof p, &rx) == 0);
	stamp_sent(p, 0x1122334455667788ull);
	CHECK(memcmp(p, want, STAMP_MIN) == 0);
	for (i = STAMP_MIN; i < sizeof p; i++)
		same &= p[i] == (unsigned char)i;
	CHECK(same);
	CHECK(stamp_parse(p, STAMP_MIN - 1, &r) == -1);
	CHECK(stamp_parse(p, STAMP_MIN, &r) == 0);
	CHECK(r.seq == 0x00010203 && r.sender_seq == 0x00010203);
	CHECK(r.t1 == 0xe800000180000000ull && r.t2 == rx.t2);
	CHECK(r.t3 == 0x1122334455667788ull);
	CHECK(r.error == 0x800a && r.sender_error == 0x8105 && r.ttl == 63);
	stamp_request(p, sizeof p, 7, 0x0102030405060708ull, 0x0001);
	CHECK(p[3] == 7 && p[4] == 1 && p[11] == 8 && p[13] == 1 &&
	    p[14] == 0 && p[79] == 0);
}

static void *put_cmsg(struct msghdr *m, int level, int type, size_t len)
{
	struct cmsghdr *c = (struct cmsghdr *)(void *)
	    ((char *)m->msg_control + m->msg_controllen);

	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	m->msg_controllen += CMSG_SPACE(len);
	return CMSG_DATA(c);
}

/*
 * An IPv4 datagram on a dual-stack socket, laid out as the kernel does:
 * time, both packet infos, TTL. Moving each packet info forward
 * overwrites its own header when the time before it is shorter (32-bit).
 */
static void test_take_meta(void)
{
	union {
		struct cmsghdr align;
		char buf[NET_CONTROL];
	} ctl;
	struct msghdr m = { .msg_control = ctl.buf };
	struct in6_pktinfo p6 = { .ipi6_ifindex = 7 };
	struct in_pktinfo p4 = { .ipi_ifindex = 7 };
	struct timespec rx = { 1234, 5678 }, t;
	struct cmsghdr *c;
	unsigned ttl;
	int hops = 64;

	memset(&ctl, 0, sizeof ctl);
	memcpy(put_cmsg(&m, SOL_SOCKET, SCM_TIMESTAMPNS, sizeof rx), &rx,
	    sizeof rx);
	memcpy(put_cmsg(&m, IPPROTO_IPV6, IPV6_PKTINFO, sizeof p6), &p6,
	    sizeof p6);
	memcpy(put_cmsg(&m, IPPROTO_IP, IP_PKTINFO, sizeof p4), &p4, sizeof p4);
	memcpy(put_cmsg(&m, IPPROTO_IP, IP_TTL, sizeof hops), &hops,
	    sizeof hops);
	net_take_meta(&m, &t, &ttl);
	CHECK(t.tv_sec == 1234 && t.tv_nsec == 5678 && ttl == 64);
	CHECK(m.msg_controllen == CMSG_SPACE(sizeof p6) + CMSG_SPACE(sizeof p4));
	c = CMSG_FIRSTHDR(&m);
	CHECK(c != NULL && c->cmsg_type == IPV6_PKTINFO &&
	    c->cmsg_len == CMSG_LEN(sizeof p6) &&
	    memcmp(CMSG_DATA(c), &p6, sizeof p6) == 0);
	c = c != NULL ? CMSG_NXTHDR(&m, c) : NULL;
	CHECK(c != NULL && c->cmsg_type == IP_PKTINFO &&
	    c->cmsg_len == CMSG_LEN(sizeof p4) &&
	    memcmp(CMSG_DATA(c), &p4, sizeof p4) == 0);
}

void test_stamp(void)
{
	struct timespec t = { 0, 0 };

	CHECK(stamp_ntp(&t) == (uint64_t)2208988800u << 32);
	t.tv_sec = 1;
	t.tv_nsec = 500000000;
	CHECK(stamp_ntp(&t) == ((uint64_t)2208988801u << 32 | 0x80000000u));
	t.tv_nsec = 999999999;
	CHECK((uint32_t)stamp_ntp(&t) >= 0xfffffffbu);
	CHECK(stamp_us(1ull << 32, 3ull << 31) == 500000);
	CHECK(stamp_us(3ull << 31, 1ull << 32) == -500000);
	/* Rounded: 6442 x 2^-32 s is 1.49990 us, 6443 x 2^-32 s 1.50013 us. */
	CHECK(stamp_us(0, 6442) == 1 && stamp_us(0, 6443) == 2);
	/* Across NTP's era wrap in 2036. */
	CHECK(stamp_us(0xffffffff00000000ull, 1ull << 32) == 2000000);
	/* 1 us is 4294.97 units: 135 x 2^5 = 4320 is the least above. */
	CHECK(stamp_error(0, 1) == (5 << 8 | 135));
	CHECK(stamp_error(1, 0) == 0x8001);
	/* 16 s (an unsynchronized kernel's maximum error): 129 x 2^-3 = 16.125 s */
	CHECK(stamp_error(0, 16000000) == (29 << 8 | 129));
	test_reflect();
	test_take_meta();
}
