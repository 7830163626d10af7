/* SPDX-License-Identifier: ISC */
/*
 * udp: -U. Datagrams come back verbatim, and a datagram from another
 * small service's port is never answered. Sizes up to 65,527 bytes and
 * the guards and limits are exposure.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "itest.h"
#include "lib/rand.h"
#include "lib/report.h"

/* 32 datagrams at once: every one back, in a batch or several. */
static int udp_burst(int fd, const unsigned char *msg)
{
	unsigned char back[128];
	unsigned i;

	for (i = 0; i < 32; i++)
		if (send(fd, msg + i, 64, 0) != 64)
			return fail("udp send: %s", strerror(errno));
	for (i = 0; i < 32; i++)
		if (!readable(fd, 5) || recv(fd, back, sizeof back, 0) != 64 ||
		    memcmp(back, msg + i, 64) != 0)
			return fail("burst datagram %u of 32 missing or wrong", i);
	return 0;
}

/* Datagrams of every size up to the limit come back verbatim. */
int t_udp(struct ctx *c)
{
	unsigned char *msg = random_bytes(2048);
	size_t sizes[] = { 0, 1, 2, 100, 1472, 2047, 2048 };
	unsigned i;
	int fd = udp_dial(&c->to, 0), rc = 0, t;

	if (fd < 0) {
		free(msg);
		return -1;
	}
	for (i = 0; i < sizeof sizes / sizeof sizes[0] && rc == 0; i++)
		rc = udp_ping(fd, msg, sizes[i], 5);
	if (rc == 0)
		rc = udp_burst(fd, msg);
	/* TCP on the same port still works. */
	if (rc == 0 && (t = dial_ping(c, "tcp too\n")) >= 0)
		close(t);
	else if (rc == 0)
		rc = -1;
	close(fd);
	free(msg);
	return rc;
}

/*
 * Datagrams from another small service's port are never answered, so two
 * echo services cannot bounce one spoofed packet forever.
 */
int t_udp_loop(struct ctx *c)
{
	static const unsigned ports[] = { 7, 19 };
	unsigned char msg[8] = "loop?";
	unsigned i;
	int fd, rc = 0;

	for (i = 0; i < 2 && rc == 0; i++) {
		fd = udp_dial(&c->to, ports[i]);
		if (fd == -2)
			return skip("binding a port below 1024 needs root");
		if (fd < 0)
			return -1;
		if (send(fd, msg, sizeof msg, 0) != sizeof msg)
			rc = fail("udp send: %s", strerror(errno));
		else if (readable(fd, 0.5))
			rc = fail("answered a datagram from port %u", ports[i]);
		close(fd);
	}
	/* The same from an ordinary port is answered. */
	if (rc == 0 && (fd = udp_dial(&c->to, 0)) < 0)
		return -1;
	if (rc == 0) {
		rc = udp_ping(fd, msg, sizeof msg, 5);
		close(fd);
	}
	return rc;
}
