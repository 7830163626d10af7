/*
 * http: a request line (method, target, version) and header lines up to
 * an empty line. Lines may end in LF alone (RFC 9112 2.2). The body of a
 * GET is not read: the answer is sent and the connection closed.
 */
#include <string.h>

#include "http.h"
#include "say.h"

/* A token's characters (RFC 9110 5.6.2), as a method or a field name. */
static int tchar(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' &&
	    (c | 0x20) <= 'z') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static size_t token(const char *s, const char *end)
{
	const char *p = s;

	while (p < end && tchar(*p))
		p++;
	return (size_t)(p - s);
}

/* The end of the line at s (its LF), or NULL. */
static const char *line_end(const char *s, const char *end)
{
	return memchr(s, '\n', (size_t)(end - s));
}

/* Without its CR, if it has one. */
static const char *trim(const char *s, const char *lf)
{
	return lf > s && lf[-1] == '\r' ? lf - 1 : lf;
}

/* Header lines "name: value" from s; returns the empty line's end or NULL
 * (not there yet: *bad stays 0). */
static const char *headers(const char *s, const char *end, int *bad)
{
	const char *lf, *e;
	size_t n;

	for (; (lf = line_end(s, end)) != NULL; s = lf + 1) {
		e = trim(s, lf);
		if (e == s)
			return lf + 1;
		n = token(s, e);
		if (n == 0 || s[n] != ':') {
			*bad = 1;
			return NULL;
		}
	}
	return NULL;
}

/* 200, 404 or 405 for a well-formed request line s..e; 400 if not. */
static int request(const char *s, const char *e)
{
	size_t m = token(s, e), plen = sizeof HTTP_PATH - 1;
	const char *t = s + m + 1, *v;

	if (m == 0 || t >= e || t[-1] != ' ')
		return 400;
	v = memchr(t, ' ', (size_t)(e - t));
	if (v == NULL || v == t || e - v != 9 ||
	    (memcmp(v, " HTTP/1.1", 9) != 0 && memcmp(v, " HTTP/1.0", 9) != 0))
		return 400;
	if ((size_t)(v - t) < plen || memcmp(t, HTTP_PATH, plen) != 0 ||
	    (t + plen != v && t[plen] != '?'))
		return 404;
	return m == 3 && memcmp(s, "GET", 3) == 0 ? 200 : 405;
}

int http_status(const char *buf, size_t len, size_t size)
{
	const char *end = buf + len, *lf = line_end(buf, end);
	int status, bad = 0;

	if (lf == NULL)
		return len >= HTTP_LINE || len >= size ? 414 : 0;
	if (lf - buf >= HTTP_LINE)
		return 414;
	status = request(buf, trim(buf, lf));
	if (status == 400)
		return 400;
	if (headers(lf + 1, end, &bad) != NULL)
		return status;
	if (bad)
		return 400;
	return len >= size ? 431 : 0;
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
