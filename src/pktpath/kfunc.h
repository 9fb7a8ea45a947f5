/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel functions as probe points: where the skb is among a function's
 * parameters (from the kernel's BTF), and under which symbol the kernel lets
 * it be probed (available_filter_functions or kallsyms, compiler clones such
 * as ip_rcv_finish_core.isra.0 included). Knows nothing of BPF programs.
 */
#ifndef NETOPROC_KFUNC_H
#define NETOPROC_KFUNC_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

/* Parameters a kprobe program can read from registers (x86-64: rdi, rsi, rdx, rcx, r8). */
#define KFUNC_MAX_POS 5

/*
 * Position (1..KFUNC_MAX_POS) of the first `struct sk_buff *` parameter of
 * BTF function @func, or -errno with *why saying why it is not usable:
 * -ENOENT not in BTF, -ENODATA no skb parameter, -EINVAL only a
 * `struct sk_buff **`, -E2BIG skb beyond the registers read.
 */
int kfunc_skb_pos(const struct btf *btf, const char *func, const char **why);
/* The same for the BTF_KIND_FUNC of type id @id. */
int kfunc_skb_pos_id(const struct btf *btf, int id, const char **why);

/* The symbols that can be probed, sorted by name. */
struct kfunc_syms {
	char **names;
	size_t n;
	char *buf;
	char **black;		/* kprobe blacklist, sorted; may be empty */
	size_t nblack;
	char *black_buf;
	bool ftrace;		/* names from available_filter_functions (else kallsyms) */
};

/*
 * @ftrace_path: available_filter_functions (NULL: tracefs at its two usual
 * places); when unreadable, @kallsyms_path (NULL: /proc/kallsyms) text
 * symbols. @blacklist_path: NULL for debugfs' kprobes/blacklist, "" for none.
 * Returns 0 or -errno.
 */
int kfunc_syms_load(struct kfunc_syms *s, const char *ftrace_path, const char *kallsyms_path,
		    const char *blacklist_path);
void kfunc_syms_free(struct kfunc_syms *s);
/* How often @name is listed (static functions of different files share names). */
size_t kfunc_syms_count(const struct kfunc_syms *s, const char *name);
bool kfunc_blacklisted(const struct kfunc_syms *s, const char *name);

/*
 * The symbol under which BTF function @func (skb at parameter @pos) is
 * probed. 0: *sym is @func itself; 1: *sym is a compiler clone (a static
 * string in s), *why says which and why it is safe; -ENOENT / -EPERM /
 * -ENOTUNIQ / -EXDEV (clone refused): not probed, *why says why (into whybuf).
 */
int kfunc_resolve(const struct kfunc_syms *s, const char *func, int pos, const char **sym,
		  char *whybuf, size_t whysize, const char **why);

#endif
