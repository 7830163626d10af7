#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "slots.h"

#define N 8
#define RING 64

static struct slots t;
static void *mem;

static void setup(void)
{
	size_t size = (size_t)slots_memsize(N, RING);

	free(mem);
	if (posix_memalign(&mem, 4096, size) != 0)
		abort();
	memset(mem, 0xa5, size);	/* slots_init must not rely on zeroes */
	slots_init(&t, mem, N, RING);
}

static void take_all_then_full(void)
{
	struct slot *s[N];
	int i, distinct = 1;

	setup();
	for (i = 0; i < N; i++) {
		s[i] = slot_take(&t, 100);
		CHECK(s[i] != NULL);
	}
	CHECK(slot_take(&t, 100) == NULL);
	CHECK(t.used == N);
	for (i = 1; i < N; i++)
		if (s[i] == s[i - 1] || s[i]->ring.buf == s[i - 1]->ring.buf)
			distinct = 0;
	CHECK(distinct);
	/* Each ring lies inside the block, after the headers. */
	CHECK(s[N - 1]->ring.buf + RING <= (unsigned char *)mem + slots_memsize(N, RING));
	CHECK((unsigned char *)(t.slot + N) <= s[0]->ring.buf);
	slot_give(&t, s[3]);
	CHECK(t.used == N - 1);
	CHECK(slot_take(&t, 100) == s[3]);
}

/* Reuse bumps the generation, and the ring comes back empty. */
static void reuse(void)
{
	struct slot *a, *b;
	uint32_t gen;

	setup();
	a = slot_take(&t, 0);
	gen = a->gen;
	ring_produced(&a->ring, 10);
	a->flags |= SLOT_EOF | SLOT_QUEUED;
	slot_give(&t, a);
	b = slot_take(&t, 0);
	CHECK(b == a);
	CHECK(b->gen != gen);
	CHECK(ring_used(&b->ring) == 0);
	CHECK(b->flags == (SLOT_USED | SLOT_QUEUED));
	CHECK(b->fd == -1);
}

/* The idle list keeps least recently active first. */
static void idle_order(void)
{
	struct slot *a, *b, *c;

	setup();
	CHECK(slots_oldest(&t) == NULL);
	a = slot_take(&t, 1);
	b = slot_take(&t, 2);
	c = slot_take(&t, 3);
	CHECK(slots_oldest(&t) == a);
	slot_touch(&t, a, 4);
	CHECK(slots_oldest(&t) == b);
	slot_touch(&t, c, 5);		/* middle to the end */
	CHECK(slots_oldest(&t) == b);
	slot_give(&t, b);
	CHECK(slots_oldest(&t) == a && a->last == 4);
	slot_give(&t, a);
	CHECK(slots_oldest(&t) == c);
	slot_touch(&t, c, 6);		/* already newest */
	CHECK(slots_oldest(&t) == c && c->last == 6);
	slot_give(&t, c);
	CHECK(slots_oldest(&t) == NULL && t.used == 0);
}

/* Fresh slots are handed out without touching the rest of the table. */
static void lazy(void)
{
	setup();
	CHECK(slot_take(&t, 0) == &t.slot[0]);
	CHECK(t.fresh == 1);
	CHECK(slots_memsize(N, RING) == 4096 + N * RING);
	CHECK(slots_memsize(1u << 20, 1u << 24) > (uint64_t)UINT32_MAX);
}

void test_slots(void)
{
	take_all_then_full();
	reuse();
	idle_order();
	lazy();
	free(mem);
	mem = NULL;
}
