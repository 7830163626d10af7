/* SPDX-License-Identifier: ISC */
/* proc: /proc/PID/{status,stat,limits,fd}. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

static FILE *open_proc(pid_t pid, const char *name)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	return fopen(path, "re");
}

int proc_status(pid_t pid, const char *field, char *out, size_t size)
{
	char line[256];
	size_t len = strlen(field);
	FILE *f = open_proc(pid, "status");
	int found = 0;

	if (f == NULL)
		return -1;
	while (!found && fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			snprintf(out, size, "%s",
			    line + len + 1 + strspn(line + len + 1, " \t"));
			out[strcspn(out, "\n")] = '\0';
			found = 1;
		}
	fclose(f);
	return found ? 0 : -1;
}

long proc_number(pid_t pid, const char *field)
{
	char text[128];

	return proc_status(pid, field, text, sizeof text) == 0 ?
	    strtol(text, NULL, 10) : -1;
}

long proc_ticks(pid_t pid)
{
	char buf[1024], *p;
	unsigned long ut, st;
	FILE *f = open_proc(pid, "stat");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* After the name: state is field 3, utime 14, stime 15. */
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
	    "%*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

long proc_nofile(pid_t pid)
{
	static const char key[] = "Max open files";
	char line[256];
	FILE *f = open_proc(pid, "limits");
	long soft = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, key, sizeof key - 1) == 0)
			soft = strtol(line + sizeof key - 1, NULL, 10);
	fclose(f);
	return soft;
}

long proc_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	long n = 0;
	DIR *d;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}
