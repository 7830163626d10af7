/*
 * itest: echod's integration tests, over real sockets.
 *
 *   itest [-T factor] [-k] [-s name] [-x name] -- server-command [args...]
 *	Every case starts its own server: the command plus the case's flags
 *	plus "-p 0"; the port comes from the server's start line.
 *   itest [-T factor] [-s name] [-x name] -r addr:port [-r addr:port ...]
 *	The data cases only, against an echod already running with the
 *	default flags (a QEMU guest, a container).
 *
 * -T multiplies every timeout (emulators are slow). -k skips the checks
 * that read the server's /proc/PID (under qemu-user that is QEMU's).
 * -s NAME runs only the cases whose name has NAME in it; -x NAME leaves
 * them out (and says so).
 * Static C with no files needed, so the same program runs on the host,
 * under qemu-user and as the only client inside a QEMU guest.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "itest.h"
#include "lib/clock.h"
#include "lib/report.h"

#define MAX_REMOTE 8
#define MAX_EXCLUDED 8
#define CASE_SECONDS 300	/* any one case, times -T */

/* The areas in the order they run. */
static const struct tcase *const areas[] = {
	tcp_cases, limits_cases, usage_cases, udp_cases, workers_cases,
	sandbox_cases, activation_cases,
};

int no_proc;					/* -k */
static const char *only;			/* -s */
static const char *excluded[MAX_EXCLUDED];	/* -x */
static int nexcluded;
static const char *remote[MAX_REMOTE];		/* -r */
static int nremote;
/* A server with the case's flags, the case against it, then SIGTERM. */
static void run_spawned(const struct tcase *tc)
{
	struct server s;
	struct ctx c = { .srv = &s };
	double t0 = now();
	int rc;

	if (tc->where & OWN) {
		rc = tc->fn(&c);
		report(rc, "%s (%.1f s)", tc->name, now() - t0);
		return;
	}
	rc = server_start(&s, tc->flags, NULL);
	if (rc == 0) {
		addr_set(&c.to, tc->where & V6 ? "::1" : "127.0.0.1", s.port);
		rc = tc->fn(&c);
		if (server_stop(&s) < 0)
			rc = -1;
	}
	server_kill(&s);
	report(rc, "%s (%.1f s)", tc->name, now() - t0);
}

/* The case against addr:port or [addr]:port. */
static void run_remote(const struct tcase *tc, const char *target)
{
	char host[64];
	const char *colon = strrchr(target, ':');
	struct ctx c = { .srv = NULL };
	size_t len = colon ? (size_t)(colon - target) : 0;
	double t0 = now();
	int rc;

	if (len >= 2 && target[0] == '[') {
		target++;
		len -= 2;
	}
	snprintf(host, sizeof host, "%.*s", (int)len, target);
	rc = addr_set(&c.to, host, colon ? (unsigned)atoi(colon + 1) : 0);
	if (rc == 0)
		rc = tc->fn(&c);
	report(rc, "%s @%s (%.1f s)", tc->name, host, now() - t0);
}

static int is_excluded(const char *name)
{
	int i;

	for (i = 0; i < nexcluded; i++)
		if (strstr(name, excluded[i]) != NULL)
			return 1;
	return 0;
}

static void run_case(const struct tcase *tc)
{
	int r;

	if (only != NULL && strstr(tc->name, only) == NULL)
		return;
	if (nremote > 0 && !(tc->where & REMOTE))
		return;
	if (is_excluded(tc->name)) {
		report(skip("left out by -x"), "%s", tc->name);
		return;
	}
	why[0] = '\0';
	server_watchdog(tc->name, CASE_SECONDS);
	if (nremote == 0)
		run_spawned(tc);
	for (r = 0; r < nremote; r++)
		run_remote(tc, remote[r]);
}

static void usage(void)
{
	fprintf(stderr, "usage: itest [-T factor] [-k] [-s name] [-x name] -- "
	    "server [args]\n"
	    "       itest [-T factor] [-s name] [-x name] -r addr:port "
	    "[-r addr:port]\n");
	exit(2);
}

static void options(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "T:ks:x:r:")) != -1) {
		if (opt == 'T' && (clock_scale = atof(optarg)) > 0)
			continue;
		if (opt == 'k')
			no_proc = 1;
		else if (opt == 's')
			only = optarg;
		else if (opt == 'x' && nexcluded < MAX_EXCLUDED)
			excluded[nexcluded++] = optarg;
		else if (opt == 'r' && nremote < MAX_REMOTE)
			remote[nremote++] = optarg;
		else
			usage();
	}
	server_cmd = argv + optind;
	if ((nremote == 0) == (*server_cmd == NULL))
		usage();
}

int main(int argc, char **argv)
{
	const struct tcase *tc;
	struct rlimit rl;
	size_t a;

	options(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (a = 0; a < sizeof areas / sizeof areas[0]; a++)
		for (tc = areas[a]; tc->name != NULL; tc++)
			run_case(tc);
	return summary();
}
