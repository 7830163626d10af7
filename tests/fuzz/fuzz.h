/* fuzz: what the libFuzzer targets share. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdio.h>
#include <stdlib.h>

/* A broken invariant: say which, then abort so libFuzzer keeps the input. */
#define REQUIRE(c) do { \
	if (!(c)) { \
		fprintf(stderr, "invariant failed: %s:%d: %s\n", __FILE__, \
		    __LINE__, #c); \
		abort(); \
	} \
} while (0)

#endif
