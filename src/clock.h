/* SPDX-License-Identifier: ISC */
/*
 * clock: milliseconds of CLOCK_MONOTONIC, for timeouts and back-offs;
 * CLOCK_REALTIME and how far to trust it, for measurements.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>
#include <time.h>

#define CLOCK_UNKNOWN_US 16000000u	/* the kernel's largest error, 16 s */

uint64_t clock_ms(void);
void clock_real(struct timespec *t);
/*
 * 1 if the kernel says an NTP daemon keeps the clock synchronized, else
 * 0; *err_us gets its maximum error (CLOCK_UNKNOWN_US if it cannot say).
 */
int clock_synced(uint64_t *err_us);

#endif
