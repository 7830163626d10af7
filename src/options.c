/* SPDX-License-Identifier: ISC */
/*
 * options: a small getopt of our own: musl's getopt reports errors through
 * stdio, and a parser with no global state is easy to fuzz.
 */
#include <netinet/in.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include "options.h"
#include "say.h"
#include "workers.h"

#define MAX_SLOTS (1u << 20)
#define MIN_RING 64u
#define MAX_RING (1u << 24)
#define MAX_TIMEOUT 2000000u	/* idle times are kept in uint32 ms */
#define MAX_ID 4294967294u	/* uid_t; (uid_t)-1 means "unchanged" */
#define MAX_RATE 1000000
#define RATE 2000		/* -R default: see README, "Exposed" */

#define STR(x) STR_(x)
#define STR_(x) #x

const char options_usage[] =
    "usage: echod [-EqSU] [-A net]... [-b bytes] [-C conns] [-c slots] [-l addr]\n"
    "             [-m echo|capitalize] [-p port] [-R rate[/burst]] [-r dir]\n"
    "             [-t seconds] [-u uid[:gid]] [-w workers] [-T port] [-M [addr:]port]\n"
    "       echod -P addr:port [-q] [-o proto] [-n count] [-i ms] [-W ms] "
    "[-L pct]\n"
    "       echod -h | -V";

const char options_help[] =
    "  -p PORT     TCP (and UDP) port, 0 for any free one (default 8000)\n"
    "  -l ADDR     listen on ADDR (fe80::1%eth0 too), up to " STR(MAX_LISTEN)
    " times (default: all)\n"
    "  -c N        connection slots per process, 1-1048576 (default 1024)\n"
    "  -b BYTES    ring buffer per slot, a power of two, 64-16777216 (default 4096)\n"
    "  -t SECONDS  close connections idle this long, 0 = never (default 300)\n"
    "  -m MODE     echo (byte-exact, default) or capitalize (per line, TCP only)\n"
    "  -E          edge-triggered epoll (default level-triggered)\n"
    "  -U          UDP echo too, on the same addresses and port\n"
    "  -T PORT     STAMP reflector on this UDP port (IANA's: 862)\n"
    "  -M [A:]PORT Prometheus metrics on this TCP port (GET /metrics)\n"
    "  -w N        N worker processes sharing the port (SO_REUSEPORT), 1-"
    STR(WORKERS_MAX) "\n"
    "  -R N[/B]    UDP datagrams/s per source, burst B; 0: no limit (" STR(RATE)
    ")\n"
    "  -C N        TCP connections per source (default: no limit)\n"
    "  -A NET      serve NET only (10.0.0.0/8, fd00::/8), up to "
    STR(ADDR_LIST_MAX) " times\n"
    "  -u UID[:GID] run as this numeric user (and group) once bound\n"
    "  -r DIR      chroot into DIR once bound (an empty directory will do)\n"
    "  -S          no seccomp filter (for debugging)\n"
    "  -q          no start line (with -P: the summary only)\n"
    "  -P A:P      probe the server at A:P ([::1]:8000): exit 0 if a TCP echo\n"
    "              comes back within 2 s; with -n, print like ping(8)\n"
    "  -o PROTO    over tcp (default), udp or stamp\n"
    "  -n COUNT    probes, 1-" STR(CLIENT_MAX_COUNT) "\n"
    "  -i MS       between probes (default 1000)\n"
    "  -W MS       for each reply (default 2000)\n"
    "  -L PERCENT  exit 1 if more were lost (default 0)\n"
    "  -h, --help  this help\n"
    "  -V, --version  version\n"
    "\n"
    "Signals: TERM/INT stop (exit 0), USR1 writes counters to stderr,\n"
    "HUP/USR2 are ignored.\n"
    "Exit status: 0 after SIGTERM or SIGINT, 1 on a set-up failure, 2 on bad usage.";

static int fail(struct options *o, char flag, const char *why, const char *arg)
{
	if (arg != NULL)
		say_fmt(o->err, sizeof o->err, "-%c: %s: '%s'", flag, why,
		    arg);
	else
		say_fmt(o->err, sizeof o->err, "-%c: %s", flag, why);
	return -1;
}

/* The first (or last) c in s, or NULL: strchr and strrchr, smaller. */
static const char *find(const char *s, char c)
{
	for (; *s != '\0'; s++)
		if (*s == c)
			return s;
	return NULL;
}

static const char *find_last(const char *s, char c)
{
	const char *at = NULL;

	for (; (s = find(s, c)) != NULL; s++)
		at = s;
	return at;
}

/*
 * Decimal digits at s, no sign, no overflow, at most max: the byte after
 * them, or NULL if there are none or too many.
 */
static const char *digits(const char *s, unsigned long max, unsigned *out)
{
	unsigned long v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (unsigned long)(*p - '0')) > max)
			return NULL;
	*out = (unsigned)v;
	return p == s ? NULL : p;
}

/* Strict decimal: digits only, at most max. */
static int number(const char *s, unsigned long max, unsigned *out)
{
	unsigned v;
	const char *end = digits(s, max, &v);

	if (end == NULL || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* A dotted quad, s to end exactly, into 4 bytes at out. */
static int v4_text(const char *s, const char *end, unsigned char *out)
{
	unsigned i, v;

	for (i = 0; i < 4; i++, s++) {
		const char *p = digits(s, 255, &v);

		/* No leading zeros: inet_aton would read them as octal. */
		if (p == NULL || (*s == '0' && p - s > 1) ||
		    (i < 3 ? p >= end || *p != '.' : p != end))
			return -1;
		out[i] = (unsigned char)v;
		s = p;
	}
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * IPv6 text (RFC 4291 2.2), s to end: groups of 1-4 hex digits, at most
 * one "::", perhaps a dotted quad for the last 32 bits. 16 bytes at out.
 */
static int v6_text(const char *s, const char *end, unsigned char *out)
{
	unsigned g[8] = { 0 }, v, n = 0, i;
	int gap = -1, k, d;

	if (s < end && *s == ':' && (++s == end || *s != ':'))
		return -1;
	while (s < end) {
		if (*s == ':') {		/* the second ':' of "::" */
			if (gap >= 0)
				return -1;
			gap = (int)n;
			s++;
			continue;
		}
		for (v = 0, k = 0; k < 4 && s + k < end &&
		    (d = hex_digit(s[k])) >= 0; k++)
			v = v << 4 | (unsigned)d;
		if (s + k < end && s[k] == '.') {
			if (n > 6 || v4_text(s, end, out) < 0)
				return -1;
			g[n++] = (unsigned)out[0] << 8 | out[1];
			g[n++] = (unsigned)out[2] << 8 | out[3];
			break;
		}
		if (k == 0 || n == 8 || (s + k < end && s[k] != ':'))
			return -1;
		g[n++] = v;
		s += k;
		if (s < end && ++s == end)	/* a lone ':' at the end */
			return -1;
	}
	if (gap >= 0 ? n == 8 : n != 8)
		return -1;
	/* "::" stands for the groups missing: move those after it right. */
	if (gap >= 0) {
		memmove(&g[8 - (n - (unsigned)gap)], &g[gap],
		    (size_t)(n - (unsigned)gap) * sizeof g[0]);
		memset(&g[gap], 0, (size_t)(8 - n) * sizeof g[0]);
	}
	for (i = 0; i < 8; i++, out += 2) {
		out[0] = (unsigned char)(g[i] >> 8);
		out[1] = (unsigned char)g[i];
	}
	return 0;
}

/* An IPv4 or IPv6 literal, len bytes at s, into *af and *addr. */
static int address(const char *s, size_t len, int *af, struct in6_addr *addr)
{
	unsigned char *b = addr->s6_addr;

	*af = AF_INET;
	if (v4_text(s, s + len, b) == 0)
		return 0;
	*af = AF_INET6;
	return v6_text(s, s + len, b);
}

/* -u "65534" or "65534:65534": numeric, scratch images have no passwd. */
static int ids(struct options *o, const char *arg)
{
	char uid[16];
	const char *colon = find(arg, ':');
	size_t len = colon ? (size_t)(colon - arg) : strlen(arg);

	if (len == 0 || len >= sizeof uid)
		return fail(o, 'u', "expected UID[:GID], numeric", arg);
	memcpy(uid, arg, len);
	uid[len] = '\0';
	if (number(uid, MAX_ID, &o->uid) < 0 ||
	    number(colon ? colon + 1 : uid, MAX_ID, &o->gid) < 0)
		return fail(o, 'u', "expected UID[:GID], numeric", arg);
	o->drop = 1;
	return 0;
}

/* A number from min to max into *v. */
static int ranged(struct options *o, char flag, const char *arg,
    unsigned min, unsigned max, unsigned *v, const char *why)
{
	if (number(arg, max, v) < 0 || *v < min)
		return fail(o, flag, why, arg);
	return 0;
}

/* "127.0.0.1:8000" or "[::1]:8000" (port 0 too if port0). */
static int host_port(struct options *o, char flag, const char *arg,
    int *af, struct in6_addr *addr, unsigned *port, int port0)
{
	const char *colon = find_last(arg, ':');
	size_t v6 = arg[0] == '[', len = colon ? (size_t)(colon - arg) : 0;

	if (colon == NULL || arg[strlen(arg) - 1] == ']')
		return fail(o, flag, "the port is missing", arg);
	len -= 2 * v6;
	if (v6 && colon[-1] != ']')
		return fail(o, flag, "expected ADDR:PORT or [ADDR]:PORT", arg);
	if (address(arg + v6, len, af, addr) < 0)
		return fail(o, flag, "not an IPv4 or IPv6 address", arg);
	return ranged(o, flag, colon + 1, !port0, 65535, port, port0 ?
	    "port must be 0-65535" : "port must be 1-65535");
}

static int protocol(struct options *o, const char *arg)
{
	static const char names[][6] = CLIENT_PROTOS;
	int i;

	for (i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		if (strcmp(arg, names[i]) == 0) {
			o->client.proto = i;
			return 0;
		}
	return fail(o, 'o', "protocol must be tcp, udp or stamp", arg);
}

/* -p -c -t -w, the client's -n -i -W -L, and -T: a number from min to max. */
static int bounded(struct options *o, char flag, const char *arg)
{
	static const char flags[] = "pctwniWLT";
	static const char names[] = "port\0slots\0timeout\0workers\0count\0"
	    "interval\0wait\0loss\0port";
	static const unsigned min[] = { 0, 1, 0, 1, 1, 1, 1, 0, 0 };
	static const unsigned max[] = { 65535, MAX_SLOTS, MAX_TIMEOUT,
	    WORKERS_MAX, CLIENT_MAX_COUNT, 3600000, CLIENT_MAX_WAIT, 100,
	    65535 };
	unsigned *v[] = { &o->port, &o->slots, &o->idle_timeout, &o->workers,
	    &o->client.count, &o->client.interval_ms, &o->client.wait_ms,
	    &o->client.loss_pct, &o->stamp_port };
	int i = (int)(find(flags, flag) - flags), k;
	const char *name = names;
	char why[48];

	if (number(arg, max[i], v[i]) == 0 && *v[i] >= min[i]) {
		o->port_set |= flag == 'p';
		return 0;
	}
	for (k = 0; k < i; k++)
		name += strlen(name) + 1;
	say_fmt(why, sizeof why, "%s must be %u-%u", name, min[i], max[i]);
	return fail(o, flag, why, arg);
}

/* The client's flags, -P and those after it; -T and -M. */
static int measuring(struct options *o, char flag, const char *arg)
{
	struct client_opts *c = &o->client;

	if (find("oniWL", flag) != NULL && o->client_flag == 0)
		o->client_flag = flag;
	o->stamp |= flag == 'T';
	switch (flag) {
	case 'P':
		o->probe = 1;
		return host_port(o, flag, arg, &c->af, &c->addr, &c->port, 0);
	case 'o':
		return protocol(o, arg);
	case 'M':
		/* "9100": all addresses. */
		o->metrics = 1;
		o->metrics_af = 0;
		if (number(arg, 65535, &o->metrics_port) == 0)
			return 0;
		return host_port(o, flag, arg, &o->metrics_af,
		    &o->metrics_addr, &o->metrics_port, 1);
	}
	if (find("niWLT", flag) != NULL)
		return bounded(o, flag, arg);
	return fail(o, flag, "unknown flag", NULL);
}

/* -l "192.0.2.1", "2001:db8::1" or "fe80::1%br-lan" (a zone: IPv6 only). */
static int listen_on(struct options *o, const char *arg)
{
	struct listen_addr *l = &o->listen[o->nlisten];
	const char *zone = find(arg, '%');
	size_t len = zone ? (size_t)(zone - arg) : strlen(arg);

	if (o->nlisten == MAX_LISTEN)
		return fail(o, 'l', "at most " STR(MAX_LISTEN) " addresses", arg);
	if (address(arg, len, &l->af, &l->addr) < 0)
		return fail(o, 'l', "not an IPv4 or IPv6 address", arg);
	if (zone != NULL && (l->af != AF_INET6 || zone[1] == '\0'))
		return fail(o, 'l', "a zone (%name) needs an IPv6 address", arg);
	l->scope = NULL;
	l->scope_id = 0;
	if (zone != NULL && number(zone + 1, INT_MAX, &l->scope_id) < 0)
		l->scope = zone + 1;
	o->nlisten++;
	return 0;
}

/* -R "2000" or "2000/500"; -C; -A "10.0.0.0/8", "fd00::/8" or one address. */
static int exposure(struct options *o, char flag, const char *arg)
{
	const char *end = find(arg, '/'), *why = "expected ADDR[/BITS]";
	struct in6_addr a = { 0 };
	unsigned bits;
	int af;

	if (flag == 'R') {
		why = "expected RATE[/BURST], 0-" STR(MAX_RATE);
		end = digits(arg, MAX_RATE, &o->rate);
		o->burst = o->rate;
		if (end != NULL && *end == '/')
			end = digits(end + 1, MAX_RATE, &o->burst);
		if (end != NULL && *end == '\0' && (o->burst || !o->rate))
			return 0;
	} else if (flag == 'C') {
		why = "connections must be 1-1048576";
		if (number(arg, MAX_SLOTS, &o->cap) == 0 && o->cap > 0)
			return 0;
	} else if (address(arg, end ? (size_t)(end - arg) : strlen(arg), &af,
	    &a) == 0) {
		bits = af == AF_INET ? 32 : 128;
		if ((end == NULL || number(end + 1, bits, &bits) == 0) &&
		    addr_list_add(&o->allow, af == AF_INET, &a, bits, &why) == 0)
			return 0;
	}
	return fail(o, flag, why, arg);
}

static int value(struct options *o, char flag, const char *arg)
{
	if (flag == 'R' || flag == 'C' || flag == 'A')
		return exposure(o, flag, arg);
	if (find("pctw", flag) != NULL)
		return bounded(o, flag, arg);
	switch (flag) {
	case 'l':
		return listen_on(o, arg);
	case 'u':
		return ids(o, arg);
	case 'r':
		if (arg[0] == '\0')
			return fail(o, flag, "needs a directory", NULL);
		o->root = arg;
		return 0;
	case 'b':
		if (number(arg, MAX_RING, &o->ring_size) < 0 ||
		    o->ring_size < MIN_RING ||
		    (o->ring_size & (o->ring_size - 1)) != 0)
			return fail(o, flag,
			    "ring size must be a power of two, 64-16777216",
			    arg);
		return 0;
	case 'm':
		if (strcmp(arg, "echo") == 0)
			o->mode = MODE_ECHO;
		else if (strcmp(arg, "capitalize") == 0)
			o->mode = MODE_CAPITALIZE;
		else
			return fail(o, flag, "mode must be echo or capitalize",
			    arg);
		return 0;
	}
	return measuring(o, flag, arg);
}

/* The field a flag without a value sets, or NULL. */
static int *toggle(struct options *o, char flag)
{
	switch (flag) {
	case 'E': return &o->edge;
	case 'q': return &o->quiet;
	case 'U': return &o->udp;
	case 'S': return &o->no_seccomp;
	case 'h': return &o->help;
	case 'V': return &o->version;
	}
	return NULL;
}

static void defaults(struct options *o)
{
	memset(o, 0, sizeof *o);
	o->port = 8000;
	o->slots = 1024;
	o->ring_size = 4096;
	o->idle_timeout = 300;
	o->mode = MODE_ECHO;
	o->rate = RATE;
	o->burst = RATE;
	o->client.interval_ms = 1000;
	o->client.wait_ms = 2000;
}

/* One "-xyz" word; returns how many argv words it used, or -1. */
static int word(struct options *o, const char *a, const char *next)
{
	int *on;

	for (a++; *a != '\0'; a++) {
		if (find("plcbtmwPurRCATMoniWL", *a) == NULL) {
			if ((on = toggle(o, *a)) == NULL)
				return fail(o, *a, "unknown flag", NULL);
			*on = 1;
			continue;
		}
		if (a[1] != '\0')
			return value(o, *a, a + 1) < 0 ? -1 : 1;
		if (next == NULL)
			return fail(o, *a, "needs a value", NULL);
		return value(o, *a, next) < 0 ? -1 : 2;
	}
	return 1;
}

/* The client's flags need -P; -q is the client's too. */
static int client_only(struct options *o)
{
	o->client.quiet = o->quiet;
	if (o->probe || o->client_flag == 0)
		return 0;
	return fail(o, o->client_flag, "only with -P (the client)", NULL);
}

/* "--help" and "--version", what most people type first; nothing else. */
static int long_option(struct options *o, const char *a)
{
	int *on = strcmp(a, "--help") == 0 ? &o->help :
	    strcmp(a, "--version") == 0 ? &o->version : NULL;

	if (on == NULL) {
		say_fmt(o->err, sizeof o->err, "unknown option: '%s'", a);
		return -1;
	}
	*on = 1;
	return 1;
}

int options_parse(struct options *o, int argc, char *const argv[])
{
	int i = 1, used;

	defaults(o);
	while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (argv[i][1] == '-')
			used = long_option(o, argv[i]);
		else
			used = word(o, argv[i], i + 1 < argc ? argv[i + 1] : NULL);
		if (used < 0)
			return -1;
		i += used;
	}
	if (i < argc) {
		say_fmt(o->err, sizeof o->err, "unexpected argument: '%s'",
		    argv[i]);
		return -1;
	}
	return client_only(o);
}

int options_env(struct options *o, const char *pid, const char *fds,
    unsigned self)
{
	unsigned p;

	o->passed = 0;
	if (pid == NULL)
		return 0;
	if (number(pid, INT_MAX, &p) < 0 || p == 0) {
		say_fmt(o->err, sizeof o->err, "LISTEN_PID: not a process id: "
		    "'%s'", pid);
		return -1;
	}
	if (p != self || fds == NULL)
		return 0;
	if (number(fds, 2ul * MAX_LISTEN, &o->passed) < 0) {
		say_fmt(o->err, sizeof o->err, "LISTEN_FDS: expected a number of "
		    "sockets, 0-%u: '%s'", 2u * MAX_LISTEN, fds);
		return -1;
	}
	return 0;
}
