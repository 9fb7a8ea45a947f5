/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The classic BPF filter of the AF_PACKET ring: our host's packets only
 * (incoming to it, outgoing from it), cut to their headers, except those
 * whose contents are read: DNS messages and TLS handshake records.
 */
#ifndef NETOPROC_AFPACKET_FILTER_H
#define NETOPROC_AFPACKET_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

#define AFP_FILTER_MAX	64

/*
 * Build the filter into @f (room for AFP_FILTER_MAX). Packets to or from a
 * port in @dns_ports (0-terminated, at most 8; NULL: none) and TCP segments
 * whose data starts a TLS handshake record get @big_snap bytes, others @snap.
 * Returns the number of instructions.
 */
unsigned short afp_ring_filter(struct sock_filter *f, const uint16_t *dns_ports,
			       unsigned snap, unsigned big_snap);

#endif
