/* SPDX-License-Identifier: ISC */
/*
 * http: as much HTTP/1.1 as a metrics scraper needs: the status a request
 * gets, and the head of the answer. No system calls.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#define HTTP_LINE 256		/* a longer request line gets 414 */
#define HTTP_PATH "/metrics"

/*
 * The status for the request read so far, buf[0, len) of a buffer of
 * size bytes: 0 while more must come, 200 for GET /metrics once its
 * header ends, else 400, 404, 405, 414 or 431 (header over size bytes).
 */
int http_status(const char *buf, size_t len, size_t size);
/* The head of an answer with status and a body of body bytes into buf;
 * returns its length. */
unsigned http_head(char *buf, unsigned size, int status, unsigned body);

#endif
