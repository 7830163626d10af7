/* SPDX-License-Identifier: ISC */
/*
 * ring: no copies at wrap-around, the caller gets the one or two contiguous
 * pieces as iovecs. The size lives in the slot table, not in each ring,
 * since every ring has the same size.
 */
#include "ring.h"

void ring_init(struct ring *r, unsigned char *buf)
{
	r->buf = buf;
	r->head = 0;
	r->tail = 0;
}

uint32_t ring_used(const struct ring *r)
{
	return r->head - r->tail;
}

uint32_t ring_room(const struct ring *r, uint32_t size)
{
	return size - ring_used(r);
}

/* Split [pos, pos + len) of the ring's circle into contiguous pieces. */
static int split(unsigned char *buf, uint32_t size, uint32_t pos, uint32_t len,
    struct iovec iov[2])
{
	uint32_t off = pos & (size - 1);
	uint32_t first = size - off;

	if (len == 0)
		return 0;
	iov[0].iov_base = buf + off;
	if (len <= first) {
		iov[0].iov_len = len;
		return 1;
	}
	iov[0].iov_len = first;
	iov[1].iov_base = buf;
	iov[1].iov_len = len - first;
	return 2;
}

int ring_in_iov(const struct ring *r, uint32_t size, struct iovec iov[2])
{
	return split(r->buf, size, r->head, ring_room(r, size), iov);
}

int ring_out_iov(const struct ring *r, uint32_t size, struct iovec iov[2])
{
	return split(r->buf, size, r->tail, ring_used(r), iov);
}

void ring_produced(struct ring *r, uint32_t n)
{
	r->head += n;
}

void ring_consumed(struct ring *r, uint32_t n)
{
	r->tail += n;
}
