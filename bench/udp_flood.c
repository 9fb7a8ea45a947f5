// SPDX-License-Identifier: GPL-2.0-only
/*
 * Small UDP datagrams at a fixed rate, for bench/afpacket_vs_nethogs.sh.
 *   udp_flood send ADDR PORT SECONDS SIZE PPS   unconnected sendmmsg() in batches
 *   udp_flood sink ADDR PORT SECONDS            count what arrives
 * Prints one JSON line: pid, datagrams, bytes (payload).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	static char bufs[BATCH][2048];
	unsigned long long n = 0, bytes = 0;
	double end;
	int fd;

	if (argc < 5 || (strcmp(argv[1], "send") == 0 && argc < 7)) {
		fputs("usage: udp_flood send ADDR PORT SECONDS SIZE PPS | sink ADDR PORT SECONDS\n",
		      stderr);
		return 2;
	}
	if (inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1)
		return 2;
	sa.sin_port = htons(atoi(argv[3]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 1;
	end = now() + atof(argv[4]);
	memset(msgs, 0, sizeof(msgs));
	if (strcmp(argv[1], "sink") == 0) {
		int rcv = 16 << 20;
		struct timeval tv = { .tv_usec = 100000 };

		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return 1;
		printf("{\"ready\":true,\"pid\":%d}\n", getpid());
		fflush(stdout);
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		while (now() < end) {
			int r = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);

			for (int i = 0; i < r; i++) {
				n++;
				bytes += msgs[i].msg_len;
			}
		}
	} else {
		int size = atoi(argv[5]);
		double pps = atof(argv[6]), start = now(), t;

		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], size };
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &sa;
			msgs[i].msg_hdr.msg_namelen = sizeof(sa);
		}
		while ((t = now()) < end) {
			/* Pace to PPS: sleep while ahead of schedule. */
			double due = start + n / pps;

			if (t < due) {
				struct timespec ts = { 0, (long)((due - t) * 1e9) };

				nanosleep(&ts, NULL);
				continue;
			}
			int r = sendmmsg(fd, msgs, BATCH, 0);

			if (r < 0 && errno != ENOBUFS && errno != EAGAIN)
				return 1;
			for (int i = 0; i < r; i++) {
				n++;
				bytes += size;
			}
		}
	}
	printf("{\"pid\":%d,\"datagrams\":%llu,\"bytes\":%llu}\n", getpid(), n, bytes);
	return 0;
}
