/* SPDX-License-Identifier: ISC */
/* server: start echod, keep what it says, stop it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "report.h"
#include "server.h"

#define MAX_ARGS 64
#define RECENT 8

char **server_cmd;
static pid_t recent[RECENT];	/* for server_kill_recent */
static unsigned nrecent;
static const char *watched = "?";	/* for the watchdog */

/* systemd's protocol: LISTEN_FDS from fd 3 on, LISTEN_PID the server's. */
static void pass_sockets(const struct server_env *env)
{
	char pid[16], n[16];
	int i, high[16];

	for (i = 0; i < env->npass; i++)
		high[i] = fcntl(env->pass[i], F_DUPFD, 100);
	for (i = 0; i < env->npass; i++)
		dup2(high[i], 3 + i);
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	snprintf(n, sizeof n, "%d", env->npass);
	setenv("LISTEN_PID", env->listen_pid ? env->listen_pid : pid, 1);
	setenv("LISTEN_FDS", env->listen_fds ? env->listen_fds : n, 1);
}

/* In the child: never returns. */
static void exec_server(char *flags, int err_fd, const struct server_env *env)
{
	char *argv[MAX_ARGS], *w;
	int n = 0;

	while (n < MAX_ARGS / 2 && server_cmd[n] != NULL) {
		argv[n] = server_cmd[n];
		n++;
	}
	for (w = strtok(flags, " "); w != NULL && n < MAX_ARGS - 1;
	    w = strtok(NULL, " "))
		argv[n++] = w;
	argv[n] = NULL;
	if (n == 0)
		_exit(127);
	dup2(err_fd, 1);	/* -h and -V write to stdout */
	dup2(err_fd, 2);
	signal(SIGPIPE, SIG_DFL);
	/* Before the limit: they are moved through descriptors 100 and up. */
	if (env != NULL && (env->npass > 0 || env->listen_fds != NULL))
		pass_sockets(env);
	if (env != NULL && env->nofile != NULL &&
	    setrlimit(RLIMIT_NOFILE, env->nofile) < 0)
		_exit(126);
	if (env != NULL && env->child != NULL && env->child() < 0)
		_exit(125);
	execvp(argv[0], argv);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int server_spawn(struct server *s, const char *flags,
    const struct server_env *env)
{
	char words[256];
	int p[2];

	memset(s, 0, sizeof *s);
	s->err_fd = -1;
	snprintf(words, sizeof words, "%s", flags);
	if (pipe2(p, O_CLOEXEC) < 0)
		return fail("pipe: %s", strerror(errno));
	s->pid = fork();
	if (s->pid < 0) {
		s->pid = 0;
		close(p[0]);
		close(p[1]);
		return fail("fork: %s", strerror(errno));
	}
	if (s->pid == 0)
		exec_server(words, p[1], env);
	recent[nrecent++ % RECENT] = s->pid;
	close(p[1]);
	s->err_fd = p[0];
	fcntl(s->err_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

int server_start(struct server *s, const char *flags,
    const struct server_env *env)
{
	char words[256];

	snprintf(words, sizeof words, "%s -p 0", flags);
	if (server_spawn(s, words, env) < 0)
		return -1;
	return server_listening(s);
}

int server_listening(struct server *s)
{
	static const char key[] = "listening on ";
	const char *line = server_wait_line(s, 0, key, 10), *end, *p;

	if (line == NULL)
		return fail("no start line from the server; it said: %.300s",
		    s->err);
	/* "listening on [::]:41234 tcp, ...": the port ends the address. */
	line += sizeof key - 1;
	end = strchr(line, ' ');
	for (p = end; p != NULL && p > line && p[-1] != ':'; p--)
		;
	if (p == NULL || sscanf(p, "%u", &s->port) != 1 || s->port == 0)
		return fail("no port in the start line: %.200s", line);
	return 0;
}

/* A full buffer starts over with the line it ends in, so no line splits. */
static void start_over(struct server *s)
{
	const char *nl = memrchr(s->err, '\n', s->errlen);
	size_t keep = nl ? s->errlen - (size_t)(nl + 1 - s->err) : 0;

	memmove(s->err, s->err + s->errlen - keep, keep);
	s->errlen = keep;
}

void server_collect(struct server *s, int timeout_ms)
{
	struct pollfd p = { .fd = s->err_fd, .events = POLLIN };
	ssize_t r;

	if (s->err_fd < 0 || poll(&p, 1, timeout_ms) != 1)
		return;
	for (;;) {
		if (s->errlen == SERVER_ERRBUF - 1)
			start_over(s);	/* keep reading: never block the server */
		r = read(s->err_fd, s->err + s->errlen,
		    SERVER_ERRBUF - 1 - s->errlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {
			close(s->err_fd);
			s->err_fd = -1;
			return;
		}
		s->errlen += (size_t)r;
		s->err[s->errlen] = '\0';
	}
}

const char *server_wait_line(struct server *s, size_t from, const char *text,
    double secs)
{
	double end = deadline(secs);
	const char *hit;

	for (;;) {
		if (from > s->errlen)
			from = 0;	/* the buffer started over */
		hit = strstr(s->err + from, text);
		if (hit != NULL && strchr(hit, '\n') != NULL)
			return hit;
		if (s->err_fd < 0 || now() > end)
			return NULL;
		server_collect(s, ms_until(end));
	}
}

int server_reap(struct server *s, double secs)
{
	double end = deadline(secs);
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(s->pid, &status, WNOHANG);
		if (r == s->pid) {
			s->pid = 0;
			server_collect(s, 1000);
			return status;
		}
		if (r < 0 || now() > end)
			return -1;
		if (s->err_fd < 0)
			nap(0.01);
		server_collect(s, 10);
	}
}

void server_kill(struct server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	if (s->err_fd >= 0)
		close(s->err_fd);
	s->err_fd = -1;
}

int server_clean(const struct server *s)
{
	char sys[32];

	REQUIRE(strstr(s->err, "Sanitizer") == NULL &&
	    strstr(s->err, "runtime error") == NULL,
	    "sanitizer report from the server: %.400s", s->err);
	/* The supervisor would restart a worker its seccomp filter killed. */
	snprintf(sys, sizeof sys, "killed by signal %d\n", SIGSYS);
	REQUIRE(strstr(s->err, sys) == NULL, "a worker was killed by SIGSYS, "
	    "a system call its seccomp filter lacks: %.400s", s->err);
	return 0;
}

int server_stop(struct server *s)
{
	char how[64];
	int status;

	if (s->pid <= 0)
		return 0;
	kill(s->pid, SIGTERM);
	status = server_reap(s, 2);
	if (status == -1) {
		server_kill(s);
		return fail("no exit within 2 s of SIGTERM");
	}
	status_text(status, how, sizeof how);
	REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s after SIGTERM; stderr: %.300s", how, s->err);
	return server_clean(s);
}

int server_finish(struct server *s, int rc)
{
	if (server_stop(s) < 0)
		rc = -1;
	server_kill(s);
	return rc;
}

int server_run(struct server *s, const char *flags)
{
	return server_run_env(s, flags, NULL);
}

int server_run_env(struct server *s, const char *flags,
    const struct server_env *env)
{
	int status;

	if (server_spawn(s, flags, env) < 0)
		return -1;
	status = server_reap(s, 5);
	server_kill(s);
	if (status == -1)
		return fail("'%s' did not exit", flags);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int server_counters(struct server *s, const char *const *keys, long long *v,
    int n)
{
	size_t from = s->errlen;
	const char *line, *at;
	char text[512], pat[64];
	int i;

	kill(s->pid, SIGUSR1);
	line = server_wait_line(s, from, "accepted ", 5);
	if (line == NULL)
		return fail("no counters line after SIGUSR1: %.300s",
		    s->err + (from <= s->errlen ? from : 0));
	/* " key value key value ...": every key between spaces. */
	snprintf(text, sizeof text, " %.*s", (int)strcspn(line, "\n"), line);
	for (i = 0; i < n; i++) {
		snprintf(pat, sizeof pat, " %s ", keys[i]);
		at = strstr(text, pat);
		if (at == NULL || sscanf(at + strlen(pat), "%lld", &v[i]) != 1)
			return fail("no '%s' in the counters:%s", keys[i], text);
	}
	return 0;
}

static void say_raw(const char *text)
{
	if (write(1, text, strlen(text)) < 0)
		_exit(3);
}

static void on_alarm(int sig)
{
	int i;

	(void)sig;
	for (i = 0; i < RECENT; i++)
		if (recent[i] > 0)
			kill(recent[i], SIGKILL);
	say_raw("FAIL ");
	say_raw(watched);
	say_raw(": hung: no end within the time limit\n");
	_exit(1);
}

void server_watchdog(const char *name, double secs)
{
	watched = name;
	signal(SIGALRM, on_alarm);
	alarm((unsigned)(secs * clock_scale));
}

void status_text(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, size, "wait status %#x", (unsigned)status);
}
