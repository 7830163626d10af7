/* SPDX-License-Identifier: ISC */
/*
 * fuzz_options: the option parser with argv built from the input.
 *
 * Input: words separated by '\0' (at most MAX_WORDS), each copied into its
 * own exactly-sized allocation so ASan sees any read past a word's end;
 * argv[0] is "echod". The parser must not crash or read out of bounds, must
 * give the same answer twice, and:
 *   on success every value is in its documented range and o->err is empty;
 *   on failure o->err is one non-empty line (no CR or LF) that names a
 *   flag ("-x: ...", x a byte that follows a '-' word's dash in argv),
 *   the unexpected argument ("unexpected argument: '<a prefix of a word>")
 *   or the unknown long option ("unknown option: '<the same>");
 * "-l X" alone succeeds exactly when inet_pton reads X, with its bytes.
 * A message may show a control byte of argv as '?' (so a '?' in it matches
 * either), never as itself.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "options.h"
#include "lib/report.h"

#define MAX_WORDS 32

static int is_pow2(unsigned v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static int flag_or_bool(int v)
{
	return v == 0 || v == 1;
}

/* Is p inside one of the argument words (a chroot directory is)? */
static int points_into_argv(const char *p, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (p >= argv[i] && p < argv[i] + strlen(argv[i]))
			return 1;
	return 0;
}

/* -R, -C, -A: in range; every network without bits past its prefix. */
static void check_exposure(const struct options *o)
{
	unsigned i, b;

	INVARIANT(o->rate <= 1000000 && o->burst >= (o->rate ? 1u : 0u));
	INVARIANT(o->burst <= 1000000);
	INVARIANT(o->cap <= 1048576);
	INVARIANT(o->allow.n <= ADDR_LIST_MAX);
	for (i = 0; i < o->allow.n; i++) {
		const struct addr_net *n = &o->allow.net[i];

		INVARIANT(n->bits <= 128);
		for (b = n->bits; b < 128; b++)
			INVARIANT((n->a.b[b / 8] >> (7 - b % 8) & 1) == 0);
	}
}

static void check_success(const struct options *o, int argc, char **argv)
{
	unsigned i;

	INVARIANT(o->err[0] == '\0');
	INVARIANT(o->nlisten <= MAX_LISTEN);
	for (i = 0; i < o->nlisten; i++) {
		const struct listen_addr *l = &o->listen[i];

		INVARIANT(l->af == AF_INET || l->af == AF_INET6);
		INVARIANT(l->scope == NULL || (l->af == AF_INET6 &&
		    l->scope[0] != '\0' && points_into_argv(l->scope, argc, argv)));
	}
	INVARIANT(flag_or_bool(o->port_set));
	INVARIANT(o->port <= 65535);
	INVARIANT(o->slots >= 1 && o->slots <= 1048576);
	INVARIANT(is_pow2(o->ring_size));
	INVARIANT(o->ring_size >= 64 && o->ring_size <= 16777216);
	INVARIANT(o->idle_timeout <= 2000000);
	INVARIANT(o->workers <= 64);
	INVARIANT(o->mode == MODE_ECHO || o->mode == MODE_CAPITALIZE);
	INVARIANT(flag_or_bool(o->edge) && flag_or_bool(o->quiet) &&
	    flag_or_bool(o->udp) && flag_or_bool(o->help) &&
	    flag_or_bool(o->version) && flag_or_bool(o->probe));
	INVARIANT(flag_or_bool(o->drop) && flag_or_bool(o->no_seccomp));
	if (o->drop) {
		/* (uid_t)-1 would mean "leave unchanged" to setuid/setgid. */
		INVARIANT(o->uid != (unsigned)-1 && o->gid != (unsigned)-1);
	} else {
		INVARIANT(o->uid == 0 && o->gid == 0);
	}
	INVARIANT(o->root == NULL || (o->root[0] != '\0' &&
	    points_into_argv(o->root, argc, argv)));
	INVARIANT(o->stamp_port <= 65535 && o->metrics_port <= 65535);
	INVARIANT(o->metrics_af == 0 || o->metrics_af == AF_INET ||
	    o->metrics_af == AF_INET6);
	INVARIANT(o->client.proto <= PROTO_STAMP);
	INVARIANT(o->client.count <= CLIENT_MAX_COUNT);
	INVARIANT(o->client.interval_ms >= 1 && o->client.interval_ms <= 3600000);
	INVARIANT(o->client.wait_ms >= 1 &&
	    o->client.wait_ms <= CLIENT_MAX_WAIT);
	INVARIANT(o->client.loss_pct <= 100);
	/* The client's flags mean nothing without -P. */
	INVARIANT(o->probe || o->client_flag == 0);
	if (o->probe) {
		INVARIANT(o->client.af == AF_INET || o->client.af == AF_INET6);
		INVARIANT(o->client.port >= 1 && o->client.port <= 65535);
	}
	check_exposure(o);
}

/* Does message byte m show argv byte a? */
static int shows(char m, char a)
{
	unsigned char u = (unsigned char)a;

	return m == a || (m == '?' && (u < 0x20 || u == 0x7f));
}

/* Does byte c follow the dash of some "-..." word (as a flag letter)? */
static int flag_in_argv(char c, int argc, char **argv)
{
	const char *p;
	int i;

	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			for (p = argv[i] + 1; *p != '\0'; p++)
				if (shows(c, *p))
					return 1;
	return 0;
}

/* Is s (cut at the buffer's end, maybe) a prefix of some argument? */
static int arg_in_argv(const char *s, size_t len, int argc, char **argv)
{
	size_t j;
	int i;

	for (i = 1; i < argc; i++) {
		if (strlen(argv[i]) < len)
			continue;
		for (j = 0; j < len && shows(s[j], argv[i][j]); j++)
			;
		if (j == len)
			return 1;
	}
	return 0;
}

static void check_failure(const struct options *o, int argc, char **argv)
{
	static const char unexpected[] = "unexpected argument: '";
	static const char unknown[] = "unknown option: '";
	const char *e = o->err;
	size_t len = strnlen(e, sizeof o->err), lead = 0;

	invariant_context = e;
	INVARIANT(len > 0 && len < sizeof o->err);
	INVARIANT(strchr(e, '\n') == NULL && strchr(e, '\r') == NULL);
	if (strncmp(e, unexpected, sizeof unexpected - 1) == 0)
		lead = sizeof unexpected - 1;
	if (strncmp(e, unknown, sizeof unknown - 1) == 0)
		lead = sizeof unknown - 1;
	if (lead > 0) {
		const char *arg = e + lead;
		size_t alen = len - lead;

		/* The whole word and a closing quote, or cut by the buffer. */
		if (alen > 0 && arg[alen - 1] == '\'' &&
		    arg_in_argv(arg, alen - 1, argc, argv))
			return;
		INVARIANT(len == sizeof o->err - 1 &&
		    arg_in_argv(arg, alen, argc, argv));
		return;
	}
	INVARIANT(e[0] == '-' && e[1] != '\0' && e[2] == ':' && e[3] == ' ');
	INVARIANT(flag_in_argv(e[1], argc, argv));
}

/*
 * "-l X" alone: echod's own address parser agrees with the C library's
 * inet_pton on X (a zone after '%' aside).
 */
static void check_literal(int argc, char **argv, int r, const struct options *o)
{
	unsigned char want[16];
	int v4, v6;

	if (argc != 3 || strcmp(argv[1], "-l") != 0 ||
	    strchr(argv[2], '%') != NULL)
		return;
	v4 = inet_pton(AF_INET, argv[2], want) == 1;
	v6 = !v4 && inet_pton(AF_INET6, argv[2], want) == 1;
	INVARIANT((r == 0) == (v4 || v6));
	INVARIANT(r != 0 || o->listen[0].af == (v4 ? AF_INET : AF_INET6));
	INVARIANT(r != 0 ||
	    memcmp(o->listen[0].addr.s6_addr, want, v4 ? 4 : 16) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_WORDS + 2];
	struct options a, b;
	size_t at = 0;
	int argc = 1, ra, rb, i;

	argv[0] = strdup("echod");
	INVARIANT(argv[0] != NULL);
	while (at < size && argc <= MAX_WORDS) {
		const uint8_t *end = memchr(data + at, '\0', size - at);
		size_t len = end ? (size_t)(end - (data + at)) : size - at;

		argv[argc] = malloc(len + 1);
		INVARIANT(argv[argc] != NULL);
		memcpy(argv[argc], data + at, len);
		argv[argc][len] = '\0';
		argc++;
		at += len + 1;
	}
	argv[argc] = NULL;

	invariant_context = NULL;
	memset(&a, 0x5a, sizeof a);
	memset(&b, 0xa5, sizeof b);
	ra = options_parse(&a, argc, argv);
	rb = options_parse(&b, argc, argv);
	INVARIANT(ra == 0 || ra == -1);
	INVARIANT(ra == rb);
	check_literal(argc, argv, ra, &a);
	if (ra == 0) {
		check_success(&a, argc, argv);
		/* Every field set from argv or the defaults, none left over:
		 * options_parse clears the whole struct, padding too. */
		INVARIANT(memcmp(&a, &b, sizeof a) == 0); /* NOLINT(bugprone-suspicious-memory-comparison) */
	} else {
		check_failure(&a, argc, argv);
		INVARIANT(strcmp(a.err, b.err) == 0);
	}
	invariant_context = NULL;
	for (i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
