/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "check.h"
#include "http.h"

static int status(const char *req, size_t size)
{
	return http_status(req, strlen(req), size);
}

void test_http(void)
{
	char big[HTTP_LINE + 8], head[256];

	CHECK(status("GET /metrics HTTP/1.1\r\nHost: x\r\n"
	    "Accept: text/plain;version=0.0.4\r\n\r\n", 1024) == 200);
	CHECK(status("GET /metrics?a=b HTTP/1.0\n\n", 1024) == 200);
	CHECK(status("GET /metrics HTTP/1.1\r\nHost: x\r\n", 1024) == 0);
	CHECK(status("GET /metri", 1024) == 0);
	CHECK(status("GET /metrics HTTP/1.1\r\nHost: x\r\n", 32) == 431);
	CHECK(status("POST /metrics HTTP/1.1\r\n\r\n", 1024) == 405);
	CHECK(status("GET / HTTP/1.1\r\n\r\n", 1024) == 404);
	CHECK(status("GET /metricsx HTTP/1.1\r\n\r\n", 1024) == 404);
	CHECK(status("GET /metrics\r\n\r\n", 1024) == 400);
	CHECK(status("GET  /metrics HTTP/1.1\r\n", 1024) == 400);
	CHECK(status("GET /metrics HTTP/1.2\r\n", 1024) == 400);
	CHECK(status("G@T /metrics HTTP/1.1\r\n\r\n", 1024) == 405);
	CHECK(http_status("GET /metrics HTTP/1.1\0\n\n", 24, 1024) == 400);
	CHECK(status(" /metrics HTTP/1.1\r\n", 1024) == 400);
	CHECK(status("GET /metrics HTTP/1.1\n\r\n", 1024) == 200);
	memset(big, 'a', sizeof big);
	CHECK(http_status(big, HTTP_LINE - 1, 1024) == 0);
	CHECK(http_status(big, HTTP_LINE, 1024) == 414);
	memcpy(big, "GET /", 5);
	big[HTTP_LINE] = '\n';
	CHECK(http_status(big, HTTP_LINE + 1, 1024) == 414);
	http_head(head, sizeof head, 405, 0);
	CHECK(strncmp(head, "HTTP/1.1 405 Method Not Allowed\r\n", 33) == 0);
	CHECK(strstr(head, "\r\nAllow: GET\r\n") != NULL);
	http_head(head, sizeof head, 200, 42);
	CHECK(strcmp(head, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; "
	    "version=0.0.4; charset=utf-8\r\nAllow: GET\r\nContent-Length: "
	    "42\r\nConnection: close\r\n\r\n") == 0);
}
