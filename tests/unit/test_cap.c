/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "check.h"

#define SLOTS 64

static unsigned char mem[16384];
static struct cap c;
static const struct hash_key key = { { 1, 2 } };

static struct addr host(unsigned n)
{
	unsigned char b[4] = { 10, 0, (unsigned char)(n >> 8), (unsigned char)n };
	struct addr a;

	addr_set(&a, 1, b);
	return a;
}

static void basics(void)
{
	struct addr a = host(1), b = host(2);
	struct addr v6 = { .b = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 1 } };
	unsigned i;

	CHECK(cap_memsize(SLOTS) <= sizeof mem);
	memset(mem, 0xa5, sizeof mem);	/* a predecessor's leftovers */
	cap_init(&c, mem, SLOTS, 3, &key);
	CHECK(cap_take(&c, 0, &a) == 0);
	CHECK(cap_take(&c, 1, &a) == 0);
	CHECK(cap_take(&c, 2, &a) == 0);
	CHECK(cap_take(&c, 3, &a) < 0);
	CHECK(cap_take(&c, 3, &b) == 0);
	cap_give(&c, 1);
	CHECK(cap_take(&c, 1, &a) == 0);
	CHECK(cap_take(&c, 4, &a) < 0);
	/* A slot not counted gives nothing back. */
	cap_give(&c, 4);
	cap_give(&c, 50);
	CHECK(cap_take(&c, 4, &a) < 0);
	/* IPv6 counts by /64. */
	for (i = 10; i < 13; i++) {
		v6.b[15] = (unsigned char)i;
		CHECK(cap_take(&c, i, &v6) == 0);
	}
	v6.b[8] = 7;
	CHECK(cap_take(&c, 13, &v6) < 0);
	v6.b[7] = 1;
	CHECK(cap_take(&c, 13, &v6) == 0);
}

/* Against a plain model: every slot in turn taken and given, at random. */
static void model(void)
{
	unsigned owner[SLOTS], count[40] = { 0 }, i, step, s, h;
	int used[SLOTS] = { 0 };
	struct addr a;

	cap_init(&c, mem, SLOTS, 4, &key);
	srand(7);
	for (step = 0; step < 200000; step++) {
		s = (unsigned)rand() % SLOTS;
		if (used[s]) {
			cap_give(&c, s);
			count[owner[s]]--;
			used[s] = 0;
			continue;
		}
		h = (unsigned)rand() % 40;
		a = host(h);
		i = (unsigned)cap_take(&c, s, &a);
		if (count[h] >= 4) {
			CHECK(i != 0);
			continue;
		}
		CHECK(i == 0);
		count[h]++;
		owner[s] = h;
		used[s] = 1;
	}
	/* All given back: every source may have its full count again. */
	for (s = 0; s < SLOTS; s++)
		if (used[s])
			cap_give(&c, s);
	for (s = 0; s < SLOTS; s++) {
		a = host(s / 4);
		CHECK(cap_take(&c, s, &a) == 0);
	}
}

void test_cap(void)
{
	basics();
	model();
}
