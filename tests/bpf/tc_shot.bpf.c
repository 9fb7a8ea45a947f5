// SPDX-License-Identifier: GPL-2.0-only
/*
 * A tc program that drops every packet (TC_ACT_SHOT): the diagnose tests attach it
 * to a veth's ingress in a namespace of their own to make the kernel drop with
 * SKB_DROP_REASON_TC_INGRESS, since this kernel has no tc drop action module.
 */
#define SEC(name) __attribute__((section(name), used))
#define TC_ACT_SHOT 2	/* include/uapi/linux/pkt_cls.h */

struct __sk_buff;

SEC("tc")
int np_tc_shot(struct __sk_buff *skb)
{
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
