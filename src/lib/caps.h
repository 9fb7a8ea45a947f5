/* SPDX-License-Identifier: GPL-2.0-only */
/* Which capabilities this process holds, without libcap. */
#ifndef NETOPROC_CAPS_H
#define NETOPROC_CAPS_H

#include <stdbool.h>
#include <linux/capability.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

bool cap_effective(int cap);
/* The capability eBPF mode lacks, or NULL when it has what it needs. */
const char *caps_missing_for_ebpf(void);
const char *cap_name(int cap);

#endif
