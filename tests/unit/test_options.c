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

	CHECK(P("-p", "7", "-c", "10", "-b", "65536", "-t", "0") == 0);
	CHECK(o.port == 7 && o.slots == 10 && o.ring_size == 65536);
	CHECK(o.idle_timeout == 0);
	CHECK(P("-p8001", "-Eq", "-mcapitalize") == 0);
	CHECK(o.port == 8001 && o.edge && o.quiet && o.mode == MODE_CAPITALIZE);
	CHECK(P("-l", "::1") == 0 && o.af == AF_INET6);
	CHECK(P("-l", "127.0.0.1") == 0 && o.af == AF_INET);
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
	CHECK(P("-x") < 0 && err_names("-x:"));
	CHECK(P("-Ex") < 0 && err_names("-x:"));
	CHECK(P("stray") < 0 && strstr(o.err, "stray") != NULL);
	/* Messages stay one line whatever argv holds. */
	CHECK(P("x\necho: forged") < 0 && strchr(o.err, '\n') == NULL);
	CHECK(strstr(o.err, "x?echo: forged") != NULL);
	CHECK(P("-\n") < 0 && strncmp(o.err, "-?: ", 4) == 0);
	CHECK(P("-q", "--", "stray") < 0);
}
