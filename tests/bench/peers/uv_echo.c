/* SPDX-License-Identifier: ISC */
/*
 * libuv's canonical TCP echo server (the uvbook's tcp-echo-server): a
 * fresh suggested_size buffer per read, one uv_write per read that frees
 * it when done, uv_close on EOF or error. Two changes, both set-up only:
 * TCP_NODELAY on each client (echod sets it; Nagle would make the
 * comparison about a socket option) and a backlog of 4096 instead of 128,
 * so 10 000 connects do not wait for SYN retransmits.
 *
 * usage: uv_echo PORT   (0: any free port; the port is printed on stderr)
 */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#define BACKLOG 4096

typedef struct {
	uv_write_t req;
	uv_buf_t buf;
} write_req_t;

static uv_loop_t *loop;

static void alloc_buffer(uv_handle_t *handle, size_t suggested_size,
    uv_buf_t *buf)
{
	(void)handle;
	buf->base = malloc(suggested_size);
	buf->len = suggested_size;
}

static void on_close(uv_handle_t *handle)
{
	free(handle);
}

static void echo_write(uv_write_t *req, int status)
{
	write_req_t *wr = (write_req_t *)req;

	if (status)
		fprintf(stderr, "uv_echo: write error %s\n", uv_strerror(status));
	free(wr->buf.base);
	free(wr);
}

static void echo_read(uv_stream_t *client, ssize_t nread, const uv_buf_t *buf)
{
	if (nread > 0) {
		write_req_t *req = malloc(sizeof *req);

		req->buf = uv_buf_init(buf->base, (unsigned)nread);
		uv_write(&req->req, client, &req->buf, 1, echo_write);
		return;
	}
	if (nread < 0) {
		if (nread != UV_EOF)
			fprintf(stderr, "uv_echo: read error %s\n",
			    uv_err_name((int)nread));
		uv_close((uv_handle_t *)client, on_close);
	}
	free(buf->base);
}

static void on_new_connection(uv_stream_t *server, int status)
{
	uv_tcp_t *client;

	if (status < 0) {
		fprintf(stderr, "uv_echo: new connection error %s\n",
		    uv_strerror(status));
		return;
	}
	client = malloc(sizeof *client);
	uv_tcp_init(loop, client);
	if (uv_accept(server, (uv_stream_t *)client) == 0) {
		uv_tcp_nodelay(client, 1);
		uv_read_start((uv_stream_t *)client, alloc_buffer, echo_read);
	} else {
		uv_close((uv_handle_t *)client, on_close);
	}
}

static void on_signal(uv_signal_t *handle, int signum)
{
	(void)signum;
	uv_stop(handle->loop);
}

int main(int argc, char **argv)
{
	static uv_tcp_t server;
	static uv_signal_t term;
	struct sockaddr_storage name;
	struct sockaddr_in addr;
	int len = sizeof name, r;

	loop = uv_default_loop();
	uv_tcp_init(loop, &server);
	uv_ip4_addr("127.0.0.1", argc > 1 ? atoi(argv[1]) : 7000, &addr);
	uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0);
	r = uv_listen((uv_stream_t *)&server, BACKLOG, on_new_connection);
	if (r) {
		fprintf(stderr, "uv_echo: listen error %s\n", uv_strerror(r));
		return 1;
	}
	uv_tcp_getsockname(&server, (struct sockaddr *)&name, &len);
	fprintf(stderr, "uv_echo: listening on 127.0.0.1:%d\n",
	    ntohs(((struct sockaddr_in *)&name)->sin_port));
	uv_signal_init(loop, &term);
	uv_signal_start(&term, on_signal, SIGTERM);
	return uv_run(loop, UV_RUN_DEFAULT);
}
