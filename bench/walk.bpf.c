// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor of the eBPF monitor's dump where a kernel refuses map-element
 * iterators (netoproc's socket-dump.socket-tables): a walk of the TCP table
 * by an iterator program that does nothing. The kernel still visits every
 * bucket and locks each socket for the program (bench/sockets.sh).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("iter/tcp")
int walk_tcp(struct bpf_iter__tcp *ctx)
{
	return 0;
}
