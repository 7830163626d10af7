/* SPDX-License-Identifier: ISC */
/* flow: echoes checked byte for byte, one message or many streams at once. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"
#include "lib/clock.h"
#include "lib/rand.h"
#include "lib/report.h"

void flow_init(struct flow *f, int fd, const unsigned char *data, size_t n,
    size_t maxchunk)
{
	memset(f, 0, sizeof *f);
	f->fd = fd;
	f->data = f->expect = data;
	f->period = n;
	f->n = n;
	f->maxchunk = maxchunk;
}

static int flow_done(const struct flow *f)
{
	return f->got == f->n && (!f->shut || f->eof);
}

int flow_send(struct flow *f)
{
	size_t chunk = between(1, f->maxchunk), at = f->sent % f->period;
	ssize_t r;

	if (chunk > f->n - f->sent)
		chunk = f->n - f->sent;
	if (chunk > f->period - at)
		chunk = f->period - at;
	r = send(f->fd, f->data + at, chunk, MSG_NOSIGNAL);
	if (r < 0 && errno != EAGAIN && errno != EINTR)
		return fail("send after %zu bytes: %s", f->sent, strerror(errno));
	if (r > 0)
		f->sent += (size_t)r;
	if (f->sent == f->n && f->shut && shutdown(f->fd, SHUT_WR) < 0)
		return fail("shutdown: %s", strerror(errno));
	return 0;
}

/* Compare r bytes that came back with what the flow expects there. */
static int flow_check(struct flow *f, const unsigned char *buf, size_t r)
{
	size_t done, at, piece;

	REQUIRE(f->got + r <= f->n, "%zu bytes more than sent",
	    f->got + r - f->n);
	for (done = 0; done < r; done += piece) {
		at = (f->got + done) % f->period;
		piece = r - done < f->period - at ? r - done : f->period - at;
		REQUIRE(memcmp(buf + done, f->expect + at, piece) == 0,
		    "wrong bytes at offset %zu of %zu", f->got + done, f->n);
	}
	f->got += r;
	return 0;
}

static int flow_recv(struct flow *f)
{
	unsigned char buf[65536];
	ssize_t r = read(f->fd, buf, sizeof buf);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r < 0)
		return fail("read after %zu of %zu bytes: %s", f->got, f->n,
		    strerror(errno));
	if (r == 0) {
		REQUIRE(f->got == f->n, "EOF after %zu of %zu bytes", f->got, f->n);
		f->eof = 1;
		return 0;
	}
	return flow_check(f, buf, (size_t)r);
}

/* Set up p[] for the flows not done yet; how many there are. */
static int flow_poll_set(const struct flow *f, int nf, struct pollfd *p)
{
	int i, busy = 0;

	for (i = 0; i < nf; i++) {
		p[i].fd = flow_done(&f[i]) ? -1 : f[i].fd;
		p[i].events = POLLIN | (f[i].sent < f[i].n ? POLLOUT : 0);
		busy += p[i].fd >= 0;
	}
	return busy;
}

static int flow_timeout(const struct flow *f, int nf, int busy)
{
	int i;

	for (i = 0; i < nf && flow_done(&f[i]); i++)
		;
	return fail("timed out: %d flows unfinished, flow %d at %zu sent, "
	    "%zu of %zu back", busy, i, f[i].sent, f[i].got, f[i].n);
}

int pump(struct flow *f, int nf, double secs)
{
	static struct pollfd p[MAX_FLOWS];
	double end = deadline(secs);
	int i, busy;

	while ((busy = flow_poll_set(f, nf, p)) > 0) {
		if (poll(p, (nfds_t)nf, ms_until(end)) <= 0)
			return flow_timeout(f, nf, busy);
		for (i = 0; i < nf; i++) {
			if (p[i].revents & POLLOUT && flow_send(&f[i]) < 0)
				return -1;
			if (p[i].revents & (POLLIN | POLLHUP | POLLERR) &&
			    flow_recv(&f[i]) < 0)
				return -1;
		}
	}
	return 0;
}

int many(const struct ctx *c, int clients, size_t size, size_t chunk)
{
	static struct flow f[MAX_FLOWS];
	unsigned char *data = random_bytes((size_t)clients * size);
	int n, fd, rc = 0;

	for (n = 0; n < clients; n++) {
		if ((fd = dial(&c->to)) < 0) {
			rc = -1;
			break;
		}
		flow_init(&f[n], fd, data + (size_t)n * size, size, chunk);
	}
	if (rc == 0)
		rc = pump(f, clients, 60);
	while (n-- > 0)
		close(f[n].fd);
	free(data);
	return rc;
}

int ping(int fd, const char *msg)
{
	char back[256];
	size_t n = strlen(msg);

	if (send_all(fd, msg, n, 5) < 0 || recv_all(fd, back, n, 5) < 0)
		return -1;
	REQUIRE(memcmp(back, msg, n) == 0, "echo differs: sent '%s'", msg);
	return 0;
}

int dial_ping(const struct ctx *c, const char *msg)
{
	int fd = dial(&c->to);

	if (fd < 0)
		return -1;
	if (ping(fd, msg) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int ping_once(const struct ctx *c, const char *msg, int rc)
{
	int fd;

	if (rc != 0)
		return rc;
	if ((fd = dial_ping(c, msg)) < 0)
		return -1;
	close(fd);
	return 0;
}

int udp_ping(int fd, const unsigned char *msg, size_t n, double secs)
{
	unsigned char back[4096];
	ssize_t r;

	if (send(fd, msg, n, 0) != (ssize_t)n)
		return fail("udp send %zu bytes: %s", n, strerror(errno));
	if (!readable(fd, secs))
		return fail("no udp echo of %zu bytes within %.1f s", n,
		    secs * clock_scale);
	r = recv(fd, back, sizeof back, 0);
	REQUIRE(r == (ssize_t)n && memcmp(back, msg, n) == 0,
	    "udp echo of %zu bytes came back as %zd different bytes", n, r);
	return 0;
}

int dial_ping_within(const struct ctx *c, const char *msg, double secs)
{
	double end = deadline(secs);
	char last[sizeof why];
	int fd;

	for (;;) {
		why[0] = '\0';
		if ((fd = dial_ping(c, msg)) >= 0)
			return fd;
		if (now() > end)
			break;
		nap(0.05);
	}
	snprintf(last, sizeof last, "%s", why);
	why[0] = '\0';
	return fail("not served within %.0f s: %s", secs * clock_scale, last);
}
