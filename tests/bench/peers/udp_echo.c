/* SPDX-License-Identifier: ISC */
/*
 * The simplest UDP echo: one blocking socket, a recvfrom and a sendto per
 * datagram. What anyone writes first, and the reference the UDP loads
 * measure echod against. Datagrams of any size up to 65,535 bytes come
 * back whole; a failed sendto drops that datagram only.
 *
 * usage: udp_echo PORT [ADDR]   (0: any free port, printed on stderr;
 *                                ADDR 127.0.0.1 unless given)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[65536];
	struct sockaddr_in sin, peer;
	socklen_t len = sizeof sin;
	int s;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)(argc > 1 ? atoi(argv[1]) : 7000));
	if (inet_pton(AF_INET, argc > 2 ? argv[2] : "127.0.0.1",
	    &sin.sin_addr) != 1) {
		fprintf(stderr, "udp_echo: not an IPv4 address\n");
		return 2;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) < 0) {
		perror("udp_echo");
		return 1;
	}
	fprintf(stderr, "udp_echo: listening on %s:%d\n",
	    argc > 2 ? argv[2] : "127.0.0.1", ntohs(sin.sin_port));
	for (;;) {
		socklen_t plen = sizeof peer;
		ssize_t n = recvfrom(s, buf, sizeof buf, 0,
		    (struct sockaddr *)&peer, &plen);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("udp_echo: recvfrom");
			return 1;
		}
		if (sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&peer,
		    plen) < 0 && errno != EINTR && errno != EAGAIN &&
		    errno != ENOBUFS && errno != ECONNREFUSED)
			perror("udp_echo: sendto");
	}
}
