/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef NETOPROC_DROP_H
#define NETOPROC_DROP_H

/* `netoproc drop`: packet drops with reason and location. */
int cmd_drop(int argc, char **argv);
/* Its options alone, nothing opened: 0, 1 (help printed) or -EINVAL after a one-line error. */
int drop_parse_only(int argc, char **argv);

struct drop_bpf;
struct filter_opts;
/*
 * Open, configure (filter @f; @nargs of the kfree_skb tracepoint, from BTF) and
 * load the drop programs with the best of tp_btf and raw_tp the kernel takes;
 * attach. Also for `netoproc export --drops`. 0 or -errno with the error printed.
 */
int drop_load_attach(const struct filter_opts *f, int nargs, struct drop_bpf **out,
		     const char **how);

#endif
