/* udp: RFC 862 over UDP, in batches, from fixed memory. */
#ifndef UDP_H
#define UDP_H

#include <stddef.h>

#include "stats.h"

#define UDP_BATCH 16		/* datagrams per recvmmsg */
#define UDP_MAX 2048		/* larger datagrams are dropped, not cut */

struct udp;

/* Bytes of fixed memory udp_init needs. */
size_t udp_memsize(void);
struct udp *udp_init(void *mem);
/*
 * Echo what waits on non-blocking fd, a few batches at most, so TCP
 * clients get their turn. Never blocks: a full send buffer drops.
 */
void udp_echo(struct udp *u, int fd, struct stats *st);

#endif
