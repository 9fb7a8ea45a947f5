// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lib/procinfo.h"
#include "lib/util.h"

int procinfo_parse_stat(const char *line, char *state, unsigned long long *ticks, char *comm,
			size_t comm_size)
{
	/* comm may hold spaces and parentheses: fields restart after the last ')'. */
	const char *open = strchr(line, '('), *close = strrchr(line, ')');
	size_t n;

	/* ") " then the state: never read past the string's end. */
	if (!open || !close || close < open || close[1] != ' ')
		return -EINVAL;
	/* After ')': state is field 3; starttime is field 22. */
	if (sscanf(close + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
		   "%*d %*d %*d %llu", state, ticks) != 2)
		return -EINVAL;
	if (comm_size) {
		n = close - open - 1;
		if (n >= comm_size)
			n = comm_size - 1;
		memset(comm, 0, comm_size);
		memcpy(comm, open + 1, n);
	}
	return 0;
}

/* Start time (ns since boot, clock-tick resolution) and state letter of a live pid. */
static uint64_t stat_of(uint32_t pid, char *state)
{
	char path[64], buf[1024];
	unsigned long long ticks;
	long hz = sysconf(_SC_CLK_TCK);

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0 ||
	    procinfo_parse_stat(buf, state, &ticks, NULL, 0))
		return 0;
	return ticks * (1000000000ULL / (hz > 0 ? hz : 100));
}

uint64_t procinfo_start_ns(uint32_t pid)
{
	char state;

	return stat_of(pid, &state);
}

bool procinfo_alive(uint32_t pid, uint64_t start_ns)
{
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t tick = 1000000000ULL / (hz > 0 ? hz : 100);
	char state = 0;
	uint64_t now = stat_of(pid, &state);

	if (!now || state == 'Z' || state == 'X')
		return false;
	return !start_ns || now == start_ns / tick * tick;
}

int procinfo_comm(uint32_t pid, uint64_t start_ns, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	if (!procinfo_alive(pid, start_ns) || (n = read_small_file(path, buf, size)) <= 0)
		return -1;
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return procinfo_alive(pid, start_ns) ? 0 : -1;
}

char *procinfo_cmdline(uint32_t pid, uint64_t start_ns)
{
	char path[64], buf[4096];
	ssize_t n;

	if (!procinfo_alive(pid, start_ns))
		return NULL;
	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	n = read_small_file(path, buf, sizeof(buf));
	if (n <= 0)
		return NULL;
	for (ssize_t i = 0; i < n - 1; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	/* Check again: the pid may have been reused while we read. */
	if (!procinfo_alive(pid, start_ns))
		return NULL;
	return strdup(buf);
}

uint64_t procinfo_netns(uint32_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%u/ns/net", pid);
	return stat(path, &st) ? 0 : st.st_ino;
}
