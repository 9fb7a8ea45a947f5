// SPDX-License-Identifier: GPL-2.0-only
/*
 * cBPF -> eBPF for the pcap filter region. Layout of the region:
 *
 *   prologue   A = 0, X = 0, Z = 0; "if Z != 0 goto pad" (never taken)
 *   body       each reachable cBPF instruction in order
 *   reject     ret = 0; goto end       (only when something rejects: division by zero)
 *   short      ret = NP_PCAP_SHORT; goto end   (only when a load can pass the bytes captured)
 *   pad        "goto +0" up to the last slot, falling into end
 *
 * The verifier refuses instructions it cannot reach in the control-flow
 * graph, so the padding is made reachable by a branch it proves never taken
 * (and then removes as dead code, with the branch). cBPF jumps only forward,
 * so the result has no loops. A and X are 32-bit in cBPF: all arithmetic
 * and comparisons use the 32-bit eBPF classes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include "filter/cbpf_translate.h"

/* Scratch registers: the region declares r0-r5 clobbered. */
#define R_A	BPF_REG_0
#define R_X	BPF_REG_1
#define R_T	BPF_REG_2	/* offset of an indirect load */
#define R_U	BPF_REG_3	/* bytes left after it */
#define R_P	BPF_REG_4	/* pointer of an indirect load */
#define R_Z	BPF_REG_5	/* constant 0, known to the verifier */

/* cBPF fields, as in <linux/filter.h>. */
#define C_CLASS(c)	((c) & 0x07)
#define C_SIZE(c)	((c) & 0x18)
#define C_MODE(c)	((c) & 0xe0)
#define C_OP(c)		((c) & 0xf0)
#define C_SRC(c)	((c) & 0x08)
#define C_RVAL(c)	((c) & 0x18)
#define C_MISCOP(c)	((c) & 0xf8)

/*
 * TGT_SHORT: a load past the bytes captured. libpcap's answer is "no match",
 * as for TGT_REJECT, but the caller learns that the packet had more than we
 * read (paged data), so that such packets are counted rather than silently missed.
 */
enum { TGT_NONE, TGT_PC, TGT_REJECT, TGT_SHORT, TGT_END, TGT_PAD };

struct fixup {
	uint32_t at;		/* eBPF index of the jump */
	uint32_t kind;		/* TGT_* */
	uint32_t pc;		/* TGT_PC: the cBPF instruction jumped to */
};

struct tx {
	const struct cbpf_region_regs *r;
	struct bpf_insn *out;
	uint32_t slots;
	uint32_t n;		/* instructions emitted */
	bool overflow;
	struct fixup *fix;
	uint32_t nfix;
	bool rejects, shorts;
};

static void emit(struct tx *t, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (t->n >= t->slots) {
		t->overflow = true;
		return;
	}
	t->out[t->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src,
					    .off = off, .imm = imm };
}

/* A jump whose target is resolved once every instruction has its place. */
static void emit_jump(struct tx *t, uint8_t code, uint8_t dst, uint8_t src, int32_t imm,
		      uint32_t kind, uint32_t pc)
{
	if (kind == TGT_REJECT)
		t->rejects = true;
	if (kind == TGT_SHORT)
		t->shorts = true;
	if (t->n < t->slots)
		t->fix[t->nfix++] = (struct fixup){ .at = t->n, .kind = kind, .pc = pc };
	emit(t, code, dst, src, 0, imm);
}

static void mov32_imm(struct tx *t, uint8_t dst, uint32_t k)
{
	emit(t, BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, (int32_t)k);
}

/* Reject now (@kind TGT_REJECT or TGT_SHORT): a branch the verifier knows is taken (Z is 0). */
static void reject_always(struct tx *t, uint32_t kind)
{
	emit_jump(t, BPF_JMP | BPF_JEQ | BPF_K, R_Z, 0, 0, kind, 0);
}

static uint8_t ebpf_size(uint32_t size)
{
	return size == 4 ? BPF_W : size == 2 ? BPF_H : BPF_B;
}

/* dst = big-endian bytes [k, k + size) of the packet, or reject. */
static void load_abs(struct tx *t, uint8_t dst, uint32_t k, uint32_t size)
{
	if ((uint64_t)k + size > NP_PKT_MAX) {	/* never captured */
		reject_always(t, TGT_SHORT);
		return;
	}
	emit_jump(t, BPF_JMP | BPF_JLT | BPF_K, t->r->caplen, 0, k + size, TGT_SHORT, 0);
	emit(t, BPF_LDX | BPF_MEM | ebpf_size(size), dst, t->r->buf, k, 0);
	if (size > 1)
		emit(t, BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, size * 8);
}

/* A = bytes [X + k, X + k + size), or reject. */
static void load_ind(struct tx *t, uint32_t k, uint32_t size)
{
	if ((uint64_t)k + size > NP_PKT_MAX) {
		reject_always(t, TGT_SHORT);
		return;
	}
	emit(t, BPF_ALU64 | BPF_MOV | BPF_X, R_T, R_X, 0, 0);
	if (k)
		emit(t, BPF_ALU64 | BPF_ADD | BPF_K, R_T, 0, 0, (int32_t)k);
	/* The constant bound lets the verifier accept the access... */
	emit_jump(t, BPF_JMP | BPF_JGT | BPF_K, R_T, 0, NP_PKT_MAX - size, TGT_SHORT, 0);
	/*
	 * ...and this one is the semantics: caplen - offset, signed, in a register
	 * of its own (comparing offset + size with caplen would tie the offset to
	 * caplen, and some verifiers then lose the offset's bounds).
	 */
	emit(t, BPF_ALU64 | BPF_MOV | BPF_X, R_U, t->r->caplen, 0, 0);
	emit(t, BPF_ALU64 | BPF_SUB | BPF_X, R_U, R_T, 0, 0);
	emit_jump(t, BPF_JMP | BPF_JSLT | BPF_K, R_U, 0, size, TGT_SHORT, 0);
	emit(t, BPF_ALU64 | BPF_MOV | BPF_X, R_P, t->r->buf, 0, 0);
	emit(t, BPF_ALU64 | BPF_ADD | BPF_X, R_P, R_T, 0, 0);
	emit(t, BPF_LDX | BPF_MEM | ebpf_size(size), R_A, R_P, 0, 0);
	if (size > 1)
		emit(t, BPF_ALU | BPF_END | BPF_TO_BE, R_A, 0, 0, size * 8);
}

static int16_t mem_off(uint32_t k)
{
	return offsetof(struct np_pktbuf, mem) + 4 * k;
}

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* Which instructions some path reaches; -EINVAL on a jump out of the program. */
static int reachable(const struct np_cbpf_insn *prog, uint32_t len, bool *seen, char *err,
		     size_t errlen)
{
	seen[0] = true;
	for (uint32_t pc = 0; pc < len; pc++) {
		uint16_t c = prog[pc].code;
		uint64_t t1 = pc + 1, t2 = pc + 1;

		if (!seen[pc])
			continue;
		if (C_CLASS(c) == BPF_RET)
			continue;
		if (C_CLASS(c) == BPF_JMP) {
			if (C_OP(c) == BPF_JA) {
				t1 = t2 = (uint64_t)pc + 1 + prog[pc].k;
			} else {
				t1 += prog[pc].jt;
				t2 += prog[pc].jf;
			}
		}
		if (t1 >= len || t2 >= len)
			return fail(err, errlen, -EINVAL,
				    "cBPF instruction %u runs past the end (%u instructions)", pc,
				    len);
		seen[t1] = seen[t2] = true;
	}
	return 0;
}

static int translate_one(struct tx *t, const struct np_cbpf_insn *in, uint32_t pc, char *err,
			 size_t errlen)
{
	uint16_t c = in->code;
	uint32_t k = in->k;
	uint32_t size = C_SIZE(c) == BPF_W ? 4 : C_SIZE(c) == BPF_H ? 2 : 1;
	uint8_t dst = C_CLASS(c) == BPF_LD ? R_A : R_X;
	uint8_t op, src;

	switch (C_CLASS(c)) {
	case BPF_LD:
	case BPF_LDX:
		if (C_CLASS(c) == BPF_LDX && C_MODE(c) != BPF_MSH && C_SIZE(c) != BPF_W)
			break;
		switch (C_MODE(c)) {
		case BPF_IMM:
			mov32_imm(t, dst, k);
			return 0;
		case BPF_ABS:
			if (C_CLASS(c) == BPF_LDX || C_SIZE(c) == 0x18)
				break;
			load_abs(t, R_A, k, size);
			return 0;
		case BPF_IND:
			if (C_CLASS(c) == BPF_LDX || C_SIZE(c) == 0x18)
				break;
			load_ind(t, k, size);
			return 0;
		case BPF_MEM:
			if (k >= 16)
				return fail(err, errlen, -EINVAL,
					    "cBPF instruction %u: scratch word %u", pc, k);
			emit(t, BPF_LDX | BPF_MEM | BPF_W, dst, t->r->buf, mem_off(k), 0);
			return 0;
		case BPF_LEN:
			emit(t, BPF_LDX | BPF_MEM | BPF_W, dst, t->r->buf,
			     offsetof(struct np_pktbuf, wirelen), 0);
			return 0;
		case BPF_MSH:	/* X = 4 * (pkt[k] & 0xf) */
			if (C_CLASS(c) != BPF_LDX || C_SIZE(c) != BPF_B)
				break;
			load_abs(t, R_X, k, 1);
			emit(t, BPF_ALU | BPF_AND | BPF_K, R_X, 0, 0, 0xf);
			emit(t, BPF_ALU | BPF_LSH | BPF_K, R_X, 0, 0, 2);
			return 0;
		}
		break;
	case BPF_ST:
	case BPF_STX:
		if (k >= 16)
			return fail(err, errlen, -EINVAL, "cBPF instruction %u: scratch word %u",
				    pc, k);
		emit(t, BPF_STX | BPF_MEM | BPF_W, t->r->buf, C_CLASS(c) == BPF_ST ? R_A : R_X,
		     mem_off(k), 0);
		return 0;
	case BPF_ALU:
		op = C_OP(c);
		src = C_SRC(c);
		switch (op) {
		case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_OR: case BPF_AND:
		case BPF_XOR:
			emit(t, BPF_ALU | op | src, R_A, src ? R_X : 0, 0, src ? 0 : (int32_t)k);
			return 0;
		case BPF_DIV:
		case BPF_MOD:
			if (src)
				emit_jump(t, BPF_JMP | BPF_JEQ | BPF_K, R_X, 0, 0, TGT_REJECT, 0);
			else if (!k) {
				reject_always(t, TGT_REJECT);
				return 0;
			}
			emit(t, BPF_ALU | op | src, R_A, src ? R_X : 0, 0, src ? 0 : (int32_t)k);
			return 0;
		case BPF_LSH:
		case BPF_RSH:
			/* Shifts by 32 or more give 0, as in libpcap. */
			if (!src) {
				if (k >= 32)
					mov32_imm(t, R_A, 0);
				else
					emit(t, BPF_ALU | op | BPF_K, R_A, 0, 0, k);
				return 0;
			}
			emit(t, BPF_JMP | BPF_JGT | BPF_K, R_X, 0, 2, 31);
			emit(t, BPF_ALU | op | BPF_X, R_A, R_X, 0, 0);
			emit(t, BPF_JMP | BPF_JA, 0, 0, 1, 0);
			mov32_imm(t, R_A, 0);
			return 0;
		case BPF_NEG:
			emit(t, BPF_ALU | BPF_NEG, R_A, 0, 0, 0);
			return 0;
		}
		break;
	case BPF_JMP:
		op = C_OP(c);
		src = C_SRC(c);
		if (op == BPF_JA) {
			emit_jump(t, BPF_JMP | BPF_JA, 0, 0, 0, TGT_PC, pc + 1 + k);
			return 0;
		}
		if (op != BPF_JEQ && op != BPF_JGT && op != BPF_JGE && op != BPF_JSET)
			break;
		if (in->jt == in->jf) {		/* both ways to the same place */
			if (in->jt)
				emit_jump(t, BPF_JMP | BPF_JA, 0, 0, 0, TGT_PC, pc + 1 + in->jt);
			return 0;
		}
		/* 32-bit compares: the immediate is k itself, not sign-extended to 64 bits. */
		if (in->jt)
			emit_jump(t, BPF_JMP32 | op | src, R_A, src ? R_X : 0, src ? 0 : (int32_t)k,
				  TGT_PC, pc + 1 + in->jt);
		else
			/* Fall through on true: skip the jump to the false target. */
			emit(t, BPF_JMP32 | op | src, R_A, src ? R_X : 0, 1, src ? 0 : (int32_t)k);
		if (in->jf)
			emit_jump(t, BPF_JMP | BPF_JA, 0, 0, 0, TGT_PC, pc + 1 + in->jf);
		return 0;
	case BPF_RET:
		switch (C_RVAL(c)) {
		case BPF_K:
			emit(t, BPF_ALU | BPF_MOV | BPF_K, t->r->ret, 0, 0, (int32_t)k);
			break;
		case BPF_A:
			emit(t, BPF_ALU64 | BPF_MOV | BPF_X, t->r->ret, R_A, 0, 0);
			break;
		default:	/* "ret x" is in neither libpcap's nor Linux's classic BPF */
			return fail(err, errlen, -EINVAL,
				    "cBPF instruction %u: unsupported code 0x%x", pc, c);
		}
		emit_jump(t, BPF_JMP | BPF_JA, 0, 0, 0, TGT_END, 0);
		return 0;
	case BPF_MISC:
		if (C_MISCOP(c) == BPF_TAX) {
			emit(t, BPF_ALU | BPF_MOV | BPF_X, R_X, R_A, 0, 0);
			return 0;
		}
		if (C_MISCOP(c) == BPF_TXA) {
			emit(t, BPF_ALU | BPF_MOV | BPF_X, R_A, R_X, 0, 0);
			return 0;
		}
		break;
	}
	return fail(err, errlen, -EINVAL, "cBPF instruction %u: unsupported code 0x%x", pc, c);
}

static bool regs_ok(const struct cbpf_region_regs *r)
{
	/* The operands must live outside the scratch registers r0-r5 (and r10). */
	return r->buf >= 6 && r->buf <= 9 && r->caplen >= 6 && r->caplen <= 9 &&
	       r->ret >= 6 && r->ret <= 9 && r->buf != r->caplen;
}

int cbpf_translate(const struct np_cbpf_insn *prog, uint32_t len,
		   const struct cbpf_region_regs *regs, struct bpf_insn *out, uint32_t slots,
		   char *err, size_t errlen)
{
	struct tx t = { .r = regs, .out = out, .slots = slots };
	uint32_t *start = NULL, reject_at = 0, short_at = 0, code_end;
	bool *seen = NULL;
	int ret;

	if (!len || !regs_ok(regs))
		return fail(err, errlen, -EINVAL, "empty program or bad region registers");
	seen = calloc(len, sizeof(*seen));
	start = calloc(len, sizeof(*start));
	t.fix = calloc(slots, sizeof(*t.fix));
	if (!seen || !start || !t.fix) {
		ret = fail(err, errlen, -ENOMEM, "out of memory");
		goto cleanup;
	}
	ret = reachable(prog, len, seen, err, errlen);
	if (ret)
		goto cleanup;

	mov32_imm(&t, R_A, 0);
	mov32_imm(&t, R_X, 0);
	emit(&t, BPF_ALU64 | BPF_MOV | BPF_K, R_Z, 0, 0, 0);
	emit_jump(&t, BPF_JMP | BPF_JNE | BPF_K, R_Z, 0, 0, TGT_PAD, 0);
	for (uint32_t pc = 0; pc < len; pc++) {
		start[pc] = t.n;
		if (!seen[pc])
			continue;
		ret = translate_one(&t, &prog[pc], pc, err, errlen);
		if (ret)
			goto cleanup;
	}
	if (t.rejects) {
		reject_at = t.n;
		emit(&t, BPF_ALU64 | BPF_MOV | BPF_K, regs->ret, 0, 0, 0);
		emit_jump(&t, BPF_JMP | BPF_JA, 0, 0, 0, TGT_END, 0);
	}
	if (t.shorts) {
		short_at = t.n;
		emit(&t, BPF_ALU64 | BPF_MOV | BPF_K, regs->ret, 0, 0, -1);	/* NP_PCAP_SHORT */
		emit_jump(&t, BPF_JMP | BPF_JA, 0, 0, 0, TGT_END, 0);
	}
	code_end = t.n;
	if (t.overflow) {
		ret = fail(err, errlen, -E2BIG, "the filter needs more than %u eBPF instructions "
			   "(%u cBPF instructions)", slots, len);
		goto cleanup;
	}
	while (t.n < slots)
		emit(&t, BPF_JMP | BPF_JA, 0, 0, 0, 0);

	for (uint32_t i = 0; i < t.nfix; i++) {
		const struct fixup *f = &t.fix[i];
		uint32_t to = f->kind == TGT_PC ? start[f->pc] : f->kind == TGT_REJECT ? reject_at :
			      f->kind == TGT_SHORT ? short_at : f->kind == TGT_PAD ? code_end : slots;

		out[f->at].off = (int16_t)(to - f->at - 1);
	}
	ret = (int)code_end;
cleanup:
	free(seen);
	free(start);
	free(t.fix);
	return ret;
}
