/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The eBPF capture's canary: before trusting a kernel, a TCP exchange of our
 * own over loopback must be attributed exactly (our pid, the payload we sent
 * and received, packets both ways). Its sockets are remembered so that their
 * records are never reported.
 */
#ifndef NETOPROC_EBPF_SELFCHECK_H
#define NETOPROC_EBPF_SELFCHECK_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "bpf/monitor_abi.h"

enum { SC_LISTENER, SC_CLIENT, SC_SERVER, SC_SOCKS };

struct selfcheck {
	int fd[SC_SOCKS];
	uint64_t cookie[SC_SOCKS];
	bool seen[SC_SOCKS];
	struct np_sock_record rec[SC_SOCKS];	/* what the dump said of each */
	double started;
};

/* No sockets yet: selfcheck_close() has nothing to close. */
void selfcheck_init(struct selfcheck *sc);
/* Connect, send SC_UP bytes up and SC_DOWN back. 0, or -errno with @why set. */
int selfcheck_exchange(struct selfcheck *sc, char *why, size_t size);
/* Offer a dumped record; true if it is one of ours (and so not to be reported). */
bool selfcheck_see(struct selfcheck *sc, const struct np_sock_record *r);
/*
 * Did the kernel attribute the exchange exactly, by the records offered (a live
 * dump, or the sockets' close records)? 0, or -EPROTO with @why set.
 */
int selfcheck_verdict(const struct selfcheck *sc, char *why, size_t size);
/* Close the sockets with a reset (no time-wait to show up as unknown traffic). */
void selfcheck_close(struct selfcheck *sc);
/* Is @cookie one of the check's sockets? */
bool selfcheck_owns(const struct selfcheck *sc, uint64_t cookie);

#endif
