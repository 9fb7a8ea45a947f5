/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Errors reported to an inet socket (sock:inet_sk_error_report): an ICMP error
 * reaching a connected UDP socket (or one with IP_RECVERR) or a connecting TCP
 * one, a reset, a timeout. The socket's inode names its process in /proc.
 */
#ifndef NETOPROC_SOCKERR_ABI_H
#define NETOPROC_SOCKERR_ABI_H

struct np_sockerr_event {
	__u64 inode;		/* the socket's inode, 0 when it has no file any more */
	__u32 netns;		/* inode of the socket's network namespace */
	__s32 err;		/* sk_err: a positive errno */
	__u8 family;		/* AF_INET, AF_INET6 */
	__u8 protocol;		/* IPPROTO_UDP, IPPROTO_TCP, ... */
	__u16 sport, dport;	/* host order */
	__u8 pad[2];
	__u8 saddr[16], daddr[16];	/* IPv4 as IPv4-mapped */
};

enum np_sockerr_stat {
	NP_SOCKERR_STAT_SEEN = 0,	/* error reports */
	NP_SOCKERR_STAT_LOST,		/* ... the ring buffer had no room for */
	NP_SOCKERR_STAT_MAX,
};

#endif
