/* SPDX-License-Identifier: ISC */
/*
 * An inetd-style echo: one process per connection. The parent accepts and
 * forks; the child does what inetd's internal echo_stream does, a blocking
 * read of up to BUFSIZE bytes and a write of them, until EOF.
 * Set-up only: listen_tcp's TCP_NODELAY and backlog.
 *
 * usage: fork_echo PORT   (0: any free port; the port is printed on stderr)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"

#define BUFSIZE 8192

static void echo_stream(int fd)
{
	char buf[BUFSIZE];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		char *p = buf;

		while (n > 0) {
			ssize_t w = write(fd, p, (size_t)n);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				_exit(1);
			}
			p += w;
			n -= w;
		}
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	int s, fd;

	signal(SIGCHLD, SIG_IGN);	/* children are reaped by the kernel */
	signal(SIGPIPE, SIG_IGN);
	s = listen_tcp("fork_echo", argc > 1 ? atoi(argv[1]) : 7000, 0);
	for (;;) {
		fd = accept(s, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOMEM ||
			    errno == ENOBUFS) {
				usleep(10000);
				continue;
			}
			perror("fork_echo: accept");
			return 1;
		}
		switch (fork()) {
		case -1:
			perror("fork_echo: fork");
			break;
		case 0:
			close(s);
			signal(SIGCHLD, SIG_DFL);
			echo_stream(fd);
		}
		close(fd);
	}
}
