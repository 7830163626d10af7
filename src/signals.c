#include <signal.h>
#include <stddef.h>
#include <sys/signalfd.h>

#include "say.h"
#include "signals.h"

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

int signals_block(void)
{
	sigset_t set;

	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return -1;
	the_set(&set);
	return sigprocmask(SIG_BLOCK, &set, NULL);
}

int signals_fd(void)
{
	sigset_t set;

	the_set(&set);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
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
