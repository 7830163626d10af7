/*
 * The simplest epoll echo anyone would write: level-triggered, one shared
 * read buffer, every read written straight back. Only when the socket
 * takes less than was read is the rest kept, in a buffer of that
 * connection's own (allocated then, freed once flushed), and the
 * connection waits for EPOLLOUT instead of EPOLLIN until it is. echod's
 * CPU per message against this one's is what its slots and rings cost.
 * Set-up as the other peers: TCP_NODELAY (inherited from the listener)
 * and a backlog of 4096.
 *
 * usage: epoll_echo PORT   (0: any free port; the port is printed on stderr)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSIZE 65536
#define BACKLOG 4096

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
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	struct rlimit rl;
	int one = 1, s, n, i;

	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > (1u << 24))
		rl.rlim_cur = 1u << 24;
	pend = calloc((size_t)rl.rlim_cur, sizeof *pend);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)(argc > 1 ? atoi(argv[1]) : 7000));
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (pend == NULL || s < 0 || ep < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
	    bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 ||
	    listen(s, BACKLOG) < 0 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) < 0) {
		perror("epoll_echo");
		return 1;
	}
	fprintf(stderr, "epoll_echo: listening on 127.0.0.1:%d\n",
	    ntohs(sin.sin_port));
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
