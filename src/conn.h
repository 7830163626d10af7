/* SPDX-License-Identifier: ISC */
/*
 * conn: one TCP connection's byte stream: read into its ring, send from
 * it, relay bulk data through the socket, capitalize. conn makes no epoll
 * call: conn_serve says what the connection needs next and the loop acts.
 */
#ifndef CONN_H
#define CONN_H

#include <stdint.h>

#include "ring.h"
#include "stats.h"

/*
 * A connection's flags:
 *
 *   flag   set when                            then
 *   MORE   EPOLLIN, a read that filled the     read again
 *          ring, or TCP_INQ saying more waits
 *   RDHUP  EPOLLRDHUP (edge mode)              read on to the FIN: no new
 *                                              edge will come for it
 *   URGENT EPOLLPRI (edge mode): urgent data   reads stop at its mark, so
 *          came; cleared by an empty read      read on until one is empty
 *   EOF    a read returned 0                   no more reads; close once
 *                                              the ring is sent
 *   BULK   a read filled the ring              relay through the socket
 *                                              once the ring is empty
 *   HELD   relayed data waits in the socket    no reads until EPOLLOUT
 *          for the peer to take it
 *   LINE   capitalize: at the start of a line  uppercase the next letter
 *   DRAIN  the idle timeout: a FIN follows     input is dropped unread;
 *          what the kernel holds               closed at the peer's FIN or
 *                                              when the linger ends
 *   IN,OUT the loop armed EPOLLIN, EPOLLOUT    (level mode; the loop's)
 */
enum {
	CONN_MORE = 1 << 0,
	CONN_RDHUP = 1 << 1,
	CONN_EOF = 1 << 2,
	CONN_BULK = 1 << 3,
	CONN_HELD = 1 << 4,
	CONN_LINE = 1 << 5,
	CONN_IN = 1 << 6,
	CONN_OUT = 1 << 7,
	CONN_URGENT = 1 << 8,
	CONN_DRAIN = 1 << 9,
};

struct conn {
	struct ring ring;
	uint32_t flags;
	uint32_t again;		/* the loop's again list (see loop.c) */
};

/* What every connection of one loop shares. */
struct conn_env {
	uint32_t ring_size;
	int edge;		/* no new event for data left in the socket */
	int inq;		/* reads say what they left (TCP_INQ) */
	int capitalize;
	struct stats *count;
};

/* What the connection needs after conn_serve. */
enum {
	CONN_WAIT,		/* the next event (level mode: conn_interest) */
	CONN_AGAIN,		/* a turn after the other ready connections */
	CONN_CLOSE,		/* done or failed: close it */
};

void conn_start(struct conn *c, unsigned char *ring);
/* Read, echo and send what events (EPOLL* bits; 0: none) allow. */
int conn_serve(struct conn *c, int fd, uint32_t events,
    const struct conn_env *e);
/*
 * The idle timeout: send a FIN after what the kernel still holds and drop
 * input from now on (closing with input unread would reset the connection
 * and throw away what the peer has not taken yet). CONN_WAIT, or
 * CONN_CLOSE when the connection can be closed at once.
 */
int conn_linger(struct conn *c, int fd, const struct conn_env *e);
/* Level mode: the interest the connection needs, CONN_IN | CONN_OUT. */
uint32_t conn_interest(const struct conn *c, const struct conn_env *e);

#endif
