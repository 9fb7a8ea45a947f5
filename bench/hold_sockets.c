// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hold N live TCP connections over loopback (2N sockets plus the listener) for
 * SECONDS, each client sending BYTES once a second (0: idle): the population
 * the monitor's userspace cost is measured against (bench/sockets.sh).
 *
 *   hold_sockets PAIRS SECONDS BYTES PORT
 * Prints "ready" once every connection is up, then "done" at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "hold_sockets: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct rlimit rl;
	int pairs, secs, bytes, lfd, one = 1, *cli, *srv;
	char buf[65536];

	if (argc != 5) {
		fprintf(stderr, "usage: hold_sockets PAIRS SECONDS BYTES PORT\n");
		return 2;
	}
	pairs = atoi(argv[1]);
	secs = atoi(argv[2]);
	bytes = atoi(argv[3]);
	if (pairs <= 0 || secs <= 0 || bytes < 0 || bytes > (int)sizeof(buf)) {
		fprintf(stderr, "hold_sockets: bad PAIRS, SECONDS or BYTES\n");
		return 2;
	}
	rl.rlim_cur = rl.rlim_max = 2 * (rlim_t)pairs + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit");
	sa.sin_port = htons(atoi(argv[4]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4096))
		die("listen");
	cli = calloc(pairs, sizeof(*cli));
	srv = calloc(pairs, sizeof(*srv));
	if (!cli || !srv)
		die("calloc");
	/* Connect and accept in step: the backlog never has to hold them all. */
	for (int i = 0; i < pairs; i++) {
		cli[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (cli[i] < 0 || connect(cli[i], (struct sockaddr *)&sa, sizeof(sa)))
			die("connect");
		srv[i] = accept(lfd, NULL, NULL);
		if (srv[i] < 0)
			die("accept");
	}
	printf("ready\n");
	fflush(stdout);
	memset(buf, 'x', sizeof(buf));
	for (int s = 0; s < secs; s++) {
		for (int i = 0; bytes && i < pairs; i++) {
			if (write(cli[i], buf, bytes) != bytes)
				die("write");
			if (recv(srv[i], buf, bytes, MSG_WAITALL) != bytes)
				die("read");
		}
		sleep(1);
	}
	printf("done\n");
	return 0;
}
