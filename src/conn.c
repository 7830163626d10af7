/* SPDX-License-Identifier: ISC */
/*
 * conn: the fast path is one read and one send per message: after a read
 * the echo is sent at once. Edge mode gets no second event for data left
 * in the socket, so it reads again whenever a send made room, up to
 * ROUNDS times; then the connection yields (CONN_AGAIN) so that one fast
 * peer cannot starve the others.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "xform.h"
#include "sys.h"

#define ROUNDS 8	/* edge mode: read/send rounds per turn */
#define BURST 65536	/* bulk: bytes relayed per peek */

/* Bulk data passes through here; dropped input is "read" into it unread. */
static unsigned char burst[BURST];

void conn_start(struct conn *c, unsigned char *ring)
{
	ring_init(&c->ring, ring);
	c->flags = CONN_LINE;
}

static void transform(struct conn *c, const struct iovec *iov, size_t n)
{
	int line = (c->flags & CONN_LINE) != 0;

	if (n <= iov[0].iov_len) {
		xform_capitalize(iov[0].iov_base, n, &line);
	} else {
		xform_capitalize(iov[0].iov_base, iov[0].iov_len, &line);
		xform_capitalize(iov[1].iov_base, n - iov[0].iov_len, &line);
	}
	c->flags = line ? c->flags | CONN_LINE : c->flags & ~CONN_LINE;
}

/*
 * A read that also says how many bytes it left in the socket (TCP_INQ,
 * set on the listeners; 1 when only a FIN is left), so a full ring is
 * read again only when there is more to read. *inq stays -1 when the
 * kernel did not say.
 */
static ssize_t read_inq(int fd, struct iovec *iov, int n, int *inq)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)n,
	    .msg_control = cm.b, .msg_controllen = sizeof cm.b };
	struct cmsghdr *h;
	ssize_t r = sys_recvmsg(fd, &msg, 0);

	if (r <= 0)
		return r;
	h = CMSG_FIRSTHDR(&msg);
	if (h != NULL && h->cmsg_level == IPPROTO_TCP &&
	    h->cmsg_type == TCP_CM_INQ && h->cmsg_len >= CMSG_LEN(sizeof(int)))
		memcpy(inq, CMSG_DATA(h), sizeof *inq);
	return r;
}

/*
 * A read that returned r <= 0: EOF, nothing (which also says any urgent
 * mark is behind us), or a failed connection (-1).
 */
static int ended(struct conn *c, ssize_t r)
{
	if (r == 0) {
		c->flags |= CONN_EOF;
		return 0;
	}
	if (errno != EAGAIN && errno != EINTR)
		return -1;
	if (errno == EAGAIN)
		c->flags &= ~CONN_URGENT;
	return 0;
}

/*
 * A short read usually means the socket is drained, but not when a FIN
 * waits behind the data or a read stopped at an urgent mark: edge mode
 * gets no new event for what follows either.
 */
static int guessing(const struct conn *c)
{
	return (c->flags & (CONN_RDHUP | CONN_URGENT)) != 0;
}

/*
 * One read into the ring's free space. MORE stays set when TCP_INQ says
 * more waits or, without it, when the read filled all of it or short
 * reads prove nothing (guessing). Returns -1 when the connection failed.
 */
static int fill(struct conn *c, int fd, const struct conn_env *e)
{
	struct iovec iov[2];
	int n = ring_in_iov(&c->ring, e->ring_size, iov);
	size_t want;
	ssize_t r;
	int inq = -1;

	if (n == 0)
		return 0;
	want = iov[0].iov_len + (n == 2 ? iov[1].iov_len : 0);
	if (e->inq)
		r = read_inq(fd, iov, n, &inq);
	else
		r = n == 1 ? read(fd, iov[0].iov_base, iov[0].iov_len) :
		    readv(fd, iov, 2);
	c->flags &= ~CONN_MORE;
	if (r <= 0)
		return ended(c, r);
	if (e->capitalize)
		transform(c, iov, (size_t)r);
	ring_produced(&c->ring, (uint32_t)r);
	e->count->bytes_in += (unsigned long long)r;
	if ((size_t)r == want)
		c->flags |= CONN_BULK;
	else
		c->flags &= ~CONN_BULK;
	if (inq >= 0 ? inq > 0 : (size_t)r == want || guessing(c))
		c->flags |= CONN_MORE;
	return 0;
}

/*
 * Bulk: once a read has filled the ring and the ring is empty again, the
 * socket's receive queue is the buffer. Peek up to BURST bytes, send them
 * and drop from the socket what the send took (MSG_TRUNC: no copy): three
 * syscalls per 64 KiB instead of two per ring. What the peer cannot take
 * yet stays in the socket under TCP's flow control (HELD) until EPOLLOUT.
 * Echo mode only: capitalize must see every byte once.
 */
static int relay(struct conn *c, int fd, const struct conn_env *e)
{
	ssize_t n, k;

	c->flags &= ~(CONN_MORE | CONN_HELD | CONN_BULK);
	n = recv(fd, burst, sizeof burst, MSG_PEEK);
	if (n <= 0)
		return ended(c, n);
	k = send(fd, burst, (size_t)n, MSG_NOSIGNAL);
	if (k < 0) {
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		k = 0;
	}
	if (k > 0 && recv(fd, burst, (size_t)k, MSG_TRUNC) != k)
		return -1;
	e->count->bytes_in += (unsigned long long)k;
	e->count->bytes_out += (unsigned long long)k;
	if (k < n)
		c->flags |= CONN_HELD;
	if (k < n || n == BURST || guessing(c))
		c->flags |= CONN_MORE;
	/* Still bulk while more than a ring's worth comes at a time. */
	if (k < n || (size_t)n > e->ring_size)
		c->flags |= CONN_BULK;
	return 0;
}

/* Relay rather than fill: bulk data, an empty ring smaller than BURST. */
static int bulk(const struct conn *c, const struct conn_env *e)
{
	return (c->flags & CONN_BULK) && ring_used(&c->ring) == 0 &&
	    !e->capitalize && e->ring_size < BURST;
}

/* One send of what the ring holds. Returns -1 when the connection failed. */
static int flush(struct conn *c, int fd, const struct conn_env *e)
{
	struct iovec iov[2];
	struct msghdr msg = { .msg_iov = iov };
	int n = ring_out_iov(&c->ring, e->ring_size, iov);
	ssize_t r;

	if (n == 0)
		return 0;
	msg.msg_iovlen = (size_t)n;
	r = n == 1 ? send(fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL) :
	    sys_sendmsg(fd, &msg, MSG_NOSIGNAL);
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	ring_consumed(&c->ring, (uint32_t)r);
	e->count->bytes_out += (unsigned long long)r;
	/* Emptied: start again at the front, so that the next read and send
	 * are one piece each (read and send, not readv and sendmsg). */
	if (ring_used(&c->ring) == 0)
		ring_init(&c->ring, c->ring.buf);
	return 0;
}

/* Data may wait in the socket (held data is retried by relaying again). */
static int readable(const struct conn *c)
{
	return (c->flags & (CONN_MORE | CONN_EOF)) == CONN_MORE;
}

/*
 * Edge mode reads on at once, since no new event will come for what is
 * left, unless the ring is full or held data waits for EPOLLOUT.
 */
static int read_on(const struct conn *c, const struct conn_env *e)
{
	return e->edge && readable(c) && !(c->flags & CONN_HELD) &&
	    ring_room(&c->ring, e->ring_size) > 0;
}

/*
 * Drop what waits in the socket without copying it (MSG_TRUNC): CONN_CLOSE
 * at the peer's FIN or an error, CONN_AGAIN if more may wait.
 */
static int discard(int fd, const struct conn_env *e)
{
	int round;
	ssize_t r;

	for (round = 0; round < ROUNDS; round++) {
		r = recv(fd, burst, sizeof burst, MSG_TRUNC | MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			return CONN_CLOSE;
		if (r < 0)
			return CONN_WAIT;
		e->count->bytes_dropped += (unsigned long long)r;
	}
	return CONN_AGAIN;
}

int conn_linger(struct conn *c, int fd, const struct conn_env *e)
{
	if (shutdown(fd, SHUT_WR) < 0)
		return CONN_CLOSE;
	c->flags |= CONN_DRAIN;
	return discard(fd, e);
}

int conn_serve(struct conn *c, int fd, uint32_t events,
    const struct conn_env *e)
{
	int round;

	if (events & (EPOLLERR | EPOLLHUP))
		return CONN_CLOSE;
	if (c->flags & CONN_DRAIN)
		return discard(fd, e);
	if (events & EPOLLIN)
		c->flags |= CONN_MORE;
	if (events & EPOLLRDHUP)
		c->flags |= CONN_RDHUP;
	if (events & EPOLLPRI)
		c->flags |= CONN_URGENT | CONN_MORE;
	/* Edge mode: held data waits for room, whatever else happened. */
	if ((c->flags & CONN_HELD) && events != 0 && !(events & EPOLLOUT))
		return CONN_WAIT;
	for (round = 1;; round++) {
		if (readable(c) &&
		    (bulk(c, e) ? relay(c, fd, e) : fill(c, fd, e)) < 0)
			return CONN_CLOSE;
		if (flush(c, fd, e) < 0)
			return CONN_CLOSE;
		if (!read_on(c, e))
			break;
		/* Bulk relays after the others, so that more has come in. */
		if (round == ROUNDS || bulk(c, e))
			return CONN_AGAIN;
	}
	if ((c->flags & CONN_EOF) && ring_used(&c->ring) == 0)
		return CONN_CLOSE;
	return CONN_WAIT;
}

/* Read while there is room and no FIN; send while data waits. */
uint32_t conn_interest(const struct conn *c, const struct conn_env *e)
{
	uint32_t want = 0;

	if (c->flags & CONN_DRAIN)
		return CONN_IN;
	if (!(c->flags & (CONN_EOF | CONN_HELD)) &&
	    ring_room(&c->ring, e->ring_size) > 0)
		want |= CONN_IN;
	if (ring_used(&c->ring) > 0 || (c->flags & CONN_HELD))
		want |= CONN_OUT;
	return want;
}
