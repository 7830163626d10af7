/* SPDX-License-Identifier: ISC */
/*
 * client: probes go out on a schedule of CLOCK_MONOTONIC milliseconds;
 * the times measured (send, receive, the reflector's) are CLOCK_REALTIME
 * in NTP format, and differences integer microseconds. All state is one mapping made
 * before the first probe: the summary keeps sums and a log-linear
 * histogram, not every round-trip time.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "net.h"
#include "say.h"
#include "signals.h"
#include "stamp.h"
#include "sys.h"

#define MSG 24		/* an echo probe: '#', seq, ':', nonce, '\n' */
#define SEQ_DIGITS 10
#define NONCE 11	/* digits: no echo mode changes them */
#define BUCKETS 464	/* 32 exact microseconds, then 16 per power of two */

enum { SENT = 1, GOT, LOST };	/* a probe's state; 0: not sent */

struct probe {
	uint64_t at;		/* sent, NTP format */
	uint32_t due;		/* lost from then on, monotonic ms */
	uint32_t state;
};

/* A signed quantity in microseconds. */
struct span {
	int64_t min, max, sum;
};

struct run {
	const struct client_opts *o;
	int proto;		/* PROTO_* */
	char name[64];
	int fd, sig;
	int stop;		/* a failure was said */
	int err;		/* the last socket error, 0 if none */
	unsigned count, sent, got, late, dup, reordered;
	unsigned oldest;	/* probes before it are answered or lost */
	unsigned top;		/* the highest probe answered, plus 1 */
	uint32_t next_at;	/* the next send, monotonic ms */
	uint16_t error;		/* our Error Estimate (STAMP) */
	int synced;		/* the reflector's S bit */
	uint64_t sumsq;		/* of round-trip times */
	struct span rtt, fwd, back;
	uint32_t hist[BUCKETS];
	char nonce[NONCE + 1];
	size_t have;		/* TCP: bytes of the next reply */
	unsigned char in[512];	/* a reply; longer ones are not ours */
	char out[320];		/* a probe, a line of output */
	struct probe p[];	/* count of them */
};

/* n / d by shifts: on 32-bit machines '/' would bring in libgcc. */
static uint64_t div64(uint64_t n, uint32_t d)
{
	uint64_t q = 0, r = 0;
	int i;

	for (i = 63; i >= 0; i--) {
		r = r << 1 | (n >> i & 1);
		if (r >= d) {
			r -= d;
			q |= 1ull << i;
		}
	}
	return q;
}

static long long avg(const struct span *s, unsigned n)
{
	return s->sum < 0 ? -(long long)div64(-(uint64_t)s->sum, n) :
	    (long long)div64((uint64_t)s->sum, n);
}

static uint64_t isqrt(uint64_t v)
{
	uint64_t r = 0, bit = 1ull << 62;

	while (bit > v)
		bit >>= 2;
	for (; bit != 0; bit >>= 2) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
	}
	return r;
}

static unsigned bucket(uint32_t us)
{
	unsigned e = 31u - (unsigned)__builtin_clz(us | 1);

	return us < 32 ? us : 32 + (e - 5) * 16 + (us >> (e - 4) & 15);
}

/* The p-th percentile: the middle of its bucket, within min and max. */
static long long percentile(const struct run *r, unsigned p)
{
	unsigned rank = (r->got * p + 99) / 100, seen = 0, b, e;
	long long v;

	for (b = 0; b < BUCKETS - 1 && (seen += r->hist[b]) < rank; b++)
		;
	e = (b - 32) / 16 + 1;
	v = b < 32 ? b : ((16u + (b - 32) % 16) << e) + (1u << e >> 1);
	return v < r->rtt.min ? r->rtt.min : v > r->rtt.max ? r->rtt.max : v;
}

static void span_add(struct span *s, int64_t v, unsigned before)
{
	if (before == 0 || v < s->min)
		s->min = v;
	if (before == 0 || v > s->max)
		s->max = v;
	s->sum += v;
}

static void failed(struct run *r, const char *what)
{
	say("probe %s: %s: %m", r->name, what);
	r->stop = 1;
}

static void message(const struct run *r, unsigned seq, void *buf)
{
	say_fmt(buf, MSG + 1, "#%010u:%s\n", seq, r->nonce);
}

/* Probe seq's reply came at t4: in time, late, or again. */
static void answered(struct run *r, unsigned seq, uint64_t t4, size_t len,
    const struct stamp_reply *s)
{
	struct probe *p = &r->p[seq];
	int64_t rtt = stamp_us(p->at, t4);
	const char *note = "";
	unsigned n;

	if (rtt < 0)
		rtt = 0;	/* the clock was stepped back */
	if (p->state == GOT) {
		r->dup++;
		note = " (DUP!)";
	} else if (p->state == LOST) {
		r->late++;
		note = " (late)";
	} else {
		if (seq < r->top)
			note = " (out of order)";
		r->reordered += seq < r->top;
		r->top = seq < r->top ? r->top : seq + 1;
		span_add(&r->rtt, rtt, r->got);
		r->sumsq += (uint64_t)(rtt * rtt);
		r->hist[bucket((uint32_t)rtt)]++;
		if (s != NULL) {
			r->synced = s->error >> 15;
			span_add(&r->fwd, stamp_us(s->t1, s->t2), r->got);
			span_add(&r->back, stamp_us(s->t3, t4), r->got);
		}
		p->state = GOT;
		r->got++;
	}
	if (r->o->count == 0 || r->o->quiet)
		return;
	n = say_fmt(r->out, sizeof r->out, "%u bytes from %s: seq=%u time=%lld "
	    "us", (unsigned)len, r->name, seq, (long long)rtt);
	if (s != NULL)
		n += say_fmt(r->out + n, sizeof r->out - n, " reflector=%lld us",
		    (long long)stamp_us(s->t2, s->t3));
	say_fmt(r->out + n, sizeof r->out - n, "%s", note);
	say_text(r->out);
}

/* The probe a reply of n bytes in r->in answers, or -1 (said why). */
static long probe_of(struct run *r, size_t n, struct stamp_reply *s)
{
	char *sent = r->out;
	uint64_t seq = 0;
	unsigned i;

	if (r->proto == PROTO_STAMP) {
		if (stamp_parse(r->in, n, s) == 0 && s->sender_seq < r->sent &&
		    s->t1 == r->p[s->sender_seq].at)
			return s->sender_seq;
		n = 0;
	}
	for (i = 1; i <= SEQ_DIGITS && r->in[i] >= '0' && r->in[i] <= '9'; i++)
		seq = seq * 10 + (r->in[i] - '0');
	message(r, seq < r->sent ? (unsigned)seq : 0, sent);
	for (i = 0; i < MSG && i < n && r->in[i] == (unsigned char)sent[i]; i++)
		;
	if (i == MSG && n == MSG && seq < r->sent)
		return (long)seq;
	r->stop = 1;
	if (i < MSG && i < n)
		say("probe %s: reply differs at byte %u: sent 0x%02x, got 0x%02x",
		    r->name, i, (unsigned char)sent[i], r->in[i]);
	else
		say("probe %s: a reply to no probe sent", r->name);
	return -1;
}

/* TCP replies come whole and in order, each as long as its probe. */
static void receive(struct run *r)
{
	int tcp = r->proto == PROTO_TCP;
	struct stamp_reply s;
	struct timespec t;
	ssize_t n;
	long seq;

	while (!r->stop) {
		n = recv(r->fd, r->in + r->have, tcp ? MSG - r->have :
		    sizeof r->in, MSG_DONTWAIT);
		clock_real(&t);
		if (n <= 0 && (n < 0 || tcp)) {
			if (n == 0)
				errno = ECONNRESET;
			if (tcp && errno != EAGAIN)
				failed(r, "read");
			r->err = errno == EAGAIN ? r->err : errno;
			return;
		}
		if (tcp && (r->have += (size_t)n) < MSG)
			continue;
		if ((seq = probe_of(r, tcp ? MSG : (size_t)n, &s)) >= 0)
			answered(r, (unsigned)seq, stamp_ntp(&t), (size_t)n,
			    r->proto == PROTO_STAMP ? &s : NULL);
		r->have = 0;
	}
}

static void send_probe(struct run *r, uint32_t now)
{
	struct probe *p = &r->p[r->sent];
	size_t len = MSG;
	struct timespec t;

	clock_real(&t);
	p->at = stamp_ntp(&t);
	if (r->proto == PROTO_STAMP) {
		len = STAMP_MIN;
		stamp_request((unsigned char *)r->out, len, r->sent, p->at,
		    r->error);
	} else {
		message(r, r->sent, r->out);
	}
	p->state = SENT;
	p->due = now + r->o->wait_ms;
	r->next_at = now + r->o->interval_ms;
	r->sent++;
	/* A datagram that did not go (an ICMP error pending) is lost. */
	if (send(r->fd, r->out, len, MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    (ssize_t)len) {
		r->err = errno;
		if (r->proto == PROTO_TCP)
			failed(r, "send");
	}
}

/* Probes whose time is up are lost. */
static void expire(struct run *r, uint32_t now)
{
	struct probe *p;

	for (; r->oldest < r->sent; r->oldest++) {
		p = &r->p[r->oldest];
		if (p->state == SENT && (int32_t)(now - p->due) < 0)
			return;
		if (p->state == SENT)
			p->state = LOST;
	}
}

/* Milliseconds to the next send or the next expiry. */
static int wait_ms(const struct run *r, uint32_t now)
{
	int32_t ms = INT32_MAX, left;

	if (r->sent < r->count)
		ms = (int32_t)(r->next_at - now);
	if (r->oldest < r->sent &&
	    (left = (int32_t)(r->p[r->oldest].due - now)) < ms)
		ms = left;
	return ms < 0 ? 0 : ms;
}

static void measure(struct run *r)
{
	struct pollfd pf[2] = { { r->fd, POLLIN, 0 }, { r->sig, POLLIN, 0 } };
	uint32_t now;

	for (;;) {
		now = (uint32_t)clock_ms();
		expire(r, now);		/* first: a reply after its time is late */
		if (pf[0].revents != 0)
			receive(r);
		expire(r, now);
		if (r->sent < r->count && (int32_t)(now - r->next_at) >= 0)
			send_probe(r, now);
		if (r->stop || (r->sent == r->count && r->oldest == r->sent))
			return;
		if (poll(pf, 2, wait_ms(r, now)) < 0 && errno != EINTR) {
			failed(r, "poll");
			return;
		}
		if (pf[1].revents != 0)
			return;		/* SIGINT or SIGTERM: sum up */
	}
}

/*
 * A socket connected to the server; a TCP connect waits up to -W. The
 * socket stays blocking: every send and receive says MSG_DONTWAIT.
 */
static int dial(struct run *r, const struct net_addr *a)
{
	int tcp = r->proto == PROTO_TCP;

	r->fd = sys_socket(a->u.sa.sa_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_CLOEXEC);
	if (r->fd < 0 || (tcp && net_set_send_timeout(r->fd, r->o->wait_ms) < 0)) {
		failed(r, "socket");
	} else if (connect(r->fd, &a->u.sa, a->len) < 0) {
		if (errno == EINPROGRESS)
			errno = ETIMEDOUT;
		failed(r, "connect");
	}
	return r->stop ? -1 : 0;
}

static void summary(struct run *r)
{
	static const char proto[][6] = CLIENT_PROTOS;
	char *buf = r->out;
	unsigned n = r->got, pm = r->sent == 0 ? 0 :
	    (unsigned)div64((uint64_t)(r->sent - n) * 1000, r->sent);
	uint64_t mean = n ? (uint64_t)avg(&r->rtt, n) : 0;
	uint64_t sq = n ? div64(r->sumsq, n) : 0;

	say_fmt(buf, sizeof r->out, "--- %s %s statistics ---\n%u sent, "
	    "%u received, %u.%u%% loss, %u late, %u duplicates, %u reordered",
	    r->name, proto[r->proto], r->sent, n, pm / 10, pm % 10,
	    r->late, r->dup, r->reordered);
	say_text(buf);
	if (n == 0)
		return;
	say_fmt(buf, sizeof r->out, "rtt min/avg/max/mdev = %lld/%llu/%lld/%llu "
	    "us, p50 %lld us, p99 %lld us", (long long)r->rtt.min, mean,
	    (long long)r->rtt.max, isqrt(sq > mean * mean ? sq - mean * mean :
	    0), percentile(r, 50), percentile(r, 99));
	say_text(buf);
	if (r->proto != PROTO_STAMP)
		return;
	say_fmt(buf, sizeof r->out, "one-way min/avg/max: forward %lld/%lld/%lld "
	    "us, backward %lld/%lld/%lld us (meaningful only with synchronized "
	    "clocks; the reflector's is%s)", (long long)r->fwd.min,
	    avg(&r->fwd, n), (long long)r->fwd.max, (long long)r->back.min,
	    avg(&r->back, n), (long long)r->back.max, r->synced ? "" : " not");
	say_text(buf);
}

int client_run(const struct client_opts *o)
{
	unsigned count = o->count ? o->count : 1, i;
	struct net_addr a;
	struct run *r;
	uint64_t err_us;

	net_addr_set(&a, o->af, &o->addr, o->port);
	r = sys_mmap(sizeof *r + count * sizeof r->p[0],
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (r == MAP_FAILED) {
		say("probe: mmap for %u probes: %m", count);
		return 1;
	}
	r->o = o;
	r->proto = o->proto;
	r->count = count;
	net_addr_str(&a, r->name, sizeof r->name);
	/* Early boot may have no randomness yet: zeroes will do then. */
	if (getrandom(r->nonce, NONCE, GRND_NONBLOCK) < 0)
		r->nonce[0] = 0;
	for (i = 0; i < NONCE; i++)
		r->nonce[i] = (char)('0' + (unsigned char)r->nonce[i] % 10);
	i = (unsigned)clock_synced(&err_us);
	r->error = stamp_error((int)i, err_us);
	if (signals_block() < 0 || (r->sig = signals_fd()) < 0)
		failed(r, "signals");
	if (r->stop || dial(r, &a) < 0)
		return 1;
	r->next_at = (uint32_t)clock_ms();
	measure(r);
	errno = r->err;
	if (o->count != 0)
		summary(r);
	else if (r->got == 0 && !r->stop)
		say(r->err ? "probe %s: no reply within %u ms: %m" :
		    "probe %s: no reply within %u ms", r->name, o->wait_ms);
	return r->sent == 0 ||
	    (uint64_t)(r->sent - r->got) * 100 > (uint64_t)o->loss_pct * r->sent;
}
