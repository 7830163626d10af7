/* SPDX-License-Identifier: ISC */
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

/* Where a case runs: over which address; also against -r servers; OWN:
 * it starts servers of its own (flags NULL). */
enum { V4 = 1, V6 = 2, REMOTE = 4, OWN = 8 };

struct tcase {
	const char *name;
	const char *flags;	/* for the server itest starts for it */
	case_fn *fn;
	int where;
};

/* Every case, in the order they run. */
static const struct tcase cases[] = {
	{ "echo-ipv4", "", t_echo, V4 | REMOTE },
	{ "echo-ipv6", "", t_echo, V6 | REMOTE },
	{ "many-clients", "", t_many, V4 | REMOTE },
	{ "backpressure", "", t_backpressure, V6 | REMOTE },
	{ "slow-reader", "", t_slow_reader, V4 | REMOTE },
	{ "half-close", "", t_half_close, V6 | REMOTE },
	{ "half-close-full-ring", "-c 4 -b 16777216", t_half_close_ring, V4 },
	{ "capitalize", "-m capitalize", t_capitalize, V4 },
	{ "capitalize-random", "-m capitalize", t_capitalize_random, V6 },
	{ "edge-echo-ipv4", "-E", t_echo, V4 },
	{ "edge-echo-ipv6", "-E", t_echo, V6 },
	{ "edge-many-clients", "-E", t_many, V6 },
	{ "edge-backpressure", "-E", t_backpressure, V4 },
	{ "edge-slow-reader", "-E", t_slow_reader, V6 },
	{ "edge-half-close", "-E", t_half_close, V4 },
	{ "edge-half-close-full-ring", "-E -c 4 -b 16777216", t_half_close_ring, V6 },
	{ "edge-capitalize", "-E -m capitalize -b 64", t_capitalize_random, V4 },
	{ "urgent-data", "", t_urgent, V4 },
	{ "edge-urgent-data", "-E", t_urgent, V6 },
	{ "edge-urgent-small-ring", "-E -b 64", t_urgent, V4 },
	{ "small-ring", "-b 64", t_echo, V4 },
	{ "slots-full", "-c 4", t_slots_full, V4 },
	{ "edge-slots-full", "-E -c 4", t_slots_full, V6 },
	{ "idle-timeout", "-t 1", t_idle_timeout, V4 },
	{ "edge-idle-timeout", "-E -t 1", t_idle_timeout, V6 },
	{ "idle-delivers", "-t 1", t_idle_delivers, V4 },
	{ "edge-idle-delivers", "-E -t 1", t_idle_delivers, V6 },
	{ "refusals-logged", "-c 1", t_refusals_logged, V4 },
	{ "rst-storm", "-c 64", t_rst_storm, V4 },
	{ "edge-rst-storm", "-E -c 64", t_rst_storm, V6 },
	{ "vmsize-fixed", "", t_vmsize, V4 },
	{ "sigterm", "", t_sigterm, V4 },
	{ "sigint", "-E", t_sigint, V6 },
	{ "probe", "", t_probe, V4 },
	{ "udp-ipv4", "-U", t_udp, V4 },
	{ "udp-ipv6", "-U -E", t_udp, V6 },
	{ "udp-loop-protection", "-U", t_udp_loop, V4 },
	{ "udp-loop-protection-ipv6", "-U", t_udp_loop, V6 },
	{ "counters", "-c 1 -t 1", t_counters, V4 },
	{ "log-stall", "", t_log_stall, V4 },
	{ "workers", "-w 2 -U", t_workers, V4 },
	{ "seccomp", "", t_seccomp, V4 },
	{ "seccomp-workers", "-w 2 -E", t_seccomp_workers, V6 },
	{ "privilege-drop", NULL, t_privdrop, OWN },
	{ "fd-limit", NULL, t_fd_limit, OWN },
	{ "socket-activation", NULL, t_activation, OWN },
	{ "emfile", NULL, t_emfile, OWN },
	{ "bad-usage", NULL, t_bad_usage, OWN },
	{ "port-in-use", NULL, t_port_in_use, OWN },
	{ "quiet", NULL, t_quiet, OWN },
	{ "activation-workers", NULL, t_activation_workers, OWN },
	{ "activation-workers-edge", NULL, t_activation_workers_edge, OWN },
	{ "orphaned-workers", "-w 2", t_orphans, V4 },
	{ "fd-limit-inherited", NULL, t_fd_limit_inherited, OWN },
	{ "activation-unix", NULL, t_activation_unix, OWN },
	{ "activation-errors", NULL, t_activation_errors, OWN },
	{ "activation-flags", NULL, t_activation_flags, OWN },
	{ "inetd", NULL, t_inetd, OWN },
	{ "sighup", "", t_sighup, V4 },
	{ "sighup-workers", "-w 2", t_sighup, V6 },
	{ "usr1-workers", "-w 2", t_usr1_workers, V4 },
	{ "start-line", NULL, t_start_line, OWN },
	{ "listen-zone", NULL, t_listen_zone, OWN },
	{ "seccomp-einval", NULL, t_seccomp_einval, OWN },
	{ "chroot-warning", NULL, t_chroot_warning, OWN },
	{ "workers-memory", "-w 2 -c 64 -b 1048576", t_workers_memory, V4 },
	{ "long-options", NULL, t_long_options, OWN },
	/* Exposed to the Internet. */
	{ "udp-sizes-ipv4", "-U", t_udp_sizes, V4 },
	{ "udp-sizes-ipv6", "-U", t_udp_sizes, V6 },
	{ "udp-sizes-shared", NULL, t_udp_sizes_shared, OWN },
	{ "udp-privileged-ports", "-U", t_udp_ports, V4 },
	{ "udp-privileged-ports-ipv6", "-U -E", t_udp_ports, V6 },
	{ "udp-forged-loops", NULL, t_forged_loops, OWN },
	{ "udp-broadcast", NULL, t_broadcast, OWN },
	{ "udp-rate-limit", "-U -R 10/20", t_udp_rate, V4 },
	{ "udp-rate-default", "-U", t_udp_rate_default, V4 },
	{ "tcp-cap-ipv4", "-C 2", t_tcp_cap, V4 },
	{ "tcp-cap-ipv6", "-C 2 -E", t_tcp_cap, V6 },
	{ "allow-ipv4", "-U -A 127.0.0.2", t_allow, V4 },
	{ "allow-ipv6", "-U -A 127.0.0.0/8", t_allow, V6 },
	{ "stamp-ipv4", "-T 0", t_stamp, V4 },
	{ "stamp-ipv6", "-T 0 -E -U", t_stamp, V6 },
	{ "stamp-workers", "-T 0 -w 2", t_stamp_workers, V4 },
	{ "stamp-rate-limit", "-T 0 -R 5/5", t_stamp_limited, V6 },
	{ "stamp-kernel-time", "-T 0", t_stamp_kernel_time, V6 },
	{ "stamp-tshark", "-T 0", t_stamp_tshark, V4 },
	{ "client", "-T 0 -U", t_client, V6 },
	{ "client-faults", NULL, t_client_faults, OWN },
	{ "probe-capitalize", "-m capitalize", t_probe_capitalize, V4 },
	{ "probe-messages", NULL, t_probe_messages, OWN },
	{ "metrics", "-M 0 -U -T 0", t_metrics, V4 },
	{ "metrics-workers", "-M 0 -w 2", t_metrics, V6 },
	{ "metrics-bad-requests", "-M 0", t_metrics_bad, V4 },
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
	}
	rc = server_finish(&s, rc);
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
	struct rlimit rl;
	size_t i;

	options(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(&cases[i]);
	return summary();
}
