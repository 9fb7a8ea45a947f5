/* SPDX-License-Identifier: GPL-2.0-only */
/* Refusals of the monitor's optional ways, heard from tiny programs before the whole load. */
#ifndef NETOPROC_WAY_PROBES_H
#define NETOPROC_WAY_PROBES_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

/* -EPERM when the kernel refuses to load a map-element iterator (the storage-map dump); else 0. */
int way_probe_map_iter(const struct btf *btf);
/*
 * True when the verifier refuses a socket reached from a task's file as
 * bpf_sk_storage_get()'s argument (adoption's and the task-files dump's
 * access), with its words in @reason.
 */
bool way_probe_file_sock(const struct btf *btf, char *reason, size_t size);

#endif
