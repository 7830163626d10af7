/* SPDX-License-Identifier: ISC */
/* sock: dial, send, receive, hold a port. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "report.h"
#include "sock.h"

int addr_set(struct addr *a, const char *host, unsigned port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		a->len = sizeof *in;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		a->len = sizeof *in6;
		return 0;
	}
	return fail("not a numeric address: '%s'", host);
}

int dial_start(const struct addr *a, int rcvbuf)
{
	int fd, err, one = 1;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket: %s", strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) < 0 &&
	    errno != EINPROGRESS) {
		err = errno;
		close(fd);
		return fail("connect: %s", strerror(err));
	}
	return fd;
}

int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

int dial_rcvbuf(const struct addr *a, int rcvbuf)
{
	struct pollfd p = { .events = POLLOUT };
	int err;

	if ((p.fd = dial_start(a, rcvbuf)) < 0)
		return -1;
	if (poll(&p, 1, ms_until(deadline(5))) != 1)
		err = ETIMEDOUT;
	else
		err = sock_error(p.fd);
	if (err != 0) {
		close(p.fd);
		return fail("connect: %s", strerror(err));
	}
	return p.fd;
}

int dial(const struct addr *a)
{
	return dial_rcvbuf(a, 0);
}

int udp_dial(const struct addr *a, unsigned from_port)
{
	struct sockaddr_storage me = { .ss_family = a->ss.ss_family };
	int fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return fail("udp socket: %s", strerror(errno));
	if (from_port != 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		/* sin_port and sin6_port lie at the same offset. */
		((struct sockaddr_in *)&me)->sin_port = htons((uint16_t)from_port);
		if (bind(fd, (struct sockaddr *)&me, a->len) < 0) {
			close(fd);
			return -2;
		}
	}
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) < 0) {
		close(fd);
		return fail("udp connect: %s", strerror(errno));
	}
	return fd;
}

int readable(int fd, double secs)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms_until(deadline(secs))) == 1;
}

/* As readable(), with an absolute deadline. */
static int readable_by(int fd, double end)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms_until(end)) == 1;
}

int closed_within(int fd, double secs)
{
	double end = deadline(secs);
	char buf[4096];
	ssize_t r;

	while (readable_by(fd, end)) {
		r = read(fd, buf, sizeof buf);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			return 1;
	}
	return 0;
}

int send_all(int fd, const void *buf, size_t n, double secs)
{
	const char *b = buf;
	double end = deadline(secs);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	ssize_t r;

	while (n > 0) {
		r = send(fd, b, n, MSG_NOSIGNAL);
		if (r > 0) {
			b += r;
			n -= (size_t)r;
			continue;
		}
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return fail("send: %s", strerror(errno));
		if (poll(&p, 1, ms_until(end)) != 1)
			return fail("send timed out with %zu bytes left", n);
	}
	return 0;
}

int recv_all(int fd, void *buf, size_t n, double secs)
{
	char *b = buf;
	double end = deadline(secs);
	size_t want = n;
	ssize_t r;

	while (n > 0) {
		if (!readable_by(fd, end))
			return fail("timed out after %zu of %zu bytes", want - n, want);
		r = read(fd, b, n);
		if (r == 0)
			return fail("EOF after %zu of %zu bytes", want - n, want);
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return fail("read: %s after %zu of %zu bytes",
			    strerror(errno), want - n, want);
		if (r > 0) {
			b += r;
			n -= (size_t)r;
		}
	}
	return 0;
}

void reset_close(int fd)
{
	struct linger l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(fd);
}

int hold_port(int type, unsigned port, unsigned *got)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1, err;

	if (fd < 0)
		return fail("socket: %s", strerror(errno));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) < 0) ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		err = errno;
		close(fd);
		return fail("127.0.0.1:%u: %s", port, strerror(err));
	}
	if (got != NULL)
		*got = ntohs(a.sin_port);
	return fd;
}
