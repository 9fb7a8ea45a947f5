// SPDX-License-Identifier: GPL-2.0-only
/*
 * First packets from two CPUs at once. Opens --count UDP sockets on 127.0.0.1,
 * then two threads, pinned to two different CPUs, meet at a spin barrier
 * before each socket and send it one --size byte datagram together: each
 * socket's first two packets reach the kernel on two CPUs within a few
 * hundred nanoseconds, which is when per-socket state created on the first
 * packet can be created twice at once. Loopback delivery runs the receiving
 * side in the sender's softirq, on the sender's CPU.
 *
 *   np_first_packets --count N --size S
 *
 * Prints {"ready":true,...} once the sockets are open (it then waits for a line
 * on stdin, so that the monitor is attached after the sockets exist: they are
 * claimed at creation or by adoption, counted from their first packet), and
 * {"pid":..,"sockets":N,"received":R,"cpus":[a,b]} once every datagram was read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SOCKS 4096

static int nsocks, size;
static int rx_fd[MAX_SOCKS];
static struct sockaddr_in rx_addr[MAX_SOCKS];
static atomic_int arrived[MAX_SOCKS];
static int cpus[2];

static void die(const char *what)
{
	fprintf(stderr, "np_first_packets: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *sender(void *arg)
{
	int me = (int)(long)arg, fd = socket(AF_INET, SOCK_DGRAM, 0);
	static char buf[65536];
	cpu_set_t set;

	if (fd < 0)
		die("socket");
	CPU_ZERO(&set);
	CPU_SET(cpus[me], &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		die("pthread_setaffinity_np");
	for (int i = 0; i < nsocks; i++) {
		/* Both threads at socket i before either sends to it. */
		atomic_fetch_add(&arrived[i], 1);
		while (atomic_load(&arrived[i]) < 2)
			;
		if (sendto(fd, buf, size, 0, (struct sockaddr *)&rx_addr[i], sizeof(rx_addr[i])) != size)
			die("sendto");
	}
	return NULL;
}

/* Two CPUs this process may run on; false when it has only one. */
static bool pick_cpus(void)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		die("sched_getaffinity");
	for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n == 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 'z' },
		{ 0 },
	};
	static char buf[65536];
	pthread_t t[2];
	long received = 0;
	char line[16];
	int c;

	nsocks = 500;
	size = 100;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			nsocks = atoi(optarg);
		else if (c == 'z')
			size = atoi(optarg);
		else
			return 2;
	}
	if (nsocks < 1 || nsocks > MAX_SOCKS || size < 1 || size > 65000) {
		fprintf(stderr, "np_first_packets: --count 1..%d, --size 1..65000\n", MAX_SOCKS);
		return 2;
	}
	if (!pick_cpus()) {
		fprintf(stderr, "np_first_packets: needs two CPUs to run on\n");
		return 3;
	}
	for (int i = 0; i < nsocks; i++) {
		socklen_t len = sizeof(rx_addr[i]);
		int rcvbuf = 1 << 20;

		rx_addr[i].sin_family = AF_INET;
		rx_addr[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		rx_fd[i] = socket(AF_INET, SOCK_DGRAM, 0);
		if (rx_fd[i] < 0)
			die("socket");
		setsockopt(rx_fd[i], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		if (bind(rx_fd[i], (struct sockaddr *)&rx_addr[i], len) ||
		    getsockname(rx_fd[i], (struct sockaddr *)&rx_addr[i], &len))
			die("bind");
	}
	printf("{\"ready\":true,\"pid\":%d,\"sockets\":%d}\n", getpid(), nsocks);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (long i = 0; i < 2; i++)
		if ((errno = pthread_create(&t[i], NULL, sender, (void *)i)))
			die("pthread_create");
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	/* Every socket got its two datagrams: read them, so the reads count too. */
	for (int i = 0; i < nsocks; i++)
		for (int k = 0; k < 2; k++) {
			ssize_t n = recv(rx_fd[i], buf, sizeof(buf), MSG_DONTWAIT);

			if (n < 0)
				die("recv");
			received += n;
		}
	printf("{\"pid\":%d,\"sockets\":%d,\"received\":%ld,\"cpus\":[%d,%d]}\n", getpid(), nsocks,
	       received, cpus[0], cpus[1]);
	fflush(stdout);
	return 0;
}
