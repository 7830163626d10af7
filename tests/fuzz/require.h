/*
 * require: a broken invariant in a fuzz target says which, then aborts
 * so that libFuzzer keeps the input.
 */
#ifndef REQUIRE_H
#define REQUIRE_H

#include <stdio.h>
#include <stdlib.h>

#define REQUIRE(c) do { \
	if (!(c)) { \
		fprintf(stderr, "invariant failed: %s:%d: %s\n", __FILE__, \
		    __LINE__, #c); \
		abort(); \
	} \
} while (0)

#endif
