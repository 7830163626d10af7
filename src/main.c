/*
 * echod: options -> sockets -> fixed memory -> confinement -> the loop,
 * or workers that each run one. Everything that can fail for lack of a
 * resource fails here, before the first client.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>

#include "loop.h"
#include "mem.h"
#include "net.h"
#include "options.h"
#include "client.h"
#include "sandbox.h"
#include "say.h"
#include "signals.h"
#include "workers.h"

#define VERSION "0.3.0"
/* Descriptors besides the slots: stdio, listeners, epoll, signalfd, spare. */
#define FD_OVERHEAD 16

/* What main sets up and every worker shares. */
struct setup {
	struct options o;
	struct net_addr addr, stamp_addr, metrics_addr;
	int tcp[WORKERS_MAX], udp[WORKERS_MAX];	/* per worker, or shared */
	int stamp[WORKERS_MAX], metrics[WORKERS_MAX];	/* per worker */
	int ntcp, nudp, nstamp, inherited;
	struct mem mem;
};

static struct setup setup;

/*
 * Make room for every slot's descriptor if the hard limit allows. prlimit,
 * not setrlimit: musl's setrlimit stops every thread to apply it.
 */
static void raise_fd_limit(unsigned slots)
{
	rlim_t need = (rlim_t)slots + FD_OVERHEAD;
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

/* The address of af (0: all) and port. */
static void set_addr(struct net_addr *a, int af, const struct in6_addr *addr,
    unsigned port)
{
	net_addr_set(a, af ? af : AF_INET6, af ? (const void *)addr :
	    &in6addr_any, port);
}

/* One TCP (and UDP) socket per worker, all on one port (SO_REUSEPORT). */
static int bind_sockets(struct setup *s)
{
	const struct options *o = &s->o;
	unsigned i, procs = o->workers ? o->workers : 1;
	int flags = (o->workers ? NET_REUSEPORT : 0) | (o->af ? 0 : NET_ANY);

	set_addr(&s->addr, o->af, &o->addr, o->port);
	/* The first bind fixes the port (-p 0); the rest follow it. */
	for (i = 0; i < procs; i++) {
		if ((s->tcp[i] = open_listener(&s->addr, SOCK_STREAM, flags)) < 0)
			return -1;
		if (o->udp && (s->udp[i] = open_listener(&s->addr, SOCK_DGRAM,
		    flags)) < 0)
			return -1;
	}
	s->ntcp = (int)procs;
	s->nudp = o->udp ? (int)procs : 0;
	return 0;
}

/*
 * STAMP (-T, on -l's address) and metrics (-M) sockets: one per worker,
 * also when the others were inherited.
 */
static int bind_measuring(struct setup *s)
{
	const struct options *o = &s->o;
	unsigned i, procs = o->workers ? o->workers : 1;
	int flags = o->workers ? NET_REUSEPORT : 0;

	set_addr(&s->stamp_addr, o->af, &o->addr, o->stamp_port);
	set_addr(&s->metrics_addr, o->metrics_af, &o->metrics_addr,
	    o->metrics_port);
	for (i = 0; i < procs; i++)
		if ((o->stamp && (s->stamp[i] = open_listener(&s->stamp_addr,
		    SOCK_DGRAM, flags | (o->af ? 0 : NET_ANY))) < 0) ||
		    (o->metrics && (s->metrics[i] = open_listener(
		    &s->metrics_addr, SOCK_STREAM,
		    flags | (o->metrics_af ? 0 : NET_ANY))) < 0))
			return -1;
	s->nstamp = o->stamp ? (int)procs : 0;
	return 0;
}

/* Sockets inherited from a service manager, or bound here. */
static int open_sockets(struct setup *s)
{
	const char *what;
	int n;

	n = net_inherited(s->tcp, &s->ntcp, s->udp, &s->nudp, MAX_LISTEN,
	    &s->addr, &what);
	if (n < 0) {
		say("%s: %m", what);
		return -1;
	}
	s->inherited = n > 0;
	if ((!s->inherited && bind_sockets(s) < 0) || bind_measuring(s) < 0)
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

static void say_start(const struct setup *s)
{
	const struct options *o = &s->o;
	char name[64], workers[32] = "", more[96] = "";
	unsigned n = 0;

	/* STAMP is on the same address: its port is enough. */
	if (s->nstamp)
		n = say_fmt(more, sizeof more, ", stamp on port %u",
		    ntohs(s->stamp_addr.u.in6.sin6_port));
	if (o->metrics) {
		n += say_fmt(more + n, sizeof more - n, ", metrics on ");
		net_addr_str(&s->metrics_addr, more + n, sizeof more - n);
	}
	net_addr_str(&s->addr, name, sizeof name);
	if (o->workers)
		say_fmt(workers, sizeof workers, "%u workers x ", o->workers);
	say("listening on %s %s%s%s, %s-triggered, %s, idle timeout %u s, "
	    "%s(%u slots x (%u ring + %u header) + %u udp + %u metrics) = "
	    "%llu bytes fixed",
	    name, s->ntcp ? "tcp" : "", s->nudp ? (s->ntcp ? "+udp" : "udp") : "",
	    more, o->edge ? "edge" : "level",
	    o->mode == MODE_CAPITALIZE ? "capitalize" : "echo",
	    o->idle_timeout, workers, o->slots, o->ring_size, s->mem.header,
	    (unsigned)s->mem.part[MEM_UDP], (unsigned)(s->mem.part[MEM_METRICS] +
	    s->mem.stats_size / s->mem.procs),
	    (unsigned long long)mem_total(&s->mem));
	if (s->inherited)
		say("using %d tcp and %d udp sockets from LISTEN_FDS", s->ntcp,
		    s->nudp);
}

/* A worker keeps its own sockets (all of them when they are shared). */
static void own_sockets(const struct setup *s, unsigned me, struct loop *lp)
{
	int i;

	if (s->inherited || s->o.workers == 0) {
		for (i = 0; i < s->ntcp; i++)
			lp->tcp_fd[lp->ntcp++] = s->tcp[i];
		for (i = 0; i < s->nudp; i++)
			lp->udp_fd[lp->nudp++] = s->udp[i];
		lp->shared = s->inherited && s->o.workers != 0;
		return;
	}
	for (i = 0; i < s->ntcp; i++)
		if ((unsigned)i == me)
			lp->tcp_fd[lp->ntcp++] = s->tcp[i];
		else
			close(s->tcp[i]);
	for (i = 0; i < s->nudp; i++)
		if ((unsigned)i == me)
			lp->udp_fd[lp->nudp++] = s->udp[i];
		else
			close(s->udp[i]);
}

/* STAMP and metrics sockets are one per worker, inherited or not. */
static void own_measuring(const struct setup *s, unsigned me, struct loop *lp)
{
	unsigned i, procs = s->o.workers ? s->o.workers : 1;

	lp->metrics_fd = -1;
	for (i = 0; i < procs; i++) {
		if ((int)i < s->nstamp && i != me)
			close(s->stamp[i]);
		if (s->o.metrics && i != me)
			close(s->metrics[i]);
	}
	if (s->nstamp > 0)
		lp->stamp_fd[lp->nstamp++] = s->stamp[me];
	if (!s->o.metrics)
		return;
	lp->metrics_fd = s->metrics[me];
	lp->metrics = mem_part(&s->mem, me, MEM_METRICS);
	metrics_init(lp->metrics);
	lp->metrics->share = s->mem.stats;
	lp->metrics->procs = procs;
	lp->metrics->slots = (unsigned long long)s->o.slots * procs;
	lp->metrics->memory = mem_total(&s->mem);
	/* A worker started again goes on from its last counts. */
	lp->share = &s->mem.stats[me];
	lp->count = lp->share->count;
}

/* One process's loop on its share of the fixed memory. */
static int run_worker(unsigned me, void *arg)
{
	const struct setup *s = arg;
	const struct options *o = &s->o;
	static struct loop lp;
	const char *what;

	slots_init(&lp.slots, mem_part(&s->mem, me, MEM_SLOTS), o->slots);
	lp.conn = mem_part(&s->mem, me, MEM_CONNS);
	lp.rings = mem_part(&s->mem, me, MEM_RINGS);
	lp.idle_ms = o->idle_timeout * 1000u;
	lp.env.ring_size = o->ring_size;
	lp.env.edge = o->edge;
	lp.env.capitalize = o->mode == MODE_CAPITALIZE;
	own_sockets(s, me, &lp);
	own_measuring(s, me, &lp);
	if (lp.nudp + lp.nstamp > 0)
		lp.udp = udp_init(mem_part(&s->mem, me, MEM_UDP));
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
	raise_fd_limit(o->slots);
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
