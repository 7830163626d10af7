/* SPDX-License-Identifier: ISC */
/*
 * sandbox: what a process gives up once its sockets and memory exist.
 *
 * The seccomp filter is an allowlist of syscall numbers, taken from the
 * target's own <sys/syscall.h>, so one source serves every architecture;
 * the filter's first check is that architecture. mmap and brk are not on
 * the list: an allocation after start-up kills the process.
 */
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mem.h"
#include "sandbox.h"
#include "sys.h"

/* From <linux/filter.h>, <linux/seccomp.h>, <linux/audit.h>; the kernel reads them. */
struct filter_insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

struct filter_prog {
	unsigned short len;
	const struct filter_insn *insn;
};

#define LD_W_ABS 0x20		/* BPF_LD | BPF_W | BPF_ABS */
#define JEQ_K 0x15		/* BPF_JMP | BPF_JEQ | BPF_K */
#define RET_K 0x06		/* BPF_RET | BPF_K */
#define MODE_FILTER 2		/* SECCOMP_MODE_FILTER */
#define RET_KILL_PROCESS 0x80000000u
#define RET_ALLOW 0x7fff0000u
#define DATA_NR 0		/* offsetof(struct seccomp_data, nr) */
#define DATA_ARCH 4		/* offsetof(struct seccomp_data, arch) */

/*
 * No i386: musl makes its socket calls there through socketcall when the
 * kernel lacks the direct ones (before 4.3), and no i386 build is tested.
 */
#if defined(__x86_64__) && !defined(__ILP32__)
#define ARCH 0xc000003eu
#elif defined(__aarch64__) && !defined(__AARCH64EB__)
#define ARCH 0xc00000b7u
#elif defined(__arm__) && !defined(__ARMEB__)
#define ARCH 0x40000028u
#elif defined(__mips__) && !defined(__mips64) && defined(__MIPSEL__)
#define ARCH 0x40000008u
#elif defined(__mips__) && !defined(__mips64)
#define ARCH 0x00000008u
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH 0xc00000f3u
#endif

/* Sanitizer runtimes make syscalls of their own, at any time. */
#if defined(__SANITIZE_ADDRESS__)
#undef ARCH
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#undef ARCH
#endif
#endif

#ifdef ARCH
/* What the event loop calls, on any libc and architecture. */
static const long worker_calls[] = {
	SYS_read, SYS_readv, SYS_write, SYS_close, SYS_dup,
	SYS_accept4, SYS_sendto, SYS_sendmsg, SYS_recvmsg, SYS_recvfrom, SYS_shutdown,
	SYS_recvmmsg, SYS_sendmmsg, SYS_epoll_ctl, SYS_epoll_pwait,
	SYS_exit_group, SYS_exit, SYS_restart_syscall,
#ifdef SYS_clock_gettime
	SYS_clock_gettime,
#endif
#ifdef SYS_clock_gettime32
	SYS_clock_gettime32,	/* a 32-bit kernel before 5.1 */
#endif
#ifdef SYS_clock_gettime64
	SYS_clock_gettime64,
#endif
#ifdef SYS_recvmmsg_time64
	SYS_recvmmsg_time64,
#endif
	/* STAMP's Error Estimate reads the clock's state (no modes). */
#ifdef SYS_adjtimex
	SYS_adjtimex,
#endif
#ifdef SYS_clock_adjtime
	SYS_clock_adjtime,
#endif
#ifdef SYS_clock_adjtime64
	SYS_clock_adjtime64,
#endif
};

/* And what the supervisor adds: forking, waiting, a worker's set-up. */
static const long supervisor_calls[] = {
	SYS_wait4, SYS_kill, SYS_rt_sigprocmask, SYS_gettid,
	SYS_set_robust_list, SYS_getpid, SYS_getppid, SYS_munmap,
	SYS_setsockopt, SYS_getsockname,
	SYS_signalfd4, SYS_epoll_create1, SYS_prctl, SYS_ppoll,
#ifdef SYS_fork
	SYS_fork,
#endif
	SYS_clone,
#ifdef SYS_poll
	SYS_poll,
#endif
#ifdef SYS_ppoll_time64
	SYS_ppoll_time64,
#endif
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_CALLS (COUNT(worker_calls) + COUNT(supervisor_calls))

static struct filter_insn filter[MAX_CALLS + 6];

static void insn(unsigned at, uint16_t code, uint8_t jt, uint32_t k)
{
	filter[at].code = code;
	filter[at].jt = jt;
	filter[at].jf = 0;
	filter[at].k = k;
}

/* Architecture check, then one JEQ per syscall jumping to ALLOW. */
static unsigned build(int role)
{
	unsigned n = COUNT(worker_calls), i, at = 0;

	if (role == SANDBOX_SUPERVISOR)
		n += COUNT(supervisor_calls);
	insn(at++, LD_W_ABS, 0, DATA_ARCH);
	insn(at++, JEQ_K, 1, ARCH);
	insn(at++, RET_K, 0, RET_KILL_PROCESS);
	insn(at++, LD_W_ABS, 0, DATA_NR);
	for (i = 0; i < n; i++) {
		long nr = i < COUNT(worker_calls) ? worker_calls[i] :
		    supervisor_calls[i - COUNT(worker_calls)];

		insn(at++, JEQ_K, (uint8_t)(n - i), (uint32_t)nr);
	}
	insn(at++, RET_K, 0, RET_KILL_PROCESS);
	insn(at++, RET_K, 0, RET_ALLOW);
	return at;
}

/*
 * EINVAL also means a filter the kernel rejects. As libseccomp does, ask
 * with no program: a kernel with filters reads it first (EFAULT), one
 * without refuses the mode (EINVAL).
 */
static int no_filters(void)
{
	int err = errno, none;

	none = sys_prctl(PR_SET_SECCOMP, MODE_FILTER, 0) < 0 &&
	    errno == EINVAL;
	errno = err;
	return none;
}
#endif

int sandbox_seccomp(int role, const char **what)
{
#ifdef ARCH
	struct filter_prog prog;

	prog.len = (unsigned short)build(role);
	prog.insn = filter;
	*what = "prctl PR_SET_NO_NEW_PRIVS";
	if (sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0) < 0)
		return -1;
	*what = "prctl PR_SET_SECCOMP";
	if (sys_prctl(PR_SET_SECCOMP, MODE_FILTER, (unsigned long)&prog) == 0)
		return 0;
	return errno == EINVAL && no_filters() ? 1 : -1;
#else
	(void)role;
	*what = "no filter for this build";
	return 1;
#endif
}

int sandbox_built_in(void)
{
#ifdef ARCH
	return 1;
#else
	return 0;
#endif
}

/*
 * The system calls themselves: musl's setuid and friends stop every
 * thread to apply the change to each (1.5 KB of code), and echod has one
 * thread. 32-bit ARM and i386 have 16-bit-id calls under the plain names.
 */
#ifdef SYS_setresuid32
#define SYS_SETGROUPS SYS_setgroups32
#define SYS_SETRESGID SYS_setresgid32
#define SYS_SETRESUID SYS_setresuid32
#else
#define SYS_SETGROUPS SYS_setgroups
#define SYS_SETRESGID SYS_setresgid
#define SYS_SETRESUID SYS_setresuid
#endif

int sandbox_chroot(const char *root)
{
	if (chroot(root) < 0)
		return -1;
	return chdir("/");
}

int sandbox_become(unsigned uid, unsigned gid, const char **what)
{
	*what = "setgroups";
	if (syscall(SYS_SETGROUPS, 0, NULL) < 0)
		return -1;
	*what = "setresgid";
	if (syscall(SYS_SETRESGID, gid, gid, gid) < 0)
		return -1;
	*what = "setresuid";
	if (syscall(SYS_SETRESUID, uid, uid, uid) < 0)
		return -1;
	/* As OpenBSD daemons check: there must be no way back. */
	*what = "uid 0 could be regained";
	if (uid != 0 && syscall(SYS_SETRESUID, 0, 0, 0) == 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int sandbox_no_new_privs(void)
{
	return sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0);
}

#if UINTPTR_MAX > 0xffffffffu
typedef Elf64_Ehdr Ehdr;
typedef Elf64_Phdr Phdr;
#else
typedef Elf32_Ehdr Ehdr;
typedef Elf32_Phdr Phdr;
#endif

/* This program's ELF image, as the linker maps it: header first. */
extern const unsigned char __ehdr_start[]; /* NOLINT: the linker's name */

static Phdr phdr(const Ehdr *eh, unsigned i)
{
	Phdr ph;

	memcpy(&ph, __ehdr_start + eh->e_phoff + (size_t)i * sizeof ph, sizeof ph);
	return ph;
}

/*
 * musl applies no RELRO to static programs: the linker lays the region
 * out (-z relro -z now), this makes it read-only.
 */
int sandbox_relro(void)
{
	uintptr_t base = (uintptr_t)__ehdr_start, lo, hi;
	uintptr_t page = (uintptr_t)mem_page();	/* 4K, 16K or 64K */
	Ehdr eh;
	Phdr ph;
	unsigned i;

	memcpy(&eh, __ehdr_start, sizeof eh);
	for (i = 0; i < eh.e_phnum; i++) {
		ph = phdr(&eh, i);
		if (ph.p_type == PT_LOAD && ph.p_offset == 0) {
			base -= ph.p_vaddr;
			break;
		}
	}
	for (i = 0; i < eh.e_phnum; i++) {
		ph = phdr(&eh, i);
		if (ph.p_type != PT_GNU_RELRO)
			continue;
		lo = (base + ph.p_vaddr) & ~(page - 1);
		hi = (base + ph.p_vaddr + ph.p_memsz) & ~(page - 1);
		if (hi > lo && mprotect((void *)lo, hi - lo, PROT_READ) < 0)
			return -1;
	}
	return 0;
}
