/* SPDX-License-Identifier: ISC */
/*
 * server: the echod under test, run as server_cmd plus flags, with what it
 * writes to stdout and stderr kept in err. Functions that can fail return
 * -1 and set why (report.h); waits are stretched by clock_scale.
 */
#ifndef LIB_SERVER_H
#define LIB_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#define SERVER_ERRBUF 65536

struct server {
	pid_t pid;		/* 0 once it has exited */
	int err_fd;		/* its stdout and stderr; -1 at EOF */
	unsigned port;		/* from its start line */
	size_t errlen;
	char err[SERVER_ERRBUF];	/* what it said (restarts when full) */
};

/* What a server gets besides its flags; NULL for nothing. */
struct server_env {
	const struct rlimit *nofile;	/* RLIMIT_NOFILE */
	int pass[16];			/* sockets passed as systemd does */
	int npass;			/* (LISTEN_FDS, from fd 3 on) */
	/* Set: these values instead of the server's pid and npass. */
	const char *listen_pid, *listen_fds;
	/* Called in the child last before exec; -1: it exits 125. */
	int (*child)(void);
};

/* The command and its arguments (a program's words after "--"). */
extern char **server_cmd;

/* Start server_cmd with flags (words split at spaces). */
int server_spawn(struct server *s, const char *flags,
    const struct server_env *env);
/* server_spawn with "-p 0" added, then server_listening. */
int server_start(struct server *s, const char *flags,
    const struct server_env *env);
/* Wait for the start line ("listening on ...") and read the port from it. */
int server_listening(struct server *s);
/* Move what the server wrote into err; wait up to timeout_ms for it. */
void server_collect(struct server *s, int timeout_ms);
/* The first whole line with text at or after err + from, within secs. */
const char *server_wait_line(struct server *s, size_t from, const char *text,
    double secs);
/* Its wait status once it exits within secs, or -1. */
int server_reap(struct server *s, double secs);
/* SIGKILL if still running; closes err_fd. */
void server_kill(struct server *s);
/* SIGTERM: it must exit 0 within 2 s, and server_clean. */
int server_stop(struct server *s);
/* server_stop, then server_kill: rc, or -1 if it did not stop cleanly. */
int server_finish(struct server *s, int rc);
/* No sanitizer report on its stderr, no worker killed by SIGSYS. */
int server_clean(const struct server *s);
/* Run with flags to the end: exit status (128 + signal if killed), or -1. */
int server_run(struct server *s, const char *flags);
int server_run_env(struct server *s, const char *flags,
    const struct server_env *env);
/* SIGUSR1, then the values of keys from the counters line it brings. */
int server_counters(struct server *s, const char *const *keys, long long *v,
    int n);
/* If the caller has not called this again within secs (times clock_scale):
 * SIGKILL the servers started lately, print "FAIL name: hung..." and
 * exit 1, so that a test that hangs fails by name. */
void server_watchdog(const char *name, double secs);

/* A wait status in words: "exit status 1", "killed by signal 9". */
void status_text(int status, char *buf, size_t size);

#endif
