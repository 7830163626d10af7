/* SPDX-License-Identifier: ISC */
/*
 * fuzz_listen_env: systemd's LISTEN_PID and LISTEN_FDS as options_env
 * reads them (the service manager's, or anyone's who starts echod).
 *
 * Input: the process id echod has (4 bytes), then LISTEN_PID and
 * LISTEN_FDS separated by '\0'; a missing part is an unset variable. Each
 * value is copied into an exactly-sized allocation, so ASan sees any read
 * past its end. Invariants: -1 or 0; on 0 a count from 0 to 16 sockets,
 * above 0 only when LISTEN_PID is the process id and LISTEN_FDS is
 * exactly that number in plain decimal; on -1 the message is one
 * non-empty line naming the variable, and the values really are
 * malformed; the same answer twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/report.h"
#include "options.h"

#define MAX (2 * MAX_LISTEN)

/* The next '\0'-ended part of the input as its own allocation, or NULL. */
static char *part(const uint8_t *data, size_t size, size_t *at)
{
	const uint8_t *end;
	size_t len;
	char *p;

	if (*at > size)
		return NULL;
	end = memchr(data + *at, '\0', size - *at);
	len = end ? (size_t)(end - (data + *at)) : size - *at;
	if ((p = malloc(len + 1)) == NULL)
		abort();
	memcpy(p, data + *at, len);
	p[len] = '\0';
	*at += len + 1;
	return p;
}

/*
 * The value s means in plain decimal (leading zeros allowed, huge ones
 * capped above any limit), or -1. A model, not the code's way.
 */
static long plain(const char *s)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 100000000000L)
			v = 100000000000L;
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct options o, o2;
	const char *err = o.err;
	char *pid, *fds;
	unsigned self;
	size_t at = 4;
	int r;

	if (size < 4)
		return 0;
	memcpy(&self, data, 4);
	self &= 0x7fffffff;
	pid = part(data, size, &at);
	fds = part(data, size, &at);
	memset(&o, 0x5a, sizeof o);
	r = options_env(&o, pid, fds, self);
	INVARIANT(r == options_env(&o2, pid, fds, self));
	INVARIANT(r == 0 || r == -1);
	if (r < 0) {
		INVARIANT(strcmp(o.err, o2.err) == 0);
		INVARIANT(strncmp(err, "LISTEN_PID: ", 12) == 0 ||
		    strncmp(err, "LISTEN_FDS: ", 12) == 0);
		INVARIANT(strchr(err, '\n') == NULL &&
		    strnlen(err, sizeof o.err) < sizeof o.err);
		/* Malformed means not a plain decimal in range. */
		INVARIANT(pid != NULL);
		if (err[7] == 'P')
			INVARIANT(plain(pid) <= 0 || plain(pid) > 0x7fffffff);
		else
			INVARIANT(plain(pid) == (long)self && fds != NULL &&
			    (plain(fds) < 0 || plain(fds) > MAX));
	} else if (o.passed > 0) {
		INVARIANT(o.passed == o2.passed && o.passed <= MAX);
		INVARIANT(pid != NULL && fds != NULL && plain(pid) == (long)self);
		INVARIANT(plain(fds) == (long)o.passed);
	} else if (pid != NULL && plain(pid) == (long)self && fds != NULL) {
		INVARIANT(plain(fds) == 0);
	}
	free(pid);
	free(fds);
	return 0;
}
