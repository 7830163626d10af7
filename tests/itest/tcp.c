/* SPDX-License-Identifier: ISC */
/*
 * tcp: the byte stream. Every byte comes back, in order, whatever the
 * sizes, the chunking, a peer that does not read, or a half-close; the
 * capitalize transform per line.
 */
#include <errno.h>
#include <poll.h>
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

/* Random sizes, random chunking, every byte checked. */
int t_echo(struct ctx *c)
{
	struct flow f;
	int round, fd, rc = 0;

	for (round = 0; round < 24 && rc == 0; round++) {
		size_t n = round < 4 ? between(1, 16) : between(1, 300000);
		size_t chunk = round % 3 == 0 ? between(1, 7) : between(1, 65536);
		unsigned char *data;

		if (n > 20000 && chunk < 8)
			chunk = between(512, 4096);	/* bound the syscalls */
		if ((fd = dial(&c->to)) < 0)
			return -1;
		data = random_bytes(n);
		flow_init(&f, fd, data, n, chunk);
		rc = pump(&f, 1, 20);
		close(fd);
		free(data);
	}
	return rc;
}

/* Hundreds of clients at once, each with its own data. */
int t_many(struct ctx *c)
{
	return many(c, 300, 20000, 3000);
}

/* Write without reading until the server stops taking data; count it. */
static size_t write_until_stall(int fd, const unsigned char *data, size_t n,
    double quiet)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	size_t sent = 0, at, chunk;
	ssize_t r;

	while (sent < n) {
		at = sent % PERIOD;
		chunk = PERIOD - at < 65536 ? PERIOD - at : 65536;
		r = send(fd, data + at, chunk, MSG_NOSIGNAL);
		if (r > 0) {
			sent += (size_t)r;
			continue;
		}
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (poll(&p, 1, ms_until(deadline(quiet))) == 0)
			break;		/* nothing moved for a while: a stall */
	}
	return sent;
}

/* Read back the echo of the sent bytes of a PERIOD pattern. */
static int finish_flow(int fd, const unsigned char *data, size_t sent,
    double secs)
{
	struct flow f;

	flow_init(&f, fd, data, sent, 65536);
	f.period = PERIOD;
	f.sent = sent;
	return pump(&f, 1, secs);
}

/* While stalled, the server's memory stays what it was before. */
static int memory_fixed(pid_t pid, long size0, long rss0, size_t sent)
{
	long size1 = proc_number(pid, "VmSize"), rss1 = proc_number(pid, "VmRSS");

	REQUIRE(size1 == size0, "VmSize %ld kB -> %ld kB while stalled", size0,
	    size1);
	REQUIRE(rss1 - rss0 <= 1024, "VmRSS %ld -> %ld kB with %zu bytes in "
	    "flight", rss0, rss1, sent);
	return 0;
}

/*
 * A client writes megabytes before reading. The server must stop reading
 * (the client's send stalls) and keep its memory fixed, then deliver every
 * byte once the client reads.
 */
int t_backpressure(struct ctx *c)
{
	const size_t n = 256u << 20;
	unsigned char *data = random_bytes(PERIOD);
	int look = c->srv != NULL && !no_proc, fd, rc;
	long size0 = 0, rss0 = 0;
	size_t sent;

	if ((fd = dial(&c->to)) < 0) {
		free(data);
		return -1;
	}
	if (look) {
		size0 = proc_number(c->srv->pid, "VmSize");
		rss0 = proc_number(c->srv->pid, "VmRSS");
	}
	sent = write_until_stall(fd, data, n, 0.5);
	rc = sent < n ? 0 : fail("no stall after %zu bytes: no backpressure", n);
	if (rc == 0 && look && size0 >= 0)
		rc = memory_fixed(c->srv->pid, size0, rss0, sent);
	if (rc == 0)
		rc = finish_flow(fd, data, sent, 120);
	close(fd);
	free(data);
	return rc;
}

/* A client that never reads must not hold up the others. */
int t_slow_reader(struct ctx *c)
{
	const size_t n = 256u << 20;
	unsigned char *data = random_bytes(PERIOD);
	char msg[32];
	int slow, fast = -1, i, rc = 0;
	size_t sent;

	if ((slow = dial(&c->to)) < 0) {
		free(data);
		return -1;
	}
	sent = write_until_stall(slow, data, n, 0.3);
	if ((fast = dial(&c->to)) < 0)
		rc = -1;
	for (i = 0; i < 200 && rc == 0; i++) {
		snprintf(msg, sizeof msg, "ping %d\n", i);
		rc = ping(fast, msg);
	}
	if (rc == 0)
		rc = finish_flow(slow, data, sent, 120);
	close(slow);
	if (fast >= 0)
		close(fast);
	free(data);
	return rc;
}

/* Send n bytes (and FIN) before reading anything back, then read it all. */
static int half_close_one(const struct ctx *c, const unsigned char *data,
    size_t period, size_t n)
{
	struct pollfd p = { .events = POLLOUT };
	struct flow f;
	int fd, rc = 0;

	if ((fd = dial_rcvbuf(&c->to, 4096)) < 0)
		return -1;
	flow_init(&f, fd, data, n, 65536);
	f.period = period;
	f.shut = 1;
	p.fd = fd;
	while (rc == 0 && f.sent < f.n && poll(&p, 1, ms_until(deadline(0.3))) == 1)
		rc = flow_send(&f);
	nap(0.2);
	if (rc == 0)
		rc = pump(&f, 1, 60);
	close(fd);
	return rc;
}

/* After the client's FIN, everything sent is still echoed, then EOF. */
int t_half_close(struct ctx *c)
{
	size_t sizes[] = { 1, 4095, 4096, 4097, 100000, 1000000 };
	unsigned char *data;
	unsigned i;
	int rc = 0;

	for (i = 0; i < sizeof sizes / sizeof sizes[0] && rc == 0; i++) {
		data = random_bytes(sizes[i]);
		rc = half_close_one(c, data, sizes[i], sizes[i]);
		free(data);
	}
	return rc;
}

/*
 * With a ring larger than the data (-b 16 MiB), the server reads the FIN
 * while megabytes of echo still wait in its ring: socket buffers on
 * loopback grow to 4 MiB, so 12 MiB cannot all have left.
 */
int t_half_close_ring(struct ctx *c)
{
	unsigned char *data = random_bytes(PERIOD);
	int rc = half_close_one(c, data, PERIOD, 12u << 20);

	free(data);
	return rc;
}

/* The tutorial's transform, per line, however TCP splits the stream. */
int t_capitalize(struct ctx *c)
{
	const char *in = "hELLO wORLD\nfOO\n", *want = "Hello world\nFoo\n";
	char back[64];
	size_t i, n = strlen(in);
	int fd = dial(&c->to), rc = 0;

	if (fd < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		rc = send_all(fd, in + i, 1, 5);
		nap(0.002);	/* separate segments */
	}
	if (rc == 0)
		rc = recv_all(fd, back, n, 5);
	close(fd);
	if (rc == 0)
		REQUIRE(memcmp(back, want, n) == 0, "got '%.*s'", (int)n, back);
	return rc;
}

/* Random text from a small alphabet in in[], its capitalized form in want[]. */
static void capitalized_text(unsigned char *in, unsigned char *want, size_t n)
{
	static const char alphabet[] = "aZ\nqQ \xe9M1";
	int line_start = 1;
	size_t i;

	for (i = 0; i < n; i++) {
		in[i] = (unsigned char)alphabet[in[i] % (sizeof alphabet - 1)];
		want[i] = in[i];
		if (line_start && in[i] >= 'a' && in[i] <= 'z')
			want[i] = in[i] - 32;
		if (!line_start && in[i] >= 'A' && in[i] <= 'Z')
			want[i] = in[i] + 32;
		line_start = in[i] == '\n';
	}
}

/* A longer random text in random pieces against a reference transform. */
int t_capitalize_random(struct ctx *c)
{
	const size_t n = 200000;
	unsigned char *in = random_bytes(2 * n), *want = in + n;
	struct flow f;
	int fd, rc = -1;

	capitalized_text(in, want, n);
	if ((fd = dial(&c->to)) >= 0) {
		flow_init(&f, fd, in, n, 5000);
		f.expect = want;
		rc = pump(&f, 1, 30);
		close(fd);
	}
	free(in);
	return rc;
}

/*
 * Urgent data: 5000 bytes, one byte sent MSG_OOB, 1000 more, at once. All
 * 6001 come back in order, the urgent byte in its place: reads stop at the
 * urgent mark, which edge mode must not take for a drained socket.
 */
int t_urgent(struct ctx *c)
{
	unsigned char *data = random_bytes(6001), back[6001];
	int fd = dial(&c->to), rc = -1;

	if (fd >= 0 && send_all(fd, data, 5000, 5) == 0) {
		if (send(fd, data + 5000, 1, MSG_OOB | MSG_NOSIGNAL) != 1)
			fail("send MSG_OOB: %s", strerror(errno));
		else if (send_all(fd, data + 5001, 1000, 5) == 0 &&
		    recv_all(fd, back, sizeof back, 5) == 0)
			rc = memcmp(back, data, sizeof back) == 0 ? 0 :
			    fail("the echo differs from the stream sent");
	}
	if (fd >= 0)
		close(fd);
	free(data);
	return rc;
}
