/*
 * workers: the parent holds the listening sockets and the fixed memory
 * (made before the first fork), so a worker started again allocates
 * nothing and binds nothing: it takes over the dead one's share.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "say.h"
#include "workers.h"

#define MAX_WORKERS 64
#define BACKOFF_MIN 100		/* ms before a restart */
#define BACKOFF_MAX 10000
#define STABLE_MS 10000		/* a worker up this long resets its back-off */
#define STOP_MS 5000		/* SIGKILL what has not stopped by then */

struct worker {
	uint64_t started, restart_at;
	pid_t pid;		/* 0: not running */
	unsigned backoff;
};

static struct worker w[MAX_WORKERS];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)(ts.tv_nsec / 1000000);
}

static void start(unsigned i, int sfd, worker_fn fn, void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		close(sfd);
		_exit(fn(i, arg));
	}
	if (pid < 0) {
		say("worker %u: fork: %m; retrying in %u ms", i, w[i].backoff);
		w[i].restart_at = now_ms() + w[i].backoff;
		return;
	}
	w[i].pid = pid;
	w[i].started = now_ms();
	w[i].restart_at = 0;
	say("worker %u: pid %d started", i, (int)pid);
}

static void died(unsigned i, int status, int stopping)
{
	uint64_t now = now_ms();

	if (WIFSIGNALED(status))
		say("worker %u: pid %d killed by signal %d", i, (int)w[i].pid,
		    WTERMSIG(status));
	else if (!stopping || WEXITSTATUS(status) != 0)
		say("worker %u: pid %d exited with status %d", i, (int)w[i].pid,
		    WEXITSTATUS(status));
	w[i].pid = 0;
	if (stopping)
		return;
	if (now - w[i].started >= STABLE_MS)
		w[i].backoff = BACKOFF_MIN;
	w[i].restart_at = now + w[i].backoff;
	say("worker %u: restarting in %u ms", i, w[i].backoff);
	w[i].backoff = w[i].backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
	    w[i].backoff * 2;
}

static void reap(unsigned n, int stopping)
{
	unsigned i;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < n; i++)
			if (w[i].pid == pid)
				died(i, status, stopping);
}

static void tell_all(unsigned n, int sig)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (w[i].pid > 0 && kill(w[i].pid, sig) < 0)
			say("worker %u: kill: %m", i);
}

static unsigned running(unsigned n)
{
	unsigned i, r = 0;

	for (i = 0; i < n; i++)
		r += w[i].pid > 0;
	return r;
}

/* Milliseconds until the next restart is due, or -1. */
static int next_due(unsigned n)
{
	uint64_t now = now_ms(), due = UINT64_MAX;
	unsigned i;

	for (i = 0; i < n; i++)
		if (w[i].pid == 0 && w[i].restart_at != 0 && w[i].restart_at < due)
			due = w[i].restart_at;
	if (due == UINT64_MAX)
		return -1;
	return due <= now ? 0 : (int)(due - now);
}

static void restart_due(unsigned n, int sfd, worker_fn fn, void *arg)
{
	uint64_t now = now_ms();
	unsigned i;

	for (i = 0; i < n; i++)
		if (w[i].pid == 0 && w[i].restart_at != 0 && w[i].restart_at <= now)
			start(i, sfd, fn, arg);
}

/* Stop every worker: SIGTERM, and SIGKILL for any still there later. */
static int stop_all(unsigned n, int sfd)
{
	struct pollfd p = { .fd = sfd, .events = POLLIN };
	struct signalfd_siginfo si;
	uint64_t end = now_ms() + STOP_MS;

	tell_all(n, SIGTERM);
	while (running(n) > 0) {
		uint64_t now = now_ms();

		if (now >= end) {
			say("workers still running after %u ms: SIGKILL", STOP_MS);
			tell_all(n, SIGKILL);
			end = UINT64_MAX;
		}
		if (poll(&p, 1, end == UINT64_MAX ? -1 : (int)(end - now)) > 0 &&
		    read(sfd, &si, sizeof si) < 0 && errno != EAGAIN)
			say("read signalfd: %m");
		reap(n, 1);
	}
	return 0;
}

static int supervise(unsigned n, int sfd, worker_fn fn, void *arg)
{
	struct pollfd p = { .fd = sfd, .events = POLLIN };
	struct signalfd_siginfo si;

	for (;;) {
		int r = poll(&p, 1, next_due(n));

		if (r < 0 && errno != EINTR) {
			say("poll: %m");
			stop_all(n, sfd);
			return 1;
		}
		if (r > 0 && read(sfd, &si, sizeof si) == sizeof si) {
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
				return stop_all(n, sfd);
			if (si.ssi_signo == SIGUSR1)
				tell_all(n, SIGUSR1);
		}
		reap(n, 0);
		restart_due(n, sfd, fn, arg);
	}
}

int workers_run(unsigned n, worker_fn fn, void *arg)
{
	sigset_t set;
	unsigned i;
	int sfd;

	if (n > MAX_WORKERS)
		n = MAX_WORKERS;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		say("signalfd: %m");
		return 1;
	}
	for (i = 0; i < n; i++) {
		w[i].backoff = BACKOFF_MIN;
		start(i, sfd, fn, arg);
	}
	return supervise(n, sfd, fn, arg);
}
