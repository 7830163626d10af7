/* SPDX-License-Identifier: ISC */
/*
 * fuzz_ring: the ring buffer against a reference model, a plain byte queue.
 *
 * Input: byte 0 picks the size (a power of two, 1-4096), bytes 1-4 the
 * starting value of the free-running counters (so the 2^32 wrap is
 * reached), then one operation per 3 bytes: an opcode and a 16-bit
 * amount. Every step checks used/room and the iovec split against the
 * model; produce writes through the free-space iovecs and consume reads
 * through the data iovecs, so the bytes themselves are compared too. The
 * buffer is malloc'ed at exactly the ring's size: ASan reports any iovec
 * that reaches outside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"
#include "lib/report.h"

#define MAX_SHIFT 12

struct model {
	unsigned char *q;	/* q[0..len) is the data, oldest first */
	uint32_t len;
	uint32_t next;		/* the next byte to produce: a counter */
};

static unsigned char pattern(uint32_t i)
{
	uint32_t x = i * 2654435761u;

	return (unsigned char)(x >> 24 ^ x >> 11 ^ i);
}

/*
 * An iovec set as ring_in_iov/ring_out_iov must make it: n pieces (0 only
 * for nothing), inside buf, the first starting at pos's offset, the second
 * (if any) at buf itself, the first then reaching the end of buf exactly,
 * no empty piece, total == want.
 */
static void check_split(const unsigned char *buf, uint32_t size, uint32_t pos,
    uint32_t want, const struct iovec *iov, int n)
{
	const unsigned char *b0;

	if (want == 0) {
		INVARIANT(n == 0);
		return;
	}
	/* One piece exactly when the span does not cross the end. */
	INVARIANT(n == (want <= size - (pos & (size - 1)) ? 1 : 2));
	b0 = iov[0].iov_base;
	INVARIANT(b0 == buf + (pos & (size - 1)));
	INVARIANT(iov[0].iov_len > 0);
	INVARIANT(iov[0].iov_len <= (size_t)(buf + size - b0));
	if (n == 1) {
		INVARIANT(iov[0].iov_len == want);
		return;
	}
	INVARIANT(b0 + iov[0].iov_len == buf + size);
	INVARIANT(iov[1].iov_base == buf);
	INVARIANT(iov[1].iov_len > 0);
	INVARIANT(iov[0].iov_len + iov[1].iov_len == want);
	/* Two pieces only when one cannot hold it. */
	INVARIANT(iov[1].iov_len < size);
}

static void check_counts(const struct ring *r, uint32_t size,
    const struct model *m)
{
	INVARIANT(ring_used(r) == m->len);
	INVARIANT(ring_room(r, size) == size - m->len);
	INVARIANT(ring_used(r) <= size);
}

/* Write n bytes through the free-space iovecs, in order; mirror in m. */
static void produce(struct ring *r, uint32_t size, struct model *m, uint32_t n)
{
	struct iovec iov[2];
	int k = ring_in_iov(r, size, iov), i;
	uint32_t left = n;

	check_split(r->buf, size, r->head, size - m->len, iov, k);
	for (i = 0; i < k && left > 0; i++) {
		unsigned char *p = iov[i].iov_base;
		size_t j, len = iov[i].iov_len < left ? iov[i].iov_len : left;

		for (j = 0; j < len; j++) {
			p[j] = pattern(m->next);
			m->q[m->len++] = pattern(m->next++);
		}
		left -= (uint32_t)len;
	}
	INVARIANT(left == 0);
	ring_produced(r, n);
}

/* Read n bytes through the data iovecs, in order; compare with m. */
static void consume(struct ring *r, uint32_t size, struct model *m, uint32_t n)
{
	struct iovec iov[2];
	int k = ring_out_iov(r, size, iov), i;
	uint32_t at = 0;

	check_split(r->buf, size, r->tail, m->len, iov, k);
	/* All the data, not only what is consumed, must be the model's. */
	for (i = 0; i < k; i++) {
		INVARIANT(memcmp(iov[i].iov_base, m->q + at,
		    iov[i].iov_len) == 0);
		at += (uint32_t)iov[i].iov_len;
	}
	INVARIANT(at == m->len);
	memmove(m->q, m->q + n, m->len - n);
	m->len -= n;
	ring_consumed(r, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t rsize, start, amount;
	struct model m = { 0 };
	unsigned char *buf;
	struct ring r;
	size_t i;

	if (size < 5)
		return 0;
	rsize = 1u << (data[0] % (MAX_SHIFT + 1));
	memcpy(&start, data + 1, sizeof start);
	buf = malloc(rsize);
	m.q = malloc(rsize);
	INVARIANT(buf != NULL && m.q != NULL);
	memset(buf, 0xa5, rsize);
	ring_init(&r, buf);
	INVARIANT(r.buf == buf && ring_used(&r) == 0);
	/* An empty ring at any counter value, e.g. just below the wrap. */
	r.head = r.tail = start;
	m.next = start;
	check_counts(&r, rsize, &m);

	for (i = 5; i + 3 <= size; i += 3) {
		uint8_t op = data[i];

		amount = (uint32_t)data[i + 1] | (uint32_t)data[i + 2] << 8;
		switch (op % 4) {
		case 0:		/* produce some of the room */
			produce(&r, rsize, &m, amount % (rsize - m.len + 1));
			break;
		case 1:		/* consume some of the data */
			consume(&r, rsize, &m, amount % (m.len + 1));
			break;
		case 2:		/* fill up, or drain, completely */
			if (op & 4)
				produce(&r, rsize, &m, rsize - m.len);
			else
				consume(&r, rsize, &m, m.len);
			break;
		case 3:		/* look only: the splits must not change */
			consume(&r, rsize, &m, 0);
			produce(&r, rsize, &m, 0);
			break;
		}
		check_counts(&r, rsize, &m);
		INVARIANT(r.head - r.tail == m.len);
		INVARIANT(r.head == m.next);
	}
	free(buf);
	free(m.q);
	return 0;
}
