/* options: argv to struct options, or an error message naming the flag. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <netinet/in.h>

#include "addr.h"

enum { MODE_ECHO, MODE_CAPITALIZE };

struct options {
	int af;				/* AF_INET, AF_INET6, 0: all addresses */
	struct in6_addr addr;		/* -l, in the af's own layout */
	unsigned port;			/* -p, 0: any free port */
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
	int help, version;		/* -h, -V */
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
