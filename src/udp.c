/* SPDX-License-Identifier: ISC */
/*
 * udp: datagrams of any size, batched. One recvmmsg with MSG_PEEK |
 * MSG_TRUNC and no buffers learns the lengths of up to UDP_BATCH waiting
 * datagrams without taking any: with SO_PEEK_OFF each peek starts where
 * the last one ended, and each real read moves that point back by what
 * it took. Then real reads take as many as fit the 64 KiB area, one
 * after the other, and one sendmmsg answers them: small datagrams come
 * 32 to a read, a 64 KB one alone, none is ever cut. The peek offset
 * belongs to the socket, so a socket that other processes read too, or
 * a kernel without it for UDP (before 4.13), gets one datagram a read.
 * Each reply carries the packet info of its request, so a host with
 * several addresses answers from the address it was asked on. STAMP
 * sockets go the same way, behind the same guards and limits; their
 * requests are rewritten into replies in place (stamp.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "guard.h"
#include "limit.h"
#include "loop.h"
#include "net.h"
#include "stamp.h"
#include "sys.h"
#include "udp.h"

#define ROUNDS 4		/* batches per wake-up */
#define ERROR_MS 60000		/* STAMP: the clock's state is read this often */

union peer {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

struct udp_sock {
	int fd;
	unsigned port;		/* its own, which no answer goes to */
	int peek;		/* SO_PEEK_OFF is ours to use */
	uint32_t owed;		/* peeked, not yet read: the kernel's offset */
	int stamp;		/* a STAMP reflector's */
};

struct udp {
	struct mmsghdr msg[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	union peer peer[UDP_BATCH];
	union {
		struct cmsghdr align;
		char buf[NET_CONTROL];
	} ctrl[UDP_BATCH];
	uint32_t len[UDP_BATCH];	/* what the peek saw */
	struct udp_sock sock[2 * MAX_LISTEN];
	uint16_t error;		/* STAMP: our Error Estimate, */
	uint32_t error_at;	/* as of then (ms) */
	const struct addr_list *allow;
	struct limit limit;
	unsigned char data[UDP_AREA];
};

size_t udp_memsize(void)
{
	return sizeof(struct udp);
}

struct udp *udp_init(void *mem, const struct udp_setup *s)
{
	struct udp *u = mem;
	int i;

	u->allow = s->allow;
	for (i = 0; i < s->nfd && i < 2 * MAX_LISTEN; i++) {
		u->sock[i].fd = s->fd[i];
		u->sock[i].peek = net_udp_own(s->fd[i], !s->shared,
		    &u->sock[i].port);
		u->sock[i].owed = 0;
		u->sock[i].stamp = i >= s->nfd - s->nstamp;
	}
	limit_init(&u->limit, s->limit_mem, s->key, s->rate, s->burst);
	return u;
}

/*
 * Message i reads into len bytes at buf. musl's msghdr has padding the
 * kernel must see as 0 (send_all): its recvmmsg clears it, and nothing
 * else writes it.
 */
static void prepare(struct udp *u, int i, unsigned char *buf, size_t len)
{
	struct msghdr *m = &u->msg[i].msg_hdr;

	u->iov[i].iov_base = buf;
	u->iov[i].iov_len = len;
	m->msg_name = &u->peer[i];
	m->msg_namelen = sizeof u->peer[i];
	m->msg_iov = &u->iov[i];
	m->msg_iovlen = 1;
	m->msg_control = u->ctrl[i].buf;
	m->msg_controllen = sizeof u->ctrl[i].buf;
}

/* The lengths of up to UDP_BATCH waiting datagrams into u->len. */
static int peek(struct udp *u, struct udp_sock *s)
{
	int i, n;

	memset(u->msg, 0, sizeof u->msg);
	n = recvmmsg(s->fd, u->msg, UDP_BATCH,
	    MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT, NULL);
	for (i = 0; i < n; i++) {
		u->len[i] = u->msg[i].msg_len;
		s->owed += u->len[i];
	}
	return n;
}

/*
 * Read the peeked datagrams from the from-th on, as many as fit the area:
 * how many, or -1. Each read moves the kernel's peek offset back by what
 * it took. A datagram is cut short (and dropped) only if something else
 * read the socket, and the offset still comes back to 0.
 */
static int take(struct udp *u, struct udp_sock *s, int from, int peeked)
{
	size_t used = 0;
	int i, n;

	for (n = 0; from + n < peeked && u->len[from + n] <= UDP_AREA - used;
	    n++) {
		prepare(u, n, u->data + used, u->len[from + n]);
		used += u->len[from + n];
	}
	n = recvmmsg(s->fd, u->msg, (unsigned)n, MSG_TRUNC | MSG_DONTWAIT,
	    NULL);
	for (i = 0; i < n; i++)
		s->owed = s->owed > u->msg[i].msg_len ?
		    s->owed - u->msg[i].msg_len : 0;
	return n;
}

/* Why not to answer message m (the counter to bump), or NULL. */
static unsigned long long *refusal(struct udp *u, const struct udp_sock *s,
    const struct mmsghdr *m, uint32_t now, struct stats *st)
{
	const struct msghdr *h = &m->msg_hdr;
	struct addr a;
	unsigned port;

	if (h->msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return &st->udp_dropped;
	if (guard_check(h, s->port, &a, &port) != GUARD_OK)
		return &st->udp_guarded;
	if (u->allow != NULL && !addr_list_has(u->allow, &a))
		return &st->udp_denied;
	switch (limit_check(&u->limit, &a, port, h->msg_iov->iov_base,
	    m->msg_len, now)) {
	case LIMIT_LOOP:
		return &st->udp_looped;
	case LIMIT_RATE:
		return &st->udp_limited;
	}
	return NULL;
}

/*
 * Send replies [0, n). A reply the kernel refuses for its own sake (no
 * route to that peer) is dropped alone; a full buffer drops the rest.
 * The padding sys_sendmmsg needs 0 is (prepare), and the control data is
 * the kernel's own.
 */
static void send_all(struct udp *u, int fd, int n, struct stats *st)
{
	int at = 0, r;

	while (at < n) {
		r = sys_sendmmsg(fd, u->msg + at, (unsigned)(n - at),
		    MSG_DONTWAIT);
		if (r > 0) {
			st->udp_out += (unsigned)r;
			at += r;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
			st->udp_dropped += (unsigned)(n - at);
			return;
		}
		st->udp_dropped++;
		at++;
	}
}

/*
 * A STAMP request into its reply, but for the send time. The kernel's
 * receive time is the reflector's; without it (qemu-user), ours now.
 */
static int reflect(struct udp *u, struct mmsghdr *mm, uint32_t now,
    struct stats *st)
{
	struct stamp_rx rx;
	struct timespec t;
	unsigned ttl;
	uint64_t err;
	int synced;

	if (u->error == 0 || now - u->error_at >= ERROR_MS) {
		synced = clock_synced(&err);
		u->error = stamp_error(synced, err);
		u->error_at = now;
	}
	net_take_meta(&mm->msg_hdr, &t, &ttl);
	if (t.tv_sec == 0)
		clock_real(&t);
	rx.t2 = stamp_ntp(&t);
	rx.error = u->error;
	rx.ttl = (uint8_t)ttl;
	if (stamp_reflect(mm->msg_hdr.msg_iov->iov_base, mm->msg_len, &rx) == 0)
		return 0;
	st->stamp_short++;
	return -1;
}

/* STAMP: one send time for the batch, taken just before it goes. */
static void sent_now(struct udp *u, int n)
{
	struct timespec t;
	uint64_t t3;
	int i;

	clock_real(&t);
	t3 = stamp_ntp(&t);
	for (i = 0; i < n; i++)
		stamp_sent(u->msg[i].msg_hdr.msg_iov->iov_base, t3);
}

/* Answer the n datagrams read, those worth it at the front, in one go. */
static void answer(struct udp *u, const struct udp_sock *s, int n,
    uint32_t now, struct stats *st)
{
	unsigned long long *no;
	int i, keep = 0;

	st->udp_in += (unsigned)n;
	for (i = 0; i < n; i++) {
		if ((no = refusal(u, s, &u->msg[i], now, st)) != NULL) {
			(*no)++;
			continue;
		}
		if (s->stamp && reflect(u, &u->msg[i], now, st) < 0)
			continue;
		u->iov[i].iov_len = u->msg[i].msg_len;
		u->msg[keep++] = u->msg[i];
	}
	if (s->stamp)
		sent_now(u, keep);
	send_all(u, s->fd, keep, st);
}

/* One batch: a peek, then reads and answers. Returns how many, or -1. */
static int batch(struct udp *u, struct udp_sock *s, uint32_t now,
    struct stats *st)
{
	int peeked = peek(u, s), at, n;

	for (at = 0; at < peeked; at += n) {
		if ((n = take(u, s, at, peeked)) <= 0)
			return -1;
		answer(u, s, n, now, st);
	}
	return peeked;
}

/*
 * Up to UDP_BATCH datagrams one by one, each into the whole area (until
 * the peek offset is back at 0, if that is why).
 */
static int singles(struct udp *u, struct udp_sock *s, uint32_t now,
    struct stats *st)
{
	int n;

	u->len[0] = UDP_AREA;
	for (n = 0; n < UDP_BATCH && (!s->peek || s->owed != 0); n++) {
		if (take(u, s, 0, 1) <= 0)
			return n;
		answer(u, s, 1, now, st);
	}
	return UDP_BATCH;
}

void udp_echo(struct udp *u, int sock, struct stats *st)
{
	struct udp_sock *s = &u->sock[sock];
	uint32_t now = (uint32_t)clock_ms();
	int round;

	for (round = 0; round < ROUNDS; round++)
		if ((s->peek && s->owed == 0 ? batch(u, s, now, st) :
		    singles(u, s, now, st)) < UDP_BATCH)
			return;
}
