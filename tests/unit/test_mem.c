/* SPDX-License-Identifier: ISC */
#include "check.h"
#include "conn.h"
#include "mem.h"
#include "slots.h"

/* Every part page-aligned, on 4 KiB and 64 KiB pages alike. */
static void aligned(size_t page)
{
	struct mem m;
	int i;

	CHECK(mem_plan(&m, page, 3, 64,
	    MEM_WITH_UDP | MEM_WITH_RATE | MEM_WITH_CAP | MEM_WITH_METRICS, 2) == 0);
	for (i = 0; i < MEM_PARTS; i++)
		CHECK(m.part[i] % page == 0 && m.part[i] > 0);
	CHECK(m.share % page == 0);
	/* With -M, every process's counters in one shared mapping. */
	CHECK(m.stats_size == 2 * page);
	CHECK(mem_total(&m) == (uint64_t)(m.share + page) * 2);
	CHECK(m.header == sizeof(struct slot) + sizeof(struct conn));
}

/* At the defaults the formula is exact: slots x (ring + header). */
static void defaults(void)
{
	struct mem m;

	CHECK(mem_plan(&m, 4096, 1024, 4096, 0, 1) == 0);
	CHECK(m.part[MEM_UDP] == 0 && m.part[MEM_LIMIT] == 0);
	CHECK(m.part[MEM_CAP] == 0);
	CHECK(m.part[MEM_METRICS] == 0 && m.stats_size == 0);
	CHECK(mem_total(&m) == 1024ull * (4096 + m.header));
}

/* Shares follow each other; parts follow each other in a share. */
static void parts(void)
{
	static unsigned char block[1 << 20];
	struct mem m;

	CHECK(mem_plan(&m, 4096, 10, 128, MEM_WITH_UDP | MEM_WITH_CAP, 3) == 0);
	CHECK(mem_total(&m) <= sizeof block);
	m.base = block;
	CHECK((unsigned char *)mem_part(&m, 0, MEM_SLOTS) == m.base);
	CHECK((unsigned char *)mem_part(&m, 2, MEM_SLOTS) == m.base + 2 * m.share);
	CHECK((unsigned char *)mem_part(&m, 1, MEM_RINGS) ==
	    m.base + m.share + m.part[MEM_SLOTS] + m.part[MEM_CONNS]);
	CHECK((unsigned char *)mem_part(&m, 2, MEM_CAP) ==
	    m.base + 3 * m.share - m.part[MEM_CAP]);
	/* Without -R, no per-source table; without -C, no counts. */
	CHECK(m.part[MEM_LIMIT] > 0 && m.part[MEM_CAP] > 0);
	CHECK(m.part[MEM_LIMIT] < m.share);
}

static void too_big(void)
{
	struct mem m;

	CHECK(mem_plan(&m, 4096, 1u << 20, 1u << 24, MEM_WITH_UDP, 64) ==
	    (sizeof(size_t) > 4 ? 0 : -1));
}

void test_mem(void)
{
	aligned(4096);
	aligned(65536);
	defaults();
	parts();
	too_big();
}
