/* SPDX-License-Identifier: ISC */
/*
 * echod: options -> sockets -> fixed memory -> confinement -> the loop,
 * or workers that each run one. Everything that can fail for lack of a
 * resource fails here, before the first client.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hash.h"
#include "loop.h"
#include "mem.h"
#include "net.h"
#include "options.h"
#include "client.h"
#include "sandbox.h"
#include "say.h"
#include "signals.h"
#include "workers.h"
#include "sys.h"

#define VERSION "0.3.0"

/* What main sets up and every worker shares. */
struct setup {
	struct options o;
	struct net_addr addr[MAX_LISTEN];	/* to bind, naddr of them */
	int naddr;
	/* Bound: naddr per worker, worker by worker. Inherited: shared. */
	int tcp[WORKERS_MAX * MAX_LISTEN], udp[WORKERS_MAX * MAX_LISTEN];
	int ntcp, nudp, inherited, inetd;
	/* -T: naddr per worker, worker by worker; -M: one per worker. */
	int stamp[WORKERS_MAX * MAX_LISTEN], nstamp;
	unsigned stamp_port;
	int metrics[WORKERS_MAX];
	struct net_addr metrics_addr;
	struct mem mem;
	struct hash_key key;	/* the limits' secret */
};

static struct setup setup;

/*
 * Make room for every slot's descriptor if the hard limit allows, above
 * the highest one in use before the loop starts (used: stdio and the
 * sockets). prlimit, not setrlimit: musl's setrlimit stops every thread.
 */
static void raise_fd_limit(unsigned slots, unsigned used)
{
	rlim_t need = (rlim_t)slots + used + LOOP_FDS;
	struct rlimit rl;

	if (prlimit(0, RLIMIT_NOFILE, NULL, &rl) < 0) {
		say("getrlimit RLIMIT_NOFILE: %m");
		return;
	}
	if (rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ?
	    need : rl.rlim_max;
	if (prlimit(0, RLIMIT_NOFILE, &rl, NULL) < 0) {
		say("setrlimit RLIMIT_NOFILE: %m");
		return;
	}
	if (rl.rlim_cur < need)
		say("warning: %u slots need %llu descriptors, the limit is %llu; "
		    "clients beyond it are refused", slots,
		    (unsigned long long)need, (unsigned long long)rl.rlim_cur);
}

/* One socket of type on address a. */
static int open_listener(struct net_addr *a, int type, int flags)
{
	const char *what;
	char name[64];
	int fd;

	fd = net_listen(a, type, flags, &what);
	if (fd < 0) {
		net_addr_str(a, name, sizeof name);
		if (flags & NET_REUSEPORT && errno == ENOPROTOOPT)
			say("%s %s: this kernel has no SO_REUSEPORT, "
			    "which -w needs", what, name);
		else
			say("%s %s %s: %m", what, type == SOCK_DGRAM ? "udp" : "tcp",
			    name);
	}
	return fd;
}

/* The addresses -l names (their zones resolved), or all of them. */
static int addresses(struct setup *s)
{
	const struct options *o = &s->o;
	unsigned i;

	s->naddr = o->nlisten ? (int)o->nlisten : 1;
	net_addr_set(&s->addr[0], AF_INET6, &in6addr_any, o->port);
	for (i = 0; i < o->nlisten; i++) {
		const struct listen_addr *l = &o->listen[i];

		net_addr_set(&s->addr[i], l->af, &l->addr, o->port);
		if (l->af != AF_INET6)
			continue;
		s->addr[i].u.in6.sin6_scope_id = l->scope == NULL ?
		    l->scope_id : net_ifindex(l->scope);
		if (s->addr[i].u.in6.sin6_scope_id == 0 && l->scope != NULL) {
			say("-l: no interface '%s': %m", l->scope);
			return -1;
		}
	}
	return 0;
}

/*
 * Each worker's TCP (and UDP) socket on each address, all on one port
 * (SO_REUSEPORT). The first bind fixes the port (-p 0); the rest follow.
 */
static int bind_sockets(struct setup *s)
{
	const struct options *o = &s->o;
	unsigned w, procs = o->workers ? o->workers : 1;
	int flags = (o->workers ? NET_REUSEPORT : 0) | (o->nlisten ? 0 : NET_ANY);
	int i, fd;

	if (addresses(s) < 0)
		return -1;
	raise_fd_limit(o->slots, 3 + procs * ((unsigned)s->naddr *
	    (o->udp + 1u + (o->stamp != 0)) + (o->metrics != 0)));
	for (w = 0; w < procs; w++)
		for (i = 0; i < s->naddr; i++) {
			if (s->ntcp > 0)
				net_set_port(&s->addr[i], net_port(&s->addr[0]));
			if ((fd = open_listener(&s->addr[i], SOCK_STREAM,
			    flags)) < 0)
				return -1;
			s->tcp[s->ntcp++] = fd;
			if (!o->udp)
				continue;
			if ((fd = open_listener(&s->addr[i], SOCK_DGRAM,
			    flags)) < 0)
				return -1;
			s->udp[s->nudp++] = fd;
		}
	return 0;
}

/*
 * STAMP (-T) sockets on each address of -l (or all), and metrics (-M)
 * sockets: one of each per worker, also beside inherited sockets. The
 * first bind fixes a port 0; the rest follow it.
 */
static int bind_measuring(struct setup *s)
{
	const struct options *o = &s->o;
	unsigned w, procs = o->workers ? o->workers : 1;
	int flags = o->workers ? NET_REUSEPORT : 0, i;
	struct net_addr a;

	if (s->naddr == 0 && o->stamp && addresses(s) < 0)
		return -1;
	net_addr_set(&s->metrics_addr, o->metrics_af ? o->metrics_af :
	    AF_INET6, o->metrics_af ? (const void *)&o->metrics_addr :
	    &in6addr_any, o->metrics_port);
	for (w = 0; w < procs; w++) {
		for (i = 0; i < s->naddr && o->stamp; i++) {
			a = s->addr[i];
			net_set_port(&a, s->nstamp ? s->stamp_port : o->stamp_port);
			if ((s->stamp[s->nstamp++] = open_listener(&a, SOCK_DGRAM,
			    flags | (o->nlisten ? 0 : NET_ANY))) < 0)
				return -1;
			s->stamp_port = net_port(&a);
		}
		if (o->metrics && (s->metrics[w] = open_listener(
		    &s->metrics_addr, SOCK_STREAM,
		    flags | (o->metrics_af ? 0 : NET_ANY))) < 0)
			return -1;
	}
	return 0;
}

/* The n sockets a service manager passed; flags that would bind, unused. */
static int inherit(struct setup *s, int n)
{
	const struct options *o = &s->o;
	const char *what;
	int bad;

	if (net_inherited(n, s->tcp, &s->ntcp, s->udp, &s->nudp, MAX_LISTEN,
	    &bad, &what) < 0) {
		if (errno != 0)
			say("LISTEN_FDS: fd %d: %s: %m", bad, what);
		else
			say("LISTEN_FDS: fd %d %s", bad, what);
		return -1;
	}
	s->inherited = 1;
	if (o->port_set || o->nlisten || o->udp)
		say("warning:%s%s%s ignored: using LISTEN_FDS",
		    o->port_set ? " -p" : "", o->nlisten ? " -l" : "",
		    o->udp ? " -U" : "");
	/* The sockets are fds 3 to n + 2; then -T's and -M's. */
	raise_fd_limit(o->slots, 3 + (unsigned)n + (o->workers ?
	    o->workers : 1) * (MAX_LISTEN * (o->stamp != 0) + (o->metrics != 0)));
	return 0;
}

/*
 * Started by inetd with a connection on fds 0, 1 and 2: serve it alone
 * and exit. Nothing may be said into it: 1 and 2 become a socket that
 * takes nothing (no file needed, unlike /dev/null).
 */
static void inetd(struct setup *s)
{
	int sink = sys_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC);

	if (sink >= 0) {
		dup2(sink, 1);
		dup2(sink, 2);
		close(sink);
	}
	s->inetd = 1;
	s->o.quiet = 1;
	s->o.workers = 0;
	s->o.slots = 1;
}

/* getenv(name), smaller: musl's brings strncmp and strchrnul. */
static const char *env(const char *name)
{
	const char *a, *b;
	char **e;

	for (e = environ; *e != NULL; e++) {
		for (a = *e, b = name; *b != '\0' && *a == *b; a++, b++)
			;
		if (*b == '\0' && *a == '=')
			return a + 1;
	}
	return NULL;
}

/* Sockets inherited from a service manager or inetd, or bound here. */
static int open_sockets(struct setup *s)
{
	int n;

	if (options_env(&s->o, env("LISTEN_PID"), env("LISTEN_FDS"),
	    (unsigned)getpid()) < 0) {
		say("%s", s->o.err);
		return -1;
	}
	if (s->o.passed > 0) {
		if (inherit(s, (int)s->o.passed) < 0)
			return -1;
	} else if (net_stdin_conn()) {
		inetd(s);
	} else if (bind_sockets(s) < 0) {
		return -1;
	}
	if (!s->inetd && bind_measuring(s) < 0)
		return -1;
	for (n = 0; n < s->nudp + s->nstamp; n++) {
		int r = n < s->nudp ? net_set_pktinfo(s->udp[n]) :
		    net_set_stamp(s->stamp[n - s->nudp]);

		if (r < 0) {
			say("setsockopt udp: %m");
			return -1;
		}
		if (r > 0 && n == s->nudp)
			say("warning: SO_TIMESTAMPNS: %m; STAMP reads the clock "
			    "for its receive times");
	}
	return 0;
}

/* One mapping for every process, made before any fork; untouched. */
static int fixed_memory(struct setup *s)
{
	const struct options *o = &s->o;
	unsigned procs = o->workers ? o->workers : 1;

	if (mem_plan(&s->mem, mem_page(), o->slots, o->ring_size,
	    (s->nudp + s->nstamp > 0 ? MEM_WITH_UDP : 0) |
	    (o->rate ? MEM_WITH_RATE : 0) | (o->cap ? MEM_WITH_CAP : 0) |
	    (o->metrics ? MEM_WITH_METRICS : 0), procs) < 0) {
		say("%u x %u slots of %u bytes do not fit in memory", procs,
		    o->slots, o->ring_size);
		return -1;
	}
	if (mem_map(&s->mem) < 0) {
		say("mmap %llu bytes for %u slots: %m",
		    (unsigned long long)mem_total(&s->mem), o->slots * procs);
		return -1;
	}
	return 0;
}

/* chroot, then the user, then no new privileges: each checked. */
static int confine(const struct options *o)
{
	const char *what;

	if (o->root != NULL && !o->drop && geteuid() == 0)
		say("warning: -r without -u: root can leave a chroot");
	if (o->root != NULL && sandbox_chroot(o->root) < 0) {
		say("chroot %s: %m", o->root);
		return -1;
	}
	if (o->drop && sandbox_become(o->uid, o->gid, &what) < 0) {
		say("dropping to uid %u gid %u: %s: %m", o->uid, o->gid, what);
		return -1;
	}
	if (sandbox_no_new_privs() < 0) {
		say("prctl PR_SET_NO_NEW_PRIVS: %m");
		return -1;
	}
	return 0;
}

/* The seccomp filter of role, unless -S; a kernel without it is said once. */
static int filter(const struct options *o, int role)
{
	static int warned;
	const char *what;
	int r;

	if (o->no_seccomp)
		return 0;
	r = sandbox_seccomp(role, &what);
	if (r < 0)
		say("%s: %m", what);
	if (r > 0 && !warned)
		say("seccomp: %s; running without it", sandbox_built_in() ?
		    "not available in this kernel" : "not built in");
	warned |= r > 0;
	return r < 0 ? -1 : 0;
}

/* "[::]:8000 tcp, [::]:8000 udp": one process's sockets. */
static void where(const struct setup *s, char *buf, unsigned size)
{
	int i, n = s->inherited ? s->ntcp : s->naddr;
	unsigned len = 0;
	char name[128];

	for (i = 0; i < n + (s->nudp > 0 ? n : 0); i++) {
		int af = net_fd_str(i < n ? s->tcp[i] : s->udp[i - n], name,
		    sizeof name);

		len += say_fmt(buf + len, size - len, "%s%s%s", i ? ", " : "",
		    name, af == AF_UNIX ? "" : i < n ? " tcp" : " udp");
	}
}

static void say_start(const struct setup *s)
{
	const struct options *o = &s->o;
	char on[400] = "", idle[32] = "no idle timeout", workers[32] = "";
	unsigned n;

	where(s, on, sizeof on);
	n = (unsigned)strlen(on);
	/* STAMP is on the addresses above: its port is enough. */
	if (s->nstamp)
		n += say_fmt(on + n, sizeof on - n, ", stamp on port %u",
		    s->stamp_port);
	if (o->metrics) {
		n += say_fmt(on + n, sizeof on - n, ", metrics on ");
		net_addr_str(&s->metrics_addr, on + n, sizeof on - n);
	}
	if (o->idle_timeout != 0)
		say_fmt(idle, sizeof idle, "idle timeout %u s", o->idle_timeout);
	if (o->workers)
		say_fmt(workers, sizeof workers, "%u worker%s x ", o->workers,
		    o->workers > 1 ? "s" : "");
	say("listening on %s%s, %s-triggered, %s, %s, "
	    "%s(%u slot%s x (%u ring + %u header) + %u udp + %u cap + "
	    "%u metrics) = %llu bytes fixed",
	    on, s->inherited ? " (from LISTEN_FDS)" : "",
	    o->edge ? "edge" : "level", o->mode != MODE_CAPITALIZE ? "echo" :
	    s->nudp ? "capitalize tcp, echo udp" : "capitalize", idle,
	    workers, o->slots, o->slots > 1 ? "s" : "", o->ring_size,
	    s->mem.header,
	    (unsigned)(s->mem.part[MEM_UDP] + s->mem.part[MEM_LIMIT]),
	    (unsigned)s->mem.part[MEM_CAP], (unsigned)(s->mem.part[MEM_METRICS] +
	    s->mem.stats_size / s->mem.procs),
	    (unsigned long long)mem_total(&s->mem));
}

/* Of n sockets, those in [from, to) into mine; the rest closed. */
static int keep_own(const int *fd, int n, int from, int to, int *mine)
{
	int i, kept = 0;

	for (i = 0; i < n; i++)
		if (i >= from && i < to)
			mine[kept++] = fd[i];
		else
			close(fd[i]);
	return kept;
}

/* A worker keeps its own sockets (all of them when they are shared). */
static void own_sockets(const struct setup *s, unsigned me, struct loop *lp)
{
	int all = s->inherited || s->o.workers == 0;
	int from = all ? 0 : (int)me * s->naddr;
	int to = all ? INT_MAX : from + s->naddr;

	lp->ntcp = keep_own(s->tcp, s->ntcp, from, to, lp->tcp_fd);
	lp->nudp = keep_own(s->udp, s->nudp, from, to, lp->udp_fd);
	if (s->inherited && s->o.workers != 0)
		lp->share = s->mem.shared;
}

/* The UDP limits and guards, -A and -C, on this worker's memory. */
static void exposure(const struct setup *s, unsigned me, struct loop *lp)
{
	const struct options *o = &s->o;
	struct udp_setup u = { lp->udp_fd, lp->nudp, lp->nstamp,
	    lp->share != NULL, o->allow.n ? &o->allow : NULL, o->rate, o->burst, &s->key,
	    mem_part(&s->mem, me, MEM_LIMIT) };
	static struct cap cap;

	lp->allow = u.allow;
	if (lp->nudp > 0)
		lp->udp = udp_init(mem_part(&s->mem, me, MEM_UDP), &u);
	if (o->cap == 0)
		return;
	cap_init(&cap, mem_part(&s->mem, me, MEM_CAP), o->slots, o->cap,
	    &s->key);
	lp->cap = &cap;
}

/* STAMP and metrics sockets are per worker, inherited or not. */
static void own_measuring(const struct setup *s, unsigned me, struct loop *lp)
{
	int per = s->nstamp / (int)s->mem.procs;

	lp->metrics_fd = -1;
	/* After the echo sockets, where udp.c looks for them. */
	lp->nudp += keep_own(s->stamp, s->nstamp, (int)me * per,
	    (int)(me + 1) * per, lp->udp_fd + lp->nudp);
	lp->nstamp = per;
	if (!s->o.metrics)
		return;
	keep_own(s->metrics, (int)s->mem.procs, (int)me, (int)me + 1,
	    &lp->metrics_fd);
	lp->metrics = mem_part(&s->mem, me, MEM_METRICS);
	metrics_init(lp->metrics);
	lp->metrics->share = s->mem.stats;
	lp->metrics->procs = s->mem.procs;
	lp->metrics->slots = (unsigned long long)s->o.slots * s->mem.procs;
	lp->metrics->memory = mem_total(&s->mem);
	/* A worker started again goes on from its last counts. */
	lp->counts = &s->mem.stats[me];
	lp->count = lp->counts->count;
}

/* One process's loop on its share of the fixed memory. */
static int run_worker(unsigned me, void *arg)
{
	const struct setup *s = arg;
	const struct options *o = &s->o;
	static struct loop lp;
	const char *what;

	if (o->workers && mem_keep(&s->mem, me) < 0) {
		say("munmap: %m");
		return 1;
	}
	slots_init(&lp.slots, mem_part(&s->mem, me, MEM_SLOTS), o->slots);
	lp.conn = mem_part(&s->mem, me, MEM_CONNS);
	lp.rings = mem_part(&s->mem, me, MEM_RINGS);
	lp.idle_ms = o->idle_timeout * 1000u;
	lp.env.ring_size = o->ring_size;
	lp.env.edge = o->edge;
	lp.env.capitalize = o->mode == MODE_CAPITALIZE;
	lp.worker = o->workers ? (int)me : -1;
	lp.single = s->inetd;
	own_sockets(s, me, &lp);
	own_measuring(s, me, &lp);
	exposure(s, me, &lp);
	if (loop_init(&lp, &what) < 0) {
		say("%s: %m", what);
		return 1;
	}
	if (filter(o, SANDBOX_WORKER) < 0)
		return 1;
	return loop_run(&lp);
}

static int print_help(const struct options *o)
{
	if (o->help) {
		say_text(options_usage);
		say_text(options_help);
	} else if (sandbox_built_in()) {
		say_text("echod " VERSION " (seccomp)");
	} else {
		say_text("echod " VERSION " (no seccomp)");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options *o = &setup.o;

	if (options_parse(o, argc, argv) < 0) {
		say("%s (try 'echod -h')", o->err);
		return 2;
	}
	if (sandbox_relro() < 0)
		say("mprotect RELRO: %m");
	if (o->help || o->version)
		return print_help(o);
	if (o->probe)
		return client_run(&o->client);
	if (say_never_block() < 0)
		say("warning: stderr: %m; a stalled log reader may stall echod");
	if (signals_block() < 0) {
		say("blocking signals: %m");
		return 1;
	}
	hash_key_new(&setup.key);
	if (open_sockets(&setup) < 0 || fixed_memory(&setup) < 0)
		return 1;
	if ((o->root != NULL || o->drop) && confine(o) < 0)
		return 1;
	if (!o->quiet)
		say_start(&setup);
	if (o->workers == 0)
		return run_worker(0, &setup);
	if (filter(o, SANDBOX_SUPERVISOR) < 0)
		return 1;
	return workers_run(o->workers, run_worker, &setup);
}
