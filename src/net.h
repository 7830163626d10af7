/* SPDX-License-Identifier: ISC */
/* net: sockets and every socket option echod sets. */
#ifndef NET_H
#define NET_H

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

struct net_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_un un;	/* inherited UNIX stream sockets */
	} u;
	socklen_t len;
};

enum {
	NET_ANY = 1 << 0,	/* all addresses: [::] dual-stack, else 0.0.0.0 */
	NET_REUSEPORT = 1 << 1,
};

/* af is AF_INET or AF_INET6 with addr in that family's layout. */
void net_addr_set(struct net_addr *a, int af, const void *addr,
    unsigned port);
unsigned net_port(const struct net_addr *a);
void net_set_port(struct net_addr *a, unsigned port);
/* An interface's index; 0 with errno set if there is none of that name. */
unsigned net_ifindex(const char *name);
/*
 * A bound non-blocking socket of type (SOCK_STREAM: listening too). With
 * NET_ANY, a's address is ignored and replaced by what was bound. On
 * return a holds the bound address, so port 0 becomes the real port.
 * On failure returns -1 with errno set and *what naming the failed call.
 */
int net_listen(struct net_addr *a, int type, int flags, const char **what);
/* The options every listening TCP socket gets (-1, errno, *what). */
int net_set_stream(int fd, const char **what);
/* Reads report the bytes they left (TCP_INQ; accepted sockets inherit it). */
int net_set_inq(int fd);
/* Datagrams carry the local address they came to (IP_PKTINFO and
 * IPV6_RECVPKTINFO), so the answer goes out from it. */
int net_set_pktinfo(int fd);
/*
 * A datagram socket's bound port into *port (0 if it cannot tell); with
 * peek, MSG_PEEK starts at an offset that reads move back (SO_PEEK_OFF,
 * set to 0): 1 if that works.
 */
int net_udp_own(int fd, int peek, unsigned *port);
/*
 * STAMP: datagrams carry their packet info, the kernel's receive time
 * (SO_TIMESTAMPNS) and their TTL or Hop Limit (IP_RECVTTL,
 * IPV6_RECVHOPLIMIT); what the socket sends leaves with TTL 255. Returns
 * 1, not -1, if all but the receive time could be had.
 */
int net_set_stamp(int fd);
/* A blocking connect or send waits up to ms, rounded up to a second
 * (SO_SNDTIMEO). */
int net_set_send_timeout(int fd, unsigned ms);
/* Control bytes a datagram needs for its packet info, time and TTL (with
 * room for a 32-bit libc's 64-bit copy of the time). */
#define NET_CONTROL (CMSG_SPACE(sizeof(struct in6_pktinfo)) + \
	CMSG_SPACE(sizeof(struct in_pktinfo)) + 2 * CMSG_SPACE(16) + \
	2 * CMSG_SPACE(sizeof(int)))
/*
 * The receive time and TTL a datagram's control data carry (zero when
 * absent); only its packet info stays, so that the same header can carry
 * the answer back.
 */
void net_take_meta(struct msghdr *m, struct timespec *t, unsigned *ttl);
/*
 * Take the n passed sockets, fds 3 and up: listening TCP and UNIX stream
 * ones into tcp[], UDP ones into udp[], at most max each, made
 * non-blocking; then unset the variables. Returns 0, or -1 with *bad the
 * descriptor and *what saying what is wrong with it (errno 0), or naming
 * the call that failed (errno set).
 */
int net_inherited(int n, int *tcp, int *ntcp, int *udp, int *nudp, int max,
    int *bad, const char **what);
/*
 * 1 if fd 0 is connected to an IPv4 or IPv6 peer (made non-blocking):
 * echod was started by inetd ("nowait") for this one connection. Else 0.
 */
int net_stdin_conn(void);
/* "[::1]:8000", "[fe80::1%2]:8000", "127.0.0.1:8000", "unix:/path". */
void net_addr_str(const struct net_addr *a, char *buf, unsigned size);
/* The same for fd's local address; its family, or -1. */
int net_fd_str(int fd, char *buf, unsigned size);

#endif
