/* SPDX-License-Identifier: ISC */
/*
 * loop: the data word of every epoll event carries a slot index and the
 * slot's generation, so an event that was queued for a connection closed
 * earlier in the same batch never reaches the slot's next connection.
 * epoll_ctl runs only when a connection's interest really changes (its
 * send buffer filled up, or its ring did).
 */
#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "net.h"
#include "say.h"
#include "signals.h"
#include "sys.h"

/* Events per epoll_wait: 1000 ready connections take 4 calls, not 16. */
#define BATCH 256
#define ACCEPTS 32	/* accepts per listener wake-up, so clients get a turn */
#define PAUSE_MS 1000	/* accepting paused after an error it cannot shed */
#define NOTE_MS 10000	/* a kind of refusal is logged at most this often */
#define LINGER_MS 2000	/* after the idle timeout, for the peer to take the rest */

/*
 * The again list links connections through conn.again: 0 means not on
 * the list (fresh memory is zero, so a new slot needs no set-up), else
 * the next slot's index + 1, or AGAIN_END.
 */
#define AGAIN_END UINT32_MAX

#define SWEEP_MS 1000	/* metrics connections are checked this often */

/* Event ids above any slot index (slots are at most 2^20), by kind. */
#define ID_SIGNAL UINT32_MAX
#define ID_METRICS (UINT32_MAX - 1)		/* the metrics listener */
#define ID_SCRAPE (ID_METRICS - METRICS_CONNS)	/* + metrics connection */
#define ID_UDP (ID_SCRAPE - 2 * MAX_LISTEN)	/* + socket index (STAMP's too) */
#define ID_TCP (ID_UDP - MAX_LISTEN)		/* + listener index */

static uint64_t tag(uint32_t id, uint32_t gen)
{
	return (uint64_t)gen << 32 | id;
}

static uint32_t now_ms(void)
{
	return (uint32_t)clock_ms();
}

static struct conn *conn_of(struct loop *lp, const struct slot *s)
{
	return &lp->conn[slot_index(&lp->slots, s)];
}

/*
 * Register the listeners for events, or take them out (0). DEL and ADD
 * rather than MOD: EPOLLEXCLUSIVE registrations cannot be modified, and
 * ADD puts this process last among the listeners' exclusive waiters.
 */
static int listen_for(struct loop *lp, uint32_t events)
{
	int i;

	for (i = 0; i < lp->ntcp; i++) {
		struct epoll_event ev = { .events = events,
		    .data.u64 = tag(ID_TCP + (uint32_t)i, 0) };

		if (lp->armed != 0 && sys_epoll_ctl(lp->epoll_fd, EPOLL_CTL_DEL,
		    lp->tcp_fd[i], &ev) < 0)
			return -1;
		if (events != 0 && sys_epoll_ctl(lp->epoll_fd, EPOLL_CTL_ADD,
		    lp->tcp_fd[i], &ev) < 0)
			return -1;
	}
	lp->armed = events;
	return 0;
}

/*
 * Add to a count in shared memory. ARMv5 has no atomic instruction; for
 * it libgcc brings 3.8 KB of __sync functions around the kernel's cmpxchg
 * helper, which this calls itself.
 */
static int count_add(int *p, int d)
{
#if defined(__arm__) && __ARM_ARCH < 6
	typedef int (*cmpxchg_fn)(int, int, volatile int *);
	cmpxchg_fn cmpxchg = (cmpxchg_fn)0xffff0fc0;	/* __kuser_cmpxchg */
	int old;

	do
		old = *(volatile int *)p;
	while (cmpxchg(old, old + d, p) != 0);
	return old + d;
#else
	return __atomic_add_fetch(p, d, __ATOMIC_SEQ_CST);
#endif
}

/*
 * Count this worker among those with room, or not; how many are. Only
 * this worker (or its replacement) writes its in[].
 */
static int room(struct loop *lp, int has)
{
	struct loop_share *sh = lp->share;
	volatile int *in = &sh->in[lp->worker];

	if (*in == has)
		return *(volatile int *)&sh->room;
	*in = has;
	return count_add(&sh->room, has ? 1 : -1);
}

/*
 * What the listeners should wait for now (see struct loop_share): when
 * paused, nothing; shared, exclusively while a slot is free, else nothing
 * unless no worker has room: then plainly, to refuse.
 */
static uint32_t listen_events(struct loop *lp)
{
	int full = lp->slots.used == lp->slots.n;

	if (lp->paused)
		return 0;
	if (lp->share == NULL)
		return EPOLLIN;
	if (room(lp, !full) > 0)
		return full ? 0 : EPOLLIN | EPOLLEXCLUSIVE;
	return EPOLLIN;
}

static int relisten(struct loop *lp)
{
	uint32_t want = listen_events(lp);

	return want == lp->armed ? 0 : listen_for(lp, want);
}

/* Shared listeners follow the slots. */
static void slots_changed(struct loop *lp)
{
	if (lp->share != NULL && relisten(lp) < 0)
		say("epoll_ctl listener: %m");
}

/* close() also removes the fd from epoll: client fds are never shared. */
static void drop(struct loop *lp, struct slot *s)
{
	if (lp->cap != NULL)
		cap_give(lp->cap, slot_index(&lp->slots, s));
	close(s->fd);
	slot_give(&lp->slots, s);
	slots_changed(lp);
}

static void queue_again(struct loop *lp, struct slot *s)
{
	struct conn *c = conn_of(lp, s);

	if (c->again != 0)
		return;
	c->again = lp->again;
	lp->again = slot_index(&lp->slots, s) + 1;
}

/* Level mode: tell epoll what the connection needs now, if that changed. */
static int arm(struct loop *lp, struct slot *s, struct conn *c)
{
	struct epoll_event ev;
	uint32_t want = conn_interest(c, &lp->env);

	if ((c->flags & (CONN_IN | CONN_OUT)) == want)
		return 0;
	ev.events = (want & CONN_IN ? EPOLLIN : 0) |
	    (want & CONN_OUT ? EPOLLOUT : 0);
	ev.data.u64 = tag(slot_index(&lp->slots, s), s->gen);
	if (sys_epoll_ctl(lp->epoll_fd, EPOLL_CTL_MOD, s->fd, &ev) < 0)
		return -1;
	c->flags = (c->flags & ~(CONN_IN | CONN_OUT)) | want;
	return 0;
}

static void serve(struct loop *lp, struct slot *s, uint32_t events)
{
	struct conn *c = conn_of(lp, s);

	if (lp->idle_ms != 0 && !(c->flags & CONN_DRAIN))
		slot_touch(&lp->slots, s, lp->now);
	switch (conn_serve(c, s->fd, events, &lp->env)) {
	case CONN_AGAIN:
		queue_again(lp, s);
		return;
	case CONN_WAIT:
		if (lp->env.edge || arm(lp, s, c) == 0)
			return;
		break;
	}
	drop(lp, s);
}

static void serve_again(struct loop *lp)
{
	uint32_t next = lp->again;

	lp->again = AGAIN_END;
	while (next != AGAIN_END) {
		struct slot *s = &lp->slots.slot[next - 1];
		struct conn *c = &lp->conn[next - 1];

		next = c->again;
		c->again = 0;
		if (s->used)
			serve(lp, s, 0);
	}
}

/* -A and -C: the counter a client from peer goes to instead of slot i. */
static unsigned long long *turned_away(struct loop *lp, uint32_t i,
    const struct net_addr *peer)
{
	struct addr a;
	unsigned port;
	size_t len = peer->len < sizeof peer->u ? peer->len : sizeof peer->u;

	if (lp->allow == NULL && lp->cap == NULL)
		return NULL;
	if (addr_of(&peer->u, len, &a, &port) < 0)	/* a UNIX socket */
		return lp->allow != NULL ? &lp->count.rejected_allow : NULL;
	if (lp->allow != NULL && !addr_list_has(lp->allow, &a))
		return &lp->count.rejected_allow;
	if (lp->cap != NULL && cap_take(lp->cap, i, &a) < 0)
		return &lp->count.rejected_cap;
	return NULL;
}

/*
 * Count a refusal and say so, at most once per NOTE_MS with how many
 * there were since: a flood of them neither floods the log nor goes unseen.
 */
static void refused(struct note *n, unsigned long long *counter,
    const char *why)
{
	uint32_t now = now_ms();

	(*counter)++;
	n->count++;
	if (n->said && now - n->at < NOTE_MS)
		return;
	say("%s: refused %u connection%s", why, n->count,
	    n->count == 1 ? "" : "s");
	n->said = 1;
	n->at = now;
	n->count = 0;
}

static void admit(struct loop *lp, int fd, const struct net_addr *peer)
{
	struct slot *s = slot_take(&lp->slots, lp->now);
	unsigned long long *no;
	struct epoll_event ev;
	struct conn *c;
	uint32_t i;

	if (s == NULL) {
		close(fd);
		refused(&lp->full, &lp->count.rejected_full, "all slots in use");
		return;
	}
	if ((no = turned_away(lp, slot_index(&lp->slots, s), peer)) != NULL) {
		slot_give(&lp->slots, s);
		close(fd);
		(*no)++;
		return;
	}
	i = slot_index(&lp->slots, s);
	c = &lp->conn[i];
	s->fd = fd;
	conn_start(c, lp->rings + (size_t)i * lp->env.ring_size);
	c->flags |= CONN_IN;
	ev.events = EPOLLIN;
	if (lp->env.edge) {
		c->flags |= CONN_OUT;
		ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLET;
	}
	ev.data.u64 = tag(i, s->gen);
	if (sys_epoll_ctl(lp->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		say("epoll_ctl add: %m");
		drop(lp, s);
		return;
	}
	lp->count.accepted++;
	slots_changed(lp);
}

static void pause_accepting(struct loop *lp)
{
	lp->paused = 1;
	if (relisten(lp) < 0)
		say("epoll_ctl pause listener: %m");
	lp->now = now_ms();
	lp->resume_at = lp->now + PAUSE_MS;
}

static void resume_accepting(struct loop *lp)
{
	if (lp->spare_fd < 0)
		lp->spare_fd = dup(lp->tcp_fd[0]);
	lp->paused = 0;
	if (relisten(lp) < 0) {
		say("epoll_ctl resume listener: %m");
		pause_accepting(lp);
	}
}

/*
 * Out of descriptors: give the spare one up for a moment to accept the
 * waiting client and close it, so it sees EOF at once and the listener
 * stops being ready. Linux reports EMFILE even with no client waiting, so
 * an accept that finds nobody ends the turn. Returns 0 to go on.
 */
static int shed(struct loop *lp, int lfd)
{
	int fd, err;

	if (lp->spare_fd < 0) {
		pause_accepting(lp);
		return -1;
	}
	close(lp->spare_fd);
	fd = sys_accept(lfd, NULL, NULL, SOCK_CLOEXEC);
	err = errno;
	if (fd >= 0) {
		close(fd);
		refused(&lp->nofd, &lp->count.rejected_fd,
		    "out of descriptors");
	}
	lp->spare_fd = dup(lfd);
	if (fd >= 0)
		return 0;
	/*
	 * Still no descriptor (ENFILE: another process took the one we gave
	 * up): the client stays ready in the backlog, so wait rather than
	 * spin on it.
	 */
	if (err != EAGAIN)
		pause_accepting(lp);
	return -1;
}

/* accept4 failed: 0 to accept on, -1 to end this turn. */
static int accept_failed(struct loop *lp, int lfd)
{
	switch (errno) {
	case EAGAIN:
		return -1;
	case EMFILE:
	case ENFILE:
		return shed(lp, lfd);
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
	pause_accepting(lp);
	return -1;
}

static void on_listen(struct loop *lp, int lfd)
{
	struct net_addr peer;
	int i, fd;

	/* A refusing worker steps aside once another has room. */
	slots_changed(lp);
	for (i = 0; i < ACCEPTS && lp->armed != 0; i++) {
		peer.len = sizeof peer.u;
		fd = sys_accept(lfd, &peer.u.sa, &peer.len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			admit(lp, fd, &peer);
		else if (accept_failed(lp, lfd) < 0)
			break;
	}
	/* Shared: to the back of the queue, so the next client wakes another. */
	if (i > 0 && (lp->armed & EPOLLEXCLUSIVE) &&
	    listen_for(lp, lp->armed) < 0)
		say("epoll_ctl listener: %m");
}

static void report(struct loop *lp)
{
	char line[480], who[24] = "";

	if (lp->worker >= 0)
		say_fmt(who, sizeof who, "worker %d: ", lp->worker);
	lp->count.log_dropped = say_dropped();
	stats_line(line, sizeof line, &lp->count, lp->slots.used);
	say("%s%s", who, line);
}

/* Our counters where every worker's metrics read them. */
static void publish(struct loop *lp)
{
	lp->count.log_dropped = say_dropped();
	stats_publish(lp->counts, &lp->count, lp->slots.used);
}

/* A scraper: into a metrics connection, or closed if all are busy. */
static void on_scraper(struct loop *lp)
{
	int fd = sys_accept(lp->metrics_fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC), i;
	struct epoll_event ev = { .events = EPOLLIN };

	if (fd < 0 || (i = metrics_take(lp->metrics, fd, lp->now)) < 0)
		return;
	ev.data.u64 = tag(ID_SCRAPE + (uint32_t)i, 0);
	if (sys_epoll_ctl(lp->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		say("epoll_ctl add: %m");
	lp->scrapes = 1;
}

/* Returns 1 when the loop should stop. */
static int on_signal(struct loop *lp)
{
	struct signalfd_siginfo si;
	ssize_t r = read(lp->signal_fd, &si, sizeof si);

	if (r != sizeof si)
		return 0;
	if (si.ssi_signo == SIGUSR1)
		report(lp);
	else
		signals_other((int)si.ssi_signo);
	return si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT;
}

/*
 * A slot idle for idle_ms lingers: its peer gets a FIN after what was
 * sent and a little time to take it (the slot moves to the head of the
 * idle list, due in LINGER_MS). At the end of the linger it is closed.
 */
static void expire(struct loop *lp, struct slot *s)
{
	struct conn *c = conn_of(lp, s);
	uint32_t linger = lp->idle_ms < LINGER_MS ? lp->idle_ms : LINGER_MS;

	if (c->flags & CONN_DRAIN) {
		drop(lp, s);
		return;
	}
	lp->count.timed_out++;
	switch (conn_linger(c, s->fd, &lp->env)) {
	case CONN_CLOSE:
		drop(lp, s);
		return;
	case CONN_AGAIN:
		queue_again(lp, s);
		break;
	}
	if (!lp->env.edge && arm(lp, s, c) < 0) {
		drop(lp, s);
		return;
	}
	slot_expire_first(&lp->slots, s, lp->now - lp->idle_ms + linger);
}

/* Expire the slots idle for idle_ms or longer, oldest first. */
static void sweep(struct loop *lp)
{
	struct slot *s = slots_oldest(&lp->slots), *next;

	while (s != NULL && lp->now - s->last >= lp->idle_ms) {
		next = slot_newer(&lp->slots, s);
		expire(lp, s);
		s = next;
	}
}

static int until(uint32_t now, uint32_t at)
{
	int32_t left = (int32_t)(at - now);

	return left > 0 ? left : 0;
}

/* The epoll_wait timeout: the next idle expiry or resume, else forever. */
static int wait_ms(const struct loop *lp)
{
	const struct slot *s = slots_oldest(&lp->slots);
	int ms = -1;

	if (lp->again != AGAIN_END)
		return 0;
	if (lp->idle_ms != 0 && s != NULL)
		ms = until(lp->now, s->last + lp->idle_ms);
	if (lp->paused && (ms < 0 || until(lp->now, lp->resume_at) < ms))
		ms = until(lp->now, lp->resume_at);
	if (lp->scrapes && (ms < 0 || ms > SWEEP_MS))
		ms = SWEEP_MS;
	return ms;
}

static int add(struct loop *lp, int fd, uint32_t events, uint32_t id)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag(id, 0) };

	return sys_epoll_ctl(lp->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

int loop_init(struct loop *lp, const char **what)
{
	int i;

	lp->spare_fd = -1;
	lp->again = AGAIN_END;
	lp->paused = 0;
	*what = "signalfd";
	if ((lp->signal_fd = signals_fd()) < 0)
		return -1;
	*what = "epoll_create1";
	if ((lp->epoll_fd = sys_epoll_create()) < 0)
		return -1;
	*what = "epoll_ctl";
	if (add(lp, lp->signal_fd, EPOLLIN, ID_SIGNAL) < 0 ||
	    relisten(lp) < 0)
		return -1;
	for (i = 0; i < lp->nudp; i++)
		if (add(lp, lp->udp_fd[i], EPOLLIN |
		    (lp->share ? EPOLLEXCLUSIVE : 0), ID_UDP + (uint32_t)i) < 0)
			return -1;
	if (lp->metrics_fd >= 0 &&
	    add(lp, lp->metrics_fd, EPOLLIN, ID_METRICS) < 0)
		return -1;
	/*
	 * Edge mode: reads say what they left (Linux 4.18+; else guess).
	 * UNIX sockets have no TCP_INQ; their reads guess.
	 */
	lp->env.inq = lp->env.edge;
	for (i = 0; i < lp->ntcp && lp->env.inq; i++)
		if (net_set_inq(lp->tcp_fd[i]) < 0 && errno != EOPNOTSUPP)
			lp->env.inq = 0;
	lp->env.count = &lp->count;
	if (lp->single) {
		struct net_addr peer = { .len = sizeof peer.u };

		lp->now = now_ms();
		if (getpeername(0, &peer.u.sa, &peer.len) < 0)
			peer.len = 0;
		admit(lp, 0, &peer);
	}
	if (lp->ntcp == 0)
		return 0;
	*what = "dup";
	lp->spare_fd = dup(lp->tcp_fd[0]);
	return lp->spare_fd < 0 ? -1 : 0;
}

static int dispatch(struct loop *lp, const struct epoll_event *ev)
{
	uint32_t id = (uint32_t)ev->data.u64;
	struct slot *s;

	if (id == ID_SIGNAL)
		return on_signal(lp);
	if (id == ID_METRICS) {
		on_scraper(lp);
		return 0;
	}
	if (id >= ID_SCRAPE) {
		publish(lp);
		metrics_serve(lp->metrics, id - ID_SCRAPE);
		return 0;
	}
	if (id >= ID_UDP) {
		udp_echo(lp->udp, (int)(id - ID_UDP), &lp->count);
		return 0;
	}
	if (id >= ID_TCP) {
		on_listen(lp, lp->tcp_fd[id - ID_TCP]);
		return 0;
	}
	s = &lp->slots.slot[id];
	if (s->used && s->gen == (uint32_t)(ev->data.u64 >> 32))
		serve(lp, s, ev->events);
	return 0;
}

int loop_run(struct loop *lp)
{
	static struct epoll_event ev[BATCH];
	int clock = lp->idle_ms != 0 || lp->metrics_fd >= 0;
	int i, n;

	lp->now = now_ms();
	for (;;) {
		n = sys_epoll_wait(lp->epoll_fd, ev, BATCH, wait_ms(lp));
		if (n < 0 && errno != EINTR) {
			say("epoll_wait: %m");
			return 1;
		}
		if (clock || lp->paused)
			lp->now = now_ms();
		for (i = 0; i < n; i++)
			if (dispatch(lp, &ev[i]))
				return 0;
		serve_again(lp);
		if (lp->idle_ms != 0)
			sweep(lp);
		if (lp->single && lp->slots.used == 0)
			return 0;
		if (lp->paused && until(lp->now, lp->resume_at) == 0)
			resume_accepting(lp);
		if (lp->counts == NULL)
			continue;
		publish(lp);
		if (lp->scrapes)
			lp->scrapes = metrics_sweep(lp->metrics, lp->now);
	}
}
