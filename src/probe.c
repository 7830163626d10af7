/*
 * probe: a scratch image has no shell, curl or nc, so the binary checks
 * itself. One connection, one nonce, one deadline.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"
#include "say.h"

#define NONCE 16

static void make_nonce(unsigned char *buf)
{
	struct timespec ts;
	uint32_t x;
	unsigned i;

	if (getrandom(buf, NONCE, GRND_NONBLOCK) == NONCE)
		return;
	/* Early boot: fresh enough to tell a real echo from a stale one. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = (uint32_t)ts.tv_nsec ^ (uint32_t)getpid() << 16;
	for (i = 0; i < NONCE; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 24);
	}
}

static long left_ms(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (end->tv_sec - now.tv_sec) * 1000 +
	    (end->tv_nsec - now.tv_nsec) / 1000000;
}

/* Wait for events on fd before the deadline; 0 when ready. */
static int wait_for(int fd, short events, const struct timespec *end)
{
	struct pollfd p = { .fd = fd, .events = events };
	long ms = left_ms(end);
	int n;

	n = ms > 0 ? poll(&p, 1, (int)ms) : 0;
	if (n == 0)
		errno = ETIMEDOUT;
	return n == 1 ? 0 : -1;
}

/* Returns 0, or -1 with errno set (ETIMEDOUT, or EPROTO for a wrong echo). */
static int exchange(int fd, const struct timespec *end)
{
	unsigned char nonce[NONCE], back[NONCE];
	size_t got = 0;
	ssize_t r;

	make_nonce(nonce);
	if (wait_for(fd, POLLOUT, end) < 0)
		return -1;
	if (send(fd, nonce, NONCE, MSG_NOSIGNAL) != NONCE)
		return -1;
	while (got < NONCE) {
		if (wait_for(fd, POLLIN, end) < 0)
			return -1;
		r = read(fd, back + got, NONCE - got);
		if (r == 0)
			errno = ECONNRESET;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	if (memcmp(nonce, back, NONCE) != 0) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int probe_run(const struct net_addr *a, int timeout_ms)
{
	struct timespec end;
	int fd, ok;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	fd = socket(a->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		say("probe: socket: %m");
		return 1;
	}
	if (connect(fd, &a->u.sa, a->len) < 0 && errno != EINPROGRESS) {
		say("probe: connect: %m");
		close(fd);
		return 1;
	}
	ok = exchange(fd, &end) == 0;
	if (!ok)
		say("probe: no echo: %m");
	close(fd);
	return ok ? 0 : 1;
}
