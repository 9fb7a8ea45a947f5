// SPDX-License-Identifier: GPL-2.0-only
/*
 * AF_PACKET capture in several network namespaces (--netns, --netns all): an
 * AF_PACKET socket and a NETLINK_SOCK_DIAG socket see only the namespace they were
 * made in, so each namespace gets a capture of its own, made after entering it, and
 * attributes its packets through its own socket table. This feeds them all into one
 * model, in one dump. Namespaces made after the start are not watched.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/netns.h"
#include "lib/util.h"
#include "monitor/capture/capture.h"

#define NETNS_MAX 64
#define POLLFDS_EACH 3	/* what one AF_PACKET capture polls (afp_pollfds) */

struct afp_multi {
	struct capture sub[NETNS_MAX];
	int n;
};

static int multi_pollfds(struct capture *c, struct pollfd *out, int max)
{
	struct afp_multi *mu = c->priv;
	int n = 0;

	for (int i = 0; i < mu->n && n < max; i++)
		n += mu->sub[i].pollfds(&mu->sub[i], out + n, max - n);
	return n;
}

static int multi_wait(struct capture *c, struct np_model *m, int timeout_ms)
{
	struct afp_multi *mu = c->priv;
	struct pollfd pfd[NETNS_MAX * POLLFDS_EACH];
	int n = multi_pollfds(c, pfd, NETNS_MAX * POLLFDS_EACH), err;

	if (poll(pfd, n, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < mu->n; i++)
		if ((err = mu->sub[i].wait(&mu->sub[i], m, 0)))
			return err;
	return 0;
}

static int multi_collect(struct capture *c, struct np_model *m)
{
	struct afp_multi *mu = c->priv;
	uint64_t lost = 0, overflow = 0, peers_full = 0;
	int err = 0;

	/* one dump over every namespace: a socket one lists is not gone for another's */
	model_begin_dump(m);
	for (int i = 0; i < mu->n && !err; i++) {
		err = mu->sub[i].collect(&mu->sub[i], m);
		lost += m->lost_records;
		overflow += m->stat[NP_STAT_UNKNOWN_OVERFLOW];
		peers_full += m->stat[NP_STAT_PEERS_FULL];
	}
	model_end_dump(m);
	m->lost_records = lost;
	m->stat[NP_STAT_UNKNOWN_OVERFLOW] = overflow;
	m->stat[NP_STAT_PEERS_FULL] = peers_full;
	return err;
}

static void multi_close(struct capture *c)
{
	struct afp_multi *mu = c->priv;

	if (!mu)
		return;
	for (int i = 0; i < mu->n; i++)
		mu->sub[i].close(&mu->sub[i]);
	free(mu);
	c->priv = NULL;
}

int afpacket_netns_open(struct capture *c, const struct capture_opts *o)
{
	uint64_t all[NETNS_MAX];
	const uint64_t *want = o->netns;
	int nwant = o->nnetns, home, err = 0;
	struct afp_multi *mu;

	if (o->netns_all) {
		want = all;
		nwant = netns_inodes(all, NETNS_MAX);
	}
	if (nwant > NETNS_MAX) {
		np_err("--netns: at most %d namespaces", NETNS_MAX);
		return -EINVAL;
	}
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0 || !(mu = calloc(1, sizeof(*mu)))) {
		err = home < 0 ? -errno : -ENOMEM;
		np_err("--netns: %s", strerror(-err));
		if (home >= 0)
			close(home);
		return err;
	}
	c->priv = mu;
	for (int i = 0; i < nwant && !err; i++) {
		int fd = netns_open_inode(want[i]);

		if (fd < 0) {	/* gone since: said, not fatal */
			np_err("--netns: namespace %llu is gone: not watched",
			       (unsigned long long)want[i]);
			continue;
		}
		if (setns(fd, CLONE_NEWNET)) {
			err = -errno;
			np_err("--netns: cannot enter namespace %llu: %s",
			       (unsigned long long)want[i], strerror(-err));
		} else {
			err = afpacket_capture_open(&mu->sub[mu->n], o);
			if (!err)
				afpacket_capture_instance(&mu->sub[mu->n], mu->n), mu->n++;
		}
		close(fd);
		/* back home whatever happened: the rest of netoproc lives there */
		if (setns(home, CLONE_NEWNET)) {
			np_err("--netns: cannot come back to our namespace: %s", strerror(errno));
			err = -errno;
			break;
		}
	}
	close(home);
	if (!err && !mu->n) {
		np_err("--netns: no namespace to watch");
		err = -ENOENT;
	}
	if (err) {
		multi_close(c);
		return err;
	}
	c->mode = "afpacket";
	c->attach = "tpacket_v3";
	c->payload_missing = mu->sub[0].payload_missing;
	c->wait = multi_wait;
	c->collect = multi_collect;
	c->close = multi_close;
	c->pollfds = multi_pollfds;
	np_info("afpacket: a ring in each of %d network namespaces", mu->n);
	return 0;
}
