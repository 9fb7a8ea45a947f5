// SPDX-License-Identifier: GPL-2.0-only
/*
 * Workloads for the TUI tests: processes with names of their own (prctl), so
 * the screen can be read by name. JSON lines on stdout like np_workload.
 *
 *   sink --name N                      receive UDP on 127.0.0.1 forever
 *   send --name N --port P --size S --count K [--pps R] [--port2 Q]
 *                                      K datagrams of S bytes (K=0: forever) at
 *                                      R a second (0: at once), each to Q as well
 *                                      from the same unconnected socket, then wait
 *                                      to be killed
 *   many --count C --port P --size S  C children named npt000.., each sends one
 *                                      datagram and waits; they die with the parent
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void name_me(const char *name)
{
	if (prctl(PR_SET_NAME, name, 0, 0, 0))
		die("prctl");
}

static struct sockaddr_in to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static __attribute__((noreturn)) int sink(void)
{
	struct sockaddr_in a = to(0);
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rcvbuf = 4 << 20;
	static char buf[65536];

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&a, len) || getsockname(fd, (struct sockaddr *)&a, &len))
		die("bind");
	printf("{\"ready\":true,\"pid\":%d,\"port\":%d}\n", getpid(), ntohs(a.sin_port));
	fflush(stdout);
	for (;;)
		if (recv(fd, buf, sizeof(buf), 0) < 0)
			die("recv");
}

static void sleep_until(const struct timespec *t0, double at)
{
	struct timespec ts = { .tv_sec = t0->tv_sec + (time_t)at,
			       .tv_nsec = t0->tv_nsec + (long)((at - (time_t)at) * 1e9) };

	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static __attribute__((noreturn)) int send_dgrams(int port, int port2, int size, long count,
						 double pps, bool report)
{
	struct sockaddr_in a = to(port), b = to(port2);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	static char buf[65536];
	struct timespec t0;
	long sent = 0;

	if (fd < 0)
		die("socket");
	memset(buf, 't', sizeof(buf));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; count == 0 || i < count; i++) {
		if (pps > 0)
			sleep_until(&t0, i / pps);
		else if (i % 64 == 63)
			usleep(1000);	/* let the sink keep up */
		if (sendto(fd, buf, size, 0, (struct sockaddr *)&a, sizeof(a)) != size)
			die("sendto");
		sent += size;
		if (port2) {
			if (sendto(fd, buf, size, 0, (struct sockaddr *)&b, sizeof(b)) != size)
				die("sendto");
			sent += size;
		}
	}
	if (report) {
		printf("{\"pid\":%d,\"sent\":%ld,\"datagrams\":%ld}\n", getpid(), sent, count);
		fflush(stdout);
	}
	/* Keep the socket: the process stays on screen until it is killed. */
	for (;;)
		pause();
}

static __attribute__((noreturn)) int many(int count, int port, int size)
{
	pid_t parent = getpid();

	printf("{\"children\":[");
	for (int i = 0; i < count; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			char name[16];

			prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
			if (getppid() != parent)
				_exit(0);
			snprintf(name, sizeof(name), "npt%03d", i);
			name_me(name);
			send_dgrams(port, 0, size, 1, 0, false);
		}
		printf("%s%d", i ? "," : "", pid);
	}
	printf("]}\n");
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "port", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 'z' },
		{ "count", required_argument, NULL, 'c' },
		{ "pps", required_argument, NULL, 'r' },
		{ "port2", required_argument, NULL, 'P' },
		{ 0 },
	};
	const char *name = NULL;
	int port = 0, port2 = 0, size = 100, c;
	long count = 1;
	double pps = 0;

	if (argc < 2) {
		fputs("usage: np_tui_load sink|send|many [options]\n", stderr);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'z': size = atoi(optarg); break;
		case 'c': count = atol(optarg); break;
		case 'r': pps = atof(optarg); break;
		case 'P': port2 = atoi(optarg); break;
		default: return 2;
		}
	}
	if (name)
		name_me(name);
	if (!strcmp(argv[1], "sink"))
		return sink();
	if (!strcmp(argv[1], "send"))
		return send_dgrams(port, port2, size, count, pps, true);
	if (!strcmp(argv[1], "many"))
		return many((int)count, port, size);
	return 2;
}
