/* SPDX-License-Identifier: ISC */
/*
 * loop: one epoll instance over the listeners, the UDP sockets, the
 * signals and the connection slots. It owns every epoll call.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>

#include "addr.h"
#include "cap.h"
#include "conn.h"
#include "metrics.h"
#include "slots.h"
#include "stats.h"
#include "udp.h"
#include "workers.h"

#define MAX_LISTEN 8
#define LOOP_FDS 3		/* descriptors besides the slots': epoll,
				 * signalfd, the spare */

/*
 * Workers that wait on the same listeners (socket activation with -w):
 * the kernel wakes one of them per client (EPOLLEXCLUSIVE), so a worker
 * keeps the listeners in its epoll only while it has a free slot. The
 * last one to fill up stays, without EPOLLEXCLUSIVE, to refuse clients
 * (they see EOF) until another has room again. In MAP_SHARED memory.
 */
struct loop_share {
	int room;			/* workers listening with a free slot */
	int in[WORKERS_MAX];		/* 1: that worker is counted in room */
};

/* A kind of refusal: said at most once per NOTE_MS, with a count. */
struct note {
	uint32_t at;		/* when it was last said */
	uint32_t count;		/* refusals since then */
	int said;
};

struct loop {
	/* Set by the caller. */
	int tcp_fd[MAX_LISTEN], ntcp;	/* listening sockets */
	int udp_fd[2 * MAX_LISTEN], nudp;	/* datagram sockets, */
	int nstamp;			/* the last nstamp STAMP's */
	struct udp *udp;
	int metrics_fd;		/* -1: no -M */
	struct metrics *metrics;
	struct stats_share *counts;	/* with -M: our counters, for all */
	struct loop_share *share;	/* NULL: the listeners are ours alone */
	int worker;		/* its index with -w (SIGUSR1 lines), else -1 */
	int single;		/* inetd: serve fd 0 alone, stop when it closes */
	struct slots slots;
	struct conn *conn;	/* one per slot, same index */
	unsigned char *rings;	/* one per slot, same index */
	uint32_t idle_ms;	/* 0: no idle timeout */
	struct conn_env env;	/* ring_size, edge, capitalize */
	const struct addr_list *allow;	/* -A; NULL: everyone */
	struct cap *cap;	/* -C; NULL: no cap */

	/* Owned by the loop. */
	int epoll_fd, signal_fd, spare_fd;
	uint32_t now;		/* milliseconds, CLOCK_MONOTONIC */
	uint32_t resume_at;	/* accepting paused until then, if paused */
	int paused;
	uint32_t armed;		/* the listeners' epoll events, 0: not in */
	uint32_t again;		/* edge mode: connections to serve unasked */
	int scrapes;		/* metrics connections may be open */
	struct note full, nofd;	/* refusals said in the log */
	struct stats count;
};

/*
 * Create the epoll instance and the signalfd (the caller has blocked the
 * signals) and register the sockets. Returns 0, or -1 with errno set and
 * *what naming the failed call.
 */
int loop_init(struct loop *lp, const char **what);
/* Serve until SIGTERM or SIGINT (or single's end); the exit status. */
int loop_run(struct loop *lp);

#endif
