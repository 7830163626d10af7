/* SPDX-License-Identifier: ISC */
/*
 * metrics: Prometheus's text format (0.0.4) over HTTP/1.1 on a few fixed
 * connections, each answered in one send and closed. The loop accepts
 * and registers them; this module reads, answers and closes them.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

#define METRICS_CONNS 4		/* scrapes at once; more are closed */
#define METRICS_IN 2048		/* a longer request header gets 431 */
#define METRICS_OUT 8192	/* the answer */
#define METRICS_HEAD 256	/* of which its head at most */
#define METRICS_MS 5000		/* a scraper has this long to ask */

struct metrics_conn {
	int fd;			/* -1: free */
	uint32_t since;		/* accepted, milliseconds */
	uint32_t have;
	char in[METRICS_IN];
};

struct metrics {
	struct metrics_conn conn[METRICS_CONNS];
	const struct stats_share *share;	/* every process's counters */
	unsigned procs;
	unsigned long long slots, memory;	/* gauges fixed at start */
	char out[METRICS_OUT];
};

void metrics_init(struct metrics *m);
/* Take accepted connection fd; its index, or -1 (then it is closed). */
int metrics_take(struct metrics *m, int fd, uint32_t now);
/* Read what connection i sent; answer and close it once it asked. */
void metrics_serve(struct metrics *m, unsigned i);
/* Close connections older than METRICS_MS; 1 if any stays open. */
int metrics_sweep(struct metrics *m, uint32_t now);

#endif
