/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "limit.h"

static unsigned char mem[64 * 1024];
static struct limit l;
static const struct hash_key key = { { 0x12345678, 0x9abcdef0 } };

static void setup(unsigned rate, unsigned burst)
{
	CHECK(limit_memsize(rate) <= sizeof mem);
	memset(mem, 0, sizeof mem);
	limit_init(&l, mem, &key, rate, burst);
}

static struct addr ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	unsigned char v4[4] = { (unsigned char)a, (unsigned char)b,
	    (unsigned char)c, (unsigned char)d };
	struct addr x;

	addr_set(&x, 1, v4);
	return x;
}

/* How many of n datagrams from a at time now get through (each new). */
static unsigned burst_of(const struct addr *a, unsigned n, uint32_t now)
{
	static uint32_t serial;
	unsigned ok = 0;

	while (n-- > 0) {
		serial++;
		ok += limit_check(&l, a, 40000, (const unsigned char *)&serial,
		    sizeof serial, now) == LIMIT_OK;
	}
	return ok;
}

static void rate(void)
{
	struct addr a = ip4(192, 0, 2, 1), b = ip4(192, 0, 2, 2);
	struct addr c = { .b = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 9 } };
	struct addr c2 = c;
	uint32_t t;
	unsigned ok;

	setup(100, 10);
	CHECK(burst_of(&a, 50, 1000) == 10);
	/* Another source is untouched by a's flood. */
	CHECK(burst_of(&b, 10, 1000) == 10);
	/* Refill: 100/s is one per 10 ms, up to the burst. */
	CHECK(burst_of(&a, 5, 1009) == 0);
	CHECK(burst_of(&a, 5, 1010) == 1);
	CHECK(burst_of(&a, 50, 1110) == 10);
	CHECK(burst_of(&a, 50, 11110) == 10);
	/* Over a long flood, RATE a second. */
	for (ok = 0, t = 20000; t < 30000; t++)
		ok += burst_of(&a, 3, t);
	CHECK(ok >= 999 && ok <= 1011);
	/* IPv6 counts by /64. */
	CHECK(burst_of(&c, 10, 40000) == 10);
	c2.b[15] = 77;
	CHECK(burst_of(&c2, 1, 40000) == 0);
	c2.b[7] = 2;
	CHECK(burst_of(&c2, 1, 40000) == 1);
	/* The clock may wrap. */
	CHECK(burst_of(&a, 20, UINT32_MAX - 5) == 10);
	CHECK(burst_of(&a, 20, 94) == 10);
	/* -R 0: no limit, and no table. */
	setup(0, 0);
	CHECK(burst_of(&a, 100000, 5) == 100000);
	CHECK(limit_memsize(0) < limit_memsize(1));
}

/*
 * The defaults: a measurement tool's 1000 small datagrams a second from
 * one host, even all at once each second, are never limited; a loop on
 * loopback (120 000 a second) is cut within a second.
 */
static void defaults(void)
{
	struct addr a = ip4(198, 51, 100, 7);
	uint32_t t;
	unsigned ok = 0, sent = 0;

	setup(2000, 2000);
	for (t = 0; t < 60000; t++)
		ok += burst_of(&a, 1, t);
	CHECK(ok == 60000);
	for (t = 60000; t < 120000; t += 1000)
		ok += burst_of(&a, 1000, t);
	CHECK(ok == 120000);
	setup(2000, 2000);
	for (t = 0; t < 1000; t++, sent += 120)
		if (burst_of(&a, 120, t) < 120)
			break;
	CHECK(t < 1000 && sent < 4000);
}

/* One table of many sources: entries go, but never to someone's cost. */
static void eviction(void)
{
	struct addr flood = ip4(203, 0, 113, 1), a;
	unsigned i, ok = 0;

	setup(10, 10);
	CHECK(burst_of(&flood, 20, 0) == 10);
	/* 100 000 other sources, each once: all answered (full buckets)... */
	for (i = 0; i < 100000; i++) {
		a = ip4(10, i >> 16, i >> 8, i);
		ok += burst_of(&a, 1, 1);
	}
	CHECK(ok == 100000);
	/* ...and the throttled one kept its empty bucket: it was the least full. */
	CHECK(burst_of(&flood, 1, 2) == 0);
	/* A source that lost its entry starts again with a full bucket. */
	setup(10, 10);
	for (i = 0; i < 5000; i++) {
		a = ip4(10, 1, i >> 8, i);
		CHECK(burst_of(&a, 20, 1) == 10);
	}
	a = ip4(10, 1, 0, 0);
	ok = burst_of(&a, 20, 1);
	CHECK(ok == 0 || ok == 10);
}

static unsigned repeat(const struct addr *a, unsigned port, const char *msg,
    uint32_t now)
{
	return limit_check(&l, a, port, (const unsigned char *)msg, strlen(msg),
	    now) != LIMIT_LOOP;
}

/*
 * A loop over a 50 ms round trip, 20 datagrams a second that no rate
 * limit sees, ends within 10 s; a health checker sending the same
 * payload once a second is answered every time, for a day, beside it.
 */
static void loops(void)
{
	static const char *const names[] = { "one", "two", "three" };
	struct addr peer = ip4(192, 0, 2, 9), checker = ip4(192, 0, 2, 10);
	uint32_t t, ended = 0;
	unsigned answered = 0, missed = 0, i;
	char live[3];

	setup(2000, 2000);
	for (t = 0; t < 86400000; t += 50) {
		if (!ended) {
			if (repeat(&peer, 7000, "forged", t))
				answered++;
			else
				ended = t;
		}
		if (t % 1000 == 0 && !repeat(&checker, 40000, "ping", t))
			missed++;
	}
	CHECK(ended > 0 && ended <= 10000);
	CHECK(answered <= 20);
	CHECK(missed == 0);
	/* The same for a loop that a rate limit cannot tell: 2 a second. */
	setup(0, 0);
	ended = 0;
	for (t = 0; t < 600000 && !ended; t += 500)
		if (!repeat(&peer, 7001, "slow", t))
			ended = t;
	CHECK(ended > 0);
	/* Loops of several payloads between the same two ports each end. */
	setup(0, 0);
	memset(live, 1, sizeof live);
	for (t = 0, answered = 0; t < 10000; t += 50)
		for (i = 0; i < 3; i++)
			if (live[i]) {
				live[i] = (char)repeat(&peer, 7000, names[i],
				    t + i);
				answered += (unsigned)live[i];
			}
	CHECK(!live[0] && !live[1] && !live[2]);
	CHECK(answered <= 3 * 20);
}

/* Ever new payloads (the traffic of a busy server) do not hide a loop. */
static void churn(void)
{
	struct addr peer = ip4(192, 0, 2, 9), c;
	char msg[32];
	uint32_t t, n = 0, ended = 0;
	unsigned i;

	setup(0, 0);
	for (t = 0; t < 10000 && !ended; t += 50) {
		if (!repeat(&peer, 7000, "forged", t))
			ended = t;
		/* 100 000 distinct datagrams a second. */
		for (i = 0; i < 5000; i++, n++) {
			c = ip4(10, n >> 16, n >> 8, n);
			snprintf(msg, sizeof msg, "%u", n);
			CHECK(repeat(&c, 40000, msg, t) == 1);
		}
	}
	CHECK(ended > 0 && ended <= 10000);
}

/* What a repeat is: same sender, port, length and ends. */
static void payloads(void)
{
	struct addr a = ip4(192, 0, 2, 9), b = ip4(192, 0, 2, 8);
	unsigned char big[3000];
	unsigned i, ok;

	setup(0, 0);
	for (i = 0, ok = 0; i < 100; i++)
		ok += repeat(&a, 5000, "x", 0);
	CHECK(ok == LOOP_BURST + 1);
	/* Another port, address or payload is another sender's matter. */
	CHECK(repeat(&a, 5001, "x", 0) && repeat(&b, 5000, "x", 0));
	CHECK(repeat(&a, 5000, "y", 0) && repeat(&a, 5000, "xx", 0));
	CHECK(repeat(&a, 5000, "", 0));
	/* A counter at either end of a long payload makes it new. */
	memset(big, 'z', sizeof big);
	for (i = 0, ok = 0; i < 100; i++) {
		big[i % 2 ? 3 : sizeof big - 3] = (unsigned char)i;
		ok += limit_check(&l, &a, 5000, big, sizeof big, 0) != LIMIT_LOOP;
	}
	CHECK(ok == 100);
	/* And it recovers: once per LOOP_MS. */
	CHECK(!repeat(&a, 5000, "x", LOOP_MS - 1));
	CHECK(repeat(&a, 5000, "x", 2 * LOOP_MS));
}

void test_limit(void)
{
	rate();
	defaults();
	eviction();
	loops();
	churn();
	payloads();
}
