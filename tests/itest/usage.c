/*
 * usage: echod as a program. Its flags and their errors, exit statuses,
 * signals (TERM and INT end it, USR1 prints counters), -q, the probe.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "lib/clock.h"
#include "lib/rand.h"
#include "lib/report.h"

/* A signal with a client connected: exit 0 within 2 s. */
static int t_signal(struct ctx *c, int sig)
{
	int fd = dial_ping(c, "hello\n"), status;

	if (fd < 0)
		return -1;
	kill(c->srv->pid, sig);
	status = server_reap(c->srv, 2);
	close(fd);
	REQUIRE(status != -1, "still running 2 s after signal %d", sig);
	REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "status %#x after signal %d", status, sig);
	return server_clean(c->srv);
}

int t_sigterm(struct ctx *c)
{
	return t_signal(c, SIGTERM);
}

int t_sigint(struct ctx *c)
{
	return t_signal(c, SIGINT);
}

/* The counters once no connection is active, within 3 s. */
static int counters_settled(struct server *s, const char *const *keys,
    long long *v, int n)
{
	double end = deadline(3);

	while (server_counters(s, keys, v, n) == 0)
		if (v[1] == 0 || now() > end)
			return 0;
	return -1;
}

/* SIGUSR1 counts what happened: with -c 1 -t 1 a reject and a timeout. */
int t_counters(struct ctx *c)
{
	static const char *const keys[] = { "accepted", "active",
	    "rejected_full", "timed_out", "bytes_in", "bytes_out" };
	unsigned char *data = random_bytes(10000);
	long long v[6] = { 0 };
	struct flow f;
	int a, b, rc;

	if ((a = dial(&c->to)) < 0) {
		free(data);
		return -1;
	}
	flow_init(&f, a, data, 10000, 999);
	rc = pump(&f, 1, 10);
	if (rc == 0 && (b = dial(&c->to)) >= 0) {	/* one slot: refused */
		if (!closed_within(b, 3))
			rc = fail("second client not refused with -c 1");
		close(b);
	}
	if (rc == 0)
		rc = server_counters(c->srv, keys, v, 2);
	if (rc == 0 && (v[0] != 1 || v[1] != 1))
		rc = fail("accepted %lld active %lld, not 1 and 1", v[0], v[1]);
	if (rc == 0 && !closed_within(a, 4))
		rc = fail("idle client not timed out with -t 1");
	close(a);
	if (rc == 0)
		rc = counters_settled(c->srv, keys, v, 6);
	if (rc == 0 && (v[1] != 0 || v[2] != 1 || v[3] != 1 ||
	    v[4] != 10000 || v[5] != 10000))
		rc = fail("active %lld rejected_full %lld timed_out %lld bytes "
		    "%lld/%lld, not 0 1 1 10000/10000", v[1], v[2], v[3], v[4], v[5]);
	free(data);
	return rc;
}

/*
 * A log reader that stalls: hundreds of counter lines fill the pipe, and
 * echod drops lines (and counts them) rather than stop serving.
 */
int t_log_stall(struct ctx *c)
{
	static const char *const keys[] = { "log_dropped" };
	int fd = dial_ping(c, "before\n"), i, rc;
	long long dropped = 0;

	if (fd < 0)
		return -1;
	/* Not read meanwhile: 600 lines of ~250 bytes, the pipe holds 64 KiB. */
	for (i = 0; i < 600; i++) {
		kill(c->srv->pid, SIGUSR1);
		nap(0.002);
	}
	rc = ping(fd, "while the log is stuck\n");
	close(fd);
	server_collect(c->srv, 200);
	if (rc == 0)
		rc = server_counters(c->srv, keys, &dropped, 1);
	if (rc == 0 && dropped <= 0)
		rc = fail("log_dropped %lld after 600 lines into a full pipe",
		    dropped);
	return rc;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Each bad flag: exit 2 and one line naming it; -V and -h: exit 0. */
int t_bad_usage(struct ctx *c)
{
	static const char *const bad[][2] = {
		{ "-p 70000", "-p" }, { "-p 12x", "-p" }, { "-c 0", "-c" },
		{ "-b 3", "-b" }, { "-b 1000", "-b" }, { "-m shout", "-m" },
		{ "-t -1", "-t" }, { "-l nowhere", "-l" }, { "-x", "-x" },
		{ "-p", "-p" }, { "-Z", "-Z" }, { "stray", "stray" },
	};
	struct server s;
	unsigned i;
	int st;

	(void)c;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		st = server_run(&s, bad[i][0]);
		REQUIRE(st == 2, "'%s' exited %d, not 2", bad[i][0], st);
		REQUIRE(count_lines(s.err) == 1 && strstr(s.err, bad[i][1]),
		    "'%s' said: %s", bad[i][0], s.err);
		if (server_clean(&s) < 0)
			return -1;
	}
	st = server_run(&s, "-V");
	REQUIRE(st == 0 && strncmp(s.err, "echod ", 6) == 0, "-V exited %d: %s",
	    st, s.err);
	st = server_run(&s, "-h");
	REQUIRE(st == 0 && strncmp(s.err, "usage: echod", 12) == 0,
	    "-h exited %d: %.100s", st, s.err);
	return 0;
}

/* A port already taken: exit 1 naming the address and the error. */
int t_port_in_use(struct ctx *c)
{
	struct server s;
	char flags[64], name[64];
	unsigned port;
	int fd, st;

	(void)c;
	if ((fd = hold_port(SOCK_STREAM, 0, &port)) < 0)
		return -1;
	snprintf(flags, sizeof flags, "-l 127.0.0.1 -p %u", port);
	snprintf(name, sizeof name, "127.0.0.1:%u", port);
	st = server_run(&s, flags);
	close(fd);
	REQUIRE(st == 1, "exit %d with the port in use, not 1", st);
	REQUIRE(strstr(s.err, name) && strstr(s.err, "in use"),
	    "message lacks the address or error: %s", s.err);
	/* An address this host does not have. */
	st = server_run(&s, "-l 192.0.2.1 -p 0");
	REQUIRE(st == 1, "exit %d binding 192.0.2.1, not 1", st);
	REQUIRE(strstr(s.err, "192.0.2.1") != NULL, "said: %s", s.err);
	return 0;
}

/* -q: no start line, still serving. */
int t_quiet(struct ctx *c)
{
	struct server s;
	struct ctx cc = { .srv = &s };
	char flags[64];
	unsigned port;
	int fd, rc = 0;

	(void)c;
	/* Borrow a free port from the kernel. */
	if ((fd = hold_port(SOCK_STREAM, 0, &port)) < 0)
		return -1;
	close(fd);
	snprintf(flags, sizeof flags, "-q -p %u", port);
	if (server_spawn(&s, flags, NULL) < 0)
		return -1;
	addr_set(&cc.to, "::1", port);
	if ((fd = dial_ping_within(&cc, "quiet\n", 10)) < 0)
		rc = -1;
	else
		close(fd);
	rc = server_finish(&s, rc);
	if (rc == 0 && strstr(s.err, "listening on"))
		rc = fail("-q still said: %s", s.err);
	return rc;
}

/* The health-check mode against a live server and a dead port. */
int t_probe(struct ctx *c)
{
	struct server p;
	char flags[64];
	int st;

	snprintf(flags, sizeof flags, "-P 127.0.0.1:%u", c->srv->port);
	st = server_run(&p, flags);
	REQUIRE(st == 0, "probe of a live server exited %d: %s", st, p.err);
	snprintf(flags, sizeof flags, "-P [::1]:%u", c->srv->port);
	st = server_run(&p, flags);
	REQUIRE(st == 0, "probe over ::1 exited %d: %s", st, p.err);
	server_stop(c->srv);
	snprintf(flags, sizeof flags, "-P 127.0.0.1:%u", c->srv->port);
	st = server_run(&p, flags);
	REQUIRE(st == 1, "probe of a stopped server exited %d", st);
	return 0;
}
