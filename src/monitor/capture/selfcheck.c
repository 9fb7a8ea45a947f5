// SPDX-License-Identifier: GPL-2.0-only
/*
 * The self-check's exchange and its verdict. Sizes are odd on purpose, so
 * that a count of headers or a doubled count cannot pass for them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "lib/util.h"
#include "monitor/capture/selfcheck.h"

#define SC_UP 1237	/* client -> server payload */
#define SC_DOWN 511	/* server -> client */

static int fail(char *why, size_t size, const char *what)
{
	int err = -errno;

	snprintf(why, size, "self-check: %s: %s", what, strerror(errno));
	return err ? err : -EIO;
}

/* Read exactly @len bytes. */
static int read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(fd, buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		got += n;
	}
	return 0;
}

static uint64_t cookie_of(int fd)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);

	return getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len) ? 0 : c;
}

void selfcheck_init(struct selfcheck *sc)
{
	memset(sc, 0, sizeof(*sc));
	for (int i = 0; i < SC_SOCKS; i++)
		sc->fd[i] = -1;
}

int selfcheck_exchange(struct selfcheck *sc, char *why, size_t size)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	char buf[SC_UP > SC_DOWN ? SC_UP : SC_DOWN];
	int *fd = sc->fd;

	selfcheck_init(sc);
	sc->started = now_monotonic();
	memset(buf, 'n', sizeof(buf));
	fd[SC_LISTENER] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd[SC_LISTENER] < 0 || bind(fd[SC_LISTENER], (struct sockaddr *)&a, sizeof(a)) ||
	    listen(fd[SC_LISTENER], 1) ||
	    getsockname(fd[SC_LISTENER], (struct sockaddr *)&a, &alen))
		return fail(why, size, "loopback listener");
	fd[SC_CLIENT] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd[SC_CLIENT] < 0 || connect(fd[SC_CLIENT], (struct sockaddr *)&a, sizeof(a)))
		return fail(why, size, "loopback connect");
	fd[SC_SERVER] = accept4(fd[SC_LISTENER], NULL, NULL, SOCK_CLOEXEC);
	if (fd[SC_SERVER] < 0)
		return fail(why, size, "loopback accept");
	if (send(fd[SC_CLIENT], buf, SC_UP, 0) != SC_UP || read_all(fd[SC_SERVER], buf, SC_UP) ||
	    send(fd[SC_SERVER], buf, SC_DOWN, 0) != SC_DOWN ||
	    read_all(fd[SC_CLIENT], buf, SC_DOWN))
		return fail(why, size, "loopback exchange");
	for (int i = 0; i < SC_SOCKS; i++)
		sc->cookie[i] = cookie_of(fd[i]);
	return 0;
}

bool selfcheck_owns(const struct selfcheck *sc, uint64_t cookie)
{
	for (int i = 0; cookie && i < SC_SOCKS; i++)
		if (sc->cookie[i] == cookie)
			return true;
	return false;
}

bool selfcheck_see(struct selfcheck *sc, const struct np_sock_record *r)
{
	for (int i = 0; r->cookie && i < SC_SOCKS; i++) {
		if (sc->cookie[i] == r->cookie) {
			sc->seen[i] = true;
			sc->rec[i] = *r;
			return true;
		}
	}
	return false;
}

/* One end of the exchange: owned by us, with exactly its payload, packets both ways. */
static int check_end(const struct selfcheck *sc, int i, const char *name, uint64_t tx,
		     uint64_t rx, char *why, size_t size)
{
	const struct np_sock_record *r = &sc->rec[i];

	if (!sc->seen[i])
		snprintf(why, size, "self-check: the %s socket is missing from what the kernel "
			 "reported (its packets were not attributed to it)", name);
	else if (!r->has_owner || r->owner.tgid != (uint32_t)getpid())
		snprintf(why, size, "self-check: the %s socket is attributed to pid %u, not to "
			 "netoproc (%d)", name, r->has_owner ? r->owner.tgid : 0, getpid());
	else if (r->c.tx_payload != tx || r->c.rx_payload != rx)
		snprintf(why, size, "self-check: the %s socket sent/received %llu/%llu bytes of "
			 "payload, not %llu/%llu", name, (unsigned long long)r->c.tx_payload,
			 (unsigned long long)r->c.rx_payload, (unsigned long long)tx,
			 (unsigned long long)rx);
	else if (!r->c.tx_packets || !r->c.rx_packets || r->c.tx_bytes <= tx ||
		 r->c.rx_bytes <= rx)
		snprintf(why, size, "self-check: the %s socket's IP counts are short (%llu/%llu "
			 "packets, %llu/%llu bytes)", name, (unsigned long long)r->c.tx_packets,
			 (unsigned long long)r->c.rx_packets, (unsigned long long)r->c.tx_bytes,
			 (unsigned long long)r->c.rx_bytes);
	else
		return 0;
	return -EPROTO;
}

int selfcheck_verdict(const struct selfcheck *sc, char *why, size_t size)
{
	int err;

	if ((err = check_end(sc, SC_CLIENT, "client", SC_UP, SC_DOWN, why, size)))
		return err;
	return check_end(sc, SC_SERVER, "server", SC_DOWN, SC_UP, why, size);
}

void selfcheck_close(struct selfcheck *sc)
{
	/* The client resets the server's socket, which is then closed with nothing to send. */
	static const int order[SC_SOCKS] = { SC_CLIENT, SC_SERVER, SC_LISTENER };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	for (int k = 0; k < SC_SOCKS; k++) {
		int i = order[k];

		if (sc->fd[i] < 0)
			continue;
		setsockopt(sc->fd[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(sc->fd[i]);
		sc->fd[i] = -1;
	}
}
