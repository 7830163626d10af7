/* SPDX-License-Identifier: ISC */
/* proc: what /proc says about a process. Each returns -1 if it cannot tell. */
#ifndef LIB_PROC_H
#define LIB_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* A line of /proc/PID/status ("Uid"): the text after the colon. */
int proc_status(pid_t pid, const char *field, char *out, size_t size);
/* A number in /proc/PID/status: "VmSize" (kB), "Seccomp"... */
long proc_number(pid_t pid, const char *field);
/* utime + stime, in clock ticks. */
long proc_ticks(pid_t pid);
/* The soft limit on open files. */
long proc_nofile(pid_t pid);
/* How many descriptors the process has open. */
long proc_fds(pid_t pid);

#endif
