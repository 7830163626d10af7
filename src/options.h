/* options: argv to struct options, or an error message naming the flag. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <netinet/in.h>

#include "loop.h"

enum { MODE_ECHO, MODE_CAPITALIZE };

/* One -l address. */
struct listen_addr {
	int af;				/* AF_INET or AF_INET6 */
	struct in6_addr addr;		/* in the af's own layout */
	const char *scope;		/* IPv6 zone after '%' (in argv), or NULL */
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
	int drop;			/* -u given */
	unsigned uid, gid;		/* -u UID[:GID] */
	const char *root;		/* -r DIR, NULL: no chroot */
	int no_seccomp;			/* -S */
	int help, version;		/* -h, -V, --help, --version */
	int probe;			/* -P: health-check a server, exit */
	int probe_af;
	struct in6_addr probe_addr;
	unsigned probe_port;
	char err[160];			/* why parsing failed */
};

/* Returns 0, or -1 with o->err set (the caller exits 2). */
int options_parse(struct options *o, int argc, char *const argv[]);
/* The synopsis, and a line per flag with the signals and exit statuses. */
extern const char options_usage[];
extern const char options_help[];

#endif
