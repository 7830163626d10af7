/*
 * fuzz_listen_env: systemd's LISTEN_PID and LISTEN_FDS as net_listen_env
 * reads them (the service manager's, or anyone's who starts echod).
 *
 * Input: the process id echod has (4 bytes), the limit (1 byte), then
 * LISTEN_PID and LISTEN_FDS separated by '\0'; a missing part is an unset
 * variable. Each value is copied into an exactly-sized allocation, so
 * ASan sees any read past its end. Invariants: the answer is -1, or a
 * count from 0 to the limit; a count above 0 only when LISTEN_PID is the
 * process id and LISTEN_FDS is exactly that number in plain decimal; on
 * -1 the message is one non-empty line naming the variable; the same
 * answer twice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

#define REQUIRE(c) do { \
	if (!(c)) { \
		fprintf(stderr, "invariant failed: %s:%d: %s (err \"%s\")\n", \
		    __FILE__, __LINE__, #c, err); \
		abort(); \
	} \
} while (0)

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
	char err[160] = "", err2[160] = "";
	char *pid, *fds;
	long self;
	size_t at = 5;
	int max, n;

	if (size < 5)
		return 0;
	memcpy(&self, data, 4);
	self &= 0x7fffffff;
	max = data[4];
	pid = part(data, size, &at);
	fds = part(data, size, &at);
	n = net_listen_env(pid, fds, self, max, err, sizeof err);
	REQUIRE(n == net_listen_env(pid, fds, self, max, err2, sizeof err2));
	REQUIRE(n >= -1 && n <= max);
	if (n < 0) {
		REQUIRE(strcmp(err, err2) == 0);
		REQUIRE(strncmp(err, "LISTEN_PID: ", 12) == 0 ||
		    strncmp(err, "LISTEN_FDS: ", 12) == 0);
		REQUIRE(strchr(err, '\n') == NULL && strlen(err) < sizeof err);
		/* Malformed means not a plain decimal in range. */
		REQUIRE(pid != NULL);
		if (err[7] == 'P')
			REQUIRE(plain(pid) <= 0 || plain(pid) > 0x7fffffff);
		else
			REQUIRE(plain(pid) == self && fds != NULL &&
			    (plain(fds) < 0 || plain(fds) > max));
	} else if (n > 0) {
		REQUIRE(pid != NULL && fds != NULL && plain(pid) == self);
		REQUIRE(plain(fds) == n);
	} else if (pid != NULL && plain(pid) == self && fds != NULL) {
		REQUIRE(plain(fds) == 0);
	}
	free(pid);
	free(fds);
	return 0;
}
