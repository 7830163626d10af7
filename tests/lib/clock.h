/* SPDX-License-Identifier: ISC */
/*
 * clock: monotonic seconds, naps and deadlines. Every deadline is
 * stretched by clock_scale, for slow machines and emulators (itest -T,
 * the guest's echod_factor); naps are not.
 */
#ifndef LIB_CLOCK_H
#define LIB_CLOCK_H

extern double clock_scale;	/* 1 unless the program sets it */

double now(void);		/* CLOCK_MONOTONIC, in seconds */
void nap(double secs);
double deadline(double secs);	/* now() + secs * clock_scale */
int ms_until(double end);	/* a poll timeout that ends at end, >= 0 */

#endif
