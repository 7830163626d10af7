/* SPDX-License-Identifier: ISC */
/* check: the smallest test harness. Counts checks; main prints the tally. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

extern int check_passed, check_failed;

#define CHECK(cond) do { \
	if (cond) { \
		check_passed++; \
	} else { \
		check_failed++; \
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

void test_ring(void);
void test_slots(void);
void test_mem(void);
void test_options(void);
void test_xform(void);
void test_say(void);
void test_hash(void);
void test_addr(void);
void test_guard(void);
void test_limit(void);
void test_cap(void);
void test_stamp(void);
void test_http(void);

#endif
