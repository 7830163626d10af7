/* SPDX-License-Identifier: ISC */
/*
 * guard: the datagrams echod never answers, whatever the limits allow:
 * answers that could start or feed an exchange with no end, or reach
 * many hosts at once. OpenBSD inetd's dg_badinput, and more.
 */
#ifndef GUARD_H
#define GUARD_H

#include <sys/socket.h>

#include "addr.h"

enum {
	GUARD_OK,
	GUARD_PORT,	/* from below 1024, NFS (2049), or our own port */
	GUARD_SOURCE,	/* from an address that can only be forged */
	GUARD_DEST,	/* to a broadcast or multicast address, or unknown */
};

/*
 * m is a datagram as recvmsg gave it: its source in msg_name, its packet
 * info (IP_PKTINFO, IPV6_PKTINFO) in msg_control; it came to port.
 * Returns GUARD_OK with the source in *src and *sport, or why not.
 */
int guard_check(const struct msghdr *m, unsigned port, struct addr *src,
    unsigned *sport);

#endif
