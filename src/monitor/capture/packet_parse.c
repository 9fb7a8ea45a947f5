// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "monitor/capture/packet_parse.h"

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88a8
#define ETH_P_QINQ1	0x9100	/* pre-standard outer tag, still seen on switches */
#define MAX_VLAN_TAGS	4
#define MAX_EXT_HDRS	10

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void map_v4(uint8_t out[16], const uint8_t *v4)
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, v4, 4);
}

/* The transport header at @l4 (@avail bytes captured); fills ports, payload. */
static enum pkt_result parse_l4(const uint8_t *l4, size_t avail, uint32_t l4_len,
				struct pkt_info *p)
{
	uint32_t hl;

	switch (p->protocol) {
	case IPPROTO_TCP:
		if (avail < 14 || l4_len < 20)
			goto no_ports;
		hl = (l4[12] >> 4) * 4u;
		if (hl < 20 || hl > l4_len)
			return PKT_MALFORMED;
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		p->tcp_flags = l4[13];
		p->tcp_seq = rd32(l4 + 4);
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		if (avail < 4 || l4_len < 8)
			goto no_ports;
		hl = 8;
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (l4_len < 8)
			goto no_ports;
		hl = 8;		/* type, code, checksum and the 4-byte rest of header */
		break;
	default:
		goto no_ports;
	}
	p->payload = l4_len - hl;
	return PKT_PORTS;
no_ports:
	p->payload = l4_len;
	return PKT_NO_PORTS;
}

static enum pkt_result finish(struct pkt_info *p, enum pkt_result r)
{
	p->hdr_bytes = p->ip_bytes - p->payload;
	return r;
}

static enum pkt_result parse_ipv4(const uint8_t *b, size_t caplen, uint32_t wirelen,
				  struct pkt_info *p)
{
	uint32_t ihl, tot, off;
	uint16_t fo;

	if (caplen < 20)
		return PKT_MALFORMED;
	ihl = (b[0] & 0xf) * 4u;
	if (ihl < 20)
		return PKT_MALFORMED;
	tot = rd16(b + 2);
	/* tot_len 0: a GSO packet above 64 KiB (BIG TCP); the frame says how long. */
	if (tot == 0 || (wirelen && tot > wirelen))
		tot = wirelen;
	if (tot < ihl)
		return PKT_MALFORMED;
	p->family = AF_INET;
	p->ip_bytes = tot;
	p->protocol = b[9];
	map_v4(p->saddr, b + 12);
	map_v4(p->daddr, b + 16);
	fo = rd16(b + 6);
	off = (fo & 0x1fff) * 8u;
	p->frag_id = rd16(b + 4);
	if (off) {
		p->frag = PKT_FRAG_LATER;
		p->payload = tot - ihl;
		return finish(p, PKT_NO_PORTS);
	}
	if (fo & 0x2000)
		p->frag = PKT_FRAG_FIRST;
	if (caplen < ihl) {
		p->payload = tot - ihl;
		return finish(p, PKT_NO_PORTS);
	}
	return finish(p, parse_l4(b + ihl, caplen - ihl, tot - ihl, p));
}

static enum pkt_result parse_ipv6(const uint8_t *b, size_t caplen, uint32_t wirelen,
				  struct pkt_info *p)
{
	uint32_t plen, tot, off = 40;
	uint8_t nh;

	if (caplen < 40)
		return PKT_MALFORMED;
	plen = rd16(b + 4);
	tot = 40 + plen;
	/* payload length 0: jumbogram or BIG TCP GSO packet; the frame says how long. */
	if (plen == 0 || (wirelen && tot > wirelen))
		tot = wirelen >= 40 ? wirelen : 40;
	p->family = AF_INET6;
	p->ip_bytes = tot;
	memcpy(p->saddr, b + 8, 16);
	memcpy(p->daddr, b + 24, 16);
	nh = b[6];
	for (int i = 0; i < MAX_EXT_HDRS; i++) {
		uint32_t len;

		switch (nh) {
		case 0:		/* hop-by-hop options */
		case 43:	/* routing */
		case 60:	/* destination options */
		case 135:	/* mobility */
		case 139:	/* HIP */
		case 140:	/* shim6 */
			if (caplen < off + 2)
				goto cut;
			len = (b[off + 1] + 1u) * 8;
			break;
		case 51:	/* authentication header */
			if (caplen < off + 2)
				goto cut;
			len = (b[off + 1] + 2u) * 4;
			break;
		case 44:	/* fragment */
			if (caplen < off + 8)
				goto cut;
			len = 8;
			p->frag_id = rd32(b + off + 4);
			if (rd16(b + off + 2) & 0xfff8) {
				p->frag = PKT_FRAG_LATER;
				p->protocol = b[off];
				if (off + len > tot)
					return PKT_MALFORMED;
				p->payload = tot - off - len;
				return finish(p, PKT_NO_PORTS);
			}
			if (rd16(b + off + 2) & 1)
				p->frag = PKT_FRAG_FIRST;
			break;
		default:
			p->protocol = nh;
			if (off > tot)
				return PKT_MALFORMED;
			if (caplen < off) {
				p->payload = tot - off;
				return finish(p, PKT_NO_PORTS);
			}
			return finish(p, parse_l4(b + off, caplen - off, tot - off, p));
		}
		nh = b[off];
		off += len;
		if (off > tot)
			return PKT_MALFORMED;
	}
cut:
	/* Header chain longer than we captured (or than we follow). */
	p->protocol = nh;
	p->payload = off <= tot ? tot - off : 0;
	return finish(p, PKT_NO_PORTS);
}

enum pkt_result pkt_parse_ip(const uint8_t *buf, size_t caplen, uint32_t wirelen,
			     struct pkt_info *p)
{
	memset(p, 0, sizeof(*p));
	if (caplen < 1)
		return PKT_MALFORMED;
	switch (buf[0] >> 4) {
	case 4:
		return parse_ipv4(buf, caplen, wirelen, p);
	case 6:
		return parse_ipv6(buf, caplen, wirelen, p);
	default:
		return PKT_NOT_IP;
	}
}

enum pkt_result pkt_parse(const uint8_t *buf, size_t caplen, uint32_t wirelen,
			  uint16_t hatype, struct pkt_info *p)
{
	size_t off = ETH_HLEN;
	uint16_t type;
	uint8_t depth = 0;
	enum pkt_result r;

	if (hatype != PKT_ARPHRD_ETHER && hatype != PKT_ARPHRD_LOOPBACK)
		return pkt_parse_ip(buf, caplen, wirelen, p);
	if (caplen < ETH_HLEN) {
		memset(p, 0, sizeof(*p));
		return PKT_MALFORMED;
	}
	type = rd16(buf + 12);
	while (type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ1) {
		if (++depth > MAX_VLAN_TAGS || caplen < off + 4) {
			memset(p, 0, sizeof(*p));
			return PKT_MALFORMED;
		}
		type = rd16(buf + off + 2);
		off += 4;
	}
	if (type != ETH_P_IP && type != ETH_P_IPV6) {
		memset(p, 0, sizeof(*p));
		return PKT_NOT_IP;
	}
	r = pkt_parse_ip(buf + off, caplen - off, wirelen > off ? wirelen - off : 0, p);
	p->vlan_depth = depth;
	p->ip_off = off;
	if (r == PKT_NOT_IP || (r != PKT_MALFORMED &&
				(p->family == AF_INET) != (type == ETH_P_IP)))
		return PKT_MALFORMED;
	return r;
}
