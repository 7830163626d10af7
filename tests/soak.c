/* SPDX-License-Identifier: ISC */
/*
 * soak: mixed clients against one echod for a while, every byte checked.
 *
 *   soak [-d seconds] [-c slots] [-t idle] [-s seed] [-m modes] -- server [args]
 *
 * The time is split between the modes (default "level,edge"): for each, one
 * server is started as `server args -c slots -t idle [-E] -p 0` and the port
 * read from its start line. Then, until the mode's time is up, clients run
 * side by side over 127.0.0.1 and ::1, chosen at random:
 *   half    random size, random write and read chunks, shutdown(SHUT_WR)
 *           when all is sent, then read to EOF: every byte back, then EOF;
 *   full    the same, but close() once every byte came back;
 *   slow    a small receive buffer and reads with pauses: back-pressure;
 *   reset   RST (SO_LINGER 0, close) in mid-stream, after some echo;
 *   idle    connects and sends nothing: the idle timeout must close it;
 *   burst   every few seconds slots + 16 idle clients at once: those beyond
 *           the free slots must see EOF or RST at once (rejects), the rest
 *           are closed by the timeout.
 * Every payload is a deterministic function of the connection and offset,
 * and every byte that comes back is compared. A client that got nothing
 * back and was closed is a reject; an idle client closed after at least
 * -t seconds is a timeout. The server's own counters (SIGUSR1) must agree
 * with these figures, its VmSize and its number of open descriptors must
 * not change, and it must exit 0 on SIGTERM. Static C, one thread, poll(2).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/proc.h"
#include "lib/rand.h"
#include "lib/report.h"
#include "lib/server.h"
#include "lib/sock.h"

#define MAX_CLIENTS 512
#define DATA_CONC 12		/* data clients at a time */
#define IDLE_CONC 2		/* idle clients at a time, besides bursts */
#define BURST_EXTRA 16		/* a burst is slots + this many */
#define BURST_FIRST 1.0		/* seconds into a mode */
#define BURST_EVERY 6.0
#define DATA_STALL 15.0		/* a data client with no progress this long */
#define IDLE_GRACE 5.0		/* an idle client open past -t plus this */
#define DRAIN_GRACE 15.0	/* the clients still open at the end */
#define EARLY 0.05		/* timer slack before -t that still counts */
#define BACKOFF 0.01		/* no new data client this soon after a reject */
#define BUF (256 * 1024)
#define MAX_NOTES 12

enum kind { K_HALF, K_FULL, K_SLOW, K_RESET, K_IDLE, K_KINDS };
static const char *const kind_name[K_KINDS] = {
	"half", "full", "slow", "reset", "idle"
};

struct client {
	int fd;
	enum kind kind;
	int v6, burst, connecting, wr_shut;
	uint64_t id, seed;
	size_t size, sent, recvd;
	size_t reset_at;	/* reset: after this many bytes came back */
	size_t read_max;	/* slow: bytes per read */
	double t_connect;	/* when connect() was called */
	double last;		/* last progress */
	double pause_until;	/* slow: no reading until then */
};

struct tally {
	unsigned long long served, served_half, served_full, served_slow;
	unsigned long long served_v4, served_v6;
	unsigned long long bytes_verified, bytes_sent;
	unsigned long long rejects, timeouts, resets, wrong, failures;
	double reject_max, idle_min, idle_max;
};

/* What the server says on SIGUSR1, in this order. */
enum { ACCEPTED, ACTIVE, REJECTED_FULL, REJECTED_FD, TIMED_OUT, BYTES_IN,
    BYTES_OUT, NKEYS };
static const char *const keys[NKEYS] = { "accepted", "active",
    "rejected_full", "rejected_fd", "timed_out", "bytes_in", "bytes_out" };

/* The server's state before and after the clients. */
struct sample {
	long vmsize, vmrss, seccomp, fds;
};

static struct client cl[MAX_CLIENTS];
static int ncl;
static struct tally tl;
static char notes[MAX_NOTES][256];
static int nnotes;
static unsigned char iobuf[BUF], want[BUF];
static struct server srv;	/* the server of the current mode */
static struct addr to4, to6;

/* Options. */
static double duration = 60;
static unsigned slots = 64, idle_s = 2;
static uint64_t seed = 1;
static const char *modes = "level,edge";

/* Bytes [off, off + n) of the stream with this seed. */
static void payload(uint64_t s, size_t off, unsigned char *p, size_t n)
{
	size_t i;
	uint64_t w = mix(s ^ (off >> 3));

	for (i = 0; i < n; i++, off++) {
		if ((off & 7) == 0)
			w = mix(s ^ (off >> 3));
		p[i] = (unsigned char)(w >> ((off & 7) * 8));
	}
}

static void note(const struct client *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	tl.failures++;
	if (nnotes == MAX_NOTES)
		return;
	n = snprintf(notes[nnotes], sizeof notes[0], "client %llu (%s, %s): ",
	    (unsigned long long)c->id, kind_name[c->kind],
	    c->v6 ? "::1" : "127.0.0.1");
	va_start(ap, fmt);
	vsnprintf(notes[nnotes] + n, sizeof notes[0] - (size_t)n, fmt, ap);
	va_end(ap);
	nnotes++;
}

/* Lines other than the start line and counters: complaints. */
static int complaints(char *out, size_t size)
{
	const char *p = srv.err, *nl;
	int n = 0;

	out[0] = '\0';
	for (; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p) - 1;
		/* The start line, counters, and the refusals soak provokes. */
		if (strncmp(p, "echod: listening on ", 20) == 0 ||
		    strncmp(p, "echod: accepted ", 16) == 0 ||
		    strncmp(p, "echod: all slots in use: refused ", 33) == 0)
			continue;
		if (n++ == 0)
			snprintf(out, size, "%.*s", (int)(nl - p), p);
	}
	return n;
}

static struct sample sample(pid_t pid)
{
	struct sample s;

	s.vmsize = proc_number(pid, "VmSize");
	s.vmrss = proc_number(pid, "VmRSS");
	s.seccomp = proc_number(pid, "Seccomp");
	s.fds = proc_fds(pid);
	return s;
}

/* ---- clients ------------------------------------------------------------ */

static size_t random_size(enum kind k)
{
	unsigned r = (unsigned)(rnd() % 100);

	if (k == K_SLOW)
		return between(16384, 131072);
	if (r < 45)
		return between(1, 2048);
	if (r < 80)
		return between(2049, 65536);
	if (r < 95)
		return between(65537, 524288);
	return between(524289, 2 * 1024 * 1024);
}

/* A chunk size: small, MTU-ish, medium or large, at most max. */
static size_t chunk(size_t max)
{
	static const size_t top[] = { 16, 1500, 16384, BUF };
	size_t c = between(1, top[rnd() % 4]);

	return c < max ? c : max;
}

/* The last client takes the place of c. */
static void remove_client(struct client *c)
{
	*c = cl[--ncl];
}

static void close_client(struct client *c)
{
	close(c->fd);
	remove_client(c);
}

/* A new client of kind k: its size and behaviour, not yet connected. */
static struct client *new_client(enum kind k, int burst)
{
	static uint64_t next_id;
	struct client *c = &cl[ncl];

	memset(c, 0, sizeof *c);
	c->kind = k;
	c->v6 = (int)(rnd() & 1);
	c->burst = burst;
	c->id = next_id++;
	c->seed = mix(seed ^ mix(c->id));
	if (k != K_IDLE)
		c->size = random_size(k);
	if (k == K_RESET)
		c->reset_at = c->size > 1 ? between(1, c->size - 1) : 1;
	if (k == K_SLOW)
		c->read_max = between(2048, 8192);
	return c;
}

static int start_client(enum kind k, int burst)
{
	struct client *c;

	if (ncl == MAX_CLIENTS)
		return -1;
	c = new_client(k, burst);
	c->fd = dial_start(c->v6 ? &to6 : &to4,
	    k == K_SLOW ? (int)between(4096, 65536) : 0);
	if (c->fd < 0) {
		note(c, "%s", why);
		why[0] = '\0';
		return -1;
	}
	c->connecting = 1;
	c->t_connect = c->last = now();
	ncl++;
	return 0;
}

static enum kind random_data_kind(void)
{
	unsigned r = (unsigned)(rnd() % 100);

	return r < 40 ? K_HALF : r < 65 ? K_FULL : r < 82 ? K_SLOW : K_RESET;
}

/*
 * The connection ended (EOF or RST) with nothing echoed: a reject if the
 * client was never served; for an idle client, a timeout once -t passed.
 */
static void ended_unserved(struct client *c, int rst)
{
	double t = now() - c->t_connect;

	if (c->kind == K_IDLE && t >= idle_s - EARLY) {
		if (rst)
			note(c, "RST instead of EOF after %.2f s idle", t);
		tl.timeouts++;
		if (tl.idle_min == 0 || t < tl.idle_min)
			tl.idle_min = t;
		if (t > tl.idle_max)
			tl.idle_max = t;
		return;
	}
	tl.rejects++;
	if (t > tl.reject_max)
		tl.reject_max = t;
}

static void served(struct client *c)
{
	tl.served++;
	if (c->kind == K_FULL)
		tl.served_full++;
	else if (c->kind == K_SLOW)
		tl.served_slow++;
	else
		tl.served_half++;
	if (c->v6)
		tl.served_v6++;
	else
		tl.served_v4++;
}

/* Compare what came back with the payload; 0 if it is all right. */
static int verify(struct client *c, const unsigned char *p, size_t n)
{
	size_t i;

	if (c->recvd + n > c->sent) {
		note(c, "%zu bytes back but only %zu sent", c->recvd + n,
		    c->sent);
		return -1;
	}
	payload(c->seed, c->recvd, want, n);
	if (memcmp(p, want, n) != 0) {
		for (i = 0; p[i] == want[i]; i++)
			;
		tl.wrong++;
		note(c, "wrong byte at offset %zu: 0x%02x, sent 0x%02x",
		    c->recvd + i, p[i], want[i]);
		return -1;
	}
	c->recvd += n;
	tl.bytes_verified += n;
	c->last = now();
	return 0;
}

/* r > 0 bytes came back; returns 1 if the client is finished (removed). */
static int got_bytes(struct client *c, size_t r)
{
	if (c->kind == K_IDLE) {
		note(c, "%zu bytes on a connection that sent none", r);
		close_client(c);
		return 1;
	}
	if (verify(c, iobuf, r) < 0) {
		close_client(c);
		return 1;
	}
	if (c->kind == K_SLOW)
		c->pause_until = now() + (double)between(1, 10) / 1000.0;
	if (c->kind == K_RESET && c->recvd >= c->reset_at) {
		tl.resets++;
		reset_close(c->fd);
		remove_client(c);
		return 1;
	}
	if (c->kind == K_FULL && c->recvd == c->size) {
		served(c);
		close_client(c);
		return 1;
	}
	return 0;
}

/* One read; returns 1 if the client is finished (and removed). */
static int on_readable(struct client *c)
{
	size_t max = c->kind == K_SLOW ? c->read_max : BUF;
	ssize_t r = read(c->fd, iobuf, chunk(max));

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r > 0)
		return got_bytes(c, (size_t)r);
	/* EOF (r == 0) or an error such as ECONNRESET. */
	if (c->recvd == 0)
		ended_unserved(c, r < 0);
	else if (r == 0 && c->wr_shut && c->recvd == c->size)
		served(c);
	else
		note(c, "%s after %zu of %zu bytes back (%zu sent)",
		    r == 0 ? "EOF" : strerror(errno), c->recvd, c->size,
		    c->sent);
	close_client(c);
	return 1;
}

/* The server closed while we wrote (err): the reading side tells why. */
static int write_failed(struct client *c, const char *what, int err)
{
	if (c->recvd == 0)
		ended_unserved(c, 1);
	else
		note(c, "%s: %s after %zu sent, %zu back", what, strerror(err),
		    c->sent, c->recvd);
	close_client(c);
	return 1;
}

/* One write; returns 1 if the client is finished (and removed). */
static int on_writable(struct client *c)
{
	size_t n = chunk(c->size - c->sent);
	ssize_t r;

	payload(c->seed, c->sent, iobuf, n);
	r = send(c->fd, iobuf, n, MSG_NOSIGNAL);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r < 0)
		return write_failed(c, "send", errno);
	c->sent += (size_t)r;
	tl.bytes_sent += (unsigned long long)r;
	c->last = now();
	if (c->sent == c->size && (c->kind == K_HALF || c->kind == K_SLOW)) {
		/* ENOTCONN: an RST from the server came first. */
		if (shutdown(c->fd, SHUT_WR) < 0)
			return write_failed(c, "shutdown", errno);
		c->wr_shut = 1;
	}
	return 0;
}

static int on_connected(struct client *c)
{
	int err = sock_error(c->fd);

	if (err != 0) {
		note(c, "connect: %s", strerror(err));
		close_client(c);
		return 1;
	}
	c->connecting = 0;
	c->last = now();
	return 0;
}

/* Too long without progress: the server lost bytes, stalled or spun. */
static int stalled(struct client *c, double t)
{
	if (c->kind == K_IDLE) {
		if (t - c->t_connect < idle_s + IDLE_GRACE)
			return 0;
		note(c, "still open %.1f s after connecting with -t %u",
		    t - c->t_connect, idle_s);
	} else {
		if (t - c->last < DATA_STALL)
			return 0;
		note(c, "no progress for %.0f s: %zu of %zu sent, %zu back%s",
		    t - c->last, c->sent, c->size, c->recvd,
		    c->wr_shut ? ", write side shut" : "");
	}
	close_client(c);
	return 1;
}

static short interest(const struct client *c, double t)
{
	short ev = 0;

	if (c->connecting)
		return POLLOUT;
	if (c->kind != K_SLOW || t >= c->pause_until)
		ev |= POLLIN;
	if (c->kind != K_IDLE && c->sent < c->size)
		ev |= POLLOUT;
	return ev;
}

/* One poll event for client c; returns 1 if it ended in a reject. */
static int on_event(struct client *c, short ev, short asked)
{
	unsigned long long rejects = tl.rejects;
	int done = 0;

	if (c->connecting) {
		on_connected(c);
		return 0;
	}
	if ((ev & (POLLIN | POLLHUP | POLLERR)) && (asked & POLLIN))
		done = on_readable(c);
	if (!done && (ev & (POLLOUT | POLLERR)) && c->sent < c->size)
		on_writable(c);
	return tl.rejects != rejects;
}

/* ---- one mode ------------------------------------------------------------ */

/* Keep DATA_CONC data and IDLE_CONC idle clients going; bursts on time. */
static void top_up(double t, double backoff, double *next_burst)
{
	int ndata = 0, nidle = 0, i;

	for (i = 0; i < ncl; i++) {
		if (cl[i].kind != K_IDLE)
			ndata++;
		else if (!cl[i].burst)
			nidle++;
	}
	while (ndata < DATA_CONC && t >= backoff &&
	    start_client(random_data_kind(), 0) == 0)
		ndata++;
	while (nidle < IDLE_CONC && start_client(K_IDLE, 0) == 0)
		nidle++;
	if (t >= *next_burst) {
		for (i = 0; i < (int)slots + BURST_EXTRA; i++)
			start_client(K_IDLE, 1);
		*next_burst += BURST_EVERY;
	}
}

/* The server's stderr, then every client; who[] maps back; how many. */
static int poll_set(struct pollfd *pfd, int *who, double t, double *wake)
{
	int i, n = 0;

	pfd[n].fd = srv.err_fd;
	pfd[n].events = POLLIN;
	who[n++] = -1;
	*wake = t + 0.05;
	for (i = 0; i < ncl; i++) {
		pfd[n].fd = cl[i].fd;
		pfd[n].events = interest(&cl[i], t);
		if (cl[i].kind == K_SLOW && cl[i].pause_until > t &&
		    cl[i].pause_until < *wake)
			*wake = cl[i].pause_until;
		who[n++] = i;
	}
	return n;
}

/* One poll round over all clients; -1 if poll fails. */
static int poll_round(double t, double *backoff)
{
	static struct pollfd pfd[MAX_CLIENTS + 1];
	static int who[MAX_CLIENTS + 1];
	double wake;
	int n = poll_set(pfd, who, t, &wake), i;

	if (poll(pfd, (nfds_t)n, ms_until(wake)) < 0 && errno != EINTR) {
		perror("soak: poll");
		return -1;
	}
	if (pfd[0].revents)
		server_collect(&srv, 0);
	/* Back to front: close_client moves the last client into the closed
	 * one's place, which was already handled. */
	for (i = n - 1; i >= 1; i--)
		if (pfd[i].revents &&
		    on_event(&cl[who[i]], pfd[i].revents, pfd[i].events))
			*backoff = now() + BACKOFF;
	t = now();
	for (i = ncl - 1; i >= 0; i--)
		stalled(&cl[i], t);
	return 0;
}

static void run_clients(double secs)
{
	double t0 = now(), end = t0 + secs, next_burst = t0 + BURST_FIRST;
	double backoff = 0, t;

	for (;;) {
		t = now();
		if (t < end) {
			top_up(t, backoff, &next_burst);
		} else if (ncl == 0) {
			return;
		} else if (t > end + idle_s + DRAIN_GRACE) {
			while (ncl > 0) {
				note(&cl[0], "still open when the soak ended");
				close_client(&cl[0]);
			}
			return;
		}
		if (poll_round(t, &backoff) < 0)
			return;
	}
}

static void print_figures(const char *mode, double secs, const struct sample *s0,
    const struct sample *s1, const long long *k, int got)
{
	int i;

	printf("%s: %llu connections served (%llu half-closed, %llu closed after "
	    "the echo, %llu slow readers; %llu over IPv4, %llu over IPv6), "
	    "%llu bytes verified, %llu wrong\n", mode, tl.served,
	    tl.served_half, tl.served_full, tl.served_slow, tl.served_v4,
	    tl.served_v6, tl.bytes_verified, tl.wrong);
	printf("%s: %llu rejects (EOF/RST within %.3f s), %llu timeouts "
	    "(closed %.2f-%.2f s after connecting, -t %u), %llu resets sent, "
	    "%.1f s\n", mode, tl.rejects, tl.reject_max, tl.timeouts,
	    tl.idle_min, tl.idle_max, idle_s, tl.resets, secs);
	printf("%s: %llu bytes sent by the clients\n", mode, tl.bytes_sent);
	printf("%s: server VmSize %ld -> %ld kB, VmRSS %ld -> %ld kB, "
	    "Seccomp %ld -> %ld, descriptors %ld -> %ld\n", mode, s0->vmsize,
	    s1->vmsize, s0->vmrss, s1->vmrss, s0->seccomp, s1->seccomp,
	    s0->fds, s1->fds);
	if (got == 0) {
		printf("%s: server counters:", mode);
		for (i = 0; i < NKEYS; i++)
			printf(" %s %lld", keys[i], k[i]);
		printf("\n");
	}
	for (i = 0; i < nnotes; i++)
		printf("  %s\n", notes[i]);
	if (tl.failures > (unsigned long long)nnotes)
		printf("  ... and %llu more\n", tl.failures - nnotes);
}

/* The server's counters agree with what the clients saw. */
static int counters_agree(const long long *k)
{
	return k[ACCEPTED] == (long long)(tl.served + tl.resets + tl.timeouts) &&
	    k[REJECTED_FULL] + k[REJECTED_FD] == (long long)tl.rejects &&
	    k[TIMED_OUT] == (long long)tl.timeouts && k[ACTIVE] == 0 &&
	    k[BYTES_OUT] >= (long long)tl.bytes_verified &&
	    k[BYTES_IN] >= k[BYTES_OUT];
}

static void judge(const char *mode, const struct sample *s0,
    const struct sample *s1, const long long *k, int got)
{
	char complaint[256];
	int nc;

	report(0, "%s: server started on port %u", mode, srv.port);
	report(tl.failures == 0 && tl.wrong == 0 ? 0 : -1,
	    "%s: every client as expected, no byte wrong (%llu failures)",
	    mode, tl.failures);
	report(tl.served_half > 0 && tl.served_full > 0 && tl.served_slow > 0 &&
	    tl.served_v4 > 0 && tl.served_v6 > 0 && tl.rejects > 0 &&
	    tl.timeouts > 0 && tl.resets > 0 ? 0 : -1,
	    "%s: every kind of client happened", mode);
	report(got == 0 && counters_agree(k) ? 0 : -1,
	    "%s: server counters agree (accepted = served + resets + timeouts, "
	    "rejected, timed_out, active 0, bytes)", mode);
	report(s0->vmsize > 0 && s0->vmsize == s1->vmsize ? 0 : -1,
	    "%s: VmSize unchanged (%ld -> %ld kB)", mode, s0->vmsize, s1->vmsize);
	report(s0->fds > 0 && s0->fds == s1->fds ? 0 : -1,
	    "%s: descriptors back to %ld after the clients (%ld)", mode,
	    s0->fds, s1->fds);
	report(server_stop(&srv), "%s: exit 0 on SIGTERM", mode);
	nc = complaints(complaint, sizeof complaint);
	report(nc == 0 ? 0 : -1, "%s: the server said nothing else on stderr "
	    "(%d lines%s%s)", mode, nc, nc ? ", first: " : "", complaint);
}

static void run_mode(const char *mode, double secs)
{
	int edge = strcmp(mode, "edge") == 0, got;
	struct sample s0, s1;
	long long k[NKEYS] = { 0 };
	char flags[64];
	double t0;

	memset(&tl, 0, sizeof tl);
	nnotes = 0;
	snprintf(flags, sizeof flags, "-c %u -t %u%s", slots, idle_s,
	    edge ? " -E" : "");
	printf("-- %s-triggered, %.0f s, seed %llu: %s ... %s -p 0\n", mode,
	    secs, (unsigned long long)seed, server_cmd[0], flags);
	/* Counters answered: it is in its loop, all set up (seccomp too). */
	if (server_start(&srv, flags, NULL) < 0 ||
	    server_counters(&srv, keys, k, NKEYS) < 0) {
		report(-1, "%s: server started", mode);
		server_kill(&srv);
		return;
	}
	addr_set(&to4, "127.0.0.1", srv.port);
	addr_set(&to6, "::1", srv.port);
	s0 = sample(srv.pid);
	t0 = now();
	run_clients(secs);
	t0 = now() - t0;
	got = server_counters(&srv, keys, k, NKEYS);
	s1 = sample(srv.pid);
	print_figures(mode, t0, &s0, &s1, k, got);
	judge(mode, &s0, &s1, k, got);
	server_kill(&srv);
}

static void usage(void)
{
	fprintf(stderr, "usage: soak [-d seconds] [-c slots] [-t idle] "
	    "[-s seed] [-m level,edge] -- server [args]\n");
	exit(2);
}

static void options(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "d:c:t:s:m:")) != -1) {
		switch (opt) {
		case 'd':
			duration = atof(optarg);
			break;
		case 'c':
			slots = (unsigned)atoi(optarg);
			break;
		case 't':
			idle_s = (unsigned)atoi(optarg);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'm':
			modes = optarg;
			break;
		default:
			usage();
		}
	}
	server_cmd = argv + optind;
	if (duration <= 0 || slots == 0 || idle_s == 0 || *server_cmd == NULL)
		usage();
}

int main(int argc, char **argv)
{
	char mode_list[64], *m, *save;
	const char *p;
	int nmodes;

	options(argc, argv);
	if (strlen(modes) >= sizeof mode_list)
		usage();
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rand_seed(seed);
	for (p = modes, nmodes = 1; *p != '\0'; p++)
		nmodes += *p == ',';
	snprintf(mode_list, sizeof mode_list, "%s", modes);
	for (m = strtok_r(mode_list, ",", &save); m != NULL;
	    m = strtok_r(NULL, ",", &save)) {
		if (strcmp(m, "level") != 0 && strcmp(m, "edge") != 0)
			usage();
		run_mode(m, duration / nmodes);
	}
	return summary();
}
