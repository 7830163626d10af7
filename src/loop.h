/* loop: the epoll event loop over the listener, the signals and the slots. */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>

#include "slots.h"

struct counters {
	unsigned long long accepted;
	unsigned long long rejected_full;	/* no free slot */
	unsigned long long rejected_fd;		/* EMFILE/ENFILE */
	unsigned long long timed_out;
	unsigned long long bytes_in, bytes_out;
	unsigned long long udp_in, udp_out, udp_dropped;
};

struct server {
	/* Set by the caller. */
	int listen_fd;
	struct slots *slots;
	uint32_t idle_ms;	/* 0: no idle timeout */
	int edge;		/* edge-triggered epoll */
	int capitalize;

	/* Owned by the loop. */
	int epoll_fd, signal_fd, spare_fd;
	uint32_t now;		/* milliseconds, CLOCK_MONOTONIC */
	uint32_t resume_at;	/* accepting paused until then, if paused */
	int paused;
	uint32_t again;		/* edge mode: slots to serve without an event */
	struct counters count;
};

/*
 * Create the epoll instance and the signal fd (SIGTERM, SIGINT, SIGUSR1
 * are blocked and read from it). Returns 0, or -1 with errno set and
 * *what naming the failed call.
 */
int loop_init(struct server *sv, const char **what);
/* Serve until SIGTERM or SIGINT; returns the exit status. */
int loop_run(struct server *sv);

#endif
