/* SPDX-License-Identifier: ISC */
/*
 * activation: listening sockets passed as systemd does (LISTEN_FDS,
 * LISTEN_PID) are served, and none is bound anew; shared by workers,
 * UNIX stream ones too, above the descriptor limit; bad variables and
 * sockets are refused clearly. And inetd's one connection on stdin.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "lib/clock.h"
#include "lib/report.h"

/* TCP and UDP echo through the passed sockets, bound to port. */
static int served_on(struct server *s, unsigned port)
{
	struct ctx cc = { .srv = s };
	int fd, rc;

	addr_set(&cc.to, "127.0.0.1", port);
	if ((fd = dial_ping(&cc, "activated\n")) < 0)
		return -1;
	close(fd);
	if ((fd = udp_dial(&cc.to, 0)) < 0)
		return -1;
	rc = udp_ping(fd, (const unsigned char *)"dgram", 5, 5);
	close(fd);
	return rc;
}

int t_activation(struct ctx *c)
{
	struct server_env env = { .npass = 2 };
	struct server s;
	char flags[64];
	unsigned port = 0;
	int rc = -1;

	(void)c;
	env.pass[0] = hold_port(SOCK_STREAM, 0, &port);
	env.pass[1] = env.pass[0] < 0 ? -1 : hold_port(SOCK_DGRAM, port, NULL);
	/* Binding this port itself would fail: we hold it. */
	snprintf(flags, sizeof flags, "-l 127.0.0.1 -p %u", port);
	if (env.pass[1] >= 0 && server_spawn(&s, flags, &env) == 0) {
		if (!server_wait_line(&s, 0, "LISTEN_FDS", 10))
			fail("no start line naming LISTEN_FDS: %s", s.err);
		else
			rc = served_on(&s, port);
		rc = server_finish(&s, rc);
	}
	if (env.pass[0] >= 0)
		close(env.pass[0]);
	if (env.pass[1] >= 0)
		close(env.pass[1]);
	return rc;
}

/* server_spawn on env's sockets, then its start line. */
static int spawn_passed(struct server *s, const char *flags,
    const struct server_env *env)
{
	if (server_spawn(s, flags, env) < 0)
		return -1;
	REQUIRE(server_wait_line(s, 0, "listening on", 10),
	    "no start line: %.300s", s->err);
	return 0;
}

/*
 * With worker pid stopped, a new client must wait (no EOF) rather than be
 * refused by a full worker, and be served once pid runs again.
 */
static int waits_for(const struct ctx *c, pid_t pid, int *keep)
{
	char back[8];
	int rc = 0;

	kill(pid, SIGSTOP);
	if ((*keep = dial(&c->to)) < 0)
		rc = -1;
	else if (send_all(*keep, "wait\n", 5, 5) < 0 || closed_within(*keep, 0.5))
		rc = fail("refused while worker pid %d had room", (int)pid);
	kill(pid, SIGCONT);
	if (rc == 0 && (recv_all(*keep, back, 5, 5) < 0 ||
	    memcmp(back, "wait\n", 5) != 0))
		rc = fail("not served once pid %d went on: %s", (int)pid, why);
	return rc;
}

/* Wait until worker w has n active connections. */
static int active(struct server *s, int w, long long n)
{
	double end = deadline(5);
	long long v[2];

	while (worker_counts(s, "active", v) == 0 && v[w] != n) {
		if (now() > end)
			return fail("worker %d: %lld active, not %lld", w, v[w], n);
		nap(0.05);
	}
	return v[w] == n ? 0 : -1;
}

/*
 * One inherited listener, -w 2 -c 4. With worker 1 stopped, worker 0
 * fills up and steps aside: a fifth client waits for worker 1. All 8
 * slots serve, a 9th client sees EOF. A slot frees in worker 0: with
 * worker 0 stopped, the full worker 1 leaves the next client to it.
 * (Which idle worker the kernel wakes depends on scheduling, so how
 * clients spread while both have room is not asserted.)
 */
static int shared_by_workers(const char *flags)
{
	struct server_env env = { .npass = 1 };
	struct server s;
	struct ctx cc = { .srv = &s };
	long long v[2];
	unsigned port = 0;
	int fd[9], n = 0, extra, rc = -1;
	pid_t w0 = 0, w1 = 0;

	if ((env.pass[0] = hold_port(SOCK_STREAM, 0, &port)) < 0)
		return -1;
	if (spawn_passed(&s, flags, &env) == 0)
		rc = 0;
	if (rc == 0 && ((w0 = wait_worker(&s, 0, 0, 5)) <= 0 ||
	    (w1 = wait_worker(&s, 1, 0, 5)) <= 0))
		rc = fail("workers did not start: %.300s", s.err);
	addr_set(&cc.to, "127.0.0.1", port);
	/* Both answer SIGUSR1: both loops run, both listen. */
	if (rc == 0)
		rc = worker_counts(&s, "accepted", v);
	if (rc == 0)
		kill(w1, SIGSTOP);
	for (; rc == 0 && n < 4; n++)
		if ((fd[n] = dial_ping(&cc, "worker 0\n")) < 0)
			rc = fail("client %d of worker 0: %s", n + 1, why);
	if (rc == 0)
		rc = waits_for(&cc, w1, &fd[n++]);
	else if (w1 > 0)
		kill(w1, SIGCONT);
	for (; rc == 0 && n < 8; n++)
		if ((fd[n] = dial_ping(&cc, "every slot\n")) < 0)
			rc = fail("client %d of 8 not served: %s", n + 1, why);
	if (rc == 0 && (extra = dial(&cc.to)) >= 0) {
		if (!closed_within(extra, 5))
			rc = fail("a 9th client was not closed with 2 x 4 slots");
		close(extra);
	}
	if (rc == 0) {
		close(fd[0]);
		fd[0] = -1;
		if ((rc = active(&s, 0, 3)) == 0)
			rc = waits_for(&cc, w0, &fd[n++]);
	}
	while (n-- > 0)
		if (fd[n] >= 0)
			close(fd[n]);
	close(env.pass[0]);
	return server_finish(&s, rc);
}

int t_activation_workers(struct ctx *c)
{
	(void)c;
	return shared_by_workers("-w 2 -c 4");
}

int t_activation_workers_edge(struct ctx *c)
{
	(void)c;
	return shared_by_workers("-E -w 2 -c 4");
}

/* 8 TCP and 8 UDP sockets inherited, soft limit 20: all of -c 10 serve. */
int t_fd_limit_inherited(struct ctx *c)
{
	struct rlimit low = { 20, 4096 };
	struct server_env env = { .nofile = &low, .npass = 16 };
	struct server s = { .err_fd = -1 };
	struct ctx cc = { .srv = &s };
	unsigned port = 0;
	int fd[10], i, n = 0, rc = 0;

	(void)c;
	for (i = 0; i < 16; i++)
		if ((env.pass[i] = hold_port(i < 8 ? SOCK_STREAM : SOCK_DGRAM, 0,
		    i == 0 ? &port : NULL)) < 0)
			rc = -1;
	if (rc == 0)
		rc = spawn_passed(&s, "-c 10", &env);
	addr_set(&cc.to, "127.0.0.1", port);
	for (; rc == 0 && n < 10; n++)
		if ((fd[n] = dial_ping(&cc, "one of ten\n")) < 0)
			rc = fail("client %d of 10 not served: %s", n + 1, why);
	while (n-- > 0)
		if (fd[n] >= 0)
			close(fd[n]);
	for (i = 0; i < 16; i++)
		if (env.pass[i] >= 0)
			close(env.pass[i]);
	return rc == 0 || s.pid > 0 ? server_finish(&s, rc) : rc;
}

/* An inherited UNIX stream listener is served (edge mode: no TCP_INQ). */
int t_activation_unix(struct ctx *c)
{
	struct server_env env = { .npass = 1 };
	struct sockaddr_un *un;
	struct server s = { .err_fd = -1 };
	struct ctx cc = { .srv = &s };
	char dir[64];
	int rc = 0;

	(void)c;
	if (temp_dir(dir, "echod-unix") < 0)
		return -1;
	memset(&cc.to, 0, sizeof cc.to);
	un = (struct sockaddr_un *)&cc.to.ss;
	un->sun_family = AF_UNIX;
	snprintf(un->sun_path, sizeof un->sun_path, "%s/s", dir);
	cc.to.len = sizeof *un;
	env.pass[0] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (env.pass[0] < 0 || bind(env.pass[0], (struct sockaddr *)un,
	    cc.to.len) < 0 || listen(env.pass[0], 16) < 0)
		rc = fail("unix socket: %s", strerror(errno));
	if (rc == 0)
		rc = spawn_passed(&s, "-E", &env);
	if (rc == 0 && !strstr(s.err, un->sun_path))
		rc = fail("start line without the path: %.300s", s.err);
	rc = ping_once(&cc, "local\n", rc);
	if (env.pass[0] >= 0)
		close(env.pass[0]);
	unlink(un->sun_path);
	rmdir(dir);
	return rc == 0 || s.pid > 0 ? server_finish(&s, rc) : rc;
}

/* Bad LISTEN_PID or LISTEN_FDS, or a wrong socket: exit 1, one clear line. */
int t_activation_errors(struct ctx *c)
{
	static const struct {
		const char *pid, *fds;
		int pass;	/* 1: a connected socket, 2: a pipe */
		const char *says;
	} bad[] = {
		{ "abc", "1", 0, "LISTEN_PID: not a process id: 'abc'" },
		{ NULL, "-1", 0, "LISTEN_FDS: expected a number of sockets" },
		{ NULL, "99999999999", 0, "LISTEN_FDS: expected" },
		{ NULL, "17", 0, "LISTEN_FDS: expected a number of sockets, 0-16" },
		{ NULL, "2", 0, "LISTEN_FDS: fd 3 is not open" },
		{ NULL, NULL, 1, "fd 3 is not listening (with systemd, echod "
		    "wants Accept=no)" },
		{ NULL, NULL, 2, "LISTEN_FDS: fd 3 is not a socket" },
	};
	struct server_env env;
	struct server s = { .err_fd = -1 };
	struct addr to;
	unsigned port = 0, i;
	int lfd = hold_port(SOCK_STREAM, 0, &port), p[2], rc = 0, status;

	(void)c;
	addr_set(&to, "127.0.0.1", port);
	for (i = 0; i < sizeof bad / sizeof bad[0] && rc == 0; i++) {
		memset(&env, 0, sizeof env);
		env.listen_pid = bad[i].pid;
		env.listen_fds = bad[i].fds;
		env.npass = bad[i].pass != 0;
		p[0] = p[1] = -1;
		if (bad[i].pass == 1)
			env.pass[0] = p[0] = dial(&to);
		if (bad[i].pass == 2 && pipe2(p, O_CLOEXEC) == 0)
			env.pass[0] = p[0];
		status = server_run_env(&s, "-p 0", &env);
		if (status != 1 || !strstr(s.err, bad[i].says) ||
		    strchr(s.err, '\n') != s.err + strlen(s.err) - 1)
			rc = fail("case %u: exit %d, said: %.300s (wanted 1 and "
			    "'%s')", i, status, s.err, bad[i].says);
		if (p[0] >= 0)
			close(p[0]);
		if (p[1] >= 0)
			close(p[1]);
	}
	if (lfd >= 0)
		close(lfd);
	return rc;
}

/*
 * Activation with -p, -l and -U: a warning names them; the start line
 * lists every inherited socket.
 */
int t_activation_flags(struct ctx *c)
{
	struct server_env env = { .npass = 2 };
	struct server s = { .err_fd = -1 };
	char want[96];
	unsigned port = 0;
	int rc = 0;

	(void)c;
	env.pass[0] = hold_port(SOCK_STREAM, 0, &port);
	env.pass[1] = hold_port(SOCK_DGRAM, 0, NULL);
	if (env.pass[0] < 0 || env.pass[1] < 0)
		rc = -1;
	if (rc == 0)
		rc = spawn_passed(&s, "-p 1 -l 127.0.0.1 -U", &env);
	if (rc == 0 && !strstr(s.err, "warning: -p -l -U ignored"))
		rc = fail("no warning about -p -l -U: %.300s", s.err);
	snprintf(want, sizeof want, "listening on 127.0.0.1:%u tcp, "
	    "127.0.0.1:", port);
	if (rc == 0 && (!strstr(s.err, want) ||
	    !strstr(s.err, " udp (from LISTEN_FDS), ")))
		rc = fail("start line does not list both: %.300s", s.err);
	if (env.pass[0] >= 0)
		close(env.pass[0]);
	if (env.pass[1] >= 0)
		close(env.pass[1]);
	return rc == 0 || s.pid > 0 ? server_finish(&s, rc) : rc;
}

/* In the child: echod with the connection as fds 0, 1 and 2. */
static void exec_inetd(int conn)
{
	char *argv[48], p[] = "-p", zero[] = "0";
	int n = 0;

	while (n < 44 && server_cmd[n] != NULL) {
		argv[n] = server_cmd[n];
		n++;
	}
	argv[n++] = p;
	argv[n++] = zero;
	argv[n] = NULL;
	dup2(conn, 0);
	dup2(conn, 1);
	dup2(conn, 2);
	execvp(argv[0], argv);
	_exit(127);
}

/*
 * inetd "nowait": the connection is fds 0, 1 and 2. echod echoes it,
 * says nothing into it, and exits 0 when the client is done.
 */
int t_inetd(struct ctx *c)
{
	struct addr to;
	double end;
	unsigned port = 0;
	int lfd = hold_port(SOCK_STREAM, 0, &port), cl = -1, conn = -1;
	int status = -1, rc = 0;
	pid_t pid = -1;

	(void)c;
	addr_set(&to, "127.0.0.1", port);
	if (lfd < 0 || (cl = dial(&to)) < 0 ||
	    (conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		rc = fail("a connection to hand over: %s", strerror(errno));
	if (rc == 0 && (pid = fork()) == 0)
		exec_inetd(conn);
	if (conn >= 0)
		close(conn);
	if (rc == 0 && (rc = ping(cl, "inetd\n")) == 0) {
		shutdown(cl, SHUT_WR);
		if (!closed_within(cl, 5))
			rc = fail("not closed after the client's FIN");
	}
	for (end = deadline(5); pid > 0 && now() < end; nap(0.02))
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		rc = fail("echod under inetd: status %d", status);
	if (pid > 0 && kill(pid, SIGKILL) == 0)
		waitpid(pid, NULL, 0);
	if (cl >= 0)
		close(cl);
	if (lfd >= 0)
		close(lfd);
	return rc;
}
