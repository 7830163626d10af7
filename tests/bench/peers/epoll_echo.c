/* SPDX-License-Identifier: ISC */
/*
 * The simplest epoll echo anyone would write: level-triggered, one shared
 * read buffer, every read written straight back. Only when the socket
 * takes less than was read is the rest kept, in a buffer of that
 * connection's own (allocated then, freed once flushed), and the
 * connection waits for EPOLLOUT instead of EPOLLIN until it is. echod's
 * CPU per message against this one's is what its slots and rings cost.
 * Set-up as the other peers: listen_tcp's TCP_NODELAY and backlog.
 *
 * usage: epoll_echo PORT   (0: any free port; the port is printed on stderr)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"

#define BUFSIZE 65536

struct pending {
	char *buf;
	size_t off, len;
};

static struct pending *pend;	/* by descriptor */
static int ep;

static void want(int fd, unsigned events, int op)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (epoll_ctl(ep, op, fd, &ev) < 0 && op != EPOLL_CTL_DEL)
		perror("epoll_echo: epoll_ctl");
}

static void drop(int fd)
{
	free(pend[fd].buf);
	pend[fd].buf = NULL;
	close(fd);
}

/* Keep what the socket did not take; read no more until it has. */
static void keep(int fd, const char *p, size_t n)
{
	pend[fd].buf = malloc(n);
	if (pend[fd].buf == NULL) {
		close(fd);
		return;
	}
	memcpy(pend[fd].buf, p, n);
	pend[fd].off = 0;
	pend[fd].len = n;
	want(fd, EPOLLOUT, EPOLL_CTL_MOD);
}

static void on_read(int fd)
{
	static char buf[BUFSIZE];
	ssize_t r = read(fd, buf, sizeof buf), w;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		drop(fd);
		return;
	}
	w = write(fd, buf, (size_t)r);
	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		w = 0;
	if (w < 0)
		drop(fd);
	else if (w < r)
		keep(fd, buf + w, (size_t)(r - w));
}

static void on_write(int fd)
{
	struct pending *p = &pend[fd];
	ssize_t w = write(fd, p->buf + p->off, p->len - p->off);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (w < 0) {
		drop(fd);
		return;
	}
	p->off += (size_t)w;
	if (p->off < p->len)
		return;
	free(p->buf);
	p->buf = NULL;
	want(fd, EPOLLIN, EPOLL_CTL_MOD);
}

int main(int argc, char **argv)
{
	static struct epoll_event ev[256];
	struct rlimit rl;
	int s, n, i;

	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > (1u << 24))
		rl.rlim_cur = 1u << 24;
	pend = calloc((size_t)rl.rlim_cur, sizeof *pend);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (pend == NULL || ep < 0) {
		perror("epoll_echo");
		return 1;
	}
	s = listen_tcp("epoll_echo", argc > 1 ? atoi(argv[1]) : 7000,
	    SOCK_NONBLOCK);
	want(s, EPOLLIN, EPOLL_CTL_ADD);
	for (;;) {
		n = epoll_wait(ep, ev, 256, -1);
		if (n < 0 && errno != EINTR) {
			perror("epoll_echo: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == s) {
				fd = accept4(s, NULL, NULL,
				    SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd >= 0 && (rlim_t)fd < rl.rlim_cur)
					want(fd, EPOLLIN, EPOLL_CTL_ADD);
				else if (fd >= 0)
					close(fd);
			} else if (pend[fd].buf != NULL) {
				on_write(fd);
			} else {
				on_read(fd);
			}
		}
	}
}
