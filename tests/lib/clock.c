/* SPDX-License-Identifier: ISC */
/* clock: monotonic seconds, naps and deadlines. */
#include <errno.h>
#include <time.h>

#include "clock.h"

double clock_scale = 1;

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void nap(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

double deadline(double secs)
{
	return now() + secs * clock_scale;
}

int ms_until(double end)
{
	double left = end - now();

	return left > 0 ? (int)(left * 1000) + 1 : 0;
}
