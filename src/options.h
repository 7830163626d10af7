/* SPDX-License-Identifier: ISC */
/* options: argv to struct options, or an error message naming the flag. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <netinet/in.h>

#include "addr.h"
#include "client.h"
#include "loop.h"

enum { MODE_ECHO, MODE_CAPITALIZE };

/* One -l address. */
struct listen_addr {
	int af;				/* AF_INET or AF_INET6 */
	struct in6_addr addr;		/* in the af's own layout */
	unsigned scope_id;		/* IPv6 zone "%3", or 0 */
	const char *scope;		/* IPv6 zone "%eth0" (in argv), or NULL */
};

struct options {
	struct listen_addr listen[MAX_LISTEN];	/* -l, in order */
	unsigned nlisten;		/* 0: all addresses */
	unsigned port;			/* -p, 0: any free port */
	int port_set;			/* -p given */
	unsigned slots;			/* -c */
	unsigned ring_size;		/* -b, a power of two */
	unsigned idle_timeout;		/* -t seconds, 0: off */
	int mode;			/* -m */
	int edge;			/* -E */
	int quiet;			/* -q */
	int udp;			/* -U */
	unsigned workers;		/* -w, 0: one process, no supervisor */
	unsigned rate, burst;		/* -R per UDP source, rate 0: off */
	unsigned cap;			/* -C per TCP source, 0: off */
	struct addr_list allow;		/* -A, none: everyone */
	int drop;			/* -u given */
	unsigned uid, gid;		/* -u UID[:GID] */
	const char *root;		/* -r DIR, NULL: no chroot */
	int no_seccomp;			/* -S */
	int help, version;		/* -h, -V, --help, --version */
	unsigned passed;		/* sockets from LISTEN_FDS (options_env) */
	int stamp;			/* -T given */
	unsigned stamp_port;		/* -T, 0: any free port */
	int metrics;			/* -M given */
	int metrics_af;			/* 0: all addresses */
	struct in6_addr metrics_addr;
	unsigned metrics_port;
	int probe;			/* -P: run the client, exit */
	struct client_opts client;	/* -P, -o, -n, -i, -W, -L (and -q) */
	char client_flag;		/* the first of -o, -n... given */
	char err[160];			/* why parsing failed */
};

/* Returns 0, or -1 with o->err set (the caller exits 2). */
int options_parse(struct options *o, int argc, char *const argv[]);
/*
 * systemd's LISTEN_PID and LISTEN_FDS (NULL when unset) for process self:
 * o->passed is how many sockets were passed, 0 if none or if they were
 * meant for another process. Returns 0, or -1 with o->err set when either
 * is malformed (the caller exits 1).
 */
int options_env(struct options *o, const char *pid, const char *fds,
    unsigned self);
/* The synopsis, and a line per flag with the signals and exit statuses. */
extern const char options_usage[];
extern const char options_help[];

#endif
