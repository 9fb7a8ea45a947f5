/* SPDX-License-Identifier: GPL-2.0-only */
/* libbpf and BTF helpers every command uses: log callbacks, kernel BTF, counters. */
#ifndef NETOPROC_BPF_UTIL_H
#define NETOPROC_BPF_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <bpf/libbpf.h>

struct btf;
struct bpf_object;

/* The one libbpf print callback: warnings and info with -v, never libbpf's debug lines. */
int np_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap);
/* For probes whose failure is the answer: libbpf says nothing. */
int np_libbpf_silent(enum libbpf_print_level level, const char *fmt, va_list ap);

/* The kernel's BTF, or @path's (--btf, BTFHub-style files for kernels without it); NULL. */
struct btf *load_kernel_btf(const char *path);
/* Does enum @type of @btf have a value named @value? */
bool btf_enum_has(const struct btf *btf, const char *type, const char *value);
/* Parameter count of kernel function @name, or -1 when BTF does not have it. */
int btf_func_nargs(const struct btf *btf, const char *name);
/* Parameters of tracepoint `name` in btf (the context pointer included), or -errno. */
int np_tp_nargs(const struct btf *btf, const char *name);

/* Sum of a per-CPU u64 counter at index idx of map_fd. */
uint64_t np_percpu_sum(int map_fd, uint32_t idx);
/* Load only the programs whose section starts with prefix ("tp_btf/", "raw_tp/"). */
void np_autoload_kind(struct bpf_object *obj, const char *prefix);
/*
 * Runs of obj's loaded programs the kernel skipped (lost events too): a
 * tp_btf or fentry program already running on that CPU (a softirq
 * interrupting it); a kprobe or tracepoint program finding any BPF program,
 * or a map syscall, active on its CPU (counted since 6.7).
 */
uint64_t np_prog_misses(struct bpf_object *obj);
/*
 * Hits of a kprobe or kretprobe link that ran no program: a kretprobe with
 * every instance taken, a probe hit inside another probe's handler. 0 where
 * the kernel does not say (before 6.7, or not a kprobe link). @prog_id
 * (optional) gets the id of the program the link runs.
 */
uint64_t np_kprobe_link_misses(struct bpf_link *link, uint32_t *prog_id);

#endif
