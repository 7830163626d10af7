/* clock: milliseconds of CLOCK_MONOTONIC, for timeouts and back-offs. */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

uint64_t clock_ms(void);

#endif
