/* SPDX-License-Identifier: ISC */
/*
 * workers: -w N. Every worker serves, a worker that dies is replaced
 * while the others go on, SIGUSR1 reaches them all (each line names its
 * worker), SIGTERM ends them all, and so does the supervisor's death; a
 * worker maps its own share only.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "lib/clock.h"
#include "lib/proc.h"
#include "lib/report.h"

/* The pid the last "worker N: pid P started" line names, or 0. */
static pid_t worker_pid(const struct server *s, int n, size_t from)
{
	char pat[32];
	const char *p = s->err + from, *hit = NULL;
	int pid = 0;

	snprintf(pat, sizeof pat, "worker %d: pid ", n);
	while ((p = strstr(p, pat)) != NULL) {
		if (strstr(p, " started") == strchr(p, '\n') - 8)
			hit = p;
		p++;
	}
	if (hit == NULL || sscanf(hit + strlen(pat), "%d", &pid) != 1)
		return 0;
	return pid;
}

pid_t wait_worker(struct server *s, int n, size_t from, double secs)
{
	double end = deadline(secs);
	pid_t pid;

	while ((pid = worker_pid(s, n, from)) == 0 && now() < end &&
	    s->err_fd >= 0)
		server_collect(s, 50);
	return pid;
}

int worker_counts(struct server *s, const char *key, long long v[2])
{
	size_t from = s->errlen;
	const char *at;
	char pat[64];
	int w;

	kill(s->pid, SIGUSR1);
	for (w = 0; w < 2; w++) {
		snprintf(pat, sizeof pat, "worker %d: accepted ", w);
		at = server_wait_line(s, from, pat, 5);
		REQUIRE(at != NULL, "no counters from worker %d: %.300s", w,
		    s->err + from);
		snprintf(pat, sizeof pat, " %s ", key);
		at = strstr(at, pat);
		REQUIRE(at != NULL && sscanf(at + strlen(pat), "%lld", &v[w]) == 1,
		    "no %s from worker %d", key, w);
	}
	return 0;
}

/* SIGUSR1 to the supervisor: a counters line from each of two workers. */
static int both_count(struct server *s)
{
	long long v[2];

	return worker_counts(s, "accepted", v);
}

/*
 * -w 2: both workers serve, a killed worker is replaced while the other
 * keeps serving, SIGTERM stops all.
 */
int t_workers(struct ctx *c)
{
	struct server *s = c->srv;
	pid_t w0, w1, again;
	size_t mark;

	REQUIRE(strstr(s->err, "2 workers x "), "start line: %.200s", s->err);
	w0 = wait_worker(s, 0, 0, 5);
	w1 = wait_worker(s, 1, 0, 5);
	REQUIRE(w0 > 0 && w1 > 0 && w0 != w1, "worker pids %d %d", (int)w0,
	    (int)w1);
	if (many(c, 200, 1000, 100) < 0 || both_count(s) < 0)
		return -1;
	mark = s->errlen;
	REQUIRE(kill(w0, SIGKILL) == 0, "kill worker 0: %s", strerror(errno));
	if (many(c, 100, 1000, 100) < 0)
		return -1;
	again = wait_worker(s, 0, mark, 10);
	REQUIRE(again > 0 && again != w0, "worker 0 not replaced: %s",
	    s->err + mark);
	REQUIRE(strstr(s->err + mark, "killed by signal 9"), "death not logged");
	if (many(c, 200, 1000, 100) < 0 || server_stop(s) < 0)
		return -1;
	REQUIRE(kill(again, 0) < 0 && kill(w1, 0) < 0, "a worker outlived SIGTERM");
	return 0;
}

/* -w 2: each SIGUSR1 line names its worker. */
int t_usr1_workers(struct ctx *c)
{
	return both_count(c->srv);
}

/*
 * -w 2: SIGKILL the supervisor; both workers exit and the port refuses.
 * itest adopts the orphans (a subreaper) to see them exit.
 */
int t_orphans(struct ctx *c)
{
	struct server *s = c->srv;
	double end = deadline(5);
	pid_t w[2] = { wait_worker(s, 0, 0, 5), wait_worker(s, 1, 0, 5) };
	int adopted = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
	int fd, i, rc = 0;

	REQUIRE(w[0] > 0 && w[1] > 0, "workers did not start: %.300s", s->err);
	if ((fd = dial_ping(c, "orphans?\n")) < 0)
		return -1;
	close(fd);
	kill(s->pid, SIGKILL);
	server_reap(s, 5);
	for (i = 0; i < 2 && adopted && rc == 0; i++)
		while (waitpid(w[i], NULL, WNOHANG) != w[i] && rc == 0) {
			if (now() > end)
				rc = fail("worker %d lives on after the supervisor "
				    "died", i);
			nap(0.02);
		}
	while (rc == 0 && (fd = dial(&c->to)) >= 0) {
		close(fd);
		if (now() > end)
			rc = fail("the port accepts 5 s after the supervisor died");
		nap(0.05);
	}
	if (rc == 0)
		why[0] = '\0';
	for (i = 0; i < 2 && rc != 0; i++)
		if (kill(w[i], SIGKILL) == 0 && adopted)
			waitpid(w[i], NULL, 0);
	return rc;
}

/* -w 2: a worker maps its own share only, not the other's (overcommit). */
int t_workers_memory(struct ctx *c)
{
	struct server *s = c->srv;
	pid_t w = wait_worker(s, 1, 0, 5);
	long sup, mine;

	if (no_proc)
		return skip("-k: no /proc of the server");
	REQUIRE(w > 0, "no worker 1: %.300s", s->err);
	both_count(s);		/* both have set up */
	sup = proc_number(s->pid, "VmSize");
	mine = proc_number(w, "VmSize");
	/* A share is 64 MiB of rings (-c 64 -b 1048576). */
	REQUIRE(sup > 0 && mine > 0 && mine < sup - 60 * 1024,
	    "VmSize supervisor %ld kB, worker %ld kB", sup, mine);
	return 0;
}
