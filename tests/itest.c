/*
 * itest: echod's integration tests, over real sockets.
 *
 *   itest [-T factor] [-k] [-s name] -- server-command [args...]
 *	Every case starts its own server: the command plus the case's flags
 *	plus "-p 0"; the port comes from the server's start line.
 *   itest [-T factor] -r addr:port [-r addr:port ...]
 *	The data cases only, against an echod already running with the
 *	default flags (a QEMU guest, a container).
 *
 * -T multiplies every timeout (emulators are slow). -k skips the checks
 * that read the server's /proc/PID (under qemu-user that is QEMU's).
 * -s NAME runs only the cases whose name has NAME in it; -x NAME leaves
 * them out (and says so).
 * Static C with no files needed, so the same program runs on the host,
 * under qemu-user and as the only client inside a QEMU guest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REMOTE 8
#define CASE_SECONDS 300	/* any one case, times -T */
#define PERIOD 1000003	/* a prime: no ring or buffer size divides it */
#define MAX_FLOWS 512
#define ERRBUF 8192

static double scale = 1;	/* -T */
static int no_proc;		/* -k */
static const char *only;	/* -s */
static const char *excluded[8];	/* -x */
static int nexcluded;
static char **server_cmd;	/* after -- */
static int passed, failed, skipped;
static const char *current;	/* the case running, for the alarm */
static pid_t recent[8];		/* servers started lately, for the alarm */
static unsigned nrecent;
static char why[512];		/* the first failure of the current case */

/* ---- time and randomness ---------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/* Seconds until deadline d as a poll timeout, at least 0. */
static int ms_until(double d)
{
	double left = d - now();

	return left > 0 ? (int)(left * 1000) + 1 : 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* A number in [lo, hi]. */
static size_t between(size_t lo, size_t hi)
{
	return lo + (size_t)(rnd() % (hi - lo + 1));
}

static unsigned char *random_bytes(size_t n)
{
	unsigned char *b = malloc(n ? n : 1);
	size_t i;

	if (b == NULL) {
		perror("itest: malloc");
		exit(3);
	}
	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(rnd() >> 24);
	return b;
}

/* ---- failures --------------------------------------------------------- */

static int fail(const char *fmt, ...)
{
	va_list ap;

	if (why[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(why, sizeof why, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A case that cannot run here says why; it is counted as skipped. */
static int skip(const char *reason)
{
	snprintf(why, sizeof why, "%s", reason);
	return 1;
}

#define REQUIRE(cond, ...) do { if (!(cond)) return fail(__VA_ARGS__); } while (0)

/* ---- the server under test -------------------------------------------- */

struct server {
	pid_t pid;
	int err_fd;			/* its stderr */
	unsigned port;
	char err[ERRBUF];		/* what it wrote to stderr */
	size_t errlen;
};

/* The address the case talks to, and the server if we started it. */
struct ctx {
	struct sockaddr_storage addr;
	socklen_t len;
	struct server *srv;		/* NULL in remote mode */
};

/* Move whatever the server wrote to stderr into srv->err. */
static void collect(struct server *s, int timeout_ms)
{
	struct pollfd p = { .fd = s->err_fd, .events = POLLIN };
	ssize_t r;

	while (s->err_fd >= 0 && poll(&p, 1, timeout_ms) == 1) {
		r = read(s->err_fd, s->err + s->errlen, ERRBUF - 1 - s->errlen);
		if (r <= 0) {
			close(s->err_fd);
			s->err_fd = -1;
			break;
		}
		s->errlen += (size_t)r;
		s->err[s->errlen] = '\0';
		if (s->errlen == ERRBUF - 1)
			s->errlen = 0;	/* keep reading: never block the server */
		timeout_ms = 0;
	}
}

/* Wait for a line containing text on the server's stderr. */
static const char *wait_line(struct server *s, const char *text, double secs)
{
	double end = now() + secs * scale;
	const char *hit;

	while ((hit = strstr(s->err, text)) == NULL || strchr(hit, '\n') == NULL) {
		if (s->err_fd < 0 || now() > end)
			return NULL;
		collect(s, ms_until(end));
	}
	return hit;
}

static int split_words(char *flags, char **out, int max)
{
	int n = 0;
	char *w;

	for (w = strtok(flags, " "); w != NULL && n < max; w = strtok(NULL, " "))
		out[n++] = w;
	return n;
}

/* Sockets the next spawn passes as fds 3, 4, ... with LISTEN_FDS. */
static int pass_fd[4], npass;

/* systemd's protocol: LISTEN_FDS from fd 3 on, LISTEN_PID = the server. */
static void pass_sockets(void)
{
	char pid[16], n[16];
	int i, high[4];

	for (i = 0; i < npass; i++)
		high[i] = fcntl(pass_fd[i], F_DUPFD, 100);
	for (i = 0; i < npass; i++)
		dup2(high[i], 3 + i);
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	snprintf(n, sizeof n, "%d", npass);
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", n, 1);
}

static void exec_server(char *flags, int err_fd, const struct rlimit *nofile)
{
	char *argv[64];
	int n = 0, i;

	for (i = 0; server_cmd[i] != NULL && n < 40; i++)
		argv[n++] = server_cmd[i];
	n += split_words(flags, argv + n, 20);
	argv[n] = NULL;
	dup2(err_fd, 1);	/* -h and -V write to stdout */
	dup2(err_fd, 2);
	if (nofile != NULL && setrlimit(RLIMIT_NOFILE, nofile) < 0)
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	if (npass > 0)
		pass_sockets();
	execvp(argv[0], argv);
	dprintf(2, "itest: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Start the server with flags; with port_from_line, learn the port. */
static int spawn(struct server *s, const char *flags, const struct rlimit *nofile)
{
	char buf[256];
	int p[2];

	memset(s, 0, sizeof *s);
	snprintf(buf, sizeof buf, "%s", flags);
	if (pipe2(p, O_CLOEXEC) < 0)
		return fail("pipe: %s", strerror(errno));
	s->pid = fork();
	if (s->pid < 0)
		return fail("fork: %s", strerror(errno));
	if (s->pid == 0)
		exec_server(buf, p[1], nofile);
	recent[nrecent++ % 8] = s->pid;
	close(p[1]);
	s->err_fd = p[0];
	return 0;
}

static int start(struct server *s, const char *flags, const struct rlimit *nofile)
{
	char buf[256];
	const char *line, *end, *p;

	snprintf(buf, sizeof buf, "%s -p 0", flags);
	if (spawn(s, buf, nofile) < 0)
		return -1;
	line = wait_line(s, "listening on ", 10);
	if (line == NULL)
		return fail("no start line from the server; it said: %.300s", s->err);
	/* "listening on [::]:41234 tcp, ...": the port ends the address. */
	line += strlen("listening on ");
	end = strchr(line, ' ');
	for (p = end; p != NULL && p > line && p[-1] != ':'; p--)
		;
	if (p == NULL || sscanf(p, "%u", &s->port) != 1 || s->port == 0)
		return fail("no port in the start line: %.200s", line);
	return 0;
}

/* Wait for the server to exit; its status, or -1 after secs. */
static int reap(struct server *s, double secs)
{
	double end = now() + secs * scale;
	int status;

	for (;;) {
		pid_t r = waitpid(s->pid, &status, WNOHANG);

		if (r == s->pid) {
			s->pid = 0;
			collect(s, 1000);
			return status;
		}
		if (r < 0 || now() > end)
			return -1;
		collect(s, 10);
	}
}

static void kill_hard(struct server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	if (s->err_fd >= 0)
		close(s->err_fd);
	s->err_fd = -1;
}

static int sanitizer_clean(const struct server *s)
{
	REQUIRE(strstr(s->err, "Sanitizer") == NULL &&
	    strstr(s->err, "runtime error") == NULL,
	    "sanitizer report from the server: %.400s", s->err);
	return 0;
}

/* SIGTERM, then it must exit 0 within 2 s, with nothing alarming said. */
static int stop(struct server *s)
{
	int status;

	if (s->pid <= 0)
		return 0;
	kill(s->pid, SIGTERM);
	status = reap(s, 2);
	if (status == -1) {
		kill_hard(s);
		return fail("no exit within 2 s of SIGTERM");
	}
	REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "exit status %d after SIGTERM; stderr: %.300s",
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	    s->err);
	return sanitizer_clean(s);
}

/* ---- /proc of the server ---------------------------------------------- */

/* A line of /proc/PID/status, e.g. "Uid", as text after the colon. */
static int status_line(pid_t pid, const char *field, char *out, size_t size)
{
	char path[64], line[256];
	size_t len = strlen(field);
	FILE *f;
	int found = 0;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (!found && fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			snprintf(out, size, "%s", line + len + 1 + strspn(line + len + 1, " \t"));
			out[strcspn(out, "\n")] = '\0';
			found = 1;
		}
	fclose(f);
	return found ? 0 : -1;
}

/* A size field of /proc/PID/status ("VmSize"), in kB, or -1. */
static long status_kb(pid_t pid, const char *field)
{
	char text[128];

	return status_line(pid, field, text, sizeof text) == 0 ?
	    strtol(text, NULL, 10) : -1;
}

/* utime + stime in clock ticks. */
static long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* After the name: state is field 3, utime 14, stime 15. */
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
	    "%*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

/* ---- client sockets --------------------------------------------------- */

static void set_addr(struct ctx *c, const char *host, unsigned port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&c->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&c->addr;

	memset(&c->addr, 0, sizeof c->addr);
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		c->len = sizeof *in;
	} else {
		inet_pton(AF_INET6, host, &in6->sin6_addr);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		c->len = sizeof *in6;
	}
}

/* A connected non-blocking socket, or -1 with why set. rcvbuf: 0, or a
 * small receive buffer so that the server's sends block early. */
static int dial_rcvbuf(const struct ctx *c, int rcvbuf)
{
	struct pollfd p;
	int fd, err = 0, one = 1;
	socklen_t len = sizeof err;

	fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket: %s", strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (connect(fd, (const struct sockaddr *)&c->addr, c->len) < 0 &&
	    errno != EINPROGRESS) {
		err = errno;
		close(fd);
		return fail("connect: %s", strerror(err));
	}
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, (int)(5000 * scale)) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
		close(fd);
		return fail("connect: %s", err ? strerror(err) : "timed out");
	}
	return fd;
}

static int dial(const struct ctx *c)
{
	return dial_rcvbuf(c, 0);
}

/* Wait up to secs for fd to become readable; 1 if it did. */
static int readable(int fd, double secs)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, (int)(secs * 1000 * scale)) == 1;
}

/* Send all of buf within the deadline. */
static int send_all(int fd, const void *buf, size_t n, double secs)
{
	const char *b = buf;
	double end = now() + secs * scale;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	ssize_t r;

	while (n > 0) {
		r = send(fd, b, n, MSG_NOSIGNAL);
		if (r > 0) {
			b += r;
			n -= (size_t)r;
			continue;
		}
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return fail("send: %s", strerror(errno));
		if (poll(&p, 1, ms_until(end)) != 1)
			return fail("send timed out with %zu bytes left", n);
	}
	return 0;
}

/* Receive exactly n bytes within the deadline. */
static int recv_all(int fd, void *buf, size_t n, double secs)
{
	char *b = buf;
	double end = now() + secs * scale;
	size_t want = n;
	ssize_t r;

	while (n > 0) {
		if (!readable(fd, (end - now()) / scale))
			return fail("timed out after %zu of %zu bytes", want - n, want);
		r = read(fd, b, n);
		if (r == 0)
			return fail("EOF after %zu of %zu bytes", want - n, want);
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return fail("read: %s after %zu of %zu bytes", strerror(errno),
			    want - n, want);
		if (r > 0) {
			b += r;
			n -= (size_t)r;
		}
	}
	return 0;
}

/* 1 if the peer closed (EOF or reset) within secs, 0 if not. */
static int closed_within(int fd, double secs)
{
	double end = now() + secs * scale;
	char buf[4096];
	ssize_t r;

	while (now() < end) {
		if (!readable(fd, (end - now()) / scale))
			return 0;
		r = read(fd, buf, sizeof buf);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			return 1;
	}
	return 0;
}

/* One message there and back. */
static int ping(int fd, const char *msg)
{
	char back[256];
	size_t n = strlen(msg);

	if (send_all(fd, msg, n, 5) < 0 || recv_all(fd, back, n, 5) < 0)
		return -1;
	REQUIRE(memcmp(back, msg, n) == 0, "echo differs: sent '%s'", msg);
	return 0;
}

/* Connect and ping; -1 if either fails. */
static int dial_ping(const struct ctx *c, const char *msg)
{
	int fd = dial(c);

	if (fd < 0)
		return -1;
	if (ping(fd, msg) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- flows: many connections streaming at once ------------------------ */

/*
 * Byte i of a flow is data[i % period]: long streams need no long buffers
 * (QEMU guests are small), and a period that is not a power of two makes
 * a lost or repeated ring's worth of bytes show.
 */
struct flow {
	int fd;
	const unsigned char *data;	/* what to send */
	const unsigned char *expect;	/* what must come back */
	size_t period;
	size_t n, sent, got, maxchunk;
	int shut;			/* shutdown(SHUT_WR) once all is sent */
	int eof;			/* EOF seen after the echo */
};

static void flow_init(struct flow *f, int fd, const unsigned char *data, size_t n,
    size_t maxchunk)
{
	memset(f, 0, sizeof *f);
	f->fd = fd;
	f->data = f->expect = data;
	f->period = n;
	f->n = n;
	f->maxchunk = maxchunk;
}

static int flow_done(const struct flow *f)
{
	return f->got == f->n && (!f->shut || f->eof);
}

static int flow_send(struct flow *f)
{
	size_t chunk = between(1, f->maxchunk), at = f->sent % f->period;
	ssize_t r;

	if (chunk > f->n - f->sent)
		chunk = f->n - f->sent;
	if (chunk > f->period - at)
		chunk = f->period - at;
	r = send(f->fd, f->data + at, chunk, MSG_NOSIGNAL);
	if (r < 0 && errno != EAGAIN && errno != EINTR)
		return fail("send after %zu bytes: %s", f->sent, strerror(errno));
	if (r > 0)
		f->sent += (size_t)r;
	if (f->sent == f->n && f->shut && shutdown(f->fd, SHUT_WR) < 0)
		return fail("shutdown: %s", strerror(errno));
	return 0;
}

static int flow_recv(struct flow *f)
{
	unsigned char buf[65536];
	ssize_t r = read(f->fd, buf, sizeof buf);
	size_t done, at, piece;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r < 0)
		return fail("read after %zu of %zu bytes: %s", f->got, f->n,
		    strerror(errno));
	if (r == 0) {
		REQUIRE(f->got == f->n, "EOF after %zu of %zu bytes", f->got, f->n);
		f->eof = 1;
		return 0;
	}
	REQUIRE(f->got + (size_t)r <= f->n, "%zu bytes more than sent",
	    f->got + (size_t)r - f->n);
	for (done = 0; done < (size_t)r; done += piece) {
		at = (f->got + done) % f->period;
		piece = (size_t)r - done < f->period - at ? (size_t)r - done :
		    f->period - at;
		REQUIRE(memcmp(buf + done, f->expect + at, piece) == 0,
		    "wrong bytes at offset %zu of %zu", f->got + done, f->n);
	}
	f->got += (size_t)r;
	return 0;
}

/* Drive all flows until each has its echo back (and EOF when shut). */
static int pump(struct flow *f, int nf, double secs)
{
	static struct pollfd p[MAX_FLOWS];
	double end = now() + secs * scale;
	int i, busy;

	for (;;) {
		busy = 0;
		for (i = 0; i < nf; i++) {
			p[i].fd = flow_done(&f[i]) ? -1 : f[i].fd;
			p[i].events = POLLIN | (f[i].sent < f[i].n ? POLLOUT : 0);
			busy += p[i].fd >= 0;
		}
		if (busy == 0)
			return 0;
		if (poll(p, (nfds_t)nf, ms_until(end)) <= 0) {
			for (i = 0; i < nf && flow_done(&f[i]); i++)
				;
			return fail("timed out: %d flows unfinished, flow %d at "
			    "%zu sent, %zu of %zu back", busy, i, f[i].sent,
			    f[i].got, f[i].n);
		}
		for (i = 0; i < nf; i++) {
			if (p[i].revents & POLLOUT && flow_send(&f[i]) < 0)
				return -1;
			if (p[i].revents & (POLLIN | POLLHUP | POLLERR) &&
			    flow_recv(&f[i]) < 0)
				return -1;
		}
	}
}

/* ---- the cases -------------------------------------------------------- */

/* Random sizes, random chunking, every byte checked. */
static int t_echo(struct ctx *c)
{
	struct flow f;
	int round, fd, rc = 0;

	for (round = 0; round < 24 && rc == 0; round++) {
		size_t n = round < 4 ? between(1, 16) : between(1, 300000);
		size_t chunk = round % 3 == 0 ? between(1, 7) : between(1, 65536);
		unsigned char *data;

		if (n > 20000 && chunk < 8)
			chunk = between(512, 4096);	/* bound the syscalls */
		if ((fd = dial(c)) < 0)
			return -1;
		data = random_bytes(n);
		flow_init(&f, fd, data, n, chunk);
		rc = pump(&f, 1, 20);
		close(fd);
		free(data);
	}
	return rc;
}

/* clients connections at once, each echoing its own size bytes. */
static int many(const struct ctx *c, int clients, size_t size, size_t chunk)
{
	static struct flow f[MAX_FLOWS];
	unsigned char *data = random_bytes((size_t)clients * size);
	int n, rc = 0;

	for (n = 0; n < clients; n++) {
		int fd = dial(c);

		if (fd < 0) {
			rc = -1;
			break;
		}
		flow_init(&f[n], fd, data + (size_t)n * size, size, chunk);
	}
	if (rc == 0)
		rc = pump(f, clients, 60);
	while (n-- > 0)
		close(f[n].fd);
	free(data);
	return rc;
}

/* Hundreds of clients at once, each with its own data. */
static int t_many(struct ctx *c)
{
	return many(c, 300, 20000, 3000);
}

/* Write without reading until the server stops taking data; count it. */
static size_t write_until_stall(int fd, const unsigned char *data, size_t n,
    double quiet)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	size_t sent = 0, at, chunk;
	ssize_t r;

	while (sent < n) {
		at = sent % PERIOD;
		chunk = PERIOD - at < 65536 ? PERIOD - at : 65536;
		r = send(fd, data + at, chunk, MSG_NOSIGNAL);
		if (r > 0) {
			sent += (size_t)r;
			continue;
		}
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (poll(&p, 1, (int)(quiet * 1000 * scale)) == 0)
			break;		/* nothing moved for a while: a stall */
	}
	return sent;
}

/* Read back the echo of the sent bytes of a PERIOD pattern. */
static int finish_flow(int fd, const unsigned char *data, size_t sent,
    double secs)
{
	struct flow f;

	flow_init(&f, fd, data, sent, 65536);
	f.period = PERIOD;
	f.sent = sent;
	return pump(&f, 1, secs);
}

/*
 * A client writes megabytes before reading. The server must stop reading
 * (the client's send stalls) and keep its memory fixed, then deliver every
 * byte once the client reads.
 */
static int t_backpressure(struct ctx *c)
{
	const size_t n = 256u << 20;
	unsigned char *data = random_bytes(PERIOD);
	long size0 = -1, rss0 = -1, size1, rss1;
	size_t sent;
	int fd, rc;

	if ((fd = dial(c)) < 0) {
		free(data);
		return -1;
	}
	if (c->srv != NULL && !no_proc) {
		size0 = status_kb(c->srv->pid, "VmSize");
		rss0 = status_kb(c->srv->pid, "VmRSS");
	}
	sent = write_until_stall(fd, data, n, 0.5);
	rc = sent < n ? 0 : fail("no stall after %zu bytes: no backpressure", n);
	if (rc == 0 && size0 >= 0) {
		size1 = status_kb(c->srv->pid, "VmSize");
		rss1 = status_kb(c->srv->pid, "VmRSS");
		if (size1 != size0)
			rc = fail("VmSize %ld kB -> %ld kB while stalled", size0, size1);
		else if (rss1 - rss0 > 1024)
			rc = fail("VmRSS %ld -> %ld kB with %zu bytes in flight",
			    rss0, rss1, sent);
	}
	if (rc == 0)
		rc = finish_flow(fd, data, sent, 120);
	close(fd);
	free(data);
	return rc;
}

/* A client that never reads must not hold up the others. */
static int t_slow_reader(struct ctx *c)
{
	const size_t n = 256u << 20;
	unsigned char *data = random_bytes(PERIOD);
	char msg[32];
	int slow, fast = -1, i, rc = 0;
	size_t sent;

	if ((slow = dial(c)) < 0) {
		free(data);
		return -1;
	}
	sent = write_until_stall(slow, data, n, 0.3);
	if ((fast = dial(c)) < 0)
		rc = -1;
	for (i = 0; i < 200 && rc == 0; i++) {
		snprintf(msg, sizeof msg, "ping %d\n", i);
		rc = ping(fast, msg);
	}
	if (rc == 0)
		rc = finish_flow(slow, data, sent, 120);
	close(slow);
	if (fast >= 0)
		close(fast);
	free(data);
	return rc;
}

/* Send n bytes (and FIN) before reading anything back, then read it all. */
static int half_close_one(const struct ctx *c, const unsigned char *data,
    size_t period, size_t n)
{
	struct pollfd p = { .events = POLLOUT };
	struct flow f;
	int fd, rc = 0;

	if ((fd = dial_rcvbuf(c, 4096)) < 0)
		return -1;
	flow_init(&f, fd, data, n, 65536);
	f.period = period;
	f.shut = 1;
	p.fd = fd;
	while (rc == 0 && f.sent < f.n && poll(&p, 1, (int)(300 * scale)) == 1)
		rc = flow_send(&f);
	nap(0.2);
	if (rc == 0)
		rc = pump(&f, 1, 60);
	close(fd);
	return rc;
}

/* After the client's FIN, everything sent is still echoed, then EOF. */
static int t_half_close(struct ctx *c)
{
	size_t sizes[] = { 1, 4095, 4096, 4097, 100000, 1000000 };
	unsigned char *data;
	unsigned i;
	int rc = 0;

	for (i = 0; i < sizeof sizes / sizeof sizes[0] && rc == 0; i++) {
		data = random_bytes(sizes[i]);
		rc = half_close_one(c, data, sizes[i], sizes[i]);
		free(data);
	}
	return rc;
}

/*
 * With a ring larger than the data (-b 16 MiB), the server reads the FIN
 * while megabytes of echo still wait in its ring: socket buffers on
 * loopback grow to 4 MiB, so 12 MiB cannot all have left.
 */
static int t_half_close_ring(struct ctx *c)
{
	unsigned char *data = random_bytes(PERIOD);
	int rc = half_close_one(c, data, PERIOD, 12u << 20);

	free(data);
	return rc;
}

/* The tutorial's transform, per line, however TCP splits the stream. */
static int t_capitalize(struct ctx *c)
{
	const char *in = "hELLO wORLD\nfOO\n", *want = "Hello world\nFoo\n";
	char back[64];
	size_t i, n = strlen(in);
	int fd = dial(c), rc = 0;

	if (fd < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		rc = send_all(fd, in + i, 1, 5);
		nap(0.002);	/* separate segments */
	}
	if (rc == 0)
		rc = recv_all(fd, back, n, 5);
	close(fd);
	if (rc == 0)
		REQUIRE(memcmp(back, want, n) == 0, "got '%.*s'", (int)n, back);
	return rc;
}

/* A longer random text in random pieces against a reference transform. */
static int t_capitalize_random(struct ctx *c)
{
	const size_t n = 200000;
	unsigned char *in = random_bytes(n), *want = malloc(n);
	struct flow f;
	size_t i;
	int line_start = 1, fd, rc;

	for (i = 0; i < n; i++) {
		static const char alphabet[] = "aZ\nqQ \xe9M1";

		in[i] = (unsigned char)alphabet[in[i] % (sizeof alphabet - 1)];
		want[i] = in[i];
		if (line_start && in[i] >= 'a' && in[i] <= 'z')
			want[i] = in[i] - 32;
		if (!line_start && in[i] >= 'A' && in[i] <= 'Z')
			want[i] = in[i] + 32;
		line_start = in[i] == '\n';
	}
	if ((fd = dial(c)) < 0) {
		free(in);
		free(want);
		return -1;
	}
	flow_init(&f, fd, in, n, 5000);
	f.expect = want;
	rc = pump(&f, 1, 30);
	close(fd);
	free(in);
	free(want);
	return rc;
}

/* With -c 4: a fifth client is closed at once, the four go on. */
static int t_slots_full(struct ctx *c)
{
	int fd[4], extra, i, rc = 0;
	double end;

	for (i = 0; i < 4; i++) {
		fd[i] = dial_ping(c, "held\n");
		if (fd[i] < 0) {
			while (i-- > 0)
				close(fd[i]);
			return -1;
		}
	}
	if ((extra = dial(c)) < 0)
		rc = -1;
	else if (!closed_within(extra, 3))
		rc = fail("fifth client not closed within 3 s with 4 slots");
	if (extra >= 0)
		close(extra);
	for (i = 0; i < 4 && rc == 0; i++)
		rc = ping(fd[i], "still here\n");
	close(fd[0]);
	/* The freed slot serves a new client once the server saw the close. */
	end = now() + 5 * scale;
	while (rc == 0) {
		why[0] = '\0';
		extra = dial_ping(c, "new\n");
		if (extra >= 0) {
			close(extra);
			break;
		}
		if (now() > end)
			rc = fail("no slot came back after a client left");
		nap(0.05);
	}
	for (i = 1; i < 4; i++)
		close(fd[i]);
	return rc;
}

/* With -t 1: the idle client is closed, the chatty one is not. */
static int t_idle_timeout(struct ctx *c)
{
	int idle = dial_ping(c, "then quiet\n"), busy = dial_ping(c, "chat\n");
	double t0 = now(), closed_at = 0;
	int rc = 0;

	if (idle < 0 || busy < 0)
		rc = -1;
	/* Until the idle one is gone and the busy one outlived -t 1 twice. */
	while (rc == 0 && now() - t0 < 3.5 * scale &&
	    (closed_at == 0 || now() - t0 < 2.0)) {
		rc = ping(busy, "still talking\n");
		/* Unscaled: the busy client must speak well within -t 1. */
		if (rc == 0 && closed_at == 0 && closed_within(idle, 0.2 / scale))
			closed_at = now() - t0;
	}
	if (rc == 0 && closed_at == 0)
		rc = fail("idle client not closed within 3.5 s of -t 1");
	if (rc == 0 && closed_at < 0.9)
		rc = fail("idle client closed after %.2f s, before -t 1", closed_at);
	if (idle >= 0)
		close(idle);
	if (busy >= 0)
		close(busy);
	return rc;
}

static void reset_close(int fd)
{
	struct linger l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(fd);
}

/* Hundreds of resets mid-stream; afterwards every slot still works. */
static int t_rst_storm(struct ctx *c)
{
	enum { WAVES = 10, PER = 50, SLOTS = 64 };
	static unsigned char junk[100000];
	int fd[SLOTS], wave, i, n;
	double end;

	for (wave = 0; wave < WAVES; wave++) {
		for (n = 0; n < PER; n++) {
			if ((fd[n % SLOTS] = dial(c)) < 0)
				return -1;
			/* Some reset with data in flight both ways. */
			send(fd[n % SLOTS], junk, between(0, sizeof junk), MSG_NOSIGNAL);
			reset_close(fd[n % SLOTS]);
		}
	}
	/* All -c 64 slots must come back: 64 clients at once. */
	end = now() + 10 * scale;
	for (;;) {
		why[0] = '\0';
		for (i = 0; i < SLOTS; i++)
			if ((fd[i] = dial_ping(c, "after the storm\n")) < 0)
				break;
		n = i;
		while (i-- > 0)
			close(fd[i]);
		if (n == SLOTS || now() > end)
			break;
		nap(0.1);
	}
	return n == SLOTS ? 0 : fail("%d of %d clients served after the storm: %s",
	    n, SLOTS, why);
}

/* VmSize is fixed at start-up: load must not change it. */
static int t_vmsize(struct ctx *c)
{
	enum { CLIENTS = 200, SIZE = 50000 };
	static struct flow f[CLIENTS];
	unsigned char *data;
	long before, during, after;
	int i, rc = 0;

	if (no_proc)
		return skip("-k: no /proc of the server");
	before = status_kb(c->srv->pid, "VmSize");
	REQUIRE(before > 0, "no VmSize for pid %d", (int)c->srv->pid);
	data = random_bytes(CLIENTS * SIZE);
	for (i = 0; i < CLIENTS && rc == 0; i++) {
		int fd = dial(c);

		if (fd < 0)
			rc = -1;
		else
			flow_init(&f[i], fd, data + i * SIZE, SIZE, 7000);
	}
	if (rc == 0)
		rc = pump(f, CLIENTS / 2, 60);
	during = status_kb(c->srv->pid, "VmSize");
	if (rc == 0)
		rc = pump(f + CLIENTS / 2, CLIENTS - CLIENTS / 2, 60);
	while (i-- > 0)
		close(f[i].fd);
	free(data);
	nap(0.2);
	after = status_kb(c->srv->pid, "VmSize");
	if (rc == 0 && (during != before || after != before))
		rc = fail("VmSize %ld -> %ld -> %ld kB", before, during, after);
	return rc;
}

/* SIGTERM with clients connected: exit 0 within 2 s. */
static int t_signal(struct ctx *c, int sig)
{
	int fd = dial_ping(c, "hello\n"), status;

	if (fd < 0)
		return -1;
	kill(c->srv->pid, sig);
	status = reap(c->srv, 2);
	close(fd);
	REQUIRE(status != -1, "still running 2 s after signal %d", sig);
	REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "status %#x after signal %d", status, sig);
	return sanitizer_clean(c->srv);
}

static int t_sigterm(struct ctx *c)
{
	return t_signal(c, SIGTERM);
}

static int t_sigint(struct ctx *c)
{
	return t_signal(c, SIGINT);
}

/* ---- cases that start their own server -------------------------------- */

/* Run the server with flags to its exit; its status and stderr. */
static int run_to_exit(const char *flags, struct server *s)
{
	int status;

	if (spawn(s, flags, NULL) < 0)
		return -1;
	status = reap(s, 5);
	if (status == -1) {
		kill_hard(s);
		return fail("'%s' did not exit", flags);
	}
	kill_hard(s);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static int t_bad_usage(struct ctx *c)
{
	static const char *const bad[][2] = {
		{ "-p 70000", "-p" }, { "-p 12x", "-p" }, { "-c 0", "-c" },
		{ "-b 3", "-b" }, { "-b 1000", "-b" }, { "-m shout", "-m" },
		{ "-t -1", "-t" }, { "-l nowhere", "-l" }, { "-x", "-x" },
		{ "-p", "-p" }, { "-Z", "-Z" }, { "stray", "stray" },
	};
	struct server s;
	unsigned i;
	int st;

	(void)c;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		st = run_to_exit(bad[i][0], &s);
		REQUIRE(st == 2, "'%s' exited %d, not 2", bad[i][0], st);
		REQUIRE(count_lines(s.err) == 1 && strstr(s.err, bad[i][1]),
		    "'%s' said: %s", bad[i][0], s.err);
		REQUIRE(sanitizer_clean(&s) == 0, "%s", why);
	}
	st = run_to_exit("-V", &s);
	REQUIRE(st == 0 && strncmp(s.err, "echod ", 6) == 0, "-V exited %d: %s",
	    st, s.err);
	st = run_to_exit("-h", &s);
	REQUIRE(st == 0 && strncmp(s.err, "usage: echod", 12) == 0,
	    "-h exited %d: %.100s", st, s.err);
	return 0;
}

/* A port already taken: exit 1 naming the address and the error. */
static int t_port_in_use(struct ctx *c)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	struct server s;
	char flags[64], name[64];
	int fd, st, one = 1;

	(void)c;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    listen(fd, 1) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return fail("could not hold a port: %s", strerror(errno));
	snprintf(flags, sizeof flags, "-l 127.0.0.1 -p %u", ntohs(a.sin_port));
	snprintf(name, sizeof name, "127.0.0.1:%u", ntohs(a.sin_port));
	st = run_to_exit(flags, &s);
	close(fd);
	REQUIRE(st == 1, "exit %d with the port in use, not 1", st);
	REQUIRE(strstr(s.err, name) && strstr(s.err, "in use"),
	    "message lacks the address or error: %s", s.err);
	/* An address this host does not have. */
	st = run_to_exit("-l 192.0.2.1 -p 0", &s);
	REQUIRE(st == 1, "exit %d binding 192.0.2.1, not 1", st);
	REQUIRE(strstr(s.err, "192.0.2.1") != NULL, "said: %s", s.err);
	return 0;
}

/*
 * Out of descriptors (RLIMIT_NOFILE 24 for 64 slots): extra clients are
 * closed at once, the server does not spin, and it recovers.
 */
static int t_emfile(struct ctx *c)
{
	enum { HOLD = 40 };
	struct rlimit lim = { 24, 24 };
	struct server s;
	int fd[HOLD], served = 0, refused = 0, i, rc = 0;
	long t0, t1;
	double w0;

	(void)c;
	if (start(&s, "-c 64 -t 0", &lim) < 0) {
		kill_hard(&s);
		return -1;
	}
	struct ctx cc = { .srv = &s };

	set_addr(&cc, "127.0.0.1", s.port);
	for (i = 0; i < HOLD; i++) {
		why[0] = '\0';
		fd[i] = dial(&cc);
		if (fd[i] >= 0 && ping(fd[i], "x\n") == 0)
			served++;
		else
			refused++;
	}
	why[0] = '\0';
	if (served < 5 || refused < 5)
		rc = fail("served %d, refused %d: expected both", served, refused);
	/* Clients keep knocking; the server must sleep, not spin. */
	t0 = no_proc ? 0 : cpu_ticks(s.pid);
	w0 = now();
	while (rc == 0 && now() - w0 < 1.5) {
		int k = dial(&cc);

		if (k >= 0 && !closed_within(k, 2))
			rc = fail("client not closed promptly while out of fds");
		if (k >= 0)
			close(k);
		why[0] = rc ? why[0] : '\0';
		nap(0.05);
	}
	t1 = no_proc ? 0 : cpu_ticks(s.pid);
	if (rc == 0 && t1 - t0 > (long)(0.3 * 1.5 * sysconf(_SC_CLK_TCK)))
		rc = fail("server used %ld ticks in 1.5 s out of fds: spinning",
		    t1 - t0);
	for (i = 0; i < HOLD; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	/* Recovery: descriptors are back, so new clients are served. */
	for (i = 0; rc == 0 && i < 10; i++) {
		int k;
		double end = now() + 5 * scale;

		while ((k = dial_ping(&cc, "back\n")) < 0 && now() < end)
			nap(0.05);
		if (k < 0)
			rc = fail("not served after descriptors came back");
		else
			close(k);
		why[0] = rc ? why[0] : '\0';
	}
	if (stop(&s) < 0)
		rc = -1;
	kill_hard(&s);
	return rc;
}

/* -q: no start line, still serving. */
static int t_quiet(struct ctx *c)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	struct server s;
	char flags[64];
	int fd, k = -1, rc = 0;
	double end;

	(void)c;
	/* Borrow a free port from the kernel. */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return fail("no free port: %s", strerror(errno));
	close(fd);
	snprintf(flags, sizeof flags, "-q -p %u", ntohs(a.sin_port));
	if (spawn(&s, flags, NULL) < 0)
		return -1;
	struct ctx cc = { .srv = &s };

	set_addr(&cc, "::1", ntohs(a.sin_port));
	end = now() + 10 * scale;
	while ((k = dial_ping(&cc, "quiet\n")) < 0 && now() < end && s.pid > 0)
		nap(0.05);
	if (k < 0)
		rc = -1;
	else
		close(k);
	why[0] = rc ? why[0] : '\0';
	if (stop(&s) < 0)
		rc = -1;
	if (rc == 0 && strstr(s.err, "listening on"))
		rc = fail("-q still said: %s", s.err);
	kill_hard(&s);
	return rc;
}

/* The health-check mode against a live server and a dead port. */
static int t_probe(struct ctx *c)
{
	struct server p;
	char flags[64];
	int st;

	snprintf(flags, sizeof flags, "-P 127.0.0.1:%u", c->srv->port);
	st = run_to_exit(flags, &p);
	REQUIRE(st == 0, "probe of a live server exited %d: %s", st, p.err);
	snprintf(flags, sizeof flags, "-P [::1]:%u", c->srv->port);
	st = run_to_exit(flags, &p);
	REQUIRE(st == 0, "probe over ::1 exited %d: %s", st, p.err);
	stop(c->srv);
	snprintf(flags, sizeof flags, "-P 127.0.0.1:%u", c->srv->port);
	st = run_to_exit(flags, &p);
	REQUIRE(st == 1, "probe of a stopped server exited %d", st);
	return 0;
}

/* ---- counters, UDP, limits, workers, socket activation --------------- */

/* SIGUSR1, then the values of keys[] from the counters line it brings. */
static int counters(struct server *s, const char *const *keys, long long *v,
    int n)
{
	double end = now() + 5 * scale;
	size_t from = s->errlen;
	const char *line = NULL, *eol = NULL, *at;
	char pat[64];
	int i;

	kill(s->pid, SIGUSR1);
	while (eol == NULL) {
		line = strstr(s->err + from, "accepted ");
		eol = line ? strstr(line, "udp_dropped") : NULL;
		eol = eol ? strchr(eol, '\n') : NULL;
		if (eol == NULL && (s->err_fd < 0 || now() > end))
			return fail("no counters line after SIGUSR1: %.300s",
			    s->err + from);
		if (eol == NULL)
			collect(s, 50);
	}
	for (i = 0; i < n; i++) {
		snprintf(pat, sizeof pat, " %s ", keys[i]);
		at = strstr(line - 1, pat);
		if (at == NULL || at > eol ||
		    sscanf(at + strlen(pat), "%lld", &v[i]) != 1)
			return fail("no '%s' in the counters: %.300s", keys[i], line);
	}
	return 0;
}

static int udp_socket(const struct ctx *c, unsigned from_port)
{
	struct sockaddr_storage me = { .ss_family = c->addr.ss_family };
	int fd = socket(c->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return fail("udp socket: %s", strerror(errno));
	if (from_port != 0) {
		int one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		((struct sockaddr_in *)&me)->sin_port = htons((uint16_t)from_port);
		if (bind(fd, (struct sockaddr *)&me, c->len) < 0) {
			close(fd);
			return -2;	/* not root: cannot use a small port */
		}
	}
	if (connect(fd, (const struct sockaddr *)&c->addr, c->len) < 0) {
		close(fd);
		return fail("udp connect: %s", strerror(errno));
	}
	return fd;
}

/* n bytes out, the same n bytes back within secs; 0 on a clean echo. */
static int udp_ping(int fd, const unsigned char *msg, size_t n, double secs)
{
	unsigned char back[4096];
	ssize_t r;

	if (send(fd, msg, n, 0) != (ssize_t)n)
		return fail("udp send %zu bytes: %s", n, strerror(errno));
	if (!readable(fd, secs))
		return fail("no udp echo of %zu bytes within %.1f s", n, secs * scale);
	r = recv(fd, back, sizeof back, 0);
	REQUIRE(r == (ssize_t)n && memcmp(back, msg, n) == 0,
	    "udp echo of %zu bytes came back as %zd different bytes", n, r);
	return 0;
}

/* Datagrams of every size up to the limit come back verbatim. */
static int t_udp(struct ctx *c)
{
	unsigned char *msg = random_bytes(2048);
	size_t sizes[] = { 0, 1, 2, 100, 1472, 2047, 2048 };
	unsigned i;
	int fd = udp_socket(c, 0), rc = 0;

	if (fd < 0) {
		free(msg);
		return -1;
	}
	for (i = 0; i < sizeof sizes / sizeof sizes[0] && rc == 0; i++)
		rc = udp_ping(fd, msg, sizes[i], 5);
	/* A burst: every datagram back, in a batch or several. */
	for (i = 0; i < 32 && rc == 0; i++)
		if (send(fd, msg + i, 64, 0) != 64)
			rc = fail("udp send: %s", strerror(errno));
	for (i = 0; i < 32 && rc == 0; i++) {
		unsigned char back[128];

		if (!readable(fd, 5) || recv(fd, back, sizeof back, 0) != 64 ||
		    memcmp(back, msg + i, 64) != 0)
			rc = fail("burst datagram %u of 32 missing or wrong", i);
	}
	/* TCP on the same port still works. */
	if (rc == 0) {
		int t = dial_ping(c, "tcp too\n");

		rc = t < 0 ? -1 : 0;
		if (t >= 0)
			close(t);
	}
	close(fd);
	free(msg);
	return rc;
}

/*
 * Datagrams from another small service's port are never answered, so two
 * echo services cannot bounce one spoofed packet forever.
 */
static int t_udp_loop(struct ctx *c)
{
	static const unsigned ports[] = { 7, 19 };
	unsigned char msg[8] = "loop?";
	unsigned i;
	int fd, rc = 0;

	for (i = 0; i < 2 && rc == 0; i++) {
		fd = udp_socket(c, ports[i]);
		if (fd == -2)
			return skip("binding a port below 1024 needs root");
		if (fd < 0)
			return -1;
		if (send(fd, msg, sizeof msg, 0) != sizeof msg)
			rc = fail("udp send: %s", strerror(errno));
		else if (readable(fd, 0.5))
			rc = fail("answered a datagram from port %u", ports[i]);
		close(fd);
	}
	/* The same from an ordinary port is answered. */
	if (rc == 0 && (fd = udp_socket(c, 0)) >= 0) {
		rc = udp_ping(fd, msg, sizeof msg, 5);
		close(fd);
	}
	return rc;
}

/* SIGUSR1 counts what happened: with -c 1 -t 1 a reject and a timeout. */
static int t_counters(struct ctx *c)
{
	static const char *const keys[] = { "accepted", "active",
	    "rejected_full", "timed_out", "bytes_in", "bytes_out" };
	unsigned char *data = random_bytes(10000);
	long long v[6] = { 0 };
	struct flow f;
	int a, b, rc;

	if ((a = dial(c)) < 0) {
		free(data);
		return -1;
	}
	flow_init(&f, a, data, 10000, 999);
	rc = pump(&f, 1, 10);
	if (rc == 0 && (b = dial(c)) >= 0) {	/* one slot: refused */
		if (!closed_within(b, 3))
			rc = fail("second client not refused with -c 1");
		close(b);
	}
	if (rc == 0)
		rc = counters(c->srv, keys, v, 2);
	if (rc == 0 && (v[0] != 1 || v[1] != 1))
		rc = fail("accepted %lld active %lld, not 1 and 1", v[0], v[1]);
	if (rc == 0 && !closed_within(a, 4))
		rc = fail("idle client not timed out with -t 1");
	if (rc == 0)
		rc = counters(c->srv, keys, v, 6);
	if (rc == 0 && (v[1] != 0 || v[2] != 1 || v[3] != 1 ||
	    v[4] != 10000 || v[5] != 10000))
		rc = fail("active %lld rejected_full %lld timed_out %lld bytes "
		    "%lld/%lld, not 0 1 1 10000/10000", v[1], v[2], v[3], v[4], v[5]);
	close(a);
	free(data);
	return rc;
}

/* "Max open files" soft limit from /proc/PID/limits. */
static long nofile_soft(pid_t pid)
{
	char path[64], line[256];
	long soft = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/limits", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "Max open files", 14) == 0)
			soft = strtol(line + 14, NULL, 10);
	fclose(f);
	return soft;
}

/* The soft fd limit rises to what -c needs; short of it, one warning. */
static int t_fd_limit(struct ctx *c)
{
	struct rlimit low = { 64, 4096 }, capped = { 64, 64 };
	struct server s;
	long soft;
	int rc = 0;

	(void)c;
	if (start(&s, "-c 2000", &low) < 0) {
		kill_hard(&s);
		return -1;
	}
	soft = no_proc ? 2016 : nofile_soft(s.pid);
	if (soft < 2000)
		rc = fail("soft RLIMIT_NOFILE %ld with -c 2000 (hard 4096)", soft);
	if (rc == 0 && strstr(s.err, "slots need"))
		rc = fail("warned although the hard limit allows it: %s", s.err);
	if (stop(&s) < 0)
		rc = -1;
	kill_hard(&s);
	if (rc != 0)
		return rc;
	if (start(&s, "-c 2000", &capped) < 0) {
		kill_hard(&s);
		return -1;
	}
	if (!strstr(s.err, "2000 slots need") || !strstr(s.err, "limit is 64"))
		rc = fail("no warning with hard limit 64: %s", s.err);
	if (stop(&s) < 0)
		rc = -1;
	kill_hard(&s);
	return rc;
}

/* The pid a "worker N: pid P started" line names, the last such line. */
static pid_t worker_pid(const struct server *s, int n, size_t from)
{
	char pat[32];
	const char *p = s->err + from, *hit = NULL;
	int pid = 0;

	snprintf(pat, sizeof pat, "worker %d: pid ", n);
	while ((p = strstr(p, pat)) != NULL) {
		if (strstr(p, " started") == strchr(p, '\n') - 8)
			hit = p;
		p++;
	}
	if (hit == NULL || sscanf(hit + strlen(pat), "%d", &pid) != 1)
		return 0;
	return pid;
}

/* Wait for worker n to be (re)started after errlen from; its pid. */
static pid_t wait_worker(struct server *s, int n, size_t from, double secs)
{
	double end = now() + secs * scale;
	pid_t pid;

	while ((pid = worker_pid(s, n, from)) == 0 && now() < end &&
	    s->err_fd >= 0)
		collect(s, 50);
	return pid;
}

/*
 * -w 2: both workers serve, a killed worker is replaced while the other
 * keeps serving, SIGTERM stops all.
 */
static int t_workers(struct ctx *c)
{
	struct server *s = c->srv;
	pid_t w0, w1, again;
	size_t mark;
	int rc;

	REQUIRE(strstr(s->err, "2 workers x "), "start line: %.200s", s->err);
	w0 = wait_worker(s, 0, 0, 5);
	w1 = wait_worker(s, 1, 0, 5);
	REQUIRE(w0 > 0 && w1 > 0 && w0 != w1, "worker pids %d %d", (int)w0,
	    (int)w1);
	if ((rc = many(c, 200, 1000, 100)) < 0)
		return rc;
	/* Both took a share: SO_REUSEPORT spread the clients. */
	mark = s->errlen;
	kill(s->pid, SIGUSR1);
	REQUIRE(wait_line(s, "udp_dropped", 5), "no counters after SIGUSR1");
	nap(0.3 * scale);
	collect(s, 0);
	REQUIRE(strstr(strstr(s->err + mark, "udp_dropped") + 1, "udp_dropped"),
	    "not every worker answered SIGUSR1: %s", s->err + mark);
	mark = s->errlen;
	REQUIRE(kill(w0, SIGKILL) == 0, "kill worker 0: %s", strerror(errno));
	if ((rc = many(c, 100, 1000, 100)) < 0)
		return rc;
	again = wait_worker(s, 0, mark, 10);
	REQUIRE(again > 0 && again != w0, "worker 0 not replaced: %s",
	    s->err + mark);
	REQUIRE(strstr(s->err + mark, "killed by signal 9"), "death not logged");
	if ((rc = many(c, 200, 1000, 100)) < 0)
		return rc;
	if (stop(s) < 0)
		return -1;
	REQUIRE(kill(again, 0) < 0 && kill(w1, 0) < 0, "a worker outlived SIGTERM");
	return 0;
}

/* Listening sockets passed as systemd does: used, none bound anew. */
static int t_activation(struct ctx *c)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	struct server s;
	char flags[64];
	int tcp, udp, fd, rc = 0, one = 1;
	unsigned port;

	(void)c;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (tcp < 0 || udp < 0 || bind(tcp, (struct sockaddr *)&a, sizeof a) < 0 ||
	    listen(tcp, 16) < 0 || getsockname(tcp, (struct sockaddr *)&a, &len) < 0 ||
	    bind(udp, (struct sockaddr *)&a, sizeof a) < 0)
		return fail("sockets to pass: %s", strerror(errno));
	port = ntohs(a.sin_port);
	/* Binding this port itself would fail: we hold it. */
	snprintf(flags, sizeof flags, "-l 127.0.0.1 -p %u", port);
	pass_fd[0] = tcp;
	pass_fd[1] = udp;
	npass = 2;
	rc = spawn(&s, flags, NULL);
	npass = 0;
	if (rc == 0 && !wait_line(&s, "LISTEN_FDS", 10))
		rc = fail("no start line naming LISTEN_FDS: %s", s.err);
	struct ctx cc = { .srv = &s };

	set_addr(&cc, "127.0.0.1", port);
	if (rc == 0 && (fd = dial_ping(&cc, "activated\n")) >= 0)
		close(fd);
	else if (rc == 0)
		rc = -1;
	if (rc == 0 && (fd = udp_socket(&cc, 0)) >= 0) {
		rc = udp_ping(fd, (const unsigned char *)"dgram", 5, 5);
		close(fd);
	}
	if (stop(&s) < 0)
		rc = -1;
	kill_hard(&s);
	close(tcp);
	close(udp);
	return rc;
}

/* ---- confinement ------------------------------------------------------ */

/* Does this server build have a seccomp filter? Its -V says. */
static int has_seccomp(void)
{
	struct server v;

	return run_to_exit("-V", &v) == 0 && strstr(v.err, "(seccomp)") != NULL;
}

static int expect_status(pid_t pid, const char *field, const char *want)
{
	char got[128];

	REQUIRE(status_line(pid, field, got, sizeof got) == 0 &&
	    strcmp(got, want) == 0, "pid %d %s: '%s', not '%s'", (int)pid, field,
	    got, want);
	return 0;
}

/*
 * The filter is on (Seccomp: 2) and the server still echoes; -S turns it
 * off. Every other case runs with it on too.
 */
static int t_seccomp(struct ctx *c)
{
	struct server s;
	struct ctx off = *c;
	int fd, rc;

	if (no_proc)
		return skip("-k: no /proc of the server");
	if (!has_seccomp())
		return skip("this build has no seccomp filter (-V)");
	if ((fd = dial_ping(c, "filtered\n")) < 0)
		return -1;
	close(fd);
	if (expect_status(c->srv->pid, "Seccomp", "2") < 0 ||
	    expect_status(c->srv->pid, "NoNewPrivs", "1") < 0)
		return -1;
	if (start(&s, "-S", NULL) < 0) {
		kill_hard(&s);
		return -1;
	}
	off.srv = &s;
	set_addr(&off, "127.0.0.1", s.port);
	rc = expect_status(s.pid, "Seccomp", "0");
	if (rc == 0 && (fd = dial_ping(&off, "unfiltered\n")) >= 0)
		close(fd);
	else if (rc == 0)
		rc = -1;
	if (stop(&s) < 0)
		rc = -1;
	kill_hard(&s);
	return rc;
}

/* With workers, the supervisor and each worker are filtered. */
static int t_seccomp_workers(struct ctx *c)
{
	pid_t w;

	if (no_proc)
		return skip("-k: no /proc of the server");
	if (!has_seccomp())
		return skip("this build has no seccomp filter (-V)");
	if ((w = wait_worker(c->srv, 1, 0, 5)) <= 0)
		return fail("no worker 1 in: %s", c->srv->err);
	if (expect_status(c->srv->pid, "Seccomp", "2") < 0 ||
	    expect_status(w, "Seccomp", "2") < 0)
		return -1;
	return many(c, 50, 1000, 100);
}

/* A free TCP port below 1024 on 127.0.0.1, or 0. */
static unsigned small_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	unsigned port;
	int fd, ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (port = 1000; port > 900; port--) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		a.sin_port = htons((uint16_t)port);
		ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
		if (fd >= 0)
			close(fd);
		if (ok)
			return port;
	}
	return 0;
}

/*
 * As root: bind a port below 1024, chroot into an empty directory, serve
 * as 65534:65534 with no supplementary groups.
 */
static int t_privdrop(struct ctx *c)
{
	char dir[64] = "/tmp/echod-root.XXXXXX", flags[160], link[80], path[64];
	unsigned port = small_free_port();
	struct server s;
	struct ctx cc = { .srv = &s };
	ssize_t n;
	int fd, rc = 0;

	(void)c;
	if (getuid() != 0)
		return skip("needs root");
	if (no_proc)
		return skip("-k: no /proc of the server");
	if (port == 0)
		return fail("no free port below 1024");
	if (mkdtemp(dir) == NULL && mkdtemp(strcpy(dir, "echod-root.XXXXXX")) == NULL)
		return fail("mkdtemp: %s", strerror(errno));
	snprintf(flags, sizeof flags, "-l 127.0.0.1 -p %u -u 65534:65534 -r %s -w 1",
	    port, dir);
	if (spawn(&s, flags, NULL) < 0 || !wait_line(&s, "listening on", 10))
		rc = fail("did not start: %s", s.err);
	set_addr(&cc, "127.0.0.1", port);
	if (rc == 0 && (fd = dial_ping(&cc, "unprivileged\n")) >= 0)
		close(fd);
	else if (rc == 0)
		rc = -1;
	if (rc == 0)
		rc = expect_status(s.pid, "Uid", "65534\t65534\t65534\t65534");
	if (rc == 0)
		rc = expect_status(s.pid, "Gid", "65534\t65534\t65534\t65534");
	if (rc == 0)
		rc = expect_status(s.pid, "Groups", "");
	if (rc == 0)
		rc = expect_status(wait_worker(&s, 0, 0, 5), "Uid",
		    "65534\t65534\t65534\t65534");
	snprintf(path, sizeof path, "/proc/%d/root", (int)s.pid);
	if (rc == 0 && ((n = readlink(path, link, sizeof link - 1)) < 0 ||
	    (link[n] = '\0', strcmp(link, dir) != 0 && !strstr(link, dir))))
		rc = fail("root is '%s', not '%s'", n < 0 ? "?" : link, dir);
	if (stop(&s) < 0)
		rc = -1;
	kill_hard(&s);
	rmdir(dir);
	return rc;
}

/* ---- exposed to the Internet: guards, limits, -C, -A, any size -------- */

/* Close those of fd[0, n) that are open. */
static void close_all(const int *fd, int n)
{
	while (n-- > 0)
		if (fd[n] >= 0)
			close(fd[n]);
}

/* SIGUSR1: the counters keys[] must have the values want[]. */
static int counted(struct server *s, const char *const *keys,
    const long long *want, int n)
{
	long long v[8] = { 0 };
	int i;

	if (counters(s, keys, v, n) < 0)
		return -1;
	for (i = 0; i < n; i++)
		REQUIRE(v[i] == want[i], "%s %lld, not %lld", keys[i], v[i],
		    want[i]);
	return 0;
}

/* A socket of type bound to src (port 0: any) and connected to c's
 * address; -2 if binding there needs root. */
static int dial_from(const struct ctx *c, int type, const char *src,
    unsigned port)
{
	struct ctx me;
	int fd, one = 1, err;

	set_addr(&me, src, port);
	fd = socket(me.addr.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&me.addr, me.len) < 0 ||
	    connect(fd, (const struct sockaddr *)&c->addr, c->len) < 0) {
		err = errno;
		close(fd);
		if (err == EACCES || err == EADDRINUSE)
			return -2;
		return fail("%s from %s: %s", type == SOCK_DGRAM ? "udp" : "tcp",
		    src, strerror(err));
	}
	return fd;
}

/* Connected to the server at port from src; -1 if no TCP echo comes back. */
static int tcp_ping_from(const struct ctx *c, const char *src)
{
	int fd = dial_from(c, SOCK_STREAM, src, 0);

	if (fd < 0 || ping(fd, "hello\n") < 0) {
		if (fd >= 0)
			close(fd);
		return fd == -2 ? fail("tcp from %s: cannot bind", src) : -1;
	}
	return fd;
}

/* One datagram out; 1 if it came back whole within secs, 0 if not. */
static int udp_echoed(int fd, const void *msg, size_t n, double secs)
{
	unsigned char back[256];

	if (send(fd, msg, n, 0) != (ssize_t)n)
		return fail("udp send: %s", strerror(errno));
	return readable(fd, secs) && recv(fd, back, sizeof back, 0) == (ssize_t)n &&
	    memcmp(back, msg, n) == 0;
}

static void big_rcvbuf(int fd)
{
	int size = 4 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

/*
 * Datagrams of 2,049, 9,000, 32,768 and the protocol's largest (65,507 B
 * over IPv4, 65,527 over IPv6), mixed with small ones in one burst: all
 * come back, byte-exact, none dropped.
 */
static int t_udp_sizes(struct ctx *c)
{
	static const char *const keys[] = { "udp_in", "udp_out", "udp_dropped" };
	size_t sizes[] = { 64, 2049, 1, 9000, 100, 32768, 0, 65507, 7, 2048, 1472 };
	enum { N = sizeof sizes / sizeof sizes[0] };
	unsigned char *msg[N], *back = malloc(70000);
	int got[N] = { 0 }, fd = udp_socket(c, 0), rc = 0, i, k;
	ssize_t r;

	if (c->addr.ss_family == AF_INET6)
		sizes[7] = 65527;
	for (i = 0; i < N; i++) {
		msg[i] = random_bytes(sizes[i]);
		if (sizes[i] > 0)
			msg[i][0] = (unsigned char)i;
	}
	if (fd < 0 || back == NULL)
		rc = -1;
	if (rc == 0)
		big_rcvbuf(fd);
	/* All queued before the server reads: one peek sees them all. */
	if (c->srv != NULL && !no_proc)
		kill(c->srv->pid, SIGSTOP);
	for (i = 0; i < N && rc == 0; i++)
		if (send(fd, msg[i], sizes[i], 0) != (ssize_t)sizes[i])
			rc = fail("udp send %zu bytes: %s", sizes[i], strerror(errno));
	if (c->srv != NULL && !no_proc)
		kill(c->srv->pid, SIGCONT);
	for (k = 0; k < N && rc == 0; k++) {
		if (!readable(fd, 5)) {
			rc = fail("%d of %d datagrams came back", k, N);
			break;
		}
		r = recv(fd, back, 70000, 0);
		for (i = 0; i < N; i++)
			if (!got[i] && r == (ssize_t)sizes[i] &&
			    memcmp(back, msg[i], sizes[i]) == 0)
				break;
		if (i == N)
			rc = fail("an echo of %zd bytes matches no datagram sent", r);
		else
			got[i] = 1;
	}
	if (rc == 0 && c->srv != NULL)
		rc = counted(c->srv, keys, (const long long[]){ N, N, 0 }, 3);
	for (i = 0; i < N; i++)
		free(msg[i]);
	free(back);
	close_all(&fd, 1);
	return rc;
}

/*
 * The same burst through a UDP socket two workers share (socket
 * activation with -w), read one datagram at a time: none lost.
 */
static int t_udp_sizes_shared(struct ctx *c)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	struct server s = { .err_fd = -1 };
	struct ctx shared = { .srv = NULL };
	int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	(void)c;
	if (udp < 0 || bind(udp, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(udp, (struct sockaddr *)&a, &len) < 0)
		return fail("socket to pass: %s", strerror(errno));
	pass_fd[0] = udp;
	npass = 1;
	rc = spawn(&s, "-w 2", NULL);
	npass = 0;
	if (rc == 0 && wait_line(&s, "listening on", 10) == NULL)
		rc = fail("no start line: %.300s", s.err);
	set_addr(&shared, "127.0.0.1", ntohs(a.sin_port));
	if (rc == 0)
		rc = t_udp_sizes(&shared);
	if (stop(&s) < 0)
		rc = -1;
	kill_hard(&s);
	close(udp);
	return rc;
}

/* From a port below 1024 or NFS's: no answer, counted as guarded. */
static int t_udp_ports(struct ctx *c)
{
	static const char *const keys[] = { "udp_out", "udp_guarded" };
	static const unsigned ports[] = { 1023, 2049, 123, 500 };
	const char *me = c->addr.ss_family == AF_INET6 ? "::1" : "127.0.0.1";
	unsigned i, tried = 0;
	int fd, rc = 0;

	for (i = 0; i < 4 && rc == 0; i++) {
		fd = dial_from(c, SOCK_DGRAM, me, ports[i]);
		if (fd == -2)
			continue;	/* not root, or the port is in use here */
		if (fd < 0)
			return -1;
		tried++;
		if (udp_echoed(fd, "privileged?", 11, 0.5))
			rc = fail("answered a datagram from port %u", ports[i]);
		close(fd);
	}
	if (rc == 0 && tried < 2)
		return skip("binding ports below 1024 needs root");
	if (rc == 0 && (fd = udp_socket(c, 0)) >= 0) {
		if (!udp_echoed(fd, "ordinary", 8, 5))
			rc = fail("no answer from an ordinary port");
		close(fd);
	}
	if (rc == 0)
		rc = counted(c->srv, keys, (const long long[]){ 1, tried }, 2);
	return rc;
}

/*
 * One datagram forged with a raw socket from 127.0.0.1:from to port to
 * (checksum 0: none, as IPv4 allows). 1 if it went, 0 without root.
 */
static int forge(unsigned from_port, unsigned to, const char *payload)
{
	struct sockaddr_in dst = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(to) };
	unsigned char pkt[64];
	size_t n = strlen(payload);
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);

	if (fd < 0)
		return errno == EPERM ? 0 : fail("raw socket: %s", strerror(errno));
	pkt[0] = (unsigned char)(from_port >> 8);
	pkt[1] = (unsigned char)from_port;
	pkt[2] = (unsigned char)(to >> 8);
	pkt[3] = (unsigned char)to;
	pkt[4] = (unsigned char)((8 + n) >> 8);
	pkt[5] = (unsigned char)(8 + n);
	pkt[6] = pkt[7] = 0;
	memcpy(pkt + 8, payload, n);
	if (sendto(fd, pkt, 8 + n, 0, (struct sockaddr *)&dst, sizeof dst) < 0) {
		close(fd);
		return fail("raw sendto: %s", strerror(errno));
	}
	close(fd);
	return 1;
}

/*
 * Two servers on 127.0.0.1, one datagram forged from B to A and one from
 * A to itself: both exchanges end. A second later neither server uses
 * CPU, and the replies are few. flags: "" (the defaults) or "-R 0" (the
 * repeat detector alone); bound: the most replies allowed.
 */
static int forged_loops(const char *flags, long long bound)
{
	static const char *const keys[] = { "udp_out", "udp_guarded" };
	struct server a = { .err_fd = -1 }, b = { .err_fd = -1 };
	long long va[2] = { 0 }, vb[2] = { 0 };
	long t0, t1, tck = sysconf(_SC_CLK_TCK);
	char f[64];
	int rc, sent;

	snprintf(f, sizeof f, "-U %s", flags);
	rc = start(&a, f, NULL);
	if (rc == 0)
		rc = start(&b, f, NULL);
	if (rc == 0) {
		sent = forge(b.port, a.port, "round and round");
		if (sent == 0)
			rc = skip("forging a datagram needs root (a raw socket)");
		else if (sent < 0 || forge(a.port, a.port, "me, myself") != 1)
			rc = -1;
	}
	if (rc == 0) {
		nap(1);
		t0 = no_proc ? 0 : cpu_ticks(a.pid) + cpu_ticks(b.pid);
		nap(1);
		t1 = no_proc ? 0 : cpu_ticks(a.pid) + cpu_ticks(b.pid);
		if (t1 - t0 > tck / 10)
			rc = fail("the servers used %ld ticks in the second after: "
			    "still looping", t1 - t0);
	}
	if (rc == 0 && (rc = counters(&a, keys, va, 2)) == 0)
		rc = counters(&b, keys, vb, 2);
	if (rc == 0 && va[0] + vb[0] > bound)
		rc = fail("%lld + %lld replies, more than %lld", va[0], vb[0], bound);
	if (rc == 0 && (va[0] == 0 || vb[0] == 0))
		rc = fail("the pair never answered each other: %lld, %lld", va[0],
		    vb[0]);
	if (rc == 0 && va[1] != 1)
		rc = fail("A guarded %lld datagrams, not the 1 from itself", va[1]);
	if (stop(&a) < 0 || stop(&b) < 0)
		rc = rc > 0 ? rc : -1;
	kill_hard(&a);
	kill_hard(&b);
	return rc;
}

static int t_forged_loops(struct ctx *c)
{
	int rc;

	(void)c;
	/* The repeat detector alone, then with the rate limit as well. */
	rc = forged_loops("-R 0", 2 * (10 + 2));
	return rc != 0 ? rc : forged_loops("", 2 * (2000 + 500));
}

/* Run an ip(8) command; 0 if it worked. */
static int ip(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -1;
}

/* A UDP socket in network namespace ns bound to src, broadcasts allowed. */
static int udp_in_netns(const char *ns, const char *src)
{
	struct sockaddr_in me = { .sin_family = AF_INET };
	char path[64];
	int here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), there, fd = -1;
	int one = 1;

	snprintf(path, sizeof path, "/run/netns/%s", ns);
	there = open(path, O_RDONLY | O_CLOEXEC);
	if (here < 0 || there < 0 || setns(there, CLONE_NEWNET) < 0) {
		fail("enter netns %s: %s", ns, strerror(errno));
	} else {
		inet_pton(AF_INET, src, &me.sin_addr);
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one,
		    sizeof one) < 0 || bind(fd, (struct sockaddr *)&me, sizeof me) < 0)
			fail("udp socket in %s: %s", ns, strerror(errno));
		if (setns(here, CLONE_NEWNET) < 0) {
			perror("itest: setns back");
			exit(3);
		}
	}
	if (here >= 0)
		close(here);
	if (there >= 0)
		close(there);
	return why[0] == '\0' ? fd : -1;
}

/* 1 if a datagram to dst:port from fd came back within secs. */
static int answered(int fd, const char *dst, unsigned port, double secs)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	unsigned char back[64];

	inet_pton(AF_INET, dst, &to.sin_addr);
	if (sendto(fd, "anyone?", 7, 0, (struct sockaddr *)&to, sizeof to) != 7)
		return fail("sendto %s: %s", dst, strerror(errno));
	return readable(fd, secs) && recv(fd, back, sizeof back, 0) == 7;
}

/*
 * echod with flags in network namespace ns: datagrams from fd to each of
 * dests[0, n) get no answer, while its unicast address does.
 */
static int unanswered(const char *ns, int fd, const char *flags,
    const char *const *dests, int n)
{
	static const char *const keys[] = { "udp_guarded" };
	char **cmd = server_cmd, *argv[48];
	struct server s = { .err_fd = -1 };
	int rc, i, k = 0;

	/* The server runs inside: "ip netns exec NS server-command...". */
	argv[k++] = "ip";
	argv[k++] = "netns";
	argv[k++] = "exec";
	argv[k++] = (char *)ns;
	for (i = 0; cmd[i] != NULL && k < 46; i++)
		argv[k++] = cmd[i];
	argv[k] = NULL;
	server_cmd = argv;
	rc = start(&s, flags, NULL);
	server_cmd = cmd;
	/* The link may take a moment to pass traffic. */
	for (i = 0; rc == 0 && i < 50 && !answered(fd, "10.89.0.1", s.port, 0.2);
	    i++)
		;
	if (rc == 0 && i == 50)
		rc = fail("no answer over the veth pair to 10.89.0.1");
	for (i = 0; rc == 0 && i < n; i++)
		if (answered(fd, dests[i], s.port, 0.5))
			rc = fail("echod %s answered a datagram sent to %s", flags,
			    dests[i]);
	if (rc == 0 && !answered(fd, "10.89.0.1", s.port, 5))
		rc = fail("no answer to unicast after the broadcasts");
	/* Each one reached echod and was turned away. */
	if (rc == 0)
		rc = counted(&s, keys, (const long long[]){ n }, 1);
	if (s.pid > 0 && stop(&s) < 0)
		rc = -1;
	kill_hard(&s);
	return rc;
}

/*
 * Datagrams sent to a broadcast or multicast address get no answer. Two
 * network namespaces joined by a veth pair: echod on 10.89.0.1/24, a
 * client on 10.89.0.2 sending to the subnet's broadcast and to
 * 255.255.255.255, and to 224.0.0.1 (all hosts: an IPv4 socket gets it,
 * a dual-stack one does not), then to 10.89.0.1.
 */
static int t_broadcast(struct ctx *c)
{
	static const char *const dests[] = { "10.89.0.255", "255.255.255.255",
	    "224.0.0.1" };
	char srv[32], cli[32];
	int fd = -1, rc = 0;

	(void)c;
	if (geteuid() != 0)
		return skip("network namespaces need root");
	snprintf(srv, sizeof srv, "echod-s%d", (int)getpid());
	snprintf(cli, sizeof cli, "echod-c%d", (int)getpid());
	ip("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", srv, cli);
	if (ip("ip netns add %s 2>/dev/null && ip netns add %s", srv, cli) < 0) {
		ip("ip netns del %s 2>/dev/null", srv);
		return skip("no ip(8) or no network namespaces here");
	}
	if (ip("ip -n %s link add v0 type veth peer name v1 netns %s", srv, cli) ||
	    ip("ip -n %s addr add 10.89.0.1/24 dev v0", srv) ||
	    ip("ip -n %s addr add 10.89.0.2/24 dev v1", cli) ||
	    ip("ip -n %s link set v0 up && ip -n %s link set lo up", srv, srv) ||
	    ip("ip -n %s link set v1 up && ip -n %s link set lo up", cli, cli))
		rc = fail("setting up the veth pair failed");
	if (rc == 0 && (fd = udp_in_netns(cli, "10.89.0.2")) < 0)
		rc = -1;
	if (rc == 0)
		rc = unanswered(srv, fd, "-U", dests, 2);
	if (rc == 0)
		rc = unanswered(srv, fd, "-U -l 0.0.0.0", dests, 3);
	if (fd >= 0)
		close(fd);
	ip("ip netns del %s; ip netns del %s", srv, cli);
	return rc;
}

/*
 * -R 10/20: a flood from 127.0.0.2 gets its burst and then 10 a second;
 * 127.0.0.3 and ::1, asking meanwhile, get every answer.
 */
static int t_udp_rate(struct ctx *c)
{
	static const char *const keys[] = { "udp_in", "udp_out", "udp_limited" };
	struct ctx six = *c;
	unsigned char msg[64] = "flood";
	long long v[3] = { 0 };
	double t0 = now();
	int flood, fd[2], i, k, replies = 0, rc = 0;

	set_addr(&six, "::1", c->srv->port);
	flood = dial_from(c, SOCK_DGRAM, "127.0.0.2", 0);
	fd[0] = dial_from(c, SOCK_DGRAM, "127.0.0.3", 0);
	fd[1] = udp_socket(&six, 0);
	if (flood < 0 || fd[0] < 0 || fd[1] < 0)
		rc = -1;
	if (rc == 0)
		big_rcvbuf(flood);
	for (i = 0; rc == 0 && i < 150; i++) {
		memcpy(msg + 8, &i, sizeof i);
		if (send(flood, msg, sizeof msg, 0) != sizeof msg)
			rc = fail("udp send: %s", strerror(errno));
	}
	for (k = 0; rc == 0 && k < 2; k++)
		for (i = 0; rc == 0 && i < 10; i++) {
			msg[8] = (unsigned char)(100 + 10 * k + i);
			if (!udp_echoed(fd[k], msg, 16, 5))
				rc = fail("%s lost an answer to 127.0.0.2's flood",
				    k ? "::1" : "127.0.0.3");
		}
	while (rc == 0 && readable(flood, 1))
		if (recv(flood, msg, sizeof msg, 0) > 0)
			replies++;
	if (rc == 0 && replies > 20 + 10 * (now() - t0) + 5)
		rc = fail("%d answers to the flood in %.1f s with -R 10/20",
		    replies, now() - t0);
	if (rc == 0 && replies < 20)
		rc = fail("only %d answers to the flood, less than the burst",
		    replies);
	if (rc == 0 && (rc = counters(c->srv, keys, v, 3)) == 0 &&
	    (v[2] <= 0 || v[0] != v[1] + v[2]))
		rc = fail("udp in %lld out %lld limited %lld", v[0], v[1], v[2]);
	close_all(fd, 2);
	close_all(&flood, 1);
	return rc;
}

/* The default rate never limits 1000 small datagrams from one host. */
static int t_udp_rate_default(struct ctx *c)
{
	static const char *const keys[] = { "udp_out", "udp_limited" };
	unsigned char msg[32] = "measure", back[64];
	int fd = udp_socket(c, 0), sent = 0, got = 0, rc = 0;

	if (fd < 0)
		return -1;
	big_rcvbuf(fd);
	while (rc == 0 && got < 1000) {
		while (sent < 1000 && sent - got < 64) {
			memcpy(msg + 8, &sent, sizeof sent);
			if (send(fd, msg, sizeof msg, 0) != sizeof msg)
				rc = fail("udp send: %s", strerror(errno));
			sent++;
		}
		if (rc == 0 && !readable(fd, 5))
			rc = fail("%d of 1000 came back", got);
		else if (rc == 0 && recv(fd, back, sizeof back, 0) == sizeof msg)
			got++;
	}
	close(fd);
	return rc == 0 ? counted(c->srv, keys, (const long long[]){ 1000, 0 }, 2) :
	    rc;
}

/*
 * -C 2: a third connection from one address is closed at once, another
 * address is served, and a reset gives the place back.
 */
static int t_tcp_cap(struct ctx *c)
{
	static const char *const keys[] = { "rejected_cap" };
	const char *me = c->addr.ss_family == AF_INET6 ? "::1" : "127.0.0.1";
	struct linger lg = { 1, 0 };
	long long v[1] = { 0 };
	int a = -1, b = -1, x = -1, y = -1, rc = 0, i;

	a = tcp_ping_from(c, me);
	b = a < 0 ? -1 : tcp_ping_from(c, me);
	if (b < 0)
		rc = -1;
	if (rc == 0 && (x = dial_from(c, SOCK_STREAM, me, 0)) < 0)
		rc = -1;
	if (rc == 0 && !closed_within(x, 3))
		rc = fail("a third connection from %s was not closed", me);
	if (rc == 0 && c->addr.ss_family == AF_INET &&
	    (y = tcp_ping_from(c, "127.0.0.2")) < 0)
		rc = fail("127.0.0.2 refused while 127.0.0.1 was at its cap");
	/* A reset: the server learns of it without the peer's address. */
	if (rc == 0) {
		setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(a);
		a = -1;
	}
	for (i = 0; rc == 0 && a < 0 && i < 50; i++) {
		why[0] = '\0';
		if ((a = tcp_ping_from(c, me)) < 0)
			nap(0.1);
	}
	if (rc == 0 && a < 0) {
		why[0] = '\0';
		rc = fail("no place again after a reset");
	}
	if (rc == 0 && (rc = counters(c->srv, keys, v, 1)) == 0 && v[0] < 1)
		rc = fail("rejected_cap %lld", v[0]);
	close_all((int[]){ a, b, x, y }, 4);
	return rc;
}

/*
 * -A: only the networks listed get anything. The server's flags name
 * 127.0.0.2 (the IPv4 case: 127.0.0.1 is out) or 127.0.0.0/8 (the IPv6
 * case: ::1 is out, and IPv4 reaches the dual-stack socket v4-mapped).
 */
static int t_allow(struct ctx *c)
{
	static const char *const keys[] = { "rejected_allow", "udp_denied" };
	int v6 = c->addr.ss_family == AF_INET6;
	const char *out = v6 ? "::1" : "127.0.0.1";
	const char *in = v6 ? "127.0.0.1" : "127.0.0.2";
	struct ctx inside = *c;
	int fd, rc = 0;

	set_addr(&inside, "127.0.0.1", c->srv->port);
	if ((fd = dial_from(c, SOCK_STREAM, out, 0)) < 0)
		return -1;
	if (!closed_within(fd, 3))
		rc = fail("TCP from %s served", out);
	close(fd);
	if (rc == 0 && (fd = dial_from(c, SOCK_DGRAM, out, 0)) >= 0) {
		if (udp_echoed(fd, "let me in", 9, 0.5))
			rc = fail("UDP from %s answered", out);
		close(fd);
	}
	if (rc == 0 && (fd = tcp_ping_from(&inside, in)) < 0)
		rc = fail("TCP from %s refused", in);
	if (fd >= 0)
		close(fd);
	if (rc == 0 && (fd = dial_from(&inside, SOCK_DGRAM, in, 0)) >= 0) {
		if (!udp_echoed(fd, "member", 6, 5))
			rc = fail("UDP from %s not answered", in);
		close(fd);
	}
	return rc == 0 ? counted(c->srv, keys, (const long long[]){ 1, 1 }, 2) :
	    rc;
}

/* ---- the table -------------------------------------------------------- */

/* A case that hangs fails by name instead of stalling the whole run. */
static void say_raw(const char *text)
{
	if (write(1, text, strlen(text)) < 0)
		_exit(3);
}

static void on_alarm(int sig)
{
	int i;

	(void)sig;
	for (i = 0; i < 8; i++)
		if (recent[i] > 0)
			kill(recent[i], SIGKILL);
	say_raw("FAIL ");
	say_raw(current ? current : "?");
	say_raw(": hung: no end within the case's time limit\n");
	_exit(1);
}

enum { V4 = 1, V6 = 2, REMOTE = 4, OWN = 8 };

struct tcase {
	const char *name;
	const char *flags;		/* for the server; OWN: starts its own */
	int (*fn)(struct ctx *);
	int where;
};

static const struct tcase cases[] = {
	{ "echo-ipv4", "", t_echo, V4 | REMOTE },
	{ "echo-ipv6", "", t_echo, V6 | REMOTE },
	{ "many-clients", "", t_many, V4 | REMOTE },
	{ "backpressure", "", t_backpressure, V6 | REMOTE },
	{ "slow-reader", "", t_slow_reader, V4 | REMOTE },
	{ "half-close", "", t_half_close, V6 | REMOTE },
	{ "half-close-full-ring", "-c 4 -b 16777216", t_half_close_ring, V4 },
	{ "capitalize", "-m capitalize", t_capitalize, V4 },
	{ "capitalize-random", "-m capitalize", t_capitalize_random, V6 },
	{ "edge-echo-ipv4", "-E", t_echo, V4 },
	{ "edge-echo-ipv6", "-E", t_echo, V6 },
	{ "edge-many-clients", "-E", t_many, V6 },
	{ "edge-backpressure", "-E", t_backpressure, V4 },
	{ "edge-slow-reader", "-E", t_slow_reader, V6 },
	{ "edge-half-close", "-E", t_half_close, V4 },
	{ "edge-half-close-full-ring", "-E -c 4 -b 16777216", t_half_close_ring, V6 },
	{ "edge-capitalize", "-E -m capitalize -b 64", t_capitalize_random, V4 },
	{ "small-ring", "-b 64", t_echo, V4 },
	{ "slots-full", "-c 4", t_slots_full, V4 },
	{ "edge-slots-full", "-E -c 4", t_slots_full, V6 },
	{ "idle-timeout", "-t 1", t_idle_timeout, V4 },
	{ "edge-idle-timeout", "-E -t 1", t_idle_timeout, V6 },
	{ "rst-storm", "-c 64", t_rst_storm, V4 },
	{ "edge-rst-storm", "-E -c 64", t_rst_storm, V6 },
	{ "vmsize-fixed", "", t_vmsize, V4 },
	{ "sigterm", "", t_sigterm, V4 },
	{ "sigint", "-E", t_sigint, V6 },
	{ "probe", "", t_probe, V4 },
	{ "udp-ipv4", "-U", t_udp, V4 },
	{ "udp-ipv6", "-U -E", t_udp, V6 },
	{ "udp-loop-protection", "-U", t_udp_loop, V4 },
	{ "udp-loop-protection-ipv6", "-U", t_udp_loop, V6 },
	{ "counters", "-c 1 -t 1", t_counters, V4 },
	{ "workers", "-w 2 -U", t_workers, V4 },
	{ "seccomp", "", t_seccomp, V4 },
	{ "seccomp-workers", "-w 2 -E", t_seccomp_workers, V6 },
	{ "privilege-drop", NULL, t_privdrop, OWN },
	{ "fd-limit", NULL, t_fd_limit, OWN },
	{ "socket-activation", NULL, t_activation, OWN },
	{ "emfile", NULL, t_emfile, OWN },
	{ "bad-usage", NULL, t_bad_usage, OWN },
	{ "port-in-use", NULL, t_port_in_use, OWN },
	{ "quiet", NULL, t_quiet, OWN },
	/* Exposed to the Internet. */
	{ "udp-sizes-ipv4", "-U", t_udp_sizes, V4 },
	{ "udp-sizes-ipv6", "-U", t_udp_sizes, V6 },
	{ "udp-sizes-shared", NULL, t_udp_sizes_shared, OWN },
	{ "udp-privileged-ports", "-U", t_udp_ports, V4 },
	{ "udp-privileged-ports-ipv6", "-U -E", t_udp_ports, V6 },
	{ "udp-forged-loops", NULL, t_forged_loops, OWN },
	{ "udp-broadcast", NULL, t_broadcast, OWN },
	{ "udp-rate-limit", "-U -R 10/20", t_udp_rate, V4 },
	{ "udp-rate-default", "-U", t_udp_rate_default, V4 },
	{ "tcp-cap-ipv4", "-C 2", t_tcp_cap, V4 },
	{ "tcp-cap-ipv6", "-C 2 -E", t_tcp_cap, V6 },
	{ "allow-ipv4", "-U -A 127.0.0.2", t_allow, V4 },
	{ "allow-ipv6", "-U -A 127.0.0.0/8", t_allow, V6 },
};

static void report(const char *name, const char *where, int rc, double t)
{
	if (rc > 0) {
		printf("SKIP %s%s: %s\n", name, where, why);
		skipped++;
	} else if (rc == 0) {
		printf("ok   %s%s (%.1f s)\n", name, where, t);
		passed++;
	} else {
		printf("FAIL %s%s: %s\n", name, where, why[0] ? why : "?");
		failed++;
	}
	fflush(stdout);
}

static void run_spawned(const struct tcase *tc)
{
	struct server s;
	struct ctx c = { .srv = &s };
	double t0 = now();
	int rc;

	why[0] = '\0';
	if (tc->where & OWN) {
		rc = tc->fn(&c);
		report(tc->name, "", rc, now() - t0);
		return;
	}
	rc = start(&s, tc->flags, NULL);
	if (rc == 0) {
		set_addr(&c, tc->where & V6 ? "::1" : "127.0.0.1", s.port);
		rc = tc->fn(&c);
		if (stop(&s) < 0)
			rc = -1;
	}
	kill_hard(&s);
	report(tc->name, "", rc, now() - t0);
}

static void run_remote(const struct tcase *tc, const char *target)
{
	char host[64], where[80];
	const char *colon = strrchr(target, ':');
	struct ctx c = { .srv = NULL };
	size_t len = colon ? (size_t)(colon - target) : 0;
	double t0 = now();
	int rc;

	why[0] = '\0';
	if (len >= 2 && target[0] == '[') {
		target++;
		len -= 2;
	}
	snprintf(host, sizeof host, "%.*s", (int)len, target);
	set_addr(&c, host, colon ? (unsigned)atoi(colon + 1) : 0);
	snprintf(where, sizeof where, " @%s", host);
	rc = tc->fn(&c);
	report(tc->name, where, rc, now() - t0);
}

static int is_excluded(const char *name)
{
	int i;

	for (i = 0; i < nexcluded; i++)
		if (strstr(name, excluded[i]) != NULL)
			return 1;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: itest [-T factor] [-k] [-s name] [-x name] -- "
	    "server [args]\n"
	    "       itest [-T factor] [-s name] [-x name] -r addr:port "
	    "[-r addr:port]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *remote[MAX_REMOTE];
	struct rlimit rl;
	int nremote = 0, i, opt, r;

	while ((opt = getopt(argc, argv, "T:ks:x:r:")) != -1) {
		if (opt == 'T' && (scale = atof(optarg)) > 0)
			continue;
		if (opt == 'k')
			no_proc = 1;
		else if (opt == 's')
			only = optarg;
		else if (opt == 'x' && nexcluded < 8)
			excluded[nexcluded++] = optarg;
		else if (opt == 'r' && nremote < MAX_REMOTE && optarg != NULL)
			remote[nremote++] = optarg;
		else
			usage();
	}
	server_cmd = argv + optind;
	if ((nremote == 0) == (*server_cmd == NULL))
		usage();
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGALRM, on_alarm);
	for (i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
		if (only != NULL && strstr(cases[i].name, only) == NULL)
			continue;
		current = cases[i].name;
		alarm((unsigned)(CASE_SECONDS * scale));
		if (is_excluded(cases[i].name)) {
			printf("SKIP %s: left out by -x\n", cases[i].name);
			skipped++;
			continue;
		}
		if (nremote == 0) {
			run_spawned(&cases[i]);
			continue;
		}
		if (!(cases[i].where & REMOTE))
			continue;
		for (r = 0; r < nremote; r++)
			run_remote(&cases[i], remote[r]);
	}
	if (skipped)
		printf("(%d skipped)\n", skipped);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0 || passed == 0;
}
