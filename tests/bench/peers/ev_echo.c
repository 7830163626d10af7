/* SPDX-License-Identifier: ISC */
/*
 * libevent's bufferevent echo server, as in the libevent book: an
 * evconnlistener hands each client to a socket bufferevent whose read
 * callback moves the input buffer to the output buffer; EOF or an error
 * frees it. Set-up only differs: TCP_NODELAY on each client, as echod
 * sets it, and a backlog of 4096.
 *
 * usage: ev_echo PORT   (0: any free port; the port is printed on stderr)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#define BACKLOG 4096

static void echo_read_cb(struct bufferevent *bev, void *ctx)
{
	(void)ctx;
	evbuffer_add_buffer(bufferevent_get_output(bev),
	    bufferevent_get_input(bev));
}

static void echo_event_cb(struct bufferevent *bev, short events, void *ctx)
{
	(void)ctx;
	if (events & BEV_EVENT_ERROR)
		perror("ev_echo: bufferevent");
	if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void accept_conn_cb(struct evconnlistener *listener, evutil_socket_t fd,
    struct sockaddr *address, int socklen, void *ctx)
{
	struct event_base *base = evconnlistener_get_base(listener);
	struct bufferevent *bev;
	int one = 1;

	(void)address;
	(void)socklen;
	(void)ctx;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, echo_read_cb, NULL, echo_event_cb, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void on_term(evutil_socket_t sig, short events, void *base)
{
	(void)sig;
	(void)events;
	event_base_loopbreak(base);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin, name = { .sin_family = AF_INET };
	socklen_t len = sizeof name;
	struct evconnlistener *listener;
	struct event_base *base;
	struct event *term;

	base = event_base_new();
	if (base == NULL)
		return 1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)(argc > 1 ? atoi(argv[1]) : 7000));
	listener = evconnlistener_new_bind(base, accept_conn_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, BACKLOG,
	    (struct sockaddr *)&sin, sizeof sin);
	if (listener == NULL) {
		perror("ev_echo: listen");
		return 1;
	}
	getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&name,
	    &len);
	fprintf(stderr, "ev_echo: listening on 127.0.0.1:%d\n",
	    ntohs(name.sin_port));
	term = evsignal_new(base, SIGTERM, on_term, base);
	event_add(term, NULL);
	event_base_dispatch(base);
	return 0;
}
