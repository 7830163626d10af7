/* sandbox: seccomp allowlist, privilege drop, chroot, RELRO. */
#ifndef SANDBOX_H
#define SANDBOX_H

enum { SANDBOX_WORKER, SANDBOX_SUPERVISOR };
#define SANDBOX_KEEP (~0u)	/* sandbox_drop: keep uid and gid */

/*
 * Allow only the syscalls of role from now on; anything else, or another
 * architecture's calling convention, kills the process. The supervisor's
 * set includes the worker's (a forked worker inherits it). Returns 0;
 * 1 if seccomp is missing (said once); -1 on an error (said).
 */
int sandbox_seccomp(int role);
/* 1 if this build has a filter for its architecture. */
int sandbox_built_in(void);
/* How many syscalls role may make. */
unsigned sandbox_calls(int role);
/*
 * chroot into root (NULL: stay), then setgroups, setgid, setuid (unless
 * gid is SANDBOX_KEEP), then no new privileges. Returns 0 or -1 (said).
 */
int sandbox_drop(const char *root, unsigned uid, unsigned gid);
/* Make the RELRO region read-only; static musl programs lack it. */
void sandbox_relro(void);

#endif
