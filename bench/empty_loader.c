// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attach bench/empty.bpf.c's programs of one tier (tracepoint, fentry or
 * kprobe) and the cgroup ones to the cgroup in argv[1], until killed; with
 * "floor" third, the floor programs beside them (tracepoint tier); with
 * "floor-only", the floor programs alone (a throughput run's floor).
 *
 *   empty_loader CGROUP [tracepoint|fentry|kprobe] [floor|floor-only]
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "loader_wait.h"
#include "empty.skel.h"

/* Which tier a program belongs to, by its name. */
static const char *tier_of(const char *name)
{
	if (!strncmp(name, "empty_fexit_", 12))
		return "fentry";
	if (!strncmp(name, "empty_kp_", 9) || !strncmp(name, "empty_krp_", 10))
		return "kprobe";
	if (!strcmp(name, "empty_send") || !strcmp(name, "empty_recv") ||
	    !strcmp(name, "floor_send") || !strcmp(name, "floor_recv"))
		return "tracepoint";
	return NULL;	/* cgroup_skb: every tier */
}

int main(int argc, char **argv)
{
	const char *tier = argc > 2 ? argv[2] : "tracepoint";
	bool only_floor = argc > 3 && !strcmp(argv[3], "floor-only");
	bool floor = only_floor || (argc > 3 && !strcmp(argv[3], "floor"));
	struct empty_bpf *s = empty_bpf__open();
	struct bpf_program *p;
	int cg = argc > 1 ? open(argv[1], O_RDONLY | O_DIRECTORY) : -1;

	if (cg < 0 || !s) {
		fprintf(stderr, "usage: empty_loader CGROUP [tracepoint|fentry|kprobe] "
			"[floor|floor-only]\n");
		return 1;
	}
	bpf_object__for_each_program(p, s->obj) {
		const char *t = tier_of(bpf_program__name(p));

		bool is_floor = !strncmp(bpf_program__name(p), "floor_", 6);

		bpf_program__set_autoload(p, (!t || !strcmp(t, tier)) && is_floor <= floor &&
					  is_floor >= only_floor);
	}
	if (empty_bpf__load(s)) {
		fprintf(stderr, "empty_loader: cannot load the %s set\n", tier);
		return 1;
	}
	bpf_object__for_each_program(p, s->obj) {
		const char *t = tier_of(bpf_program__name(p));
		struct bpf_link *l;

		if (!bpf_program__autoload(p))
			continue;
		l = t ? bpf_program__attach(p) : bpf_program__attach_cgroup(p, cg);
		if (libbpf_get_error(l)) {
			fprintf(stderr, "empty_loader: cannot attach %s\n", bpf_program__name(p));
			return 1;
		}
	}
	loader_wait();
	empty_bpf__destroy(s);
	return 0;
}
