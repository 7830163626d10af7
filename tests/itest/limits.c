/*
 * limits: what echod does at its edges. Slots run out and come back, idle
 * clients are closed, resets cost nothing, memory is fixed at start-up,
 * the descriptor limit is raised, and running out of descriptors does not
 * make it spin.
 */
#include <signal.h>
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
	for (i = 0; i < EMFILE_HOLD; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	if (rc == 0)
		rc = emfile_recover(&cc);
	return server_finish(&s, rc);
}
