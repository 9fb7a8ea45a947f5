// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "filter/cbpf_translate.h"
#include "filter/pcap_region.h"

/* The region's markers at insns[i]: its operand registers, or false. */
static bool region_at(const struct bpf_insn *insns, size_t cnt, size_t i,
		      struct cbpf_region_regs *r)
{
	const struct bpf_insn *m = insns + i;

	if (i + NP_REGION_INSNS > cnt || m[0].code != (BPF_LD | BPF_IMM | BPF_DW) ||
	    m[0].src_reg || (uint32_t)m[0].imm != (uint32_t)NP_REGION_MAGIC ||
	    (uint32_t)m[1].imm != (uint32_t)(NP_REGION_MAGIC >> 32))
		return false;
	if (m[2].code != (BPF_ALU64 | BPF_MOV | BPF_X) || m[2].dst_reg != m[0].dst_reg ||
	    m[3].code != (BPF_ALU64 | BPF_MOV | BPF_X) || m[3].dst_reg != m[0].dst_reg)
		return false;
	r->ret = m[0].dst_reg;
	r->buf = m[2].src_reg;
	r->caplen = m[3].src_reg;
	return true;
}

int pcap_filter_patch(struct bpf_object *obj, const struct np_cbpf_insn *prog, uint32_t len,
		      char *err, size_t errlen)
{
	struct bpf_program *p;
	int regions = 0, ret;

	bpf_object__for_each_program(p, obj) {
		size_t cnt = bpf_program__insn_cnt(p);
		struct bpf_insn *insns;
		bool found = false;

		if (!bpf_program__autoload(p))
			continue;
		insns = malloc(cnt * sizeof(*insns));
		if (!insns) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		memcpy(insns, bpf_program__insns(p), cnt * sizeof(*insns));
		for (size_t i = 0; i < cnt; i++) {
			struct cbpf_region_regs r;

			if (!region_at(insns, cnt, i, &r))
				continue;
			ret = cbpf_translate(prog, len, &r, insns + i, NP_REGION_INSNS, err, errlen);
			if (ret < 0) {
				free(insns);
				return ret;
			}
			found = true;
			regions++;
			i += NP_REGION_INSNS - 1;
		}
		/* Same length, same place: libbpf's relocations stay valid. */
		ret = found ? bpf_program__set_insns(p, insns, cnt) : 0;
		free(insns);
		if (ret) {
			snprintf(err, errlen, "%s: cannot replace instructions: %s",
				 bpf_program__name(p), strerror(-ret));
			return ret;
		}
	}
	return regions;
}
