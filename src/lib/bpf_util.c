// SPDX-License-Identifier: GPL-2.0-only
/* libbpf and BTF helpers every command uses: log callbacks, kernel BTF, counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "lib/bpf_util.h"
#include "lib/util.h"

int np_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!np_verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int np_libbpf_silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

struct btf *load_kernel_btf(const char *path)
{
	struct btf *btf = path ? btf__parse(path, NULL) : btf__load_vmlinux_btf();

	if (libbpf_get_error(btf))
		return NULL;
	return btf;
}

bool btf_enum_has(const struct btf *btf, const char *type, const char *value)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(btf, id);
	const struct btf_enum *e = t ? btf_enum(t) : NULL;

	for (int i = 0; t && i < btf_vlen(t); i++)
		if (strcmp(btf__name_by_offset(btf, e[i].name_off), value) == 0)
			return true;
	return false;
}

int btf_func_nargs(const struct btf *btf, const char *name)
{
	int id = btf ? btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) : -1;
	const struct btf_type *t;

	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	return t ? btf_vlen(t) : -1;
}

uint64_t np_percpu_sum(int map_fd, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum = 0, *vals;

	if (ncpu <= 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (bpf_map_lookup_elem(map_fd, &idx, vals) == 0)
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

void np_autoload_kind(struct bpf_object *obj, const char *prefix)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, strncmp(bpf_program__section_name(prog), prefix,
							strlen(prefix)) == 0);
}

int np_tp_nargs(const struct btf *btf, const char *name)
{
	const struct btf_type *t;
	char tname[128];
	int id;

	if (!btf)
		return -ENOENT;
	snprintf(tname, sizeof(tname), "btf_trace_%s", name);
	id = btf__find_by_name_kind(btf, tname, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_ptr(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return -EINVAL;
	return btf_vlen(t);
}

uint64_t np_prog_misses(struct bpf_object *obj)
{
	struct bpf_program *prog;
	uint64_t sum = 0;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		/* The softirq bookkeeping programs carry no events. */
		if (fd < 0 || strncmp(bpf_program__name(prog), "np_softirq", 10) == 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			sum += info.recursion_misses;
	}
	return sum;
}

/*
 * struct bpf_link_info up to perf_event.kprobe.missed (uapi of 6.7), spelled
 * out because the installed headers may predate it: type, id and prog_id,
 * then the union at 16, where a perf link has its event type, 4 bytes of pad,
 * func_name, name_len, offset, addr and missed.
 */
struct kprobe_link_info {
	uint32_t type, id, prog_id, pad;
	uint32_t event_type, pad2;
	uint64_t func_name;
	uint32_t name_len, offset;
	uint64_t addr, missed;
};

#define LINK_TYPE_PERF_EVENT 7		/* BPF_LINK_TYPE_PERF_EVENT */
#define PERF_EVENT_KPROBE 3		/* BPF_PERF_EVENT_KPROBE (uapi 6.6) */
#define PERF_EVENT_KRETPROBE 4

uint64_t np_kprobe_link_misses(struct bpf_link *link, uint32_t *prog_id)
{
	struct kprobe_link_info info;
	__u32 len = sizeof(info);
	int fd = link ? bpf_link__fd(link) : -1;

	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	if (prog_id)
		*prog_id = info.prog_id;
	if (len < sizeof(info) ||
	    info.type != LINK_TYPE_PERF_EVENT ||
	    (info.event_type != PERF_EVENT_KPROBE && info.event_type != PERF_EVENT_KRETPROBE))
		return 0;
	return info.missed;
}
