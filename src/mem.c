/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#include "cap.h"
#include "conn.h"
#include "limit.h"
#include "mem.h"
#include "metrics.h"
#include "slots.h"
#include "udp.h"
#include "sys.h"

size_t mem_page(void)
{
	unsigned long page = getauxval(AT_PAGESZ);

	return page != 0 ? (size_t)page : 4096;
}

/* In 64 bits, so that a 32-bit machine can tell it would not fit. */
static uint64_t page_up(uint64_t n, size_t page)
{
	return (n + page - 1) & ~(uint64_t)(page - 1);
}

int mem_plan(struct mem *m, size_t page, uint32_t slots, uint32_t ring,
    int with, unsigned procs)
{
	uint64_t part[MEM_PARTS], share = 0;
	int i;

	m->page = page;
	m->procs = procs;
	m->header = sizeof(struct slot) + sizeof(struct conn);
	m->base = NULL;
	m->shared = NULL;
	part[MEM_SLOTS] = (uint64_t)slots * sizeof(struct slot);
	part[MEM_CONNS] = (uint64_t)slots * sizeof(struct conn);
	part[MEM_RINGS] = (uint64_t)slots * ring;
	part[MEM_UDP] = with & MEM_WITH_UDP ? udp_memsize() : 0;
	part[MEM_LIMIT] = with & MEM_WITH_UDP ?
	    limit_memsize(with & MEM_WITH_RATE) : 0;
	part[MEM_CAP] = with & MEM_WITH_CAP ? cap_memsize(slots) : 0;
	part[MEM_METRICS] = with & MEM_WITH_METRICS ? sizeof(struct metrics) : 0;
	m->stats = NULL;
	/* A page per process, so that each process's share is exact. */
	m->stats_size = with & MEM_WITH_METRICS ? page * procs : 0;
	for (i = 0; i < MEM_PARTS; i++)
		share += part[i] = page_up(part[i], page);
	if (share * procs > SIZE_MAX / 2)
		return -1;
	for (i = 0; i < MEM_PARTS; i++)
		m->part[i] = (size_t)part[i];
	m->share = (size_t)share;
	return 0;
}

uint64_t mem_total(const struct mem *m)
{
	return (uint64_t)m->share * m->procs + m->stats_size;
}

int mem_map(struct mem *m)
{
	size_t size = m->share * m->procs;
	void *p;

	if (m->stats_size > 0) {
		p = sys_mmap(m->stats_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS);
		if (p == MAP_FAILED)
			return -1;
		m->stats = p;
	}
	p = sys_mmap(size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS);
	if (p == MAP_FAILED)
		return -1;
	m->base = p;
	/*
	 * With transparent huge pages set to "always" (Debian's default), one
	 * touched ring could make 2 MB resident; RSS should follow use.
	 * Kernels without THP say EINVAL, which is fine.
	 */
	if (madvise(p, size, MADV_NOHUGEPAGE) < 0 && errno != EINVAL)
		return -1;
	if (m->procs < 2)
		return 0;
	p = sys_mmap(m->page, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS);
	if (p == MAP_FAILED)
		return -1;
	m->shared = p;
	return 0;
}

int mem_keep(const struct mem *m, unsigned proc)
{
	size_t before = m->share * proc;
	size_t after = m->share * (m->procs - proc - 1);

	if (before > 0 && munmap(m->base, before) < 0)
		return -1;
	if (after > 0 && munmap(m->base + before + m->share, after) < 0)
		return -1;
	return 0;
}

void *mem_part(const struct mem *m, unsigned proc, int part)
{
	size_t at = m->share * proc;
	int i;

	for (i = 0; i < part; i++)
		at += m->part[i];
	return m->base + at;
}
