/* SPDX-License-Identifier: ISC */
/*
 * cap: connections per source (IPv4 /32, IPv6 /64) for -C, counted in
 * fixed memory, O(1) at accept and close.
 */
#ifndef CAP_H
#define CAP_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "hash.h"

struct cap_node {
	unsigned char key[ADDR_KEY];
	uint32_t count;
	uint32_t next;		/* node + 1 in the same chain; 0: the end */
};

struct cap {
	uint32_t max;		/* -C */
	uint32_t slots;		/* and as many buckets */
	uint32_t fresh;		/* nodes from here on were never used */
	uint32_t free;		/* node + 1, chained through next */
	uint32_t *bucket;	/* node + 1; 0: empty */
	uint32_t *of_slot;	/* the node a slot counts in, + 1; 0: none */
	struct cap_node *node;
	struct hash_key key;
};

/* Bytes of fixed memory for slots slots. */
size_t cap_memsize(uint32_t slots);
void cap_init(struct cap *c, void *mem, uint32_t slots, uint32_t max,
    const struct hash_key *key);
/* Count the connection in slot from a; -1 if a has max already. */
int cap_take(struct cap *c, uint32_t slot, const struct addr *a);
/* The connection in slot has gone (nothing if it was not counted). */
void cap_give(struct cap *c, uint32_t slot);

#endif
