/* SPDX-License-Identifier: GPL-2.0-only */
/* Sizes every BPF program family shares with userspace. */
#ifndef NETOPROC_COMMON_ABI_H
#define NETOPROC_COMMON_ABI_H

#define NP_COMM_LEN	16	/* TASK_COMM_LEN: a task's name with its NUL */
#define NP_IFNAMSIZ	16	/* IFNAMSIZ: a device name with its NUL */

#endif
