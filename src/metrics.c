/* SPDX-License-Identifier: ISC */
/*
 * metrics: every counter is echod_NAME_total, every gauge echod_NAME,
 * both summed over all processes' shares, so any worker answers for all.
 * An answer that the socket cannot take at once is dropped: it is a few
 * kB and a new connection's send buffer is larger.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "metrics.h"
#include "say.h"

void metrics_init(struct metrics *m)
{
	unsigned i;

	for (i = 0; i < METRICS_CONNS; i++)
		m->conn[i].fd = -1;
}

int metrics_take(struct metrics *m, int fd, uint32_t now)
{
	unsigned i;

	for (i = 0; i < METRICS_CONNS; i++)
		if (m->conn[i].fd < 0) {
			m->conn[i].fd = fd;
			m->conn[i].since = now;
			m->conn[i].have = 0;
			return (int)i;
		}
	close(fd);
	return -1;
}

static void finish(struct metrics_conn *c)
{
	close(c->fd);
	c->fd = -1;
}

/* The body: each counter and gauge, summed over the shares. */
static unsigned body(struct metrics *m, char *out, unsigned size)
{
	unsigned long long v[STATS_COUNTERS + 3];
	const char *name = stats_text, *sfx, *type;
	unsigned n = 0, i;

	v[STATS_COUNTERS] = stats_sum(m->share, m->procs, (struct stats *)v);
	v[STATS_COUNTERS + 1] = m->slots;
	v[STATS_COUNTERS + 2] = m->memory;
	for (i = 0; *name != '\0'; i++, name += strlen(name) + 1) {
		sfx = i < STATS_COUNTERS ? "_total" : "";
		type = *sfx ? "counter" : "gauge";
		n += say_fmt(out + n, size - n, "# HELP echod_%s%s The %s %s "
		    "of echod(8).\n# TYPE echod_%s%s %s\nechod_%s%s %llu\n",
		    name, sfx, name, type, name, sfx, type, name, sfx, v[i]);
	}
	return n;
}

/* The whole answer to status into m->out; returns its length. */
static unsigned answer(struct metrics *m, int status)
{
	char *b = m->out + METRICS_HEAD;	/* the body, then the head */
	unsigned len = status == 200 ?
	    body(m, b, METRICS_OUT - METRICS_HEAD) : 0;
	unsigned head = http_head(m->out, METRICS_HEAD, status, len);

	memmove(m->out + head, b, len);
	return head + len;
}

void metrics_serve(struct metrics *m, unsigned i)
{
	struct metrics_conn *c = &m->conn[i];
	ssize_t r;
	int status;
	unsigned n;

	r = recv(c->fd, c->in + c->have, METRICS_IN - c->have, MSG_DONTWAIT);
	if (r <= 0) {
		if (r == 0 || errno != EAGAIN)
			finish(c);
		return;
	}
	c->have += (uint32_t)r;
	if ((status = http_status(c->in, c->have, METRICS_IN)) == 0)
		return;
	n = answer(m, status);
	/* Read what else came (a little), so that closing sends a FIN. */
	for (r = 0; r < 8 && recv(c->fd, c->in, METRICS_IN, MSG_DONTWAIT) > 0;
	    r++)
		;
	if (send(c->fd, m->out, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		say("metrics: send: %m");
	finish(c);
}

int metrics_sweep(struct metrics *m, uint32_t now)
{
	unsigned i;
	int open = 0;

	for (i = 0; i < METRICS_CONNS; i++) {
		if (m->conn[i].fd >= 0 && now - m->conn[i].since >= METRICS_MS)
			finish(&m->conn[i]);
		open |= m->conn[i].fd >= 0;
	}
	return open;
}
