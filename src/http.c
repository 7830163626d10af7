/*
 * http: a request line (method, target, version), then header lines up
 * to an empty one; lines may end in LF alone (RFC 9112 2.2). Header
 * fields are not read: each line must only have a name and a colon. The
 * body of a GET is not read either: the answer is sent and the
 * connection closed.
 */
#include <string.h>

#include "http.h"
#include "say.h"

/* Bytes of s before the first of stop (or the end); up to n. */
static size_t span(const char *s, size_t n, const char *stop)
{
	size_t i;

	for (i = 0; i < n && strchr(stop, s[i]) == NULL; i++)
		;
	return i;
}

/* The status of a whole request line s of n bytes (its CR trimmed). */
static int request(const char *s, size_t n)
{
	size_t m = span(s, n, " \t\r:"), t, plen = sizeof HTTP_PATH - 1;
	const char *target = s + m + 1;

	if (m == 0 || m == n || s[m] != ' ')
		return 400;
	t = span(target, n - m - 1, " \t\r");
	if (t == 0 || n - m - 1 - t != 9 || (memcmp(target + t, " HTTP/1.1", 9) != 0 &&
	    memcmp(target + t, " HTTP/1.0", 9) != 0))
		return 400;
	if (t < plen || memcmp(target, HTTP_PATH, plen) != 0 ||
	    (t > plen && target[plen] != '?'))
		return 404;
	return m == 3 && memcmp(s, "GET", 3) == 0 ? 200 : 405;
}

int http_status(const char *buf, size_t len, size_t size)
{
	size_t at = 0, end, n, m;
	int status = 0;

	for (;;) {
		end = at + span(buf + at, len - at, "\n");
		if (end == len)		/* no whole line yet */
			return len < size && (at > 0 || len < HTTP_LINE) ? 0 :
			    at == 0 ? 414 : 431;
		if (at == 0 && end >= HTTP_LINE)
			return 414;
		if (buf[end] == '\0')
			return 400;
		n = end - at - (end > at && buf[end - 1] == '\r');
		m = span(buf + at, n, " \t:");
		if (at == 0)
			status = request(buf, n);
		else if (n == 0)
			return status;
		else if (m == 0 || buf[at + m] != ':')
			return 400;
		if (status == 400)
			return 400;
		at = end + 1;
	}
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

unsigned http_head(char *buf, unsigned size, int status, unsigned body)
{
	/* Header lines as formats: say_fmt shows a CR or LF argument as '?'. */
	const char *more = status == 200 ?
	    "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n" :
	    status == 405 ? "Allow: GET\r\n" : "";
	unsigned n;

	n = say_fmt(buf, size, "HTTP/1.1 %d %s\r\n", status, reason(status));
	n += say_fmt(buf + n, size - n, more);
	return n + say_fmt(buf + n, size - n, "Content-Length: %u\r\n"
	    "Connection: close\r\n\r\n", body);
}
