/*
 * echod: options -> fixed memory -> sockets -> loop. Everything that can
 * fail for lack of a resource fails here, before the first client.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "loop.h"
#include "net.h"
#include "options.h"
#include "probe.h"
#include "sandbox.h"
#include "say.h"
#include "slots.h"
#include "udp.h"
#include "workers.h"

#define VERSION "0.3.0"
#define PROBE_MS 2000
#define MAX_PROCS 64		/* -w's upper bound */
#define PAGE 4096u
/* Descriptors besides the slots: stdio, listeners, epoll, signalfd, spare. */
#define FD_OVERHEAD 16

static const char help[] =
    "  -p PORT     TCP (and UDP) port, 0 for any free one (default 8000)\n"
    "  -l ADDR     listen on one IPv4 or IPv6 address (default: all, dual-stack)\n"
    "  -c N        connection slots per process, 1-1048576 (default 1024)\n"
    "  -b BYTES    ring buffer per slot, a power of two, 64-16777216 (default 4096)\n"
    "  -t SECONDS  close connections idle this long, 0 = never (default 300)\n"
    "  -m MODE     echo (byte-exact, default) or capitalize (per line)\n"
    "  -E          edge-triggered epoll (default level-triggered)\n"
    "  -U          UDP echo too, on the same address and port\n"
    "  -w N        N worker processes sharing the port (SO_REUSEPORT), 1-64\n"
    "  -u UID[:GID] run as this numeric user (and group) once bound\n"
    "  -r DIR      chroot into DIR once bound (an empty directory will do)\n"
    "  -S          no seccomp filter (for debugging)\n"
    "  -q          no start line\n"
    "  -P A:P      probe: send a nonce to the echo server at A:P (e.g. [::1]:8000),\n"
    "              exit 0 if it comes back within 2 s, else 1\n"
    "  -h          this help\n"
    "  -V          version\n"
    "\n"
    "Signals: TERM/INT stop (exit 0), USR1 writes counters to stderr.\n"
    "Exit status: 0 after SIGTERM or SIGINT, 1 on a set-up failure, 2 on bad usage.";

/*
 * Signals are read from a signalfd inside the loop, so they stay blocked
 * from the start: a SIGTERM right after the start line is not lost.
 */
static int block_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGUSR1, SIGCHLD };
	sigset_t set;
	unsigned i;

	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		say("signal SIGPIPE: %m");
		return -1;
	}
	sigemptyset(&set);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		say("sigprocmask: %m");
		return -1;
	}
	return 0;
}

/* What main sets up and every worker shares. */
struct setup {
	struct options o;
	struct net_addr addr;
	int tcp[MAX_PROCS], udp[MAX_PROCS];	/* per worker, or shared */
	int ntcp, nudp, inherited;
	unsigned char *mem;
	size_t slots_size, udp_size;	/* one process's share */
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
static int bind_one(struct setup *s, int type, int flags)
{
	const struct options *o = &s->o;
	const char *what;
	char name[64];
	int fd;

	if (o->af == 0)
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

/*
 * Sockets: inherited from a service manager, or bound here: one TCP (and
 * UDP) socket per worker, all on one port through SO_REUSEPORT.
 */
static int open_sockets(struct setup *s)
{
	const struct options *o = &s->o;
	unsigned i, procs = o->workers ? o->workers : 1;
	int flags = o->workers ? NET_REUSEPORT : 0;
	const char *what;
	int n;

	n = net_inherited(s->tcp, &s->ntcp, s->udp, &s->nudp, MAX_LISTEN,
	    &s->addr, &what);
	if (n < 0) {
		say("%s: %m", what);
		return -1;
	}
	if (n > 0) {
		s->inherited = 1;
		return 0;
	}
	net_addr_set(&s->addr, o->af ? o->af : AF_INET6,
	    o->af ? (const void *)&o->addr : &in6addr_any, o->port);
	/* The first bind fixes the port (-p 0); the rest follow it. */
	for (i = 0; i < procs; i++) {
		if ((s->tcp[i] = bind_one(s, SOCK_STREAM, flags)) < 0)
			return -1;
		if (o->udp && (s->udp[i] = bind_one(s, SOCK_DGRAM, flags)) < 0)
			return -1;
	}
	s->ntcp = (int)procs;
	s->nudp = o->udp ? (int)procs : 0;
	return 0;
}

static size_t page_up(uint64_t n)
{
	return (size_t)((n + PAGE - 1) & ~(uint64_t)(PAGE - 1));
}

/* One mapping for every process, made before any fork; untouched. */
static int fixed_memory(struct setup *s)
{
	const struct options *o = &s->o;
	unsigned procs = o->workers ? o->workers : 1;
	uint64_t want, slots = slots_memsize(o->slots, o->ring_size);

	s->udp_size = s->nudp > 0 ? page_up(udp_memsize()) : 0;
	want = (slots + s->udp_size) * procs;
	if (want > SIZE_MAX / 2) {
		say("%u x %u slots of %u bytes do not fit in memory", procs,
		    o->slots, o->ring_size);
		return -1;
	}
	s->slots_size = (size_t)slots;
	s->mem = mmap(NULL, (size_t)want, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->mem == MAP_FAILED) {
		say("mmap %llu bytes for %u slots: %m", (unsigned long long)want,
		    o->slots * procs);
		return -1;
	}
	/*
	 * With transparent huge pages set to "always" (Debian's default), one
	 * touched ring could make 2 MB resident; RSS should follow use.
	 * Kernels without THP say EINVAL, which is fine.
	 */
	if (madvise(s->mem, (size_t)want, MADV_NOHUGEPAGE) < 0 && errno != EINVAL)
		say("madvise MADV_NOHUGEPAGE: %m");
	return 0;
}

static void say_start(const struct setup *s)
{
	const struct options *o = &s->o;
	unsigned procs = o->workers ? o->workers : 1;
	char name[64], workers[32] = "";

	net_addr_str(&s->addr, name, sizeof name);
	if (o->workers)
		say_fmt(workers, sizeof workers, "%u workers x ", o->workers);
	say("listening on %s %s%s, %s-triggered, %s, idle timeout %u s, "
	    "%s(%u slots x (%u ring + %u header) + %u udp) = %llu bytes fixed",
	    name, s->ntcp ? "tcp" : "", s->nudp ? (s->ntcp ? "+udp" : "udp") : "",
	    o->edge ? "edge" : "level",
	    o->mode == MODE_CAPITALIZE ? "capitalize" : "echo",
	    o->idle_timeout, workers, o->slots, o->ring_size,
	    (unsigned)sizeof(struct slot), (unsigned)s->udp_size,
	    (unsigned long long)(s->slots_size + s->udp_size) * procs);
	if (s->inherited)
		say("using %d tcp and %d udp sockets from LISTEN_FDS", s->ntcp,
		    s->nudp);
}

/* A worker keeps its own sockets (all of them when they are shared). */
static void own_sockets(const struct setup *s, unsigned me, struct server *sv)
{
	int i;

	if (s->inherited || s->o.workers == 0) {
		for (i = 0; i < s->ntcp; i++)
			sv->tcp_fd[sv->ntcp++] = s->tcp[i];
		for (i = 0; i < s->nudp; i++)
			sv->udp_fd[sv->nudp++] = s->udp[i];
		sv->shared = s->inherited && s->o.workers != 0;
		return;
	}
	for (i = 0; i < s->ntcp; i++)
		if ((unsigned)i == me)
			sv->tcp_fd[sv->ntcp++] = s->tcp[i];
		else
			close(s->tcp[i]);
	for (i = 0; i < s->nudp; i++)
		if ((unsigned)i == me)
			sv->udp_fd[sv->nudp++] = s->udp[i];
		else
			close(s->udp[i]);
}

/* One process's server on its share of the fixed memory. */
static int serve(unsigned me, void *arg)
{
	const struct setup *s = arg;
	unsigned char *mine = s->mem + (s->slots_size + s->udp_size) * me;
	static struct slots table;
	static struct server sv;
	const char *what;
	int i;

	slots_init(&table, mine, s->o.slots, s->o.ring_size);
	sv.slots = &table;
	sv.idle_ms = s->o.idle_timeout * 1000u;
	sv.edge = s->o.edge;
	sv.capitalize = s->o.mode == MODE_CAPITALIZE;
	own_sockets(s, me, &sv);
	if (sv.nudp > 0)
		sv.udp = udp_init(mine + s->slots_size);
	for (i = 0; i < sv.nudp; i++)
		if (udp_prepare(sv.udp_fd[i]) < 0) {
			say("setsockopt udp packet info: %m");
			return 1;
		}
	if (loop_init(&sv, &what) < 0) {
		say("%s: %m", what);
		return 1;
	}
	if (!s->o.no_seccomp && sandbox_seccomp(SANDBOX_WORKER) < 0)
		return 1;
	return loop_run(&sv);
}

int main(int argc, char **argv)
{
	struct options *o = &setup.o;
	struct net_addr a;

	if (options_parse(o, argc, argv) < 0) {
		say("%s (try 'echod -h')", o->err);
		return 2;
	}
	sandbox_relro();
	if (o->help || o->version) {
		say_text(o->help ? options_usage : sandbox_built_in() ?
		    "echod " VERSION " (seccomp)" : "echod " VERSION " (no seccomp)");
		if (o->help)
			say_text(help);
		return 0;
	}
	if (o->probe) {
		net_addr_set(&a, o->probe_af, &o->probe_addr, o->probe_port);
		return probe_run(&a, PROBE_MS);
	}
	if (block_signals() < 0)
		return 1;
	raise_fd_limit(o->slots);
	if (open_sockets(&setup) < 0 || fixed_memory(&setup) < 0)
		return 1;
	if ((o->root != NULL || o->drop) &&
	    sandbox_drop(o->root, o->uid, o->drop ? o->gid : SANDBOX_KEEP) < 0)
		return 1;
	if (!o->quiet)
		say_start(&setup);
	if (o->workers == 0)
		return serve(0, &setup);
	if (!o->no_seccomp && sandbox_seccomp(SANDBOX_SUPERVISOR) < 0)
		return 1;
	return workers_run(o->workers, serve, &setup);
}
