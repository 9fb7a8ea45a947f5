/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The paged part of an skb, for the pcap filter: a TCP segment built by
 * sendmsg() carries its data in page fragments, and a filter on payload
 * (tcpdump's `tcp[((tcp[12:1] & 0xf0) >> 2):1] == 0x41`) needs those bytes
 * as libpcap sees them. A fragment is a page and an offset; its address is
 * page_address(page), which on x86-64 is
 *   page_offset_base + ((page - vmemmap_base) / sizeof(struct page)) << 12,
 * two kernel variables whose addresses userspace finds in /proc/kallsyms
 * (CONFIG_KALLSYMS_ALL) and writes here after attaching. Until then, where
 * the kernel does not list them, and on other architectures, fragments are
 * not read: those packets count as undecided (np_filter_short).
 * Included by skb.bpf.h.
 */
#ifndef NETOPROC_SKB_FRAGS_BPF_H
#define NETOPROC_SKB_FRAGS_BPF_H

/* Written by userspace (frag_bases_set): 0 not known, 1 read the variables at these addresses. */
__u32 np_frag_bases = 0;
__u64 np_page_offset_base_addr = 0;
__u64 np_vmemmap_base_addr = 0;
/* The values, read once. */
__u64 np_page_offset = 0;
__u64 np_vmemmap = 0;

#define NP_PAGE_SHIFT		12
#define NP_FRAGS_READ		2	/* fragments looked at: NP_PKT_MAX bytes are near the start */

/* skb_frag_t in every kernel: bio_vec's bv_page/bv_len/bv_offset, then netmem/len/offset. */
struct np_frag {
	__u64 page;		/* 6.8+ netmem: bit 0 set for memory that is not a page */
	__u32 len;
	__u32 off;
};

static __always_inline bool np_frag_bases_ready(void)
{
	if (np_page_offset)
		return true;
	if (np_frag_bases == 1) {
		__u64 pob = 0, vmb = 0;

		if (bpf_probe_read_kernel(&pob, sizeof(pob), (void *)np_page_offset_base_addr) ||
		    bpf_probe_read_kernel(&vmb, sizeof(vmb), (void *)np_vmemmap_base_addr))
			return false;
		np_vmemmap = vmb;
		np_page_offset = pob;
	}
	return np_page_offset != 0;
}

/*
 * Append the paged bytes after the @caplen linear ones copied into @b (all of
 * the linear data from the network header); returns the new length.
 */
static __always_inline __u32 np_copy_frags(struct sk_buff *skb, unsigned char *head,
					   struct np_pktbuf *b, __u32 caplen)
{
	__u64 page_size = bpf_core_type_size(struct page);
	struct skb_shared_info *sh;
	__u32 end, nr;

	if (!np_frag_bases || !np_frag_bases_ready() || !page_size)
		return caplen;
	end = BPF_CORE_READ(skb, end);
	sh = (struct skb_shared_info *)(head + end);
	nr = BPF_CORE_READ(sh, nr_frags);
	for (int i = 0; i < NP_FRAGS_READ; i++) {
		struct np_frag f;
		__u64 pfn, room, n, at;
		void *from;

		if (i >= nr || caplen >= NP_PKT_MAX)
			break;
		if (bpf_probe_read_kernel(&f, sizeof(f), (void *)sh +
					  bpf_core_field_offset(struct skb_shared_info, frags) +
					  i * bpf_core_type_size(skb_frag_t)))
			break;
		if ((f.page & 1) || f.page < np_vmemmap)
			break;		/* device memory (net_iov), or not a page */
		pfn = (f.page - np_vmemmap) / page_size;
		from = (void *)(np_page_offset + (pfn << NP_PAGE_SHIFT) + f.off);
		room = NP_PKT_MAX - caplen;
		n = f.len < room ? f.len : room;
		if (n > NP_PKT_MAX || !n)	/* bounds the verifier checks apart */
			break;
		/*
		 * caplen < NP_PKT_MAX and n <= NP_PKT_MAX here: the masks change nothing
		 * but show older verifiers, which lose the checks' bounds on copies.
		 */
		at = caplen;
		asm volatile("" : "+r"(n), "+r"(at));
		at &= NP_PKT_MAX - 1;
		n &= 2 * NP_PKT_MAX - 1;
		if (bpf_probe_read_kernel(b->pkt + at, n, from))
			break;
		caplen += n;
		if (n < f.len)
			break;
	}
	return caplen;
}

#endif
