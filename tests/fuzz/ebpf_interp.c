// SPDX-License-Identifier: GPL-2.0-only
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include "ebpf_interp.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

struct vm {
	uint64_t r[11];
	bool set[11];
	struct np_pktbuf *b;
	uint64_t caplen;
	uint16_t stored;	/* scratch words stored by this run */
	bool mem_uninit;
};

/* The address reg + off as an offset into *b, checked for size bytes. */
static size_t mem_at(struct vm *vm, uint8_t reg, int16_t off, uint32_t size, bool store)
{
	uintptr_t base = (uintptr_t)vm->b, a = (uintptr_t)(vm->r[reg] + (int64_t)off);
	size_t o;

	CHECK(vm->set[reg]);
	CHECK(a >= base && a - base + size <= sizeof(*vm->b));
	o = a - base;
	if (o < NP_PKT_MAX) {
		CHECK(!store);			/* the packet is read only */
		CHECK(o + size <= vm->caplen);	/* never a byte not captured */
	} else if (o < offsetof(struct np_pktbuf, wirelen)) {
		size_t w = (o - offsetof(struct np_pktbuf, mem));

		CHECK(size == 4 && w % 4 == 0);	/* whole scratch words */
		if (store)
			vm->stored |= 1u << (w / 4);
		else if (!(vm->stored & (1u << (w / 4))))
			vm->mem_uninit = true;
	} else {
		CHECK(!store && o == offsetof(struct np_pktbuf, wirelen) && size == 4);
	}
	return o;
}

static uint64_t load(struct vm *vm, size_t o, uint32_t size)
{
	const uint8_t *p = (const uint8_t *)vm->b + o;
	uint32_t w;
	uint16_t h;

	switch (size) {
	case 1: return *p;
	case 2: memcpy(&h, p, 2); return h;
	default: memcpy(&w, p, 4); return w;
	}
}

static uint32_t alu32(uint8_t op, uint32_t d, uint32_t s)
{
	switch (op) {
	case BPF_ADD: return d + s;
	case BPF_SUB: return d - s;
	case BPF_MUL: return d * s;
	case BPF_DIV: return s ? d / s : 0;
	case BPF_MOD: return s ? d % s : d;
	case BPF_OR: return d | s;
	case BPF_AND: return d & s;
	case BPF_XOR: return d ^ s;
	case BPF_LSH: return d << (s & 31);
	case BPF_RSH: return d >> (s & 31);
	case BPF_NEG: return -d;
	case BPF_MOV: return s;
	}
	abort();
}

static bool cond(uint8_t op, uint64_t d, uint64_t s, bool is32)
{
	if (is32) {
		d = (uint32_t)d;
		s = (uint32_t)s;
	}
	switch (op) {
	case BPF_JEQ: return d == s;
	case BPF_JNE: return d != s;
	case BPF_JGT: return d > s;
	case BPF_JGE: return d >= s;
	case BPF_JLT: return d < s;
	case BPF_JSET: return d & s;
	case BPF_JSLT: return is32 ? (int32_t)d < (int32_t)s : (int64_t)d < (int64_t)s;
	}
	abort();
}

static void write_reg(struct vm *vm, uint8_t dst, uint64_t v)
{
	vm->r[dst] = v;
	vm->set[dst] = true;
}

void ebpf_run(const struct bpf_insn *insns, uint32_t n, uint8_t buf_reg, uint8_t caplen_reg,
	      uint8_t ret_reg, struct np_pktbuf *b, uint64_t caplen, struct ebpf_run *out)
{
	struct vm vm = { .b = b, .caplen = caplen };
	uint32_t pc = 0, steps = 0;

	CHECK(caplen <= NP_PKT_MAX);
	for (int i = 0; i <= 5; i++) {	/* garbage the translation must not rely on */
		vm.r[i] = 0xdeadbeefcafe0000ull + i;
		vm.set[i] = true;
	}
	write_reg(&vm, buf_reg, (uintptr_t)b);
	write_reg(&vm, caplen_reg, caplen);
	while (pc < n) {
		const struct bpf_insn *in = &insns[pc];
		uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code), dst = in->dst_reg;
		uint8_t src = in->src_reg;
		uint64_t s;
		size_t o;

		CHECK(++steps <= n);
		CHECK(dst <= 9 && src <= 9);	/* never r10, the frame pointer */
		/* Only r0-r5 and the result are written; the operands are read. */
		if (cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX)
			CHECK(dst <= 5 || dst == ret_reg);
		switch (cls) {
		case BPF_ALU:
		case BPF_ALU64:
			if (op == BPF_END) {
				CHECK(cls == BPF_ALU && BPF_SRC(in->code) == BPF_TO_BE && !src &&
				      !in->off && (in->imm == 16 || in->imm == 32));
				CHECK(vm.set[dst]);
				write_reg(&vm, dst, in->imm == 16 ? htobe16((uint16_t)vm.r[dst]) :
						    htobe32((uint32_t)vm.r[dst]));
				break;
			}
			CHECK(!in->off);
			if (BPF_SRC(in->code) == BPF_X) {
				CHECK(vm.set[src] && !in->imm);
				s = vm.r[src];
			} else {
				CHECK(!src);
				s = cls == BPF_ALU ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm;
			}
			if (op != BPF_MOV)
				CHECK(vm.set[dst]);
			if (op == BPF_NEG)
				CHECK(BPF_SRC(in->code) == BPF_K && !in->imm);
			if (cls == BPF_ALU) {
				write_reg(&vm, dst, alu32(op, (uint32_t)vm.r[dst], (uint32_t)s));
				break;
			}
			/* The translation's 64-bit arithmetic: moves, offsets. */
			switch (op) {
			case BPF_MOV: write_reg(&vm, dst, s); break;
			case BPF_ADD: write_reg(&vm, dst, vm.r[dst] + s); break;
			case BPF_SUB: write_reg(&vm, dst, vm.r[dst] - s); break;
			default: abort();
			}
			break;
		case BPF_LDX:
			CHECK(BPF_MODE(in->code) == BPF_MEM && !in->imm);
			s = BPF_SIZE(in->code) == BPF_W ? 4 : BPF_SIZE(in->code) == BPF_H ? 2 :
			    BPF_SIZE(in->code) == BPF_B ? 1 : 0;
			CHECK(s);
			o = mem_at(&vm, src, in->off, s, false);
			write_reg(&vm, dst, load(&vm, o, s));
			break;
		case BPF_STX:
			CHECK(BPF_MODE(in->code) == BPF_MEM && BPF_SIZE(in->code) == BPF_W &&
			      !in->imm && vm.set[src]);
			o = mem_at(&vm, dst, in->off, 4, true);
			memcpy((uint8_t *)b + o, &(uint32_t){ (uint32_t)vm.r[src] }, 4);
			break;
		case BPF_JMP:
		case BPF_JMP32:
			CHECK(in->off >= 0);	/* the translation has no loops */
			if (op == BPF_JA) {
				CHECK(cls == BPF_JMP && !src && !dst && !in->imm);
				pc += in->off;
				break;
			}
			CHECK(op != BPF_CALL && op != BPF_EXIT && vm.set[dst]);
			if (BPF_SRC(in->code) == BPF_X) {
				CHECK(vm.set[src] && !in->imm);
				s = vm.r[src];
			} else {
				CHECK(!src);
				s = (uint64_t)(int64_t)in->imm;
			}
			if (cond(op, vm.r[dst], s, cls == BPF_JMP32))
				pc += in->off;
			break;
		default:
			abort();
		}
		pc++;
	}
	CHECK(pc == n);		/* the end: right after the last slot */
	CHECK(vm.set[ret_reg]);
	if (buf_reg != ret_reg)
		CHECK(vm.r[buf_reg] == (uintptr_t)b);
	if (caplen_reg != ret_reg)
		CHECK(vm.r[caplen_reg] == caplen);
	out->ret = vm.r[ret_reg];
	out->steps = steps;
	out->mem_uninit = vm.mem_uninit;
}
