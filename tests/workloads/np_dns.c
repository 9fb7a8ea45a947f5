// SPDX-License-Identifier: GPL-2.0-only
/*
 * A DNS server and client small enough for the kernel matrix's busybox VMs.
 *   np_dns server [--port P] --answer A.B.C.D [--delay-ms D] [--mute NAME] [--count N]
 *     answers every A query on 127.0.0.1:P (UDP and TCP) with one A record after D ms,
 *     never answers NAME; exits after N queries. Prints {"ready":true,"pid":...}.
 *   np_dns query [--port P] --name NAME [--tcp] [--timeout-ms T]
 *     asks 127.0.0.1:P for NAME's A record; prints {"pid":...,"rcode":...,"answers":...}
 *     or {"pid":...,"timeout":true}.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct opts {
	int port, delay_ms, count, timeout_ms;
	const char *name, *mute;
	struct in_addr answer;
	int tcp;
};

static void die(const char *what)
{
	fprintf(stderr, "np_dns: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* The first question's name as dotted text; returns the offset after the question or -1. */
static int question(const uint8_t *m, int len, char *name, size_t size)
{
	int off = 12;
	size_t n = 0;

	if (len < 12)
		return -1;
	while (off < len && m[off]) {
		int l = m[off++];

		if (l > 63 || off + l > len || n + l + 2 > size)
			return -1;
		if (n)
			name[n++] = '.';
		memcpy(name + n, m + off, l);
		n += l;
		off += l;
	}
	name[n] = '\0';
	return off + 5 <= len ? off + 5 : -1;
}

/* The answer to query @q (@len bytes) into @r: the question, then one A record. */
static int answer(const struct opts *o, const uint8_t *q, int len, uint8_t *r, char *name)
{
	int end = question(q, len, name, 256);
	uint8_t rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4 };

	if (end < 0 || end + (int)sizeof(rr) + 4 > 512)
		return -1;
	memcpy(r, q, end);
	r[2] = 0x81;		/* QR, RD */
	r[3] = 0x80;		/* RA, NOERROR */
	r[6] = 0, r[7] = 1;	/* one answer */
	r[8] = r[9] = r[10] = r[11] = 0;
	memcpy(r + end, rr, sizeof(rr));
	memcpy(r + end + sizeof(rr), &o->answer, 4);
	return end + sizeof(rr) + 4;
}

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int read_full(int fd, uint8_t *buf, int len)
{
	for (int got = 0, n; got < len; got += n)
		if ((n = read(fd, buf + got, len - got)) <= 0)
			return -1;
	return len;
}

static int server(const struct opts *o)
{
	struct sockaddr_in a = loopback(o->port);
	int u = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	uint8_t q[512], r[512];
	char name[256];

	setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (u < 0 || t < 0 || bind(u, (void *)&a, sizeof(a)) || bind(t, (void *)&a, sizeof(a)) ||
	    listen(t, 8))
		die("bind");
	printf("{\"ready\":true,\"pid\":%d}\n", getpid());
	fflush(stdout);
	for (int handled = 0; handled < o->count; handled++) {
		struct pollfd p[2] = { { .fd = u, .events = POLLIN }, { .fd = t, .events = POLLIN } };
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		int len, rlen, c = -1;
		uint8_t hdr[2];

		if (poll(p, 2, 60000) <= 0)
			return 1;
		if (p[0].revents) {
			len = recvfrom(u, q, sizeof(q), 0, (void *)&peer, &plen);
		} else {
			c = accept(t, NULL, NULL);
			len = c < 0 || read_full(c, hdr, 2) < 0 ? -1 : hdr[0] << 8 | hdr[1];
			if (len > (int)sizeof(q) || (len > 0 && read_full(c, q, len) < 0))
				len = -1;
		}
		rlen = len > 0 ? answer(o, q, len, r, name) : -1;
		if (rlen > 0 && !(o->mute && !strcmp(name, o->mute))) {
			pause_ms(o->delay_ms);
			if (c < 0) {
				sendto(u, r, rlen, 0, (void *)&peer, plen);
			} else {
				hdr[0] = rlen >> 8, hdr[1] = rlen;
				if (write(c, hdr, 2) != 2 || write(c, r, rlen) != rlen)
					die("write");
			}
		}
		if (c >= 0)
			close(c);
	}
	return 0;
}

static int query(const struct opts *o)
{
	struct sockaddr_in a = loopback(o->port);
	uint8_t q[300] = { 0x12, 0x34, 0x01, 0x00, 0, 1 }, r[512], hdr[2];
	const char *s = o->name;
	int n = 12, len, fd = socket(AF_INET, o->tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (*s && n < 250) {
		const char *dot = strchr(s, '.');
		int l = dot ? dot - s : (int)strlen(s);

		q[n++] = l;
		memcpy(q + n, s, l);
		n += l;
		s += l + (dot != NULL);
	}
	q[n++] = 0;
	q[n++] = 0, q[n++] = 1, q[n++] = 0, q[n++] = 1;
	if (fd < 0 || connect(fd, (void *)&a, sizeof(a)))
		die("connect");
	hdr[0] = n >> 8, hdr[1] = n;
	if ((o->tcp && write(fd, hdr, 2) != 2) || write(fd, q, n) != n)
		die("send");
	if (poll(&p, 1, o->timeout_ms) <= 0) {
		printf("{\"pid\":%d,\"timeout\":true}\n", getpid());
		return 0;
	}
	len = o->tcp ? (read_full(fd, hdr, 2) < 0 ? -1 : read_full(fd, r, hdr[0] << 8 | hdr[1]))
		     : (int)recv(fd, r, sizeof(r), 0);
	if (len < 12)
		die("answer");
	printf("{\"pid\":%d,\"rcode\":%d,\"answers\":%d,\"timeout\":false}\n", getpid(), r[3] & 15,
	       r[6] << 8 | r[7]);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' }, { "answer", required_argument, NULL, 'a' },
		{ "delay-ms", required_argument, NULL, 'd' }, { "mute", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'c' }, { "name", required_argument, NULL, 'n' },
		{ "tcp", no_argument, NULL, 't' }, { "timeout-ms", required_argument, NULL, 'T' },
		{ 0 },
	};
	struct opts o = { .port = 53, .count = 1, .timeout_ms = 2000 };
	int c;

	if (argc < 2)
		return 2;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p': o.port = atoi(optarg); break;
		case 'a': if (inet_pton(AF_INET, optarg, &o.answer) != 1) return 2; break;
		case 'd': o.delay_ms = atoi(optarg); break;
		case 'm': o.mute = optarg; break;
		case 'c': o.count = atoi(optarg); break;
		case 'n': o.name = optarg; break;
		case 't': o.tcp = 1; break;
		case 'T': o.timeout_ms = atoi(optarg); break;
		default: return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "server"))
		return server(&o);
	if (!strcmp(argv[1], "query") && o.name)
		return query(&o);
	return 2;
}
