/*
 * addr: what echod reads in a peer's address: the address itself (a
 * v4-mapped IPv6 address taken as the IPv4 address it is), the key the
 * per-source limits count by (IPv4 /32, IPv6 /64), and the CIDR lists
 * of -A.
 */
#ifndef ADDR_H
#define ADDR_H

#include <stddef.h>

#define ADDR_LIST_MAX 32
#define ADDR_KEY 8		/* bytes of a per-source key */

struct addr {
	unsigned char b[16];	/* IPv4: b[0..3], the rest 0 */
	int v4;
};

struct addr_net {
	struct addr a;
	unsigned bits;
};

struct addr_list {
	unsigned n;
	struct addr_net net[ADDR_LIST_MAX];
};

/* The 4 (v4) or 16 bytes at b into *a; ::ffff:a.b.c.d becomes IPv4. */
void addr_set(struct addr *a, int v4, const void *b);
/*
 * The socket address at sa (len bytes) into *a and *port. Returns -1 if
 * it is neither IPv4 nor IPv6.
 */
int addr_of(const void *sa, size_t len, struct addr *a, unsigned *port);
/*
 * The per-source key: the IPv6 /64, or ff:ff:ff:ff and the IPv4 address
 * (a multicast prefix, never a source, so the two never meet).
 */
void addr_key(const struct addr *a, unsigned char key[ADDR_KEY]);
int addr_is_loopback(const struct addr *a);
/*
 * Add the network of the 4 (v4) or 16 bytes at b and its first bits to
 * l. Returns 0, or -1 with *why saying what is wrong.
 */
int addr_list_add(struct addr_list *l, int v4, const void *b, unsigned bits,
    const char **why);
/* Is a inside one of l's networks? */
int addr_list_has(const struct addr_list *l, const struct addr *a);

#endif
