/* SPDX-License-Identifier: ISC */
/*
 * stamp: the packet layouts of RFC 8762 4.2.1 (session-sender) and 4.3.1
 * (session-reflector), byte offsets below. A reply is its request
 * rewritten in place: the request's first 14 bytes move to 24, which is
 * why they are read before anything is written.
 */
#include <string.h>

#include "stamp.h"

#define NTP_1970 2208988800u	/* seconds from 1900 to 1970 */
#define US 1000000u

enum {
	SEQ = 0, TIME = 4, ERROR = 12,		/* both packets */
	RX_TIME = 16, SENDER = 24,		/* reply: seq, time, error */
	SENDER_LEN = 14, SENDER_TTL = 40,
};

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* 2^63 / 10^9, rounded up: a multiply and a shift, no 64-bit division. */
uint64_t stamp_ntp(const struct timespec *t)
{
	uint32_t sec = (uint32_t)t->tv_sec + NTP_1970;
	uint64_t frac = ((uint64_t)t->tv_nsec * 9223372037u) >> 31;

	return (uint64_t)sec << 32 | frac;
}

/* Modulo 2^64, so that NTP's era wrap (2036) is no jump. */
int64_t stamp_us(uint64_t a, uint64_t b)
{
	int neg = (int)((b - a) >> 63);
	uint64_t d = neg ? a - b : b - a;
	int64_t us = (int64_t)(d >> 32) * US +
	    (int64_t)(((d & 0xffffffffu) * US + (1u << 31)) >> 32);

	return neg ? -us : us;
}

/*
 * The estimate is Multiplier x 2^(Scale - 32) seconds; 2^32 / 10^6 is
 * 4294.97, so err_us x 4295 units is never less than the error.
 */
uint16_t stamp_error(int synced, uint64_t err_us)
{
	uint64_t v = (err_us < 1ull << 40 ? err_us : 1ull << 40) * 4295u;
	unsigned scale = 0;

	while (v > 0xff) {
		v = (v + 1) >> 1;
		scale++;
	}
	if (v == 0)
		v = 1;		/* a multiplier of 0 is not allowed */
	return (uint16_t)((synced ? 0x8000u : 0) | scale << 8 | (unsigned)v);
}

int stamp_reflect(unsigned char *pkt, size_t len, const struct stamp_rx *rx)
{
	unsigned char sender[SENDER_LEN];

	if (len < STAMP_MIN)
		return -1;
	memcpy(sender, pkt + SEQ, sizeof sender);
	put16(pkt + ERROR, rx->error);
	memset(pkt + ERROR + 2, 0, 2);
	put64(pkt + RX_TIME, rx->t2);
	memcpy(pkt + SENDER, sender, sizeof sender);
	memset(pkt + SENDER + SENDER_LEN, 0, STAMP_MIN - SENDER - SENDER_LEN);
	pkt[SENDER_TTL] = rx->ttl;
	return 0;
}

void stamp_sent(unsigned char *pkt, uint64_t t3)
{
	put64(pkt + TIME, t3);
}

void stamp_request(unsigned char *pkt, size_t len, uint32_t seq, uint64_t t1,
    uint16_t error)
{
	memset(pkt, 0, len);
	put32(pkt + SEQ, seq);
	put64(pkt + TIME, t1);
	put16(pkt + ERROR, error);
}

int stamp_parse(const unsigned char *pkt, size_t len, struct stamp_reply *r)
{
	if (len < STAMP_MIN)
		return -1;
	r->seq = get32(pkt + SEQ);
	r->t3 = get64(pkt + TIME);
	r->error = (uint16_t)get16(pkt + ERROR);
	r->t2 = get64(pkt + RX_TIME);
	r->sender_seq = get32(pkt + SENDER + SEQ);
	r->t1 = get64(pkt + SENDER + TIME);
	r->sender_error = (uint16_t)get16(pkt + SENDER + ERROR);
	r->ttl = pkt[SENDER_TTL];
	return 0;
}
