/* SPDX-License-Identifier: ISC */
/*
 * measure: the STAMP reflector (-T), the client (-P with -o -n -i -W -L)
 * and the metrics endpoint (-M). The STAMP checks are a session-sender
 * written here from RFC 8762 (4.2.1, 4.3.1) and RFC 4656 4.1.2, not from
 * echod's stamp.c; tshark's TWAMP-Test dissector is a second opinion.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"
#include "lib/clock.h"
#include "lib/rand.h"
#include "lib/report.h"

#define STAMP_BASE 44
#define NTP_OFFSET 2208988800ull	/* 1900 to 1970 */
#define SCRAPE_MAX 16384

/* The port that ends what the start line says after key ("stamp on "). */
static unsigned port_of(struct server *s, const char *key)
{
	const char *at = strstr(s->err, key), *end;
	unsigned port = 0;

	if (at == NULL)
		return 0;
	end = at + strcspn(at, ",\n");
	while (end > at && end[-1] >= '0' && end[-1] <= '9')
		end--;
	return sscanf(end, "%u", &port) == 1 ? port : 0;
}

/* c->to with another port. */
static struct addr with_port(const struct ctx *c, unsigned port)
{
	struct addr a = c->to;

	/* sin_port and sin6_port lie at the same offset. */
	((struct sockaddr_in *)&a.ss)->sin_port = htons((uint16_t)port);
	return a;
}

/* CLOCK_REALTIME as NTP's 64-bit format, by the book. */
static uint64_t ntp_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)(t.tv_sec + NTP_OFFSET) << 32 |
	    (((uint64_t)t.tv_nsec << 32) / 1000000000u);
}

static double ntp_secs(uint64_t a, uint64_t b)
{
	return (double)(int64_t)(b - a) / 4294967296.0;
}

static uint64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (unsigned char)v;
		v >>= 8;
	}
}

/*
 * RFC 4656 4.1.2: S, Z, 6 bits of Scale, 8 of Multiplier; the error is
 * Multiplier x 2^(Scale - 32) s. What this host's kernel says of its clock
 * (adjtimex) is what an honest reflector on it must say.
 */
static int check_error(unsigned e)
{
	struct timex tx = { .modes = 0 };
	int state = adjtimex(&tx), synced;
	double err = (e & 0xff) * ((double)(1ull << (e >> 8 & 0x3f)) /
	    4294967296.0);

	synced = state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
	REQUIRE(!(e & 0x4000), "error estimate 0x%04x: Z set (not NTP format)",
	    e);
	REQUIRE((e & 0xff) != 0, "error estimate 0x%04x: multiplier 0", e);
	REQUIRE(!!(e & 0x8000) == synced, "error estimate 0x%04x: S %d, but "
	    "the kernel says the clock is %ssynchronized", e, !!(e & 0x8000),
	    synced ? "" : "not ");
	REQUIRE(state < 0 || err >= tx.maxerror / 1e6,
	    "error estimate 0x%04x is %.6f s, the kernel's maximum error %.6f s",
	    e, err, tx.maxerror / 1e6);
	return 0;
}

/* Ask for the TTL (Hop Limit) of what fd receives; send with ttl. */
static void set_ttls(int fd, int v6, int ttl)
{
	int one = 1;

	if (v6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one);
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
	} else {
		setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof one);
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
	}
}

/* A datagram and its TTL (Hop Limit), within secs; its length or -1. */
static ssize_t recv_ttl(int fd, unsigned char *buf, size_t size, int *ttl,
    double secs)
{
	union {
		struct cmsghdr h;
		char b[256];
	} ctrl;
	struct iovec iov = { buf, size };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = ctrl.b, .msg_controllen = sizeof ctrl.b };
	struct cmsghdr *c;
	ssize_t n;

	if (!readable(fd, secs))
		return fail("no STAMP reply within %.1f s", secs * clock_scale);
	if ((n = recvmsg(fd, &m, MSG_DONTWAIT)) < 0)
		return fail("recvmsg: %s", strerror(errno));
	*ttl = -1;
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		    (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_HOPLIMIT))
			memcpy(ttl, CMSG_DATA(c), sizeof *ttl);
	return n;
}

/* A session-sender's request (4.2.1): MBZ zero, padding a pattern. */
static void request(unsigned char *p, size_t len, uint32_t seq, uint64_t t1,
    unsigned err)
{
	size_t i;

	memset(p, 0, len);
	put_be(p, seq, 4);
	put_be(p + 4, t1, 8);
	put_be(p + 12, err, 2);
	for (i = STAMP_BASE; i < len; i++)
		p[i] = (unsigned char)(i * 7 + 1);
}

/* Every field of the reflector's reply (4.3.1) to what was sent. */
static int check_reply(const unsigned char *q, size_t len,
    const unsigned char *r, ssize_t n, uint64_t t4, int ttl_sent,
    int ttl_got)
{
	uint64_t t1 = be(q + 4, 8), t2 = be(r + 16, 8), t3 = be(r + 4, 8);

	REQUIRE(n == (ssize_t)len, "%zu-byte request, %zd-byte reply", len, n);
	REQUIRE(be(r, 4) == be(q, 4), "sequence %llu, sent %llu",
	    (unsigned long long)be(r, 4), (unsigned long long)be(q, 4));
	REQUIRE(memcmp(r + 24, q, 4) == 0 && memcmp(r + 28, q + 4, 8) == 0 &&
	    memcmp(r + 36, q + 12, 2) == 0,
	    "the sender's sequence, timestamp or error estimate not copied");
	REQUIRE(be(r + 14, 2) == 0 && be(r + 38, 2) == 0 &&
	    be(r + 41, 3) == 0, "an MBZ field is not zero");
	REQUIRE(r[40] == ttl_sent, "Session-Sender TTL %u, sent with %d", r[40],
	    ttl_sent);
	REQUIRE(ttl_got == 255, "the reply came with TTL %d, not 255", ttl_got);
	REQUIRE(memcmp(r + STAMP_BASE, q + STAMP_BASE, len - STAMP_BASE) == 0,
	    "the bytes past the base packet changed");
	REQUIRE(ntp_secs(t1, t2) >= 0 && ntp_secs(t2, t4) >= 0,
	    "Receive Timestamp not between send and receive: t2 - t1 %.9f s, "
	    "t4 - t2 %.9f s", ntp_secs(t1, t2), ntp_secs(t2, t4));
	REQUIRE(ntp_secs(t2, t3) >= 0 && ntp_secs(t3, t4) >= 0,
	    "reflector's Timestamp not between its receive and ours: t3 - t2 "
	    "%.6f s, t4 - t3 %.6f s", ntp_secs(t2, t3), ntp_secs(t3, t4));
	return check_error((unsigned)be(r + 12, 2));
}

/*
 * One exchange of len bytes, sent with ttl: the reply in r, its length,
 * and (if check) every field checked.
 */
static int exchange(const struct addr *to, size_t len, int ttl, int check)
{
	unsigned char q[256], r[512] = { 0 };
	int fd = udp_dial(to, 0), got, rc;
	uint64_t t4;
	ssize_t n;

	if (fd < 0)
		return -1;
	set_ttls(fd, to->ss.ss_family == AF_INET6, ttl);
	request(q, len, (uint32_t)rnd(), ntp_now(), (unsigned)rnd() & 0xbfff);
	if (send(fd, q, len, 0) != (ssize_t)len) {
		close(fd);
		return fail("send: %s", strerror(errno));
	}
	n = recv_ttl(fd, r, sizeof r, &got, 5);
	t4 = ntp_now();
	rc = n < 0 ? -1 : check ? check_reply(q, len, r, n, t4, ttl, got) : 0;
	close(fd);
	return rc;
}

static int stamp_once(const struct addr *to, size_t len, int ttl)
{
	return exchange(to, len, ttl, 1);
}

/*
 * 44 bytes and padded, three TTLs; a short request is dropped and
 * counted, one from another reflector's port is dropped.
 */
int t_stamp(struct ctx *c)
{
	static const char *const keys[] = { "udp_in", "udp_out", "stamp_short" };
	unsigned port = port_of(c->srv, "stamp on ");
	struct addr to = with_port(c, port);
	unsigned char q[STAMP_BASE - 1] = { 0 }, r[STAMP_BASE];
	long long v[3];
	int fd, rc;

	REQUIRE(port != 0, "no STAMP port in the start line: %.300s",
	    c->srv->err);
	if ((rc = stamp_once(&to, STAMP_BASE, 64)) < 0 ||
	    (rc = stamp_once(&to, 200, 7)) < 0 ||
	    (rc = stamp_once(&to, STAMP_BASE + 1, 255)) < 0)
		return rc;
	if ((fd = udp_dial(&to, 0)) < 0)
		return -1;
	rc = send(fd, q, sizeof q, 0) == sizeof q && !readable(fd, 0.5) ? 0 :
	    fail("a 43-byte request was answered (or not sent)");
	close(fd);
	/* Another reflector's port (as root): never answered, no loop. */
	if (rc == 0 && (fd = udp_dial(&to, 862)) >= 0) {
		request(r, sizeof r, 1, ntp_now(), 0);
		rc = send(fd, r, sizeof r, 0) == sizeof r && !readable(fd, 0.5) ?
		    0 : fail("a request from port 862 was answered");
		close(fd);
	}
	if (rc == 0)
		rc = server_counters(c->srv, keys, v, 3);
	if (rc == 0 && (v[1] != 3 || v[2] != 1 || v[0] != 4 + (geteuid() == 0)))
		rc = fail("udp_in/udp_out/stamp_short %lld/%lld/%lld, not "
		    "4(+1 as root)/3/1", v[0], v[1], v[2]);
	return rc;
}

/* With -w, each worker's socket answers: many source ports, all answered. */
int t_stamp_workers(struct ctx *c)
{
	struct addr to = with_port(c, port_of(c->srv, "stamp on "));
	int i, rc = 0;

	for (i = 0; i < 16 && rc == 0; i++)
		rc = stamp_once(&to, STAMP_BASE + (size_t)i, 64);
	return rc;
}

/* -R limits STAMP as it limits echo: a burst from one source is cut. */
int t_stamp_limited(struct ctx *c)
{
	static const char *const keys[] = { "udp_out", "udp_limited" };
	struct addr to = with_port(c, port_of(c->srv, "stamp on "));
	unsigned char q[STAMP_BASE], r[64];
	long long v[2];
	int fd = udp_dial(&to, 0), i, got = 0;

	if (fd < 0)
		return -1;
	for (i = 0; i < 40; i++) {
		request(q, sizeof q, (uint32_t)i, ntp_now(), 0);
		if (send(fd, q, sizeof q, 0) != (ssize_t)sizeof q)
			break;
	}
	while (readable(fd, 0.5) && recv(fd, r, sizeof r, 0) > 0)
		got++;
	close(fd);
	if (server_counters(c->srv, keys, v, 2) < 0)
		return -1;
	REQUIRE(got > 0 && got <= 10 && v[0] == got && v[1] == 40 - got,
	    "40 requests at -R 5/5: %d answered, udp_out %lld, udp_limited "
	    "%lld", got, v[0], v[1]);
	return 0;
}

/*
 * The Receive Timestamp is the kernel's: a request that waits in the
 * socket while the server is stopped keeps the time it arrived; a clock
 * read by the server would show the wait as network delay.
 */
int t_stamp_kernel_time(struct ctx *c)
{
	struct addr to = with_port(c, port_of(c->srv, "stamp on "));
	unsigned char q[STAMP_BASE], r[STAMP_BASE] = { 0 };
	uint64_t t1 = ntp_now(), t2, t3;
	int fd, ttl, rc = 0;

	if (no_proc)
		return skip("-k: an emulated server (qemu-user) may not get kernel receive times");
	if ((fd = udp_dial(&to, 0)) < 0)
		return -1;
	request(q, sizeof q, 1, t1, 0);
	kill(c->srv->pid, SIGSTOP);
	if (send(fd, q, sizeof q, 0) != (ssize_t)sizeof q)
		rc = fail("send: %s", strerror(errno));
	nap(0.5);
	kill(c->srv->pid, SIGCONT);
	if (rc == 0 && recv_ttl(fd, r, sizeof r, &ttl, 5) != sizeof r)
		rc = -1;
	close(fd);
	if (rc < 0)
		return rc;
	t2 = be(r + 16, 8);
	t3 = be(r + 4, 8);
	REQUIRE(ntp_secs(t2, t3) >= 0.4 && ntp_secs(t1, t2) < 0.25,
	    "stopped 0.5 s: t2 - t1 %.3f s, t3 - t2 %.3f s (the receive time "
	    "is not the kernel's)", ntp_secs(t1, t2), ntp_secs(t2, t3));
	return 0;
}

/* Run argv to the end within secs with its output in out; its status. */
static int run(char *const argv[], char *out, size_t size, double secs)
{
	double end = deadline(secs);
	size_t got = 0;
	ssize_t n;
	int p[2], status = -1;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return fail("pipe: %s", strerror(errno));
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while (pid > 0 && now() < end) {
		struct pollfd pf = { p[0], POLLIN, 0 };

		if (poll(&pf, 1, ms_until(end)) <= 0)
			break;
		if ((n = read(p[0], out + got, size - 1 - got)) <= 0)
			break;
		got += (size_t)n;
	}
	out[got] = '\0';
	close(p[0]);
	if (pid > 0 && now() >= end)
		kill(pid, SIGKILL);
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		return WEXITSTATUS(status);
	return status == -1 ? fail("%s: could not run", argv[0]) : 128;
}

/* Is program on PATH? */
static int have(const char *program)
{
	char out[64], *argv[] = { (char *)"sh", (char *)"-c", NULL, NULL };
	char cmd[128];

	snprintf(cmd, sizeof cmd, "command -v %s", program);
	argv[2] = cmd;
	return run(argv, out, sizeof out, 10) == 0;
}

/*
 * In tshark -V's text, the two replies (the frames from the STAMP port):
 * sent with TTL 255, the sender's TTL 64, the padding of the long one as
 * the request had it.
 */
static int tshark_replies(char *out, unsigned port)
{
	char src[32], pad[32], *frame, *next;
	int replies = 0, padded = 0;

	snprintf(src, sizeof src, "Src Port: %u,", port);
	snprintf(pad, sizeof pad, "Padding: 000000%02x%02x",
	    (STAMP_BASE * 7 + 1) & 0xff, (STAMP_BASE * 7 + 8) & 0xff);
	for (frame = strstr(out, "Frame "); frame != NULL; frame = next) {
		if ((next = strstr(frame + 1, "\nFrame ")) != NULL)
			*next++ = '\0';
		if (strstr(frame, src) == NULL)
			continue;
		REQUIRE(strstr(frame, "Time to Live: 255\n") != NULL ||
		    strstr(frame, "Hop Limit: 255\n") != NULL,
		    "a reply not sent with TTL 255: %.1500s", frame);
		REQUIRE(strstr(frame, "TwoWay Active Measurement Test Protocol") &&
		    strstr(frame, "Sender TTL: 64\n"),
		    "a reply without Sender TTL 64: %.1500s", frame);
		replies++;
		padded += strstr(frame, pad) != NULL;
	}
	REQUIRE(replies == 2 && padded == 1, "%d replies decoded, %d with the "
	    "padding sent ('%s')", replies, padded, pad);
	return 0;
}

/*
 * tshark's TWAMP-Test dissector, decoding a captured exchange (44 bytes
 * and padded) on the STAMP port, finds every field and no error.
 */
int t_stamp_tshark(struct ctx *c)
{
	unsigned port = port_of(c->srv, "stamp on ");
	struct addr to = with_port(c, port);
	char file[] = "/tmp/itest-stamp-XXXXXX", filter[32], decode[48];
	char out[16384];
	char *capture[] = { (char *)"tshark", (char *)"-i", (char *)"lo",
	    (char *)"-f", filter, (char *)"-c", (char *)"4", (char *)"-a",
	    (char *)"duration:30", (char *)"-w", file, NULL };
	char *show[] = { (char *)"tshark", (char *)"-r", file, (char *)"-d",
	    decode, (char *)"-V", NULL };
	int fd, rc = 0, st;
	pid_t pid;

	if (geteuid() != 0)
		return skip("capturing on lo needs root");
	if (!have("tshark"))
		return skip("no tshark (Debian package tshark)");
	if ((fd = mkstemp(file)) < 0)
		return fail("mkstemp: %s", strerror(errno));
	close(fd);
	snprintf(filter, sizeof filter, "udp port %u", port);
	snprintf(decode, sizeof decode, "udp.port==%u,twamp.test", port);
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execvp(capture[0], capture);
		_exit(127);
	}
	/* tshark says "Capturing on" on stderr; wait for the file instead. */
	for (st = 0; st < 100; st++) {
		struct stat sb;

		if (stat(file, &sb) == 0 && sb.st_size > 0)
			break;
		nap(0.1 * clock_scale);
	}
	nap(0.5);
	/* Unchecked here: the dissector is the judge. */
	if (exchange(&to, STAMP_BASE, 64, 0) < 0 || exchange(&to, 96, 64, 0) < 0)
		rc = -1;
	for (st = 0; st < 100 && waitpid(pid, NULL, WNOHANG) == 0; st++)
		nap(0.1 * clock_scale);
	if (st == 100) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		rc = rc ? rc : fail("tshark did not see 4 packets");
	}
	if (rc == 0 && run(show, out, sizeof out, 60) != 0)
		rc = fail("tshark -r: %.300s", out);
	unlink(file);
	if (rc != 0)
		return rc;
	REQUIRE(strstr(out, "Malformed") == NULL &&
	    strstr(out, "Expert Info (Error") == NULL,
	    "tshark found errors: %.2000s", out);
	return tshark_replies(out, port);
}
/* The client's summary: sent, received, loss and the counts, as said. */
static int summary_is(const char *out, unsigned sent, unsigned got,
    const char *loss, unsigned late, unsigned dup, unsigned reordered)
{
	char want[160];

	snprintf(want, sizeof want, "%u sent, %u received, %s loss, %u late, "
	    "%u duplicates, %u reordered\n", sent, got, loss, late, dup,
	    reordered);
	REQUIRE(strstr(out, want) != NULL, "no '%.*s' in: %.1500s",
	    (int)strlen(want) - 1, want, out);
	return 0;
}

/* min <= p50 <= p99 <= max, min <= avg <= max. */
static int rtt_line_ok(const char *out)
{
	const char *at = strstr(out, "rtt min/avg/max/mdev = ");
	long long mn, avg, mx, mdev, p50, p99;

	REQUIRE(at != NULL && sscanf(at, "rtt min/avg/max/mdev = %lld/%lld/%lld/"
	    "%lld us, p50 %lld us, p99 %lld us", &mn, &avg, &mx, &mdev, &p50,
	    &p99) == 6, "no round-trip line in: %.1500s", out);
	REQUIRE(mn >= 0 && mn <= avg && avg <= mx && mn <= p50 && p50 <= p99 &&
	    p99 <= mx && mdev <= mx - mn, "round trips out of order: %.200s",
	    at);
	return 0;
}

static int count_of(const char *out, const char *text)
{
	int n = 0;

	for (; (out = strstr(out, text)) != NULL; out++)
		n++;
	return n;
}

/* -P with -n over tcp, udp and stamp against this server; a silent port. */
int t_client(struct ctx *c)
{
	static const char *const proto[] = { "tcp", "udp", "stamp" };
	const char *host = c->to.ss.ss_family == AF_INET6 ? "[::1]" :
	    "127.0.0.1";
	unsigned port, quiet;
	struct server p;
	char flags[160];
	int i, st, fd;

	for (i = 0; i < 3; i++) {
		port = i < 2 ? c->srv->port : port_of(c->srv, "stamp on ");
		snprintf(flags, sizeof flags, "-P %s:%u -o %s -n 5 -i 20", host,
		    port, proto[i]);
		st = server_run(&p, flags);
		REQUIRE(st == 0, "'%s' exited %d: %.1500s", flags, st, p.err);
		REQUIRE(count_of(p.err, " bytes from ") == 5, "not 5 replies: "
		    "%.1500s", p.err);
		if (summary_is(p.err, 5, 5, "0.0%", 0, 0, 0) < 0 ||
		    rtt_line_ok(p.err) < 0)
			return -1;
		REQUIRE(i < 2 || (count_of(p.err, " reflector=") == 5 &&
		    strstr(p.err, "one-way min/avg/max: forward ") != NULL),
		    "no reflector times or one-way delays: %.1500s", p.err);
	}
	/* Nobody answers: all lost, exit 1; unless 100% loss is allowed. */
	if ((fd = hold_port(SOCK_DGRAM, 0, &quiet)) < 0)
		return -1;
	snprintf(flags, sizeof flags, "-P 127.0.0.1:%u -o udp -n 3 -i 10 -W 200",
	    quiet);
	st = server_run(&p, flags);
	if (st != 1 || summary_is(p.err, 3, 0, "100.0%", 0, 0, 0) < 0) {
		close(fd);
		return fail("silent port: exit %d: %.1500s", st, p.err);
	}
	snprintf(flags, sizeof flags, "-P 127.0.0.1:%u -o stamp -n 2 -i 10 -W "
	    "200 -L 100 -q", quiet);
	st = server_run(&p, flags);
	close(fd);
	REQUIRE(st == 0 && count_of(p.err, " bytes from ") == 0,
	    "-L 100 with all lost: exit %d: %.1500s", st, p.err);
	return 0;
}

/* The sequence number of an echo probe ("#0000000042:..."), or -1. */
static long probe_seq(const unsigned char *b, ssize_t n)
{
	char digits[11];

	if (n != 24 || b[0] != '#')
		return -1;
	memcpy(digits, b + 1, 10);
	digits[10] = '\0';
	return strtol(digits, NULL, 10);
}

/*
 * A peer that misbehaves on purpose: probe 1 comes back twice, 2 never,
 * 3 after 4, 5 after the client gave up on it (and 9, held for it, just
 * before its own deadline). Everything else is echoed at once.
 */
static int mischief(int fd, struct server *client, double wait)
{
	unsigned char b[64], held[10][24];
	struct sockaddr_storage from;
	socklen_t len = sizeof from;
	double late_at = 0, end = deadline(30);
	ssize_t n;
	long seq;

	while (now() < end && client->err_fd >= 0) {
		if (late_at != 0 && now() >= late_at) {
			late_at = 0;
			sendto(fd, held[5], 24, 0, (struct sockaddr *)&from, len);
			sendto(fd, held[9], 24, 0, (struct sockaddr *)&from, len);
		}
		server_collect(client, 0);
		if (!readable(fd, 0.01))
			continue;
		len = sizeof from;
		n = recvfrom(fd, b, sizeof b, 0, (struct sockaddr *)&from, &len);
		if ((seq = probe_seq(b, n)) < 0 || seq > 9)
			continue;
		memcpy(held[seq], b, 24);
		if (seq == 2 || seq == 3 || seq == 9)
			continue;
		if (seq == 5) {
			late_at = now() + wait + 0.3 * clock_scale;
			continue;
		}
		sendto(fd, b, 24, 0, (struct sockaddr *)&from, len);
		if (seq == 1 || seq == 4)
			sendto(fd, held[seq == 1 ? 1 : 3], 24, 0,
			    (struct sockaddr *)&from, len);
	}
	return client->err_fd < 0 ? 0 : fail("the client did not finish");
}

/* Loss, a late reply, a duplicate and reordering: each seen and counted. */
int t_client_faults(struct ctx *c)
{
	unsigned port;
	struct server p;
	char flags[160];
	double wait = 2 * clock_scale;
	int fd = hold_port(SOCK_DGRAM, 0, &port), st, rc;

	(void)c;
	if (fd < 0)
		return -1;
	snprintf(flags, sizeof flags, "-P 127.0.0.1:%u -o udp -n 10 -i %d -W %d "
	    "-L 10", port, (int)(200 * clock_scale), (int)(wait * 1000));
	if (server_spawn(&p, flags, NULL) < 0) {
		close(fd);
		return -1;
	}
	rc = mischief(fd, &p, wait);
	close(fd);
	st = server_reap(&p, 5);
	server_collect(&p, 100);
	server_kill(&p);
	if (rc < 0)
		return rc;
	REQUIRE(strstr(p.err, "seq=1 ") && strstr(p.err, "(DUP!)") &&
	    strstr(p.err, "seq=3 ") && strstr(p.err, "(out of order)") &&
	    strstr(p.err, "seq=5 ") && strstr(p.err, "(late)"),
	    "the reply lines do not say it: %.1500s", p.err);
	if (summary_is(p.err, 10, 8, "20.0%", 1, 1, 1) < 0 ||
	    rtt_line_ok(p.err) < 0)
		return -1;
	REQUIRE(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1,
	    "20%% lost with -L 10 must exit 1 (status %d)", st);
	return 0;
}

/*
 * The health check against -m capitalize: the nonce must be something
 * no mode changes (random bytes had letters: ~85% of probes failed).
 */
int t_probe_capitalize(struct ctx *c)
{
	struct server p;
	char flags[64];
	int i, st;

	snprintf(flags, sizeof flags, "-P 127.0.0.1:%u", c->srv->port);
	for (i = 0; i < 20; i++) {
		st = server_run(&p, flags);
		REQUIRE(st == 0, "probe %d of 20 exited %d: %s", i, st, p.err);
	}
	return 0;
}

/* A TCP peer that answers the probe with byte 5 changed; its status. */
static int liar(int lfd, struct server *client)
{
	unsigned char b[24];
	int fd, st;

	if (!readable(lfd, 5) || (fd = accept(lfd, NULL, NULL)) < 0)
		return fail("the probe did not connect");
	if (recv_all(fd, b, sizeof b, 5) == 0) {
		b[5] ^= 0x20;
		send_all(fd, b, sizeof b, 5);
	}
	st = server_reap(client, 5);
	close(fd);
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A TCP listener on 127.0.0.1 that nobody serves, its address in target. */
static int hold(char *target, size_t size)
{
	unsigned port;
	int fd = hold_port(SOCK_STREAM, 0, &port);

	if (fd >= 0)
		snprintf(target, size, "127.0.0.1:%u", port);
	return fd;
}

/* What the health check says when it fails names the server and why. */
int t_probe_messages(struct ctx *c)
{
	struct server p;
	char flags[64], target[32];
	int fd, st;

	(void)c;
	st = server_run(&p, "-P [::1]");
	REQUIRE(st == 2 && strstr(p.err, "-P: the port is missing: '[::1]'"),
	    "-P [::1]: exit %d: %s", st, p.err);
	/* Nobody listens. */
	if ((fd = hold(target, sizeof target)) < 0)
		return -1;
	close(fd);
	snprintf(flags, sizeof flags, "-P %s", target);
	st = server_run(&p, flags);
	REQUIRE(st == 1 && strstr(p.err, target) && strstr(p.err, "connect") &&
	    strstr(p.err, "refused"), "refused: exit %d: %s", st, p.err);
	/* It listens, never answers. */
	if ((fd = hold(target, sizeof target)) < 0)
		return -1;
	snprintf(flags, sizeof flags, "-P %s -W 300", target);
	st = server_run(&p, flags);
	close(fd);
	REQUIRE(st == 1 && strstr(p.err, target) &&
	    strstr(p.err, "no reply within 300 ms"), "silent: exit %d: %s", st,
	    p.err);
	/* It answers wrong. */
	if ((fd = hold(target, sizeof target)) < 0)
		return -1;
	snprintf(flags, sizeof flags, "-P %s", target);
	st = server_spawn(&p, flags, NULL) < 0 ? -1 : liar(fd, &p);
	close(fd);
	server_collect(&p, 100);
	server_kill(&p);
	REQUIRE(st == 1 && strstr(p.err, target) &&
	    strstr(p.err, "reply differs at byte 5: sent 0x"),
	    "changed byte: exit %d: %s", st, p.err);
	return 0;
}

/*
 * Send req to the metrics port and read the answer until the server
 * closes; its status, the body at *body. -1 if none within 10 s.
 */
static int http(const struct ctx *c, const char *req, size_t len, char *resp,
    size_t size, const char **body)
{
	struct addr a = with_port(c, port_of(c->srv, "metrics on "));
	int fd = dial(&a), status = -1;
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	if (send_all(fd, req, len, 5) < 0) {
		close(fd);
		return -1;
	}
	while (got < size - 1 && readable(fd, 10) &&
	    (n = recv(fd, resp + got, size - 1 - got, 0)) > 0)
		got += (size_t)n;
	resp[got] = '\0';
	close(fd);
	*body = strstr(resp, "\r\n\r\n");
	*body = *body ? *body + 4 : resp + got;
	if (sscanf(resp, "HTTP/1.1 %d ", &status) != 1)
		return fail("no HTTP/1.1 status line: '%.200s'", resp);
	return status;
}

static int scrape(const struct ctx *c, char *resp, size_t size,
    const char **body)
{
	static const char get[] = "GET /metrics HTTP/1.1\r\nHost: echod\r\n"
	    "Accept: text/plain;version=0.0.4\r\n\r\n";
	int status = http(c, get, sizeof get - 1, resp, size, body);

	REQUIRE(status == 200, "GET /metrics: %d: %.300s", status, resp);
	return 0;
}

/* The value of metric name in the body, or -1. */
static long long metric(const char *body, const char *name)
{
	char pat[96];
	const char *at;
	long long v;

	snprintf(pat, sizeof pat, "\n%s ", name);
	at = strstr(body - 1, pat);
	return at != NULL && sscanf(at + strlen(pat), "%lld", &v) == 1 ? v : -1;
}

/* promtool check metrics on body; skipped (1) without promtool. */
static int promtool(const char *body)
{
	char file[] = "/tmp/itest-metrics-XXXXXX", cmd[96], out[4096];
	char *argv[] = { (char *)"sh", (char *)"-c", cmd, NULL };
	int fd, st;

	if (!have("promtool"))
		return 1;
	if ((fd = mkstemp(file)) < 0)
		return fail("mkstemp: %s", strerror(errno));
	st = write(fd, body, strlen(body)) == (ssize_t)strlen(body) ? 0 : -1;
	close(fd);
	snprintf(cmd, sizeof cmd, "promtool check metrics < %s", file);
	if (st == 0)
		st = run(argv, out, sizeof out, 30);
	unlink(file);
	REQUIRE(st == 0, "promtool check metrics: exit %d: %s", st, out);
	return 0;
}

/* Every key of the SIGUSR1 line, as a counter (or the connections gauge). */
static int all_counters(struct server *s, const char *body)
{
	size_t from = s->errlen;
	const char *line;
	char key[64], name[96], type[160];
	int used;

	kill(s->pid, SIGUSR1);
	line = server_wait_line(s, from, "accepted ", 5);
	REQUIRE(line != NULL, "no counters after SIGUSR1");
	for (; sscanf(line, "%63s %*s%n", key, &used) == 1 && *line != '\n';
	    line += used) {
		snprintf(name, sizeof name, strcmp(key, "active") ?
		    "echod_%s_total" : "echod_connections", key);
		snprintf(type, sizeof type, "# TYPE %s %s\n", name,
		    strcmp(key, "active") ? "counter" : "gauge");
		REQUIRE(strstr(body, type) != NULL && metric(body, name) >= 0,
		    "no %s in the metrics: %.2000s", type, body);
		while (line[used] == ' ')
			used++;
	}
	return 0;
}

/* accepted, connections and bytes as scraped now. */
static int counts(const struct ctx *c, long long *accepted, long long *open,
    long long *bytes)
{
	char resp[SCRAPE_MAX];
	const char *body;

	if (scrape(c, resp, sizeof resp, &body) < 0)
		return -1;
	*accepted = metric(body, "echod_accepted_total");
	*open = metric(body, "echod_connections");
	*bytes = metric(body, "echod_bytes_in_total");
	return 0;
}

/*
 * -M: a scrape passes promtool, names every counter, and follows
 * connections as they come and go, whichever worker answers (-w 2).
 */
int t_metrics(struct ctx *c)
{
	char resp[SCRAPE_MAX];
	const char *body, *ctype = "Content-Type: text/plain; version=0.0.4";
	long long acc, open, bytes, workers;
	int fd[6], i, rc = 0;
	double end;

	if (scrape(c, resp, sizeof resp, &body) < 0)
		return -1;
	REQUIRE(strstr(resp, ctype) != NULL, "no '%s': %.300s", ctype, resp);
	REQUIRE(strstr(resp, "Content-Length: ") != NULL &&
	    atoi(strstr(resp, "Content-Length: ") + 16) == (int)strlen(body),
	    "Content-Length is not the body's length: %.300s", resp);
	if (all_counters(c->srv, body) < 0 || promtool(body) < 0)
		return -1;
	workers = strstr(c->srv->err, "2 workers") ? 2 : 1;
	REQUIRE(metric(body, "echod_slots") == 1024 * workers &&
	    metric(body, "echod_memory_bytes") > 0, "slots or memory: %.2000s",
	    body);
	for (i = 0; i < 6; i++)
		if ((fd[i] = dial_ping(c, "counted\n")) < 0)
			return -1;
	/*
	 * A worker publishes its counts at the end of its loop's turn, just
	 * after its echo went out; then any worker answers for all: every
	 * scrape sees all six.
	 */
	for (end = deadline(5); rc == 0; nap(0.05)) {
		rc = counts(c, &acc, &open, &bytes);
		if (rc == 0 && acc == 6 && open == 6 && bytes == 48)
			break;
		if (rc == 0 && now() > end)
			rc = fail("accepted %lld, open %lld, bytes_in %lld; want 6, "
			    "6, 48", acc, open, bytes);
	}
	for (i = 0; i < 8 && rc == 0; i++) {
		rc = counts(c, &acc, &open, &bytes);
		if (rc == 0 && (acc != 6 || open != 6 || bytes != 48))
			rc = fail("scrape %d: accepted %lld, open %lld, bytes_in "
			    "%lld; want 6, 6, 48", i, acc, open, bytes);
	}
	for (i = 0; i < 6; i++)
		close(fd[i]);
	for (end = deadline(5); rc == 0; nap(0.05)) {
		rc = counts(c, &acc, &open, &bytes);
		if (rc == 0 && open == 0 && acc == 6)
			break;
		if (rc == 0 && now() > end)
			rc = fail("after closing: accepted %lld, open %lld", acc,
			    open);
	}
	return rc;
}

/* One bad request and the status it must get. */
static int refused(const struct ctx *c, const char *req, size_t len,
    int want, const char *header)
{
	char resp[SCRAPE_MAX];
	const char *body;
	int status = http(c, req, len, resp, sizeof resp, &body);

	REQUIRE(status == want, "'%.40s...' got %d, not %d", req, status, want);
	REQUIRE(header == NULL || strstr(resp, header) != NULL,
	    "%d without '%s': %.300s", want, header, resp);
	return 0;
}

/*
 * Malformed, oversized, other methods and paths get their 4xx; silent
 * scrapers are closed after a while, past four at once at once, and the
 * echo service goes on meanwhile.
 */
int t_metrics_bad(struct ctx *c)
{
	static const char post[] = "POST /metrics HTTP/1.1\r\n\r\n";
	static const char other[] = "GET /other HTTP/1.1\r\n\r\n";
	static const char junk[] = "junk\r\n\r\n";
	char big[4096], resp[SCRAPE_MAX];
	const char *body;
	struct addr a = with_port(c, port_of(c->srv, "metrics on "));
	int fd[5], i, echo, rc = 0;

	if (refused(c, post, sizeof post - 1, 405, "Allow: GET") < 0 ||
	    refused(c, other, sizeof other - 1, 404, NULL) < 0 ||
	    refused(c, junk, sizeof junk - 1, 400, NULL) < 0)
		return -1;
	snprintf(big, sizeof big, "GET /%0300d HTTP/1.1\r\n\r\n", 0);
	if (refused(c, big, strlen(big), 414, NULL) < 0)
		return -1;
	snprintf(big, sizeof big, "GET /metrics HTTP/1.1\r\nX-Big: %03000d"
	    "\r\n\r\n", 0);
	if (refused(c, big, strlen(big), 431, NULL) < 0)
		return -1;
	for (i = 0; i < 5; i++)
		if ((fd[i] = dial(&a)) < 0)
			return -1;
	if (!closed_within(fd[4], 2))
		rc = fail("a fifth scraper at once was not closed");
	if (rc == 0 && ((echo = dial_ping(c, "still serving\n")) < 0 ||
	    close(echo) < 0))
		rc = fail("echo stalled by silent scrapers");
	for (i = 0; i < 4 && rc == 0; i++)
		if (!closed_within(fd[i], 10))
			rc = fail("silent scraper %d not closed within 10 s", i);
	for (i = 0; i < 5; i++)
		close(fd[i]);
	return rc < 0 ? rc : scrape(c, resp, sizeof resp, &body);
}
