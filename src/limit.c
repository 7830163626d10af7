/*
 * limit: set-associative tables; a new entry takes the way whose bucket
 * is fullest, since a full bucket is worth nothing: an evicted source
 * starts again with a full bucket, so a collision never costs anyone an
 * answer, and a busy table drops the idle before the throttled. A
 * payload seen once only marks the door, so traffic of ever new payloads
 * cannot push a loop's entry out of the repeat table.
 */
#include <string.h>

#include "limit.h"

#define SAMPLE 16	/* payload bytes hashed from each end */

static size_t bytes(unsigned entries)
{
	return (size_t)entries * sizeof(struct limit_entry);
}

size_t limit_memsize(unsigned rate)
{
	return (rate ? bytes(LIMIT_SOURCES) : 0) + bytes(LIMIT_REPEATS) +
	    LIMIT_DOOR * sizeof(uint32_t);
}

static unsigned char *table(struct limit_table *t, unsigned char *mem,
    unsigned entries)
{
	t->e = (struct limit_entry *)(void *)mem;
	t->mask = entries / LIMIT_WAYS - 1;
	return mem + bytes(entries);
}

void limit_init(struct limit *l, void *mem, const struct hash_key *key,
    unsigned rate, unsigned burst)
{
	unsigned char *at = mem;

	l->key = *key;
	l->source.cap = 0;
	if (rate) {
		at = table(&l->source, at, LIMIT_SOURCES);
		l->source.refill = rate;
		l->source.cost = 1000;
		l->source.cap = burst * 1000;
	}
	at = table(&l->repeat, at, LIMIT_REPEATS);
	l->repeat.refill = 1;
	l->repeat.cost = LOOP_MS;
	l->repeat.cap = LOOP_BURST * LOOP_MS;
	l->door = (uint32_t *)(void *)at;
}

/* e's credit at now; an empty entry's is full. */
static uint32_t credit(const struct limit_table *t, const struct limit_entry *e,
    uint32_t now)
{
	uint64_t c;

	if (e->tag == 0)
		return t->cap;
	c = e->credit + (uint64_t)(uint32_t)(now - e->last) * t->refill;
	return c < t->cap ? (uint32_t)c : t->cap;
}

static struct limit_entry *find(const struct limit_table *t, uint64_t h)
{
	struct limit_entry *set = t->e + ((uint32_t)h & t->mask) * LIMIT_WAYS;
	int i;

	for (i = 0; i < LIMIT_WAYS; i++)
		if (set[i].tag == (h | 1))
			return &set[i];
	return NULL;
}

/* A new entry for h, with a full bucket, in place of the fullest. */
static struct limit_entry *add(const struct limit_table *t, uint64_t h,
    uint32_t now)
{
	struct limit_entry *set = t->e + ((uint32_t)h & t->mask) * LIMIT_WAYS;
	struct limit_entry *e = set;
	uint32_t c, most = 0;
	int i;

	for (i = 0; i < LIMIT_WAYS; i++)
		if ((c = credit(t, &set[i], now)) >= most) {
			most = c;
			e = &set[i];
		}
	e->tag = h | 1;
	e->credit = t->cap;
	e->last = now;
	return e;
}

/* Take one answer's credit from e: 1 if there was enough. */
static int spend(const struct limit_table *t, struct limit_entry *e,
    uint32_t now)
{
	uint32_t c = credit(t, e, now);

	e->last = now;
	e->credit = c >= t->cost ? c - t->cost : c;
	return c >= t->cost;
}

int limit_source(struct limit *l, const struct addr *a, uint32_t now)
{
	unsigned char key[ADDR_KEY];
	struct limit_entry *e;
	uint64_t h;

	if (l->source.cap == 0)
		return 1;
	addr_key(a, key);
	h = hash64(&l->key, key, sizeof key);
	if ((e = find(&l->source, h)) == NULL)
		e = add(&l->source, h, now);
	return spend(&l->source, e, now);
}

int limit_repeat(struct limit *l, const struct addr *a, unsigned port,
    const unsigned char *data, size_t len, uint32_t now)
{
	unsigned char in[22 + 2 * SAMPLE];
	size_t n = len < SAMPLE ? len : SAMPLE;
	struct limit_entry *e;
	uint32_t *door;
	uint64_t h;

	/* Sender, length, and the ends of the payload, where counters sit. */
	memcpy(in, a->b, 16);
	in[16] = (unsigned char)a->v4;
	in[17] = (unsigned char)(port >> 8);
	in[18] = (unsigned char)port;
	in[19] = (unsigned char)(len >> 16);
	in[20] = (unsigned char)(len >> 8);
	in[21] = (unsigned char)len;
	memcpy(in + 22, data, n);
	memcpy(in + 22 + n, data + len - n, n);
	h = hash64(&l->key, in, 22 + 2 * n);
	if ((e = find(&l->repeat, h)) == NULL) {
		door = &l->door[(uint32_t)(h >> 32) & (LIMIT_DOOR - 1)];
		if (*door != ((uint32_t)h | 1)) {
			*door = (uint32_t)h | 1;
			return 1;
		}
		e = add(&l->repeat, h, now);
	}
	return spend(&l->repeat, e, now);
}
