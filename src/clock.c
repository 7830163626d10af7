#include <sys/timex.h>

#include "clock.h"

uint64_t clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)(ts.tv_nsec / 1000000);
}

void clock_real(struct timespec *t)
{
	clock_gettime(CLOCK_REALTIME, t);
}

/* adjtimex with no modes only reads (no privilege needed). */
int clock_synced(uint64_t *err_us)
{
	struct timex tx = { .modes = 0 };
	int state = adjtimex(&tx);

	*err_us = CLOCK_UNKNOWN_US;
	if (state < 0)
		return 0;
	if (tx.maxerror > 0)
		*err_us = (uint64_t)tx.maxerror;
	return state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}
