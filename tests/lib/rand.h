/* SPDX-License-Identifier: ISC */
/*
 * rand: one seeded pseudo-random stream (splitmix64), so that a run can
 * be repeated, and mix(), its step, as a hash for derived seeds.
 */
#ifndef LIB_RAND_H
#define LIB_RAND_H

#include <stddef.h>
#include <stdint.h>

uint64_t mix(uint64_t x);
void rand_seed(uint64_t seed);
uint64_t rnd(void);
size_t between(size_t lo, size_t hi);	/* in [lo, hi] */
/* n random bytes in a new allocation; exits if there is no memory. */
unsigned char *random_bytes(size_t n);

#endif
