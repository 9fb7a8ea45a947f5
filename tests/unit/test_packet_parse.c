// SPDX-License-Identifier: GPL-2.0-only
/* src/monitor/capture/packet_parse.c on hand-built frames: framing, IP options and extension headers. */
#include <netinet/in.h>
#include <sys/socket.h>
#include "harness.h"
#include "monitor/capture/packet_parse.h"

struct frame {
	uint8_t b[2048];
	size_t len;
};

static void put8(struct frame *f, uint8_t v)
{
	f->b[f->len++] = v;
}

static void put16(struct frame *f, uint16_t v)
{
	put8(f, v >> 8);
	put8(f, v & 0xff);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void zeros(struct frame *f, size_t n)
{
	memset(f->b + f->len, 0, n);
	f->len += n;
}

static void eth(struct frame *f, const uint16_t *tags, int ntags, uint16_t type)
{
	zeros(f, 12);
	for (int i = 0; i < ntags; i++) {
		put16(f, tags[i]);
		put16(f, 100 + i);	/* TCI */
	}
	put16(f, type);
}

/* IPv4 header with @optlen option bytes (NOPs); returns its offset. */
static size_t ipv4(struct frame *f, uint8_t proto, uint16_t tot, uint16_t frag, size_t optlen)
{
	size_t at = f->len;

	put8(f, 0x40 | (5 + optlen / 4));
	put8(f, 0);
	put16(f, tot);
	put16(f, 0x1234);	/* id */
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put32(f, 0x0a000001);	/* 10.0.0.1 */
	put32(f, 0x0a000002);	/* 10.0.0.2 */
	for (size_t i = 0; i < optlen; i++)
		put8(f, 1);
	return at;
}

static void ipv6(struct frame *f, uint8_t nh, uint16_t plen)
{
	put32(f, 0x60000000);
	put16(f, plen);
	put8(f, nh);
	put8(f, 64);
	zeros(f, 15);
	put8(f, 1);		/* ::1 */
	put16(f, 0x2001);
	put16(f, 0x0db8);
	zeros(f, 11);
	put8(f, 2);		/* 2001:db8::2 */
}

static void tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t optwords, uint8_t flags)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, 1);
	put32(f, 0);
	put8(f, (5 + optwords) << 4);
	put8(f, flags);
	put16(f, 65535);
	put32(f, 0);
	for (int i = 0; i < optwords * 4; i++)
		put8(f, 1);
}

static void udp(struct frame *f, uint16_t sport, uint16_t dport, uint16_t len)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, len);
	put16(f, 0);
}

static void eth_ipv4_tcp(void)
{
	struct frame f = {};
	struct pkt_info p;

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_TCP, 20 + 32 + 1000, 0, 0);
	tcp(&f, 40000, 443, 3, 0x18);
	/* Only the headers are captured; the lengths come from them. */
	CHECK_EQ_U64(pkt_parse(f.b, f.len, 14 + 1052, PKT_ARPHRD_ETHER, &p), PKT_PORTS);
	CHECK_EQ_U64(p.family, AF_INET);
	CHECK_EQ_U64(p.protocol, IPPROTO_TCP);
	CHECK_EQ_U64(p.sport, 40000);
	CHECK_EQ_U64(p.dport, 443);
	CHECK_EQ_U64(p.ip_bytes, 1052);
	CHECK_EQ_U64(p.payload, 1000);
	CHECK_EQ_U64(p.hdr_bytes, 52);
	CHECK_EQ_U64(p.tcp_flags, 0x18);
	CHECK_EQ_U64(p.tcp_seq, 1);
	CHECK_EQ_U64(p.saddr[10], 0xff);
	CHECK_EQ_U64(p.saddr[15], 1);
	CHECK_EQ_U64(p.daddr[15], 2);
	CHECK_EQ_U64(p.frag, PKT_FRAG_NONE);
}

static void ethernet_padding_ignored(void)
{
	struct frame f = {};
	struct pkt_info p;

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_TCP, 40, 0, 0);
	tcp(&f, 1, 2, 0, 0x10);
	zeros(&f, 6);		/* minimum Ethernet frame */
	CHECK_EQ_U64(pkt_parse(f.b, f.len, f.len, PKT_ARPHRD_ETHER, &p), PKT_PORTS);
	CHECK_EQ_U64(p.ip_bytes, 40);
	CHECK_EQ_U64(p.payload, 0);
}

static void vlan_8021q(void)
{
	static const uint16_t tags[] = { 0x8100 };
	struct frame f = {};
	struct pkt_info p;

	eth(&f, tags, 1, 0x0800);
	ipv4(&f, IPPROTO_UDP, 20 + 8 + 100, 0, 0);
	udp(&f, 5353, 53, 108);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, 18 + 128, PKT_ARPHRD_ETHER, &p), PKT_PORTS);
	CHECK_EQ_U64(p.vlan_depth, 1);
	CHECK_EQ_U64(p.protocol, IPPROTO_UDP);
	CHECK_EQ_U64(p.sport, 5353);
	CHECK_EQ_U64(p.dport, 53);
	CHECK_EQ_U64(p.payload, 100);
	CHECK_EQ_U64(p.ip_bytes, 128);
}

static void vlan_qinq(void)
{
	static const uint16_t tags[] = { 0x88a8, 0x8100 };
	struct frame f = {};
	struct pkt_info p;

	eth(&f, tags, 2, 0x86dd);
	ipv6(&f, IPPROTO_TCP, 20 + 10);
	tcp(&f, 22, 50000, 0, 0x18);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, f.len + 10, PKT_ARPHRD_ETHER, &p), PKT_PORTS);
	CHECK_EQ_U64(p.vlan_depth, 2);
	CHECK_EQ_U64(p.family, AF_INET6);
	CHECK_EQ_U64(p.sport, 22);
	CHECK_EQ_U64(p.dport, 50000);
	CHECK_EQ_U64(p.payload, 10);
	CHECK_EQ_U64(p.ip_bytes, 70);
}

static void vlan_too_deep(void)
{
	static const uint16_t tags[] = { 0x8100, 0x8100, 0x8100, 0x8100, 0x8100 };
	struct frame f = {};
	struct pkt_info p;

	eth(&f, tags, 5, 0x0800);
	ipv4(&f, IPPROTO_UDP, 28, 0, 0);
	udp(&f, 1, 2, 8);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, f.len, PKT_ARPHRD_ETHER, &p), PKT_MALFORMED);
}

static void loopback_frame(void)
{
	struct frame f = {};
	struct pkt_info p;

	eth(&f, NULL, 0, 0x0800);	/* lo carries an all-zero Ethernet header */
	ipv4(&f, IPPROTO_UDP, 28 + 1200, 0, 0);
	udp(&f, 40001, 9999, 1208);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, 14 + 1228, PKT_ARPHRD_LOOPBACK, &p), PKT_PORTS);
	CHECK_EQ_U64(p.payload, 1200);
	CHECK_EQ_U64(p.ip_bytes, 1228);
}

static void raw_ip_tun(void)
{
	struct frame f = {};
	struct pkt_info p;

	ipv4(&f, IPPROTO_TCP, 40 + 500, 0, 0);
	tcp(&f, 51820, 80, 0, 0x10);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, 540, PKT_ARPHRD_NONE, &p), PKT_PORTS);
	CHECK_EQ_U64(p.payload, 500);
	f.len = 0;
	ipv6(&f, IPPROTO_UDP, 8 + 64);
	udp(&f, 1000, 2000, 72);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, 112, 65534 /* ARPHRD_NONE */, &p), PKT_PORTS);
	CHECK_EQ_U64(p.family, AF_INET6);
	CHECK_EQ_U64(p.payload, 64);
	CHECK_EQ_U64(p.ip_bytes, 112);
	CHECK_EQ_U64(p.saddr[15], 1);
	CHECK_EQ_U64(p.daddr[0], 0x20);
}

static void ipv4_options(void)
{
	struct frame f = {};
	struct pkt_info p;

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_TCP, 32 + 20 + 300, 0, 12);
	tcp(&f, 1234, 80, 0, 0x18);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, 14 + 352, PKT_ARPHRD_ETHER, &p), PKT_PORTS);
	CHECK_EQ_U64(p.sport, 1234);
	CHECK_EQ_U64(p.dport, 80);
	CHECK_EQ_U64(p.payload, 300);
	CHECK_EQ_U64(p.hdr_bytes, 52);
}

static void ipv4_fragments(void)
{
	struct frame f = {};
	struct pkt_info p;

	/* First fragment: MF set, offset 0: ports and part of the payload. */
	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_UDP, 1500, 0x2000, 0);
	udp(&f, 7000, 8000, 3008);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, 1514, PKT_ARPHRD_ETHER, &p), PKT_PORTS);
	CHECK_EQ_U64(p.frag, PKT_FRAG_FIRST);
	CHECK_EQ_U64(p.frag_id, 0x1234);
	CHECK_EQ_U64(p.sport, 7000);
	CHECK_EQ_U64(p.payload, 1472);
	/* A later fragment: no transport header, everything after IP is payload. */
	f.len = 0;
	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_UDP, 20 + 1480, 0x2000 | (1480 / 8), 0);
	zeros(&f, 16);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, 1514, PKT_ARPHRD_ETHER, &p), PKT_NO_PORTS);
	CHECK_EQ_U64(p.frag, PKT_FRAG_LATER);
	CHECK_EQ_U64(p.frag_id, 0x1234);
	CHECK_EQ_U64(p.protocol, IPPROTO_UDP);
	CHECK_EQ_U64(p.sport, 0);
	CHECK_EQ_U64(p.payload, 1480);
	CHECK_EQ_U64(p.ip_bytes, 1500);
}

static void ipv6_extension_headers(void)
{
	struct frame f = {};
	struct pkt_info p;

	/* hop-by-hop (8) -> routing (24) -> destination options (16) -> TCP */
	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, 0, 8 + 24 + 16 + 20 + 77);
	put8(&f, 43); put8(&f, 0); zeros(&f, 6);
	put8(&f, 60); put8(&f, 2); zeros(&f, 22);
	put8(&f, IPPROTO_TCP); put8(&f, 1); zeros(&f, 14);
	tcp(&f, 8080, 33000, 0, 0x11);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, f.len + 77, PKT_ARPHRD_ETHER, &p), PKT_PORTS);
	CHECK_EQ_U64(p.protocol, IPPROTO_TCP);
	CHECK_EQ_U64(p.sport, 8080);
	CHECK_EQ_U64(p.dport, 33000);
	CHECK_EQ_U64(p.payload, 77);
	CHECK_EQ_U64(p.ip_bytes, 40 + 145);
	CHECK_EQ_U64(p.hdr_bytes, 40 + 68);
}

static void ipv6_fragments(void)
{
	struct frame f = {};
	struct pkt_info p;

	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, 44, 8 + 8 + 1000);
	put8(&f, IPPROTO_UDP); put8(&f, 0); put16(&f, 0x0001); put32(&f, 0xabcdef01);
	udp(&f, 4000, 5000, 3000);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, 14 + 1056, PKT_ARPHRD_ETHER, &p), PKT_PORTS);
	CHECK_EQ_U64(p.frag, PKT_FRAG_FIRST);
	CHECK_EQ_U64(p.frag_id, 0xabcdef01);
	CHECK_EQ_U64(p.protocol, IPPROTO_UDP);
	CHECK_EQ_U64(p.sport, 4000);
	CHECK_EQ_U64(p.payload, 1000);

	f.len = 0;
	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, 44, 8 + 1200);
	put8(&f, IPPROTO_UDP); put8(&f, 0); put16(&f, 1008 | 1); put32(&f, 0xabcdef01);
	zeros(&f, 20);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, 14 + 1248, PKT_ARPHRD_ETHER, &p), PKT_NO_PORTS);
	CHECK_EQ_U64(p.frag, PKT_FRAG_LATER);
	CHECK_EQ_U64(p.protocol, IPPROTO_UDP);
	CHECK_EQ_U64(p.payload, 1200);
	CHECK_EQ_U64(p.ip_bytes, 1248);
}

static void icmp_and_icmpv6(void)
{
	struct frame f = {};
	struct pkt_info p;

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_ICMP, 84, 0, 0);
	put8(&f, 8); put8(&f, 0); zeros(&f, 6);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, 98, PKT_ARPHRD_ETHER, &p), PKT_PORTS);
	CHECK_EQ_U64(p.protocol, IPPROTO_ICMP);
	CHECK_EQ_U64(p.payload, 56);
	CHECK_EQ_U64(p.sport, 0);

	f.len = 0;
	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, 0, 8 + 8 + 56);		/* hop-by-hop, then ICMPv6 echo */
	put8(&f, IPPROTO_ICMPV6); put8(&f, 0); zeros(&f, 6);
	put8(&f, 128); put8(&f, 0); zeros(&f, 6);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, f.len + 56, PKT_ARPHRD_ETHER, &p), PKT_PORTS);
	CHECK_EQ_U64(p.protocol, IPPROTO_ICMPV6);
	CHECK_EQ_U64(p.payload, 56);
	CHECK_EQ_U64(p.ip_bytes, 112);
}

static void truncated(void)
{
	struct frame f = {};
	struct pkt_info p;
	size_t full;

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_TCP, 40 + 100, 0, 0);
	tcp(&f, 1, 2, 0, 0x10);
	full = f.len;
	/* Cut inside the Ethernet header, the IP header, the TCP header. */
	CHECK_EQ_U64(pkt_parse(f.b, 10, 154, PKT_ARPHRD_ETHER, &p), PKT_MALFORMED);
	CHECK_EQ_U64(pkt_parse(f.b, 14 + 12, 154, PKT_ARPHRD_ETHER, &p), PKT_MALFORMED);
	CHECK_EQ_U64(pkt_parse(f.b, 14 + 20 + 6, 154, PKT_ARPHRD_ETHER, &p), PKT_NO_PORTS);
	CHECK_EQ_U64(p.ip_bytes, 140);
	CHECK_EQ_U64(p.payload, 120);
	CHECK_EQ_U64(pkt_parse(f.b, full, 154, PKT_ARPHRD_ETHER, &p), PKT_PORTS);
	/* A TCP data offset pointing past the packet. */
	f.b[14 + 20 + 12] = 0xf0;
	f.b[14 + 2] = 0; f.b[14 + 3] = 50;
	CHECK_EQ_U64(pkt_parse(f.b, full, 64, PKT_ARPHRD_ETHER, &p), PKT_MALFORMED);
	/* IPv6 extension chain running past the capture. */
	f.len = 0;
	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, 0, 200);
	put8(&f, 60);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, 14 + 240, PKT_ARPHRD_ETHER, &p), PKT_NO_PORTS);
	CHECK_EQ_U64(p.ip_bytes, 240);
}

static void not_ip(void)
{
	struct frame f = {};
	struct pkt_info p;

	eth(&f, NULL, 0, 0x0806);	/* ARP */
	zeros(&f, 28);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, f.len, PKT_ARPHRD_ETHER, &p), PKT_NOT_IP);
	/* Ethertype IPv4 with an IPv6 header behind it. */
	f.len = 0;
	eth(&f, NULL, 0, 0x0800);
	ipv6(&f, IPPROTO_UDP, 8);
	udp(&f, 1, 2, 8);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, f.len, PKT_ARPHRD_ETHER, &p), PKT_MALFORMED);
}

static void gso_super_packet(void)
{
	struct frame f = {};
	struct pkt_info p;

	/* tot_len 0: BIG TCP above 64 KiB; the frame length gives the size. */
	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, IPPROTO_TCP, 0, 0x4000, 0);
	tcp(&f, 1, 2, 3, 0x10);
	CHECK_EQ_U64(pkt_parse(f.b, f.len, 14 + 52 + 100000, PKT_ARPHRD_ETHER, &p), PKT_PORTS);
	CHECK_EQ_U64(p.ip_bytes, 100052);
	CHECK_EQ_U64(p.payload, 100000);
	CHECK_EQ_U64(p.frag, PKT_FRAG_NONE);	/* DF is not a fragment */
}

TEST_MAIN(T(eth_ipv4_tcp), T(ethernet_padding_ignored), T(vlan_8021q), T(vlan_qinq),
	  T(vlan_too_deep), T(loopback_frame), T(raw_ip_tun), T(ipv4_options), T(ipv4_fragments),
	  T(ipv6_extension_headers), T(ipv6_fragments), T(icmp_and_icmpv6), T(truncated),
	  T(not_ip), T(gso_super_packet))
