// SPDX-License-Identifier: GPL-2.0-only
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "lib/caps.h"

bool cap_effective(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

const char *cap_name(int cap)
{
	switch (cap) {
	case CAP_SYS_ADMIN: return "CAP_SYS_ADMIN";
	case CAP_NET_ADMIN: return "CAP_NET_ADMIN";
	case CAP_NET_RAW: return "CAP_NET_RAW";
	case CAP_SYS_PTRACE: return "CAP_SYS_PTRACE";
	case CAP_DAC_READ_SEARCH: return "CAP_DAC_READ_SEARCH";
	case CAP_PERFMON: return "CAP_PERFMON";
	case CAP_BPF: return "CAP_BPF";
	default: return "CAP_?";
	}
}

/*
 * Loading tracing and cgroup programs needs CAP_BPF + CAP_PERFMON (5.8+) or
 * CAP_SYS_ADMIN; attaching to a cgroup needs CAP_NET_ADMIN or CAP_SYS_ADMIN.
 */
const char *caps_missing_for_ebpf(void)
{
	if (cap_effective(CAP_SYS_ADMIN))
		return NULL;
	if (!cap_effective(CAP_BPF))
		return "CAP_BPF (or CAP_SYS_ADMIN)";
	if (!cap_effective(CAP_PERFMON))
		return "CAP_PERFMON (or CAP_SYS_ADMIN)";
	if (!cap_effective(CAP_NET_ADMIN))
		return "CAP_NET_ADMIN (or CAP_SYS_ADMIN)";
	return NULL;
}
