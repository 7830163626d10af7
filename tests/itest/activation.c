/*
 * activation: listening sockets passed as systemd does (LISTEN_FDS,
 * LISTEN_PID) are served, and none is bound anew.
 */
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "itest.h"
#include "lib/report.h"

/* TCP and UDP echo through the passed sockets, bound to port. */
static int served_on(struct server *s, unsigned port)
{
	struct ctx cc = { .srv = s };
	int fd, rc;

	addr_set(&cc.to, "127.0.0.1", port);
	if ((fd = dial_ping(&cc, "activated\n")) < 0)
		return -1;
	close(fd);
	if ((fd = udp_dial(&cc.to, 0)) < 0)
		return -1;
	rc = udp_ping(fd, (const unsigned char *)"dgram", 5, 5);
	close(fd);
	return rc;
}

int t_activation(struct ctx *c)
{
	struct server_env env = { .npass = 2 };
	struct server s;
	char flags[64];
	unsigned port = 0;
	int rc = -1;

	(void)c;
	env.pass[0] = hold_port(SOCK_STREAM, 0, &port);
	env.pass[1] = env.pass[0] < 0 ? -1 : hold_port(SOCK_DGRAM, port, NULL);
	/* Binding this port itself would fail: we hold it. */
	snprintf(flags, sizeof flags, "-l 127.0.0.1 -p %u", port);
	if (env.pass[1] >= 0 && server_spawn(&s, flags, &env) == 0) {
		if (!server_wait_line(&s, 0, "LISTEN_FDS", 10))
			fail("no start line naming LISTEN_FDS: %s", s.err);
		else
			rc = served_on(&s, port);
		rc = server_finish(&s, rc);
	}
	if (env.pass[0] >= 0)
		close(env.pass[0]);
	if (env.pass[1] >= 0)
		close(env.pass[1]);
	return rc;
}
