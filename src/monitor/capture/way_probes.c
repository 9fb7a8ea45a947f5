// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two refusals of the monitor's optional ways, heard from programs of a few
 * instructions before the whole object is loaded. Each whole load costs
 * about 70 ms on 6.18 (the kernel's BTF parsed again, maps made, a dozen
 * programs verified), and this host's kernel refused two ways, one load
 * each. A probe answers only when the kernel refuses it exactly as it
 * refuses the real program; anything else (it loads, or fails otherwise)
 * says nothing, and the whole load finds out as before.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "lib/kernel_features.h"
#include "monitor/capture/way_probes.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
						  .off = (o), .imm = (i) })
#define MOV_IMM(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define LDX_DW(d, s, o)	INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define JEQ_0(d, o)	INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, 0)
#define CALL(f)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* An iterator program of @target ("bpf_iter_<target>" in BTF): its fd, or -errno. */
static int load_iter(const struct btf *btf, const char *target, const struct bpf_insn *insns,
		     size_t n, char *log, size_t log_size)
{
	char func[64];
	int id, fd;

	snprintf(func, sizeof(func), "bpf_iter_%s", target);
	id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	if (id < 0)
		return id;
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_ITER,
		    .attach_btf_id = id, .log_buf = log, .log_size = log_size,
		    .log_level = log ? 1 : 0);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "np_way_probe", "GPL", insns, n, &o);
	return fd < 0 ? -errno : fd;
}

int way_probe_map_iter(const struct btf *btf)
{
	int err = probe_tracing_prog(btf, "bpf_iter_bpf_sk_storage_map", BTF_KIND_FUNC,
				     BPF_TRACE_ITER);

	return err == -EPERM ? err : 0;
}

/* Byte offset of member @name of struct @type in the kernel's BTF, or -1. */
static int member_offset(const struct btf *btf, const char *type, const char *name)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(btf, id);
	const struct btf_member *m = t ? btf_members(t) : NULL;

	for (int i = 0; t && i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return btf_member_bit_offset(t, i) / 8;
	return -1;
}

/* An sk storage map of int values (such maps need BTF for key and value): its fd, or -1. */
static int sk_storage_map(struct btf **btf_out)
{
	struct btf *b = btf__new_empty();
	int int_id = b ? btf__add_int(b, "int", 4, BTF_INT_SIGNED) : -1;
	int fd = -1;

	*btf_out = b;
	if (int_id < 0 || btf__load_into_kernel(b))
		return -1;
	LIBBPF_OPTS(bpf_map_create_opts, o, .btf_fd = btf__fd(b), .btf_key_type_id = int_id,
		    .btf_value_type_id = int_id, .map_flags = BPF_F_NO_PREALLOC);
	fd = bpf_map_create(BPF_MAP_TYPE_SK_STORAGE, "np_way_probe", 4, 4, 0, &o);
	return fd;
}

bool way_probe_file_sock(const struct btf *btf, char *reason, size_t size)
{
	/* struct bpf_iter__task_file { meta; task; u32 fd; file; }: file at 24 since 5.8. */
	const int ctx_file = 24;
	int sock_sk = member_offset(btf, "socket", "sk");
	struct btf *map_btf = NULL;
	int map_fd = sock_sk < 0 ? -1 : sk_storage_map(&map_btf);
	char log[4096] = "", *line, *end;
	bool refused = false;
	int fd;

	if (map_fd >= 0) {
		/* adopt_sockets' access: bpf_sk_storage_get(map, sock_from_file(file)->sk) */
		const struct bpf_insn insns[] = {
			LDX_DW(6, 1, ctx_file),
			JEQ_0(6, 10),
			MOV_REG(1, 6),
			CALL(BPF_FUNC_sock_from_file),
			JEQ_0(0, 7),
			LDX_DW(2, 0, sock_sk),
			JEQ_0(2, 5),
			INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_fd),
			INSN(0, 0, 0, 0, 0),
			MOV_IMM(3, 0),
			MOV_IMM(4, 0),
			CALL(BPF_FUNC_sk_storage_get),
			MOV_IMM(0, 0),
			EXIT(),
		};

		fd = load_iter(btf, "task_file", insns, sizeof(insns) / sizeof(insns[0]), log,
			       sizeof(log));
		if (fd >= 0)
			close(fd);
		/* The socket the file gives, untrusted, refused as bpf_sk_storage_get()'s argument. */
		line = fd < 0 ? strstr(log, "R2 type=untrusted_ptr_") : NULL;
		if (line) {
			end = strchr(line, '\n');
			snprintf(reason, size, "%.*s", end ? (int)(end - line) : (int)strlen(line), line);
			refused = true;
		}
		close(map_fd);
	}
	btf__free(map_btf);
	return refused;
}
