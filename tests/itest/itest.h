/* SPDX-License-Identifier: ISC */
/*
 * itest: echod's integration tests. The cases live in one file per area
 * (tcp.c, limits.c, usage.c, udp.c, workers.c, sandbox.c, activation.c,
 * exposure.c, measure.c); main.c has the table that names them, with
 * their flags, and runs them.
 * A case returns 0 (passed), 1 (skip(): cannot run here) or -1 (fail():
 * why).
 */
#ifndef ITEST_H
#define ITEST_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/server.h"
#include "lib/sock.h"

/* What a case talks to, and the server if itest started it. */
struct ctx {
	struct addr to;
	struct server *srv;	/* NULL against a remote server (-r) */
};

typedef int case_fn(struct ctx *);

/* The cases, by file. */
case_fn t_echo, t_many, t_backpressure, t_slow_reader, t_half_close,
    t_half_close_ring, t_capitalize, t_capitalize_random,
    t_urgent;							/* tcp.c */
case_fn t_slots_full, t_idle_timeout, t_rst_storm, t_vmsize, t_fd_limit,
    t_emfile, t_idle_delivers, t_refusals_logged;		/* limits.c */
case_fn t_sigterm, t_sigint, t_counters, t_bad_usage, t_port_in_use,
    t_quiet, t_probe, t_log_stall, t_long_options, t_sighup, t_start_line,
    t_listen_zone;						/* usage.c */
case_fn t_udp, t_udp_loop;					/* udp.c */
case_fn t_workers, t_usr1_workers, t_orphans,
    t_workers_memory;						/* workers.c */
case_fn t_seccomp, t_seccomp_workers, t_privdrop, t_seccomp_einval,
    t_chroot_warning;						/* sandbox.c */
case_fn t_activation, t_activation_workers, t_activation_workers_edge,
    t_fd_limit_inherited, t_activation_unix, t_activation_errors,
    t_activation_flags, t_inetd;				/* activation.c */
case_fn t_udp_sizes, t_udp_sizes_shared, t_udp_ports, t_forged_loops,
    t_broadcast, t_udp_rate, t_udp_rate_default, t_tcp_cap,
    t_allow;							/* exposure.c */
case_fn t_stamp, t_stamp_workers, t_stamp_limited, t_stamp_kernel_time,
    t_stamp_tshark, t_client, t_client_faults, t_probe_capitalize,
    t_probe_messages, t_metrics, t_metrics_bad;			/* measure.c */

extern int no_proc;	/* -k: the server's /proc is not its own */

/* flow.c: streams checked byte for byte. Byte i of a flow is
 * data[i % period]: long streams need no long buffers, and a period that
 * no ring or buffer size divides makes a lost or repeated ring show. */
#define PERIOD 1000003	/* a prime */
#define MAX_FLOWS 512

struct flow {
	int fd;
	const unsigned char *data;	/* what to send */
	const unsigned char *expect;	/* what must come back */
	size_t period;
	size_t n, sent, got, maxchunk;
	int shut;			/* shutdown(SHUT_WR) once all is sent */
	int eof;			/* EOF seen after the echo */
};

void flow_init(struct flow *f, int fd, const unsigned char *data, size_t n,
    size_t maxchunk);
int flow_send(struct flow *f);
/* Drive the flows until each has its echo back (and EOF when shut). */
int pump(struct flow *f, int nf, double secs);
/* clients connections at once, each echoing its own size bytes. */
int many(const struct ctx *c, int clients, size_t size, size_t chunk);
/* One message there and back. */
int ping(int fd, const char *msg);
/* Connect and ping: the socket, or -1. */
int dial_ping(const struct ctx *c, const char *msg);
/* If rc is 0, dial_ping and close: 0, or -1; else rc. */
int ping_once(const struct ctx *c, const char *msg, int rc);
/* dial_ping until it works, within secs; -1 if it did not. */
int dial_ping_within(const struct ctx *c, const char *msg, double secs);
/* n bytes in one datagram, the same back within secs. */
int udp_ping(int fd, const unsigned char *msg, size_t n, double secs);

/* workers.c: the pid of worker n once started, from its "worker N: pid P
 * started" line at or after err + from; 0 if none within secs. */
pid_t wait_worker(struct server *s, int n, size_t from, double secs);
/* SIGUSR1 to the supervisor; key's value in worker 0's and 1's lines. */
int worker_counts(struct server *s, const char *key, long long v[2]);

/* sandbox.c: a new empty directory "/tmp/NAME.XXXXXX", or "NAME.XXXXXX"
 * where there is no /tmp (a QEMU guest); into dir (64 bytes). */
int temp_dir(char *dir, const char *name);

#endif
