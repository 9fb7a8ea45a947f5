// SPDX-License-Identifier: GPL-2.0-only
/*
 * Print every loaded BPF program's run count and mean ns per run (needs
 * kernel.bpf_stats_enabled=1): bpftool's figures where there is no bpftool,
 * such as the kernel-matrix VMs. One line each: name runs ns_per_run.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

int main(void)
{
	__u32 id = 0;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.run_cnt)
			printf("%s %llu %.1f\n", info.name, (unsigned long long)info.run_cnt,
			       (double)info.run_time_ns / info.run_cnt);
		close(fd);
	}
	return 0;
}
