// SPDX-License-Identifier: GPL-2.0-only
/*
 * Written with labels and resolved after: classic BPF jumps are forward
 * offsets, and the number of port tests depends on --dns-port.
 *
 * Loads beyond the packet end a classic filter with 0, which would drop the
 * packet from the capture (and its bytes from the counts): every load here is
 * inside headers the preceding tests proved present, and the TLS test first
 * checks against the IP length that the segment has data.
 */
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include "monitor/capture/afpacket_filter.h"

#define TLS_HANDSHAKE	0x16

enum label { L_NONE, L_HOST, L_DROP, L_SNAP, L_BIG, L_V4, L_V6, L_PORTS, L_TCP_DATA, L_MAX };

struct builder {
	struct sock_filter *f;
	unsigned n;
	unsigned at[L_MAX];			/* where each label is */
	unsigned char jt[AFP_FILTER_MAX], jf[AFP_FILTER_MAX];	/* labels to resolve */
};

static void emit(struct builder *b, uint16_t code, uint32_t k, enum label jt, enum label jf)
{
	if (b->n >= AFP_FILTER_MAX)
		return;
	b->f[b->n] = (struct sock_filter)BPF_STMT(code, k);
	b->jt[b->n] = jt;
	b->jf[b->n] = jf;
	b->n++;
}

static void label(struct builder *b, enum label l)
{
	b->at[l] = b->n;
}

static void resolve(struct builder *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		if (b->jt[i])
			b->f[i].jt = b->at[b->jt[i]] - i - 1;
		if (b->jf[i])
			b->f[i].jf = b->at[b->jf[i]] - i - 1;
	}
}

/* A holds the protocol: UDP and TCP go on, anything else gets the short snap. */
static void skip_unless_udp_or_tcp(struct builder *b)
{
	emit(b, BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, L_NONE, L_NONE);
	b->f[b->n - 1].jt = 1;	/* over the TCP test */
	emit(b, BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, L_NONE, L_SNAP);
}

/* Scratch memory: the transport header offset, the IP packet length, the protocol. */
enum { M_L4 = 0, M_IPLEN = 1, M_PROTO = 2 };

unsigned short afp_ring_filter(struct sock_filter *f, const uint16_t *dns_ports,
			       unsigned snap, unsigned big_snap)
{
	struct builder b = { .f = f };
	unsigned nports = 0, ja_v4;

	while (dns_ports && nports < 8 && dns_ports[nports])
		nports++;
	emit(&b, BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE, 0, 0);
	emit(&b, BPF_JMP | BPF_JEQ | BPF_K, PACKET_HOST, L_HOST, L_NONE);
	emit(&b, BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, L_HOST, L_DROP);
	label(&b, L_HOST);
	emit(&b, BPF_LD | BPF_H | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL, 0, 0);
	emit(&b, BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, L_V4, L_NONE);
	emit(&b, BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, L_V6, L_SNAP);

	label(&b, L_V4);
	emit(&b, BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 9, 0, 0);
	emit(&b, BPF_ST, M_PROTO, 0, 0);
	skip_unless_udp_or_tcp(&b);
	emit(&b, BPF_LD | BPF_H | BPF_ABS, SKF_NET_OFF + 6, 0, 0);
	emit(&b, BPF_JMP | BPF_JSET | BPF_K, 0x1fff, L_SNAP, L_NONE);	/* later fragment */
	emit(&b, BPF_LD | BPF_H | BPF_ABS, SKF_NET_OFF + 2, 0, 0);
	emit(&b, BPF_ST, M_IPLEN, 0, 0);
	emit(&b, BPF_LDX | BPF_B | BPF_MSH, SKF_NET_OFF, 0, 0);
	ja_v4 = b.n;	/* JA takes its target in k: patched after resolve() */
	emit(&b, BPF_JMP | BPF_JA, 0, 0, 0);

	label(&b, L_V6);
	emit(&b, BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 6, 0, 0);
	emit(&b, BPF_ST, M_PROTO, 0, 0);
	skip_unless_udp_or_tcp(&b);
	emit(&b, BPF_LD | BPF_H | BPF_ABS, SKF_NET_OFF + 4, 0, 0);
	emit(&b, BPF_ALU | BPF_ADD | BPF_K, 40, 0, 0);
	emit(&b, BPF_ST, M_IPLEN, 0, 0);
	emit(&b, BPF_LDX | BPF_IMM, 40, 0, 0);

	label(&b, L_PORTS);
	emit(&b, BPF_STX, M_L4, 0, 0);
	for (unsigned side = 0; side < 2; side++) {
		emit(&b, BPF_LD | BPF_H | BPF_IND, SKF_NET_OFF + 2 * side, 0, 0);
		for (unsigned i = 0; i < nports; i++)
			emit(&b, BPF_JMP | BPF_JEQ | BPF_K, dns_ports[i], L_BIG, L_NONE);
	}
	/* TCP with data whose first byte starts a handshake record. */
	emit(&b, BPF_LD | BPF_MEM, M_PROTO, 0, 0);
	emit(&b, BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, L_TCP_DATA, L_SNAP);
	label(&b, L_TCP_DATA);
	emit(&b, BPF_LD | BPF_B | BPF_IND, SKF_NET_OFF + 12, 0, 0);	/* data offset */
	emit(&b, BPF_ALU | BPF_RSH | BPF_K, 4, 0, 0);
	emit(&b, BPF_ALU | BPF_LSH | BPF_K, 2, 0, 0);
	emit(&b, BPF_ALU | BPF_ADD | BPF_X, 0, 0, 0);	/* + transport offset */
	emit(&b, BPF_MISC | BPF_TAX, 0, 0, 0);
	emit(&b, BPF_LD | BPF_MEM, M_IPLEN, 0, 0);
	emit(&b, BPF_JMP | BPF_JGT | BPF_X, 0, L_NONE, L_SNAP);	/* no data: nothing to read */
	emit(&b, BPF_LD | BPF_B | BPF_IND, SKF_NET_OFF, 0, 0);
	emit(&b, BPF_JMP | BPF_JEQ | BPF_K, TLS_HANDSHAKE, L_BIG, L_SNAP);

	label(&b, L_SNAP);
	emit(&b, BPF_RET | BPF_K, snap, 0, 0);
	label(&b, L_BIG);
	emit(&b, BPF_RET | BPF_K, big_snap, 0, 0);
	label(&b, L_DROP);
	emit(&b, BPF_RET | BPF_K, 0, 0, 0);
	resolve(&b);
	b.f[ja_v4].k = b.at[L_PORTS] - ja_v4 - 1;
	return b.n;
}
