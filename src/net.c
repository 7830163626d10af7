/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "say.h"
#include "sys.h"

/* Linux clamps the backlog to net.core.somaxconn. */
#define BACKLOG 4096

void net_addr_set(struct net_addr *a, int af, const void *addr, unsigned port)
{
	memset(a, 0, sizeof *a);
	if (af == AF_INET6) {
		a->u.in6.sin6_family = AF_INET6;
		a->u.in6.sin6_port = htons((unsigned short)port);
		memcpy(&a->u.in6.sin6_addr, addr, sizeof a->u.in6.sin6_addr);
		a->len = sizeof a->u.in6;
	} else {
		a->u.in.sin_family = AF_INET;
		a->u.in.sin_port = htons((unsigned short)port);
		memcpy(&a->u.in.sin_addr, addr, sizeof a->u.in.sin_addr);
		a->len = sizeof a->u.in;
	}
}

unsigned net_port(const struct net_addr *a)
{
	return ntohs(a->u.sa.sa_family == AF_INET6 ? a->u.in6.sin6_port :
	    a->u.in.sin_port);
}

void net_set_port(struct net_addr *a, unsigned port)
{
	*(a->u.sa.sa_family == AF_INET6 ? &a->u.in6.sin6_port :
	    &a->u.in.sin_port) = htons((unsigned short)port);
}

/*
 * if_nametoindex by hand: musl's brings in ioctl's compatibility tables
 * and stpncpy.
 */
unsigned net_ifindex(const char *name)
{
	size_t len = strlen(name);
	struct ifreq ifr;
	int fd, r;

	errno = ENODEV;
	if (len >= sizeof ifr.ifr_name)
		return 0;
	memcpy(ifr.ifr_name, name, len + 1);
	if ((fd = sys_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC)) < 0)
		return 0;
	r = (int)syscall(SYS_ioctl, fd, SIOCGIFINDEX, &ifr);
	close(fd);
	return r < 0 ? 0 : (unsigned)ifr.ifr_ifindex;
}

/* The longest run of two or more zero groups, for "::"; -1 if none. */
static int zero_run(const unsigned *g, int *len)
{
	int best = -1, i, j;

	*len = 1;
	for (i = 0; i < 8; i = j + 1) {
		for (j = i; j < 8 && g[j] == 0; j++)
			;
		if (j - i > *len) {
			best = i;
			*len = j - i;
		}
	}
	return best;
}

/* RFC 5952 text, by hand: musl's inet_ntop brings in all of printf. */
static unsigned v6_str(const unsigned char *b, char *buf, unsigned size)
{
	unsigned g[8], n = 0;
	int run, len, i;

	for (i = 0; i < 8; i++)
		g[i] = (unsigned)b[i + i] << 8 | b[i + i + 1];
	run = zero_run(g, &len);
	for (i = 0; i < 8; i++) {
		if (i == run) {
			n += say_fmt(buf + n, size - n, "::");
			i += len - 1;
			continue;
		}
		n += say_fmt(buf + n, size - n, "%s%x",
		    i == 0 || i == run + len ? "" : ":", g[i]);
	}
	return n;
}

/* A path, "@name" if abstract, "" if unnamed. */
static void unix_str(const struct net_addr *a, char *buf, unsigned size)
{
	const char *path = a->u.un.sun_path;
	size_t at = offsetof(struct sockaddr_un, sun_path);

	if (a->len > at && path[0] == '\0')
		say_fmt(buf, size, "unix:@%s", path + 1);
	else
		say_fmt(buf, size, "unix:%s", a->len > at ? path : "");
}

void net_addr_str(const struct net_addr *a, char *buf, unsigned size)
{
	const unsigned char *b;
	unsigned n;

	if (a->u.sa.sa_family == AF_UNIX) {
		unix_str(a, buf, size);
		return;
	}
	if (a->u.sa.sa_family == AF_INET6) {
		n = say_fmt(buf, size, "[");
		n += v6_str(a->u.in6.sin6_addr.s6_addr, buf + n, size - n);
		if (a->u.in6.sin6_scope_id != 0)
			n += say_fmt(buf + n, size - n, "%%%u",
			    a->u.in6.sin6_scope_id);
		say_fmt(buf + n, size - n, "]:%u", net_port(a));
		return;
	}
	b = (const unsigned char *)&a->u.in.sin_addr;
	say_fmt(buf, size, "%u.%u.%u.%u:%u", b[0], b[1], b[2], b[3], net_port(a));
}

int net_fd_str(int fd, char *buf, unsigned size)
{
	struct net_addr a;

	memset(&a, 0, sizeof a);
	a.len = sizeof a.u - 1;		/* a path stays terminated */
	if (getsockname(fd, &a.u.sa, &a.len) < 0) {
		say_fmt(buf, size, "fd %d", fd);
		return -1;
	}
	net_addr_str(&a, buf, size);
	return a.u.sa.sa_family;
}

static int set_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof value);
}

/*
 * Accepted sockets inherit these. TCP_NODELAY: echoes of small messages go
 * out at once. SO_OOBINLINE: an urgent byte stays in the stream and is
 * echoed like any other, rather than waiting aside for MSG_OOB.
 */
int net_set_stream(int fd, const char **what)
{
	*what = "setsockopt TCP_NODELAY";
	if (set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1) < 0)
		return -1;
	*what = "setsockopt SO_OOBINLINE";
	return set_int(fd, SOL_SOCKET, SO_OOBINLINE, 1);
}

static int options_for(int fd, const struct net_addr *a, int type, int flags,
    const char **what)
{
	*what = "setsockopt SO_REUSEADDR";
	if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) < 0)
		return -1;
	*what = "setsockopt SO_REUSEPORT";
	if ((flags & NET_REUSEPORT) &&
	    set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) < 0)
		return -1;
	*what = "setsockopt IPV6_V6ONLY";
	if ((flags & NET_ANY) && a->u.sa.sa_family == AF_INET6 &&
	    set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0) < 0)
		return -1;
	if (type == SOCK_STREAM)
		return net_set_stream(fd, what);
	return 0;
}

static int open_one(struct net_addr *a, int type, int flags, const char **what)
{
	int fd, err;

	*what = "socket";
	fd = sys_socket(a->u.sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -1;
	if (options_for(fd, a, type, flags, what) < 0)
		goto fail;
	*what = "bind";
	if (bind(fd, &a->u.sa, a->len) < 0)
		goto fail;
	*what = "listen";
	if (type == SOCK_STREAM && listen(fd, BACKLOG) < 0)
		goto fail;
	*what = "getsockname";
	if (getsockname(fd, &a->u.sa, &a->len) < 0)
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

int net_listen(struct net_addr *a, int type, int flags, const char **what)
{
	unsigned port = net_port(a);
	int fd;

	if (!(flags & NET_ANY))
		return open_one(a, type, flags, what);
	net_addr_set(a, AF_INET6, &in6addr_any, port);
	fd = open_one(a, type, flags, what);
	/* Kernels built without IPv6, common on small devices. */
	if (fd < 0 && errno == EAFNOSUPPORT) {
		static const struct in_addr any4 = { INADDR_ANY };

		net_addr_set(a, AF_INET, &any4, port);
		fd = open_one(a, type, flags, what);
	}
	return fd;
}

int net_set_inq(int fd)
{
	return set_int(fd, IPPROTO_TCP, TCP_INQ, 1);
}

/* The address fd is bound to. */
static int local(int fd, struct net_addr *self)
{
	self->len = sizeof self->u;
	return getsockname(fd, &self->u.sa, &self->len);
}

/* The socket's address family, or -1. */
static int family(int fd)
{
	struct net_addr self;

	if (local(fd, &self) < 0)
		return -1;
	return self.u.sa.sa_family;
}

struct opt {
	short level, name, value;
};

/*
 * A datagram socket's options: packet info (the first two), then STAMP's.
 * IPv4 on a dual-stack socket is reported and sent through the IPv4
 * options, so an IPv6 socket gets both kinds.
 */
static const struct opt datagram_opts[] = {
	{ IPPROTO_IPV6, IPV6_RECVPKTINFO, 1 }, { IPPROTO_IP, IP_PKTINFO, 1 },
	{ IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1 }, { IPPROTO_IP, IP_RECVTTL, 1 },
	{ IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255 }, { IPPROTO_IP, IP_TTL, 255 },
};

static int set_opts(int fd, int n)
{
	const struct opt *o = datagram_opts;
	int af = family(fd);

	for (; af >= 0 && n > 0; n--, o++)
		if ((o->level != IPPROTO_IPV6 || af == AF_INET6) &&
		    set_int(fd, o->level, o->name, o->value) < 0)
			return -1;
	return af < 0 ? -1 : 0;
}

int net_set_pktinfo(int fd)
{
	return set_opts(fd, 2);
}

int net_set_stamp(int fd)
{
	if (set_opts(fd, (int)(sizeof datagram_opts / sizeof *datagram_opts)) < 0)
		return -1;
	if (set_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1) == 0)
		return 0;
	/* Every kernel since 2.6.22 has it; qemu-user does not. */
	return errno == ENOPROTOOPT ? 1 : -1;
}

/* In whole seconds, rounded up. */
int net_set_send_timeout(int fd, unsigned ms)
{
	struct timeval tv = { (time_t)(ms + 999) / 1000, 0 };

	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int is_pktinfo(const struct cmsghdr *c)
{
	return (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) ||
	    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO);
}

/* Kept in place, the others dropped: time and TTL must not go back out. */
void net_take_meta(struct msghdr *m, struct timespec *t, unsigned *ttl)
{
	unsigned char *keep = m->msg_control;
	struct cmsghdr *c, *next;
	size_t len;
	int v;

	memset(t, 0, sizeof *t);
	*ttl = 0;
	for (c = CMSG_FIRSTHDR(m); c != NULL; c = next) {
		next = CMSG_NXTHDR(m, c);
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
			memcpy(t, CMSG_DATA(c), sizeof *t);
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		    (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_HOPLIMIT)) {
			memcpy(&v, CMSG_DATA(c), sizeof v);
			*ttl = (unsigned)v;
		}
		if (is_pktinfo(c)) {
			/* The move may overwrite c (on 32-bit machines). */
			len = c->cmsg_len;
			memmove(keep, c, len);
			keep += CMSG_ALIGN(len);
		}
	}
	m->msg_controllen = (size_t)(keep - (unsigned char *)m->msg_control);
}

int net_udp_own(int fd, int peek, unsigned *port)
{
	struct net_addr self;

	*port = local(fd, &self) < 0 ? 0 : net_port(&self);
	return peek && set_int(fd, SOL_SOCKET, SO_PEEK_OFF, 0) == 0;
}

/* What is wrong with a passed socket: *what says it, errno is 0. */
static int refuse(const char **what, const char *why)
{
	*what = why;
	errno = 0;
	return -1;
}

/* Its family and *type, if it is a kind echod serves; else refused. */
static int kind(int fd, int *type, const char **what)
{
	struct net_addr a;
	int listening = 0;
	socklen_t len = sizeof *type;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, type, &len) < 0)
		return refuse(what, errno == EBADF ? "is not open" :
		    "is not a socket");
	len = sizeof listening;
	*what = "getsockname";
	if (local(fd, &a) < 0)
		return -1;
	*what = "getsockopt SO_ACCEPTCONN";
	if (*type == SOCK_STREAM &&
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
		return -1;
	if (*type == SOCK_STREAM && !listening)
		return refuse(what, "is not listening (with systemd, echod "
		    "wants Accept=no)");
	if ((a.u.sa.sa_family == AF_UNIX && *type == SOCK_STREAM) ||
	    ((a.u.sa.sa_family == AF_INET || a.u.sa.sa_family == AF_INET6) &&
	    (*type == SOCK_STREAM || *type == SOCK_DGRAM)))
		return a.u.sa.sa_family;
	return refuse(what, "is not TCP, UDP or a UNIX stream");
}

/* Sort one passed socket into tcp[] or udp[]. */
static int adopt(int fd, int *tcp, int *ntcp, int *udp, int *nudp, int max,
    const char **what)
{
	int type, af, *count;

	if ((af = kind(fd, &type, what)) < 0)
		return -1;
	/* Urgent data inline, no Nagle: as on the sockets echod binds. */
	if (type == SOCK_STREAM && af != AF_UNIX && net_set_stream(fd, what) < 0)
		return -1;
	count = type == SOCK_STREAM ? ntcp : nudp;
	if (*count >= max)
		return refuse(what, "is one socket too many");
	*what = "ioctl FIONBIO";
	if (sys_nonblock(fd) < 0)
		return -1;
	*what = "ioctl FIOCLEX";
	if (syscall(SYS_ioctl, fd, FIOCLEX) < 0)
		return -1;
	(type == SOCK_STREAM ? tcp : udp)[(*count)++] = fd;
	return 0;
}

int net_inherited(int n, int *tcp, int *ntcp, int *udp, int *nudp, int max,
    int *bad, const char **what)
{
	int i;

	*ntcp = *nudp = 0;
	for (i = 0; i < n; i++) {
		*bad = 3 + i;
		if (adopt(3 + i, tcp, ntcp, udp, nudp, max, what) < 0)
			return -1;
	}
	/* The protocol unsets LISTEN_* for children; echod runs none. */
	return 0;
}

int net_stdin_conn(void)
{
	struct net_addr a;

	a.len = sizeof a.u;
	return getpeername(0, &a.u.sa, &a.len) == 0 &&
	    (a.u.sa.sa_family == AF_INET || a.u.sa.sa_family == AF_INET6) &&
	    sys_nonblock(0) == 0;
}
