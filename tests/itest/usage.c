/* SPDX-License-Identifier: ISC */
/*
 * usage: echod as a program. Its flags and their errors (long options
 * too), exit statuses, signals (TERM and INT end it, USR1 prints
 * counters, HUP and USR2 do not stop it), -q, the probe, the start line,
 * -l with a zone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "lib/clock.h"
#include "lib/rand.h"
#include "lib/report.h"
/* The slot header of this architecture, from the code itself. */
#include "../../src/conn.h"
#include "../../src/slots.h"

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

/* --help, --version: as -h and -V; other long options are refused. */
int t_long_options(struct ctx *c)
{
	struct server s;

	(void)c;
	REQUIRE(server_run(&s, "--help") == 0 && strstr(s.err, "usage: echod"),
	    "--help: %.200s", s.err);
	REQUIRE(server_run(&s, "--version") == 0 && strstr(s.err, "echod 0."),
	    "--version: %.200s", s.err);
	REQUIRE(server_run(&s, "--nope") == 2 &&
	    strstr(s.err, "unknown option: '--nope'"), "--nope: %.200s", s.err);
	return 0;
}

/* HUP and USR2 do not stop echod (nor the supervisor); said once. */
int t_sighup(struct ctx *c)
{
	struct server *s = c->srv;
	const char *said;
	int fd;

	kill(s->pid, SIGHUP);
	kill(s->pid, SIGUSR2);
	kill(s->pid, SIGHUP);
	REQUIRE(server_wait_line(s, 0, "nothing to reload", 5),
	    "nothing said: %.300s", s->err);
	if ((fd = dial_ping(c, "still here\n")) < 0)
		return -1;
	close(fd);
	server_collect(s, 100);
	said = strstr(s->err, "nothing to reload");
	REQUIRE(strstr(said + 1, "nothing to reload") == NULL,
	    "said more than once: %.300s", s->err);
	return 0;
}

/* n rounded up to the page size (of the server too: qemu-user -p). */
static size_t page_up(size_t n)
{
	size_t page = (size_t)getauxval(AT_PAGESZ);

	return (n + page - 1) / page * page;
}

/*
 * The start line: every address and socket, singulars, no idle timeout,
 * capitalize for TCP only, the slot header of this architecture; and the
 * total follows the real page size.
 */
int t_start_line(struct ctx *c)
{
	struct server s;
	struct ctx cc = { .srv = &s };
	char want[256];
	unsigned long long total = 0;
	const char *at;
	int rc;

	(void)c;
	rc = server_start(&s, "-c 1 -t 0 -w 1 -U -m capitalize -l 127.0.0.1 "
	    "-l ::1", NULL);
	snprintf(want, sizeof want, "127.0.0.1:%u tcp, [::1]:%u tcp, "
	    "127.0.0.1:%u udp, [::1]:%u udp, level-triggered, capitalize tcp, "
	    "echo udp, no idle timeout, 1 worker x (1 slot x (4096 ring + %zu "
	    "header)", s.port, s.port, s.port, s.port,
	    sizeof(struct slot) + sizeof(struct conn));
	if (rc == 0 && !strstr(s.err, want))
		rc = fail("start line: %.300s, wanted: %s", s.err, want);
	addr_set(&cc.to, "::1", s.port);
	rc = ping_once(&cc, "Six\n", rc);
	if ((rc = server_finish(&s, rc)) != 0)
		return rc;
	/* 2 shares of 3 slots, their headers and rings, page by page. */
	rc = server_start(&s, "-w 2 -c 3 -b 64 -l 127.0.0.1", NULL);
	at = rc == 0 ? strstr(s.err, ") = ") : NULL;
	if (rc == 0 && (at == NULL || sscanf(at, ") = %llu", &total) != 1 ||
	    total != 2 * (page_up(3 * sizeof(struct slot)) +
	    page_up(3 * sizeof(struct conn)) + page_up(3 * 64))))
		rc = fail("%llu bytes fixed, not 2 shares on %lu-byte pages",
		    total, getauxval(AT_PAGESZ));
	return server_finish(&s, rc);
}

/* Wait (5 s at most) until addr can be bound: it may start tentative. */
static int usable(const struct in6_addr *addr, int ifindex)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = *addr,
	    .sin6_scope_id = (uint32_t)ifindex };
	double end = deadline(5);
	int fd, ok;

	do {
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
		if (fd >= 0)
			close(fd);
		if (ok)
			return 0;
		nap(0.05);
	} while (now() < end);
	return -1;
}

/* Bring lo up with fe80::1 too (in this process's network namespace). */
static int lo_with_link_local(void)
{
	struct {			/* <linux/ipv6.h>'s in6_ifreq */
		struct in6_addr addr;
		/* cppcheck-suppress unusedStructMember ; the kernel reads it */
		uint32_t prefixlen;
		int ifindex;
	} a6 = { .prefixlen = 64 };
	struct ifreq ifr;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	a6.ifindex = (int)if_nametoindex("lo");
	inet_pton(AF_INET6, "fe80::1", &a6.addr);
	rc = fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ? -1 : 0;
	ifr.ifr_flags |= IFF_UP;
	if (rc == 0 && (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ||
	    ioctl(fd, SIOCSIFADDR, &a6) < 0))
		rc = -1;
	if (fd >= 0)
		close(fd);
	return rc < 0 ? rc : usable(&a6.addr, a6.ifindex);
}

/* fe80::1%lo serves beside 127.0.0.1; an unknown interface is exit 1. */
static int zone_served(void)
{
	struct server s;
	struct ctx cc = { .srv = &s };
	char want[64];
	int rc = server_start(&s, "-l fe80::1%lo -l 127.0.0.1", NULL);

	snprintf(want, sizeof want, "[fe80::1%%%u]:%u tcp", if_nametoindex("lo"),
	    s.port);
	if (rc == 0 && !strstr(s.err, want))
		rc = fail("start line without %s: %.300s", want, s.err);
	addr_set(&cc.to, "fe80::1", s.port);
	((struct sockaddr_in6 *)&cc.to.ss)->sin6_scope_id = if_nametoindex("lo");
	rc = ping_once(&cc, "link-local\n", rc);
	if ((rc = server_finish(&s, rc)) != 0)
		return rc;
	REQUIRE(server_run(&s, "-l fe80::1%nosuch0") == 1 &&
	    strstr(s.err, "-l: no interface 'nosuch0'"),
	    "unknown interface: %.300s", s.err);
	return 0;
}

/* -l with a zone, in a network namespace of our own. */
int t_listen_zone(struct ctx *c)
{
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), rc;

	(void)c;
	if (home < 0 || unshare(CLONE_NEWNET) < 0) {
		if (home >= 0)
			close(home);
		return skip("no network namespace of our own (needs root)");
	}
	if (lo_with_link_local() < 0)
		rc = skip("cannot put fe80::1 on lo here (qemu-user?)");
	else
		rc = zone_served();
	if (setns(home, CLONE_NEWNET) < 0) {
		printf("itest: cannot return to the network namespace: %s\n",
		    strerror(errno));
		exit(3);
	}
	close(home);
	return rc;
}
