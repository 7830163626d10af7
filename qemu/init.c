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
#include <signal.h>
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

#define ECHOD "/echod"
#define ITEST "/itest"
#define MODDIR "/modules"
#define GUEST_ADDR "10.0.2.15"
#define GUEST_MASK "255.255.255.0"

static char failed[512];	/* what went wrong, for the RESULT line */

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

/* Record a failure; the first one names the RESULT line. */
static void fail(const char *fmt, ...)
{
	char why[sizeof failed];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	msg("FAIL: %s", why);
	if (failed[0] == '\0')
		snprintf(failed, sizeof failed, "%s", why);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void power_off(void)
{
	if (failed[0])
		msg("RESULT FAIL: %s", failed);
	else
		msg("RESULT PASS");
	sync();
	reboot(RB_POWER_OFF);
	/* init must never exit: that is a kernel panic, not a result. */
	msg("reboot RB_POWER_OFF: %m; halting here");
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
	if (mkdir("/proc", 0555) < 0 && errno != EEXIST) {
		fail("mkdir /proc: %s", strerror(errno));
		return -1;
	}
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    NULL) < 0) {
		fail("mount /proc: %s", strerror(errno));
		return -1;
	}
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
	if (ioctl(s, SIOCGIFFLAGS, &r) < 0) {
		fail("ioctl SIOCGIFFLAGS %s: %s", name, strerror(errno));
		return -1;
	}
	r.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &r) < 0) {
		fail("ioctl SIOCSIFFLAGS %s up: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

static int if_set4(int s, const char *name, unsigned long req,
    const char *what, const char *addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct ifreq r;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fail("bad IPv4 address %s", addr);
		return -1;
	}
	ifname(&r, name);
	memcpy(&r.ifr_addr, &sin, sizeof sin);
	if (ioctl(s, req, &r) < 0) {
		fail("ioctl %s %s %s: %s", what, name, addr, strerror(errno));
		return -1;
	}
	return 0;
}

static int lo_up(void)
{
	int s, rc;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		fail("socket AF_INET: %s", strerror(errno));
		return -1;
	}
	rc = if_up(s, "lo");
	close(s);
	return rc;
}

static int select_ko(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 3 && strcmp(d->d_name + n - 3, ".ko") == 0;
}

/* /modules/NN-name.ko in name order, which is dependency order. */
static int load_modules(void)
{
	struct dirent **list;
	char path[300];
	int i, n, fd, rc = 0;

	n = scandir(MODDIR, &list, select_ko, alphasort);
	if (n < 0) {
		fail("scandir %s: %s", MODDIR, strerror(errno));
		return -1;
	}
	if (n == 0) {
		fail("no modules in %s", MODDIR);
		rc = -1;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", MODDIR, list[i]->d_name);
		if (rc == 0) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				fail("open %s: %s", path, strerror(errno));
				rc = -1;
			} else {
				if (syscall(SYS_finit_module, fd, "", 0) < 0 &&
				    errno != EEXIST) {
					fail("finit_module %s: %s", path,
					    strerror(errno));
					rc = -1;
				}
				close(fd);
			}
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

/* eth0 at 10.0.2.15/24: QEMU's user network forwards host ports there. */
static int eth0_up(int factor)
{
	double end = now() + 5.0 * factor;
	int s, rc = -1;

	if (load_modules() < 0)
		return -1;
	while (if_nametoindex("eth0") == 0) {
		if (now() > end) {
			fail("no eth0 after loading the modules");
			return -1;
		}
		sleep_ms(10);
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		fail("socket AF_INET: %s", strerror(errno));
		return -1;
	}
	if (if_set4(s, "eth0", SIOCSIFADDR, "SIOCSIFADDR", GUEST_ADDR) == 0 &&
	    if_set4(s, "eth0", SIOCSIFNETMASK, "SIOCSIFNETMASK",
	    GUEST_MASK) == 0 && if_up(s, "eth0") == 0)
		rc = 0;
	close(s);
	if (rc == 0)
		msg("eth0 up at %s/24", GUEST_ADDR);
	return rc;
}

static pid_t spawn(char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0) {
		fail("fork for %s: %s", argv[0], strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execv(argv[0], argv);
		msg("exec %s: %m", argv[0]);
		_exit(127);
	}
	return pid;
}

static void status_str(int st, char *buf, size_t size)
{
	if (WIFEXITED(st))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, size, "wait status %#x", (unsigned)st);
}

/* Wait for pid; -1 if waitpid fails. */
static int reap(pid_t pid, int *st)
{
	while (waitpid(pid, st, 0) < 0) {
		if (errno != EINTR) {
			fail("waitpid %d: %s", (int)pid, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Run argv to the end; 0 if it exited with 0. */
static int run(const char *name, char *const argv[])
{
	double t0 = now();
	char how[64];
	pid_t pid;
	int st;

	msg("running %s", name);
	if ((pid = spawn(argv)) < 0 || reap(pid, &st) < 0)
		return -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		msg("%s passed in %.1f s", name, now() - t0);
		return 0;
	}
	status_str(st, how, sizeof how);
	fail("%s: %s", name, how);
	return -1;
}

/* Until a TCP connect to 127.0.0.1:port works, or the deadline. */
static int wait_listening(pid_t pid, unsigned port, double seconds)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((unsigned short)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	double end = now() + seconds;
	char how[64];
	int s, st;

	for (;;) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0) {
			fail("socket AF_INET: %s", strerror(errno));
			return -1;
		}
		if (connect(s, (struct sockaddr *)&sin, sizeof sin) == 0) {
			close(s);
			return 0;
		}
		close(s);
		if (waitpid(pid, &st, WNOHANG) == pid) {
			status_str(st, how, sizeof how);
			fail("echod -p %u ended before listening: %s", port,
			    how);
			return -1;
		}
		if (now() > end) {
			fail("echod -p %u not listening after %.0f s", port,
			    seconds);
			return -1;
		}
		sleep_ms(20);
	}
}

/* SIGTERM must end echod with status 0, promptly. */
static void stop_echod(pid_t pid, int factor)
{
	double end = now() + 2.0 * factor;
	char how[64];
	pid_t r;
	int st;

	if (kill(pid, SIGTERM) < 0) {
		fail("kill echod SIGTERM: %s", strerror(errno));
		return;
	}
	while ((r = waitpid(pid, &st, WNOHANG)) == 0 && now() < end)
		sleep_ms(10);
	if (r < 0) {
		fail("waitpid echod: %s", strerror(errno));
		return;
	}
	if (r == 0) {
		fail("echod still running %d s after SIGTERM", 2 * factor);
		kill(pid, SIGKILL);
		reap(pid, &st);
		return;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		status_str(st, how, sizeof how);
		fail("echod after SIGTERM: %s, want exit status 0", how);
		return;
	}
	msg("echod exited 0 after SIGTERM");
}

/* A line starting with q (or end of input) on the console. */
static void wait_quit(void)
{
	char buf[128];
	ssize_t n;

	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail("read console: %s", strerror(errno));
			return;
		}
		if (n == 0 || buf[0] == 'q')
			return;
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

int main(void)
{
	const char *mode = getenv("echod_mode");
	char *only = getenv("echod_only");
	unsigned port = env_uint("echod_port", 8000, 65535);
	unsigned factor = env_uint("echod_factor", 10, 1000);
	unsigned net = env_uint("echod_net", 0, 1);
	unsigned udp = env_uint("echod_udp", 0, 1);
	int test, serve;
	char fs[16], ps[16], a4[32], a6[32];
	struct utsname u;
	struct timespec up;
	double t0;
	pid_t echod;

	console();
	if (mode == NULL)
		mode = "test";
	test = strcmp(mode, "test") == 0 || strcmp(mode, "both") == 0;
	serve = strcmp(mode, "serve") == 0 || strcmp(mode, "both") == 0;
	if (uname(&u) < 0)
		snprintf(u.release, sizeof u.release, "?");
	clock_gettime(CLOCK_BOOTTIME, &up);
	msg("started %.2f s after boot, kernel %s %s, mode %s", up.tv_sec +
	    up.tv_nsec / 1e9, u.release, u.machine, mode);
	if (!test && !serve)
		fail("unknown echod_mode=%s (test, serve or both)", mode);
	if (factor == 0)
		factor = 1;
	if (failed[0] || mount_proc() < 0 || lo_up() < 0 ||
	    (net && eth0_up((int)factor) < 0))
		power_off();

	snprintf(fs, sizeof fs, "%u", factor);
	snprintf(ps, sizeof ps, "%u", port);
	snprintf(a4, sizeof a4, "127.0.0.1:%u", port);
	snprintf(a6, sizeof a6, "[::1]:%u", port);
	t0 = now();
	if (test) {
		char *suite[] = { ITEST, "-T", fs, "--", ECHOD, NULL };
		char *some[] = { ITEST, "-T", fs, "-s", only, "--", ECHOD, NULL };

		run("itest suite", only != NULL && *only ? some : suite);
	}
	{
		char *argv[] = { ECHOD, "-p", ps, udp ? "-U" : NULL, NULL };

		if ((echod = spawn(argv)) < 0 ||
		    wait_listening(echod, port, 5.0 * factor) < 0)
			power_off();
	}
	if (test) {
		char *remote[] = { ITEST, "-T", fs, "-r", a4, "-r", a6, NULL };

		run("itest -r over 127.0.0.1 and ::1", remote);
		if (failed[0] == '\0')
			msg("in-guest tests PASS in %.1f s", now() - t0);
	}
	if (serve) {
		msg("READY port %u: echod serving %s on %s:%u and loopback; "
		    "a line 'q' on this console stops it", port,
		    udp ? "TCP and UDP" : "TCP", net ? GUEST_ADDR : "(no NIC)",
		    port);
		wait_quit();
	}
	stop_echod(echod, (int)factor);
	power_off();
	return 0;
}
