/* SPDX-License-Identifier: ISC */
/*
 * signals: the one set of signals echod acts on. They stay blocked from
 * the start and are read from a signalfd inside the loop, so none is
 * lost before the loop runs and no handler interrupts its state.
 */
#ifndef SIGNALS_H
#define SIGNALS_H

/* Block the set, and SIGPIPE. Returns 0, or -1 with errno set. */
int signals_block(void);
/* A non-blocking signalfd for the set, or -1 with errno set. */
int signals_fd(void);
/* HUP or USR2 came: they are ignored, which is said once. */
void signals_other(int sig);

#endif
