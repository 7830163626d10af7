/*
 * slots: all lists are uint32 indices through the slot array, so the table
 * is one flat block with no pointers to fix up. Slots that were never used
 * are handed out from a bump index rather than a prebuilt free list, so
 * neither their headers nor their rings are touched (made resident) until
 * a connection needs them.
 */
#include "slots.h"

#define PAGE 4096u

static uint64_t headers_size(uint32_t n)
{
	uint64_t size = (uint64_t)n * sizeof(struct slot);

	return (size + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

/* In 64 bits, so the caller can see it would not fit a 32-bit machine. */
uint64_t slots_memsize(uint32_t n, uint32_t ring_size)
{
	return headers_size(n) + (uint64_t)n * ring_size;
}

void slots_init(struct slots *t, void *mem, uint32_t n, uint32_t ring_size)
{
	t->slot = mem;
	t->rings = (unsigned char *)mem + (size_t)headers_size(n);
	t->n = n;
	t->ring_size = ring_size;
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
	uint32_t i;

	if (t->free != SLOT_NIL) {
		i = t->free;
		s = &t->slot[i];
		t->free = s->next;
	} else if (t->fresh < t->n) {
		i = t->fresh++;
		s = &t->slot[i];
		s->gen = 0;
		s->flags = 0;
		s->again = SLOT_NIL;
	} else {
		return NULL;
	}
	ring_init(&s->ring, t->rings + (size_t)i * t->ring_size);
	s->gen++;
	s->flags = (s->flags & SLOT_QUEUED) | SLOT_USED;
	s->fd = -1;
	s->last = now;
	append_idle(t, s);
	t->used++;
	return s;
}

void slot_give(struct slots *t, struct slot *s)
{
	unlink_idle(t, s);
	s->flags &= SLOT_QUEUED;
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

struct slot *slots_oldest(const struct slots *t)
{
	return t->oldest == SLOT_NIL ? NULL : &t->slot[t->oldest];
}
