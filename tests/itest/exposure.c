/* SPDX-License-Identifier: ISC */
/*
 * exposure: echod facing the Internet (-U's guards and limits, -R, -C,
 * -A, datagrams of any size). The raw-socket and network-namespace cases
 * need root (and ip(8)) and skip without.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "itest.h"
#include "lib/clock.h"
#include "lib/proc.h"
#include "lib/rand.h"
#include "lib/report.h"

/* Close those of fd[0, n) that are open. */
static void close_all(const int *fd, int n)
{
	while (n-- > 0)
		if (fd[n] >= 0)
			close(fd[n]);
}

/* SIGUSR1: the counters keys[] must have the values want[]. */
static int counted(struct server *s, const char *const *keys,
    const long long *want, int n)
{
	long long v[8] = { 0 };
	int i;

	if (server_counters(s, keys, v, n) < 0)
		return -1;
	for (i = 0; i < n; i++)
		REQUIRE(v[i] == want[i], "%s %lld, not %lld", keys[i], v[i],
		    want[i]);
	return 0;
}

/* A socket of type bound to src (port 0: any) and connected to c's
 * address; -2 if binding there needs root. */
static int dial_from(const struct ctx *c, int type, const char *src,
    unsigned port)
{
	struct ctx me;
	int fd, one = 1, err;

	addr_set(&me.to, src, port);
	fd = socket(me.to.ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&me.to.ss, me.to.len) < 0 ||
	    connect(fd, (const struct sockaddr *)&c->to.ss, c->to.len) < 0) {
		err = errno;
		close(fd);
		if (err == EACCES || err == EADDRINUSE)
			return -2;
		return fail("%s from %s: %s", type == SOCK_DGRAM ? "udp" : "tcp",
		    src, strerror(err));
	}
	return fd;
}

/* Connected to the server at port from src; -1 if no TCP echo comes back. */
static int tcp_ping_from(const struct ctx *c, const char *src)
{
	int fd = dial_from(c, SOCK_STREAM, src, 0);

	if (fd < 0 || ping(fd, "hello\n") < 0) {
		if (fd >= 0)
			close(fd);
		return fd == -2 ? fail("tcp from %s: cannot bind", src) : -1;
	}
	return fd;
}

/* One datagram out; 1 if it came back whole within secs, 0 if not. */
static int udp_echoed(int fd, const void *msg, size_t n, double secs)
{
	unsigned char back[256];

	if (send(fd, msg, n, 0) != (ssize_t)n)
		return fail("udp send: %s", strerror(errno));
	return readable(fd, secs) && recv(fd, back, sizeof back, 0) == (ssize_t)n &&
	    memcmp(back, msg, n) == 0;
}

static void big_rcvbuf(int fd)
{
	int size = 4 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

/*
 * Datagrams of 2,049, 9,000, 32,768 and the protocol's largest (65,507 B
 * over IPv4, 65,527 over IPv6), mixed with small ones in one burst: all
 * come back, byte-exact, none dropped.
 */
int t_udp_sizes(struct ctx *c)
{
	static const char *const keys[] = { "udp_in", "udp_out", "udp_dropped" };
	size_t sizes[] = { 64, 2049, 1, 9000, 100, 32768, 0, 65507, 7, 2048, 1472 };
	enum { N = sizeof sizes / sizeof sizes[0] };
	unsigned char *msg[N], *back = malloc(70000);
	int got[N] = { 0 }, fd = udp_dial(&c->to, 0), rc = 0, i, k;
	ssize_t r;

	if (c->to.ss.ss_family == AF_INET6)
		sizes[7] = 65527;
	for (i = 0; i < N; i++) {
		msg[i] = random_bytes(sizes[i]);
		if (sizes[i] > 0)
			msg[i][0] = (unsigned char)i;
	}
	if (fd < 0 || back == NULL)
		rc = -1;
	if (rc == 0)
		big_rcvbuf(fd);
	/* All queued before the server reads: one peek sees them all. */
	if (c->srv != NULL && !no_proc)
		kill(c->srv->pid, SIGSTOP);
	for (i = 0; i < N && rc == 0; i++)
		if (send(fd, msg[i], sizes[i], 0) != (ssize_t)sizes[i])
			rc = fail("udp send %zu bytes: %s", sizes[i], strerror(errno));
	if (c->srv != NULL && !no_proc)
		kill(c->srv->pid, SIGCONT);
	for (k = 0; k < N && rc == 0; k++) {
		if (!readable(fd, 5)) {
			rc = fail("%d of %d datagrams came back", k, N);
			break;
		}
		r = recv(fd, back, 70000, 0);
		for (i = 0; i < N; i++)
			if (!got[i] && r == (ssize_t)sizes[i] &&
			    memcmp(back, msg[i], sizes[i]) == 0)
				break;
		if (i == N)
			rc = fail("an echo of %zd bytes matches no datagram sent", r);
		else
			got[i] = 1;
	}
	if (rc == 0 && c->srv != NULL)
		rc = counted(c->srv, keys, (const long long[]){ N, N, 0 }, 3);
	for (i = 0; i < N; i++)
		free(msg[i]);
	free(back);
	close_all(&fd, 1);
	return rc;
}

/*
 * The same burst through a UDP socket two workers share (socket
 * activation with -w), read one datagram at a time: none lost.
 */
int t_udp_sizes_shared(struct ctx *c)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	struct server s = { .err_fd = -1 };
	struct ctx shared = { .srv = NULL };
	int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;
	struct server_env env = { .pass = { udp }, .npass = 1 };

	(void)c;
	if (udp < 0 || bind(udp, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(udp, (struct sockaddr *)&a, &len) < 0)
		return fail("socket to pass: %s", strerror(errno));
	rc = server_spawn(&s, "-w 2", &env);
	if (rc == 0 && server_wait_line(&s, 0, "listening on", 10) == NULL)
		rc = fail("no start line: %.300s", s.err);
	addr_set(&shared.to, "127.0.0.1", ntohs(a.sin_port));
	if (rc == 0)
		rc = t_udp_sizes(&shared);
	rc = server_finish(&s, rc);
	close(udp);
	return rc;
}

/* From a port below 1024 or NFS's: no answer, counted as guarded. */
int t_udp_ports(struct ctx *c)
{
	static const char *const keys[] = { "udp_out", "udp_guarded" };
	static const unsigned ports[] = { 1023, 2049, 123, 500 };
	const char *me = c->to.ss.ss_family == AF_INET6 ? "::1" : "127.0.0.1";
	unsigned i, tried = 0;
	int fd, rc = 0;

	for (i = 0; i < 4 && rc == 0; i++) {
		fd = dial_from(c, SOCK_DGRAM, me, ports[i]);
		if (fd == -2)
			continue;	/* not root, or the port is in use here */
		if (fd < 0)
			return -1;
		tried++;
		if (udp_echoed(fd, "privileged?", 11, 0.5))
			rc = fail("answered a datagram from port %u", ports[i]);
		close(fd);
	}
	if (rc == 0 && tried < 2)
		return skip("binding ports below 1024 needs root");
	if (rc == 0 && (fd = udp_dial(&c->to, 0)) >= 0) {
		if (!udp_echoed(fd, "ordinary", 8, 5))
			rc = fail("no answer from an ordinary port");
		close(fd);
	}
	if (rc == 0)
		rc = counted(c->srv, keys, (const long long[]){ 1, tried }, 2);
	return rc;
}

/*
 * One datagram forged with a raw socket from 127.0.0.1:from to port to
 * (checksum 0: none, as IPv4 allows). 1 if it went, 0 without root.
 */
static int forge(unsigned from_port, unsigned to, const char *payload)
{
	struct sockaddr_in dst = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(to) };
	unsigned char pkt[64];
	size_t n = strlen(payload);
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);

	if (fd < 0)
		return errno == EPERM ? 0 : fail("raw socket: %s", strerror(errno));
	pkt[0] = (unsigned char)(from_port >> 8);
	pkt[1] = (unsigned char)from_port;
	pkt[2] = (unsigned char)(to >> 8);
	pkt[3] = (unsigned char)to;
	pkt[4] = (unsigned char)((8 + n) >> 8);
	pkt[5] = (unsigned char)(8 + n);
	pkt[6] = pkt[7] = 0;
	memcpy(pkt + 8, payload, n);
	if (sendto(fd, pkt, 8 + n, 0, (struct sockaddr *)&dst, sizeof dst) < 0) {
		close(fd);
		return fail("raw sendto: %s", strerror(errno));
	}
	close(fd);
	return 1;
}

/*
 * Two servers on 127.0.0.1, one datagram forged from B to A and one from
 * A to itself: both exchanges end. A second later neither server uses
 * CPU, and the replies are few. flags: "" (the defaults) or "-R 0" (the
 * repeat detector alone); bound: the most replies allowed.
 */
static int forged_loops(const char *flags, long long bound)
{
	static const char *const keys[] = { "udp_out", "udp_guarded" };
	struct server a = { .err_fd = -1 }, b = { .err_fd = -1 };
	long long va[2] = { 0 }, vb[2] = { 0 };
	long t0, t1, tck = sysconf(_SC_CLK_TCK);
	char f[64];
	int rc, sent;

	snprintf(f, sizeof f, "-U %s", flags);
	rc = server_start(&a, f, NULL);
	if (rc == 0)
		rc = server_start(&b, f, NULL);
	if (rc == 0) {
		sent = forge(b.port, a.port, "round and round");
		if (sent == 0)
			rc = skip("forging a datagram needs root (a raw socket)");
		else if (sent < 0 || forge(a.port, a.port, "me, myself") != 1)
			rc = -1;
	}
	if (rc == 0) {
		nap(1);
		t0 = no_proc ? 0 : proc_ticks(a.pid) + proc_ticks(b.pid);
		nap(1);
		t1 = no_proc ? 0 : proc_ticks(a.pid) + proc_ticks(b.pid);
		if (t1 - t0 > tck / 10)
			rc = fail("the servers used %ld ticks in the second after: "
			    "still looping", t1 - t0);
	}
	if (rc == 0 && (rc = server_counters(&a, keys, va, 2)) == 0)
		rc = server_counters(&b, keys, vb, 2);
	if (rc == 0 && va[0] + vb[0] > bound)
		rc = fail("%lld + %lld replies, more than %lld", va[0], vb[0], bound);
	if (rc == 0 && (va[0] == 0 || vb[0] == 0))
		rc = fail("the pair never answered each other: %lld, %lld", va[0],
		    vb[0]);
	if (rc == 0 && va[1] != 1)
		rc = fail("A guarded %lld datagrams, not the 1 from itself", va[1]);
	return server_finish(&a, server_finish(&b, rc));
}

int t_forged_loops(struct ctx *c)
{
	int rc;

	(void)c;
	/* The repeat detector alone, then with the rate limit as well. */
	rc = forged_loops("-R 0", 2 * (10 + 2));
	return rc != 0 ? rc : forged_loops("", 2 * (2000 + 500));
}

/* Run an ip(8) command; 0 if it worked. */
static int ip(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -1;
}

/* A UDP socket in network namespace ns bound to src, broadcasts allowed. */
static int udp_in_netns(const char *ns, const char *src)
{
	struct sockaddr_in me = { .sin_family = AF_INET };
	char path[64];
	int here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), there, fd = -1;
	int one = 1;

	snprintf(path, sizeof path, "/run/netns/%s", ns);
	there = open(path, O_RDONLY | O_CLOEXEC);
	if (here < 0 || there < 0 || setns(there, CLONE_NEWNET) < 0) {
		fail("enter netns %s: %s", ns, strerror(errno));
	} else {
		inet_pton(AF_INET, src, &me.sin_addr);
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one,
		    sizeof one) < 0 || bind(fd, (struct sockaddr *)&me, sizeof me) < 0)
			fail("udp socket in %s: %s", ns, strerror(errno));
		if (setns(here, CLONE_NEWNET) < 0) {
			perror("itest: setns back");
			exit(3);
		}
	}
	if (here >= 0)
		close(here);
	if (there >= 0)
		close(there);
	return why[0] == '\0' ? fd : -1;
}

/*
 * 1 if a datagram to dst:port from fd came back within secs. Each carries
 * a number of its own, and late answers to earlier ones are dropped
 * first: a slow server must not make one datagram look answered.
 */
static int answered(int fd, const char *dst, unsigned port, double secs)
{
	static unsigned sent;
	struct addr to;
	char msg[32], back[64];
	double end = deadline(secs);
	int n = snprintf(msg, sizeof msg, "anyone? %u", ++sent);

	addr_set(&to, dst, port);
	while (recv(fd, back, sizeof back, MSG_DONTWAIT) > 0)
		;
	if (sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&to.ss, to.len) != n)
		return fail("sendto %s: %s", dst, strerror(errno));
	while (readable(fd, (end - now()) / clock_scale))
		if (recv(fd, back, sizeof back, 0) == n &&
		    memcmp(back, msg, (size_t)n) == 0)
			return 1;
	return 0;
}

/*
 * echod with flags in network namespace ns: datagrams from fd to each of
 * dests[0, n) get no answer, while its unicast address does.
 */
static int unanswered(const char *ns, int fd, const char *flags,
    const char *const *dests, int n)
{
	static const char *const keys[] = { "udp_guarded" };
	char **cmd = server_cmd, *argv[48];
	struct server s = { .err_fd = -1 };
	int rc, i, k = 0;

	/* The server runs inside: "ip netns exec NS server-command...". */
	argv[k++] = "ip";
	argv[k++] = "netns";
	argv[k++] = "exec";
	argv[k++] = (char *)ns;
	for (i = 0; cmd[i] != NULL && k < 46; i++)
		argv[k++] = cmd[i];
	argv[k] = NULL;
	server_cmd = argv;
	rc = server_start(&s, flags, NULL);
	server_cmd = cmd;
	/* The link may take a moment to pass traffic. */
	for (i = 0; rc == 0 && i < 50 && !answered(fd, "10.89.0.1", s.port, 0.2);
	    i++)
		;
	if (rc == 0 && i == 50)
		rc = fail("no answer over the veth pair to 10.89.0.1");
	for (i = 0; rc == 0 && i < n; i++)
		if (answered(fd, dests[i], s.port, 0.5))
			rc = fail("echod %s answered a datagram sent to %s", flags,
			    dests[i]);
	if (rc == 0 && !answered(fd, "10.89.0.1", s.port, 5))
		rc = fail("no answer to unicast after the broadcasts");
	/* Each one reached echod and was turned away. */
	if (rc == 0)
		rc = counted(&s, keys, (const long long[]){ n }, 1);
	return server_finish(&s, rc);
}

/*
 * Datagrams sent to a broadcast or multicast address get no answer. Two
 * network namespaces joined by a veth pair: echod on 10.89.0.1/24, a
 * client on 10.89.0.2 sending to the subnet's broadcast and to
 * 255.255.255.255, and to 224.0.0.1 (all hosts: an IPv4 socket gets it,
 * a dual-stack one does not), then to 10.89.0.1.
 */
int t_broadcast(struct ctx *c)
{
	static const char *const dests[] = { "10.89.0.255", "255.255.255.255",
	    "224.0.0.1" };
	char srv[32], cli[32];
	int fd = -1, rc = 0;

	(void)c;
	if (geteuid() != 0)
		return skip("network namespaces need root");
	snprintf(srv, sizeof srv, "echod-s%d", (int)getpid());
	snprintf(cli, sizeof cli, "echod-c%d", (int)getpid());
	ip("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", srv, cli);
	if (ip("ip netns add %s 2>/dev/null && ip netns add %s", srv, cli) < 0) {
		ip("ip netns del %s 2>/dev/null", srv);
		return skip("no ip(8) or no network namespaces here");
	}
	if (ip("ip -n %s link add v0 type veth peer name v1 netns %s", srv, cli) ||
	    ip("ip -n %s addr add 10.89.0.1/24 dev v0", srv) ||
	    ip("ip -n %s addr add 10.89.0.2/24 dev v1", cli) ||
	    ip("ip -n %s link set v0 up && ip -n %s link set lo up", srv, srv) ||
	    ip("ip -n %s link set v1 up && ip -n %s link set lo up", cli, cli))
		rc = fail("setting up the veth pair failed");
	if (rc == 0 && (fd = udp_in_netns(cli, "10.89.0.2")) < 0)
		rc = -1;
	if (rc == 0)
		rc = unanswered(srv, fd, "-U", dests, 2);
	if (rc == 0)
		rc = unanswered(srv, fd, "-U -l 0.0.0.0", dests, 3);
	if (fd >= 0)
		close(fd);
	ip("ip netns del %s; ip netns del %s", srv, cli);
	return rc;
}

/*
 * -R 10/20: a flood from 127.0.0.2 gets its burst and then 10 a second;
 * 127.0.0.3 and ::1, asking meanwhile, get every answer.
 */
int t_udp_rate(struct ctx *c)
{
	static const char *const keys[] = { "udp_in", "udp_out", "udp_limited" };
	struct ctx six = *c;
	unsigned char msg[64] = "flood";
	long long v[3] = { 0 };
	double t0 = now();
	int flood, fd[2], i, k, replies = 0, rc = 0;

	addr_set(&six.to, "::1", c->srv->port);
	flood = dial_from(c, SOCK_DGRAM, "127.0.0.2", 0);
	fd[0] = dial_from(c, SOCK_DGRAM, "127.0.0.3", 0);
	fd[1] = udp_dial(&six.to, 0);
	if (flood < 0 || fd[0] < 0 || fd[1] < 0)
		rc = -1;
	if (rc == 0)
		big_rcvbuf(flood);
	for (i = 0; rc == 0 && i < 150; i++) {
		memcpy(msg + 8, &i, sizeof i);
		if (send(flood, msg, sizeof msg, 0) != sizeof msg)
			rc = fail("udp send: %s", strerror(errno));
	}
	for (k = 0; rc == 0 && k < 2; k++)
		for (i = 0; rc == 0 && i < 10; i++) {
			msg[8] = (unsigned char)(100 + 10 * k + i);
			if (!udp_echoed(fd[k], msg, 16, 5))
				rc = fail("%s lost an answer to 127.0.0.2's flood",
				    k ? "::1" : "127.0.0.3");
		}
	while (rc == 0 && readable(flood, 1))
		if (recv(flood, msg, sizeof msg, 0) > 0)
			replies++;
	if (rc == 0 && replies > 20 + 10 * (now() - t0) + 5)
		rc = fail("%d answers to the flood in %.1f s with -R 10/20",
		    replies, now() - t0);
	if (rc == 0 && replies < 20)
		rc = fail("only %d answers to the flood, less than the burst",
		    replies);
	if (rc == 0 && (rc = server_counters(c->srv, keys, v, 3)) == 0 &&
	    (v[2] <= 0 || v[0] != v[1] + v[2]))
		rc = fail("udp in %lld out %lld limited %lld", v[0], v[1], v[2]);
	close_all(fd, 2);
	close_all(&flood, 1);
	return rc;
}

/* The default rate never limits 1000 small datagrams from one host. */
int t_udp_rate_default(struct ctx *c)
{
	static const char *const keys[] = { "udp_out", "udp_limited" };
	unsigned char msg[32] = "measure", back[64];
	int fd = udp_dial(&c->to, 0), sent = 0, got = 0, rc = 0;

	if (fd < 0)
		return -1;
	big_rcvbuf(fd);
	while (rc == 0 && got < 1000) {
		while (sent < 1000 && sent - got < 64) {
			memcpy(msg + 8, &sent, sizeof sent);
			if (send(fd, msg, sizeof msg, 0) != sizeof msg)
				rc = fail("udp send: %s", strerror(errno));
			sent++;
		}
		if (rc == 0 && !readable(fd, 5))
			rc = fail("%d of 1000 came back", got);
		else if (rc == 0 && recv(fd, back, sizeof back, 0) == sizeof msg)
			got++;
	}
	close(fd);
	return rc == 0 ? counted(c->srv, keys, (const long long[]){ 1000, 0 }, 2) :
	    rc;
}

/*
 * -C 2: a third connection from one address is closed at once, another
 * address is served, and a reset gives the place back.
 */
int t_tcp_cap(struct ctx *c)
{
	static const char *const keys[] = { "rejected_cap" };
	const char *me = c->to.ss.ss_family == AF_INET6 ? "::1" : "127.0.0.1";
	struct linger lg = { 1, 0 };
	long long v[1] = { 0 };
	int a = -1, b = -1, x = -1, y = -1, rc = 0, i;

	a = tcp_ping_from(c, me);
	b = a < 0 ? -1 : tcp_ping_from(c, me);
	if (b < 0)
		rc = -1;
	if (rc == 0 && (x = dial_from(c, SOCK_STREAM, me, 0)) < 0)
		rc = -1;
	if (rc == 0 && !closed_within(x, 3))
		rc = fail("a third connection from %s was not closed", me);
	if (rc == 0 && c->to.ss.ss_family == AF_INET &&
	    (y = tcp_ping_from(c, "127.0.0.2")) < 0)
		rc = fail("127.0.0.2 refused while 127.0.0.1 was at its cap");
	/* A reset: the server learns of it without the peer's address. */
	if (rc == 0) {
		setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(a);
		a = -1;
	}
	for (i = 0; rc == 0 && a < 0 && i < 50; i++) {
		why[0] = '\0';
		if ((a = tcp_ping_from(c, me)) < 0)
			nap(0.1);
	}
	if (rc == 0 && a < 0) {
		why[0] = '\0';
		rc = fail("no place again after a reset");
	}
	if (rc == 0 && (rc = server_counters(c->srv, keys, v, 1)) == 0 && v[0] < 1)
		rc = fail("rejected_cap %lld", v[0]);
	close_all((int[]){ a, b, x, y }, 4);
	return rc;
}

/*
 * -A: only the networks listed get anything. The server's flags name
 * 127.0.0.2 (the IPv4 case: 127.0.0.1 is out) or 127.0.0.0/8 (the IPv6
 * case: ::1 is out, and IPv4 reaches the dual-stack socket v4-mapped).
 */
int t_allow(struct ctx *c)
{
	static const char *const keys[] = { "rejected_allow", "udp_denied" };
	int v6 = c->to.ss.ss_family == AF_INET6;
	const char *out = v6 ? "::1" : "127.0.0.1";
	const char *in = v6 ? "127.0.0.1" : "127.0.0.2";
	struct ctx inside = *c;
	int fd, rc = 0;

	addr_set(&inside.to, "127.0.0.1", c->srv->port);
	if ((fd = dial_from(c, SOCK_STREAM, out, 0)) < 0)
		return -1;
	if (!closed_within(fd, 3))
		rc = fail("TCP from %s served", out);
	close(fd);
	if (rc == 0 && (fd = dial_from(c, SOCK_DGRAM, out, 0)) >= 0) {
		if (udp_echoed(fd, "let me in", 9, 0.5))
			rc = fail("UDP from %s answered", out);
		close(fd);
	}
	if (rc == 0 && (fd = tcp_ping_from(&inside, in)) < 0)
		rc = fail("TCP from %s refused", in);
	if (fd >= 0)
		close(fd);
	if (rc == 0 && (fd = dial_from(&inside, SOCK_DGRAM, in, 0)) >= 0) {
		if (!udp_echoed(fd, "member", 6, 5))
			rc = fail("UDP from %s not answered", in);
		close(fd);
	}
	return rc == 0 ? counted(c->srv, keys, (const long long[]){ 1, 1 }, 2) :
	    rc;
}

