/* SPDX-License-Identifier: ISC */
#include <signal.h>
#include <stddef.h>
#include <sys/signalfd.h>

#include "say.h"
#include "signals.h"
#include "sys.h"

/*
 * TERM, INT: stop. USR1: counters. CHLD: a worker died (supervisor).
 * HUP, USR2: ignored (log rotators send HUP; by default both would kill).
 */
static void the_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR2);
}

/*
 * SIGPIPE is blocked too, never read: a write to a closed pipe then just
 * fails with EPIPE (sockets are written with MSG_NOSIGNAL anyway). Blocked
 * rather than ignored: ignoring takes sigaction, 900 bytes of musl.
 */
int signals_block(void)
{
	sigset_t set;

	the_set(&set);
	sigaddset(&set, SIGPIPE);
	return sigprocmask(SIG_BLOCK, &set, NULL);
}

int signals_fd(void)
{
	sigset_t set;

	the_set(&set);
	return sys_signalfd(&set);
}

void signals_other(int sig)
{
	static int said;

	if ((sig != SIGHUP && sig != SIGUSR2) || said)
		return;
	said = 1;
	say("SIG%s ignored: nothing to reload (said once)",
	    sig == SIGHUP ? "HUP" : "USR2");
}
