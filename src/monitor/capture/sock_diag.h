/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's socket table through NETLINK_SOCK_DIAG (inet_diag): full dumps
 * of TCP and UDP sockets, v4 and v6, and the one socket the kernel's own
 * lookup would deliver a given packet to.
 */
#ifndef NETOPROC_SOCK_DIAG_H
#define NETOPROC_SOCK_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sd_sock {
	uint64_t cookie;	/* socket cookie: unique within a boot */
	uint64_t cgroup_id;	/* cgroup of the creating task; 0 if the kernel does not say */
	uint32_t inode;		/* 0: no file (time-wait, request, orphaned) */
	uint32_t uid;
	uint8_t laddr[16];	/* IPv4 as IPv4-mapped IPv6 */
	uint8_t raddr[16];
	uint16_t lport, rport;	/* host order */
	uint16_t family;	/* AF_INET / AF_INET6 */
	uint8_t protocol;	/* IPPROTO_TCP / IPPROTO_UDP */
	uint8_t state;		/* TCP state number (UDP: 1 connected, 7 not) */
	uint8_t v6only;
};

typedef int (*sd_fn)(const struct sd_sock *s, void *ctx);

/*
 * The replies to request @seq in one recv()'s @len bytes at @buf (aligned as
 * netlink messages are): each socket to @fn until it returns non-zero (*stop,
 * 0 before the first buffer, carried over to the next); for a single lookup
 * (!@dump) the first socket ends the reply. Returns 1 with *ret when the
 * reply is complete (0 at NLMSG_DONE, NLMSG_ERROR's errno (0: an ack), or
 * -EPROTO for a malformed one or an error not in -4095..0, @fn's answer for a lookup), 0 when more must
 * be read. No I/O.
 */
int sd_parse(const void *buf, size_t len, uint32_t seq, uint8_t protocol, bool dump, sd_fn fn,
	     void *ctx, int *stop, int *ret);
/* A NETLINK_SOCK_DIAG socket, or -errno. */
int sd_open(void);
/* Every @protocol socket of @family; @fn's non-zero return stops the dump. */
int sd_dump(int fd, uint8_t protocol, uint16_t family, sd_fn fn, void *ctx);
/* Every TCP socket, IPv4 and IPv6, in one walk of the kernel's table; as sd_dump(). */
int sd_dump_tcp_both(int fd, sd_fn fn, void *ctx);
/*
 * The socket that owns traffic between local @laddr:@lport and remote
 * @raddr:@rport, by the kernel's lookup (established, then bound or
 * listening with wildcards). 0, -ENOENT, or another -errno.
 */
int sd_lookup(int fd, uint8_t protocol, const uint8_t laddr[16], uint16_t lport,
	      const uint8_t raddr[16], uint16_t rport, struct sd_sock *out);

#endif
