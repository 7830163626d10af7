/* say: a printf subset into a fixed buffer, written with one write(2). */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "say.h"

struct out {
	char *buf;
	unsigned size, len;
};

static void put(struct out *o, const char *s, unsigned n)
{
	while (n-- > 0 && o->len + 1 < o->size)
		o->buf[o->len++] = *s++;
}

static void put_num(struct out *o, unsigned long long v, int neg, unsigned base)
{
	char tmp[24];
	unsigned i = sizeof tmp;

	do {
		tmp[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v > 0);
	if (neg)
		tmp[--i] = '-';
	put(o, tmp + i, sizeof tmp - i);
}

static void put_arg(struct out *o, const char **fp, va_list *ap, int err)
{
	const char *f = *fp;
	unsigned longs = 0;
	long long d;

	while (*f == 'l') {
		longs++;
		f++;
	}
	switch (*f) {
	case 's': {
		const char *s = va_arg(*ap, const char *);
		if (s == NULL)
			s = "(null)";
		put(o, s, strlen(s));
		break;
	}
	case 'd':
		d = longs > 1 ? va_arg(*ap, long long) :
		    longs ? va_arg(*ap, long) : va_arg(*ap, int);
		put_num(o, d < 0 ? -(unsigned long long)d : (unsigned long long)d,
		    d < 0, 10);
		break;
	case 'u':
	case 'x':
		put_num(o, longs > 1 ? va_arg(*ap, unsigned long long) :
		    longs ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned),
		    0, *f == 'x' ? 16 : 10);
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int);
		put(o, &c, 1);
		break;
	}
	case 'm': {
		const char *s = strerror(err);
		put(o, s, strlen(s));
		break;
	}
	case '\0':
		f--;
		break;
	default:
		put(o, f, 1);
	}
	*fp = f;
}

static void vfmt(struct out *o, const char *fmt, va_list ap, int err)
{
	va_list aq;
	const char *f;

	va_copy(aq, ap);
	for (f = fmt; *f != '\0'; f++) {
		if (*f != '%') {
			put(o, f, 1);
			continue;
		}
		f++;
		put_arg(o, &f, &aq, err);
	}
	va_end(aq);
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
	/* Nothing useful can be done if stderr itself fails. */
	if (write(2, buf, o.len) < 0)
		errno = err;
	errno = err;
}

void say_text(const char *text)
{
	size_t len = strlen(text);

	if (write(1, text, len) < 0 || write(1, "\n", 1) < 0)
		return;
}
