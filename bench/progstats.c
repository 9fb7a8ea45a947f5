// SPDX-License-Identifier: GPL-2.0-only
/*
 * Print loaded BPF programs' run counts and mean ns per run (needs
 * kernel.bpf_stats_enabled=1): bpftool's figures where there is no bpftool,
 * such as the kernel-matrix VMs. One line each: name runs ns_per_run.
 *
 *   progstats [PID...]
 * With PIDs, only the programs those processes hold (a program or link fd
 * naming it in /proc/PID/fdinfo): other tools, or other netoproc runs, load
 * programs of the same names, and their runs must not mix into ours.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#define MAX_IDS 4096

static __u32 ids[MAX_IDS];
static int nids;

static void collect_ids(const char *pid)
{
	char dir[64], path[384], line[128];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%s/fdinfo", pid);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "progstats: %s: no such process\n", pid);
		exit(1);
	}
	while ((de = readdir(d))) {
		FILE *f;
		unsigned int id;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "prog_id: %u", &id) == 1 && nids < MAX_IDS)
				ids[nids++] = id;
		fclose(f);
	}
	closedir(d);
}

static bool wanted(__u32 id, bool all)
{
	for (int i = 0; i < nids; i++)
		if (ids[i] == id)
			return true;
	return all;
}

int main(int argc, char **argv)
{
	__u32 id = 0;

	for (int i = 1; i < argc; i++)
		collect_ids(argv[i]);
	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd;

		if (!wanted(id, argc == 1))
			continue;
		fd = bpf_prog_get_fd_by_id(id);
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
