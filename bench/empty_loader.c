// SPDX-License-Identifier: GPL-2.0-only
/* Attach bench/empty.bpf.c to the cgroup given in argv[1] until killed. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "empty.skel.h"

static volatile sig_atomic_t stop;

static void on_sig(int s) { stop = 1; }

int main(int argc, char **argv)
{
	struct empty_bpf *s;
	int cg = argc > 1 ? open(argv[1], O_RDONLY | O_DIRECTORY) : -1;

	if (cg < 0 || !(s = empty_bpf__open_and_load())) {
		fprintf(stderr, "empty_loader: cannot open cgroup or load\n");
		return 1;
	}
	if (!bpf_program__attach_cgroup(s->progs.empty_ingress, cg) ||
	    !bpf_program__attach_cgroup(s->progs.empty_egress, cg) ||
	    empty_bpf__attach(s)) {
		fprintf(stderr, "empty_loader: cannot attach\n");
		return 1;
	}
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	empty_bpf__destroy(s);
	return 0;
}
