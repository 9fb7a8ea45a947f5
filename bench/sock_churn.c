// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sockets made and closed in a loop, each sending one datagram to a receiver
 * of this process before its close: socket creation and release at the rate
 * of a busy client (bench/monitor_cost.sh's churn rows), where the bench's
 * other transfers make a socket now and then.
 *
 *   sock_churn COUNT PORT
 * Prints the sockets made and the datagrams the receiver read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "sock_churn: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval second = { .tv_sec = 1 };
	long count, received = 0;
	char byte = 'x';
	int rx;

	if (argc != 3) {
		fprintf(stderr, "usage: sock_churn COUNT PORT\n");
		return 2;
	}
	count = atol(argv[1]);
	sa.sin_port = htons(atoi(argv[2]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx = socket(AF_INET, SOCK_DGRAM, 0);
	if (rx < 0 || bind(rx, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &second, sizeof(second)))
		die("receiver");
	for (long i = 0; i < count; i++) {
		int s = socket(AF_INET, SOCK_DGRAM, 0);

		if (s < 0)
			die("socket");
		if (sendto(s, &byte, 1, 0, (struct sockaddr *)&sa, sizeof(sa)) != 1)
			die("sendto");
		close(s);
		while (recv(rx, &byte, 1, MSG_DONTWAIT) == 1)
			received++;
	}
	/* Any still on their way: a receive waits a second at most. */
	while (received < count && recv(rx, &byte, 1, 0) == 1)
		received++;
	printf("%ld sockets, %ld datagrams received\n", count, received);
	return received == count ? 0 : 1;
}
