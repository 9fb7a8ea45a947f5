// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lib/util.h"

bool np_verbose;
volatile sig_atomic_t np_stop_requested;

static void on_stop_signal(int sig)
{
	np_stop_requested = sig;
}

void np_catch_stop_signals(void)
{
	/*
	 * SA_RESTART: a write blocked on a full stdout pipe must finish, not fail
	 * with EINTR and lose what stdio had buffered (seen: 15 drop events gone).
	 * The poll loops still wake, as epoll_wait() is never restarted.
	 */
	struct sigaction sa = { .sa_handler = on_stop_signal, .sa_flags = SA_RESTART };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void np_err(const char *fmt, ...)
{
	va_list ap;

	fputs("netoproc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void np_info(const char *fmt, ...)
{
	va_list ap;

	if (!np_verbose)
		return;
	fputs("netoproc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_seconds(const char *s, double *out)
{
	const char *p = s;
	bool digits = false, dot = false;
	double v;

	if (!s || !*s)
		return -EINVAL;
	/* Plain decimals only: strtod would also take "inf", "nan" and hex. */
	for (; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits = true;
		else if (*p == '.' && !dot)
			dot = true;
		else
			return -EINVAL;
	}
	if (!digits)
		return -EINVAL;
	v = strtod(s, NULL);
	if (!(v > 0) || v > 1e9)
		return -ERANGE;
	*out = v;
	return 0;
}

static double ts_seconds(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double now_monotonic(void)
{
	return ts_seconds(CLOCK_MONOTONIC);
}

double now_realtime(void)
{
	return ts_seconds(CLOCK_REALTIME);
}

ssize_t read_small_file(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	close(fd);
	return total;
}

int parse_seconds_opt(const char *s, const char *name, double *out)
{
	if (!parse_seconds(s, out))
		return 0;
	np_err("invalid value '%s' for --%s: expected a positive number of seconds", s, name);
	return -EINVAL;
}

int np_opt_error(int c, char **argv)
{
	if (c == ':')
		np_err("option '%s' needs a value", argv[optind - 1]);
	else if (optopt)
		np_err("unknown option '-%c'", optopt);
	else
		np_err("unknown option '%s'", argv[optind - 1]);
	return -EINVAL;
}

int np_pick(const char *arg, const char *opt, const char *const *names, int n, int *out)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(arg, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	np_err("invalid value '%s' for --%s", arg, opt);
	return -EINVAL;
}

char *dec_digits_before(char *end, uint64_t v, int min_digits)
{
	char *b = end;

	do {
		*--b = '0' + v % 10;
		v /= 10;
	} while (v || end - b < min_digits);
	return b;
}

char *put_ipv4(char *p, const uint8_t a[4])
{
	char d[3], *e = d + sizeof(d), *b;

	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		b = dec_digits_before(e, a[i], 1);
		memcpy(p, b, e - b);
		p += e - b;
	}
	return p;
}

const char *hex_u64_str(char buf[19], uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char d[16], *e = d + sizeof(d), *b = e;
	size_t n;

	do {
		*--b = digits[v & 0xf];
		v >>= 4;
	} while (v);
	n = e - b;
	buf[0] = '0';
	buf[1] = 'x';
	memcpy(buf + 2, b, n);
	buf[2 + n] = '\0';
	return buf;
}
