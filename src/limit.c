/* SPDX-License-Identifier: ISC */
/*
 * limit: set-associative tables; a new entry takes the way whose bucket
 * is fullest, since a full bucket is worth nothing: an evicted source
 * starts again with a full bucket, so a collision never costs anyone an
 * answer, and a busy table drops the idle before the throttled. A
 * payload seen once only marks the door, so traffic of ever new payloads
 * cannot push a loop's entry out of the repeat table.
 */
#include <stddef.h>
#include <string.h>

#include "limit.h"

#define SAMPLE 16	/* payload bytes hashed from each end */
#define SETS(table) (sizeof(table) / sizeof((table)[0]) / LIMIT_WAYS)

static const struct limit_rule repeat = {
	1, LOOP_MS, LOOP_BURST * LOOP_MS
};

size_t limit_memsize(unsigned rate)
{
	return rate ? sizeof(struct limit_tables) :
	    offsetof(struct limit_tables, source);
}

void limit_init(struct limit *l, void *mem, const struct hash_key *key,
    unsigned rate, unsigned burst)
{
	l->key = *key;
	l->t = mem;
	l->source.refill = rate;
	l->source.cost = 1000;
	l->source.cap = rate ? burst * 1000 : 0;
}

/* e's credit at now; an empty entry's is full. */
static uint32_t credit(const struct limit_rule *r, const struct limit_entry *e,
    uint32_t now)
{
	uint64_t c;

	if (e->tag == 0)
		return r->cap;
	c = e->credit + (uint64_t)(uint32_t)(now - e->last) * r->refill;
	return c < r->cap ? (uint32_t)c : r->cap;
}

/*
 * One answer's credit from h's bucket in table t (sets of LIMIT_WAYS);
 * 1 if there was enough. A new h takes the place of the fullest bucket,
 * starting full, unless it has a door and is not yet in it.
 */
static int take(const struct limit_rule *r, struct limit_entry *t,
    uint32_t sets, uint64_t h, uint32_t now, uint32_t *door)
{
	struct limit_entry *e = NULL;
	uint32_t c, most = 0;
	int i;

	t += (size_t)((uint32_t)h & (sets - 1)) * LIMIT_WAYS;
	for (i = 0; i < LIMIT_WAYS && e == NULL; i++)
		if (t[i].tag == (h | 1))
			e = &t[i];
	if (e == NULL) {
		if (door != NULL && *door != ((uint32_t)h | 1)) {
			*door = (uint32_t)h | 1;
			return 1;
		}
		for (i = 0; i < LIMIT_WAYS; i++)
			if ((c = credit(r, &t[i], now)) >= most) {
				most = c;
				e = &t[i];
			}
		e->tag = h | 1;
		e->credit = r->cap;
	}
	c = credit(r, e, now);
	e->last = now;
	e->credit = c >= r->cost ? c - r->cost : c;
	return c >= r->cost;
}

int limit_check(struct limit *l, const struct addr *a, unsigned port,
    const unsigned char *data, size_t len, uint32_t now)
{
	struct fingerprint {
		struct addr a;
		uint32_t port_len;
		unsigned char ends[2 * SAMPLE];
	} in;
	size_t n = len < SAMPLE ? len : SAMPLE;
	uint64_t h;

	/* Sender, length, and the ends of the payload, where counters sit. */
	in.a = *a;
	in.port_len = (uint32_t)port << 16 | (uint32_t)len;
	memcpy(in.ends, data, n);
	memcpy(in.ends + n, data + len - n, n);
	h = hash64(&l->key, &in, offsetof(struct fingerprint, ends) + 2 * n);
	if (!take(&repeat, l->t->repeat, SETS(l->t->repeat), h, now,
	    &l->t->door[(uint32_t)(h >> 32) & (LIMIT_DOOR - 1)]))
		return LIMIT_LOOP;
	if (l->source.cap != 0 && !take(&l->source, l->t->source,
	    SETS(l->t->source), hash64(&l->key, addr_key(a), ADDR_KEY), now,
	    NULL))
		return LIMIT_RATE;
	return LIMIT_OK;
}
