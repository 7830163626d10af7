/*
 * soak: mixed clients against one echod for a while, every byte checked.
 *
 *   soak [-d seconds] [-c slots] [-t idle] [-s seed] [-m modes] -- server [args]
 *
 * The time is split between the modes (default "level,edge"): for each, one
 * server is started as `server args -c slots -t idle -p 0 [-E]` and the port
 * read from its start line. Then, until the mode's time is up, clients run
 * side by side over 127.0.0.1 and ::1, chosen at random:
 *   half    random size, random write and read chunks, shutdown(SHUT_WR)
 *           when all is sent, then read to EOF: every byte back, then EOF;
 *   full    the same, but close() once every byte came back;
 *   slow    a small receive buffer and reads with pauses: back-pressure;
 *   reset   RST (SO_LINGER 0, close) in mid-stream, after some echo;
 *   idle    connects and sends nothing: the idle timeout must close it;
 *   burst   every few seconds slots + 16 idle clients at once: those beyond
 *           the free slots must see EOF or RST at once (rejects), the rest
 *           are closed by the timeout.
 * Every payload is a deterministic function of the connection and offset,
 * and every byte that comes back is compared. A client that got nothing
 * back and was closed is a reject; an idle client closed after at least
 * -t seconds is a timeout. The server's own counters (SIGUSR1) must agree
 * with these figures, its VmSize must not change, and it must exit 0 on
 * SIGTERM. Static C, one thread, poll(2).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 512
#define DATA_CONC 12		/* data clients at a time */
#define IDLE_CONC 2		/* idle clients at a time, besides bursts */
#define BURST_EXTRA 16		/* a burst is slots + this many */
#define BURST_FIRST 1.0		/* seconds into a mode */
#define BURST_EVERY 6.0
#define DATA_STALL 15.0		/* a data client with no progress this long */
#define IDLE_GRACE 5.0		/* an idle client open past -t plus this */
#define DRAIN_GRACE 15.0	/* the clients still open at the end */
#define EARLY 0.05		/* timer slack before -t that still counts */
#define BUF (256 * 1024)
#define ERRBUF 65536
#define MAX_NOTES 12

enum kind { K_HALF, K_FULL, K_SLOW, K_RESET, K_IDLE, K_KINDS };
static const char *const kind_name[K_KINDS] = {
	"half", "full", "slow", "reset", "idle"
};

struct client {
	int fd;
	enum kind kind;
	int v6, burst, connecting, wr_shut;
	uint64_t id, seed;
	size_t size, sent, recvd;
	size_t reset_at;	/* reset: after this many bytes came back */
	size_t read_max;	/* slow: bytes per read */
	double t_connect;	/* when connect() was called */
	double last;		/* last progress */
	double pause_until;	/* slow: no reading until then */
};

struct tally {
	unsigned long long served, served_half, served_full, served_slow;
	unsigned long long served_v4, served_v6;
	unsigned long long bytes_verified, bytes_sent;
	unsigned long long rejects, timeouts, resets, wrong, failures;
	double reject_max, idle_min, idle_max;
};

struct counters {
	unsigned long long accepted, active, rejected_full, rejected_fd,
	    timed_out, bytes_in, bytes_out;
};

static struct client cl[MAX_CLIENTS];
static int ncl;
static struct tally tl;
static char notes[MAX_NOTES][256];
static int nnotes;
static unsigned char iobuf[BUF], want[BUF];
static int passed, failed;

/* Options. */
static double duration = 60;
static unsigned slots = 64, idle_s = 2;
static uint64_t seed = 1;
static const char *modes = "level,edge";
static char **server_cmd;

/* The server of the current mode. */
static pid_t srv_pid;
static int srv_err = -1;
static char srv_text[ERRBUF];
static size_t srv_len;
static unsigned port;

/* ---- time, randomness, payload ---------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	return mix(rng_state++);
}

/* A number in [lo, hi]. */
static size_t between(size_t lo, size_t hi)
{
	return lo + (size_t)(rnd() % (hi - lo + 1));
}

/* Bytes [off, off + n) of the stream with this seed. */
static void payload(uint64_t s, size_t off, unsigned char *p, size_t n)
{
	size_t i;
	uint64_t w = mix(s ^ (off >> 3));

	for (i = 0; i < n; i++, off++) {
		if ((off & 7) == 0)
			w = mix(s ^ (off >> 3));
		p[i] = (unsigned char)(w >> ((off & 7) * 8));
	}
}

/* ---- reporting ---------------------------------------------------------- */

static void note(const struct client *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	tl.failures++;
	if (nnotes == MAX_NOTES)
		return;
	n = snprintf(notes[nnotes], sizeof notes[0], "client %llu (%s, %s): ",
	    (unsigned long long)c->id, kind_name[c->kind],
	    c->v6 ? "::1" : "127.0.0.1");
	va_start(ap, fmt);
	vsnprintf(notes[nnotes] + n, sizeof notes[0] - (size_t)n, fmt, ap);
	va_end(ap);
	nnotes++;
}

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		passed++;
	else
		failed++;
}

/* ---- the server --------------------------------------------------------- */

/* Move what the server wrote to stderr into srv_text (never blocks). */
static void collect(void)
{
	ssize_t r;

	while (srv_err >= 0) {
		if (srv_len == ERRBUF - 1)
			srv_len = 0;	/* keep reading, never block the server */
		r = read(srv_err, srv_text + srv_len, ERRBUF - 1 - srv_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0 || errno != EAGAIN) {
				close(srv_err);
				srv_err = -1;
			}
			return;
		}
		srv_len += (size_t)r;
		srv_text[srv_len] = '\0';
	}
}

/*
 * Wait up to secs for a whole line containing text at or after offset
 * from of what the server said; NULL if none.
 */
static const char *wait_line_from(size_t from, const char *text, double secs)
{
	double end = now() + secs;
	const char *hit;
	struct pollfd p;

	for (;;) {
		collect();
		if (from > srv_len)
			from = 0;	/* the buffer started over */
		hit = strstr(srv_text + from, text);
		if (hit != NULL && strchr(hit, '\n') != NULL)
			return hit;
		if (srv_err < 0 || now() > end)
			return NULL;
		p.fd = srv_err;
		p.events = POLLIN;
		poll(&p, 1, 50);
	}
}

static int start_server(int edge)
{
	char *argv[64], cbuf[16], tbuf[16];
	const char *line, *end, *q;
	int p[2], n = 0, i;

	for (i = 0; server_cmd[i] != NULL && n < 50; i++)
		argv[n++] = server_cmd[i];
	snprintf(cbuf, sizeof cbuf, "%u", slots);
	snprintf(tbuf, sizeof tbuf, "%u", idle_s);
	argv[n++] = "-c";
	argv[n++] = cbuf;
	argv[n++] = "-t";
	argv[n++] = tbuf;
	argv[n++] = "-p";
	argv[n++] = "0";
	if (edge)
		argv[n++] = "-E";
	argv[n] = NULL;
	srv_len = 0;
	srv_text[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0) {
		perror("soak: pipe");
		return -1;
	}
	srv_pid = fork();
	if (srv_pid < 0) {
		perror("soak: fork");
		return -1;
	}
	if (srv_pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		dprintf(2, "soak: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	srv_err = p[0];
	fcntl(srv_err, F_SETFL, O_NONBLOCK);
	line = wait_line_from(0, "listening on ", 10);
	if (line == NULL) {
		printf("soak: no start line from the server; it said: %.300s\n",
		    srv_text);
		return -1;
	}
	/* "listening on [::]:41234 tcp, ...": the port ends the address. */
	line += strlen("listening on ");
	end = strchr(line, ' ');
	for (q = end; q != NULL && q > line && q[-1] != ':'; q--)
		;
	if (q == NULL || sscanf(q, "%u", &port) != 1 || port == 0) {
		printf("soak: no port in the start line: %.200s\n", line);
		return -1;
	}
	return 0;
}

static void kill_server(void)
{
	if (srv_pid > 0) {
		kill(srv_pid, SIGKILL);
		waitpid(srv_pid, NULL, 0);
		srv_pid = 0;
	}
	if (srv_err >= 0)
		close(srv_err);
	srv_err = -1;
}

/* VmSize, VmRSS (kB) and Seccomp from /proc/PID/status; -1 if missing. */
static void vm(pid_t pid, long *size, long *rss, long *seccomp)
{
	char path[64], line[256];
	FILE *f;

	*size = *rss = *seccomp = -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmSize:", 7) == 0)
			*size = atol(line + 7);
		else if (strncmp(line, "VmRSS:", 6) == 0)
			*rss = atol(line + 6);
		else if (strncmp(line, "Seccomp:", 8) == 0)
			*seccomp = atol(line + 8);
	}
	fclose(f);
}

/* SIGUSR1 and the counters line it brings. */
static int counters(struct counters *k)
{
	const char *line;
	size_t mark = srv_len;

	kill(srv_pid, SIGUSR1);
	line = wait_line_from(mark, "echod: accepted ", 5);
	if (line == NULL)
		return -1;
	return sscanf(line, "echod: accepted %llu active %llu rejected_full "
	    "%llu rejected_fd %llu timed_out %llu bytes_in %llu bytes_out %llu",
	    &k->accepted, &k->active, &k->rejected_full, &k->rejected_fd,
	    &k->timed_out, &k->bytes_in, &k->bytes_out) == 7 ? 0 : -1;
}

/* SIGTERM: the exit status, or -1 if it did not exit within secs. */
static int stop_server(double secs)
{
	double end = now() + secs;
	int status;
	pid_t r;

	kill(srv_pid, SIGTERM);
	for (;;) {
		r = waitpid(srv_pid, &status, WNOHANG);
		if (r == srv_pid) {
			srv_pid = 0;
			collect();
			return status;
		}
		if (r < 0 || now() > end)
			return -1;
		collect();
		usleep(10000);
	}
}

/* Lines other than the start line and counters: complaints. */
static int server_complaints(char *out, size_t size)
{
	const char *p = srv_text, *nl;
	int n = 0;

	out[0] = '\0';
	for (; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p) - 1;
		if (strncmp(p, "echod: listening on ", 20) == 0 ||
		    strncmp(p, "echod: accepted ", 16) == 0)
			continue;
		if (n++ == 0)
			snprintf(out, size, "%.*s", (int)(nl - p), p);
	}
	return n;
}

/* ---- clients ------------------------------------------------------------ */

static size_t random_size(enum kind k)
{
	unsigned r = (unsigned)(rnd() % 100);

	if (k == K_SLOW)
		return between(16384, 131072);
	if (r < 45)
		return between(1, 2048);
	if (r < 80)
		return between(2049, 65536);
	if (r < 95)
		return between(65537, 524288);
	return between(524289, 2 * 1024 * 1024);
}

/* A chunk size: small, MTU-ish, medium or large, at most max. */
static size_t chunk(size_t max)
{
	static const size_t top[] = { 16, 1500, 16384, BUF };
	size_t c = between(1, top[rnd() % 4]);

	return c < max ? c : max;
}

static void close_client(struct client *c)
{
	close(c->fd);
	*c = cl[--ncl];
}

static int start_client(enum kind k, int burst)
{
	static uint64_t next_id;
	struct client *c;
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	int fd, v6 = (int)(rnd() & 1), rcvbuf;

	if (ncl == MAX_CLIENTS)
		return -1;
	fd = socket(v6 ? AF_INET6 : AF_INET,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("soak: socket");
		return -1;
	}
	c = &cl[ncl];
	memset(c, 0, sizeof *c);
	c->fd = fd;
	c->kind = k;
	c->v6 = v6;
	c->burst = burst;
	c->id = next_id++;
	c->seed = mix(seed ^ mix(c->id));
	if (k != K_IDLE)
		c->size = random_size(k);
	if (k == K_RESET)
		c->reset_at = c->size > 1 ? between(1, c->size - 1) : 1;
	if (k == K_SLOW) {
		rcvbuf = (int)between(4096, 65536);
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
		c->read_max = between(2048, 8192);
	}
	c->t_connect = c->last = now();
	if (v6) {
		a6.sin6_addr = in6addr_loopback;
		a6.sin6_port = htons((uint16_t)port);
	} else {
		a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a4.sin_port = htons((uint16_t)port);
	}
	if ((v6 ? connect(fd, (struct sockaddr *)&a6, sizeof a6) :
	    connect(fd, (struct sockaddr *)&a4, sizeof a4)) < 0) {
		if (errno != EINPROGRESS) {
			ncl++;
			note(c, "connect: %s", strerror(errno));
			close_client(c);
			return -1;
		}
		c->connecting = 1;
	}
	ncl++;
	return 0;
}

static enum kind random_data_kind(void)
{
	unsigned r = (unsigned)(rnd() % 100);

	return r < 40 ? K_HALF : r < 65 ? K_FULL : r < 82 ? K_SLOW : K_RESET;
}

/*
 * The connection ended (EOF or RST) with nothing echoed: a reject if the
 * client was never served; for an idle client, a timeout once -t passed.
 */
static void ended_unserved(struct client *c, int rst)
{
	double t = now() - c->t_connect;

	if (c->kind == K_IDLE && t >= idle_s - EARLY) {
		if (rst)
			note(c, "RST instead of EOF after %.2f s idle", t);
		tl.timeouts++;
		if (tl.idle_min == 0 || t < tl.idle_min)
			tl.idle_min = t;
		if (t > tl.idle_max)
			tl.idle_max = t;
		return;
	}
	tl.rejects++;
	if (t > tl.reject_max)
		tl.reject_max = t;
}

static void served(struct client *c)
{
	tl.served++;
	if (c->kind == K_FULL)
		tl.served_full++;
	else if (c->kind == K_SLOW)
		tl.served_slow++;
	else
		tl.served_half++;
	if (c->v6)
		tl.served_v6++;
	else
		tl.served_v4++;
}

/* Compare what came back with the payload; 0 if it is all right. */
static int verify(struct client *c, const unsigned char *p, size_t n)
{
	size_t i;

	if (c->recvd + n > c->sent) {
		note(c, "%zu bytes back but only %zu sent", c->recvd + n,
		    c->sent);
		return -1;
	}
	payload(c->seed, c->recvd, want, n);
	if (memcmp(p, want, n) != 0) {
		for (i = 0; p[i] == want[i]; i++)
			;
		tl.wrong++;
		note(c, "wrong byte at offset %zu: 0x%02x, sent 0x%02x",
		    c->recvd + i, p[i], want[i]);
		return -1;
	}
	c->recvd += n;
	tl.bytes_verified += n;
	c->last = now();
	return 0;
}

/* RST: SO_LINGER with a zero timeout, then close. */
static void reset(struct client *c)
{
	struct linger lg = { 1, 0 };

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	tl.resets++;
	close_client(c);
}

/* One read; returns 1 if the client is finished (and removed). */
static int on_readable(struct client *c)
{
	size_t max = c->kind == K_SLOW ? c->read_max : BUF;
	ssize_t r = read(c->fd, iobuf, chunk(max));

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r > 0) {
		if (c->kind == K_IDLE) {
			note(c, "%zd bytes on a connection that sent none", r);
			close_client(c);
			return 1;
		}
		if (verify(c, iobuf, (size_t)r) < 0) {
			close_client(c);
			return 1;
		}
		if (c->kind == K_SLOW)
			c->pause_until = now() + between(1, 10) / 1000.0;
		if (c->kind == K_RESET && c->recvd >= c->reset_at) {
			reset(c);
			return 1;
		}
		if (c->kind == K_FULL && c->recvd == c->size) {
			served(c);
			close_client(c);
			return 1;
		}
		return 0;
	}
	/* EOF (r == 0) or an error such as ECONNRESET. */
	if (c->recvd == 0)
		ended_unserved(c, r < 0);
	else if (r == 0 && c->wr_shut && c->recvd == c->size)
		served(c);
	else
		note(c, "%s after %zu of %zu bytes back (%zu sent)",
		    r == 0 ? "EOF" : strerror(errno), c->recvd, c->size,
		    c->sent);
	close_client(c);
	return 1;
}

/* One write; returns 1 if the client is finished (and removed). */
static int on_writable(struct client *c)
{
	size_t n = chunk(c->size - c->sent);
	ssize_t r;

	payload(c->seed, c->sent, iobuf, n);
	r = send(c->fd, iobuf, n, MSG_NOSIGNAL);
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		/* The server closed: the reading side tells why. */
		if (c->recvd == 0) {
			ended_unserved(c, 1);
		} else {
			note(c, "send: %s after %zu sent, %zu back",
			    strerror(errno), c->sent, c->recvd);
		}
		close_client(c);
		return 1;
	}
	c->sent += (size_t)r;
	tl.bytes_sent += (unsigned long long)r;
	c->last = now();
	if (c->sent == c->size && (c->kind == K_HALF || c->kind == K_SLOW)) {
		if (shutdown(c->fd, SHUT_WR) < 0) {
			/* ENOTCONN: an RST from the server came first. */
			if (c->recvd == 0)
				ended_unserved(c, 1);
			else
				note(c, "shutdown: %s after %zu back",
				    strerror(errno), c->recvd);
			close_client(c);
			return 1;
		}
		c->wr_shut = 1;
	}
	return 0;
}

static int on_connected(struct client *c)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		note(c, "connect: %s", strerror(err));
		close_client(c);
		return 1;
	}
	c->connecting = 0;
	c->last = now();
	return 0;
}

/* Too long without progress: the server lost bytes, stalled or spun. */
static int stalled(struct client *c, double t)
{
	if (c->kind == K_IDLE) {
		if (t - c->t_connect < idle_s + IDLE_GRACE)
			return 0;
		note(c, "still open %.1f s after connecting with -t %u",
		    t - c->t_connect, idle_s);
	} else {
		if (t - c->last < DATA_STALL)
			return 0;
		note(c, "no progress for %.0f s: %zu of %zu sent, %zu back%s",
		    t - c->last, c->sent, c->size, c->recvd,
		    c->wr_shut ? ", write side shut" : "");
	}
	close_client(c);
	return 1;
}

static short interest(const struct client *c, double t)
{
	short ev = 0;

	if (c->connecting)
		return POLLOUT;
	if (c->kind != K_SLOW || t >= c->pause_until)
		ev |= POLLIN;
	if (c->kind != K_IDLE && c->sent < c->size)
		ev |= POLLOUT;
	return ev;
}

/* ---- one mode ------------------------------------------------------------ */

static void run_clients(double secs)
{
	static struct pollfd pfd[MAX_CLIENTS + 1];
	static int who[MAX_CLIENTS + 1];
	double t0 = now(), end = t0 + secs, next_burst = t0 + BURST_FIRST;
	double backoff = 0, t, wake;
	int ndata, nidle, i, n, ms;

	for (;;) {
		t = now();
		if (t < end) {
			ndata = nidle = 0;
			for (i = 0; i < ncl; i++) {
				if (cl[i].kind != K_IDLE)
					ndata++;
				else if (!cl[i].burst)
					nidle++;
			}
			while (ndata < DATA_CONC && t >= backoff &&
			    start_client(random_data_kind(), 0) == 0)
				ndata++;
			while (nidle < IDLE_CONC && start_client(K_IDLE, 0) == 0)
				nidle++;
			if (t >= next_burst) {
				for (i = 0; i < (int)slots + BURST_EXTRA; i++)
					start_client(K_IDLE, 1);
				next_burst += BURST_EVERY;
			}
		} else if (ncl == 0) {
			return;
		} else if (t > end + idle_s + DRAIN_GRACE) {
			while (ncl > 0) {
				note(&cl[0], "still open when the soak ended");
				close_client(&cl[0]);
			}
			return;
		}

		n = 0;
		wake = t + 0.05;
		pfd[n].fd = srv_err;
		pfd[n].events = POLLIN;
		who[n++] = -1;
		for (i = 0; i < ncl; i++) {
			pfd[n].fd = cl[i].fd;
			pfd[n].events = interest(&cl[i], t);
			if (cl[i].kind == K_SLOW && cl[i].pause_until > t &&
			    cl[i].pause_until < wake)
				wake = cl[i].pause_until;
			who[n++] = i;
		}
		ms = (int)((wake - t) * 1000) + 1;
		if (poll(pfd, (nfds_t)n, ms) < 0 && errno != EINTR) {
			perror("soak: poll");
			return;
		}
		if (pfd[0].revents)
			collect();
		/*
		 * Back to front: close_client moves the last client into the
		 * closed one's place, which was already handled.
		 */
		for (i = n - 1; i >= 1; i--) {
			struct client *c = &cl[who[i]];
			short re = pfd[i].revents;
			unsigned long long rejects = tl.rejects;

			if (re == 0)
				continue;
			if (c->connecting) {
				on_connected(c);
				continue;
			}
			if ((re & (POLLIN | POLLHUP | POLLERR)) &&
			    (pfd[i].events & POLLIN) && on_readable(c)) {
				if (tl.rejects != rejects)
					backoff = now() + 0.01;
				continue;
			}
			if ((re & (POLLOUT | POLLERR)) && c->sent < c->size &&
			    on_writable(c)) {
				if (tl.rejects != rejects)
					backoff = now() + 0.01;
				continue;
			}
		}
		t = now();
		for (i = ncl - 1; i >= 0; i--)
			stalled(&cl[i], t);
	}
}

static void run_mode(const char *mode, double secs)
{
	int edge = strcmp(mode, "edge") == 0;
	long size0, rss0, size1, rss1, sc0, sc1;
	struct counters k;
	char complaint[256];
	double t0;
	int status, got, nc, i;

	memset(&tl, 0, sizeof tl);
	nnotes = 0;
	printf("-- %s-triggered, %.0f s, seed %llu: %s ... -c %u -t %u -p 0%s\n",
	    mode, secs, (unsigned long long)seed, server_cmd[0], slots, idle_s,
	    edge ? " -E" : "");
	fflush(stdout);
	if (start_server(edge) < 0) {
		check(0, "%s: server started", mode);
		kill_server();
		return;
	}
	vm(srv_pid, &size0, &rss0, &sc0);
	t0 = now();
	run_clients(secs);
	t0 = now() - t0;
	got = counters(&k);
	vm(srv_pid, &size1, &rss1, &sc1);
	status = stop_server(5);

	printf("%s: %llu connections served (%llu half-closed, %llu closed after "
	    "the echo, %llu slow readers; %llu over IPv4, %llu over IPv6), "
	    "%llu bytes verified, %llu wrong\n", mode, tl.served,
	    tl.served_half, tl.served_full, tl.served_slow, tl.served_v4,
	    tl.served_v6, tl.bytes_verified, tl.wrong);
	printf("%s: %llu rejects (EOF/RST within %.3f s), %llu timeouts "
	    "(closed %.2f-%.2f s after connecting, -t %u), %llu resets sent, "
	    "%.1f s\n", mode, tl.rejects, tl.reject_max, tl.timeouts,
	    tl.idle_min, tl.idle_max, idle_s, tl.resets, t0);
	printf("%s: %llu bytes sent by the clients\n", mode, tl.bytes_sent);
	printf("%s: server VmSize %ld -> %ld kB, VmRSS %ld -> %ld kB, "
	    "Seccomp %ld -> %ld\n", mode, size0, size1, rss0, rss1, sc0, sc1);
	if (got == 0)
		printf("%s: server counters: accepted %llu active %llu "
		    "rejected_full %llu rejected_fd %llu timed_out %llu "
		    "bytes_in %llu bytes_out %llu\n", mode, k.accepted,
		    k.active, k.rejected_full, k.rejected_fd, k.timed_out,
		    k.bytes_in, k.bytes_out);
	for (i = 0; i < nnotes; i++)
		printf("  %s\n", notes[i]);
	if (tl.failures > (unsigned long long)nnotes)
		printf("  ... and %llu more\n", tl.failures - nnotes);

	check(1, "%s: server started on port %u", mode, port);
	check(tl.failures == 0 && tl.wrong == 0,
	    "%s: every client as expected, no byte wrong (%llu failures)",
	    mode, tl.failures);
	check(tl.served_half > 0 && tl.served_full > 0 && tl.served_slow > 0 &&
	    tl.served_v4 > 0 && tl.served_v6 > 0 && tl.rejects > 0 &&
	    tl.timeouts > 0 && tl.resets > 0,
	    "%s: every kind of client happened", mode);
	check(got == 0 && k.accepted == tl.served + tl.resets + tl.timeouts &&
	    k.rejected_full + k.rejected_fd == tl.rejects &&
	    k.timed_out == tl.timeouts && k.active == 0 &&
	    k.bytes_out >= tl.bytes_verified && k.bytes_in >= k.bytes_out,
	    "%s: server counters agree (accepted = served + resets + timeouts, "
	    "rejected, timed_out, active 0, bytes)", mode);
	check(size0 > 0 && size0 == size1, "%s: VmSize unchanged (%ld -> %ld kB)",
	    mode, size0, size1);
	check(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s: exit 0 on SIGTERM (%s %d)", mode,
	    status < 0 ? "no exit, status" : WIFEXITED(status) ? "exit" :
	    "signal", status < 0 ? -1 : WIFEXITED(status) ?
	    WEXITSTATUS(status) : WTERMSIG(status));
	nc = server_complaints(complaint, sizeof complaint);
	check(nc == 0, "%s: the server said nothing else on stderr (%d lines%s%s)",
	    mode, nc, nc ? ", first: " : "", complaint);
	kill_server();
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: soak [-d seconds] [-c slots] [-t idle] "
	    "[-s seed] [-m level,edge] -- server [args]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char mode_list[64], *m, *save;
	int opt, nmodes = 0;
	const char *p;

	while ((opt = getopt(argc, argv, "d:c:t:s:m:")) != -1) {
		if (opt == 'd' && (duration = atof(optarg)) > 0)
			continue;
		if (opt == 'c' && (slots = (unsigned)atoi(optarg)) > 0)
			continue;
		if (opt == 't' && (idle_s = (unsigned)atoi(optarg)) > 0)
			continue;
		if (opt == 's') {
			seed = strtoull(optarg, NULL, 0);
			continue;
		}
		if (opt == 'm') {
			modes = optarg;
			continue;
		}
		usage();
	}
	server_cmd = argv + optind;
	if (*server_cmd == NULL || strlen(modes) >= sizeof mode_list)
		usage();
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rng_state = mix(seed);
	for (p = modes, nmodes = 1; *p != '\0'; p++)
		nmodes += *p == ',';
	snprintf(mode_list, sizeof mode_list, "%s", modes);
	for (m = strtok_r(mode_list, ",", &save); m != NULL;
	    m = strtok_r(NULL, ",", &save)) {
		if (strcmp(m, "level") != 0 && strcmp(m, "edge") != 0)
			usage();
		run_mode(m, duration / nmodes);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0 || passed == 0;
}
