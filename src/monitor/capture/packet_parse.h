/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pure packet parsing for the AF_PACKET capture: link framing (Ethernet with
 * 802.1Q/802.1ad tags, loopback, raw IP), IPv4 with options and fragments,
 * IPv6 with extension headers, and the TCP/UDP/ICMP/ICMPv6 header that gives
 * ports and the transport payload. No I/O: unit tests feed it byte arrays.
 */
#ifndef NETOPROC_PACKET_PARSE_H
#define NETOPROC_PACKET_PARSE_H

#include <stddef.h>
#include <stdint.h>

enum pkt_result {
	PKT_PORTS = 0,		/* transport header parsed: ports (if any) valid */
	PKT_NO_PORTS,		/* IP parsed, no transport header (later fragment, cut short) */
	PKT_NOT_IP,		/* ARP, LLDP, ...: not counted */
	PKT_MALFORMED,		/* too short or inconsistent to say even who talks */
};

enum pkt_frag {
	PKT_FRAG_NONE = 0,
	PKT_FRAG_FIRST,		/* offset 0, more fragments follow */
	PKT_FRAG_LATER,		/* offset > 0: no transport header */
};

struct pkt_info {
	uint8_t saddr[16];	/* IPv4 as IPv4-mapped IPv6 */
	uint8_t daddr[16];
	uint16_t sport, dport;	/* host order; 0 without ports (ICMP, later fragments) */
	uint16_t family;	/* AF_INET / AF_INET6 */
	uint8_t protocol;	/* upper-layer protocol after extension headers */
	uint8_t tcp_flags;
	uint8_t frag;		/* enum pkt_frag */
	uint8_t vlan_depth;	/* tags found in the frame */
	uint32_t frag_id;	/* IPv4 identification or IPv6 fragment identification */
	uint32_t tcp_seq;	/* TCP sequence number (of the SYN, or the first data byte) */
	uint32_t ip_bytes;	/* IP total length: what the packet is on the wire at layer 3 */
	uint32_t hdr_bytes;	/* IP + transport header bytes */
	uint32_t payload;	/* transport payload (IP payload for later fragments) */
	uint16_t ip_off;	/* where the IP header starts in the frame */
};

/* Link-layer framing of a capture buffer: ARPHRD_* values. */
#define PKT_ARPHRD_ETHER	1
#define PKT_ARPHRD_LOOPBACK	772
#define PKT_ARPHRD_NONE		0xfffe

/*
 * Parse one captured frame. @buf holds the first @caplen bytes of a frame
 * that was @wirelen bytes long; @hatype is its ARPHRD_* type: Ethernet and
 * loopback frames start with an Ethernet header, anything else is raw IP.
 * IP lengths come from the headers, so a frame cut short by the capture's
 * snap length still gives exact byte counts.
 */
enum pkt_result pkt_parse(const uint8_t *buf, size_t caplen, uint32_t wirelen,
			  uint16_t hatype, struct pkt_info *p);

/* Parse from the IP header on; @wirelen is the length from the IP header on. */
enum pkt_result pkt_parse_ip(const uint8_t *buf, size_t caplen, uint32_t wirelen,
			     struct pkt_info *p);

#endif
