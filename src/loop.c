/*
 * loop: one epoll instance. The data word of every event carries a slot
 * index and the slot's generation, so an event that was queued for a
 * connection closed earlier in the same batch never reaches the slot's
 * next connection.
 *
 * The fast path is one read and one send per message: after a read the
 * echo is sent at once, and epoll_ctl runs only when a slot's interest
 * really changes (its send buffer filled up, or its ring did).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "say.h"
#include "xform.h"

#define BATCH 64	/* events per epoll_wait */
#define ACCEPTS 32	/* accepts per listener wake-up, so clients get a turn */
#define ROUNDS 8	/* edge mode: read/send rounds per slot per turn */
#define PAUSE_MS 1000	/* accepting paused after an error it cannot shed */
#define BURST 65536	/* bulk: bytes relayed per peek */

/* Event ids above any slot index (slots are at most 2^20). */
enum {
	ID_SIGNAL = UINT32_MAX,
	ID_TCP = UINT32_MAX - 2 * MAX_LISTEN,	/* + listener index */
	ID_UDP = UINT32_MAX - MAX_LISTEN,	/* + socket index */
};

static uint64_t tag(uint32_t id, uint32_t gen)
{
	return (uint64_t)gen << 32 | id;
}

static uint32_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_sec * 1000u + (uint32_t)(ts.tv_nsec / 1000000);
}

static uint32_t ring_size(const struct server *sv)
{
	return sv->slots->ring_size;
}

/* close() also removes the fd from epoll: client fds are never shared. */
static void drop(struct server *sv, struct slot *s)
{
	close(s->fd);
	slot_give(sv->slots, s);
}

static void queue_again(struct server *sv, struct slot *s)
{
	if (s->flags & SLOT_QUEUED)
		return;
	s->flags |= SLOT_QUEUED;
	s->again = sv->again;
	sv->again = slot_index(sv->slots, s);
}

static void transform(struct slot *s, const struct iovec *iov, size_t n)
{
	int line = (s->flags & SLOT_LINE) != 0;

	if (n <= iov[0].iov_len) {
		xform_capitalize(iov[0].iov_base, n, &line);
	} else {
		xform_capitalize(iov[0].iov_base, iov[0].iov_len, &line);
		xform_capitalize(iov[1].iov_base, n - iov[0].iov_len, &line);
	}
	s->flags = line ? s->flags | SLOT_LINE : s->flags & ~SLOT_LINE;
}

/*
 * Edge mode: a read that also says how many bytes it left in the socket
 * (TCP_INQ, set on the listeners; 1 when only a FIN is left), so a full
 * ring is read again only when there is more to read. *inq stays -1 when
 * the kernel did not say.
 */
static ssize_t read_inq(int fd, struct iovec *iov, int n, int *inq)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)n,
	    .msg_control = cm.b, .msg_controllen = sizeof cm.b };
	struct cmsghdr *c;
	ssize_t r = recvmsg(fd, &msg, 0);

	if (r <= 0)
		return r;
	c = CMSG_FIRSTHDR(&msg);
	if (c != NULL && c->cmsg_level == IPPROTO_TCP &&
	    c->cmsg_type == TCP_CM_INQ && c->cmsg_len >= CMSG_LEN(sizeof(int)))
		memcpy(inq, CMSG_DATA(c), sizeof *inq);
	return r;
}

/*
 * One read into the ring's free space. SLOT_MORE stays set only when the
 * read filled all of it: a shorter read means the socket was drained,
 * unless a FIN is known to wait behind the data (edge mode gets no new
 * event for it). Returns -1 when the connection failed.
 */
static int fill(struct server *sv, struct slot *s)
{
	struct iovec iov[2];
	int n = ring_in_iov(&s->ring, ring_size(sv), iov);
	size_t want;
	ssize_t r;
	int inq = -1;

	if (n == 0)
		return 0;
	want = iov[0].iov_len + (n == 2 ? iov[1].iov_len : 0);
	if (sv->inq)
		r = read_inq(s->fd, iov, n, &inq);
	else
		r = n == 1 ? read(s->fd, iov[0].iov_base, iov[0].iov_len) :
		    readv(s->fd, iov, 2);
	s->flags &= ~SLOT_MORE;
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (r == 0) {
		s->flags |= SLOT_EOF;
		return 0;
	}
	if (sv->capitalize)
		transform(s, iov, (size_t)r);
	ring_produced(&s->ring, (uint32_t)r);
	sv->count.bytes_in += (unsigned long long)r;
	/* The read filled the ring: bulk, next time relay (if more waits). */
	if ((size_t)r == want)
		s->flags |= SLOT_BULK;
	else
		s->flags &= ~SLOT_BULK;
	if (inq >= 0 ? inq > 0 : (size_t)r == want || (s->flags & SLOT_RDHUP))
		s->flags |= SLOT_MORE;
	return 0;
}

/*
 * Bulk: once a read has filled the ring and the ring is empty again, the
 * socket's receive queue is the buffer. Peek up to BURST bytes, send them
 * and drop from the socket what the send took (MSG_TRUNC: no copy): three
 * syscalls per 64 KiB instead of two per ring. What the peer cannot take
 * yet stays in the socket under TCP's flow control (SLOT_HELD) until
 * EPOLLOUT. Echo mode only: capitalize must see every byte once.
 */
static int relay(struct server *sv, struct slot *s)
{
	static unsigned char burst[BURST];
	ssize_t n, k;

	s->flags &= ~(SLOT_MORE | SLOT_HELD | SLOT_BULK);
	n = recv(s->fd, burst, sizeof burst, MSG_PEEK);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0) {
		s->flags |= SLOT_EOF;
		return 0;
	}
	k = send(s->fd, burst, (size_t)n, MSG_NOSIGNAL);
	if (k < 0) {
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		k = 0;
	}
	if (k > 0 && recv(s->fd, burst, (size_t)k, MSG_TRUNC) != k)
		return -1;
	sv->count.bytes_in += (unsigned long long)k;
	sv->count.bytes_out += (unsigned long long)k;
	if (k < n)
		s->flags |= SLOT_HELD;
	/* More may wait, or a FIN that edge mode gets no new event for. */
	if (k < n || n == BURST || (s->flags & SLOT_RDHUP))
		s->flags |= SLOT_MORE;
	/* Still bulk while more than a ring's worth comes at a time. */
	if (k < n || (size_t)n > ring_size(sv))
		s->flags |= SLOT_BULK;
	return 0;
}

/* Relay rather than fill: bulk data, an empty ring, a ring below BURST. */
static int bulk(const struct server *sv, const struct slot *s)
{
	return sv->relay && (s->flags & SLOT_BULK) && ring_used(&s->ring) == 0;
}

/* One send of what the ring holds. Returns -1 when the connection failed. */
static int flush(struct server *sv, struct slot *s)
{
	struct iovec iov[2];
	struct msghdr msg = { .msg_iov = iov };
	int n = ring_out_iov(&s->ring, ring_size(sv), iov);
	ssize_t r;

	if (n == 0)
		return 0;
	msg.msg_iovlen = n;
	r = n == 1 ? send(s->fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL) :
	    sendmsg(s->fd, &msg, MSG_NOSIGNAL);
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	ring_consumed(&s->ring, (uint32_t)r);
	sv->count.bytes_out += (unsigned long long)r;
	/* Emptied: start again at the front, so that the next read and send
	 * are one piece each (read and send, not readv and sendmsg). */
	if (ring_used(&s->ring) == 0)
		ring_init(&s->ring, s->ring.buf);
	return 0;
}

/* Level mode: read while there is room and no FIN; send while data waits. */
static int arm(struct server *sv, struct slot *s)
{
	struct epoll_event ev;
	uint32_t want = 0;

	if (!(s->flags & (SLOT_EOF | SLOT_HELD)) &&
	    ring_room(&s->ring, ring_size(sv)) > 0)
		want |= SLOT_IN;
	if (ring_used(&s->ring) > 0 || (s->flags & SLOT_HELD))
		want |= SLOT_OUT;
	if ((s->flags & (SLOT_IN | SLOT_OUT)) == want)
		return 0;
	ev.events = (want & SLOT_IN ? EPOLLIN : 0) |
	    (want & SLOT_OUT ? EPOLLOUT : 0);
	ev.data.u64 = tag(slot_index(sv->slots, s), s->gen);
	if (epoll_ctl(sv->epoll_fd, EPOLL_CTL_MOD, s->fd, &ev) < 0)
		return -1;
	s->flags = (s->flags & ~(SLOT_IN | SLOT_OUT)) | want;
	return 0;
}

/*
 * Edge mode gets no second event for data it left in the socket, so it
 * reads again whenever a send made room, up to ROUNDS times; past that the
 * slot goes on the again list, so one fast peer cannot starve the others.
 */
static void serve(struct server *sv, struct slot *s, uint32_t events)
{
	int round;

	if (events & (EPOLLERR | EPOLLHUP))
		goto fail;
	if (sv->idle_ms != 0)
		slot_touch(sv->slots, s, sv->now);
	if (events & EPOLLIN)
		s->flags |= SLOT_MORE;
	if (events & EPOLLRDHUP)
		s->flags |= SLOT_RDHUP;
	/* Edge mode: held data waits for room, whatever else happened. */
	if ((s->flags & SLOT_HELD) && events != 0 && !(events & EPOLLOUT))
		return;
	for (round = 1;; round++) {
		if ((s->flags & (SLOT_MORE | SLOT_EOF)) == SLOT_MORE &&
		    (bulk(sv, s) ? relay(sv, s) : fill(sv, s)) < 0)
			goto fail;
		if (flush(sv, s) < 0)
			goto fail;
		if (!sv->edge || (s->flags & (SLOT_MORE | SLOT_EOF)) != SLOT_MORE ||
		    ring_room(&s->ring, ring_size(sv)) == 0 ||
		    (s->flags & SLOT_HELD))
			break;
		/* Bulk: relay after the other ready slots, as level mode does,
		 * so that more has come in by then. */
		if (bulk(sv, s)) {
			queue_again(sv, s);
			break;
		}
		if (round == ROUNDS) {
			queue_again(sv, s);
			break;
		}
	}
	if ((s->flags & SLOT_EOF) && ring_used(&s->ring) == 0)
		goto fail;
	if (!sv->edge && arm(sv, s) < 0)
		goto fail;
	return;
fail:
	drop(sv, s);
}

static void serve_again(struct server *sv)
{
	uint32_t i = sv->again;

	sv->again = SLOT_NIL;
	while (i != SLOT_NIL) {
		struct slot *s = &sv->slots->slot[i];

		i = s->again;
		s->flags &= ~SLOT_QUEUED;
		if (s->flags & SLOT_USED)
			serve(sv, s, 0);
	}
}

static void admit(struct server *sv, int fd)
{
	struct slot *s = slot_take(sv->slots, sv->now);
	struct epoll_event ev;

	if (s == NULL) {
		close(fd);
		sv->count.rejected_full++;
		return;
	}
	s->fd = fd;
	s->flags |= SLOT_LINE | SLOT_IN;
	ev.events = EPOLLIN;
	if (sv->edge) {
		s->flags |= SLOT_OUT;
		ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	}
	ev.data.u64 = tag(slot_index(sv->slots, s), s->gen);
	if (epoll_ctl(sv->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		say("epoll_ctl add: %m");
		drop(sv, s);
		return;
	}
	sv->count.accepted++;
}

/*
 * Take the listeners out of epoll for a while, or put them back. DEL and
 * ADD rather than MOD: EPOLLEXCLUSIVE registrations cannot be modified.
 */
static int listening(struct server *sv, int on)
{
	int i;

	for (i = 0; i < sv->ntcp; i++) {
		struct epoll_event ev = { .events = EPOLLIN,
		    .data.u64 = tag(ID_TCP + (uint32_t)i, 0) };

		if (sv->shared)
			ev.events |= EPOLLEXCLUSIVE;
		if (epoll_ctl(sv->epoll_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
		    sv->tcp_fd[i], &ev) < 0)
			return -1;
	}
	return 0;
}

static void pause_accepting(struct server *sv)
{
	if (listening(sv, 0) < 0)
		say("epoll_ctl pause listener: %m");
	sv->paused = 1;
	sv->now = now_ms();
	sv->resume_at = sv->now + PAUSE_MS;
}

static void resume_accepting(struct server *sv)
{
	if (sv->spare_fd < 0)
		sv->spare_fd = dup(sv->tcp_fd[0]);
	if (listening(sv, 1) < 0) {
		say("epoll_ctl resume listener: %m");
		listening(sv, 0);
		sv->resume_at = sv->now + PAUSE_MS;
		return;
	}
	sv->paused = 0;
}

/*
 * Out of descriptors: give the spare one up for a moment to accept the
 * waiting client and close it, so it sees EOF at once and the listener
 * stops being ready. Linux reports EMFILE even with no client waiting, so
 * an accept that finds nobody ends the turn. Returns 0 to go on.
 */
static int shed(struct server *sv, int lfd)
{
	int fd, err;

	if (sv->spare_fd < 0) {
		pause_accepting(sv);
		return -1;
	}
	close(sv->spare_fd);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	err = errno;
	if (fd >= 0) {
		close(fd);
		sv->count.rejected_fd++;
	}
	sv->spare_fd = dup(lfd);
	if (fd >= 0)
		return 0;
	/*
	 * Still no descriptor (ENFILE: another process took the one we gave
	 * up): the client stays ready in the backlog, so wait rather than
	 * spin on it.
	 */
	if (err != EAGAIN)
		pause_accepting(sv);
	return -1;
}

/* accept4 failed: 0 to accept on, -1 to end this turn. */
static int accept_failed(struct server *sv, int lfd)
{
	switch (errno) {
	case EAGAIN:
		return -1;
	case EMFILE:
	case ENFILE:
		return shed(sv, lfd);
	case EINTR:
	case ECONNABORTED:
	case EPERM:		/* a firewall rule refused this one */
	/* Network errors of one pending connection, as accept(2) lists. */
	case ENETDOWN:
	case EPROTO:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return 0;
	}
	say("accept4: %m; pausing for %u ms", PAUSE_MS);
	pause_accepting(sv);
	return -1;
}

static void on_listen(struct server *sv, int lfd)
{
	int i, fd;

	for (i = 0; i < ACCEPTS; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			admit(sv, fd);
		else if (accept_failed(sv, lfd) < 0)
			return;
	}
}

static void report(const struct server *sv)
{
	const struct stats *c = &sv->count;

	say("accepted %llu active %u rejected_full %llu rejected_fd %llu "
	    "timed_out %llu bytes_in %llu bytes_out %llu "
	    "udp_in %llu udp_out %llu udp_dropped %llu",
	    c->accepted, sv->slots->used, c->rejected_full, c->rejected_fd,
	    c->timed_out, c->bytes_in, c->bytes_out,
	    c->udp_in, c->udp_out, c->udp_dropped);
}

/* Returns 1 when the loop should stop. */
static int on_signal(struct server *sv)
{
	struct signalfd_siginfo si;
	ssize_t r = read(sv->signal_fd, &si, sizeof si);

	if (r != sizeof si)
		return 0;
	if (si.ssi_signo == SIGUSR1) {
		report(sv);
		return 0;
	}
	return 1;
}

/* Close the slots idle for idle_ms or longer, oldest first. */
static void sweep(struct server *sv)
{
	struct slot *s;

	while ((s = slots_oldest(sv->slots)) != NULL &&
	    sv->now - s->last >= sv->idle_ms) {
		drop(sv, s);
		sv->count.timed_out++;
	}
}

static int until(uint32_t now, uint32_t at)
{
	int32_t left = (int32_t)(at - now);

	return left > 0 ? left : 0;
}

/* The epoll_wait timeout: the next idle expiry or resume, else forever. */
static int wait_ms(const struct server *sv)
{
	const struct slot *s = slots_oldest(sv->slots);
	int ms = -1;

	if (sv->again != SLOT_NIL)
		return 0;
	if (sv->idle_ms != 0 && s != NULL)
		ms = until(sv->now, s->last + sv->idle_ms);
	if (sv->paused && (ms < 0 || until(sv->now, sv->resume_at) < ms))
		ms = until(sv->now, sv->resume_at);
	return ms;
}

int loop_init(struct server *sv, const char **what)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t set;
	int i;

	sv->spare_fd = -1;
	sv->again = SLOT_NIL;
	sv->paused = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	*what = "signalfd";
	sv->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sv->signal_fd < 0)
		return -1;
	*what = "epoll_create1";
	sv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (sv->epoll_fd < 0)
		return -1;
	*what = "epoll_ctl";
	ev.data.u64 = tag(ID_SIGNAL, 0);
	if (epoll_ctl(sv->epoll_fd, EPOLL_CTL_ADD, sv->signal_fd, &ev) < 0)
		return -1;
	if (listening(sv, 1) < 0)
		return -1;
	for (i = 0; i < sv->nudp; i++) {
		ev.events = EPOLLIN | (sv->shared ? EPOLLEXCLUSIVE : 0);
		ev.data.u64 = tag(ID_UDP + (uint32_t)i, 0);
		if (epoll_ctl(sv->epoll_fd, EPOLL_CTL_ADD, sv->udp_fd[i], &ev) < 0)
			return -1;
	}
	/* Edge mode: reads say what they left (Linux 4.18+; else guess). */
	sv->inq = sv->edge;
	for (i = 0; i < sv->ntcp && sv->inq; i++)
		if (setsockopt(sv->tcp_fd[i], IPPROTO_TCP, TCP_INQ, &sv->inq,
		    sizeof sv->inq) < 0)
			sv->inq = 0;
	if (sv->ntcp == 0)
		return 0;
	sv->relay = !sv->capitalize && ring_size(sv) < BURST;
	*what = "dup";
	sv->spare_fd = dup(sv->tcp_fd[0]);
	return sv->spare_fd < 0 ? -1 : 0;
}

static int dispatch(struct server *sv, const struct epoll_event *ev)
{
	uint32_t id = (uint32_t)ev->data.u64;
	struct slot *s;

	if (id == ID_SIGNAL)
		return on_signal(sv);
	if (id >= ID_UDP) {
		udp_echo(sv->udp, sv->udp_fd[id - ID_UDP], &sv->count);
		return 0;
	}
	if (id >= ID_TCP) {
		on_listen(sv, sv->tcp_fd[id - ID_TCP]);
		return 0;
	}
	s = &sv->slots->slot[id];
	if ((s->flags & SLOT_USED) && s->gen == (uint32_t)(ev->data.u64 >> 32))
		serve(sv, s, ev->events);
	return 0;
}

int loop_run(struct server *sv)
{
	static struct epoll_event ev[BATCH];
	int clock = sv->idle_ms != 0;
	int i, n;

	sv->now = now_ms();
	for (;;) {
		n = epoll_wait(sv->epoll_fd, ev, BATCH, wait_ms(sv));
		if (n < 0 && errno != EINTR) {
			say("epoll_wait: %m");
			return 1;
		}
		if (clock || sv->paused)
			sv->now = now_ms();
		for (i = 0; i < n; i++)
			if (dispatch(sv, &ev[i]))
				return 0;
		serve_again(sv);
		if (sv->idle_ms != 0)
			sweep(sv);
		if (sv->paused && until(sv->now, sv->resume_at) == 0)
			resume_accepting(sv);
	}
}
