/* SPDX-License-Identifier: ISC */
/*
 * workers: the parent holds the listening sockets and the fixed memory
 * (made before the first fork), so a worker started again allocates
 * nothing and binds nothing: it takes over the dead one's share.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "say.h"
#include "signals.h"
#include "workers.h"
#include "sys.h"

#define BACKOFF_MIN 100		/* ms before a restart */
#define BACKOFF_MAX 10000
#define STABLE_MS 10000		/* a worker up this long resets its back-off */
#define STOP_MS 5000		/* SIGKILL what has not stopped by then */

struct worker {
	uint64_t started, restart_at;
	pid_t pid;		/* 0: not running */
	unsigned backoff;
};

/* The supervisor's whole state. */
static struct {
	struct worker worker[WORKERS_MAX];
	unsigned n;
	int signal_fd;
	worker_fn fn;
	void *arg;
	pid_t self;
} pool;

/*
 * fork(2) as the kernel has it. musl's fork also keeps its locks and its
 * thread list right for threaded programs, which echod is not, at a cost
 * of 2.5 KB (rwlocks, futex waits). clone's arguments after the flags
 * differ in order between architectures; all of them are 0 here.
 */
static pid_t fork_raw(void)
{
	return (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
}

static void start(unsigned i)
{
	struct worker *w = &pool.worker[i];
	pid_t pid = fork_raw();

	if (pid == 0) {
		close(pool.signal_fd);
		/*
		 * Stop with the supervisor, also when it is killed (SIGKILL,
		 * the OOM killer): else the orphans serve on beside the next
		 * echod. It may have died before the prctl.
		 */
		if (sys_prctl(PR_SET_PDEATHSIG, SIGTERM, 0) < 0 ||
		    getppid() != pool.self)
			_exit(1);
		_exit(pool.fn(i, pool.arg));
	}
	if (pid < 0) {
		say("worker %u: fork: %m; retrying in %u ms", i, w->backoff);
		w->restart_at = clock_ms() + w->backoff;
		return;
	}
	w->pid = pid;
	w->started = clock_ms();
	w->restart_at = 0;
	say("worker %u: pid %d started", i, (int)pid);
}

static void died(unsigned i, int status, int stopping)
{
	struct worker *w = &pool.worker[i];
	uint64_t now = clock_ms();

	if (WIFSIGNALED(status))
		say("worker %u: pid %d killed by signal %d", i, (int)w->pid,
		    WTERMSIG(status));
	else if (!stopping || WEXITSTATUS(status) != 0)
		say("worker %u: pid %d exited with status %d", i, (int)w->pid,
		    WEXITSTATUS(status));
	w->pid = 0;
	if (stopping)
		return;
	if (now - w->started >= STABLE_MS)
		w->backoff = BACKOFF_MIN;
	w->restart_at = now + w->backoff;
	say("worker %u: restarting in %u ms", i, w->backoff);
	w->backoff = w->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : w->backoff * 2;
}

static void reap(int stopping)
{
	unsigned i;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < pool.n; i++)
			if (pool.worker[i].pid == pid)
				died(i, status, stopping);
}

static void tell_all(int sig)
{
	unsigned i;

	for (i = 0; i < pool.n; i++)
		if (pool.worker[i].pid > 0 && kill(pool.worker[i].pid, sig) < 0)
			say("worker %u: kill: %m", i);
}

static unsigned running(void)
{
	unsigned i, r = 0;

	for (i = 0; i < pool.n; i++)
		r += pool.worker[i].pid > 0;
	return r;
}

/* Milliseconds until the next restart is due, or -1. */
static int next_due(void)
{
	uint64_t now = clock_ms(), due = UINT64_MAX;
	unsigned i;

	for (i = 0; i < pool.n; i++) {
		const struct worker *w = &pool.worker[i];

		if (w->pid == 0 && w->restart_at != 0 && w->restart_at < due)
			due = w->restart_at;
	}
	if (due == UINT64_MAX)
		return -1;
	return due <= now ? 0 : (int)(due - now);
}

static void restart_due(void)
{
	uint64_t now = clock_ms();
	unsigned i;

	for (i = 0; i < pool.n; i++) {
		const struct worker *w = &pool.worker[i];

		if (w->pid == 0 && w->restart_at != 0 && w->restart_at <= now)
			start(i);
	}
}

/* Wait up to ms (-1: no limit) for a signal: its number, 0, or -1. */
static int next_signal(int ms)
{
	struct pollfd p = { .fd = pool.signal_fd, .events = POLLIN };
	struct signalfd_siginfo si;
	int r = poll(&p, 1, ms);

	if (r < 0 && errno != EINTR) {
		say("poll: %m");
		return -1;
	}
	if (r > 0 && read(pool.signal_fd, &si, sizeof si) == sizeof si)
		return (int)si.ssi_signo;
	return 0;
}

/* Stop every worker: SIGTERM, and SIGKILL for any still there later. */
static int stop_all(void)
{
	uint64_t end = clock_ms() + STOP_MS;

	tell_all(SIGTERM);
	while (running() > 0) {
		uint64_t now = clock_ms();

		if (now >= end) {
			say("workers still running after %u ms: SIGKILL", STOP_MS);
			tell_all(SIGKILL);
			end = UINT64_MAX;
		}
		next_signal(end == UINT64_MAX ? -1 : (int)(end - now));
		reap(1);
	}
	return 0;
}

static int supervise(void)
{
	for (;;) {
		int sig = next_signal(next_due());

		if (sig < 0)
			return stop_all() + 1;
		if (sig == SIGTERM || sig == SIGINT)
			return stop_all();
		if (sig == SIGUSR1)
			tell_all(SIGUSR1);
		else
			signals_other(sig);
		reap(0);
		restart_due();
	}
}

int workers_run(unsigned n, worker_fn fn, void *arg)
{
	unsigned i;

	pool.n = n > WORKERS_MAX ? WORKERS_MAX : n;
	pool.fn = fn;
	pool.arg = arg;
	pool.self = getpid();
	if ((pool.signal_fd = signals_fd()) < 0) {
		say("signalfd: %m");
		return 1;
	}
	for (i = 0; i < pool.n; i++) {
		pool.worker[i].backoff = BACKOFF_MIN;
		start(i);
	}
	return supervise();
}
