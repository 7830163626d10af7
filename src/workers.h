/* SPDX-License-Identifier: ISC */
/* workers: N processes, each its own loop; the parent only supervises. */
#ifndef WORKERS_H
#define WORKERS_H

#define WORKERS_MAX 64		/* -w's upper bound */

/* What a worker runs; returns its exit status. */
typedef int (*worker_fn)(unsigned index, void *arg);

/*
 * Fork n workers and supervise them: a worker that dies is started again
 * after a back-off, SIGUSR1 is passed on, SIGTERM/SIGINT stop them all.
 * Returns the parent's exit status: 0 once every worker has stopped.
 * The caller has blocked the signals (signals_block).
 */
int workers_run(unsigned n, worker_fn fn, void *arg);

#endif
