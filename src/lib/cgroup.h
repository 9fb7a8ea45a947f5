/* SPDX-License-Identifier: GPL-2.0-only */
/* cgroup v2: where it is mounted, and the path of a cgroup id. */
#ifndef NETOPROC_CGROUP_H
#define NETOPROC_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/* The cgroup2 mount point from /proc/mounts; 0 or -ENOENT. */
int cgroup2_mount(char *buf, size_t size);
/* Path of cgroup @id relative to the cgroup2 mount ("/" for the root); 0 or -ENOENT. */
int cgroup_path_of(uint64_t id, char *buf, size_t size);
/* Cgroup id (inode) of a cgroup2 directory, or 0. */
uint64_t cgroup_id_of(const char *path);

#endif
