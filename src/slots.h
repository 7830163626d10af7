/* slots: the fixed connection table, its free list and its idle list. */
#ifndef SLOTS_H
#define SLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "ring.h"

#define SLOT_NIL UINT32_MAX

/* Slot flags, owned by the event loop except SLOT_USED. */
enum {
	SLOT_USED = 1 << 0,	/* holds a connection */
	SLOT_IN = 1 << 1,	/* EPOLLIN is armed */
	SLOT_OUT = 1 << 2,	/* EPOLLOUT is armed */
	SLOT_EOF = 1 << 3,	/* the peer sent FIN */
	SLOT_LINE = 1 << 4,	/* capitalize: the next byte starts a line */
	SLOT_MORE = 1 << 5,	/* edge mode: the socket may hold unread data */
	SLOT_QUEUED = 1 << 6,	/* on the loop's again list; survives reuse */
	SLOT_RDHUP = 1 << 7,	/* edge mode: FIN arrived, read on to EOF */
	SLOT_BULK = 1 << 8,	/* the last read filled the ring: relay */
	SLOT_HELD = 1 << 9,	/* relayed data waits in the socket for room */
};

struct slot {
	struct ring ring;
	int fd;
	uint32_t gen;		/* bumped on every take; tags epoll events */
	uint32_t prev, next;	/* idle list (in use) or free list (free) */
	uint32_t again;		/* the loop's again list */
	uint32_t last;		/* last activity, milliseconds */
	uint32_t flags;
};

struct slots {
	struct slot *slot;
	unsigned char *rings;
	uint32_t n, ring_size;
	uint32_t used;
	uint32_t fresh;		/* slots from here on were never used */
	uint32_t free;		/* free list of slots given back */
	uint32_t oldest, newest;	/* idle list, least recently active first */
};

/* Bytes of memory slots_init needs for n slots with rings of ring_size. */
uint64_t slots_memsize(uint32_t n, uint32_t ring_size);
/* mem must be page-aligned; its pages are not touched until used. */
void slots_init(struct slots *t, void *mem, uint32_t n, uint32_t ring_size);
/* A free slot with an empty ring, newest on the idle list; NULL if none. */
struct slot *slot_take(struct slots *t, uint32_t now);
void slot_give(struct slots *t, struct slot *s);
/* Mark activity: move s to the newest end of the idle list. */
void slot_touch(struct slots *t, struct slot *s, uint32_t now);
/* The least recently active slot in use, or NULL. */
struct slot *slots_oldest(const struct slots *t);
uint32_t slot_index(const struct slots *t, const struct slot *s);

#endif
