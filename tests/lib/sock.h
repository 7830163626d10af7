/* SPDX-License-Identifier: ISC */
/*
 * sock: client sockets for tests, non-blocking, with deadlines stretched
 * by clock_scale. On failure each returns -1 and sets why (report.h).
 */
#ifndef LIB_SOCK_H
#define LIB_SOCK_H

#include <stddef.h>
#include <sys/socket.h>

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* A numeric IPv4 or IPv6 address and a port; -1 if host is neither. */
int addr_set(struct addr *a, const char *host, unsigned port);

/* A TCP socket with the connect begun, for the caller's own poll loop.
 * rcvbuf: 0, or a small receive buffer so that the peer's sends block. */
int dial_start(const struct addr *a, int rcvbuf);
/* The socket's pending error (SO_ERROR), 0 if none. */
int sock_error(int fd);
/* A connected TCP socket, within 5 s. */
int dial(const struct addr *a);
int dial_rcvbuf(const struct addr *a, int rcvbuf);
/* A UDP socket connected to a, sent from from_port (0: any); -2 if
 * from_port cannot be bound (below 1024 without root). */
int udp_dial(const struct addr *a, unsigned from_port);

/* 1 if fd becomes readable within secs. */
int readable(int fd, double secs);
/* 1 if the peer closes (EOF or reset) within secs, reading what comes. */
int closed_within(int fd, double secs);
int send_all(int fd, const void *buf, size_t n, double secs);
/* Exactly n bytes. */
int recv_all(int fd, void *buf, size_t n, double secs);
/* Close with an RST (SO_LINGER 0). */
void reset_close(int fd);

/* A socket of type bound to 127.0.0.1:port (0: any free one), listening
 * if it is TCP; its port in *got unless got is NULL. */
int hold_port(int type, unsigned port, unsigned *got);

#endif
