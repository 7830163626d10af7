/* SPDX-License-Identifier: ISC */
/*
 * limit: token buckets for UDP, in fixed tables indexed by the keyed
 * hash of what they count (hash.h), so no peer can aim at another's.
 *  - Per source (IPv4 /32, IPv6 /64), -R RATE/BURST: a flood, or a fast
 *    loop, from one source is cut to RATE datagrams a second.
 *  - Per sender and payload, for loops too slow for any rate: a loop
 *    repeats one payload between the same two ports; a client rarely
 *    does, and not fast. The same payload from the same address and port
 *    is answered LOOP_BURST times in a row, then once per LOOP_MS.
 */
#ifndef LIMIT_H
#define LIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "hash.h"

#define LIMIT_WAYS 4		/* entries per set: one cache line */
#define LIMIT_SOURCES 1024	/* entries of the per-source table */
#define LIMIT_REPEATS 1024	/* entries of the repeat table */
#define LIMIT_DOOR 4096		/* payloads seen once, direct-mapped */
#define LOOP_MS 800
#define LOOP_BURST 8

struct limit_entry {
	uint64_t tag;		/* hash | 1; 0: empty */
	uint32_t last;		/* ms */
	uint32_t credit;	/* 1000 a token (LOOP_MS a repeat) */
};

/* The fixed memory, laid out once. */
struct limit_tables {
	struct limit_entry repeat[LIMIT_REPEATS];
	uint32_t door[LIMIT_DOOR];		/* tags of payloads seen once */
	struct limit_entry source[LIMIT_SOURCES];	/* only with a rate */
};

/* How a table's buckets fill and empty, in credit. */
struct limit_rule {
	uint32_t refill;	/* a millisecond */
	uint32_t cost;		/* an answer */
	uint32_t cap;		/* the burst; 0: no limit */
};

struct limit {
	struct hash_key key;
	struct limit_tables *t;
	struct limit_rule source;
};

/* Bytes of fixed memory; without a rate, no per-source table. */
size_t limit_memsize(unsigned rate);
/* rate datagrams a second per source, burst at once; rate 0: no limit. */
void limit_init(struct limit *l, void *mem, const struct hash_key *key,
    unsigned rate, unsigned burst);
enum { LIMIT_OK, LIMIT_LOOP, LIMIT_RATE };

/*
 * May the datagram of len bytes at data from a, port be answered at now
 * (ms)? LIMIT_LOOP if the payload repeats like a loop (checked first, so
 * a loop does not spend its sender's rate), LIMIT_RATE if a is over its
 * rate, else LIMIT_OK. data is not NULL even if len is 0.
 */
int limit_check(struct limit *l, const struct addr *a, unsigned port,
    const unsigned char *data, size_t len, uint32_t now);

#endif
