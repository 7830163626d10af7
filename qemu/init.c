/* SPDX-License-Identifier: ISC */
/*
 * /init of the echod test guests. The initramfs holds only static programs
 * of ours: this /init, /echod, /itest and, for the host-forward test, the
 * NIC's kernel modules as /modules/NN-name.ko (NN: dependency order).
 *
 * Settings come from the kernel command line: the kernel hands init every
 * NAME=VALUE it does not know itself as an environment variable.
 *   echod_mode=test   in-guest tests, then power off (the default)
 *   echod_mode=serve  serve on echod_port until a line "q" on the console
 *   echod_mode=both   in-guest tests, then serve
 *   echod_port=N      echod's port in the guest (default 8000)
 *   echod_factor=N    timeout factor for itest -T (default 10: TCG is slow)
 *   echod_net=1       load /modules/ *.ko, put 10.0.2.15/24 on eth0
 *   echod_udp=1       the served echod echoes UDP too (-U)
 *   echod_only=NAME   only the suite's cases whose name has NAME (itest -s)
 *
 * In-guest tests: the full suite (itest -- /echod: itest starts echod per
 * case), then one echod started here with default flags, tested with
 * itest -r over 127.0.0.1 and ::1, then SIGTERM, which must end it with 0.
 * Console lines the host reads, all starting "echod-init: ":
 *   "in-guest tests PASS ..."  the in-guest tests passed
 *   "READY port N ..."         serving; the host may connect now
 *   "RESULT PASS" / "RESULT FAIL: why"   last line before power-off
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/report.h"
#include "lib/server.h"

#define ECHOD "/echod"
#define ITEST "/itest"
#define MODDIR "/modules"
#define GUEST_ADDR "10.0.2.15"
#define GUEST_MASK "255.255.255.0"

/* The kernel command line's settings. */
struct guest {
	const char *mode;
	char *only;
	unsigned port, factor, net, udp;
	int test, serve;
};

static char first[sizeof why];	/* the first failure, for the RESULT line */
static size_t relayed;		/* how much of what echod said is on the console */

static void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void msg(const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	/* Console output: nothing to do if it fails. */
	if (write(STDOUT_FILENO, "echod-init: ", 12) < 0 ||
	    write(STDOUT_FILENO, line, (size_t)n) < 0)
		return;
}

/* A step failed (why says how): say so now; the first names the RESULT. */
static void step_failed(void)
{
	msg("FAIL: %s", why);
	if (first[0] == '\0')
		snprintf(first, sizeof first, "%s", why);
	why[0] = '\0';
}

static void power_off(void)
{
	if (first[0])
		msg("RESULT FAIL: %s", first);
	else
		msg("RESULT PASS");
	sync();
	reboot(RB_POWER_OFF);
	/* init must never exit: that is a kernel panic, not a result. */
	msg("reboot RB_POWER_OFF: %s; halting here", strerror(errno));
	for (;;)
		pause();
}

/* The kernel opens /dev/console as 0, 1, 2 if the initramfs has it. */
static void console(void)
{
	int fd;

	if (fcntl(STDOUT_FILENO, F_GETFD) >= 0)
		return;
	if (mkdir("/dev", 0755) < 0 && errno != EEXIST)
		return;
	if (mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL) < 0)
		return;
	fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static int mount_proc(void)
{
	if (mkdir("/proc", 0555) < 0 && errno != EEXIST)
		return fail("mkdir /proc: %s", strerror(errno));
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    NULL) < 0)
		return fail("mount /proc: %s", strerror(errno));
	return 0;
}

static void ifname(struct ifreq *r, const char *name)
{
	memset(r, 0, sizeof *r);
	snprintf(r->ifr_name, sizeof r->ifr_name, "%s", name);
}

static int if_up(int s, const char *name)
{
	struct ifreq r;

	ifname(&r, name);
	if (ioctl(s, SIOCGIFFLAGS, &r) < 0)
		return fail("ioctl SIOCGIFFLAGS %s: %s", name, strerror(errno));
	r.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &r) < 0)
		return fail("ioctl SIOCSIFFLAGS %s up: %s", name, strerror(errno));
	return 0;
}

static int if_set4(int s, const char *name, unsigned long req,
    const char *what, const char *addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct ifreq r;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return fail("bad IPv4 address %s", addr);
	ifname(&r, name);
	memcpy(&r.ifr_addr, &sin, sizeof sin);
	if (ioctl(s, req, &r) < 0)
		return fail("ioctl %s %s %s: %s", what, name, addr, strerror(errno));
	return 0;
}

static int lo_up(void)
{
	int s, rc;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return fail("socket AF_INET: %s", strerror(errno));
	rc = if_up(s, "lo");
	close(s);
	return rc;
}

static int select_ko(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 3 && strcmp(d->d_name + n - 3, ".ko") == 0;
}

static int load_module(const char *name)
{
	char path[300];
	int fd, rc = 0;

	snprintf(path, sizeof path, "%s/%s", MODDIR, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return fail("open %s: %s", path, strerror(errno));
	if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
		rc = fail("finit_module %s: %s", path, strerror(errno));
	close(fd);
	return rc;
}

/* /modules/NN-name.ko in name order, which is dependency order. */
static int load_modules(void)
{
	struct dirent **list;
	int i, n, rc = 0;

	n = scandir(MODDIR, &list, select_ko, alphasort);
	if (n < 0)
		return fail("scandir %s: %s", MODDIR, strerror(errno));
	if (n == 0)
		rc = fail("no modules in %s", MODDIR);
	for (i = 0; i < n; i++) {
		if (rc == 0)
			rc = load_module(list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return rc;
}

/* eth0 at 10.0.2.15/24: QEMU's user network forwards host ports there. */
static int eth0_up(void)
{
	double end = deadline(5);
	int s, rc = -1;

	if (load_modules() < 0)
		return -1;
	while (if_nametoindex("eth0") == 0) {
		if (now() > end)
			return fail("no eth0 after loading the modules");
		nap(0.01);
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return fail("socket AF_INET: %s", strerror(errno));
	if (if_set4(s, "eth0", SIOCSIFADDR, "SIOCSIFADDR", GUEST_ADDR) == 0 &&
	    if_set4(s, "eth0", SIOCSIFNETMASK, "SIOCSIFNETMASK",
	    GUEST_MASK) == 0 && if_up(s, "eth0") == 0)
		rc = 0;
	close(s);
	if (rc == 0)
		msg("eth0 up at %s/24", GUEST_ADDR);
	return rc;
}

/* Run argv to the end, its output on the console; 0 if it exited 0. */
static int run(const char *name, char *const argv[])
{
	double t0 = now();
	char how[64];
	pid_t pid;
	int st;

	msg("running %s", name);
	if ((pid = fork()) < 0)
		return fail("fork for %s: %s", argv[0], strerror(errno));
	if (pid == 0) {
		execv(argv[0], argv);
		msg("exec %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return fail("waitpid %d: %s", (int)pid, strerror(errno));
	status_text(st, how, sizeof how);
	REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: %s", name, how);
	msg("%s passed in %.1f s", name, now() - t0);
	return 0;
}

/* What echod said since the last relay, to the console. */
static void relay(struct server *s)
{
	server_collect(s, 0);
	if (relayed > s->errlen)
		relayed = 0;	/* its buffer started over */
	if (s->errlen > relayed &&
	    write(STDOUT_FILENO, s->err + relayed, s->errlen - relayed) < 0)
		return;
	relayed = s->errlen;
}

/* Until a line starting with q (or the end) on the console; meanwhile
 * what echod says goes to the console. */
static int wait_quit(struct server *s)
{
	struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
	    { .events = POLLIN } };
	char buf[128];
	ssize_t n;

	for (;;) {
		p[1].fd = s->err_fd;
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return fail("poll console: %s", strerror(errno));
		relay(s);
		if (!(p[0].revents & (POLLIN | POLLHUP)))
			continue;
		n = read(STDIN_FILENO, buf, sizeof buf);
		if (n < 0 && errno != EINTR)
			return fail("read console: %s", strerror(errno));
		if (n == 0 || (n > 0 && buf[0] == 'q'))
			return 0;
	}
}

static unsigned env_uint(const char *name, unsigned def, unsigned max)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n > max) {
		msg("bad %s=%s, using %u", name, v, def);
		return def;
	}
	return (unsigned)n;
}

static void settings(struct guest *g)
{
	g->mode = getenv("echod_mode");
	g->only = getenv("echod_only");
	g->port = env_uint("echod_port", 8000, 65535);
	g->factor = env_uint("echod_factor", 10, 1000);
	g->net = env_uint("echod_net", 0, 1);
	g->udp = env_uint("echod_udp", 0, 1);
	if (g->mode == NULL)
		g->mode = "test";
	if (g->factor == 0)
		g->factor = 1;
	g->test = strcmp(g->mode, "test") == 0 || strcmp(g->mode, "both") == 0;
	g->serve = strcmp(g->mode, "serve") == 0 || strcmp(g->mode, "both") == 0;
}

/* Mount /proc, bring up lo (and eth0); power off if any of it fails. */
static void set_up(const struct guest *g)
{
	struct utsname u;
	struct timespec up;

	if (uname(&u) < 0)
		snprintf(u.release, sizeof u.release, "?");
	clock_gettime(CLOCK_BOOTTIME, &up);
	msg("started %.2f s after boot, kernel %s %s, mode %s", (double)up.tv_sec +
	    (double)up.tv_nsec / 1e9, u.release, u.machine, g->mode);
	if (!g->test && !g->serve)
		fail("unknown echod_mode=%s (test, serve or both)", g->mode);
	else if (mount_proc() == 0 && lo_up() == 0 && (!g->net || eth0_up() == 0))
		return;
	step_failed();
	power_off();
}

/* The whole suite: itest starts an echod per case. */
static void test_suite(const struct guest *g)
{
	char fs[16];
	char *suite[] = { ITEST, "-T", fs, "--", ECHOD, NULL };
	char *some[] = { ITEST, "-T", fs, "-s", g->only, "--", ECHOD, NULL };

	snprintf(fs, sizeof fs, "%u", g->factor);
	if (run("itest suite", g->only != NULL && *g->only ? some : suite) < 0)
		step_failed();
}

/* echod with default flags (and -U) on the port; power off if it fails. */
static void start_echod(const struct guest *g, struct server *s)
{
	static char *cmd[] = { ECHOD, NULL };
	char flags[32];

	server_cmd = cmd;
	snprintf(flags, sizeof flags, "-p %u%s", g->port, g->udp ? " -U" : "");
	if (server_spawn(s, flags, NULL) == 0 && server_listening(s) == 0) {
		relay(s);
		return;
	}
	step_failed();
	server_kill(s);
	power_off();
}

/* The data cases against that echod over 127.0.0.1 and ::1. */
static void test_remote(const struct guest *g)
{
	char fs[16], a4[32], a6[32];
	char *remote[] = { ITEST, "-T", fs, "-r", a4, "-r", a6, NULL };

	snprintf(fs, sizeof fs, "%u", g->factor);
	snprintf(a4, sizeof a4, "127.0.0.1:%u", g->port);
	snprintf(a6, sizeof a6, "[::1]:%u", g->port);
	if (run("itest -r over 127.0.0.1 and ::1", remote) < 0)
		step_failed();
}

static void serve(const struct guest *g, struct server *s)
{
	msg("READY port %u: echod serving %s on %s:%u and loopback; "
	    "a line 'q' on this console stops it", g->port,
	    g->udp ? "TCP and UDP" : "TCP", g->net ? GUEST_ADDR : "(no NIC)",
	    g->port);
	if (wait_quit(s) < 0)
		step_failed();
}

int main(void)
{
	static struct server echod;
	struct guest g;
	double t0;

	console();
	settings(&g);
	clock_scale = g.factor;
	set_up(&g);
	t0 = now();
	if (g.test)
		test_suite(&g);
	start_echod(&g, &echod);
	if (g.test)
		test_remote(&g);
	if (g.test && first[0] == '\0')
		msg("in-guest tests PASS in %.1f s", now() - t0);
	if (g.serve)
		serve(&g, &echod);
	/* SIGTERM must end echod with status 0, promptly. */
	if (server_stop(&echod) < 0)
		step_failed();
	else
		msg("echod exited 0 after SIGTERM");
	relay(&echod);
	power_off();
	return 0;
}
