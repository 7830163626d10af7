/* SPDX-License-Identifier: ISC */
/*
 * sys: the system calls echod makes without musl's wrappers. Those carry
 * compatibility code for kernels older than echod runs on (2.6.28, for
 * epoll_create1 and signalfd4) or for threads it does not have, and cost
 * about 1.5 KB together. Each returns what the call returns, or -1 with
 * errno set.
 */
#ifndef SYS_H
#define SYS_H

#include <signal.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>

int sys_socket(int af, int type);
/* accept4; peer and len may be NULL. */
int sys_accept(int fd, struct sockaddr *peer, socklen_t *len, int flags);
/* msg must be zeroed but for what it sets: 64-bit musl pads msghdr. */
ssize_t sys_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t sys_recvmsg(int fd, struct msghdr *msg, int flags);
/*
 * The kernel's sendmmsg (Linux 3.0 on): musl's makes a sendmsg of each
 * message on 64-bit machines, whose msghdr has padding where the
 * kernel's has wider fields. The padding must be 0, as for sys_sendmsg.
 */
int sys_sendmmsg(int fd, struct mmsghdr *msg, unsigned n, int flags);
/* O_NONBLOCK on fd's open file description. */
int sys_nonblock(int fd);
/* Anonymous memory, or MAP_FAILED. */
void *sys_mmap(size_t len, int prot, int flags);
int sys_prctl(int op, unsigned long arg, unsigned long arg2);
int sys_epoll_create(void);
int sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int sys_epoll_wait(int epfd, struct epoll_event *ev, int n, int ms);
/* A non-blocking, close-on-exec signalfd for set. */
int sys_signalfd(const sigset_t *set);

#endif
