// SPDX-License-Identifier: GPL-2.0-only
/*
 * Upper bounds on A, X and the scratch words at each instruction, carried
 * forward (classic BPF only jumps forward, so one pass in order sees every
 * path into an instruction before the instruction). A bound is c + s * H,
 * H being the IPv4 header's length as libpcap loads it into X (ldx
 * 4*([0]&0xf), at most 60) and s 0 or 1, so that "udp port 9" needs 44
 * bytes of an IPv6 packet and 4 past an IPv4 header (not 64 of every
 * packet). X also gets a bound through A's arithmetic (tcpdump's
 * "tcp[((tcp[12:1] & 0xf0) >> 2):1]": X = H + 60 at most). A value loaded
 * from the packet or the length is only bounded by its width.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <linux/filter.h>
#include "filter/cbpf_need.h"

#define U32_ALL	0xffffffffull
#define H_MAX	60	/* 4 * 0xf */

/* value <= c + s * H */
struct bound {
	uint64_t c;
	uint8_t s;
};

struct state {
	bool reached;
	struct bound a, x, m[BPF_MEMWORDS];
};

static uint64_t cap32(uint64_t v)
{
	return v > U32_ALL ? U32_ALL : v;
}

static struct bound konst(uint64_t c)
{
	return (struct bound){ .c = cap32(c) };
}

/* The bound without H: its largest value. */
static uint64_t flat(struct bound b)
{
	return cap32(b.c + b.s * H_MAX);
}

/* All bits up to the highest set in v: a bound on v | w and v ^ w for w <= v. */
static uint64_t smear(uint64_t v)
{
	for (int s = 1; s < 64; s <<= 1)
		v |= v >> s;
	return v;
}

/* The bound on A after ALU instruction @code with operand @b (k or X). */
static struct bound alu_bound(uint16_t code, struct bound a, struct bound b, bool by_k)
{
	uint64_t x = flat(a), y = flat(b);

	switch (BPF_OP(code)) {
	case BPF_ADD:
		if (a.s + b.s <= 1 && a.c + b.c <= U32_ALL)
			return (struct bound){ .c = a.c + b.c, .s = a.s + b.s };
		return konst(x + y);
	case BPF_MUL:
		return x && y > U32_ALL / x ? konst(U32_ALL) : konst(x * y);
	case BPF_DIV:
		return a;
	case BPF_MOD:
		return by_k && y ? konst(x < y - 1 ? x : y - 1) : a;
	case BPF_AND:
		return x < y ? a : konst(y);
	case BPF_OR:
	case BPF_XOR:
		return konst(smear(x > y ? x : y));
	case BPF_LSH:
		return y >= 32 ? konst(U32_ALL) : konst(x << y);
	case BPF_RSH:
		return by_k ? konst(x >> (y & 31)) : a;
	default:		/* SUB and NEG wrap around */
		return konst(U32_ALL);
	}
}

/* A bound on both: c + s * H >= each, for every H >= 0. */
static struct bound either(struct bound p, struct bound q)
{
	return (struct bound){ .c = p.c > q.c ? p.c : q.c, .s = p.s > q.s ? p.s : q.s };
}

static void join(struct state *to, const struct state *from)
{
	if (!to->reached) {
		*to = *from;
		return;
	}
	to->a = either(to->a, from->a);
	to->x = either(to->x, from->x);
	for (int i = 0; i < BPF_MEMWORDS; i++)
		to->m[i] = either(to->m[i], from->m[i]);
}

static uint32_t size_of(uint16_t code)
{
	return BPF_SIZE(code) == BPF_W ? 4 : BPF_SIZE(code) == BPF_H ? 2 : 1;
}

/* A load reaching @end: the need grows. */
static void reach(struct cbpf_need *n, struct bound end)
{
	uint32_t *at = end.s ? &n->ihl : &n->fixed;
	uint64_t c = end.c < NP_PKT_MAX ? end.c : NP_PKT_MAX;

	if (c > *at)
		*at = c;
}

/*
 * Apply @in to @st; @n grows by the bytes a packet load reaches. Returns
 * false for what has no bound to give (scratch word out of range).
 */
static bool step(const struct np_cbpf_insn *in, struct state *st, struct cbpf_need *n)
{
	uint16_t c = in->code;
	uint64_t k = in->k;
	struct bound *reg = BPF_CLASS(c) == BPF_LD ? &st->a : &st->x;

	switch (BPF_CLASS(c)) {
	case BPF_LD:
	case BPF_LDX:
		switch (BPF_MODE(c)) {
		case BPF_ABS:
			reach(n, konst(k + size_of(c)));
			*reg = konst((1ull << (8 * size_of(c))) - 1);
			return true;
		case BPF_IND:
			reach(n, (struct bound){ .c = cap32(st->x.c + k + size_of(c)),
						 .s = st->x.s });
			*reg = konst((1ull << (8 * size_of(c))) - 1);
			return true;
		case BPF_MSH:
			reach(n, konst(k + 1));
			/* H itself when it is the first byte's nibble, else up to 60 */
			*reg = k ? konst(H_MAX) : (struct bound){ .s = 1 };
			return true;
		case BPF_IMM:
			*reg = konst(k);
			return true;
		case BPF_MEM:
			if (k >= BPF_MEMWORDS)
				return false;
			*reg = st->m[k];
			return true;
		default:	/* BPF_LEN: the wire length */
			n->len = true;
			*reg = konst(U32_ALL);
			return true;
		}
	case BPF_ST:
	case BPF_STX:
		if (k >= BPF_MEMWORDS)
			return false;
		st->m[k] = BPF_CLASS(c) == BPF_ST ? st->a : st->x;
		return true;
	case BPF_ALU:
		if (BPF_OP(c) == BPF_NEG)
			st->a = konst(U32_ALL);
		else
			st->a = alu_bound(c, st->a, BPF_SRC(c) == BPF_X ? st->x : konst(k),
					  BPF_SRC(c) == BPF_K);
		return true;
	case BPF_MISC:
		if (BPF_MISCOP(c) == BPF_TAX)
			st->x = st->a;
		else
			st->a = st->x;
		return true;
	default:	/* jumps and returns change no value */
		return true;
	}
}

struct cbpf_need cbpf_bytes_needed(const struct np_cbpf_insn *prog, uint32_t len)
{
	const struct cbpf_need all = { .fixed = NP_PKT_MAX, .len = true };
	struct state *at = calloc(len ? len : 1, sizeof(*at));
	struct cbpf_need n = {};

	if (!at || !len)
		goto all;
	/* The interpreter starts with A = X = 0 and scratch words it never wrote. */
	at[0].reached = true;
	for (int i = 0; i < BPF_MEMWORDS; i++)
		at[0].m[i] = konst(U32_ALL);
	for (uint32_t pc = 0; pc < len; pc++) {
		const struct np_cbpf_insn *in = &prog[pc];
		struct state st = at[pc];
		uint64_t t1 = pc + 1, t2 = pc + 1;

		if (!st.reached)
			continue;
		if (!step(in, &st, &n))
			goto all;
		if (BPF_CLASS(in->code) == BPF_RET)
			continue;
		if (BPF_CLASS(in->code) == BPF_JMP) {
			if (BPF_OP(in->code) == BPF_JA) {
				t1 = t2 = t1 + in->k;
			} else {
				t1 += in->jt;
				t2 += in->jf;
			}
		}
		if (t1 >= len || t2 >= len)
			goto all;
		join(&at[t1], &st);
		join(&at[t2], &st);
	}
	free(at);
	return n;
all:
	free(at);
	return all;
}
