/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which container, pod and systemd unit a cgroup path names, from the path alone:
 * the names docker, containerd, CRI-O, podman, LXC and systemd-nspawn give their
 * cgroups under the systemd and the cgroupfs drivers, in cgroup v1 and v2. No I/O.
 */
#ifndef NETOPROC_CGROUP_IDENT_H
#define NETOPROC_CGROUP_IDENT_H

#include <stdbool.h>
#include <stddef.h>

enum ct_runtime {
	CT_NONE = 0,		/* not a container's cgroup */
	CT_UNKNOWN,		/* a container (a pod's 64-hex child) of a runtime the path does not name */
	CT_DOCKER,
	CT_CONTAINERD,
	CT_CRIO,
	CT_PODMAN,
	CT_LXC,
	CT_NSPAWN,
};

#define CT_ID_MAX 128		/* 64 hex digits, or an LXC / nspawn machine name */
#define CT_POD_UID_MAX 40	/* 36 characters of a UUID */
#define CT_UNIT_MAX 256

struct cgroup_ident {
	enum ct_runtime runtime;
	char id[CT_ID_MAX];		/* full container id ("" none); LXC, nspawn: the name */
	char name[CT_ID_MAX];		/* a name the path itself gives (LXC, nspawn), else "" */
	char pod_uid[CT_POD_UID_MAX];	/* with dashes, as Kubernetes writes it; "" none */
	char unit[CT_UNIT_MAX];		/* innermost .service or .scope; "" none */
};

/*
 * Parse @path (relative to a cgroup hierarchy's mount, as in /proc/PID/cgroup).
 * Returns true when it names a container (ident->runtime != CT_NONE); the unit is
 * filled either way.
 */
bool cgroup_ident_parse(const char *path, struct cgroup_ident *ident);

/* "docker", "containerd", "cri-o", "podman", "lxc", "systemd-nspawn"; NULL otherwise. */
const char *ct_runtime_name(enum ct_runtime r);

/* The 12-character short form of a 64-hex id; other ids (names) whole. */
void ct_short_id(const char *id, char *out, size_t size);

#endif
