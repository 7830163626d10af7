/*
 * An inetd-style echo: one process per connection. The parent accepts and
 * forks; the child does what inetd's internal echo_stream does, a blocking
 * read of up to BUFSIZE bytes and a write of them, until EOF.
 * Set-up only: TCP_NODELAY on the listener (accepted sockets inherit it).
 *
 * usage: fork_echo PORT   (0: any free port; the port is printed on stderr)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSIZE 8192
#define BACKLOG 4096

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
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int one = 1, s, fd;

	signal(SIGCHLD, SIG_IGN);	/* children are reaped by the kernel */
	signal(SIGPIPE, SIG_IGN);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)(argc > 1 ? atoi(argv[1]) : 7000));
	if (s < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
	    bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 ||
	    listen(s, BACKLOG) < 0 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) < 0) {
		perror("fork_echo");
		return 1;
	}
	fprintf(stderr, "fork_echo: listening on 127.0.0.1:%d\n",
	    ntohs(sin.sin_port));
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
