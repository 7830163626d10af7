/*
 * workers: -w N. Every worker serves, a worker that dies is replaced
 * while the others go on, SIGUSR1 reaches them all, SIGTERM ends them all.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "itest.h"
#include "lib/clock.h"
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

/* SIGUSR1 to the supervisor: a counters line from each of two workers. */
static int both_count(struct server *s)
{
	size_t mark = s->errlen;
	const char *first;

	kill(s->pid, SIGUSR1);
	first = server_wait_line(s, mark, "udp_dropped", 5);
	REQUIRE(first != NULL, "no counters after SIGUSR1");
	REQUIRE(server_wait_line(s, (size_t)(first - s->err) + 1, "udp_dropped",
	    5), "not every worker answered SIGUSR1: %s", s->err + mark);
	return 0;
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
