/* SPDX-License-Identifier: ISC */
/* udp: RFC 862 over UDP, in batches, from fixed memory, behind guards. */
#ifndef UDP_H
#define UDP_H

#include <stddef.h>

#include "addr.h"
#include "hash.h"
#include "stats.h"

#define UDP_BATCH 32		/* datagrams per recvmmsg */
#define UDP_AREA 65536		/* bytes: the largest datagram (65,527) */

struct udp;

/* What udp_init needs besides its memory. */
struct udp_setup {
	const int *fd;			/* the datagram sockets, */
	int nfd;			/* the last nstamp of them STAMP's */
	int nstamp;
	int shared;			/* other processes read them too */
	const struct addr_list *allow;	/* -A; NULL: everyone */
	unsigned rate, burst;		/* -R; rate 0: no limit */
	const struct hash_key *key;
	void *limit_mem;		/* limit_memsize(rate) bytes */
};

/* Bytes of fixed memory udp_init needs (besides the limit's). */
size_t udp_memsize(void);
/* Set up; also tells each socket's peek offset to start at 0. */
struct udp *udp_init(void *mem, const struct udp_setup *s);
/*
 * Echo what waits on the sock-th socket (or reflect it, on a STAMP one),
 * a few batches at most, so TCP clients get their turn. Never blocks: a
 * full send buffer drops.
 */
void udp_echo(struct udp *u, int sock, struct stats *st);

#endif
