/* SPDX-License-Identifier: ISC */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "ring.h"

#define SIZE 16u

static size_t iov_total(const struct iovec *iov, int n)
{
	size_t t = 0;
	int i;

	for (i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

static void empty_and_full(void)
{
	unsigned char buf[SIZE];
	struct ring r;
	struct iovec iov[2];

	ring_init(&r, buf);
	CHECK(ring_used(&r) == 0);
	CHECK(ring_room(&r, SIZE) == SIZE);
	CHECK(ring_out_iov(&r, SIZE, iov) == 0);
	CHECK(ring_in_iov(&r, SIZE, iov) == 1);
	CHECK(iov[0].iov_base == buf && iov[0].iov_len == SIZE);
	ring_produced(&r, SIZE);
	CHECK(ring_used(&r) == SIZE);
	CHECK(ring_room(&r, SIZE) == 0);
	CHECK(ring_in_iov(&r, SIZE, iov) == 0);
	CHECK(ring_out_iov(&r, SIZE, iov) == 1);
	CHECK(iov[0].iov_len == SIZE);
	ring_consumed(&r, SIZE);
	CHECK(ring_used(&r) == 0);
}

/* Data that wraps the end comes out as two pieces, in order. */
static void wrap_split(void)
{
	unsigned char buf[SIZE];
	struct ring r;
	struct iovec iov[2];
	int n;

	ring_init(&r, buf);
	ring_produced(&r, 12);
	ring_consumed(&r, 12);		/* head = tail = 12 */
	n = ring_in_iov(&r, SIZE, iov);
	CHECK(n == 2);
	CHECK(iov[0].iov_base == buf + 12 && iov[0].iov_len == 4);
	CHECK(iov[1].iov_base == buf && iov[1].iov_len == 12);
	buf[12] = 'a';
	buf[13] = 'b';
	buf[14] = 'c';
	buf[15] = 'd';
	buf[0] = 'e';
	buf[1] = 'f';
	buf[2] = 'g';
	ring_produced(&r, 7);
	n = ring_out_iov(&r, SIZE, iov);
	CHECK(n == 2);
	CHECK(iov[0].iov_len == 4 && memcmp(iov[0].iov_base, "abcd", 4) == 0);
	CHECK(iov[1].iov_len == 3 && memcmp(iov[1].iov_base, "efg", 3) == 0);
	ring_consumed(&r, 5);		/* tail past the end: one piece again */
	n = ring_out_iov(&r, SIZE, iov);
	CHECK(n == 1 && iov[0].iov_base == buf + 1 && iov[0].iov_len == 2);
	n = ring_in_iov(&r, SIZE, iov);
	CHECK(n == 2 && iov_total(iov, n) == SIZE - 2);
	CHECK(iov[0].iov_base == buf + 3);
}

/* Free-running indices wrap at 2^32 without losing the count. */
static void index_wrap(void)
{
	unsigned char buf[SIZE];
	struct ring r;
	struct iovec iov[2];
	int n;

	ring_init(&r, buf);
	r.head = r.tail = UINT32_MAX - 3;
	ring_produced(&r, 10);
	CHECK(ring_used(&r) == 10);
	CHECK(ring_room(&r, SIZE) == SIZE - 10);
	n = ring_out_iov(&r, SIZE, iov);
	CHECK(iov_total(iov, n) == 10);
	n = ring_in_iov(&r, SIZE, iov);
	CHECK(iov_total(iov, n) == SIZE - 10);
	ring_consumed(&r, 10);
	CHECK(ring_used(&r) == 0);
}

/* A byte stream pushed through in odd pieces comes out unchanged. */
static void stream(void)
{
	unsigned char buf[SIZE], out[1000];
	struct ring r;
	struct iovec iov[2];
	unsigned in = 0, got = 0, step = 0, i;
	size_t k, take;
	int ok = 1;

	ring_init(&r, buf);
	while (got < sizeof out) {
		/* Produce 1-7 bytes into the first free piece. */
		if (ring_in_iov(&r, SIZE, iov) > 0) {
			take = 1 + step++ % 7;
			for (k = 0; k < take && k < iov[0].iov_len && in < sizeof out; k++)
				((unsigned char *)iov[0].iov_base)[k] =
				    (unsigned char)(in++ * 7);
			ring_produced(&r, (uint32_t)k);
		}
		/* Consume up to 3 bytes from the first data piece. */
		if (ring_out_iov(&r, SIZE, iov) > 0) {
			take = iov[0].iov_len < 3 ? iov[0].iov_len : 3;
			memcpy(out + got, iov[0].iov_base, take);
			ring_consumed(&r, (uint32_t)take);
			got += (unsigned)take;
		}
		if (ring_used(&r) > SIZE)
			ok = 0;
	}
	for (i = 0; i < sizeof out; i++)
		if (out[i] != (unsigned char)(i * 7))
			ok = 0;
	CHECK(ok);
}

void test_ring(void)
{
	empty_and_full();
	wrap_split();
	index_wrap();
	stream();
}
