/* SPDX-License-Identifier: ISC */
/*
 * sandbox: confinement. The seccomp filter is on in the supervisor and
 * every worker (and -S turns it off); a filter the kernel rejects is an
 * error, a kernel without filters is said; as root, echod binds a small
 * port, then serves from an empty chroot as an unprivileged user, and
 * warns when -r comes without -u.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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
	int rc;

	if (server_start(&s, "-S", NULL) < 0)
		return server_finish(&s, -1);
	addr_set(&off.to, "127.0.0.1", s.port);
	rc = expect_status(s.pid, "Seccomp", "0");
	rc = ping_once(&off, "unfiltered\n", rc);
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

int temp_dir(char *dir, const char *name)
{
	snprintf(dir, 64, "/tmp/%s.XXXXXX", name);
	if (mkdtemp(dir) == NULL &&
	    mkdtemp(memmove(dir, dir + 5, strlen(dir + 5) + 1)) == NULL)
		return fail("mkdtemp: %s", strerror(errno));
	return 0;
}

/*
 * As root: bind a port below 1024, chroot into an empty directory, serve
 * as 65534:65534 with no supplementary groups.
 */
int t_privdrop(struct ctx *c)
{
	char dir[64], flags[160];
	unsigned port = small_free_port();
	struct server s;
	struct ctx cc = { .srv = &s };
	int rc = 0;

	(void)c;
	if (getuid() != 0)
		return skip("needs root");
	if (no_proc)
		return skip("-k: no /proc of the server");
	if (port == 0)
		return fail("no free port below 1024");
	if (temp_dir(dir, "echod-root") < 0)
		return -1;
	snprintf(flags, sizeof flags, "-l 127.0.0.1 -p %u -u 65534:65534 -r %s -w 1",
	    port, dir);
	if (server_spawn(&s, flags, NULL) < 0 || server_listening(&s) < 0)
		rc = fail("did not start: %s", s.err);
	addr_set(&cc.to, "127.0.0.1", port);
	rc = ping_once(&cc, "unprivileged\n", rc);
	if (rc == 0)
		rc = dropped(&s, dir);
	rc = server_finish(&s, rc);
	rmdir(dir);
	return rc;
}

/* As root, -r without -u warns: root can leave a chroot. */
int t_chroot_warning(struct ctx *c)
{
	char dir[64], flags[96];
	struct server s;
	int rc;

	(void)c;
	if (getuid() != 0)
		return skip("needs root");
	if (temp_dir(dir, "echod-root") < 0)
		return -1;
	snprintf(flags, sizeof flags, "-r %s", dir);
	rc = server_start(&s, flags, NULL);
	if (rc == 0 && !strstr(s.err, "warning: -r without -u: root can leave "
	    "a chroot"))
		rc = fail("no warning: %.300s", s.err);
	rc = server_finish(&s, rc);
	rmdir(dir);
	return rc;
}

/* A classic BPF instruction (<linux/filter.h>; the kernel reads it). */
struct bpf_insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ARG_LO(i) (16 + 8 * (i) + 4)	/* seccomp_data.args[i], low half */
#else
#define ARG_LO(i) (16 + 8 * (i))
#endif

/*
 * A filter for the server's process before exec: its prctl(PR_SET_SECCOMP)
 * fails with EINVAL as on a kernel that rejects echod's program (all 0:
 * only a real program; the probe with none goes through) or that has no
 * filters (all 1).
 */
static int deny_seccomp(int all)
{
	struct bpf_insn f[] = {
		{ 0x20, 0, 0, 0 },			/* ld nr */
		{ 0x15, 0, 5, SYS_prctl },		/* jeq prctl */
		{ 0x20, 0, 0, ARG_LO(0) },		/* ld option */
		{ 0x15, 0, 3, PR_SET_SECCOMP },
		{ 0x20, 0, 0, ARG_LO(2) },		/* ld program */
		{ 0x15, all ? 0 : 1, 0, 0 },		/* NULL: the probe */
		{ 0x06, 0, 0, 0x00050000u | EINVAL },	/* ret errno */
		{ 0x06, 0, 0, 0x7fff0000u },		/* ret allow */
	};
	struct {
		unsigned short len;
		struct bpf_insn *insn;
	} prog = { sizeof f / sizeof f[0], f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, 2, &prog, 0, 0);
}

static int reject_program(void)
{
	return deny_seccomp(0);
}

static int no_filters(void)
{
	return deny_seccomp(1);
}

/* Is the filter off for this server command (-S, as under valgrind)? */
static int told_no_seccomp(void)
{
	int i;

	for (i = 0; server_cmd[i] != NULL; i++)
		if (strcmp(server_cmd[i], "-S") == 0)
			return 1;
	return !has_seccomp();
}

/*
 * The filter install fails with EINVAL: on a kernel with filters that is
 * an error (exit 1), on one without them echod says so and serves.
 */
int t_seccomp_einval(struct ctx *c)
{
	struct server_env env = { .child = reject_program };
	struct server s;
	struct ctx cc = { .srv = &s };
	int status, rc;

	(void)c;
	if (told_no_seccomp())
		return skip("no seccomp filter in this server (-V, -S)");
	status = server_run_env(&s, "-p 0", &env);
	if (status == 125)
		return skip("cannot install a seccomp filter here (qemu-user?)");
	REQUIRE(status == 1 && strstr(s.err, "prctl PR_SET_SECCOMP: Invalid "
	    "argument"), "a rejected filter: exit %d, said: %.300s", status,
	    s.err);
	env.child = no_filters;
	rc = server_start(&s, "", &env);
	if (rc == 0 && !server_wait_line(&s, 0,
	    "seccomp: not available in this kernel", 5))
		rc = fail("no filters: said %.300s", s.err);
	addr_set(&cc.to, "127.0.0.1", s.port);
	rc = ping_once(&cc, "unfiltered\n", rc);
	return server_finish(&s, rc);
}
