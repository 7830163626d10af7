/* SPDX-License-Identifier: ISC */
/* ring: a power-of-two byte ring with free-running head and tail. */
#ifndef RING_H
#define RING_H

#include <stdint.h>
#include <sys/uio.h>

/*
 * head counts bytes ever produced, tail bytes ever consumed; both wrap at
 * 2^32, so used = head - tail holds for any size up to 2^31.
 */
struct ring {
	unsigned char *buf;
	uint32_t head, tail;
};

void ring_init(struct ring *r, unsigned char *buf);
uint32_t ring_used(const struct ring *r);
uint32_t ring_room(const struct ring *r, uint32_t size);
/* Free space as up to two iovecs (for readv); returns how many, 0 if full. */
int ring_in_iov(const struct ring *r, uint32_t size, struct iovec iov[2]);
/* Stored data as up to two iovecs (for writev); returns how many. */
int ring_out_iov(const struct ring *r, uint32_t size, struct iovec iov[2]);
void ring_produced(struct ring *r, uint32_t n);
void ring_consumed(struct ring *r, uint32_t n);

#endif
