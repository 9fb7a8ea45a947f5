// SPDX-License-Identifier: GPL-2.0-only
/* The stages and their tracepoints (latency_stages.h). */
#include <string.h>
#include "latency/latency_stages.h"

#define B(p) (1u << (p))

/* Keep in sync with the LAT_PROBE and LAT_SEND lines of src/bpf/latency.bpf.c. */
const struct lat_point_info lat_points[LP_MAX] = {
	[LP_NET_DEV_QUEUE] = { "net_dev_queue", "net", 2, LAT_MODE_STAGES },
	[LP_QDISC_ENQUEUE] = { "qdisc_enqueue", "qdisc", 4, LAT_MODE_STAGES },
	[LP_QDISC_DEQUEUE] = { "qdisc_dequeue", "qdisc", 5, LAT_MODE_STAGES },
	[LP_NET_DEV_START_XMIT] = { "net_dev_start_xmit", "net", 3, LAT_MODE_STAGES },
	[LP_NET_DEV_XMIT] = { "net_dev_xmit", "net", 3, LAT_MODE_STAGES },
	[LP_NETIF_RECEIVE_SKB] = { "netif_receive_skb", "net", 2, LAT_MODE_STAGES },
	[LP_SK_DATA_READY] = { "sk_data_ready", "sock", 2, LAT_MODE_STAGES },
	[LP_SKB_COPY_DATAGRAM_IOVEC] = { "skb_copy_datagram_iovec", "skb", 2, LAT_MODE_STAGES },
	[LP_CONSUME_SKB] = { "consume_skb", "skb", 2, LAT_MODE_STAGES },
	[LP_KFREE_SKB] = { "kfree_skb", "skb", 2, LAT_MODE_STAGES },
	[LP_SEND_CALLS] = { "sys_enter_sendmsg", "syscalls", 0, LAT_MODE_STAGES },
	[LP_INET_SOCK_SET_STATE] = { "inet_sock_set_state", "sock", 4, LAT_MODE_CONNS },
	[LP_TCP_RETRANSMIT_SKB] = { "tcp_retransmit_skb", "tcp", 3, LAT_MODE_CONNS },
	[LP_TCP_PROBE] = { "tcp_probe", "tcp", 2, LAT_MODE_CONNS },
	[LP_SOCK_SEND_LENGTH] = { "sock_send_length", "sock", 2, LAT_MODE_CONNS },
	/* Stages: UDP reads (see on_recv_length); connections: their process. */
	[LP_SOCK_RECV_LENGTH] = { "sock_recv_length", "sock", 4,
				  LAT_MODE_STAGES | LAT_MODE_CONNS },
};

/* Indexed by enum np_lat_stage (bpf/latency_abi.h). */
const struct lat_stage_info lat_stages[NP_LS_MAX] = {
	[NP_LS_RX_STACK] = { "rx_stack", B(LP_NETIF_RECEIVE_SKB) | B(LP_SK_DATA_READY) |
			     B(LP_SKB_COPY_DATAGRAM_IOVEC),
			     "device receive -> queued to the socket" },
	[NP_LS_RX_SOCKET_QUEUE] = { "rx_socket_queue", B(LP_NETIF_RECEIVE_SKB) |
				    B(LP_SK_DATA_READY) | B(LP_SKB_COPY_DATAGRAM_IOVEC),
				    "queued to the socket -> copied to the application" },
	[NP_LS_RX_TOTAL] = { "rx_total", B(LP_NETIF_RECEIVE_SKB) | B(LP_SKB_COPY_DATAGRAM_IOVEC),
			     "device receive -> copied to the application" },
	[NP_LS_TX_STACK] = { "tx_stack", B(LP_SEND_CALLS) | B(LP_NET_DEV_QUEUE),
			     "send call -> device queue (the call's first packet)" },
	[NP_LS_TX_QDISC] = { "tx_qdisc", B(LP_NET_DEV_QUEUE) | B(LP_QDISC_ENQUEUE) |
			     B(LP_QDISC_DEQUEUE), "qdisc enqueue -> dequeue" },
	[NP_LS_TX_DEVICE] = { "tx_device", B(LP_NET_DEV_QUEUE) | B(LP_NET_DEV_START_XMIT) |
			      B(LP_NET_DEV_XMIT) | B(LP_CONSUME_SKB) | B(LP_NETIF_RECEIVE_SKB),
			      "driver transmit -> freed, or handed to the receiver" },
	[NP_LS_TX_TOTAL] = { "tx_total", B(LP_SEND_CALLS) | B(LP_NET_DEV_QUEUE) |
			     B(LP_NET_DEV_START_XMIT) | B(LP_NET_DEV_XMIT) | B(LP_CONSUME_SKB) |
			     B(LP_NETIF_RECEIVE_SKB), "send call -> end of tx_device" },
	[NP_LS_VETH] = { "veth", B(LP_NET_DEV_QUEUE) | B(LP_NET_DEV_START_XMIT) |
			 B(LP_NETIF_RECEIVE_SKB), "veth transmit -> received on its peer" },
	[NP_LS_BRIDGE] = { "bridge", B(LP_NETIF_RECEIVE_SKB) | B(LP_NET_DEV_QUEUE),
			   "received on a bridge port -> out of another port or up the bridge" },
};

int lat_stage_missing(int stage, unsigned int have)
{
	unsigned int lack = lat_stages[stage].needs & ~have;

	for (int p = 0; p < LP_MAX; p++)
		if (lack & B(p))
			return p;
	return -1;
}

int lat_stage_by_name(const char *name)
{
	for (int s = 0; s < NP_LS_MAX; s++)
		if (strcmp(lat_stages[s].name, name) == 0)
			return s;
	return -1;
}
