/* SPDX-License-Identifier: ISC */
/*
 * load: the echo benchmark's load generator.
 *
 * Each of -j worker processes runs one single-threaded epoll loop over its
 * share of the connections. Echo mode is a closed loop: every active
 * connection keeps -d messages of -s bytes in flight and sends the next one
 * when an echo completes. Bulk mode streams -s byte writes both ways at
 * once. Idle connections (-c minus -a) are held open without a byte and
 * checked with one message after the measured period; -a 0 is idle mode.
 *
 * Every byte sent comes from a deterministic pattern, different per
 * connection, and every byte echoed is compared with it. An echo that is
 * wrong, short (the connection closed, or the drain timed out) or long
 * (bytes that were never sent) counts as an error.
 *
 * UDP mode (-m udp) is the same closed loop over -c connected UDP sockets
 * ("senders", each its own source port): -d datagrams in flight each, of
 * -s bytes or of sizes drawn from a fixed mix (-s mix). A datagram carries
 * its sender and sequence number in its first 8 bytes and the pattern
 * after them; every echo is checked whole (length and every byte), and a
 * duplicate or an echo of a datagram never sent is an error. A datagram
 * with no echo after -T ms frees its place in the loop (a later echo
 * still counts, as late); what never came back by the end is lost. Loss
 * is a figure, not an error: the server's socket drops and the load's own
 * (receive buffer overflows, from /proc/net/udp) are reported beside it.
 * -b ADDR+N spreads connections over N consecutive source addresses, so a
 * server's per-source limits see N sources.
 *
 * The parent forks the workers, waits until they are connected (and, with
 * -S, until the server holds every connection), then sets the warm-up and
 * measured period in CLOCK_MONOTONIC for all of them. Over the measured
 * period it samples the server's CPU time from /proc, summed over the
 * server and its children (the scheduler's exact run time from schedstat,
 * and utime+stime beside it), and its workers' own CPU time; at the end of
 * it the server's VmRSS and VmHWM. It prints one JSON line.
 *
 * A hard deadline (-D) bounds everything: past it the run ends with an
 * error line, whatever the server does.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
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
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PRIME 65521u		/* pattern period: no message size divides it */
#define MAXIO 65536u		/* largest single read or write */
#define MAXPROCS 64
#define CONNECTING_MAX 256	/* connects in progress at once */
#define BATCH 256
#define HBUCKETS 1920		/* latency histogram, 1/32 precision */
#define DRAIN_S 10.0		/* at most this long to collect the last echoes */
#define MAXGROUPS 16		/* -G: latency by connection group */
#define MAXWINDOWS 4096		/* -Z: latency timeline */
#define UDP_HDR 8		/* sender and sequence number */
#define UDP_RING 8192		/* datagrams remembered per sender */
#define UDP_BATCH 32		/* datagrams per recvmmsg or sendmmsg */
#define UDP_BUF (4 << 20)	/* socket buffers: the load must not drop */
#define NMIX 8

enum mode { ECHO, BULK, UDP };
enum state { FREE, CONNECTING, OPEN, SHUT, DONE };
enum dgram_state { UNSENT, INFLIGHT, LATE, ECHOED };

/*
 * -s mix: sizes drawn per datagram with these weights (of 13); 2,048 is
 * the largest echod took before full-size datagrams, 65,507 the largest
 * over IPv4.
 */
static const uint32_t mix_size[NMIX] = {
	64, 512, 1400, 2048, 2049, 9000, 32768, 65507 };
static const uint32_t mix_weight[NMIX] = { 4, 2, 2, 1, 1, 1, 1, 1 };

struct dgram {
	uint64_t t;			/* sent */
	uint32_t seq;
	uint32_t state;
};

struct conn {
	int fd;
	uint8_t state, active, out;	/* out: EPOLLOUT armed */
	uint32_t seed;
	uint64_t wpos, wend, rpos;	/* bytes written, committed, verified */
	uint64_t *ts;			/* send time of messages in flight */
	uint64_t msgs;			/* echoes in the measured period */
	int group;			/* -G: by rank among the active ones */
	struct dgram *sent;		/* UDP: the last UDP_RING datagrams */
	uint32_t next, low, inflight;	/* next seq; below low, none in flight */
};

/* What a worker hands its parent. */
struct result {
	int failed;
	char err[160];
	uint64_t errors;
	uint64_t msgs, bytes;		/* completed in the measured period */
	uint64_t msgs_total, bytes_total;	/* over the whole run */
	uint64_t verified;		/* bytes compared with the pattern */
	uint64_t idle_checked;
	double connect_s;
	uint64_t hist[HBUCKETS];
	uint64_t lat_max;
	uint64_t stall_max;		/* longest time with no echo, measured */
	uint64_t conn_min, conn_max;	/* echoes per active connection */
	uint64_t dg_sent, dg_echoed, dg_late;	/* UDP, over the whole run */
	uint64_t mix_sent[NMIX], mix_echoed[NMIX];
	uint64_t drops;			/* our own sockets' receive drops */
	uint64_t gmsgs[MAXGROUPS], gmax[MAXGROUPS];
	uint64_t ghist[MAXGROUPS][HBUCKETS];
	uint64_t wmsgs[MAXWINDOWS], wmax[MAXWINDOWS];
};

static struct {
	const char *host, *label, *source;
	int port, mix;
	enum mode mode;
	long conns, active, depth, size, procs, groups, window_ms, timeout_ms;
	double warm, measure, deadline;
	pid_t server;
	int quiet;
} opt = {
	.host = "127.0.0.1", .label = "", .mode = ECHO, .conns = 1, .active = -1,
	.depth = 1, .size = 64, .procs = 1, .warm = 1, .measure = 2,
	.deadline = 0, .groups = 0, .window_ms = 0, .timeout_ms = 1000,
};

static unsigned char pattern[PRIME + MAXIO];
static struct sockaddr_storage addr, src;
static socklen_t addrlen, srclen;
static long nsrc;			/* -b: consecutive source addresses */

static struct conn *conns;
static long nconn, nactive, first_global, first_active;
static int ep;
static struct result res;
static uint64_t t_deadline, t_ms, t_me;	/* ns, CLOCK_MONOTONIC */
static int running;			/* still committing new messages */
static uint64_t t_progress;		/* the last echo, or the period's start */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000u),
	    .tv_nsec = (long)(t % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* The first error names the run's failure; all of them are counted. */
static void fail(const char *fmt, ...)
{
	va_list ap;

	res.errors++;
	if (res.err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(res.err, sizeof res.err, fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "load: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

/* xorshift32: the same pattern in every process. */
static void make_pattern(void)
{
	uint32_t x = 2463534242u;
	size_t i;

	for (i = 0; i < PRIME; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		pattern[i] = (unsigned char)(x >> 24);
	}
	for (i = PRIME; i < sizeof pattern; i++)
		pattern[i] = pattern[i - PRIME];
}

static const unsigned char *at(const struct conn *c, uint64_t pos)
{
	return pattern + (c->seed + pos) % PRIME;
}

/* Histogram: exact below 64 ns, then 32 buckets per power of two. */
static unsigned bucket(uint64_t v)
{
	unsigned msb;

	if (v < 64)
		return (unsigned)v;
	msb = 63 - (unsigned)__builtin_clzll(v);
	return 64 + (msb - 6) * 32 + (unsigned)((v >> (msb - 5)) - 32);
}

static double bucket_mid(unsigned i)
{
	unsigned msb, sub;

	if (i < 64)
		return i;
	msb = (i - 64) / 32 + 6;
	sub = (i - 64) % 32;
	return (double)((uint64_t)(32 + sub) << (msb - 5)) +
	    (double)((uint64_t)1 << (msb - 5)) / 2;
}

static double percentile(const uint64_t *h, uint64_t n, double p)
{
	uint64_t want = (uint64_t)(p * (double)n + 0.999999), sum = 0;
	unsigned i;

	if (n == 0)
		return 0;
	if (want == 0)
		want = 1;
	for (i = 0; i < HBUCKETS; i++) {
		sum += h[i];
		if (sum >= want)
			return bucket_mid(i);
	}
	return bucket_mid(HBUCKETS - 1);
}

/* --- worker ------------------------------------------------------------ */

static void watch(struct conn *c, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (epoll_ctl(ep, op, c->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
}

static void set_out(struct conn *c, int on)
{
	if (opt.mode == BULK || c->out == on)
		return;
	c->out = (uint8_t)on;
	watch(c, EPOLLIN | (on ? EPOLLOUT : 0), EPOLL_CTL_MOD);
}

static void finish(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = DONE;
}

static void conn_error(struct conn *c, const char *what, int err)
{
	fail("connection %ld: %s%s%s", first_global + (c - conns), what,
	    err ? ": " : "", err ? strerror(err) : "");
	finish(c);
}

/* -b: connection k comes from the (k mod N)th source address. */
static int bind_source(int fd, long k)
{
	struct sockaddr_storage a = src;
	uint32_t *host = NULL, h;
	static const int one = 1;

	if (nsrc == 0)
		return 0;
	if (a.ss_family == AF_INET)
		host = (uint32_t *)(void *)&((struct sockaddr_in *)&a)->sin_addr;
	else
		host = (uint32_t *)(void *)
		    &((struct sockaddr_in6 *)&a)->sin6_addr.s6_addr[12];
	h = ntohl(*host) + (uint32_t)(k % nsrc);
	*host = htonl(h);
	/* TCP: the port is picked at connect, per destination. */
	if (opt.mode != UDP)
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		    sizeof one);
	return bind(fd, (struct sockaddr *)&a, srclen);
}

/* UDP: the socket buffers hold everything in flight; as root, forced. */
static void udp_buffers(int fd)
{
	static const int size = UDP_BUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

static int start_connect(struct conn *c)
{
	static const int one = 1;
	int udp = opt.mode == UDP;
	int fd = socket(addr.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fail("socket: %s", strerror(errno));
		return -1;
	}
	c->fd = fd;
	c->state = CONNECTING;
	if (bind_source(fd, first_global + (c - conns)) < 0) {
		conn_error(c, "bind to the source address", errno);
		return -1;
	}
	if (udp)
		udp_buffers(fd);
	else
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&addr, addrlen) < 0 &&
	    errno != EINPROGRESS) {
		conn_error(c, "connect", errno);
		return -1;
	}
	if (udp) {
		c->state = OPEN;
		watch(c, EPOLLIN, EPOLL_CTL_ADD);
	} else {
		watch(c, EPOLLOUT, EPOLL_CTL_ADD);
	}
	return 0;
}

/* Write what is committed; EPOLLOUT stays armed while some is left. */
static void flush(struct conn *c)
{
	while (c->wpos < c->wend) {
		uint64_t left = c->wend - c->wpos;
		size_t n = left < MAXIO ? (size_t)left : MAXIO;
		ssize_t r = write(c->fd, at(c, c->wpos), n);

		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_error(c, "write", errno);
			return;
		}
		c->wpos += (uint64_t)r;
		if ((size_t)r < n)
			break;
	}
	set_out(c, c->wpos < c->wend);
}

/* Echo mode: top the connection up to depth messages in flight. */
static void commit(struct conn *c, uint64_t now)
{
	uint64_t size = (uint64_t)opt.size;
	uint64_t sent = c->wend / size, done = c->rpos / size;

	while (sent - done < (uint64_t)opt.depth) {
		c->ts[sent % (uint64_t)opt.depth] = now;
		sent++;
		c->wend += size;
	}
}

/* Bulk mode: keep the socket's send buffer full. */
static void stream(struct conn *c)
{
	for (;;) {
		ssize_t r = write(c->fd, at(c, c->wpos), MAXIO);

		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR)
				conn_error(c, "write", errno);
			return;
		}
		c->wpos += (uint64_t)r;
		c->wend = c->wpos;
	}
}

static int measuring(uint64_t now)
{
	return now >= t_ms && now < t_me;
}

/* Echoes came back now: the longest time without one, measured. */
static void progress(uint64_t bytes, uint64_t now)
{
	res.bytes_total += bytes;
	if (!measuring(now))
		return;
	res.bytes += bytes;
	if (t_progress < t_ms)
		t_progress = t_ms;
	if (now - t_progress > res.stall_max)
		res.stall_max = now - t_progress;
	t_progress = now;
}

/* One echoed message of an active connection in the measured period. */
static void latency(struct conn *c, uint64_t lat, uint64_t now)
{
	unsigned b = bucket(lat);

	res.msgs++;
	c->msgs++;
	res.hist[b]++;
	if (lat > res.lat_max)
		res.lat_max = lat;
	if (opt.groups > 0) {
		res.ghist[c->group][b]++;
		res.gmsgs[c->group]++;
		if (lat > res.gmax[c->group])
			res.gmax[c->group] = lat;
	}
	if (opt.window_ms > 0) {
		uint64_t w = (now - t_ms) / ((uint64_t)opt.window_ms * 1000000u);

		if (w < MAXWINDOWS) {
			res.wmsgs[w]++;
			if (lat > res.wmax[w])
				res.wmax[w] = lat;
		}
	}
}

static void echoed(struct conn *c, uint64_t old, uint64_t now)
{
	uint64_t size = (uint64_t)opt.size, k;

	progress(c->rpos - old, now);
	for (k = old / size; k < c->rpos / size; k++) {
		res.msgs_total++;
		if (measuring(now) && opt.mode == ECHO && c->active)
			latency(c, now - c->ts[k % (uint64_t)opt.depth], now);
	}
}

static void on_read(struct conn *c, uint64_t now)
{
	static unsigned char buf[MAXIO];

	for (;;) {
		ssize_t r = read(c->fd, buf, sizeof buf);
		uint64_t old = c->rpos;

		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_error(c, "read", errno);
			return;
		}
		if (r == 0) {
			if (c->state == SHUT && c->rpos == c->wpos)
				finish(c);	/* the clean end */
			else
				conn_error(c, c->rpos < c->wpos ?
				    "short echo: the server closed" :
				    "the server closed", 0);
			return;
		}
		if (c->rpos + (uint64_t)r > c->wpos) {
			conn_error(c, "long echo: bytes that were never sent", 0);
			return;
		}
		if (memcmp(buf, at(c, c->rpos), (size_t)r) != 0) {
			size_t i = 0;

			while (buf[i] == at(c, c->rpos)[i])
				i++;
			fail("connection %ld: wrong echo at byte %llu",
			    first_global + (c - conns),
			    (unsigned long long)c->rpos + i);
			finish(c);
			return;
		}
		c->rpos += (uint64_t)r;
		res.verified += (uint64_t)r;
		echoed(c, old, now);
		/* Level-triggered echo mode: one read per event is enough. */
		if (opt.mode == ECHO || (size_t)r < sizeof buf)
			break;
	}
	if (opt.mode == ECHO && c->active && running) {
		commit(c, now);
		flush(c);
	}
}

static void on_connected(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		conn_error(c, "connect", err);
		return;
	}
	c->state = OPEN;
	watch(c, opt.mode == BULK && c->active ?
	    EPOLLIN | EPOLLOUT | EPOLLET : EPOLLIN, EPOLL_CTL_MOD);
}

/* --- UDP ----------------------------------------------------------------- */

static uint32_t sender_id(const struct conn *c)
{
	return (uint32_t)(first_global + (c - conns));
}

/* -s mix: the size class of a datagram, the same in every run. */
static unsigned mix_class(const struct conn *c, uint32_t seq)
{
	uint32_t x = (c->seed * 2654435761u) ^ (seq * 2246822519u);
	unsigned i;

	x ^= x >> 15;
	x *= 2654435761u;
	x ^= x >> 13;
	x %= 13;
	for (i = 0; x >= mix_weight[i]; i++)
		x -= mix_weight[i];
	return i;
}

static uint32_t dg_size(const struct conn *c, uint32_t seq)
{
	return opt.mix ? mix_size[mix_class(c, seq)] : (uint32_t)opt.size;
}

/* Bytes UDP_HDR onwards of a datagram. */
static const unsigned char *dg_body(const struct conn *c, uint32_t seq)
{
	return pattern + (c->seed + (uint64_t)seq * 4099u) % PRIME;
}

static struct dgram *dg_at(struct conn *c, uint32_t seq)
{
	return &c->sent[seq % UDP_RING];
}

/* Top the sender up to -d datagrams in flight, in one sendmmsg. */
static void udp_fill(struct conn *c, uint64_t now)
{
	static struct mmsghdr m[UDP_BATCH];
	static struct iovec iov[UDP_BATCH][2];
	static uint32_t hdr[UDP_BATCH][2];
	unsigned n = 0, i;
	int r;

	while (running && c->state == OPEN &&
	    c->inflight + n < (uint64_t)opt.depth && n < UDP_BATCH) {
		uint32_t seq = c->next + n;

		hdr[n][0] = sender_id(c);
		hdr[n][1] = seq;
		iov[n][0].iov_base = hdr[n];
		iov[n][0].iov_len = UDP_HDR;
		iov[n][1].iov_base = (void *)(dg_body(c, seq) + UDP_HDR);
		iov[n][1].iov_len = dg_size(c, seq) - UDP_HDR;
		memset(&m[n], 0, sizeof m[n]);
		m[n].msg_hdr.msg_iov = iov[n];
		m[n].msg_hdr.msg_iovlen = 2;
		n++;
	}
	if (n == 0)
		return;
	r = sendmmsg(c->fd, m, n, MSG_DONTWAIT);
	if (r < 0) {
		if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
			set_out(c, 1);
		else
			conn_error(c, "send", errno);
		return;
	}
	for (i = 0; i < (unsigned)r; i++) {
		uint32_t seq = c->next++;
		struct dgram *d = dg_at(c, seq);

		/* Still in flight a whole ring later: given up (an echo of it
		 * will be late, its send time overwritten here). */
		if (d->state == INFLIGHT)
			c->inflight--;
		d->t = now;
		d->seq = seq;
		d->state = INFLIGHT;
		c->inflight++;
		res.dg_sent++;
		if (opt.mix)
			res.mix_sent[mix_class(c, seq)]++;
	}
	set_out(c, (unsigned)r < n);
}

/* Check one echo whole; count it, with its latency if it is known. */
static void udp_check(struct conn *c, const unsigned char *buf, size_t len,
    uint64_t now)
{
	uint32_t who, seq, size;
	struct dgram *d;

	if (len < UDP_HDR) {
		fail("sender %u: truncated echo of %zu bytes", sender_id(c), len);
		return;
	}
	memcpy(&who, buf, sizeof who);
	memcpy(&seq, buf + 4, sizeof seq);
	if (who != sender_id(c) || (int32_t)(seq - c->next) >= 0) {
		fail("sender %u: echo of a datagram it never sent", sender_id(c));
		return;
	}
	size = dg_size(c, seq);
	if (len != size) {
		fail("sender %u: %s echo: %zu bytes for %u", sender_id(c),
		    len < size ? "truncated" : "long", len, size);
		return;
	}
	if (memcmp(buf + UDP_HDR, dg_body(c, seq) + UDP_HDR,
	    size - UDP_HDR) != 0) {
		fail("sender %u: wrong echo of datagram %u", sender_id(c), seq);
		return;
	}
	res.verified += len;
	d = dg_at(c, seq);
	if (d->seq == seq && d->state == ECHOED) {
		fail("sender %u: duplicate echo of datagram %u", sender_id(c),
		    seq);
		return;
	}
	res.dg_echoed++;
	res.msgs_total++;
	if (opt.mix)
		res.mix_echoed[mix_class(c, seq)]++;
	progress(len, now);
	if (d->seq != seq) {		/* a ring ago: its send time is gone */
		res.dg_late++;
		return;
	}
	if (d->state == LATE)
		res.dg_late++;
	else
		c->inflight--;
	d->state = ECHOED;
	if (measuring(now))
		latency(c, now - d->t, now);
}

static void udp_read(struct conn *c, uint64_t now)
{
	static unsigned char buf[UDP_BATCH][MAXIO];
	static struct mmsghdr m[UDP_BATCH];
	static struct iovec iov[UDP_BATCH];
	int n, i;

	for (i = 0; i < UDP_BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof buf[i];
		memset(&m[i], 0, sizeof m[i]);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(c->fd, m, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_error(c, "receive", errno);
		return;
	}
	for (i = 0; i < n; i++)
		udp_check(c, buf[i], m[i].msg_len, now);
	udp_fill(c, now);
}

/* Datagrams older than -T free their place in the loop. */
static void udp_expire(struct conn *c, uint64_t now)
{
	uint64_t limit = (uint64_t)opt.timeout_ms * 1000000u;

	while (c->low != c->next) {
		struct dgram *d = dg_at(c, c->low);

		if (d->seq == c->low && d->state == INFLIGHT) {
			if (now - d->t < limit)
				break;
			d->state = LATE;
			c->inflight--;
		}
		c->low++;
	}
	if (c->state == OPEN)
		udp_fill(c, now);
}

static void udp_tick(uint64_t now)
{
	static uint64_t last;
	long i;

	if (now - last < (uint64_t)opt.timeout_ms * 1000000u / 16)
		return;
	last = now;
	for (i = 0; i < nconn; i++)
		udp_expire(&conns[i], now);
}

static uint64_t udp_inflight(void)
{
	uint64_t n = 0;
	long i;

	for (i = 0; i < nconn; i++)
		if (conns[i].state == OPEN)
			n += conns[i].inflight;
	return n;
}

/* Receive drops of our sockets, from the kernel's table of them. */
static uint64_t udp_drops(const char *table, const ino_t *inodes, long n)
{
	char line[512];
	unsigned long long drops;
	unsigned long inode;
	uint64_t sum = 0;
	FILE *f = fopen(table, "re");
	long i;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode
		 * ref pointer drops */
		if (sscanf(line, " %*s %*s %*s %*s %*s %*s %*s %*s %*s %lu "
		    "%*s %*s %llu", &inode, &drops) != 2)
			continue;
		for (i = 0; i < n; i++)
			if (inodes[i] == (ino_t)inode)
				sum += drops;
	}
	fclose(f);
	return sum;
}

static void udp_own_drops(void)
{
	ino_t *inodes = calloc((size_t)nconn, sizeof *inodes);
	struct stat st;
	long i, n = 0;

	if (inodes == NULL)
		return;
	for (i = 0; i < nconn; i++)
		if (conns[i].fd >= 0 && fstat(conns[i].fd, &st) == 0)
			inodes[n++] = st.st_ino;
	res.drops = udp_drops("/proc/self/net/udp", inodes, n) +
	    udp_drops("/proc/self/net/udp6", inodes, n);
	free(inodes);
}

/* --- events ---------------------------------------------------------------- */

static void on_event(struct conn *c, uint32_t events, uint64_t now)
{
	if (opt.mode == UDP) {
		if (c->state != OPEN)
			return;
		if (events & (EPOLLIN | EPOLLERR))
			udp_read(c, now);
		if (c->state == OPEN && (events & EPOLLOUT))
			udp_fill(c, now);
		return;
	}
	if (c->state == CONNECTING) {
		on_connected(c);
		return;
	}
	if (c->state == DONE)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		on_read(c, now);
	if (c->state == DONE)
		return;
	if (events & EPOLLOUT) {
		if (opt.mode == BULK && c->active && running)
			stream(c);
		else
			flush(c);
	}
}

/* Run the loop until stop() says so or the deadline passes. */
static int poll_once(uint64_t until)
{
	static struct epoll_event ev[BATCH];
	uint64_t now = now_ns();
	int64_t left = (int64_t)(until - now);
	int ms = left <= 0 ? 0 : (int)(left / 1000000) + 1, n, i;

	if (ms > 100)
		ms = 100;
	/* UDP: wake up for the datagrams that time out. */
	if (opt.mode == UDP && ms > opt.timeout_ms / 16 + 1)
		ms = (int)opt.timeout_ms / 16 + 1;
	n = epoll_wait(ep, ev, BATCH, ms);
	if (n < 0 && errno != EINTR)
		die("epoll_wait: %s", strerror(errno));
	for (i = 0; i < n; i++)
		on_event(ev[i].data.ptr, ev[i].events, now_ns());
	if (opt.mode == UDP)
		udp_tick(now_ns());
	return n;
}

static long count_state(int s)
{
	long i, n = 0;

	for (i = 0; i < nconn; i++)
		n += conns[i].state == s;
	return n;
}

/* Connect idle connections first, then the active ones. */
static void connect_all(void)
{
	long next = 0, open = 0, pending = 0, i;
	uint64_t t0 = now_ns();

	while (open < nconn && res.errors == 0) {
		while (next < nconn && pending < CONNECTING_MAX) {
			if (start_connect(&conns[next++]) < 0)
				return;
			pending++;
		}
		if (opt.mode == UDP) {	/* a connected UDP socket is ready */
			open = next;
			pending = 0;
			continue;
		}
		if (now_ns() > t_deadline) {
			fail("connect: deadline passed with %ld of %ld connected",
			    open, nconn);
			return;
		}
		poll_once(t_deadline);
		open = 0;
		pending = 0;
		for (i = 0; i < next; i++) {
			open += conns[i].state == OPEN;
			pending += conns[i].state == CONNECTING;
		}
	}
	res.connect_s = (double)(now_ns() - t0) / 1e9;
}

enum { IN, OUT };
static int pipe_all(int fd, void *p, size_t n, int way);

static int outstanding(void)
{
	long i;

	for (i = 0; i < nconn; i++)
		if (conns[i].state == OPEN && conns[i].rpos < conns[i].wend)
			return 1;
	return 0;
}

static void run_worker(int down)
{
	uint64_t stop, late;
	long i;
	char go;

	/* Warm-up and the measured period. */
	running = 1;
	for (i = 0; i < nconn; i++) {
		struct conn *c = &conns[i];

		if (!c->active || c->state != OPEN)
			continue;
		if (opt.mode == UDP) {
			udp_fill(c, now_ns());
		} else if (opt.mode == BULK) {
			stream(c);
		} else {
			commit(c, now_ns());
			flush(c);
		}
	}
	while (now_ns() < t_me && now_ns() < t_deadline)
		poll_once(t_me);
	running = 0;
	if (nactive > 0) {
		uint64_t last = t_progress < t_ms ? t_ms : t_progress;

		if (t_me - last > res.stall_max)
			res.stall_max = t_me - last;
	}
	res.conn_min = UINT64_MAX;
	for (i = 0; i < nconn; i++) {
		if (!conns[i].active)
			continue;
		if (conns[i].msgs < res.conn_min)
			res.conn_min = conns[i].msgs;
		if (conns[i].msgs > res.conn_max)
			res.conn_max = conns[i].msgs;
	}
	/*
	 * Until the parent has sampled the server, close nothing: a child of
	 * a fork-per-connection server that exits takes its CPU time along.
	 */
	if (pipe_all(down, &go, 1, IN) < 0)
		_exit(3);
	stop = now_ns() + (uint64_t)(DRAIN_S * 1e9);
	if (stop > t_deadline)
		stop = t_deadline;
	if (opt.mode == UDP) {
		/* What is still in flight comes back or times out; then the
		 * late ones get one more -T to come back. */
		while (udp_inflight() > 0 && now_ns() < stop)
			poll_once(stop);
		late = now_ns() + (uint64_t)opt.timeout_ms * 1000000u;
		while (res.dg_echoed < res.dg_sent && now_ns() < late &&
		    now_ns() < stop)
			poll_once(late < stop ? late : stop);
		udp_own_drops();
		return;
	}

	/* One message on each idle connection, then drain every echo. */
	for (i = 0; i < nconn; i++) {
		struct conn *c = &conns[i];

		if (c->active || c->state != OPEN)
			continue;
		c->wend += (uint64_t)opt.size;
		flush(c);
		res.idle_checked++;
	}
	while (outstanding() && now_ns() < stop)
		poll_once(stop);
	for (i = 0; i < nconn; i++) {
		struct conn *c = &conns[i];

		if (c->state == OPEN && c->rpos < c->wend)
			conn_error(c, "short echo: the drain timed out", 0);
	}

	/* Half-close: the server must echo nothing more and close. */
	for (i = 0; i < nconn; i++) {
		struct conn *c = &conns[i];

		if (c->state != OPEN)
			continue;
		if (shutdown(c->fd, SHUT_WR) < 0) {
			conn_error(c, "shutdown", errno);
			continue;
		}
		c->state = SHUT;
	}
	stop = now_ns() + (uint64_t)(DRAIN_S * 1e9);
	if (stop > t_deadline)
		stop = t_deadline;
	while (count_state(SHUT) > 0 && now_ns() < stop)
		poll_once(stop);
	for (i = 0; i < nconn; i++)
		if (conns[i].state == SHUT)
			conn_error(&conns[i], "no EOF after the half-close", 0);
}

/* All n bytes through a pipe to (OUT) or from (IN) another process. */
static int pipe_all(int fd, void *p, size_t n, int way)
{
	char *b = p;

	while (n > 0) {
		ssize_t r = way == OUT ? write(fd, b, n) : read(fd, b, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static void __attribute__((noreturn)) worker(int k, int up, int down)
{
	long per = opt.conns / opt.procs, extra = opt.conns % opt.procs;
	long aper = opt.active / opt.procs, aextra = opt.active % opt.procs;
	uint64_t times[2];
	long i;

	nconn = per + (k < extra);
	nactive = aper + (k < aextra);
	first_global = k * per + (k < extra ? k : extra);
	first_active = k * aper + (k < aextra ? k : aextra);
	conns = calloc((size_t)nconn, sizeof *conns);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (conns == NULL || ep < 0)
		die("out of memory or descriptors");
	for (i = 0; i < nconn; i++) {
		struct conn *c = &conns[i];

		c->fd = -1;
		c->seed = (uint32_t)(((uint64_t)(first_global + i) * 7919u) % PRIME);
		/* The active connections are the last ones: idle ones go first. */
		c->active = i >= nconn - nactive;
		/* Groups by rank among the active ones: the order they connect. */
		if (c->active && opt.groups > 0)
			c->group = (int)((first_active + i - (nconn - nactive)) *
			    opt.groups / opt.active);
		if (opt.mode == ECHO) {
			c->ts = calloc((size_t)(c->active ? opt.depth : 1),
			    sizeof *c->ts);
			if (c->ts == NULL)
				die("out of memory");
		}
		if (opt.mode == UDP) {
			c->sent = calloc(UDP_RING, sizeof *c->sent);
			if (c->sent == NULL)
				die("out of memory");
		}
	}
	connect_all();
	res.failed = res.errors != 0;
	if (pipe_all(up, res.failed ? "F" : "R", 1, OUT) < 0 ||
	    pipe_all(down, times, sizeof times, IN) < 0)
		_exit(3);
	t_ms = times[0];
	t_me = times[1];
	if (!res.failed)
		run_worker(down);
	for (i = 0; i < nconn; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	if (pipe_all(up, &res, sizeof res, OUT) < 0)
		_exit(3);
	_exit(0);
}

/* --- parent: /proc sampling -------------------------------------------- */

struct sample {
	double cpu;		/* seconds, schedstat */
	double ticks;		/* seconds, utime+stime */
	long rss, hwm;		/* KiB */
	long procs, sockets;
	long minflt;		/* page faults: first touches of memory */
	long vcsw, nvcsw;	/* it slept; it was preempted */
	ino_t inodes[64];	/* its first sockets, for their UDP drops */
	long ninodes;
};

/*
 * One process: its parent, utime+stime (+ cutime+cstime of children it
 * reaped) in seconds, and the scheduler's exact run time of its threads.
 * /proc reports utime+stime in whole clock ticks (10 ms) per process, so
 * a fork-per-connection server whose children each ran 5 ms shows 0;
 * schedstat's sum_exec_runtime counts nanoseconds. The run time adds the
 * children it reaped (cutime+cstime: the kernel sums their exact times
 * and rounds the sum to ticks), so a process per datagram (socat) that
 * ends between two samples still counts.
 */
static int proc_stat(pid_t pid, pid_t *ppid, double *ticks, double *run,
    long *minflt)
{
	char path[64], buf[1024], *p;
	unsigned long long v[4], ns, flt;
	struct dirent *d;
	DIR *dir;
	int fd, n, i;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = (int)read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	/* Fields from 3: state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime cutime cstime. */
	if (sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %llu %*u %*u %*u "
	    "%llu %llu %llu %llu", ppid, &flt, &v[0], &v[1], &v[2], &v[3]) != 6)
		return -1;
	if (minflt != NULL)
		*minflt += (long)flt;
	*ticks = 0;
	for (i = 0; i < 4; i++)
		*ticks += (double)v[i];
	*ticks /= (double)sysconf(_SC_CLK_TCK);
	if (run == NULL)
		return 0;
	*run = (double)(v[2] + v[3]) / (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (dir == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%.16s/schedstat",
		    (int)pid, d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = (int)read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (sscanf(buf, "%llu", &ns) == 1)
			*run += (double)ns / 1e9;
	}
	closedir(dir);
	return 0;
}

static void proc_status(pid_t pid, struct sample *s, int mem)
{
	char path[64], line[256];
	FILE *f;
	long v;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (mem && sscanf(line, "VmRSS: %ld", &v) == 1)
			s->rss += v;
		else if (mem && sscanf(line, "VmHWM: %ld", &v) == 1)
			s->hwm += v;
		else if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
			s->vcsw += v;
		else if (sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
			s->nvcsw += v;
	}
	fclose(f);
}

/* Count the process's sockets; remember the first ones, each once. */
static void proc_sockets(pid_t pid, struct sample *s)
{
	char path[64], link[320], target[64];
	unsigned long inode;
	struct dirent *d;
	DIR *dir;
	long i;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (dir == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		ssize_t r;

		if (d->d_name[0] == '.')
			continue;
		snprintf(link, sizeof link, "%s/%s", path, d->d_name);
		r = readlink(link, target, sizeof target - 1);
		if (r <= 7 || memcmp(target, "socket:", 7) != 0)
			continue;
		s->sockets++;
		target[r] = '\0';
		if (sscanf(target, "socket:[%lu]", &inode) != 1)
			continue;
		for (i = 0; i < s->ninodes && s->inodes[i] != (ino_t)inode; i++)
			;
		if (i == s->ninodes && i < (long)(sizeof s->inodes /
		    sizeof s->inodes[0]))
			s->inodes[s->ninodes++] = (ino_t)inode;
	}
	closedir(dir);
}

/*
 * The server and every process under it: a fork-per-connection server's
 * children, and what they run (ncat -e runs its command two levels down).
 */
static int sample_tree(pid_t root, int mem, int sockets, struct sample *s)
{
	static pid_t pid[65536], parent[65536];
	struct dirent *d;
	long n = 0, i, j;
	DIR *dir;
	double ticks, cpu;

	memset(s, 0, sizeof *s);
	if (proc_stat(root, &parent[0], &ticks, &cpu, &s->minflt) < 0)
		return -1;
	s->cpu = cpu;
	s->ticks = ticks;
	s->procs = 1;
	proc_status(root, s, mem);
	if (sockets)
		proc_sockets(root, s);
	dir = opendir("/proc");
	if (dir == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL && n < 65536) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid[n] = (pid_t)atoi(d->d_name);
		if (pid[n] != root &&
		    proc_stat(pid[n], &parent[n], &ticks, NULL, NULL) == 0)
			n++;
	}
	closedir(dir);
	/* Under the server: its parent is the server or is under it. */
	for (i = 0; i < n; i++) {
		pid_t up = parent[i];

		for (j = 0; up > 1 && up != root && j < 64; j++) {
			long k;

			for (k = 0; k < n && pid[k] != up; k++)
				;
			up = k < n ? parent[k] : 0;
		}
		if (up != root ||
		    proc_stat(pid[i], &up, &ticks, &cpu, &s->minflt) < 0)
			continue;
		s->cpu += cpu;
		s->ticks += ticks;
		s->procs++;
		proc_status(pid[i], s, mem);
		if (sockets)
			proc_sockets(pid[i], s);
	}
	return 0;
}

/* UDP receive drops of the server's sockets, in its network namespace. */
static uint64_t server_drops(pid_t root)
{
	struct sample s;
	char path[64];
	uint64_t n;

	if (sample_tree(root, 0, 1, &s) < 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/net/udp", (int)root);
	n = udp_drops(path, s.inodes, s.ninodes);
	snprintf(path, sizeof path, "/proc/%d/net/udp6", (int)root);
	return n + udp_drops(path, s.inodes, s.ninodes);
}

static double workers_cpu(const pid_t *pids, int n)
{
	double sum = 0, ticks, cpu;
	pid_t ppid;
	int i;

	for (i = 0; i < n; i++)
		if (proc_stat(pids[i], &ppid, &ticks, &cpu, NULL) == 0)
			sum += cpu;
	return sum;
}

/* --- parent: the run ----------------------------------------------------- */

static const char *mode_name(void)
{
	if (opt.mode == UDP)
		return "udp";
	return opt.mode == BULK ? "bulk" : opt.active == 0 ? "idle" : "echo";
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static pid_t pids[MAXPROCS];

static void on_alarm(int sig)
{
	static const char line[] = "{\"ok\":false,\"errors\":1,"
	    "\"error\":\"hard deadline passed\"}\n";
	int i;

	(void)sig;
	for (i = 0; i < opt.procs; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	if (write(1, line, sizeof line - 1) < 0)
		_exit(4);
	_exit(3);
}

static void usage(void)
{
	fprintf(stderr,
	    "usage: load -p PORT [options]\n"
	    "  -H ADDR   server address (127.0.0.1)\n"
	    "  -p PORT   server port\n"
	    "  -m MODE   echo (closed loop), bulk (full-duplex streaming) or\n"
	    "            udp (closed loop of datagrams)\n"
	    "  -c N      connections; udp: senders, each its own socket (1)\n"
	    "  -a N      active connections, the rest idle (all; 0: idle mode)\n"
	    "  -d N      echo, udp: messages in flight per active connection (1)\n"
	    "  -s BYTES  echo, udp: message size; bulk: write size (64);\n"
	    "            udp: mix for sizes 64 to 65,507 from a fixed mix\n"
	    "  -T MS     udp: no echo after this long frees a datagram's place\n"
	    "            in the loop; a later echo counts as late (1000)\n"
	    "  -b A+N    bind connection k to source address A + (k mod N),\n"
	    "            e.g. 127.0.0.2+8 (N 1 if left out)\n"
	    "  -G N      latency in N groups of the active connections, by\n"
	    "            the order they connect (at most 16)\n"
	    "  -Z MS     latency timeline: echoes and the slowest, per MS ms\n"
	    "  -w SEC    warm-up (1)\n"
	    "  -t SEC    measured period; idle mode: how long to hold (2)\n"
	    "  -j N      load processes (1)\n"
	    "  -S PID    server: sample its CPU and memory, wait for it to\n"
	    "            hold every connection\n"
	    "  -D SEC    hard deadline (warm-up + period + 60)\n"
	    "  -L TEXT   label copied into the JSON line\n");
	exit(2);
}

static double num(const char *s, double lo, double hi)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

static void parse(int argc, char **argv)
{
	int ch;

	while ((ch = getopt(argc, argv, "H:p:m:c:a:d:s:w:t:j:S:D:L:qT:b:G:Z:"))
	    != -1) {
		switch (ch) {
		case 'H': opt.host = optarg; break;
		case 'p': opt.port = (int)num(optarg, 1, 65535); break;
		case 'm':
			if (strcmp(optarg, "echo") == 0)
				opt.mode = ECHO;
			else if (strcmp(optarg, "bulk") == 0)
				opt.mode = BULK;
			else if (strcmp(optarg, "udp") == 0)
				opt.mode = UDP;
			else
				usage();
			break;
		case 'c': opt.conns = (long)num(optarg, 1, 1000000); break;
		case 'a': opt.active = (long)num(optarg, 0, 1000000); break;
		case 'd': opt.depth = (long)num(optarg, 1, 4096); break;
		case 's':
			opt.mix = strcmp(optarg, "mix") == 0;
			if (!opt.mix)
				opt.size = (long)num(optarg, 1, MAXIO);
			break;
		case 'T': opt.timeout_ms = (long)num(optarg, 1, 10000); break;
		case 'b': opt.source = optarg; break;
		case 'G': opt.groups = (long)num(optarg, 1, MAXGROUPS); break;
		case 'Z': opt.window_ms = (long)num(optarg, 1, 60000); break;
		case 'w': opt.warm = num(optarg, 0, 3600); break;
		case 't': opt.measure = num(optarg, 0.01, 3600); break;
		case 'j': opt.procs = (long)num(optarg, 1, MAXPROCS); break;
		case 'S': opt.server = (pid_t)num(optarg, 1, 1 << 30); break;
		case 'D': opt.deadline = num(optarg, 1, 36000); break;
		case 'L': opt.label = optarg; break;
		case 'q': opt.quiet = 1; break;
		default: usage();
		}
	}
	if (optind != argc || opt.port == 0)
		usage();
	if (opt.active < 0 || opt.active > opt.conns)
		opt.active = opt.conns;
	if (opt.procs > opt.conns)
		opt.procs = opt.conns;
	if (opt.deadline == 0)
		opt.deadline = opt.warm + opt.measure + 60;
	if (opt.mode == BULK && opt.active == 0)
		usage();
	if (opt.mix && opt.mode != UDP)
		usage();
	/* 65,527: the largest over IPv6. */
	if (opt.mode == UDP && (opt.active != opt.conns || opt.size < UDP_HDR ||
	    opt.size > 65527 || opt.depth >= UDP_RING / 2))
		usage();
}

/* A numeric address and port into a sockaddr; its length, 0 if not one. */
static socklen_t sockaddr_of(const char *host, int port,
    struct sockaddr_storage *a)
{
	struct sockaddr_in *in = (struct sockaddr_in *)a;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)a;

	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		return sizeof *in;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return sizeof *in6;
	}
	return 0;
}

static void resolve(void)
{
	char host[64], *plus;

	addrlen = sockaddr_of(opt.host, opt.port, &addr);
	if (addrlen == 0)
		die("not a numeric address: %s", opt.host);
	if (opt.source == NULL)
		return;
	snprintf(host, sizeof host, "%s", opt.source);
	plus = strchr(host, '+');
	nsrc = 1;
	if (plus != NULL) {
		*plus = '\0';
		nsrc = (long)num(plus + 1, 1, 1 << 24);
	}
	srclen = sockaddr_of(host, 0, &src);
	if (srclen == 0 || src.ss_family != addr.ss_family)
		die("-b: not a numeric address of the server's family: %s",
		    opt.source);
}

/* A worker's result into the sum of them all. */
static void merge(struct result *all, const struct result *r)
{
	unsigned i, g;

	all->errors += r->errors;
	if (all->err[0] == '\0' && r->err[0] != '\0')
		memcpy(all->err, r->err, sizeof all->err);
	all->msgs += r->msgs;
	all->bytes += r->bytes;
	all->msgs_total += r->msgs_total;
	all->bytes_total += r->bytes_total;
	all->verified += r->verified;
	all->idle_checked += r->idle_checked;
	if (r->connect_s > all->connect_s)
		all->connect_s = r->connect_s;
	if (r->lat_max > all->lat_max)
		all->lat_max = r->lat_max;
	if (r->stall_max > all->stall_max)
		all->stall_max = r->stall_max;
	if (r->conn_max > all->conn_max)
		all->conn_max = r->conn_max;
	if (r->conn_min < all->conn_min)
		all->conn_min = r->conn_min;
	for (i = 0; i < HBUCKETS; i++)
		all->hist[i] += r->hist[i];
	all->dg_sent += r->dg_sent;
	all->dg_echoed += r->dg_echoed;
	all->dg_late += r->dg_late;
	all->drops += r->drops;
	for (i = 0; i < NMIX; i++) {
		all->mix_sent[i] += r->mix_sent[i];
		all->mix_echoed[i] += r->mix_echoed[i];
	}
	for (g = 0; g < MAXGROUPS; g++) {
		all->gmsgs[g] += r->gmsgs[g];
		if (r->gmax[g] > all->gmax[g])
			all->gmax[g] = r->gmax[g];
		for (i = 0; i < HBUCKETS; i++)
			all->ghist[g][i] += r->ghist[g][i];
	}
	for (i = 0; i < MAXWINDOWS; i++) {
		all->wmsgs[i] += r->wmsgs[i];
		if (r->wmax[i] > all->wmax[i])
			all->wmax[i] = r->wmax[i];
	}
}

/* UDP: datagrams sent and lost, where they were dropped, by size. */
static void print_udp(const struct result *all, long server_drops)
{
	uint64_t lost = all->dg_sent - all->dg_echoed;
	unsigned i;

	printf(",\"dgrams_sent\":%llu,\"dgrams_lost\":%llu,\"dgrams_late\":%llu,"
	    "\"loss_pct\":%.3f,\"load_udp_drops\":%llu",
	    (unsigned long long)all->dg_sent, (unsigned long long)lost,
	    (unsigned long long)all->dg_late,
	    all->dg_sent ? 100.0 * (double)lost / (double)all->dg_sent : 0.0,
	    (unsigned long long)all->drops);
	if (server_drops >= 0)
		printf(",\"server_udp_drops\":%ld", server_drops);
	if (!opt.mix)
		return;
	printf(",\"sizes\":{");
	for (i = 0; i < NMIX; i++)
		printf("%s\"%u\":{\"sent\":%llu,\"lost\":%llu}", i ? "," : "",
		    mix_size[i], (unsigned long long)all->mix_sent[i],
		    (unsigned long long)(all->mix_sent[i] - all->mix_echoed[i]));
	printf("}");
}

/* -G and -Z: where and when the slow echoes were. */
static void print_tail(const struct result *all)
{
	long g, w, windows;

	if (opt.groups > 0) {
		printf(",\"groups\":[");
		for (g = 0; g < opt.groups; g++)
			printf("%s{\"msgs\":%llu,\"p50_us\":%.2f,\"p99_us\":%.2f,"
			    "\"p999_us\":%.2f,\"max_us\":%.2f}", g ? "," : "",
			    (unsigned long long)all->gmsgs[g],
			    percentile(all->ghist[g], all->gmsgs[g], 0.50) / 1e3,
			    percentile(all->ghist[g], all->gmsgs[g], 0.99) / 1e3,
			    percentile(all->ghist[g], all->gmsgs[g], 0.999) / 1e3,
			    (double)all->gmax[g] / 1e3);
		printf("]");
	}
	if (opt.window_ms > 0) {
		windows = (long)(opt.measure * 1000 / (double)opt.window_ms);
		if (windows > MAXWINDOWS)
			windows = MAXWINDOWS;
		printf(",\"window_ms\":%ld,\"timeline\":[", opt.window_ms);
		for (w = 0; w < windows; w++)
			printf("%s[%llu,%.1f]", w ? "," : "",
			    (unsigned long long)all->wmsgs[w],
			    (double)all->wmax[w] / 1e3);
		printf("]");
	}
}

int main(int argc, char **argv)
{
	static struct result all, r;
	int up[MAXPROCS], down[MAXPROCS];
	struct sample s0 = { 0 }, s1 = { 0 }, mem = { 0 };
	double l0 = 0, l1 = 0, measured;
	uint64_t times[2], t0;
	struct rlimit rl;
	int k, procs, failed = 0, status, server_gone = 0;
	long sdrops = -1;
	char ready;

	parse(argc, argv);
	resolve();
	make_pattern();
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	t0 = now_ns();
	t_deadline = t0 + (uint64_t)(opt.deadline * 1e9);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)opt.deadline + 5);
	fflush(stdout);
	procs = (int)opt.procs;
	for (k = 0; k < procs; k++) {
		int a[2], b[2];

		if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0)
			die("pipe: %s", strerror(errno));
		pids[k] = fork();
		if (pids[k] < 0)
			die("fork: %s", strerror(errno));
		if (pids[k] == 0) {
			signal(SIGALRM, SIG_DFL);
			alarm(0);
			close(a[0]);
			close(b[1]);
			worker(k, a[1], b[0]);
		}
		close(a[1]);
		close(b[0]);
		up[k] = a[0];
		down[k] = b[1];
	}
	for (k = 0; k < procs; k++) {
		if (pipe_all(up[k], &ready, 1, IN) < 0)
			die("worker %d died while connecting", k);
		failed |= ready != 'R';
	}
	/* Wait for the server to hold every connection (it may queue them). */
	while (opt.server != 0 && !failed && opt.mode != UDP) {
		if (sample_tree(opt.server, 0, 1, &s0) < 0) {
			server_gone = 1;
			break;
		}
		if (s0.sockets > opt.conns)	/* the listener too */
			break;
		if (now_ns() > t_deadline) {
			failed = 1;
			break;
		}
		usleep(20000);
	}
	times[0] = now_ns() + (uint64_t)(opt.warm * 1e9);
	times[1] = times[0] + (uint64_t)(opt.measure * 1e9);
	for (k = 0; k < procs; k++)
		if (pipe_all(down[k], times, sizeof times, OUT) < 0)
			die("worker %d died", k);
	if (!failed) {
		sleep_until(times[0]);
		if (opt.server != 0 && sample_tree(opt.server, 0, 0, &s0) < 0)
			server_gone = 1;
		l0 = workers_cpu(pids, procs);
		sleep_until(times[1]);
		if (opt.server != 0 &&
		    (sample_tree(opt.server, 0, 0, &s1) < 0 ||
		    sample_tree(opt.server, 1, 0, &mem) < 0))
			server_gone = 1;
		l1 = workers_cpu(pids, procs);
	}
	for (k = 0; k < procs; k++)
		if (pipe_all(down[k], "C", 1, OUT) < 0)
			die("worker %d died", k);
	measured = (double)(times[1] - times[0]) / 1e9;
	all.conn_min = UINT64_MAX;
	for (k = 0; k < procs; k++) {
		if (pipe_all(up[k], &r, sizeof r, IN) < 0)
			die("worker %d died", k);
		waitpid(pids[k], &status, 0);
		merge(&all, &r);
	}
	if (all.conn_min == UINT64_MAX)
		all.conn_min = 0;
	if (opt.mode == UDP && opt.server != 0 && !server_gone)
		sdrops = (long)server_drops(opt.server);
	if (server_gone && all.err[0] == '\0') {
		all.errors++;
		snprintf(all.err, sizeof all.err, "the server process is gone");
	}
	if (failed && all.err[0] == '\0') {
		all.errors++;
		snprintf(all.err, sizeof all.err,
		    "the server did not take every connection in time");
	}
	printf("{\"label\":");
	json_str(opt.label);
	printf(",\"mode\":\"%s\",\"conns\":%ld,\"active\":%ld,\"depth\":%ld,"
	    "\"size\":%ld,\"mix\":%s,\"procs\":%ld,\"warmup_s\":%.3f,"
	    "\"measure_s\":%.3f,\"connect_s\":%.3f",
	    mode_name(), opt.conns, opt.active, opt.depth, opt.mix ? 0 : opt.size,
	    opt.mix ? "true" : "false", opt.procs, opt.warm, measured,
	    all.connect_s);
	printf(",\"msgs\":%llu,\"msgs_total\":%llu,\"bytes\":%llu,"
	    "\"bytes_total\":%llu,\"verified_bytes\":%llu,\"idle_checked\":%llu",
	    (unsigned long long)all.msgs, (unsigned long long)all.msgs_total,
	    (unsigned long long)all.bytes, (unsigned long long)all.bytes_total,
	    (unsigned long long)all.verified,
	    (unsigned long long)all.idle_checked);
	printf(",\"msg_per_s\":%.1f,\"mib_per_s\":%.2f",
	    (double)all.msgs / measured,
	    (double)all.bytes / measured / 1048576.0);
	printf(",\"lat_p50_us\":%.2f,\"lat_p99_us\":%.2f,\"lat_p999_us\":%.2f,"
	    "\"lat_max_us\":%.2f",
	    percentile(all.hist, all.msgs, 0.50) / 1e3,
	    percentile(all.hist, all.msgs, 0.99) / 1e3,
	    percentile(all.hist, all.msgs, 0.999) / 1e3,
	    (double)all.lat_max / 1e3);
	printf(",\"stall_max_ms\":%.1f,\"conn_msgs_min\":%llu,"
	    "\"conn_msgs_max\":%llu", (double)all.stall_max / 1e6,
	    (unsigned long long)all.conn_min, (unsigned long long)all.conn_max);
	if (opt.mode == UDP)
		print_udp(&all, sdrops);
	print_tail(&all);
	if (opt.server != 0 && !failed && !server_gone) {
		double cpu = s1.cpu - s0.cpu;

		printf(",\"server_pid\":%d,\"server_procs\":%ld,"
		    "\"server_cpu_s\":%.4f,\"server_ticks_s\":%.2f,"
		    "\"server_util\":%.3f", (int)opt.server, s1.procs, cpu,
		    s1.ticks - s0.ticks, cpu / measured);
		if (all.msgs > 0)
			printf(",\"server_cpu_us_per_msg\":%.4f",
			    cpu * 1e6 / (double)all.msgs);
		if (all.bytes > 0)
			printf(",\"server_cpu_s_per_gib\":%.4f",
			    cpu / ((double)all.bytes / 1073741824.0));
		printf(",\"server_rss_kib\":%ld,\"server_hwm_kib\":%ld",
		    mem.rss, mem.hwm);
		printf(",\"server_minflt\":%ld,\"server_vcsw\":%ld,"
		    "\"server_nvcsw\":%ld", s1.minflt - s0.minflt,
		    s1.vcsw - s0.vcsw, s1.nvcsw - s0.nvcsw);
	}
	printf(",\"load_cpu_s\":%.3f,\"load_util\":%.3f",
	    l1 - l0, (l1 - l0) / measured);
	printf(",\"errors\":%llu,\"ok\":%s", (unsigned long long)all.errors,
	    all.errors == 0 && all.verified > 0 ? "true" : "false");
	if (all.err[0] != '\0') {
		printf(",\"error\":");
		json_str(all.err);
	}
	printf("}\n");
	return all.errors == 0 && all.verified > 0 ? 0 : 1;
}
