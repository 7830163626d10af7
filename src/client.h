/* SPDX-License-Identifier: ISC */
/*
 * client: echod -P, the other end of a measurement. Without -n it is the
 * health check a scratch image runs: one TCP probe, silent unless it
 * fails. With -n it sends COUNT probes at INTERVAL over TCP echo, UDP
 * echo or STAMP and prints what ping(8) would.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <netinet/in.h>

enum { PROTO_TCP, PROTO_UDP, PROTO_STAMP };
#define CLIENT_PROTOS { "tcp", "udp", "stamp" }	/* -o, by PROTO_* */

#define CLIENT_MAX_COUNT 100000	/* -n; with -W at most 10 s, sums fit 64 bits */
#define CLIENT_MAX_WAIT 10000	/* -W, milliseconds */

struct client_opts {
	int af;			/* the server: AF_INET or AF_INET6 */
	struct in6_addr addr;	/* in the af's own layout */
	unsigned port;
	int proto;		/* -o */
	unsigned count;		/* -n; 0: the health check */
	unsigned interval_ms;	/* -i */
	unsigned wait_ms;	/* -W: a reply later than this is lost */
	unsigned loss_pct;	/* -L: exit 1 if more were lost */
	int quiet;		/* -q: the summary only */
};

/* Run it; returns the exit status: 0, or 1 (failed, or loss over -L). */
int client_run(const struct client_opts *o);

#endif
