/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "slots.h"

#define N 8

static struct slots t;
static struct slot mem[N];

static void setup(void)
{
	memset(mem, 0xa5, sizeof mem);	/* slots_init must not rely on zeroes */
	slots_init(&t, mem, N);
}

static void take_all_then_full(void)
{
	struct slot *s[N];
	int i, distinct = 1;

	setup();
	for (i = 0; i < N; i++) {
		s[i] = slot_take(&t, 100);
		CHECK(s[i] != NULL && s[i]->used && s[i]->fd == -1);
	}
	CHECK(slot_take(&t, 100) == NULL);
	CHECK(t.used == N);
	for (i = 1; i < N; i++)
		if (s[i] == s[i - 1])
			distinct = 0;
	CHECK(distinct);
	slot_give(&t, s[3]);
	CHECK(t.used == N - 1 && !s[3]->used);
	CHECK(slot_take(&t, 100) == s[3]);
}

/* Reuse bumps the generation. */
static void reuse(void)
{
	struct slot *a, *b;
	uint32_t gen;

	setup();
	a = slot_take(&t, 0);
	gen = a->gen;
	a->fd = 7;
	slot_give(&t, a);
	b = slot_take(&t, 0);
	CHECK(b == a);
	CHECK(b->gen != gen);
	CHECK(b->used);
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

/* Fresh slots are handed out in order, without touching the rest. */
static void lazy(void)
{
	setup();
	CHECK(slot_take(&t, 0) == &t.slot[0]);
	CHECK(t.fresh == 1);
	CHECK(mem[1].gen == 0xa5a5a5a5u);
}

void test_slots(void)
{
	take_all_then_full();
	reuse();
	idle_order();
	lazy();
}
