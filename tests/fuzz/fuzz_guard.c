/* SPDX-License-Identifier: ISC */
/*
 * fuzz_guard: the UDP guard with addresses and ports a peer chooses.
 *
 * Input byte 0 picks the form:
 *  even: a well-formed datagram built from the input (source family,
 *        address and port, our port, which packet info the kernel gave
 *        and its addresses); the verdict must equal the reference below,
 *        written from the README's rules, not from guard.c.
 *  odd:  raw name and control bytes of any length; guard_check must not
 *        read outside them (ASan) and must only answer a source it could
 *        parse, from an unprivileged port other than ours.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "guard.h"
#include "lib/report.h"

struct input {
	const unsigned char *p;
	size_t n;
};

static unsigned byte(struct input *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static void bytes(struct input *in, unsigned char *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (unsigned char)byte(in);
}

static const unsigned char v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

/* Bias addresses towards the interesting ones: the input says which. */
static void address(struct input *in, unsigned char a[16], int v4)
{
	unsigned form = byte(in);

	memset(a, 0, 16);
	bytes(in, a, v4 ? 4 : 16);
	if (v4)
		return;
	if (form % 4 == 1) {		/* v4-mapped */
		memcpy(a, v4_mapped, 12);
	} else if (form % 4 == 2) {	/* ::1, ::, or v4-compatible */
		memset(a, 0, 12);
		if (form & 4)
			memset(a + 12, 0, 3);
	}
}

/* The reference: an IPv4 or IPv6 address, unmapped. */
struct ref_addr {
	int v4;
	unsigned char b[16];
};

static struct ref_addr unmap(const unsigned char *a, int v4)
{
	struct ref_addr r = { .v4 = v4 };

	if (!v4 && memcmp(a, v4_mapped, 12) == 0) {
		r.v4 = 1;
		memcpy(r.b, a + 12, 4);
	} else {
		memcpy(r.b, a, v4 ? 4 : 16);
	}
	return r;
}

static int ref_loopback(const struct ref_addr *a)
{
	int i;

	if (a->v4)
		return a->b[0] == 127;
	for (i = 0; i < 15; i++)
		if (a->b[i] != 0)
			return 0;
	return a->b[15] == 1;
}

static int ref_forged(const struct ref_addr *s, const struct ref_addr *d)
{
	int i, zero = 1;

	if (ref_loopback(s))
		return !ref_loopback(d);
	if (s->v4)
		return s->b[0] == 0 || s->b[0] >= 224;
	for (i = 0; i < 12; i++)
		zero &= s->b[i] == 0;
	return s->b[0] == 0xff || zero;
}

/* A control message after those in m. */
static void put(struct msghdr *m, int level, int type, const void *data,
    size_t len)
{
	struct cmsghdr *c = (struct cmsghdr *)(void *)((unsigned char *)
	    m->msg_control + m->msg_controllen);

	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	m->msg_controllen += CMSG_SPACE(len);
}

static void well_formed(struct input *in)
{
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} name;
	union {
		struct cmsghdr align;
		unsigned char buf[CMSG_SPACE(sizeof(struct in_pktinfo)) +
		    CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct msghdr m = { .msg_name = &name, .msg_control = ctl.buf };
	unsigned char src[16], dst4[4], spec[4], dst6[16], mapped_src[16];
	unsigned flags = byte(in), port, ours, sport;
	struct in6_pktinfo p6 = { .ipi6_ifindex = 1 };
	struct in_pktinfo p4 = { .ipi_ifindex = 1 };
	struct ref_addr rs, rd;
	struct addr out;
	int src4 = flags & 1, info4 = flags & 2, info6 = flags & 4;
	int six_first = flags & 8, want, got;

	address(in, src, src4);
	port = byte(in) << 8 | byte(in);
	if (flags & 16)
		port &= 0x7ff;		/* often below 1024 or 2049 */
	ours = flags & 32 ? port : (byte(in) << 8 | byte(in));
	bytes(in, dst4, 4);
	if (flags & 64)
		memcpy(spec, dst4, 4);	/* usually the kernel says the same */
	else
		bytes(in, spec, 4);
	address(in, dst6, 0);
	memset(&name, 0, sizeof name);
	if (src4) {
		name.in.sin_family = AF_INET;
		name.in.sin_port = htons((unsigned short)port);
		memcpy(&name.in.sin_addr, src, 4);
		m.msg_namelen = sizeof name.in;
	} else {
		name.in6.sin6_family = AF_INET6;
		name.in6.sin6_port = htons((unsigned short)port);
		memcpy(&name.in6.sin6_addr, src, 16);
		m.msg_namelen = sizeof name.in6;
	}
	memset(&ctl, 0, sizeof ctl);
	memcpy(&p6.ipi6_addr, dst6, 16);
	memcpy(&p4.ipi_addr, dst4, 4);
	memcpy(&p4.ipi_spec_dst, spec, 4);
	for (int pass = 0; pass < 2; pass++) {
		int six = (pass == 0) == (six_first != 0);

		if (six && info6)
			put(&m, IPPROTO_IPV6, IPV6_PKTINFO, &p6, sizeof p6);
		if (!six && info4)
			put(&m, IPPROTO_IP, IP_PKTINFO, &p4, sizeof p4);
	}

	rs = unmap(src, src4);
	/* The last packet info decides (the kernel puts IPv4's last). */
	if (info4 && (!info6 || six_first))
		rd = unmap(dst4, 1);
	else
		rd = unmap(dst6, 0);
	if (port < 1024 || port == 2049 || port == ours)
		want = GUARD_PORT;
	else if ((!info4 && !info6) || (info4 &&
	    memcmp(spec, "\0\0\0\0", 4) != 0 && memcmp(spec, dst4, 4) != 0) ||
	    (rd.v4 ? rd.b[0] == 0 || rd.b[0] >= 224 : rd.b[0] == 0xff))
		want = GUARD_DEST;
	else if (ref_forged(&rs, &rd))
		want = GUARD_SOURCE;
	else
		want = GUARD_OK;
	got = guard_check(&m, ours, &out, &sport);
	if (got != want)
		fprintf(stderr, "guard %d, reference %d\n", got, want);
	INVARIANT(got == want);
	if (got != GUARD_OK)
		return;
	/* The source, IPv4 in its v4-mapped form. */
	memcpy(mapped_src, v4_mapped, sizeof v4_mapped);
	memcpy(mapped_src + (rs.v4 ? 12 : 0), rs.b, rs.v4 ? 4 : 16);
	INVARIANT(sport == port && memcmp(out.b, mapped_src, 16) == 0);
}

static void raw(struct input *in)
{
	unsigned namelen = byte(in) % 40, ctllen = byte(in), ours, sport = 0;
	unsigned char *name = malloc(namelen ? namelen : 1);
	unsigned char *ctl = malloc(ctllen ? ctllen : 1);
	struct msghdr m = { 0 };
	struct addr out;
	int got;

	INVARIANT(name != NULL && ctl != NULL);
	ours = byte(in) << 8 | byte(in);
	bytes(in, name, namelen);
	bytes(in, ctl, ctllen);
	m.msg_name = namelen ? name : NULL;
	m.msg_namelen = namelen;
	/* The kernel aligns control data; malloc does as much. */
	m.msg_control = ctllen ? ctl : NULL;
	m.msg_controllen = ctllen;
	got = guard_check(&m, ours, &out, &sport);
	INVARIANT(got >= GUARD_OK && got <= GUARD_DEST);
	if (got == GUARD_OK)
		INVARIANT(sport >= 1024 && sport != 2049 && sport != ours);
	free(name);
	free(ctl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	if (byte(&in) & 1)
		raw(&in);
	else
		well_formed(&in);
	return 0;
}
