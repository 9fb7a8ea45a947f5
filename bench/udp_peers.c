// SPDX-License-Identifier: GPL-2.0-only
/*
 * One unconnected UDP server socket on loopback with PEERS clients, each a
 * connected socket of its own sending one 32-byte datagram a second, for
 * SECONDS: the server has PEERS peers, each an entry of the monitor's
 * per-peer table read at every refresh (bench/sockets.sh).
 *
 *   udp_peers PEERS SECONDS PORT
 * Prints "ready" once every client has sent, then "done" at the end.
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
	fprintf(stderr, "udp_peers: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Every client sends one datagram; the server reads what arrived. */
static void round_trip(int srv, const int *cli, int peers)
{
	char buf[32] = "peer";

	for (int i = 0; i < peers; i++)
		if (send(cli[i], buf, sizeof(buf), 0) < 0)
			die("send");
	while (recv(srv, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int peers, secs, srv, rcvbuf = 1 << 24, *cli;
	struct rlimit rl;

	if (argc != 4) {
		fprintf(stderr, "usage: udp_peers PEERS SECONDS PORT\n");
		return 2;
	}
	peers = atoi(argv[1]);
	secs = atoi(argv[2]);
	if (peers <= 0 || secs <= 0) {
		fprintf(stderr, "udp_peers: bad PEERS or SECONDS\n");
		return 2;
	}
	rl.rlim_cur = rl.rlim_max = (rlim_t)peers + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit");
	sa.sin_port = htons(atoi(argv[3]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv = socket(AF_INET, SOCK_DGRAM, 0);
	if (srv < 0 || setsockopt(srv, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) ||
	    bind(srv, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	cli = calloc(peers, sizeof(*cli));
	if (!cli)
		die("calloc");
	for (int i = 0; i < peers; i++) {
		cli[i] = socket(AF_INET, SOCK_DGRAM, 0);
		if (cli[i] < 0 || connect(cli[i], (struct sockaddr *)&sa, sizeof(sa)))
			die("client");
	}
	round_trip(srv, cli, peers);
	printf("ready\n");
	fflush(stdout);
	for (int s = 1; s < secs; s++) {
		sleep(1);
		round_trip(srv, cli, peers);
	}
	printf("done\n");
	return 0;
}
