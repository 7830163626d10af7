/* SPDX-License-Identifier: ISC */
/*
 * stats: shares are written by their own process only and read by any:
 * a sequence count (odd while writing) lets a reader retry a copy taken
 * in the middle of a write, so a 32-bit machine never shows a torn
 * counter. A writer killed mid-write leaves it odd; the next write mends
 * it, and a reader takes its last try as it is.
 */
#include <string.h>

#include "say.h"
#include "stats.h"

#define TRIES 4

const char stats_text[] = "accepted\0rejected_full\0rejected_fd\0timed_out\0"
    "bytes_in\0bytes_out\0bytes_dropped\0udp_in\0udp_out\0udp_dropped\0"
    "log_dropped\0rejected_cap\0rejected_allow\0udp_guarded\0udp_denied\0"
    "udp_looped\0udp_limited\0stamp_short\0connections\0slots\0"
    "memory_bytes\0";

void stats_line(char *buf, unsigned size, const struct stats *c,
    uint32_t active)
{
	unsigned long long v[STATS_COUNTERS];
	const char *name = stats_text;
	unsigned n = 0, i;

	/* Scripts read the line by position: active stays second. */
	memcpy(v, c, sizeof v);
	for (i = 0; i < STATS_COUNTERS; i++) {
		n += say_fmt(buf + n, size - n, i ? " %s %llu" : "%s %llu",
		    name, v[i]);
		if (i == 0)
			n += say_fmt(buf + n, size - n, " active %u", active);
		name += strlen(name) + 1;
	}
}

/*
 * A full memory barrier. ARMv5 has no barrier instruction; for it libgcc
 * would bring its 3.8 KB of __sync functions around the kernel's helper,
 * which this calls itself.
 */
static void barrier(void)
{
#if defined(__arm__) && __ARM_ARCH < 6
	((void (*)(void))0xffff0fa0)();		/* __kuser_memory_barrier */
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

void stats_publish(struct stats_share *s, const struct stats *c,
    uint32_t active)
{
	volatile uint32_t *gen = &s->gen;
	uint32_t odd = *gen | 1;

	*gen = odd;
	barrier();
	s->count = *c;
	s->active = active;
	barrier();
	*gen = odd + 1;
}

uint32_t stats_sum(const struct stats_share *s, unsigned n, struct stats *sum)
{
	unsigned long long v[STATS_COUNTERS], total[STATS_COUNTERS] = { 0 };
	uint32_t active = 0, gen, a;
	unsigned i, k, t;

	for (i = 0; i < n; i++, s++) {
		const volatile uint32_t *g = &s->gen;

		for (t = 0; t < TRIES; t++) {
			gen = *g;
			barrier();
			memcpy(v, &s->count, sizeof v);
			a = s->active;
			barrier();
			if (!(gen & 1) && *g == gen)
				break;
		}
		for (k = 0; k < STATS_COUNTERS; k++)
			total[k] += v[k];
		active += a;
	}
	memcpy(sum, total, sizeof total);
	return active;
}
