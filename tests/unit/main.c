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
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed != 0;
}
