#include <signal.h>
#include <stddef.h>
#include <sys/signalfd.h>

#include "signals.h"

/* TERM, INT: stop. USR1: counters. CHLD: a worker died (supervisor). */
static void the_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGCHLD);
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
