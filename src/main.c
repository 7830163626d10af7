/*
 * echod: options -> sockets -> fixed memory -> confinement -> the loop,
 * or workers that each run one. Everything that can fail for lack of a
 * resource fails here, before the first client.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hash.h"
#include "loop.h"
#include "mem.h"
#include "net.h"
#include "options.h"
#include "probe.h"
#include "sandbox.h"
#include "say.h"
#include "signals.h"
#include "workers.h"

#define VERSION "0.3.0"
#define PROBE_MS 2000
/* Descriptors besides the slots: stdio, listeners, epoll, signalfd, spare. */
#define FD_OVERHEAD 16

/* What main sets up and every worker shares. */
struct setup {
	struct options o;
	struct net_addr addr;
	int tcp[WORKERS_MAX], udp[WORKERS_MAX];	/* per worker, or shared */
	int ntcp, nudp, inherited;
	struct mem mem;
	struct hash_key key;	/* the limits' secret */
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

/* One socket of type on the address the options name. */
static int open_listener(struct setup *s, int type, int flags)
{
	const char *what;
	char name[64];
	int fd;

	if (s->o.af == 0)
		flags |= NET_ANY;
	fd = net_listen(&s->addr, type, flags, &what);
	if (fd < 0) {
		net_addr_str(&s->addr, name, sizeof name);
		if (flags & NET_REUSEPORT && errno == ENOPROTOOPT)
			say("%s %s: this kernel has no SO_REUSEPORT, "
			    "which -w needs", what, name);
		else
			say("%s %s %s: %m", what, type == SOCK_DGRAM ? "udp" : "tcp",
			    name);
	}
	return fd;
}

/* One TCP (and UDP) socket per worker, all on one port (SO_REUSEPORT). */
static int bind_sockets(struct setup *s)
{
	const struct options *o = &s->o;
	unsigned i, procs = o->workers ? o->workers : 1;
	int flags = o->workers ? NET_REUSEPORT : 0;

	net_addr_set(&s->addr, o->af ? o->af : AF_INET6,
	    o->af ? (const void *)&o->addr : &in6addr_any, o->port);
	/* The first bind fixes the port (-p 0); the rest follow it. */
	for (i = 0; i < procs; i++) {
		if ((s->tcp[i] = open_listener(s, SOCK_STREAM, flags)) < 0)
			return -1;
		if (o->udp && (s->udp[i] = open_listener(s, SOCK_DGRAM, flags)) < 0)
			return -1;
	}
	s->ntcp = (int)procs;
	s->nudp = o->udp ? (int)procs : 0;
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
	if (!s->inherited && bind_sockets(s) < 0)
		return -1;
	for (n = 0; n < s->nudp; n++)
		if (net_set_pktinfo(s->udp[n]) < 0) {
			say("setsockopt udp packet info: %m");
			return -1;
		}
	return 0;
}

/* One mapping for every process, made before any fork; untouched. */
static int fixed_memory(struct setup *s)
{
	const struct options *o = &s->o;
	unsigned procs = o->workers ? o->workers : 1;

	if (mem_plan(&s->mem, mem_page(), o->slots, o->ring_size,
	    (s->nudp > 0 ? MEM_WITH_UDP : 0) | (o->rate ? MEM_WITH_RATE : 0) |
	    (o->cap ? MEM_WITH_CAP : 0), procs) < 0) {
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
	char name[64], workers[32] = "";

	net_addr_str(&s->addr, name, sizeof name);
	if (o->workers)
		say_fmt(workers, sizeof workers, "%u workers x ", o->workers);
	say("listening on %s %s%s, %s-triggered, %s, idle timeout %u s, "
	    "%s(%u slots x (%u ring + %u header) + %u udp + %u cap) = "
	    "%llu bytes fixed",
	    name, s->ntcp ? "tcp" : "", s->nudp ? (s->ntcp ? "+udp" : "udp") : "",
	    o->edge ? "edge" : "level",
	    o->mode == MODE_CAPITALIZE ? "capitalize" : "echo",
	    o->idle_timeout, workers, o->slots, o->ring_size, s->mem.header,
	    (unsigned)(s->mem.part[MEM_UDP] + s->mem.part[MEM_LIMIT]),
	    (unsigned)s->mem.part[MEM_CAP], (unsigned long long)mem_total(&s->mem));
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

/* The UDP limits and guards, -A and -C, on this worker's memory. */
static void exposure(const struct setup *s, unsigned me, struct loop *lp)
{
	const struct options *o = &s->o;
	struct udp_setup u = { lp->udp_fd, lp->nudp, lp->shared,
	    o->allow.n ? &o->allow : NULL, o->rate, o->burst, &s->key,
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
	struct net_addr a;

	if (options_parse(o, argc, argv) < 0) {
		say("%s (try 'echod -h')", o->err);
		return 2;
	}
	if (sandbox_relro() < 0)
		say("mprotect RELRO: %m");
	if (o->help || o->version)
		return print_help(o);
	if (o->probe) {
		net_addr_set(&a, o->probe_af, &o->probe_addr, o->probe_port);
		return probe_run(&a, PROBE_MS);
	}
	if (say_never_block() < 0)
		say("warning: stderr: %m; a stalled log reader may stall echod");
	if (signals_block() < 0) {
		say("blocking signals: %m");
		return 1;
	}
	raise_fd_limit(o->slots);
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
