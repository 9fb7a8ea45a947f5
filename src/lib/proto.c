// SPDX-License-Identifier: GPL-2.0-only
#include <netinet/in.h>
#include <stddef.h>
#include "lib/proto.h"

const char *ip_proto_name(uint8_t proto)
{
	/* tcpdump's names, so that a name shown is one a pcap filter takes. */
	static const struct { uint8_t n; const char *s; } names[] = {
		{ IPPROTO_ICMP, "icmp" }, { IPPROTO_IGMP, "igmp" }, { IPPROTO_IPIP, "ipip" },
		{ IPPROTO_TCP, "tcp" }, { IPPROTO_UDP, "udp" }, { IPPROTO_IPV6, "ipv6" },
		{ IPPROTO_GRE, "gre" }, { IPPROTO_ESP, "esp" }, { IPPROTO_AH, "ah" },
		{ IPPROTO_ICMPV6, "icmp6" }, { 89, "ospf" }, { IPPROTO_PIM, "pim" },
		{ 112, "vrrp" }, { IPPROTO_SCTP, "sctp" }, { IPPROTO_UDPLITE, "udplite" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].n == proto)
			return names[i].s;
	return NULL;
}
