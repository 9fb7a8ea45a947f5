// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pcap filter region alone, for the differential test of the translator
 * (tests/unit/test_pcap_filter.c): run through BPF_PROG_TEST_RUN with the
 * index of a packet the test stored, it writes the filter's result for it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpf/pcap_region.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define NP_TEST_PKTS 20000	/* keep in sync with tests/unit/test_pcap_filter.c */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NP_TEST_PKTS);
	__type(key, __u32);
	__type(value, struct np_pktbuf);
} pkts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NP_TEST_PKTS);
	__type(key, __u32);
	__type(value, __u32);
} caplens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NP_TEST_PKTS);
	__type(key, __u32);
	__type(value, __u64);
} results SEC(".maps");

SEC("raw_tp")
int run_filter(__u64 *ctx)
{
	__u32 i = ctx[0];
	struct np_pktbuf *b = bpf_map_lookup_elem(&pkts, &i);
	__u32 *caplen = bpf_map_lookup_elem(&caplens, &i);
	__u64 *res = bpf_map_lookup_elem(&results, &i);

	if (b && caplen && res)
		*res = np_pcap_region(b, *caplen);
	return 0;
}
