/* SPDX-License-Identifier: ISC */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "options.h"

static struct options o;

/* Parse a NULL-terminated list of words after "echod". */
static int parse(const char *const *words)
{
	char *argv[24];
	int argc = 0;

	argv[argc++] = "echod";
	while (*words != NULL)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	return options_parse(&o, argc, argv);
}

#define P(...) parse((const char *const[]){ __VA_ARGS__, NULL })

static int err_names(const char *flag)
{
	return strncmp(o.err, flag, strlen(flag)) == 0;
}

/* --help and --version, what people type first; no other long option. */
static void long_options(void)
{
	CHECK(P("--help") == 0 && o.help && !o.version);
	CHECK(P("--version") == 0 && o.version && !o.help);
	CHECK(P("-q", "--help") == 0 && o.help && o.quiet);
	CHECK(P("--helpme") < 0 && strstr(o.err, "'--helpme'") != NULL);
	CHECK(P("--port", "8") < 0 && strstr(o.err, "unknown option") != NULL);
}

/* -l up to MAX_LISTEN times, IPv6 with a zone (by name or index). */
static void listen_addresses(void)
{
	const char *nine[2 * MAX_LISTEN + 3];
	int i;

	CHECK(P("-l", "127.0.0.1", "-l", "::1", "-l", "fe80::1%br-lan") == 0);
	CHECK(o.nlisten == 3 && o.listen[0].af == AF_INET);
	CHECK(o.listen[1].af == AF_INET6 && o.listen[1].scope == NULL);
	CHECK(o.listen[2].af == AF_INET6 && strcmp(o.listen[2].scope,
	    "br-lan") == 0 && o.listen[2].addr.s6_addr[0] == 0xfe);
	CHECK(P("-lfe80::1%3") == 0 && o.listen[0].scope == NULL);
	CHECK(o.listen[0].scope_id == 3);
	CHECK(P("-l", "10.0.0.1%eth0") < 0 && err_names("-l:"));
	CHECK(P("-l", "fe80::1%") < 0 && err_names("-l:"));
	CHECK(P("-l", "%eth0") < 0 && err_names("-l:"));
	for (i = 0; i <= MAX_LISTEN; i++) {
		nine[2 * i] = "-l";
		nine[2 * i + 1] = "::1";
	}
	nine[2 * MAX_LISTEN] = NULL;
	CHECK(parse(nine) == 0 && o.nlisten == MAX_LISTEN);
	nine[2 * MAX_LISTEN] = "-l";
	nine[2 * MAX_LISTEN + 2] = NULL;
	CHECK(parse(nine) < 0 && err_names("-l:") && strstr(o.err, "at most"));
}

/* Each line at most 80 columns. */
static int narrow(const char *text)
{
	const char *nl;

	for (; (nl = strchr(text, '\n')) != NULL; text = nl + 1)
		if (nl - text > 80)
			return 0;
	return strlen(text) <= 80;
}

/* The text of line, without its indentation (or "usage: "). */
static const char *bare(const char *line)
{
	if (strncmp(line, "usage: ", 7) == 0)
		line += 7;
	while (*line == ' ')
		line++;
	return line;
}

/* Split text into its lines, in place; how many (at most max). */
static int lines(char *text, char **line, int max)
{
	int n = 0;

	while (n < max && *text != '\0') {
		line[n++] = text;
		text += strcspn(text, "\n");
		if (*text == '\n')
			*text++ = '\0';
	}
	return n;
}

/* The synopsis of -h is README.md's, line for line (run from the top). */
static int in_readme(const char *usage)
{
	static char readme[1 << 17], copy[1024];
	static char *rl[4096], *ul[16];
	FILE *f = fopen("README.md", "r");
	int nr, nu, i, j;
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(readme, 1, sizeof readme - 1, f);
	fclose(f);
	readme[n] = '\0';
	snprintf(copy, sizeof copy, "%s", usage);
	nr = lines(readme, rl, 4096);
	nu = lines(copy, ul, 16);
	for (i = 0; i + nu <= nr; i++) {
		for (j = 0; j < nu && strcmp(bare(rl[i + j]), bare(ul[j])) == 0; j++)
			;
		if (j == nu)
			return 1;
	}
	return 0;
}

/* systemd's variables: ours, someone else's, malformed. */
static void env(void)
{
	CHECK(options_env(&o, NULL, "2", 7) == 0 && o.passed == 0);
	CHECK(options_env(&o, "7", "2", 7) == 0 && o.passed == 2);
	CHECK(options_env(&o, "8", "2", 7) == 0 && o.passed == 0);
	CHECK(options_env(&o, "7", NULL, 7) == 0 && o.passed == 0);
	CHECK(options_env(&o, "7", "16", 7) == 0 && o.passed == 16);
	CHECK(options_env(&o, "7", "17", 7) < 0 && strstr(o.err, "0-16"));
	CHECK(options_env(&o, "7", "-1", 7) < 0 && strstr(o.err, "LISTEN_FDS"));
	CHECK(options_env(&o, "7", "", 7) < 0);
	CHECK(options_env(&o, "7", "99999999999", 7) < 0);
	CHECK(options_env(&o, "x", "1", 7) < 0 && strstr(o.err, "LISTEN_PID"));
	CHECK(options_env(&o, "0", "1", 7) < 0);
	CHECK(options_env(&o, "", "1", 7) < 0);
	CHECK(options_env(&o, "+7", "1", 7) < 0);
}

static void usage_text(void)
{
	CHECK(narrow(options_usage) && narrow(options_help));
	CHECK(in_readme(options_usage));
}

/*
 * Address literals, read by echod's own parser, agree with the C
 * library's inet_pton on valid and broken text alike.
 */
static void literals(void)
{
	static const char *const text[] = {
		"0.0.0.0", "255.255.255.255", "192.0.2.1", "256.1.1.1",
		"1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", "1.2.3.4.",
		".1.2.3", "1.2.3.-4", "::", "::1", "1::", "1::2", "fe80::1",
		"2001:db8:0:0:0:0:0:1", "2001:DB8::A:b", "1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7",
		"1::2:3:4:5:6:7:8", "1:::2", "1::2::3", ":1", "1:", ":::",
		"12345::", "::ffff:192.0.2.1", "::192.0.2.1", "1:2:3:4:5:6:1.2.3.4",
		"1:2:3:4:5:6:7:1.2.3.4", "::ffff:1.2.3", "::ffff:01.2.3.4",
		"::1.2.3.4:5", "g::1", "", ":", "1:2:3:4:5:6:7:8::",
	};
	unsigned char want[16];
	unsigned i;

	for (i = 0; i < sizeof text / sizeof text[0]; i++) {
		int v4 = inet_pton(AF_INET, text[i], want) == 1;
		int v6 = !v4 && inet_pton(AF_INET6, text[i], want) == 1;
		int ok = P("-l", text[i]) == 0;

		CHECK(ok == (v4 || v6));
		if (ok && (v4 || v6) && (o.listen[0].af != (v4 ? AF_INET :
		    AF_INET6) || memcmp(o.listen[0].addr.s6_addr, want,
		    v4 ? 4 : 16) != 0)) {
			printf("  '%s' read wrongly\n", text[i]);
			CHECK(0);
		}
	}
}

void test_options(void)
{
	literals();
	CHECK(parse((const char *const[]){ NULL }) == 0);
	CHECK(o.port == 8000 && o.slots == 1024 && o.ring_size == 4096);
	CHECK(o.idle_timeout == 300 && o.mode == MODE_ECHO && o.nlisten == 0);
	CHECK(!o.edge && !o.quiet && !o.help && !o.version && !o.probe);
	CHECK(!o.udp && o.workers == 0);
	CHECK(o.rate == 2000 && o.burst == 2000 && o.cap == 0 && o.allow.n == 0);

	CHECK(P("-p", "7", "-c", "10", "-b", "65536", "-t", "0") == 0);
	CHECK(o.port == 7 && o.slots == 10 && o.ring_size == 65536);
	CHECK(o.idle_timeout == 0);
	CHECK(P("-p8001", "-Eq", "-mcapitalize") == 0);
	CHECK(o.port == 8001 && o.edge && o.quiet && o.mode == MODE_CAPITALIZE);
	CHECK(P("-l", "::1") == 0 && o.nlisten == 1);
	CHECK(o.listen[0].af == AF_INET6 && o.listen[0].scope == NULL);
	CHECK(P("-l", "127.0.0.1") == 0 && o.listen[0].af == AF_INET);
	CHECK(!o.port_set && P("-p", "8000") == 0 && o.port_set);
	CHECK(P("-P", "[::1]:8000") == 0 && o.probe && o.client.af == AF_INET6);
	CHECK(o.client.port == 8000 && o.client.count == 0);
	CHECK(o.client.proto == PROTO_TCP && o.client.wait_ms == 2000);
	CHECK(P("-P", "127.0.0.1:7") == 0 && o.client.af == AF_INET);
	CHECK(P("-P", "[::1]:7", "-o", "stamp", "-n", "5", "-i", "20", "-W",
	    "300", "-L", "10", "-q") == 0 && o.client.af == AF_INET6);
	CHECK(o.client.proto == PROTO_STAMP && o.client.count == 5);
	CHECK(o.client.interval_ms == 20 && o.client.wait_ms == 300);
	CHECK(o.client.loss_pct == 10 && o.client.quiet);
	CHECK(P("-T", "862", "-M", "9100") == 0 && o.stamp && o.stamp_port == 862);
	CHECK(o.metrics && o.metrics_port == 9100 && o.metrics_af == 0);
	CHECK(P("-T0", "-M", "[::1]:0") == 0 && o.stamp && o.stamp_port == 0);
	CHECK(o.metrics_af == AF_INET6 && o.metrics_port == 0);
	CHECK(P("-U", "-w", "4") == 0 && o.udp && o.workers == 4);
	CHECK(P("-w", "0") < 0 && err_names("-w:"));
	CHECK(P("-w", "65") < 0 && err_names("-w:"));
	CHECK(P("-h") == 0 && o.help);
	CHECK(P("-V") == 0 && o.version);
	CHECK(P("-q", "--") == 0 && o.quiet);
	CHECK(P("-R", "500") == 0 && o.rate == 500 && o.burst == 500);
	CHECK(P("-R", "500/20") == 0 && o.rate == 500 && o.burst == 20);
	CHECK(P("-R0") == 0 && o.rate == 0);
	CHECK(P("-R", "1000000/1000000") == 0 && o.rate == 1000000);
	CHECK(P("-C", "4") == 0 && o.cap == 4);
	CHECK(P("-A", "10.0.0.0/8", "-A", "fd00::/8", "-A::1") == 0);
	CHECK(o.allow.n == 3 && o.allow.net[0].bits == 96 + 8);
	CHECK(o.allow.net[1].bits == 8 && o.allow.net[2].bits == 128);

	CHECK(P("-p", "70000") < 0 && err_names("-p:"));
	CHECK(P("-p", "-1") < 0 && err_names("-p:"));
	CHECK(P("-p", "") < 0 && err_names("-p:"));
	CHECK(P("-p", "80x") < 0 && err_names("-p:"));
	CHECK(P("-p", "99999999999999999999999") < 0 && err_names("-p:"));
	CHECK(P("-p") < 0 && err_names("-p:") && strstr(o.err, "value"));
	CHECK(P("-c", "0") < 0 && err_names("-c:"));
	CHECK(P("-c", "1048577") < 0 && err_names("-c:"));
	CHECK(P("-b", "3") < 0 && err_names("-b:"));
	CHECK(P("-b", "4095") < 0 && err_names("-b:"));
	CHECK(P("-b", "32") < 0 && err_names("-b:"));
	CHECK(P("-t", "2000001") < 0 && err_names("-t:"));
	CHECK(P("-m", "shout") < 0 && err_names("-m:"));
	CHECK(P("-l", "localhost") < 0 && err_names("-l:"));
	CHECK(P("-l", "1.2.3") < 0 && err_names("-l:"));
	CHECK(P("-P", "[::1]") < 0 && err_names("-P:") &&
	    strstr(o.err, "port is missing"));
	CHECK(P("-P", "127.0.0.1") < 0 && strstr(o.err, "port is missing"));
	CHECK(P("-P", "[::1]:7", "-o", "icmp") < 0 && err_names("-o:"));
	CHECK(P("-P", "[::1]:7", "-n", "0") < 0 && err_names("-n:"));
	CHECK(P("-P", "[::1]:7", "-n", "100001") < 0 && err_names("-n:"));
	CHECK(P("-P", "[::1]:7", "-i", "0") < 0 && err_names("-i:"));
	CHECK(P("-P", "[::1]:7", "-W", "10001") < 0 && err_names("-W:"));
	CHECK(P("-P", "[::1]:7", "-L", "101") < 0 && err_names("-L:"));
	CHECK(P("-n", "3") < 0 && err_names("-n:") && strstr(o.err, "-P"));
	CHECK(P("-T", "65536") < 0 && err_names("-T:"));
	CHECK(P("-M", "localhost:9100") < 0 && err_names("-M:"));
	CHECK(P("-M", "127.0.0.1") < 0 && err_names("-M:"));
	CHECK(P("-P", "127.0.0.1:0") < 0 && err_names("-P:"));
	CHECK(P("-R", "0/5") == 0 && o.rate == 0);
	CHECK(P("-R", "1000001") < 0 && err_names("-R:"));
	CHECK(P("-R", "100/0") < 0 && err_names("-R:"));
	CHECK(P("-R", "100/") < 0 && err_names("-R:"));
	CHECK(P("-R", "/5") < 0 && err_names("-R:"));
	CHECK(P("-R", "1/2/3") < 0 && err_names("-R:"));
	CHECK(P("-R", "12345678901234567890/1") < 0 && err_names("-R:"));
	CHECK(P("-R", "") < 0 && err_names("-R:"));
	CHECK(P("-C", "0") < 0 && err_names("-C:"));
	CHECK(P("-C", "x") < 0 && err_names("-C:"));
	CHECK(P("-A", "10.0.0.0/8", "-A", "::ffff:10.0.0.0/104") == 0);
	CHECK(o.allow.n == 2 && o.allow.net[1].bits == 104);
	CHECK(memcmp(&o.allow.net[0], &o.allow.net[1], sizeof o.allow.net[0]) == 0);
	CHECK(P("-A", "10.0.0.0/08") == 0 && o.allow.net[0].bits == 96 + 8);
	CHECK(P("-A", "10.0.0.1/8") < 0 && err_names("-A:"));
	CHECK(strstr(o.err, "bits set") && strstr(o.err, "10.0.0.1/8"));
	CHECK(P("-A", "fd00::/129") < 0 && err_names("-A:"));
	CHECK(P("-A", "10.0.0.0/") < 0 && err_names("-A:"));
	CHECK(P("-A", "10.0.0.0/-1") < 0 && err_names("-A:"));
	CHECK(P("-A", "10.0.0.0/8x") < 0 && err_names("-A:"));
	CHECK(P("-A", "10.0.0.0/8/8") < 0 && err_names("-A:"));
	CHECK(P("-A", "/8") < 0 && err_names("-A:"));
	CHECK(P("-A", "") < 0 && err_names("-A:"));
	CHECK(P("-A", "1.2.3.4.5") < 0 && err_names("-A:"));
	CHECK(P("-A", "0000:0000:0000:0000:0000:0000:0000:0000:0/1") < 0);
	CHECK(P("-A", "10.0.0.0/33") < 0 && err_names("-A:"));
	CHECK(P("-A", "example.com") < 0 && err_names("-A:"));
	CHECK(P("-A") < 0 && err_names("-A:"));
	CHECK(P("-x") < 0 && err_names("-x:"));
	CHECK(P("-Ex") < 0 && err_names("-x:"));
	CHECK(P("stray") < 0 && strstr(o.err, "stray") != NULL);
	/* Messages stay one line whatever argv holds. */
	CHECK(P("x\necho: forged") < 0 && strchr(o.err, '\n') == NULL);
	CHECK(strstr(o.err, "x?echo: forged") != NULL);
	CHECK(P("-\n") < 0 && strncmp(o.err, "-?: ", 4) == 0);
	CHECK(P("-q", "--", "stray") < 0);
	long_options();
	listen_addresses();
	usage_text();
	env();
}
