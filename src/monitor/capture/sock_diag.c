// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include "monitor/capture/sock_diag.h"

#define SD_BUF 65536

static uint32_t sd_seq;

int sd_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void map_v4(uint8_t out[16], const __be32 *v4)
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, v4, 4);
}

static bool is_v4_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, prefix, 12) == 0;
}

static void fill(const struct nlmsghdr *h, uint8_t protocol, struct sd_sock *s)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	int len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	const struct rtattr *a = (const struct rtattr *)(m + 1);

	memset(s, 0, sizeof(*s));
	s->family = m->idiag_family;
	s->protocol = protocol;
	s->state = m->idiag_state;
	s->lport = ntohs(m->id.idiag_sport);
	s->rport = ntohs(m->id.idiag_dport);
	s->cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	s->inode = m->idiag_inode;
	s->uid = m->idiag_uid;
	if (m->idiag_family == AF_INET) {
		map_v4(s->laddr, &m->id.idiag_src[0]);
		map_v4(s->raddr, &m->id.idiag_dst[0]);
	} else {
		memcpy(s->laddr, m->id.idiag_src, 16);
		memcpy(s->raddr, m->id.idiag_dst, 16);
	}
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == INET_DIAG_SKV6ONLY && RTA_PAYLOAD(a) >= 1)
			s->v6only = *(const uint8_t *)RTA_DATA(a);
		else if (a->rta_type == INET_DIAG_CGROUP_ID && RTA_PAYLOAD(a) >= 8)
			memcpy(&s->cgroup_id, RTA_DATA(a), 8);
	}
}

/* One request: a netlink header of @type, then the @len bytes of @body. */
static int send_req(int fd, uint16_t type, uint16_t flags, const void *body, size_t len)
{
	struct nlmsghdr nlh = {
		.nlmsg_len = NLMSG_LENGTH(len),
		.nlmsg_type = type,
		.nlmsg_flags = NLM_F_REQUEST | flags,
		.nlmsg_seq = ++sd_seq,
	};
	struct iovec iov[2] = { { &nlh, sizeof(nlh) }, { (void *)body, len } };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct msghdr m = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = iov,
			    .msg_iovlen = 2 };

	return sendmsg(fd, &m, 0) < 0 ? -errno : 0;
}

int sd_parse(const void *buf, size_t len, uint32_t seq, uint8_t protocol, bool dump, sd_fn fn,
	     void *ctx, int *stop, int *ret)
{
	const struct nlmsghdr *h;
	long n = len > SD_BUF ? SD_BUF : (long)len;
	struct sd_sock s;

	/*
	 * NLMSG_OK with the length signed: an unaligned last message takes n
	 * below 0, and (size_t)n would let the next header past the end pass.
	 */
	for (h = buf; n >= (long)sizeof(*h) && h->nlmsg_len >= sizeof(*h) &&
		      h->nlmsg_len <= (unsigned long)n; h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_seq != seq)
			continue;	/* the tail of an abandoned request */
		if (h->nlmsg_type == NLMSG_DONE) {
			*ret = 0;
			return 1;
		}
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			/*
			 * 0 is an acknowledgement; a short one, or an error that is
			 * no -errno (positive, below -4095: -INT_MIN is undefined),
			 * is no answer.
			 */
			*ret = h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || e->error > 0 ||
			       e->error < -4095 ? -EPROTO : e->error;
			return 1;
		}
		if ((h->nlmsg_type != SOCK_DIAG_BY_FAMILY && h->nlmsg_type != TCPDIAG_GETSOCK) ||
		    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
			continue;
		/* A dump keeps reading to NLMSG_DONE even after @fn says stop. */
		if (!*stop) {
			fill(h, protocol, &s);
			*stop = fn(&s, ctx);
		}
		if (!dump) {
			*ret = *stop;
			return 1;
		}
	}
	return 0;
}

/*
 * Read replies to the latest request: each socket goes to @fn; stops at
 * NLMSG_DONE, an error, or (for a single lookup) the first socket.
 */
static int read_replies(int fd, uint8_t protocol, bool dump, sd_fn fn, void *ctx)
{
	static __attribute__((aligned(8))) char buf[SD_BUF];
	int stop = 0, ret;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (sd_parse(buf, n, sd_seq, protocol, dump, fn, ctx, &stop, &ret))
			return ret;
	}
}

int sd_dump(int fd, uint8_t protocol, uint16_t family, sd_fn fn, void *ctx)
{
	struct inet_diag_req_v2 r = {
		.sdiag_family = family,
		.sdiag_protocol = protocol,
		.idiag_states = ~0u,
	};
	int err = send_req(fd, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &r, sizeof(r));

	return err ? err : read_replies(fd, protocol, true, fn, ctx);
}

/*
 * The legacy request (TCPDIAG_GETSOCK) dumps with no family: the kernel walks
 * its TCP table once for both, where SOCK_DIAG_BY_FAMILY walks all of it for
 * each family. Its replies are inet_diag_msg as the newer ones, under the
 * request's type.
 */
int sd_dump_tcp_both(int fd, sd_fn fn, void *ctx)
{
	struct inet_diag_req r = {
		.idiag_family = AF_INET,	/* not read by a dump */
		.idiag_states = ~0u,
	};
	int err = send_req(fd, TCPDIAG_GETSOCK, NLM_F_DUMP, &r, sizeof(r));

	return err ? err : read_replies(fd, IPPROTO_TCP, true, fn, ctx);
}

static int copy_one(const struct sd_sock *s, void *ctx)
{
	*(struct sd_sock *)ctx = *s;
	return 1;
}

int sd_lookup(int fd, uint8_t protocol, const uint8_t laddr[16], uint16_t lport,
	      const uint8_t raddr[16], uint16_t rport, struct sd_sock *out)
{
	struct inet_diag_req_v2 r = {
		.sdiag_protocol = protocol,
		.idiag_states = ~0u,
		.id.idiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE },
	};
	/*
	 * TCP looks the request up as (src = local, dst = remote); UDP passes
	 * src as the packet's source, i.e. the remote end ("src and dst are
	 * swapped for historical reasons", net/ipv4/udp_diag.c).
	 */
	bool swap = protocol != IPPROTO_TCP;
	const uint8_t *src = swap ? raddr : laddr, *dst = swap ? laddr : raddr;
	int err;

	r.id.idiag_sport = htons(swap ? rport : lport);
	r.id.idiag_dport = htons(swap ? lport : rport);
	if (is_v4_mapped(laddr) && is_v4_mapped(raddr)) {
		r.sdiag_family = AF_INET;
		memcpy(&r.id.idiag_src[0], src + 12, 4);
		memcpy(&r.id.idiag_dst[0], dst + 12, 4);
	} else {
		r.sdiag_family = AF_INET6;
		memcpy(r.id.idiag_src, src, 16);
		memcpy(r.id.idiag_dst, dst, 16);
	}
	if ((err = send_req(fd, SOCK_DIAG_BY_FAMILY, 0, &r, sizeof(r))))
		return err;
	err = read_replies(fd, protocol, false, copy_one, out);
	if (err == 1)
		return 0;
	return err ? err : -ENOENT;
}
