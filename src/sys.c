/* SPDX-License-Identifier: ISC */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sys.h"

int sys_socket(int af, int type)
{
	return (int)syscall(SYS_socket, af, type, 0);
}

int sys_accept(int fd, struct sockaddr *peer, socklen_t *len, int flags)
{
	return (int)syscall(SYS_accept4, fd, peer, len, flags);
}

ssize_t sys_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return syscall(SYS_sendmsg, fd, msg, flags);
}

ssize_t sys_recvmsg(int fd, struct msghdr *msg, int flags)
{
	return syscall(SYS_recvmsg, fd, msg, flags);
}

int sys_sendmmsg(int fd, struct mmsghdr *msg, unsigned n, int flags)
{
	return (int)syscall(SYS_sendmmsg, fd, msg, n, flags);
}

/* ioctl rather than fcntl: musl's fcntl is 400 bytes of cases we never use. */
int sys_nonblock(int fd)
{
	int on = 1;

	return (int)syscall(SYS_ioctl, fd, FIONBIO, &on);
}

/* 32-bit machines have mmap2, whose offset (0 here) counts pages. */
void *sys_mmap(size_t len, int prot, int flags)
{
#ifdef SYS_mmap2
	long r = syscall(SYS_mmap2, 0, len, prot, flags, -1, 0);
#else
	long r = syscall(SYS_mmap, 0, len, prot, flags, -1, 0);
#endif

	return r == -1 ? MAP_FAILED : (void *)r;
}

int sys_prctl(int op, unsigned long arg, unsigned long arg2)
{
	return (int)syscall(SYS_prctl, op, arg, arg2, 0, 0);
}

int sys_epoll_create(void)
{
	return (int)syscall(SYS_epoll_create1, EPOLL_CLOEXEC);
}

int sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	return (int)syscall(SYS_epoll_ctl, epfd, op, fd, ev);
}

/*
 * The kernel's signal sets have _NSIG - 1 bits (64, or 128 on MIPS);
 * musl's sigset_t is larger.
 */
#define KERNEL_SIGSET (_NSIG / 8)

/* epoll_pwait: aarch64 has no epoll_wait. */
int sys_epoll_wait(int epfd, struct epoll_event *ev, int n, int ms)
{
	return (int)syscall(SYS_epoll_pwait, epfd, ev, n, ms, 0, KERNEL_SIGSET);
}

int sys_signalfd(const sigset_t *set)
{
	return (int)syscall(SYS_signalfd4, -1, set, KERNEL_SIGSET,
	    SFD_NONBLOCK | SFD_CLOEXEC);
}
