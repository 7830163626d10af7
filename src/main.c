/*
 * echod: options -> fixed memory -> sockets -> loop. Everything that can
 * fail for lack of a resource fails here, before the first client.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "loop.h"
#include "net.h"
#include "options.h"
#include "probe.h"
#include "say.h"
#include "slots.h"

#define VERSION "0.1.0"
#define PROBE_MS 2000
/* Descriptors besides the slots: stdio, listener, epoll, signalfd, spare. */
#define FD_OVERHEAD 16

static const char help[] =
    "  -p PORT     TCP port, 0 for any free one (default 8000)\n"
    "  -l ADDR     listen on one IPv4 or IPv6 address (default: all, dual-stack)\n"
    "  -c N        connection slots, 1-1048576 (default 1024)\n"
    "  -b BYTES    ring buffer per slot, a power of two, 64-16777216 (default 4096)\n"
    "  -t SECONDS  close connections idle this long, 0 = never (default 300)\n"
    "  -m MODE     echo (byte-exact, default) or capitalize (per line)\n"
    "  -E          edge-triggered epoll (default level-triggered)\n"
    "  -q          no start line\n"
    "  -P A:P      probe: send a nonce to the echo server at A:P (e.g. [::1]:8000),\n"
    "              exit 0 if it comes back within 2 s, else 1\n"
    "  -h          this help\n"
    "  -V          version\n"
    "\n"
    "Exit status: 0 after SIGTERM or SIGINT, 1 on a set-up failure, 2 on bad usage.";

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

static int listen_on(const struct options *o, struct net_addr *a)
{
	const char *what;
	char name[64];
	int fd;

	if (o->af != 0)
		net_addr_set(a, o->af, &o->addr, o->port);
	else
		net_addr_set(a, AF_INET6, &in6addr_any, o->port);
	fd = net_listen(a, SOCK_STREAM, o->af == 0 ? NET_ANY : 0, &what);
	if (fd < 0) {
		net_addr_str(a, name, sizeof name);
		say("%s %s: %m", what, name);
	}
	return fd;
}

static void *fixed_memory(const struct options *o, size_t *size)
{
	uint64_t want = slots_memsize(o->slots, o->ring_size);
	void *mem;

	if (want > SIZE_MAX / 2) {
		say("%u slots of %u bytes do not fit in memory", o->slots,
		    o->ring_size);
		return NULL;
	}
	*size = (size_t)want;
	mem = mmap(NULL, *size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		say("mmap %llu bytes for %u slots: %m", (unsigned long long)want,
		    o->slots);
		return NULL;
	}
	return mem;
}

static void say_start(const struct options *o, const struct net_addr *a,
    size_t size)
{
	char name[64];

	net_addr_str(a, name, sizeof name);
	say("listening on %s tcp, %s-triggered, %s, idle timeout %u s, "
	    "%u slots x (%u ring + %u header) = %llu bytes fixed",
	    name, o->edge ? "edge" : "level",
	    o->mode == MODE_CAPITALIZE ? "capitalize" : "echo",
	    o->idle_timeout, o->slots, o->ring_size,
	    (unsigned)sizeof(struct slot), (unsigned long long)size);
}

int main(int argc, char **argv)
{
	static struct options o;
	static struct slots table;
	static struct server sv;
	struct net_addr a;
	const char *what;
	size_t size;
	void *mem;

	if (options_parse(&o, argc, argv) < 0) {
		say("%s (try 'echod -h')", o.err);
		return 2;
	}
	if (o.help || o.version) {
		say_text(o.help ? options_usage : "echod " VERSION);
		if (o.help)
			say_text(help);
		return 0;
	}
	if (o.probe) {
		net_addr_set(&a, o.probe_af, &o.probe_addr, o.probe_port);
		return probe_run(&a, PROBE_MS);
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		say("signal SIGPIPE: %m");
		return 1;
	}
	raise_fd_limit(o.slots);
	sv.listen_fd = listen_on(&o, &a);
	if (sv.listen_fd < 0)
		return 1;
	if ((mem = fixed_memory(&o, &size)) == NULL)
		return 1;
	slots_init(&table, mem, o.slots, o.ring_size);
	sv.slots = &table;
	sv.idle_ms = o.idle_timeout * 1000u;
	sv.edge = o.edge;
	sv.capitalize = o.mode == MODE_CAPITALIZE;
	if (loop_init(&sv, &what) < 0) {
		say("%s: %m", what);
		return 1;
	}
	if (!o.quiet)
		say_start(&o, &a, size);
	return loop_run(&sv);
}
