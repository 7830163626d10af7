/* SPDX-License-Identifier: ISC */
/*
 * sandbox: what a process gives up once its sockets and memory exist:
 * seccomp allowlist, chroot, privileges; and RELRO at start. Each call
 * returns 0, or -1 with errno set (and *what naming the failed step).
 */
#ifndef SANDBOX_H
#define SANDBOX_H

enum { SANDBOX_WORKER, SANDBOX_SUPERVISOR };

/*
 * Allow only the syscalls of role from now on; anything else, or another
 * architecture's calling convention, kills the process. The supervisor's
 * set includes the worker's (a forked worker inherits it). Returns 1,
 * not -1, when this kernel or build has no seccomp filter.
 */
int sandbox_seccomp(int role, const char **what);
/* 1 if this build has a filter for its architecture. */
int sandbox_built_in(void);
int sandbox_chroot(const char *root);
/* setgroups, setgid, setuid, then check uid 0 cannot be regained. */
int sandbox_become(unsigned uid, unsigned gid, const char **what);
int sandbox_no_new_privs(void);
/* Make the RELRO region read-only; static musl programs lack it. */
int sandbox_relro(void);

#endif
