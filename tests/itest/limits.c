/* SPDX-License-Identifier: ISC */
/*
 * limits: what echod does at its edges. Slots run out and come back, idle
 * clients are closed, resets cost nothing, memory is fixed at start-up,
 * the descriptor limit is raised, and running out of descriptors does not
 * make it spin.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "itest.h"
#include "lib/clock.h"
#include "lib/proc.h"
#include "lib/rand.h"
#include "lib/report.h"

/* With -c 4: a fifth client is closed at once, the four go on. */
int t_slots_full(struct ctx *c)
{
	int fd[4], extra, i, rc = 0;

	for (i = 0; i < 4; i++)
		if ((fd[i] = dial_ping(c, "held\n")) < 0) {
			while (i-- > 0)
				close(fd[i]);
			return -1;
		}
	if ((extra = dial(&c->to)) < 0)
		rc = -1;
	else if (!closed_within(extra, 3))
		rc = fail("fifth client not closed within 3 s with 4 slots");
	if (extra >= 0)
		close(extra);
	for (i = 0; i < 4 && rc == 0; i++)
		rc = ping(fd[i], "still here\n");
	close(fd[0]);
	/* The freed slot serves a new client once the server saw the close. */
	if (rc == 0 && (extra = dial_ping_within(c, "new\n", 5)) < 0)
		rc = -1;
	if (rc == 0)
		close(extra);
	for (i = 1; i < 4; i++)
		close(fd[i]);
	return rc;
}

/* With -t 1: the idle client is closed, the chatty one is not. */
int t_idle_timeout(struct ctx *c)
{
	int idle = dial_ping(c, "then quiet\n"), busy = dial_ping(c, "chat\n");
	double t0 = now(), closed_at = 0;
	int rc = 0;

	if (idle < 0 || busy < 0)
		rc = -1;
	/* Until the idle one is gone and the busy one outlived -t 1 twice. */
	while (rc == 0 && now() - t0 < 3.5 * clock_scale &&
	    (closed_at == 0 || now() - t0 < 2.0)) {
		rc = ping(busy, "still talking\n");
		/* Unscaled: the busy client must speak well within -t 1. */
		if (rc == 0 && closed_at == 0 &&
		    closed_within(idle, 0.2 / clock_scale))
			closed_at = now() - t0;
	}
	if (rc == 0 && closed_at == 0)
		rc = fail("idle client not closed within 3.5 s of -t 1");
	if (rc == 0 && closed_at < 0.9)
		rc = fail("idle client closed after %.2f s, before -t 1", closed_at);
	if (idle >= 0)
		close(idle);
	if (busy >= 0)
		close(busy);
	return rc;
}

enum { IDLE_TOTAL = 32 << 20, IDLE_CHUNK = 65536 };

/* Send IDLE_TOTAL bytes before end: 1 if they went, 0 or -1 if not. */
static int send_stream(int fd, const unsigned char *data, size_t *sent,
    double end)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	ssize_t r;

	while (*sent < IDLE_TOTAL) {
		r = send(fd, data + *sent % PERIOD, IDLE_CHUNK, MSG_NOSIGNAL);
		if (r > 0) {
			*sent += (size_t)r;
			continue;
		}
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return fail("send after %zu bytes: %s", *sent,
			    strerror(errno));
		if (poll(&p, 1, ms_until(end)) != 1)
			return 0;
	}
	return 1;
}

/* Read to EOF, checking the stream: how many bytes, or -1 (a reset). */
static long read_to_eof(int fd, const unsigned char *data, double secs)
{
	unsigned char buf[65536];
	double end = deadline(secs);
	size_t got = 0;
	ssize_t r, i;

	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		if (poll(&p, 1, ms_until(end)) != 1)
			return fail("no EOF within %.0f s, %zu bytes back", secs,
			    got);
		r = read(fd, buf, sizeof buf);
		if (r == 0)
			return (long)got;
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return fail("%s after %zu bytes back", strerror(errno),
			    got);
		for (i = 0; i < r; i++, got++)
			REQUIRE(buf[i] == data[got % PERIOD],
			    "byte %zu of the echo differs", got);
	}
}

/*
 * With -t 1, a client that writes without reading stalls; at the idle
 * timeout it gets a FIN after everything echod sent, not a reset: its
 * writes go on (dropped), then it reads all that bytes_out counted.
 */
int t_idle_delivers(struct ctx *c)
{
	static const char *const keys[] = { "timed_out", "bytes_out",
	    "bytes_dropped" };
	unsigned char *data = random_bytes(PERIOD + IDLE_CHUNK);
	int fd = dial_rcvbuf(&c->to, 4096), rc = 0;
	long long v[3];
	size_t sent = 0;
	long got = -1;

	if (fd < 0) {
		free(data);
		return -1;
	}
	/* data[i] == data[i % PERIOD] for every i a send may start at. */
	memcpy(data + PERIOD, data, IDLE_CHUNK);
	/*
	 * More than every buffer on the way holds: the writes stall until
	 * the idle timeout, then go on into the void.
	 */
	if (send_stream(fd, data, &sent, deadline(10)) != 1)
		rc = fail("stalled for good at %zu of %u bytes: %s", sent,
		    IDLE_TOTAL, why);
	if (rc == 0 && (got = read_to_eof(fd, data, 10)) < 0)
		rc = -1;
	close(fd);
	if (rc == 0)
		rc = server_counters(c->srv, keys, v, 3);
	if (rc == 0 && (v[0] != 1 || v[1] != got || v[2] <= 0))
		rc = fail("timed_out %lld bytes_out %lld bytes_dropped %lld, "
		    "not 1 %ld >0", v[0], v[1], v[2], got);
	free(data);
	return rc;
}

/* A refusal is logged at once, the next ones at most once per 10 s. */
int t_refusals_logged(struct ctx *c)
{
	int held = dial_ping(c, "mine\n"), fd, i, rc = 0;
	const char *line;
	size_t from = c->srv->errlen;

	for (i = 0; i < 5 && rc == 0 && held >= 0; i++) {
		if ((fd = dial(&c->to)) < 0)
			rc = -1;
		else if (!closed_within(fd, 3))
			rc = fail("client %d not refused with -c 1", i);
		if (fd >= 0)
			close(fd);
	}
	if (held < 0)
		rc = -1;
	line = rc == 0 ? server_wait_line(c->srv, from,
	    "all slots in use: refused 1 connection", 3) : NULL;
	if (rc == 0 && line == NULL)
		rc = fail("no log line about the refusal");
	server_collect(c->srv, 200);
	if (rc == 0 && strstr(line + 1, "all slots in use") != NULL)
		rc = fail("more than one log line for 5 refusals in 10 s");
	if (held >= 0)
		close(held);
	return rc;
}

enum { STORM_SLOTS = 64 };

/* n clients at once, each served: how many were, up to n. */
static int served_at_once(const struct ctx *c, int n)
{
	int fd[STORM_SLOTS], i, got;

	for (i = 0; i < n; i++)
		if ((fd[i] = dial_ping(c, "after the storm\n")) < 0)
			break;
	got = i;
	while (i-- > 0)
		close(fd[i]);
	return got;
}

/* Hundreds of resets mid-stream; afterwards every slot still works. */
int t_rst_storm(struct ctx *c)
{
	static unsigned char junk[100000];
	double end;
	int i, fd, n;

	for (i = 0; i < 500; i++) {
		if ((fd = dial(&c->to)) < 0)
			return -1;
		/* Some reset with data in flight both ways. */
		send(fd, junk, between(0, sizeof junk), MSG_NOSIGNAL);
		reset_close(fd);
	}
	/* All -c 64 slots must come back: 64 clients at once. */
	end = deadline(10);
	for (;;) {
		why[0] = '\0';
		n = served_at_once(c, STORM_SLOTS);
		if (n == STORM_SLOTS || now() > end)
			break;
		nap(0.1);
	}
	return n == STORM_SLOTS ? 0 : fail("%d of %d clients served after the "
	    "storm: %s", n, STORM_SLOTS, why);
}

/* VmSize is fixed at start-up: load must not change it. */
int t_vmsize(struct ctx *c)
{
	enum { CLIENTS = 200, SIZE = 50000, HALF = CLIENTS / 2 };
	static struct flow f[CLIENTS];
	unsigned char *data;
	long before, during, after;
	int i, rc = 0;

	if (no_proc)
		return skip("-k: no /proc of the server");
	before = proc_number(c->srv->pid, "VmSize");
	REQUIRE(before > 0, "no VmSize for pid %d", (int)c->srv->pid);
	data = random_bytes(CLIENTS * SIZE);
	for (i = 0; i < CLIENTS && rc == 0; i++) {
		int fd = dial(&c->to);

		if (fd < 0)
			rc = -1;
		else
			flow_init(&f[i], fd, data + i * SIZE, SIZE, 7000);
	}
	if (rc == 0)
		rc = pump(f, HALF, 60);
	during = proc_number(c->srv->pid, "VmSize");
	if (rc == 0)
		rc = pump(f + HALF, CLIENTS - HALF, 60);
	while (i-- > 0)
		close(f[i].fd);
	free(data);
	nap(0.2);
	after = proc_number(c->srv->pid, "VmSize");
	if (rc == 0 && (during != before || after != before))
		rc = fail("VmSize %ld -> %ld -> %ld kB", before, during, after);
	return rc;
}

/* Start a server with -c 2000 under the limit lim; stop it; its verdict. */
static int fd_limit_with(struct rlimit lim, int (*judge)(struct server *))
{
	struct server_env env = { .nofile = &lim };
	struct server s;
	int rc = server_start(&s, "-c 2000", &env);

	if (rc == 0)
		rc = judge(&s);
	return server_finish(&s, rc);
}

/* Hard limit 4096: the soft one rises to what 2000 slots need, silently. */
static int raised(struct server *s)
{
	long soft = no_proc ? 2016 : proc_nofile(s->pid);

	REQUIRE(soft >= 2000, "soft RLIMIT_NOFILE %ld with -c 2000 (hard 4096)",
	    soft);
	REQUIRE(!strstr(s->err, "slots need"),
	    "warned although the hard limit allows it: %s", s->err);
	return 0;
}

/* Hard limit 64: one warning. */
static int warned(struct server *s)
{
	REQUIRE(strstr(s->err, "2000 slots need") && strstr(s->err, "limit is 64"),
	    "no warning with hard limit 64: %s", s->err);
	return 0;
}

/* The soft fd limit rises to what -c needs; short of it, one warning. */
int t_fd_limit(struct ctx *c)
{
	struct rlimit low = { 64, 4096 }, capped = { 64, 64 };

	(void)c;
	if (fd_limit_with(low, raised) < 0)
		return -1;
	return fd_limit_with(capped, warned);
}

enum { EMFILE_HOLD = 40 };

/* Clients until HOLD are open: with 24 descriptors some must be refused. */
static int emfile_fill(const struct ctx *c, int *fd)
{
	int served = 0, refused = 0, i;

	for (i = 0; i < EMFILE_HOLD; i++) {
		fd[i] = dial(&c->to);
		if (fd[i] >= 0 && ping(fd[i], "x\n") == 0)
			served++;
		else
			refused++;
	}
	why[0] = '\0';
	REQUIRE(served >= 5 && refused >= 5,
	    "served %d, refused %d: expected both", served, refused);
	return 0;
}

/* Clients keep knocking for 1.5 s: closed at once, and no spinning. */
static int emfile_knock(const struct ctx *c)
{
	long t0 = no_proc ? 0 : proc_ticks(c->srv->pid), t1;
	double w0 = now();
	int k;

	while (now() - w0 < 1.5) {
		k = dial(&c->to);
		if (k >= 0 && !closed_within(k, 2)) {
			close(k);
			return fail("client not closed promptly while out of fds");
		}
		if (k >= 0)
			close(k);
		why[0] = '\0';
		nap(0.05);
	}
	t1 = no_proc ? 0 : proc_ticks(c->srv->pid);
	REQUIRE(t1 - t0 <= (long)(0.3 * 1.5 * (double)sysconf(_SC_CLK_TCK)),
	    "server used %ld ticks in 1.5 s out of fds: spinning", t1 - t0);
	return 0;
}

/* Descriptors are back: new clients are served. */
static int emfile_recover(const struct ctx *c)
{
	int i, k;

	for (i = 0; i < 10; i++) {
		if ((k = dial_ping_within(c, "back\n", 5)) < 0)
			return -1;
		close(k);
	}
	return 0;
}

/*
 * Out of descriptors (RLIMIT_NOFILE 24 for 64 slots): extra clients are
 * closed at once, the server does not spin, and it recovers.
 */
int t_emfile(struct ctx *c)
{
	struct rlimit lim = { 24, 24 };
	struct server_env env = { .nofile = &lim };
	struct server s;
	struct ctx cc = { .srv = &s };
	int fd[EMFILE_HOLD], i, rc;

	(void)c;
	if (server_start(&s, "-c 64 -t 0", &env) < 0)
		return server_finish(&s, -1);
	addr_set(&cc.to, "127.0.0.1", s.port);
	rc = emfile_fill(&cc, fd);
	if (rc == 0)
		rc = emfile_knock(&cc);
	if (rc == 0 && server_wait_line(&s, 0, "out of descriptors: refused",
	    2) == NULL)
		rc = fail("no log line about refusals for want of descriptors");
	for (i = 0; i < EMFILE_HOLD; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	if (rc == 0)
		rc = emfile_recover(&cc);
	return server_finish(&s, rc);
}
