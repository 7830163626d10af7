/* SPDX-License-Identifier: ISC */
/*
 * fuzz_http: the metrics endpoint's request parser, as a scraper or an
 * attacker reaches it.
 *
 * Input: byte 0 says whether the buffer is full (odd) or has room, the
 * rest is what was read, in an allocation of exactly its size (ASan sees
 * any read past it). The status must be one the endpoint answers with,
 * 0 ("more") only while there is room, 200 only for a whole GET /metrics
 * request; and the parse must be incremental: once a prefix of the input
 * gets an answer, the whole input gets the same one. The answer's head
 * must be one clean HTTP/1.1 status line and header.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "lib/report.h"

#define PREFIXES 64	/* prefixes checked, spread over the input */

static int known(int status)
{
	return status == 0 || status == 200 || status == 400 ||
	    status == 404 || status == 405 || status == 414 || status == 431;
}

static void check_head(int status)
{
	char buf[256], want[16];
	unsigned n = http_head(buf, sizeof buf, status, 1234);

	snprintf(want, sizeof want, "HTTP/1.1 %d ", status);
	INVARIANT(n < sizeof buf - 1 && strlen(buf) == n);
	INVARIANT(strncmp(buf, want, strlen(want)) == 0);
	INVARIANT(n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0);
	INVARIANT(strstr(buf, "Content-Length: 1234\r\n") != NULL);
	INVARIANT(strchr(buf, '?') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len, room, cut, step;
	char *buf;
	int status, early;

	if (size < 1)
		return 0;
	len = size - 1;
	room = data[0] & 1 ? len : len + 1 + data[0];
	buf = malloc(len ? len : 1);
	INVARIANT(buf != NULL);
	memcpy(buf, data + 1, len);
	status = http_status(buf, len, room);
	INVARIANT(known(status));
	INVARIANT(status != 0 || len < room);
	if (status == 200)
		INVARIANT(len >= 14 && memcmp(buf, "GET " HTTP_PATH, 12) == 0 &&
		    (memmem(buf, len, "\n\n", 2) != NULL ||
		    memmem(buf, len, "\n\r\n", 3) != NULL));
	step = len / PREFIXES + 1;
	for (cut = 0; cut < len; cut += step) {
		early = http_status(buf, cut, room);
		INVARIANT(known(early));
		INVARIANT(early == 0 || early == status);
	}
	if (status != 0)
		check_head(status);
	free(buf);
	return 0;
}
