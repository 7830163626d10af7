/* SPDX-License-Identifier: ISC */
/*
 * slots: the fixed table of connection slots: which are in use, their
 * idle order and their generations. What a connection does with its slot
 * is conn's and the loop's business.
 */
#ifndef SLOTS_H
#define SLOTS_H

#include <stdint.h>

#define SLOT_NIL UINT32_MAX

struct slot {
	int fd;			/* the connection's socket */
	uint32_t gen;		/* bumped on every take; tags epoll events */
	uint32_t prev, next;	/* idle list (in use) or free list (free) */
	uint32_t last;		/* last activity, milliseconds */
	uint32_t used;		/* holds a connection */
};

struct slots {
	struct slot *slot;
	uint32_t n;
	uint32_t used;
	uint32_t fresh;		/* slots from here on were never used */
	uint32_t free;		/* free list of slots given back */
	uint32_t oldest, newest;	/* idle list, least recently active first */
};

/* slot points at n slots of memory, not touched until used. */
void slots_init(struct slots *t, struct slot *slot, uint32_t n);
/* A free slot, newest on the idle list; NULL if none. */
struct slot *slot_take(struct slots *t, uint32_t now);
void slot_give(struct slots *t, struct slot *s);
/* Mark activity: move s to the newest end of the idle list. */
void slot_touch(struct slots *t, struct slot *s, uint32_t now);
/*
 * Move s to the oldest end of the idle list with last as its activity, so
 * that it expires before the others (those due earlier wait for it).
 */
void slot_expire_first(struct slots *t, struct slot *s, uint32_t last);
/* The least recently active slot in use, or NULL. */
struct slot *slots_oldest(const struct slots *t);
/* The slot after s in the idle list, or NULL. */
struct slot *slot_newer(const struct slots *t, const struct slot *s);
uint32_t slot_index(const struct slots *t, const struct slot *s);

#endif
