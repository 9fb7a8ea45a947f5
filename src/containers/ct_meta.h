/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A container's names from what its runtime keeps on the host, with no API server:
 *
 *   docker      ROOT/var/lib/docker/containers/<id>/config.v2.json   "Name": "/web"
 *   podman      ROOT/var/lib/containers/storage/overlay-containers/containers.json
 *               (also CRI-O's store)                                 "names": ["web"]
 *   Kubernetes  ROOT/var/log/pods/<namespace>_<pod>_<pod uid>/       (kubelet's CRI logs)
 *               ROOT/var/log/containers/<pod>_<namespace>_<container>-<id>.log
 *   containerd  ROOT/run/containerd/io.containerd.runtime.v2.task/<ns>/<id>/  (shim v2 bundle)
 *
 * ROOT is "/" unless NETOPROC_CONTAINER_ROOT names another directory (a host's root
 * mounted elsewhere, or a test's). A pod's container whose cgroup does not name its
 * runtime (cgroupfs driver) is given the runtime whose state holds its id.
 */
#ifndef NETOPROC_CT_META_H
#define NETOPROC_CT_META_H

#include <stdbool.h>
#include <stdint.h>
#include "containers/cgroup_ident.h"

#define CT_NAME_MAX 256

/* Everything known of one cgroup: what its path says and what the runtimes' files add. */
struct ct_info {
	struct cgroup_ident ident;
	char name[CT_NAME_MAX];		/* container name; "" unknown */
	char k8s_namespace[CT_NAME_MAX];
	char pod_name[CT_NAME_MAX];
};

/* The metadata root: NETOPROC_CONTAINER_ROOT, or "" for "/". */
const char *ct_meta_root(void);
/* Parse @cgroup_path and complete it from the files under @root ("" for "/"). */
void ct_meta_lookup(const char *root, const char *cgroup_path, struct ct_info *out);

/*
 * cgroup v1 (and hybrid) hosts: a runtime using the cgroupfs driver names its cgroups
 * only in the v1 hierarchies. The first hierarchy of /proc/@pid/cgroup whose path
 * names a container, completed from @root; false when none does or the process is gone.
 */
bool ct_meta_lookup_v1(const char *root, uint32_t pid, struct ct_info *out);
/* The same from the text of a /proc/PID/cgroup file (exposed for unit tests). */
bool ct_meta_lookup_v1_text(const char *root, const char *text, struct ct_info *out);

#endif
