/* SPDX-License-Identifier: ISC */
/*
 * fuzz_stamp: the STAMP packet code against what RFC 8762 asks of it.
 *
 * Input: 8 bytes t2, 2 bytes error, 1 byte TTL, 8 bytes t3 (the
 * reflector's side), then the request of any length. The request is
 * reflected in an allocation of exactly its size (ASan sees any reach
 * past it); the reply must be refused below 44 bytes, and otherwise keep
 * the length and the bytes past 44, carry the sender's fields, ours, the
 * TTL and zeroes in every MBZ field, and parse back to what went in. The
 * same bytes also drive the time conversions: NTP differences within half a
 * microsecond of the real ones, and error estimates never below the error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stamp.h"
#include "lib/report.h"

#define HEAD 19		/* t2, error, TTL, t3 */

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

static void check_reflect(const uint8_t *data, size_t size)
{
	struct stamp_rx rx = { be(data, 8), (uint16_t)be(data + 8, 2),
	    data[10] };
	uint64_t t3 = be(data + 11, 8);
	size_t len = size - HEAD;
	unsigned char *p = malloc(len ? len : 1);
	struct stamp_reply r;
	const uint8_t *req = data + HEAD;

	INVARIANT(p != NULL);
	memcpy(p, req, len);
	if (stamp_reflect(p, len, &rx) < 0) {
		INVARIANT(len < STAMP_MIN);
		INVARIANT(memcmp(p, req, len) == 0);
		INVARIANT(stamp_parse(p, len, &r) < 0);
		free(p);
		return;
	}
	INVARIANT(len >= STAMP_MIN);
	stamp_sent(p, t3);
	INVARIANT(stamp_parse(p, len, &r) == 0);
	INVARIANT(r.seq == be(req, 4) && r.sender_seq == r.seq);
	INVARIANT(r.t1 == be(req + 4, 8) && r.sender_error == be(req + 12, 2));
	INVARIANT(r.t2 == rx.t2 && r.t3 == t3 && r.error == rx.error);
	INVARIANT(r.ttl == rx.ttl);
	INVARIANT(be(p + 14, 2) == 0 && be(p + 38, 2) == 0 && be(p + 41, 3) == 0);
	INVARIANT(memcmp(p + STAMP_MIN, req + STAMP_MIN, len - STAMP_MIN) == 0);
	free(p);
}

/* Two times less than 2^31 s apart: their difference to the microsecond. */
static void check_time(const uint8_t *data)
{
	struct timespec a, b;
	int64_t want, got;
	int32_t apart = (int32_t)be(data + 8, 4) / 2;

	a.tv_sec = (time_t)(int32_t)be(data, 4);
	a.tv_nsec = (long)(be(data + 4, 4) % 1000000000u);
	b.tv_sec = a.tv_sec + apart;
	b.tv_nsec = (long)(be(data + 12, 4) % 1000000000u);
	want = (int64_t)apart * 1000000000 + (b.tv_nsec - a.tv_nsec);
	got = stamp_us(stamp_ntp(&a), stamp_ntp(&b)) * 1000;
	INVARIANT(got - want <= 501 && want - got <= 501);
}

/* Multiplier x 2^Scale units: the least such value not below the error. */
static void check_error(const uint8_t *data)
{
	uint64_t us = be(data, 8), v;
	uint16_t e = stamp_error(data[8] & 1, us);
	unsigned mult = e & 0xff, scale = e >> 8 & 0x3f;

	v = (us < 1ull << 40 ? us : 1ull << 40) * 4295u;
	INVARIANT(!(e & 0x4000));			/* Z: NTP format */
	INVARIANT(!!(e & 0x8000) == (data[8] & 1));
	INVARIANT(mult >= 1);
	INVARIANT((uint64_t)mult << scale >= v);
	INVARIANT(v == 0 || (uint64_t)(mult - 1) << scale < v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEAD)
		return 0;
	check_reflect(data, size);
	check_time(data);
	check_error(data);
	return 0;
}
