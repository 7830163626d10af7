/*
 * sandbox: confinement. The seccomp filter is on in the supervisor and
 * every worker (and -S turns it off); as root, echod binds a small port,
 * then serves from an empty chroot as an unprivileged user.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "itest.h"
#include "lib/proc.h"
#include "lib/report.h"

/* Does this server build have a seccomp filter? Its -V says. */
static int has_seccomp(void)
{
	struct server v;

	return server_run(&v, "-V") == 0 && strstr(v.err, "(seccomp)") != NULL;
}

static int expect_status(pid_t pid, const char *field, const char *want)
{
	char got[128] = "?";

	REQUIRE(proc_status(pid, field, got, sizeof got) == 0 &&
	    strcmp(got, want) == 0, "pid %d %s: '%s', not '%s'", (int)pid, field,
	    got, want);
	return 0;
}

/* -S: no filter, and still serving. */
static int seccomp_off(void)
{
	struct server s;
	struct ctx off = { .srv = &s };
	int fd, rc;

	if (server_start(&s, "-S", NULL) < 0)
		return server_finish(&s, -1);
	addr_set(&off.to, "127.0.0.1", s.port);
	rc = expect_status(s.pid, "Seccomp", "0");
	if (rc == 0 && (fd = dial_ping(&off, "unfiltered\n")) >= 0)
		close(fd);
	else if (rc == 0)
		rc = -1;
	return server_finish(&s, rc);
}

/* 0 if the filter can be seen here; else skip()'s 1. */
static int seccomp_unseen(void)
{
	if (no_proc)
		return skip("-k: no /proc of the server");
	if (!has_seccomp())
		return skip("this build has no seccomp filter (-V)");
	return 0;
}

/*
 * The filter is on (Seccomp: 2) and the server still echoes; -S turns it
 * off. Every other case runs with it on too.
 */
int t_seccomp(struct ctx *c)
{
	int fd;

	if (seccomp_unseen())
		return 1;
	if ((fd = dial_ping(c, "filtered\n")) < 0)
		return -1;
	close(fd);
	if (expect_status(c->srv->pid, "Seccomp", "2") < 0 ||
	    expect_status(c->srv->pid, "NoNewPrivs", "1") < 0)
		return -1;
	return seccomp_off();
}

/* With workers, the supervisor and each worker are filtered. */
int t_seccomp_workers(struct ctx *c)
{
	pid_t w;

	if (seccomp_unseen())
		return 1;
	if ((w = wait_worker(c->srv, 1, 0, 5)) <= 0)
		return fail("no worker 1 in: %s", c->srv->err);
	if (expect_status(c->srv->pid, "Seccomp", "2") < 0 ||
	    expect_status(w, "Seccomp", "2") < 0)
		return -1;
	return many(c, 50, 1000, 100);
}

/* A free TCP port below 1024 on 127.0.0.1, or 0. */
static unsigned small_free_port(void)
{
	unsigned port;
	int fd;

	for (port = 1000; port > 900; port--)
		if ((fd = hold_port(SOCK_STREAM, port, NULL)) >= 0) {
			close(fd);
			why[0] = '\0';
			return port;
		}
	return 0;
}

/* The server and its worker run as 65534:65534, rooted in dir. */
static int dropped(struct server *s, const char *dir)
{
	static const char nobody[] = "65534\t65534\t65534\t65534";
	char link[80], path[64];
	ssize_t n;

	if (expect_status(s->pid, "Uid", nobody) < 0 ||
	    expect_status(s->pid, "Gid", nobody) < 0 ||
	    expect_status(s->pid, "Groups", "") < 0 ||
	    expect_status(wait_worker(s, 0, 0, 5), "Uid", nobody) < 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/root", (int)s->pid);
	n = readlink(path, link, sizeof link - 1);
	REQUIRE(n >= 0, "readlink %s: %s", path, strerror(errno));
	link[n] = '\0';
	REQUIRE(strcmp(link, dir) == 0 || strstr(link, dir),
	    "root is '%s', not '%s'", link, dir);
	return 0;
}

/*
 * As root: bind a port below 1024, chroot into an empty directory, serve
 * as 65534:65534 with no supplementary groups.
 */
int t_privdrop(struct ctx *c)
{
	char dir[64] = "/tmp/echod-root.XXXXXX", flags[160];
	unsigned port = small_free_port();
	struct server s;
	struct ctx cc = { .srv = &s };
	int fd, rc = 0;

	(void)c;
	if (getuid() != 0)
		return skip("needs root");
	if (no_proc)
		return skip("-k: no /proc of the server");
	if (port == 0)
		return fail("no free port below 1024");
	if (mkdtemp(dir) == NULL && mkdtemp(strcpy(dir, "echod-root.XXXXXX")) == NULL)
		return fail("mkdtemp: %s", strerror(errno));
	snprintf(flags, sizeof flags, "-l 127.0.0.1 -p %u -u 65534:65534 -r %s -w 1",
	    port, dir);
	if (server_spawn(&s, flags, NULL) < 0 || server_listening(&s) < 0)
		rc = fail("did not start: %s", s.err);
	addr_set(&cc.to, "127.0.0.1", port);
	if (rc == 0 && (fd = dial_ping(&cc, "unprivileged\n")) >= 0)
		close(fd);
	else if (rc == 0)
		rc = -1;
	if (rc == 0)
		rc = dropped(&s, dir);
	rc = server_finish(&s, rc);
	rmdir(dir);
	return rc;
}
