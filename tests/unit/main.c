/* SPDX-License-Identifier: ISC */
#include "check.h"

int check_passed, check_failed;

int main(void)
{
	test_ring();
	test_slots();
	test_mem();
	test_options();
	test_xform();
	test_say();
	test_hash();
	test_addr();
	test_guard();
	test_limit();
	test_cap();
	test_stamp();
	test_http();
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed != 0;
}
