/* SPDX-License-Identifier: ISC */
/*
 * addr: what echod reads in a peer's address. One form for both
 * families: an IPv6 address, IPv4 ones v4-mapped (::ffff:a.b.c.d), as
 * IPv4 clients of the dual-stack socket arrive anyway. The per-source
 * key the limits count by (IPv4 address, IPv6 /64), and the networks of
 * -A.
 */
#ifndef ADDR_H
#define ADDR_H

#include <stddef.h>

#define ADDR_LIST_MAX 32
#define ADDR_KEY 8		/* bytes of a per-source key */

struct addr {
	unsigned char b[16];
};

struct addr_net {
	struct addr a;
	unsigned bits;		/* of the 128; IPv4's /n is /(96 + n) */
};

struct addr_list {
	unsigned n;
	struct addr_net net[ADDR_LIST_MAX];
};

/* The 4 (v4) or 16 bytes at b into *a. */
void addr_set(struct addr *a, int v4, const void *b);
int addr_is_v4(const struct addr *a);
int addr_is_loopback(const struct addr *a);
/*
 * The socket address at sa (len bytes) into *a and *port. Returns -1 if
 * it is neither IPv4 nor IPv6.
 */
int addr_of(const void *sa, size_t len, struct addr *a, unsigned *port);
/*
 * The per-source key, ADDR_KEY bytes in a: the IPv6 /64, or 0:ffff and
 * the IPv4 address (no IPv6 source has 0:ffff:a.b:c.d::/64: 0::/8 is
 * reserved).
 */
const unsigned char *addr_key(const struct addr *a);
/*
 * Add the network of the 4 (v4) or 16 bytes at b and its first bits (of
 * 32 or 128) to l. Returns 0, or -1 with *why saying what is wrong.
 */
int addr_list_add(struct addr_list *l, int v4, const void *b, unsigned bits,
    const char **why);
/* Is a inside one of l's networks? */
int addr_list_has(const struct addr_list *l, const struct addr *a);

#endif
