/* SPDX-License-Identifier: ISC */
/*
 * mem: all fixed memory, sized and laid out in one place and mapped once
 * before the first client (and before any worker is forked). Each
 * process's share is a run of page-aligned parts, so that a part nobody
 * uses is never touched and shares never split a page.
 */
#ifndef MEM_H
#define MEM_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

enum {
	MEM_SLOTS,		/* slots x struct slot */
	MEM_CONNS,		/* slots x struct conn */
	MEM_RINGS,		/* slots x ring */
	MEM_UDP,		/* the UDP batch, with -U or -T */
	MEM_LIMIT,		/* the UDP limits' tables, with -U or -T */
	MEM_CAP,		/* per-source connection counts, with -C */
	MEM_METRICS,		/* the metrics connections, with -M */
	MEM_PARTS
};

/* What mem_plan lays out besides the slots. */
enum {
	MEM_WITH_UDP = 1 << 0,
	MEM_WITH_RATE = 1 << 1,	/* a per-source rate (-R) for UDP */
	MEM_WITH_CAP = 1 << 2,
	MEM_WITH_METRICS = 1 << 3,
};

struct mem {
	size_t page;
	size_t part[MEM_PARTS];	/* bytes, page-aligned; 0 when absent */
	size_t share;		/* one process's: its parts in order */
	unsigned procs;
	unsigned header;	/* bytes per slot besides its ring */
	unsigned char *base;
	void *shared;		/* with workers: one page they all share */
	size_t stats_size;	/* with -M: every process's counters, a page */
	struct stats_share *stats;	/* each, in one shared mapping */
};

/* The system's page size. */
size_t mem_page(void);
/*
 * Lay out procs shares of slots with rings of ring bytes (and the parts
 * with says, MEM_WITH_*) on pages of page bytes. Returns -1 if it would
 * not fit the address space.
 */
int mem_plan(struct mem *m, size_t page, uint32_t slots, uint32_t ring,
    int with, unsigned procs);
/* All shares' bytes, and the shared counters'. */
uint64_t mem_total(const struct mem *m);
/*
 * Map it, untouched, and with more than one process the shared page.
 * Returns 0, or -1 with errno set.
 */
int mem_map(struct mem *m);
/*
 * In worker proc: unmap the other shares, so that this process is charged
 * for its own share only (fork charges every private writable page).
 */
int mem_keep(const struct mem *m, unsigned proc);
/* Where part starts in process proc's share. */
void *mem_part(const struct mem *m, unsigned proc, int part);

#endif
