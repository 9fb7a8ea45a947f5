// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test workloads that know their byte counts. Every mode prints JSON lines on
 * stdout: a "ready" line once listening (servers), and a result line with its
 * pid(s) and the exact payload bytes it moved. Loopback only.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <poll.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct args {
	int family;
	int port;
	long send, reply, expect;
	int count, conns, size;
	long send2;
	int port2;	/* udp-send: also send every datagram here, from the same socket */
	int idle;	/* udp-sink: give up after this many seconds without a datagram */
	int segment;	/* udp-send: UDP_SEGMENT, datagrams leave as one GSO skb of this MSS */
	double hold;	/* tcp-client: seconds to keep the connection open after sending */
	int server_closes;	/* the server reads --send bytes, replies and closes first */
	int parallel;		/* short-clients: this many client processes at a time */
	int accept_delay_ms;	/* tcp-server: pause before each accept() (a backlog builds) */
	double linger;		/* tcp-server: stay alive this long after the last connection */
	const char *exec_as;	/* exec-send: the image exec'ed with the socket open */
	int fd;			/* exec-send, second image: the socket it inherited */
	double every;		/* long-conns: seconds between two writes on each connection */
	int rate;		/* udp-flood: datagrams per second */
};

static void die(const char *what)
{
	fprintf(stderr, "np_workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t make_addr(struct sockaddr_storage *ss, int family, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == 6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*a);
}

static int listen_on(int family, int *port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, family, *port);
	int one = 1;
	int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 128))
		die("bind/listen");
	getsockname(fd, (struct sockaddr *)&ss, &len);
	*port = ntohs(family == 6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
				    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* Bytes TCP sent again on @fd: they are on the wire twice, so in IP bytes too. */
static long retrans_bytes(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return 0;
	return (long)ti.tcpi_bytes_retrans;
}

static long total_retrans;

static long write_all(int fd, long n)
{
	static char buf[65536];
	long done = 0;

	memset(buf, 'n', sizeof(buf));
	while (done < n) {
		long chunk = n - done > (long)sizeof(buf) ? (long)sizeof(buf) : n - done;
		ssize_t w = write(fd, buf, chunk);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		done += w;
	}
	return done;
}

static long read_to_eof(int fd)
{
	static char buf[65536];
	long total = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("read");
		}
		total += r;
	}
	return total;
}

/* Exactly @n bytes (fewer only at EOF). */
static long read_n(int fd, long n)
{
	static char buf[65536];
	long total = 0;
	ssize_t r;

	while (total < n) {
		long want = n - total > (long)sizeof(buf) ? (long)sizeof(buf) : n - total;

		r = read(fd, buf, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read");
		if (r == 0)
			break;
		total += r;
	}
	return total;
}

/*
 * Serve one connection: read to EOF (or, with @request, exactly that many
 * bytes: the server then closes first, as an HTTP/1.0 server does), answer
 * with @reply bytes, close.
 */
static void serve(int lfd, long reply, long request, long *rx, long *tx)
{
	int c = accept(lfd, NULL, NULL);

	if (c < 0)
		die("accept");
	*rx += request ? read_n(c, request) : read_to_eof(c);
	*tx += write_all(c, reply);
	total_retrans += retrans_bytes(c);
	close(c);
}

static void client(const struct args *a, long *tx, long *rx)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, a->family, a->port);
	int fd = socket(a->family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&ss, len))
		die("connect");
	*tx = write_all(fd, a->send);
	if (a->server_closes) {
		/* No shutdown: the server's close comes first (its end goes to TIME_WAIT). */
		*rx = read_to_eof(fd);
		total_retrans += retrans_bytes(fd);
		close(fd);
		return;
	}
	if (a->hold > 0) {
		/* Sent, still open: a live connection for that long (wall time on stdout). */
		struct timespec ts = { (time_t)a->hold, (long)((a->hold - (time_t)a->hold) * 1e9) };
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		printf("{\"sent_at\":%.3f}\n", now.tv_sec + now.tv_nsec / 1e9);
		fflush(stdout);
		nanosleep(&ts, NULL);
	}
	shutdown(fd, SHUT_WR);
	*rx = read_to_eof(fd);
	total_retrans += retrans_bytes(fd);
	close(fd);
}

static int mode_tcp_server(struct args *a)
{
	int lfd = listen_on(a->family, &a->port);
	long rx = 0, tx = 0;

	printf("{\"ready\":true,\"pid\":%d,\"port\":%d}\n", getpid(), a->port);
	fflush(stdout);
	for (int i = 0; i < a->conns; i++) {
		if (a->accept_delay_ms) {
			struct timespec ts = { a->accept_delay_ms / 1000,
					       a->accept_delay_ms % 1000 * 1000000L };

			nanosleep(&ts, NULL);
		}
		serve(lfd, a->reply, a->server_closes ? a->send : 0, &rx, &tx);
	}
	close(lfd);
	printf("{\"pid\":%d,\"received\":%ld,\"sent\":%ld,\"retrans\":%ld}\n", getpid(), rx, tx,
	       total_retrans);
	if (a->linger > 0) {
		/* Long-lived: still there when its connections are long gone. */
		struct timespec ts = { (time_t)a->linger,
				       (long)((a->linger - (time_t)a->linger) * 1e9) };

		nanosleep(&ts, NULL);
	}
	return 0;
}

static int mode_tcp_client(struct args *a)
{
	long tx, rx;

	client(a, &tx, &rx);
	printf("{\"pid\":%d,\"sent\":%ld,\"received\":%ld,\"retrans\":%ld}\n", getpid(), tx, rx,
	       total_retrans);
	return rx == a->expect ? 0 : 1;
}

static int reap_one(void)
{
	int status;

	if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return 0;
}

/*
 * @count client processes, each living a few ms: one after another, or
 * --parallel P of them at a time.
 */
static int mode_short_clients(struct args *a)
{
	int running = 0, max = a->parallel > 1 ? a->parallel : 1;

	printf("{\"children\":[");
	for (int i = 0; i < a->count; i++) {
		pid_t pid;

		if (running == max) {
			if (reap_one())
				return 1;
			running--;
		}
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			long tx, rx;

			client(a, &tx, &rx);
			_exit(tx == a->send && rx == a->expect ? 0 : 1);
		}
		running++;
		printf("%s%d", i ? "," : "", pid);
	}
	for (; running; running--)
		if (reap_one())
			return 1;
	printf("],\"sent\":%ld,\"received\":%ld}\n", a->send, a->expect);
	return 0;
}

static int udp_socket(int family)
{
	int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket");
	return fd;
}

static int mode_udp_sink(struct args *a)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, a->family, a->port);
	int fd = udp_socket(a->family), rcvbuf = 4 << 20;
	static char buf[65536];
	long total = 0;
	int got = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (a->idle) {
		/* Stop after idle seconds without a datagram: some were dropped. */
		struct timeval tv = { .tv_sec = a->idle };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	if (bind(fd, (struct sockaddr *)&ss, len))
		die("bind");
	getsockname(fd, (struct sockaddr *)&ss, &len);
	a->port = ntohs(a->family == 6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
					 ((struct sockaddr_in *)&ss)->sin_port);
	printf("{\"ready\":true,\"pid\":%d,\"port\":%d}\n", getpid(), a->port);
	fflush(stdout);
	for (int i = 0; i < a->count; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (r < 0) {
			if (errno == EINTR) {
				i--;
				continue;
			}
			if (a->idle && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			die("recvfrom");
		}
		total += r;
		got++;
	}
	printf("{\"pid\":%d,\"received\":%ld,\"datagrams\":%d}\n", getpid(), total, got);
	return 0;
}

static long udp_send(const struct args *a, int count, int size)
{
	struct sockaddr_storage ss, ss2;
	socklen_t len = make_addr(&ss, a->family, a->port);
	socklen_t len2 = make_addr(&ss2, a->family, a->port2);
	int fd = udp_socket(a->family);
	static char buf[65536];
	long total = 0;

	/* The receiver, without UDP_GRO, segments such an skb: skb_segment() copies. */
	if (a->segment && setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &a->segment, sizeof(a->segment)))
		die("setsockopt UDP_SEGMENT");
	memset(buf, 'u', sizeof(buf));
	for (int i = 0; i < count; i++) {
		ssize_t w = sendto(fd, buf, size, 0, (struct sockaddr *)&ss, len);

		if (w < 0)
			die("sendto");
		total += w;
		if (a->port2) {
			w = sendto(fd, buf, size, 0, (struct sockaddr *)&ss2, len2);
			if (w < 0)
				die("sendto");
			total += w;
		}
		if (i % 64 == 63)
			usleep(1000);	/* let the sink keep up: no receive-buffer drops */
	}
	close(fd);
	return total;
}

static int mode_udp_send(struct args *a)
{
	long sent = udp_send(a, a->count, a->size);

	printf("{\"pid\":%d,\"sent\":%ld,\"datagrams\":%d}\n", getpid(), sent, a->count);
	return 0;
}

/* The parent makes the listener; a forked child accepts and serves every connection. */
static int mode_prefork_server(struct args *a)
{
	int lfd = listen_on(a->family, &a->port), status;
	int pipefd[2];
	pid_t child;
	char line[128];
	ssize_t n;

	if (pipe(pipefd))
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		long rx = 0, tx = 0;

		close(pipefd[0]);
		for (int i = 0; i < a->conns; i++)
			serve(lfd, a->reply, 0, &rx, &tx);
		n = snprintf(line, sizeof(line), "{\"role\":\"child\",\"pid\":%d,\"received\":%ld,"
			     "\"sent\":%ld}\n", getpid(), rx, tx);
		if (write(pipefd[1], line, n) != n)
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	close(lfd);
	printf("{\"ready\":true,\"pid\":%d,\"child\":%d,\"port\":%d}\n", getpid(), child, a->port);
	fflush(stdout);
	n = read(pipefd[0], line, sizeof(line) - 1);
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) || n <= 0)
		return 1;
	line[n] = '\0';
	fputs(line, stdout);
	return 0;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * One process, two images: the first opens a UDP socket, sends --count
 * datagrams, waits --hold seconds and exec's --exec-as (a link to this
 * program under another name) with the socket open; the second sends
 * --count more on it, prints the result and stays --linger seconds.
 */
static int mode_exec_send(struct args *a)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, a->family, a->port);
	static char buf[65536];
	char fdarg[16], port[16], count[16], size[16], linger[32];
	int fd = a->fd >= 0 ? a->fd : udp_socket(a->family);

	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < a->count; i++) {
		if (sendto(fd, buf, a->size, 0, (struct sockaddr *)&ss, len) != a->size)
			die("sendto");
		if (i % 64 == 63)
			usleep(1000);
	}
	if (a->fd >= 0) {
		printf("{\"pid\":%d,\"sent\":%ld,\"datagrams\":%d}\n", getpid(),
		       2L * a->count * a->size, 2 * a->count);
		fflush(stdout);
		sleep_s(a->linger);
		return 0;
	}
	if (!a->exec_as)
		return 2;
	sleep_s(a->hold);
	snprintf(fdarg, sizeof(fdarg), "%d", fd);
	snprintf(port, sizeof(port), "%d", a->port);
	snprintf(count, sizeof(count), "%d", a->count);
	snprintf(size, sizeof(size), "%d", a->size);
	snprintf(linger, sizeof(linger), "%g", a->linger);
	execl(a->exec_as, a->exec_as, "exec-send", "--fd", fdarg, "--port", port, "--count", count,
	      "--size", size, "--linger", linger, "--family", a->family == 6 ? "6" : "4",
	      (char *)NULL);
	die("exec");
	return 1;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Serve --conns connections at once: accept them all, read each to EOF as
 * data comes, answer each with --reply bytes at its EOF and close it.
 */
static int mode_conns_server(struct args *a)
{
	int lfd = listen_on(a->family, &a->port), open_conns = 0;
	struct pollfd *p = calloc(a->conns + 1, sizeof(*p));
	static char buf[65536];
	long rx = 0, tx = 0;

	if (!p)
		die("calloc");
	printf("{\"ready\":true,\"pid\":%d,\"port\":%d}\n", getpid(), a->port);
	fflush(stdout);
	p[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	for (int i = 1; i <= a->conns; i++)
		p[i].fd = -1;
	for (int accepted = 0; accepted < a->conns || open_conns;) {
		if (poll(p, a->conns + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p[0].revents & POLLIN) {
			int c = accept(lfd, NULL, NULL);

			if (c < 0)
				die("accept");
			p[++accepted] = (struct pollfd){ .fd = c, .events = POLLIN };
			open_conns++;
			if (accepted == a->conns)
				p[0].fd = -1;
		}
		for (int i = 1; i <= a->conns; i++) {
			ssize_t r;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(p[i].fd, buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die("read");
			rx += r;
			if (r == 0) {
				tx += write_all(p[i].fd, a->reply);
				close(p[i].fd);
				p[i].fd = -1;
				open_conns--;
			}
		}
	}
	close(lfd);
	printf("{\"pid\":%d,\"received\":%ld,\"sent\":%ld}\n", getpid(), rx, tx);
	return 0;
}

/* SIGTERM ends the long-running modes cleanly: their result line still comes. */
static volatile sig_atomic_t stop_now;

static void on_term(int sig)
{
	stop_now = sig;
}

/*
 * --conns long connections from one process: --size bytes on each every
 * --every seconds for --hold seconds (or until SIGTERM), then each shut
 * down and its reply read to EOF.
 */
static int mode_long_conns(struct args *a)
{
	int *fds = calloc(a->conns, sizeof(int));
	double end, next;
	long tx = 0, rx = 0;

	if (!fds)
		die("calloc");
	signal(SIGTERM, on_term);
	for (int i = 0; i < a->conns; i++) {
		struct sockaddr_storage ss;
		socklen_t len = make_addr(&ss, a->family, a->port);

		fds[i] = socket(a->family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&ss, len))
			die("connect");
	}
	printf("{\"ready\":true,\"pid\":%d}\n", getpid());
	fflush(stdout);
	end = mono() + a->hold;
	for (next = mono(); !stop_now && mono() < end; next += a->every) {
		for (int i = 0; i < a->conns; i++)
			tx += write_all(fds[i], a->size);
		while (!stop_now && mono() < next + a->every)
			usleep(20000);
	}
	for (int i = 0; i < a->conns; i++) {
		shutdown(fds[i], SHUT_WR);
		rx += read_to_eof(fds[i]);
		close(fds[i]);
	}
	printf("{\"pid\":%d,\"sent\":%ld,\"received\":%ld}\n", getpid(), tx, rx);
	return 0;
}

/* Unconnected UDP at --rate datagrams a second for --hold seconds (or until SIGTERM). */
static int mode_udp_flood(struct args *a)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, a->family, a->port);
	int fd = udp_socket(a->family), per_tick = a->rate / 100 > 0 ? a->rate / 100 : 1;
	static char buf[65536];
	double end = mono() + a->hold, next = mono();
	long sent = 0, n = 0;

	signal(SIGTERM, on_term);
	memset(buf, 'f', sizeof(buf));
	/* 100 bursts a second: a steady rate without a timer per datagram. */
	while (!stop_now && mono() < end) {
		for (int i = 0; i < per_tick; i++) {
			ssize_t w = sendto(fd, buf, a->size, 0, (struct sockaddr *)&ss, len);

			if (w > 0) {
				sent += w;
				n++;
			}
		}
		next += 0.01;
		while (mono() < next && !stop_now)
			usleep(1000);
	}
	printf("{\"pid\":%d,\"sent\":%ld,\"datagrams\":%ld}\n", getpid(), sent, n);
	return 0;
}

static pid_t clone_with_pid(pid_t want)
{
	struct clone_args ca = { .exit_signal = SIGCHLD };

	if (want) {
		ca.set_tid = (uint64_t)(uintptr_t)&want;
		ca.set_tid_size = 1;
	}
	return syscall(SYS_clone3, &ca, sizeof(ca));
}

/*
 * Two processes with the same pid, one after the other (clone3 set_tid), each
 * sending one UDP datagram of its own size to the sink.
 */
static int mode_pid_reuse(struct args *a)
{
	long sizes[2] = { a->send, a->send2 };
	pid_t pid = 0;

	for (int i = 0; i < 2; i++) {
		int status;
		pid_t got = clone_with_pid(pid);

		if (got < 0)
			die("clone3");
		if (got == 0) {
			udp_send(a, 1, sizes[i]);
			_exit(0);
		}
		if (waitpid(got, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
		if (pid && got != pid)
			return 1;
		pid = got;
	}
	printf("{\"pid\":%d,\"first\":%ld,\"second\":%ld}\n", pid, a->send, a->send2);
	return 0;
}

static void usage(FILE *out)
{
	fputs("usage: np_workload MODE [--family 4|6] [--port P] [options]\n"
	      "  tcp-server --reply M --conns N       serve N connections: read to EOF, reply M\n"
	      "      [--accept-delay MS] [--linger S] pause before each accept; stay S s after\n"
	      "      [--server-closes --send N]       read N (not to EOF), reply, close first\n"
	      "  tcp-client --send N --expect M [--hold S]   send N, (keep it open S s,)\n"
	      "                                       shut down, read M\n"
	      "      [--server-closes]                no shutdown: read the reply to EOF\n"
	      "  short-clients --count C --send N --expect M   C client processes in turn\n"
	      "      [--parallel P]                   P of them at a time\n"
	      "      [--server-closes]                no shutdown: read the reply to EOF\n"
	      "  udp-sink --count K [--idle S]        receive K datagrams (or until S s idle)\n"
	      "  udp-send --count K --size S [--port2 Q]   K unconnected sendto() of S bytes\n"
	      "                                       (to Q as well, from the same socket)\n"
	      "      [--segment G]                    each sent as one GSO skb of G-byte segments\n"
	      "  prefork-server --reply M --conns N   listener by parent, served by a child\n"
	      "  pid-reuse --send A --send2 B         two processes with one pid, one datagram each\n"
	      "  conns-server --conns N --reply M    N connections at once: each read to EOF,\n"
	      "                                       then answered with M bytes\n"
	      "  long-conns --conns N --size S --every E --hold H   N connections, S bytes on\n"
	      "                                       each every E s for H s (or to SIGTERM)\n"
	      "  udp-flood --rate R --size S --hold H  R datagrams/s for H s (or to SIGTERM)\n"
	      "  exec-send --count K --size S --hold H --exec-as PATH [--linger L]\n"
	      "                                       K datagrams, H s later exec PATH with the\n"
	      "                                       socket open: K more from the new image\n",
	      out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "family", required_argument, NULL, 'f' },
		{ "port", required_argument, NULL, 'p' },
		{ "send", required_argument, NULL, 's' },
		{ "send2", required_argument, NULL, 'S' },
		{ "port2", required_argument, NULL, 'P' },
		{ "idle", required_argument, NULL, 'i' },
		{ "reply", required_argument, NULL, 'r' },
		{ "expect", required_argument, NULL, 'e' },
		{ "count", required_argument, NULL, 'c' },
		{ "conns", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 'z' },
		{ "segment", required_argument, NULL, 'g' },
		{ "hold", required_argument, NULL, 'H' },
		{ "server-closes", no_argument, NULL, 'C' },
		{ "parallel", required_argument, NULL, 'j' },
		{ "accept-delay", required_argument, NULL, 'd' },
		{ "linger", required_argument, NULL, 'l' },
		{ "exec-as", required_argument, NULL, 'x' },
		{ "fd", required_argument, NULL, 'F' },
		{ "every", required_argument, NULL, 'E' },
		{ "rate", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct args a = { .family = 4, .conns = 1, .count = 1, .size = 100, .fd = -1,
			  .every = 1 };
	const char *mode;
	int c;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': a.family = atoi(optarg); break;
		case 'p': a.port = atoi(optarg); break;
		case 's': a.send = atol(optarg); break;
		case 'S': a.send2 = atol(optarg); break;
		case 'P': a.port2 = atoi(optarg); break;
		case 'i': a.idle = atoi(optarg); break;
		case 'r': a.reply = atol(optarg); break;
		case 'e': a.expect = atol(optarg); break;
		case 'c': a.count = atoi(optarg); break;
		case 'n': a.conns = atoi(optarg); break;
		case 'z': a.size = atoi(optarg); break;
		case 'g': a.segment = atoi(optarg); break;
		case 'H': a.hold = atof(optarg); break;
		case 'C': a.server_closes = 1; break;
		case 'j': a.parallel = atoi(optarg); break;
		case 'd': a.accept_delay_ms = atoi(optarg); break;
		case 'l': a.linger = atof(optarg); break;
		case 'x': a.exec_as = optarg; break;
		case 'F': a.fd = atoi(optarg); break;
		case 'E': a.every = atof(optarg); break;
		case 'R': a.rate = atoi(optarg); break;
		default: usage(stderr); return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "tcp-server")) return mode_tcp_server(&a);
	if (!strcmp(mode, "tcp-client")) return mode_tcp_client(&a);
	if (!strcmp(mode, "short-clients")) return mode_short_clients(&a);
	if (!strcmp(mode, "udp-sink")) return mode_udp_sink(&a);
	if (!strcmp(mode, "udp-send")) return mode_udp_send(&a);
	if (!strcmp(mode, "prefork-server")) return mode_prefork_server(&a);
	if (!strcmp(mode, "pid-reuse")) return mode_pid_reuse(&a);
	if (!strcmp(mode, "exec-send")) return mode_exec_send(&a);
	if (!strcmp(mode, "conns-server")) return mode_conns_server(&a);
	if (!strcmp(mode, "long-conns")) return mode_long_conns(&a);
	if (!strcmp(mode, "udp-flood")) return mode_udp_flood(&a);
	usage(stderr);
	return 2;
}
