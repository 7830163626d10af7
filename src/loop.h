/* loop: the epoll event loop over the listener, the signals and the slots. */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>

#include "slots.h"
#include "stats.h"
#include "udp.h"

#define MAX_LISTEN 8

struct server {
	/* Set by the caller. */
	int tcp_fd[MAX_LISTEN], ntcp;	/* listening sockets */
	int udp_fd[MAX_LISTEN], nudp;	/* with udp, datagram sockets */
	struct udp *udp;
	int shared;		/* other processes wait on the same sockets */
	struct slots *slots;
	uint32_t idle_ms;	/* 0: no idle timeout */
	int edge;		/* edge-triggered epoll */
	int capitalize;

	/* Owned by the loop. */
	int epoll_fd, signal_fd, spare_fd;
	uint32_t now;		/* milliseconds, CLOCK_MONOTONIC */
	uint32_t resume_at;	/* accepting paused until then, if paused */
	int paused;
	int inq;		/* edge mode: reads report the bytes left */
	int relay;		/* bulk data may bypass the ring */
	uint32_t again;		/* edge mode: slots to serve without an event */
	struct stats count;
};

/*
 * Create the epoll instance and the signal fd for SIGTERM, SIGINT and
 * SIGUSR1 (the caller has blocked them) and register the sockets. Returns 0, or
 * -1 with errno set and *what naming the failed call.
 */
int loop_init(struct server *sv, const char **what);
/* Serve until SIGTERM or SIGINT; returns the exit status. */
int loop_run(struct server *sv);

#endif
