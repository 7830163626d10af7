#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "options.h"

static struct options o;

/* Parse a NULL-terminated list of words after "echod". */
static int parse(const char *const *words)
{
	char *argv[16];
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

void test_options(void)
{
	CHECK(parse((const char *const[]){ NULL }) == 0);
	CHECK(o.port == 8000 && o.slots == 1024 && o.ring_size == 4096);
	CHECK(o.idle_timeout == 300 && o.mode == MODE_ECHO && o.af == 0);
	CHECK(!o.edge && !o.quiet && !o.help && !o.version && !o.probe);
	CHECK(!o.udp && o.workers == 0);
	CHECK(o.rate == 2000 && o.burst == 2000 && o.cap == 0 && o.allow.n == 0);

	CHECK(P("-p", "7", "-c", "10", "-b", "65536", "-t", "0") == 0);
	CHECK(o.port == 7 && o.slots == 10 && o.ring_size == 65536);
	CHECK(o.idle_timeout == 0);
	CHECK(P("-p8001", "-Eq", "-mcapitalize") == 0);
	CHECK(o.port == 8001 && o.edge && o.quiet && o.mode == MODE_CAPITALIZE);
	CHECK(P("-l", "::1") == 0 && o.af == AF_INET6);
	CHECK(P("-l", "127.0.0.1") == 0 && o.af == AF_INET);
	CHECK(P("-P", "[::1]:8000") == 0 && o.probe && o.probe_af == AF_INET6);
	CHECK(o.probe_port == 8000);
	CHECK(P("-P", "127.0.0.1:7") == 0 && o.probe_af == AF_INET);
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
	CHECK(P("-P", "[::1]") < 0 && err_names("-P:"));
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
}
