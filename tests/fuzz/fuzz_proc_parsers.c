// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the parsers of what /proc and sock_diag say:
 * procinfo_parse_stat() (src/lib/procinfo.c: /proc/PID/stat, also read by
 * src/monitor/capture/proc_sockets.c), ifstats_parse_line()
 * (src/lib/ifstats.c: a /proc/net/dev line) and sd_parse()
 * (src/monitor/capture/sock_diag.c: one recv() of NETLINK_SOCK_DIAG
 * replies). Byte 0 picks the parser, the rest is its input, in a buffer of
 * exactly its size (strings NUL-terminated right after). Besides the
 * sanitizers, it aborts when:
 *   - stat: comm is NUL-terminated inside its buffer, zero-filled after, and
 *     a prefix of what is between '(' and the last ')'; a smaller buffer gets
 *     the same answer and a prefix of the name;
 *   - /proc/net/dev: the name is NUL-terminated, non-empty, without ':'
 *     and a part of the line; a parse of the line is the same twice;
 *   - sock_diag: the result is 0 (read more) or 1 with *ret 0, fn's answer
 *     or a negative errno; fn is never called again once it said stop;
 *     every socket it gets is AF_INET with a v4-mapped address or other,
 *     with the protocol asked for; a lookup gets at most one socket.
 * and for proc_parse.c (src/monitor/capture/: what proc_sockets.c reads to
 * find a socket's holder):
 *   - cgroup.procs: every pid is 1..PROC_PID_MAX and, printed, is a whole
 *     line of the input, in order; no more pids than lines; the iteration
 *     ends, and moves forward each time;
 *   - an fd link: an inode is returned exactly when printing it as
 *     "socket:[%u]" gives back the input.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "lib/ifstats.h"
#include "lib/procinfo.h"
#include "monitor/capture/proc_parse.h"
#include "monitor/capture/sock_diag.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	CHECK(s);
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

static void fuzz_stat(const uint8_t *data, size_t size)
{
	char *line = cstr(data, size), comm[16], small[5], state, state2;
	unsigned long long ticks, ticks2;
	const char *open, *close;
	size_t n;
	int r, r2;

	memset(comm, 'x', sizeof(comm));
	r = procinfo_parse_stat(line, &state, &ticks, comm, sizeof(comm));
	CHECK(r == 0 || r == -EINVAL);
	if (r == 0) {
		n = strnlen(comm, sizeof(comm));
		CHECK(n < sizeof(comm));
		for (size_t i = n; i < sizeof(comm); i++)
			CHECK(comm[i] == 0);
		open = strchr(line, '(');
		close = strrchr(line, ')');
		CHECK(open && close && open < close);
		CHECK(n <= (size_t)(close - open - 1) && !memcmp(comm, open + 1, n));
	}
	memset(small, 'x', sizeof(small));
	r2 = procinfo_parse_stat(line, &state2, &ticks2, small, sizeof(small));
	CHECK(r2 == r);
	if (r == 0) {
		CHECK(state2 == state && ticks2 == ticks);
		CHECK(strnlen(small, sizeof(small)) < sizeof(small) &&
		      !strncmp(small, comm, sizeof(small) - 1));
	}
	CHECK(procinfo_parse_stat(line, &state2, &ticks2, NULL, 0) == r);
	free(line);
}

static void fuzz_netdev(const uint8_t *data, size_t size)
{
	char *line = cstr(data, size);
	struct ifstat s, s2;
	size_t n;
	int r;

	memset(&s, 0xa5, sizeof(s));
	r = ifstats_parse_line(line, &s);
	CHECK(r == 0 || r == -EINVAL);
	if (r == 0) {
		n = strnlen(s.name, sizeof(s.name));
		CHECK(n > 0 && n < sizeof(s.name));
		CHECK(!memchr(s.name, ':', n) && strstr(line, s.name));
		memset(&s2, 0x5a, sizeof(s2));
		CHECK(ifstats_parse_line(line, &s2) == 0 && !memcmp(&s, &s2, sizeof(s)));
	}
	free(line);
}

struct sd_ctx {
	uint8_t protocol;
	int calls;
	int stop_at;	/* fn returns non-zero at this call */
	bool stopped;
};

static int on_sock(const struct sd_sock *s, void *arg)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct sd_ctx *c = arg;

	CHECK(!c->stopped);
	CHECK(s->protocol == c->protocol);
	if (s->family == AF_INET)
		CHECK(!memcmp(s->laddr, mapped, 12) && !memcmp(s->raddr, mapped, 12));
	CHECK(s->v6only <= 255);
	if (++c->calls == c->stop_at) {
		c->stopped = true;
		return 1;
	}
	return 0;
}

static void fuzz_sock_diag(const uint8_t *data, size_t size)
{
	struct sd_ctx c = { .protocol = 6 };
	uint32_t seq;
	size_t half;
	bool dump;
	void *buf;
	int stop = 0, ret = 12345, r;

	if (size < 2)
		return;
	dump = data[0] & 1;
	c.stop_at = data[0] >> 1;	/* 0: never */
	c.protocol = data[1];
	seq = data[0] % 3;		/* a few sequence numbers, to match and not */
	data += 2;
	size -= 2;
	/* Two recv()s: the first half and the rest, each in an exact buffer. */
	half = size / 2 & ~(size_t)3;
	for (int part = 0; part < 2; part++) {
		size_t len = part ? size - half : half;

		buf = malloc(len ? len : 1);
		CHECK(buf);
		memcpy(buf, data + (part ? half : 0), len);
		r = sd_parse(buf, len, seq, c.protocol, dump, on_sock, &c, &stop, &ret);
		free(buf);
		CHECK(r == 0 || r == 1);
		CHECK(!!stop == c.stopped);
		if (!dump)
			CHECK(c.calls <= 1);
		if (r) {
			CHECK(ret <= 0 || (!dump && ret == 1 && c.stopped));
			CHECK(ret >= -4095);
			break;
		}
		CHECK(ret == 12345);
	}
}

/* cgroup.procs, in a buffer of exactly its size (no NUL: the parser must not need one). */
static void fuzz_pids(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	const char *pos, *end, *line;
	size_t lines = 1, got = 0;
	uint32_t pid;

	CHECK(buf);
	memcpy(buf, data, size);
	pos = line = buf;
	end = buf + size;
	for (size_t i = 0; i < size; i++)
		lines += buf[i] == '\n';
	while (proc_next_pid(&pos, end, &pid)) {
		char want[16];
		int n = snprintf(want, sizeof(want), "%u", pid);
		const char *at = NULL;

		CHECK(pid >= 1 && pid <= PROC_PID_MAX);
		CHECK(pos > line && pos <= end && ++got <= lines);
		/* It is one of the lines between the previous pid and here, whole. */
		for (const char *l = line; l < pos; l = (const char *)memchr(l, '\n', end - l) + 1) {
			const char *nl = memchr(l, '\n', end - l);
			size_t len = (nl ? nl : end) - l;

			if (len == (size_t)n && !memcmp(l, want, n))
				at = l;
			if (!nl)
				break;
		}
		CHECK(at);
		CHECK(pos == end || pos[-1] == '\n');
		line = pos;
	}
	CHECK(pos == end);
	free(buf);
}

/* An fd link's target, exactly its bytes (readlink adds no NUL). */
static void fuzz_fd_link(const uint8_t *data, size_t size)
{
	char *link = malloc(size ? size : 1), want[32];
	uint32_t inode;

	CHECK(link);
	memcpy(link, data, size);
	inode = proc_socket_inode(link, size);
	if (inode) {
		int n = snprintf(want, sizeof(want), "socket:[%u]", inode);

		CHECK((size_t)n == size && !memcmp(want, link, size));
	} else if (size >= 10 && size <= 19 && !memcmp(link, "socket:[", 8) &&
		   link[size - 1] == ']' && link[8] != '0') {
		/* Refused: then it is no plain number 1..UINT32_MAX between the brackets. */
		unsigned long long v = 0;
		bool digits = true;

		for (size_t i = 8; i < size - 1; i++) {
			digits &= link[i] >= '0' && link[i] <= '9';
			v = v * 10 + (unsigned long long)(link[i] - '0');
		}
		CHECK(!digits || v > UINT32_MAX);
	}
	free(link);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0: fuzz_stat(data + 1, size - 1); break;
	case 1: fuzz_netdev(data + 1, size - 1); break;
	case 2: fuzz_sock_diag(data + 1, size - 1); break;
	case 3: fuzz_pids(data + 1, size - 1); break;
	default: fuzz_fd_link(data + 1, size - 1); break;
	}
	return 0;
}
