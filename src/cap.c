/* SPDX-License-Identifier: ISC */
/*
 * cap: one node per source with connections, chained from hash buckets
 * (as many as slots; the keyed hash keeps chains short whatever the
 * addresses). There are as many nodes as
 * slots, so a new source always finds one. Each slot remembers its node,
 * so a close needs no address: getpeername fails after a reset.
 */
#include <string.h>

#include "cap.h"

size_t cap_memsize(uint32_t slots)
{
	return (size_t)slots * (sizeof(struct cap_node) + 2 * sizeof(uint32_t));
}

void cap_init(struct cap *c, void *mem, uint32_t slots, uint32_t max,
    const struct hash_key *key)
{
	/* Nodes first: they have the strictest alignment. */
	c->node = mem;
	c->bucket = (uint32_t *)(void *)(c->node + slots);
	c->of_slot = c->bucket + slots;
	c->slots = slots;
	c->max = max;
	c->fresh = 0;
	c->free = 0;
	c->key = *key;
	/* A worker started again takes over memory its predecessor used. */
	memset(c->bucket, 0, 2 * (size_t)slots * sizeof(uint32_t));
}

static uint32_t *chain(const struct cap *c, const unsigned char *key)
{
	return &c->bucket[(uint32_t)hash64(&c->key, key, ADDR_KEY) % c->slots];
}

void cap_give(struct cap *c, uint32_t slot)
{
	uint32_t i = c->of_slot[slot], *at;
	struct cap_node *n;

	if (i == 0)
		return;
	c->of_slot[slot] = 0;
	n = &c->node[i - 1];
	if (--n->count > 0)
		return;
	for (at = chain(c, n->key); *at != i; at = &c->node[*at - 1].next)
		;
	*at = n->next;
	n->next = c->free;
	c->free = i;
}

int cap_take(struct cap *c, uint32_t slot, const struct addr *a)
{
	const unsigned char *key = addr_key(a);
	uint32_t *head, i;
	struct cap_node *n = NULL;

	head = chain(c, key);
	for (i = *head; i != 0; i = n->next) {
		n = &c->node[i - 1];
		if (memcmp(n->key, key, ADDR_KEY) == 0)
			break;
	}
	if (i == 0) {
		if ((i = c->free) != 0)
			c->free = c->node[i - 1].next;
		else
			i = ++c->fresh;
		n = &c->node[i - 1];
		memcpy(n->key, key, ADDR_KEY);
		n->count = 0;
		n->next = *head;
		*head = i;
	}
	if (n->count >= c->max)
		return -1;
	n->count++;
	c->of_slot[slot] = i;
	return 0;
}
