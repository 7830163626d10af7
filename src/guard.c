/* SPDX-License-Identifier: ISC */
/*
 * guard: pure, so that the fuzzer and the unit tests drive it with any
 * address and port a peer could choose.
 */
#include <netinet/in.h>
#include <string.h>

#include "guard.h"

#define NFS_PORT 2049

/*
 * The header's destination from the packet info into *dst. Returns -1 if
 * the datagram was not sent to one address of this host alone: IPv4
 * gives the local address the kernel would answer from beside the
 * header's, and the two differ for a broadcast of any kind (a subnet's
 * too) and for multicast.
 */
static int destination(const struct msghdr *m, struct addr *dst)
{
	const unsigned char *ctl = m->msg_control;
	size_t at = 0, len = ctl != NULL ? m->msg_controllen : 0;
	const struct cmsghdr *c;
	const struct in_pktinfo *p4;
	int found = 0;

	/*
	 * By hand, each length checked against the buffer (control data is
	 * aligned for cmsghdr). The last packet info wins: the kernel puts
	 * IPv4's after IPv6's.
	 */
	while (len - at >= sizeof *c) {
		c = (const struct cmsghdr *)(const void *)(ctl + at);
		if (c->cmsg_len < sizeof *c || c->cmsg_len > len - at)
			break;
		p4 = (const struct in_pktinfo *)(const void *)CMSG_DATA(c);
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof *p4)) {
			if (p4->ipi_spec_dst.s_addr != 0 &&
			    p4->ipi_spec_dst.s_addr != p4->ipi_addr.s_addr)
				return -1;
			addr_set(dst, 1, &p4->ipi_addr);
			found = 1;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			addr_set(dst, 0, CMSG_DATA(c));	/* ipi6_addr */
			found = 1;
		}
		if (CMSG_ALIGN(c->cmsg_len) > len - at)
			break;
		at += CMSG_ALIGN(c->cmsg_len);
	}
	if (!found)
		return -1;
	/* Multicast, class E, 255.255.255.255, this network; IPv6 multicast. */
	if (addr_is_v4(dst))
		return dst->b[12] >= 224 || dst->b[12] == 0 ? -1 : 0;
	return dst->b[0] == 0xff ? -1 : 0;
}

/*
 * A source no answer should go to: this network, multicast, class E,
 * broadcast, the unspecified and v4-compatible IPv6 addresses, and
 * loopback unless the datagram was sent to loopback too (Linux drops
 * such martians itself, unless told not to).
 */
static int forged(const struct addr *src, const struct addr *dst)
{
	static const unsigned char zero[12];

	if (addr_is_loopback(src))
		return !addr_is_loopback(dst);
	if (addr_is_v4(src))
		return src->b[12] == 0 || src->b[12] >= 224;
	return src->b[0] == 0xff || memcmp(src->b, zero, sizeof zero) == 0;
}

int guard_check(const struct msghdr *m, unsigned port, struct addr *src,
    unsigned *sport)
{
	struct addr dst;

	if (addr_of(m->msg_name, m->msg_namelen, src, sport) < 0)
		return GUARD_SOURCE;
	/*
	 * Small services answer anyone, and so does another echod on the
	 * same port: an answer to them could be answered again, forever.
	 */
	if (*sport < 1024 || *sport == NFS_PORT || *sport == port)
		return GUARD_PORT;
	if (destination(m, &dst) < 0)
		return GUARD_DEST;
	return forged(src, &dst) ? GUARD_SOURCE : GUARD_OK;
}
