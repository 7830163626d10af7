/* SPDX-License-Identifier: ISC */
/*
 * http: a request line (method, target, version), then header lines up
 * to an empty one; lines may end in LF alone (RFC 9112 2.2). Header
 * fields are not read, nor the body of a GET: the answer is sent and the
 * connection closed.
 */
#include <string.h>

#include "http.h"
#include "say.h"

/* Where the first c at or after s is, or end. */
static const char *find(const char *s, const char *end, char c)
{
	while (s < end && *s != c)
		s++;
	return s;
}

/* The status of a whole request line s..e (its CR trimmed). */
static int request(const char *s, const char *e)
{
	const char *t = find(s, e, ' ') + 1, *v = find(t, e, ' ');
	size_t plen = sizeof HTTP_PATH - 1;

	if (t == s + 1 || v == t || e - v != 9 || memcmp(v, " HTTP/1.", 8) != 0 ||
	    (v[8] != '0' && v[8] != '1'))
		return 400;
	if ((size_t)(v - t) < plen || memcmp(t, HTTP_PATH, plen) != 0 ||
	    (t[plen] != ' ' && t[plen] != '?'))
		return 404;
	return t - s == 4 && memcmp(s, "GET", 3) == 0 ? 200 : 405;
}

/* The header ends with an empty line: "\n\n" or "\n\r\n". */
int http_status(const char *buf, size_t len, size_t size)
{
	const char *end = buf + len, *lf = find(buf, end, '\n'), *p;
	int status;

	if (lf - buf >= HTTP_LINE || (lf == end && len >= size))
		return 414;
	if (lf == end)
		return 0;
	status = request(buf, lf > buf && lf[-1] == '\r' ? lf - 1 : lf);
	for (p = lf; status != 400 && p < end; p = find(p + 1, end, '\n'))
		if ((p + 1 < end && p[1] == '\n') ||
		    (p + 2 < end && p[1] == '\r' && p[2] == '\n'))
			return status;
	return status == 400 ? 400 : len >= size ? 431 : 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	}
	return "Bad Request";
}

/* Allow matters only to a 405, and harms no other answer. */
unsigned http_head(char *buf, unsigned size, int status, unsigned body)
{
	return say_fmt(buf, size, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; "
	    "version=0.0.4; charset=utf-8\r\nAllow: GET\r\nContent-Length: "
	    "%u\r\nConnection: close\r\n\r\n", status, reason(status), body);
}
