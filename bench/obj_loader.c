// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load a BPF object file and attach each of its programs where its section
 * says, until killed: for floors written as plain tracing programs
 * (bench/trace_floor.bpf.c).
 *
 *   obj_loader OBJECT
 * Prints "attached" once every program is.
 */
#include <stdio.h>
#include <bpf/libbpf.h>
#include "loader_wait.h"

int main(int argc, char **argv)
{
	struct bpf_object *obj = argc == 2 ? bpf_object__open_file(argv[1], NULL) : NULL;
	struct bpf_program *p;

	if (argc != 2) {
		fprintf(stderr, "usage: obj_loader OBJECT\n");
		return 2;
	}
	if (libbpf_get_error(obj) || bpf_object__load(obj)) {
		fprintf(stderr, "obj_loader: cannot load %s\n", argv[1]);
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		if (libbpf_get_error(bpf_program__attach(p))) {
			fprintf(stderr, "obj_loader: cannot attach %s\n", bpf_program__name(p));
			return 1;
		}
	}
	loader_wait();
	bpf_object__close(obj);
	return 0;
}
