/* SPDX-License-Identifier: ISC */
/* say: a printf subset into a fixed buffer, written with one write(2). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "say.h"
#include "sys.h"

static int to_socket;		/* stderr is a socket: send, not write */
static unsigned long long dropped;

struct out {
	char *buf;
	unsigned size, len;
};

static void put(struct out *o, const char *s, unsigned n)
{
	while (n-- > 0 && o->len + 1 < o->size)
		o->buf[o->len++] = *s++;
}

/*
 * v / base, leaving the remainder in *rem, with 32-bit divisions only:
 * on 32-bit machines a 64-bit division brings in 2 KB of libgcc.
 */
static unsigned long long divide(unsigned long long v, unsigned base,
    unsigned *rem)
{
	uint32_t hi = (uint32_t)(v >> 32), mid, lo, r;

	r = hi % base;
	hi /= base;
	mid = r << 16 | (uint32_t)(v >> 16 & 0xffff);
	r = mid % base;
	mid /= base;
	lo = r << 16 | (uint32_t)(v & 0xffff);
	*rem = lo % base;
	return (unsigned long long)hi << 32 | (unsigned long long)mid << 16 |
	    lo / base;
}

/* width: at least that many digits, zero-padded (at most 20). */
static void put_num(struct out *o, unsigned long long v, int neg, unsigned base,
    unsigned width)
{
	char tmp[24];
	unsigned i = sizeof tmp, digit;

	do {
		v = divide(v, base, &digit);
		tmp[--i] = "0123456789abcdef"[digit];
	} while (v > 0 || sizeof tmp - i < width);
	if (neg)
		tmp[--i] = '-';
	put(o, tmp + i, sizeof tmp - i);
}

/*
 * An argument's bytes, control bytes (CR, LF, ESC...) shown as '?': every
 * message stays one line whatever argv or a peer put in it.
 */
static void put_shown(struct out *o, const char *s, size_t n)
{
	char c;

	for (; n > 0; n--, s++) {
		c = *s;
		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = '?';
		put(o, &c, 1);
	}
}

static void put_str(struct out *o, const char *s)
{
	if (s == NULL)
		s = "(null)";
	put_shown(o, s, strlen(s));
}

/*
 * strerror's words, musl's, for the errors echod's messages are likely to
 * show; others are "error N". musl's table of them all costs 2 KB. Two
 * arrays, no pointers: nothing to relocate.
 */
static const unsigned short codes[] = {
	EPERM, ENOENT, EINTR, EBADF, EAGAIN, ENOMEM, EACCES, ENODEV, ENOTDIR,
	EINVAL, ENFILE, EMFILE, EPIPE, ENOSYS, ENOTSOCK, EMSGSIZE,
	ENOPROTOOPT, EPROTONOSUPPORT, EOPNOTSUPP, EAFNOSUPPORT, EADDRINUSE,
	EADDRNOTAVAIL, ENETUNREACH, ECONNRESET, ENOBUFS, ETIMEDOUT,
	ECONNREFUSED, EHOSTUNREACH,
};
static const char texts[] =
    "Operation not permitted\0No such file or directory\0"
    "Interrupted system call\0Bad file descriptor\0"
    "Resource temporarily unavailable\0Out of memory\0Permission denied\0"
    "No such device\0Not a directory\0Invalid argument\0"
    "Too many open files in system\0No file descriptors available\0"
    "Broken pipe\0Function not implemented\0Not a socket\0"
    "Message too large\0Protocol not available\0Protocol not supported\0"
    "Not supported\0Address family not supported by protocol\0"
    "Address in use\0Address not available\0Network unreachable\0"
    "Connection reset by peer\0No buffer space available\0"
    "Operation timed out\0Connection refused\0Host is unreachable";

static void put_error(struct out *o, int err)
{
	const char *t = texts;
	unsigned i;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		if (codes[i] == err) {
			put(o, t, (unsigned)strlen(t));
			return;
		}
		t += strlen(t) + 1;
	}
	put(o, "error ", 6);
	put_num(o, (unsigned)err, 0, 10, 0);
}

/* The format's conversions, each taking its argument from ap. */
static void vfmt(struct out *o, const char *fmt, va_list ap, int err)
{
	const char *f;
	unsigned longs, width;
	long long d;
	char c;

	for (f = fmt; *f != '\0'; f++) {
		if (*f != '%') {
			put(o, f, 1);
			continue;
		}
		for (width = 0; *++f >= '0' && *f <= '9';)
			width = width < 20 ? width * 10 + (unsigned)(*f - '0') : 20;
		for (longs = 0; *f == 'l'; f++)
			longs++;
		switch (*f) {
		case 's':
			put_str(o, va_arg(ap, const char *));
			break;
		case 'c':
			c = (char)va_arg(ap, int);
			put_shown(o, &c, 1);
			break;
		case 'd':
			d = longs > 1 ? va_arg(ap, long long) :
			    longs ? va_arg(ap, long) : va_arg(ap, int);
			put_num(o, d < 0 ? -(unsigned long long)d :
			    (unsigned long long)d, d < 0, 10, width);
			break;
		case 'u':
		case 'x':
			put_num(o, longs > 1 ? va_arg(ap, unsigned long long) :
			    longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned),
			    0, *f == 'x' ? 16 : 10, width);
			break;
		case 'm':
			put_error(o, err);
			break;
		case '\0':
			f--;
			break;
		default:
			put(o, f, 1);
		}
	}
	o->buf[o->len] = '\0';
}

unsigned say_fmt(char *buf, unsigned size, const char *fmt, ...)
{
	struct out o = { buf, size, 0 };
	va_list ap;

	va_start(ap, fmt);
	vfmt(&o, fmt, ap, errno);
	va_end(ap);
	return o.len;
}

void say(const char *fmt, ...)
{
	char buf[512];
	struct out o = { buf, sizeof buf - 1, 0 };
	int err = errno;
	va_list ap;

	put(&o, "echod: ", 7);
	va_start(ap, fmt);
	vfmt(&o, fmt, ap, err);
	va_end(ap);
	buf[o.len++] = '\n';
	if ((to_socket ? send(2, buf, o.len, MSG_DONTWAIT | MSG_NOSIGNAL) :
	    write(2, buf, o.len)) < 0)
		dropped++;
	errno = err;
}

void say_text(const char *text)
{
	size_t len = strlen(text);

	if (write(1, text, len) < 0 || write(1, "\n", 1) < 0)
		return;
}

/*
 * A non-blocking description of the pipe (or terminal) on fd 2, in place
 * of the old. Without /proc, the shared description itself: a pipe's
 * writing end is rarely shared with anything but echod's own workers.
 */
static int reopen_pipe(void)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd/2",
	    O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return sys_nonblock(2);
	if (dup2(fd, 2) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* A socket answers SO_TYPE; a pipe (or terminal) cannot seek; files can. */
int say_never_block(void)
{
	int type;
	socklen_t len = sizeof type;

	if (getsockopt(2, SOL_SOCKET, SO_TYPE, &type, &len) == 0)
		to_socket = 1;
	else if (lseek(2, 0, SEEK_CUR) < 0 && errno == ESPIPE)
		return reopen_pipe();
	return 0;
}

unsigned long long say_dropped(void)
{
	return dropped;
}
