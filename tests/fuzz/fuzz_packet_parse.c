// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for pkt_parse() and pkt_parse_ip()
 * (src/monitor/capture/packet_parse.c). Input: one byte choosing the link
 * type (Ethernet, loopback, raw IP) and how the wire length relates to the
 * captured length, one byte of wire length, then the frame. Besides what the
 * sanitizers catch, it aborts when a promise of packet_parse.h is broken:
 *   - the result is one of enum pkt_result; frag one of enum pkt_frag;
 *   - with an IP header parsed: family AF_INET/AF_INET6, the IP header starts
 *     inside the captured bytes (ip_off = 14 + 4 per VLAN tag, 0 for raw IP)
 *     with at least 20/40 bytes captured, payload <= ip_bytes,
 *     hdr_bytes = ip_bytes - payload and at least the IP header, ip_bytes
 *     no more than the frame's wire length from ip_off (when that is known
 *     and at least what was captured);
 *   - ports, TCP flags and sequence are zero without a transport header
 *     (PKT_NO_PORTS, ICMP), a TCP/UDP header counts in hdr_bytes;
 *   - pkt_parse() of a frame says what pkt_parse_ip() says of its IP part;
 *   - fewer captured bytes (same wire length) never change ip_bytes, the
 *     addresses or the family, and give ports only when the whole frame does.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "monitor/capture/packet_parse.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static bool parsed(enum pkt_result r)
{
	return r == PKT_PORTS || r == PKT_NO_PORTS;
}

static void check_info(enum pkt_result r, const struct pkt_info *p, size_t caplen,
		       uint32_t wirelen, uint16_t hatype)
{
	bool link = hatype == PKT_ARPHRD_ETHER || hatype == PKT_ARPHRD_LOOPBACK;
	uint32_t min_hdr;

	CHECK(r == PKT_PORTS || r == PKT_NO_PORTS || r == PKT_NOT_IP || r == PKT_MALFORMED);
	CHECK(p->frag <= PKT_FRAG_LATER);
	if (!parsed(r))
		return;
	CHECK(p->family == AF_INET || p->family == AF_INET6);
	min_hdr = p->family == AF_INET ? 20 : 40;
	CHECK(p->vlan_depth <= 4);
	CHECK(p->ip_off == (link ? 14u + 4u * p->vlan_depth : 0u));
	CHECK((size_t)p->ip_off + min_hdr <= caplen);
	CHECK(p->payload <= p->ip_bytes);
	CHECK(p->hdr_bytes == p->ip_bytes - p->payload);
	CHECK(p->hdr_bytes >= min_hdr);
	if (wirelen >= caplen)
		CHECK(p->ip_bytes <= wirelen - p->ip_off);
	if (p->family == AF_INET) {
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

		CHECK(!memcmp(p->saddr, mapped, 12) && !memcmp(p->daddr, mapped, 12));
	}
	if (r == PKT_NO_PORTS || p->protocol == IPPROTO_ICMP || p->protocol == IPPROTO_ICMPV6)
		CHECK(!p->sport && !p->dport);
	if (r == PKT_NO_PORTS || p->protocol != IPPROTO_TCP)
		CHECK(!p->tcp_flags && !p->tcp_seq);
	if (r == PKT_PORTS) {
		CHECK(p->frag != PKT_FRAG_LATER);
		if (p->protocol == IPPROTO_TCP)
			CHECK(p->hdr_bytes >= min_hdr + 20);
		else
			CHECK(p->hdr_bytes >= min_hdr + 8);
	}
	if (p->frag == PKT_FRAG_LATER)
		CHECK(r == PKT_NO_PORTS);
}

static bool same_ip(const struct pkt_info *a, const struct pkt_info *b)
{
	return a->family == b->family && a->ip_bytes == b->ip_bytes &&
	       !memcmp(a->saddr, b->saddr, 16) && !memcmp(a->daddr, b->daddr, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { PKT_ARPHRD_ETHER, PKT_ARPHRD_LOOPBACK,
					  PKT_ARPHRD_NONE, 0 /* netrom: raw IP too */ };
	struct pkt_info p, q;
	enum pkt_result r, r2;
	uint16_t hatype;
	uint32_t wirelen;
	size_t caplen, cut;
	uint8_t *frame;

	if (size < 2)
		return 0;
	hatype = types[data[0] & 3];
	caplen = size - 2;
	switch ((data[0] >> 2) & 3) {
	case 0: wirelen = caplen; break;			/* all captured */
	case 1: wirelen = caplen + data[1] * 257u; break;	/* snap length cut it */
	case 2: wirelen = data[1]; break;			/* inconsistent, or 0 */
	default: wirelen = caplen + 65536u * (data[1] & 3); break; /* GSO, BIG TCP */
	}
	/* A copy of exactly caplen bytes: the sanitizer sees any read past it. */
	frame = malloc(caplen ? caplen : 1);
	CHECK(frame);
	memcpy(frame, data + 2, caplen);

	memset(&p, 0xa5, sizeof(p));
	r = pkt_parse(frame, caplen, wirelen, hatype, &p);
	check_info(r, &p, caplen, wirelen, hatype);

	if (parsed(r)) {
		/* The IP part alone says the same. */
		memset(&q, 0x5a, sizeof(q));
		r2 = pkt_parse_ip(frame + p.ip_off, caplen - p.ip_off,
				  p.ip_off && wirelen > p.ip_off ? wirelen - p.ip_off :
				  p.ip_off ? 0 : wirelen, &q);
		CHECK(r2 == r);
		q.vlan_depth = p.vlan_depth;
		q.ip_off = p.ip_off;
		CHECK(!memcmp(&p, &q, sizeof(p)));
	}

	if (caplen) {
		cut = (data[1] * 131u + (size > 2 ? data[size - 1] : 0)) % caplen;
		memset(&q, 0x5a, sizeof(q));
		r2 = pkt_parse(frame, cut, wirelen, hatype, &q);
		check_info(r2, &q, cut, wirelen, hatype);
		if (parsed(r) && parsed(r2) && wirelen >= caplen) {
			CHECK(same_ip(&p, &q));
			if (r2 == PKT_PORTS && (q.sport || q.dport))
				CHECK(r == PKT_PORTS && p.sport == q.sport && p.dport == q.dport);
		}
	}
	free(frame);
	return 0;
}
