/* SPDX-License-Identifier: ISC */
/* rand: splitmix64. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rand.h"

static uint64_t state = 0x9e3779b97f4a7c15ull;

uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void rand_seed(uint64_t seed)
{
	state = mix(seed);
}

uint64_t rnd(void)
{
	return mix(state++);
}

size_t between(size_t lo, size_t hi)
{
	return lo + (size_t)(rnd() % (hi - lo + 1));
}

unsigned char *random_bytes(size_t n)
{
	unsigned char *b = malloc(n ? n : 1);
	uint64_t w;
	size_t i;

	if (b == NULL) {
		fprintf(stderr, "out of memory for %zu random bytes\n", n);
		exit(3);
	}
	for (i = 0; i < n; i += sizeof w) {
		w = rnd();
		memcpy(b + i, &w, n - i < sizeof w ? n - i : sizeof w);
	}
	return b;
}
