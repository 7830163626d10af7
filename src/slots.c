/* SPDX-License-Identifier: ISC */
/*
 * slots: all lists are uint32 indices through the slot array, so the table
 * is one flat block with no pointers to fix up. Slots that were never used
 * are handed out from a bump index rather than a prebuilt free list, so
 * their memory is not touched (made resident) until a connection needs it.
 */
#include <stddef.h>

#include "slots.h"

void slots_init(struct slots *t, struct slot *slot, uint32_t n)
{
	t->slot = slot;
	t->n = n;
	t->used = 0;
	t->fresh = 0;
	t->free = SLOT_NIL;
	t->oldest = SLOT_NIL;
	t->newest = SLOT_NIL;
}

uint32_t slot_index(const struct slots *t, const struct slot *s)
{
	return (uint32_t)(s - t->slot);
}

static void unlink_idle(struct slots *t, struct slot *s)
{
	if (s->prev == SLOT_NIL)
		t->oldest = s->next;
	else
		t->slot[s->prev].next = s->next;
	if (s->next == SLOT_NIL)
		t->newest = s->prev;
	else
		t->slot[s->next].prev = s->prev;
}

static void append_idle(struct slots *t, struct slot *s)
{
	uint32_t i = slot_index(t, s);

	s->prev = t->newest;
	s->next = SLOT_NIL;
	if (t->newest == SLOT_NIL)
		t->oldest = i;
	else
		t->slot[t->newest].next = i;
	t->newest = i;
}

struct slot *slot_take(struct slots *t, uint32_t now)
{
	struct slot *s;

	if (t->free != SLOT_NIL) {
		s = &t->slot[t->free];
		t->free = s->next;
	} else if (t->fresh < t->n) {
		s = &t->slot[t->fresh++];
		s->gen = 0;
	} else {
		return NULL;
	}
	s->gen++;
	s->used = 1;
	s->fd = -1;
	s->last = now;
	append_idle(t, s);
	t->used++;
	return s;
}

void slot_give(struct slots *t, struct slot *s)
{
	unlink_idle(t, s);
	s->used = 0;
	s->fd = -1;
	s->next = t->free;
	t->free = slot_index(t, s);
	t->used--;
}

void slot_touch(struct slots *t, struct slot *s, uint32_t now)
{
	s->last = now;
	if (t->newest == slot_index(t, s))
		return;
	unlink_idle(t, s);
	append_idle(t, s);
}

void slot_expire_first(struct slots *t, struct slot *s, uint32_t last)
{
	uint32_t i = slot_index(t, s);

	s->last = last;
	if (t->oldest == i)
		return;
	unlink_idle(t, s);
	s->prev = SLOT_NIL;
	s->next = t->oldest;
	t->slot[t->oldest].prev = i;
	t->oldest = i;
}

struct slot *slot_newer(const struct slots *t, const struct slot *s)
{
	return s->next == SLOT_NIL ? NULL : &t->slot[s->next];
}

struct slot *slots_oldest(const struct slots *t)
{
	return t->oldest == SLOT_NIL ? NULL : &t->slot[t->oldest];
}
