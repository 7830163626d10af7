/*
 * udp: one recvmmsg fills up to UDP_BATCH fixed slots; the same mmsghdr
 * array, compacted to the datagrams worth answering, goes back out with
 * one sendmmsg. Each reply carries the packet info of its request, so a
 * host with several addresses answers from the address it was asked on.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "udp.h"

#define ROUNDS 4		/* batches per wake-up */

union peer {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

struct udp {
	struct mmsghdr msg[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	union peer peer[UDP_BATCH];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		    CMSG_SPACE(sizeof(struct in_pktinfo))];
	} ctrl[UDP_BATCH];
	unsigned char data[UDP_BATCH][UDP_MAX];
	int single;		/* no recvmmsg/sendmmsg in this kernel */
};

size_t udp_memsize(void)
{
	return sizeof(struct udp);
}

struct udp *udp_init(void *mem)
{
	struct udp *u = mem;

	u->single = 0;
	return u;
}

static void reset(struct udp *u)
{
	struct msghdr *m;
	int i;

	for (i = 0; i < UDP_BATCH; i++) {
		m = &u->msg[i].msg_hdr;
		u->iov[i].iov_base = u->data[i];
		u->iov[i].iov_len = UDP_MAX;
		m->msg_name = &u->peer[i];
		m->msg_namelen = sizeof u->peer[i];
		m->msg_iov = &u->iov[i];
		m->msg_iovlen = 1;
		m->msg_control = u->ctrl[i].buf;
		m->msg_controllen = sizeof u->ctrl[i].buf;
		m->msg_flags = 0;
		u->msg[i].msg_len = 0;
	}
}

static int is_small_service(unsigned port)
{
	/* echo, discard, daytime, qotd, chargen, time: all answer anyone. */
	static const unsigned short ports[] = { 0, 7, 9, 13, 17, 19, 37 };
	unsigned i;

	for (i = 0; i < sizeof ports / sizeof ports[0]; i++)
		if (port == ports[i])
			return 1;
	return 0;
}

static int bad_v4(const unsigned char *a)
{
	/* this network, multicast, reserved, broadcast */
	return a[0] == 0 || a[0] >= 224;
}

/*
 * As BSD inetd: never answer another small service (two echo servers
 * could bounce a spoofed packet forever) nor a source that can only be
 * spoofed (an answer would go to a group or a whole network).
 */
static int bad_source(const union peer *p)
{
	const unsigned char *a;

	if (p->sa.sa_family == AF_INET)
		return is_small_service(ntohs(p->in.sin_port)) ||
		    bad_v4((const unsigned char *)&p->in.sin_addr);
	if (p->sa.sa_family != AF_INET6)
		return 1;
	a = p->in6.sin6_addr.s6_addr;
	if (is_small_service(ntohs(p->in6.sin6_port)))
		return 1;
	if (IN6_IS_ADDR_V4MAPPED(&p->in6.sin6_addr))
		return bad_v4(a + 12);
	return IN6_IS_ADDR_MULTICAST(&p->in6.sin6_addr) ||
	    IN6_IS_ADDR_UNSPECIFIED(&p->in6.sin6_addr);
}

static int recv_batch(struct udp *u, int fd)
{
	int n, r;

	if (!u->single) {
		n = recvmmsg(fd, u->msg, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		u->single = 1;
	}
	for (n = 0; n < UDP_BATCH; n++) {
		r = (int)recvmsg(fd, &u->msg[n].msg_hdr, MSG_DONTWAIT);
		if (r < 0)
			return n > 0 ? n : -1;
		u->msg[n].msg_len = (unsigned)r;
	}
	return n;
}

static int send_batch(struct udp *u, int fd, struct mmsghdr *m, int n)
{
	if (!u->single) {
		int r = sendmmsg(fd, m, (unsigned)n, MSG_DONTWAIT);

		if (r >= 0 || errno != ENOSYS)
			return r;
		u->single = 1;
	}
	return sendmsg(fd, &m->msg_hdr, MSG_DONTWAIT) < 0 ? -1 : 1;
}

/* Keep the datagrams worth answering at the front; returns how many. */
static int select_replies(struct udp *u, int n, struct stats *st)
{
	int i, keep = 0;

	for (i = 0; i < n; i++) {
		struct msghdr *m = &u->msg[i].msg_hdr;

		if ((m->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
		    bad_source(&u->peer[i])) {
			st->udp_dropped++;
			continue;
		}
		u->iov[i].iov_len = u->msg[i].msg_len;
		if (m->msg_controllen == 0)
			m->msg_control = NULL;
		m->msg_flags = 0;
		u->msg[keep++] = u->msg[i];
	}
	return keep;
}

/*
 * Send replies [0, n). A reply the kernel refuses for its own sake (no
 * route to that peer) is dropped alone; a full buffer drops the rest.
 */
static void send_all(struct udp *u, int fd, int n, struct stats *st)
{
	int at = 0, r;

	while (at < n) {
		r = send_batch(u, fd, u->msg + at, n - at);
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

void udp_echo(struct udp *u, int fd, struct stats *st)
{
	int round, n;

	for (round = 0; round < ROUNDS; round++) {
		reset(u);
		n = recv_batch(u, fd);
		if (n <= 0)
			return;
		st->udp_in += (unsigned)n;
		send_all(u, fd, select_replies(u, n, st), st);
		if (n < UDP_BATCH)
			return;
	}
}
