/* SPDX-License-Identifier: ISC */
/*
 * listen_tcp: a listening socket on 127.0.0.1:PORT (0: any free port) with
 * the set-up every TCP peer shares: TCP_NODELAY, inherited by accepted
 * sockets (echod sets it), and a backlog of 4096, so 10 000 connects do
 * not wait for SYN retransmits. flags go to socket(2) (SOCK_NONBLOCK).
 * It prints "NAME: listening on 127.0.0.1:PORT" on stderr, for the runner;
 * on a failure it says so and exits 1.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "listen.h"

#define BACKLOG 4096

int listen_tcp(const char *name, int port, int flags)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)port);
	if (s < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
	    bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 ||
	    listen(s, BACKLOG) < 0 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) < 0) {
		perror(name);
		exit(1);
	}
	fprintf(stderr, "%s: listening on 127.0.0.1:%d\n", name,
	    ntohs(sin.sin_port));
	return s;
}
