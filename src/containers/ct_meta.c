// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "containers/ct_meta.h"
#include "containers/json_scan.h"

#define META_FILE_MAX (64u << 20)	/* a containers.json of thousands of containers */

const char *ct_meta_root(void)
{
	const char *r = getenv("NETOPROC_CONTAINER_ROOT");

	return r ? r : "";
}

/* A whole file, NUL-terminated; NULL when absent or too large. Caller frees. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		if (cap - n < 4097) {
			char *grown;

			if (cap >= META_FILE_MAX || !(grown = realloc(buf, cap ? cap * 2 : 8192))) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap = cap ? cap * 2 : 8192;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			buf[n] = '\0';
			break;
		}
	}
	fclose(f);
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* docker: config.v2.json's top-level "Name" ("/web"). */
static bool docker_name(const char *root, const char *id, char *out, size_t size)
{
	char path[4096], name[CT_NAME_MAX];
	char *text;
	bool ok;

	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/%s/config.v2.json", root, id);
	if (!(text = read_file(path)))
		return false;
	ok = js_member_string(js_ws(text), "Name", name, sizeof(name)) && name[0];
	if (ok)
		snprintf(out, size, "%s", name[0] == '/' ? name + 1 : name);
	free(text);
	return ok;
}

/* podman (and CRI-O): containers.json, an array of {"id", "names": [...], ...}. */
static bool storage_name(const char *root, const char *id, char *out, size_t size)
{
	char path[4096], cid[CT_ID_MAX];
	const char *p;
	char *text;
	bool ok = false;

	snprintf(path, sizeof(path), "%s/var/lib/containers/storage/overlay-containers/containers.json",
		 root);
	if (!(text = read_file(path)))
		return false;
	p = js_ws(text);
	if (*p != '[')
		goto out;
	for (p = js_ws(p + 1); *p == '{'; p = js_ws(p + 1)) {
		const char *names;

		if (js_member_string(p, "id", cid, sizeof(cid)) && !strcmp(cid, id)) {
			names = js_member(p, "names");
			if (names && *names == '[' && js_string(js_ws(names + 1), out, size))
				ok = out[0] != '\0';
			break;
		}
		if (!(p = js_skip(p)))
			break;
		p = js_ws(p);
		if (*p != ',')
			break;
	}
out:
	free(text);
	return ok;
}

/* kubelet's pod log directory "<namespace>_<pod>_<uid>": namespace and pod name. */
static bool k8s_pod(const char *root, const char *uid, struct ct_info *ci)
{
	char path[4096];
	size_t ul = strlen(uid);
	struct dirent *e;
	bool ok = false;
	DIR *d;

	snprintf(path, sizeof(path), "%s/var/log/pods", root);
	if (!(d = opendir(path)))
		return false;
	while (!ok && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		const char *u1;

		if (l <= ul + 1 || strcmp(e->d_name + l - ul, uid) || e->d_name[l - ul - 1] != '_')
			continue;
		/* Namespaces and pod names are DNS labels and subdomains: no '_' in them. */
		u1 = strchr(e->d_name, '_');
		if (!u1 || u1 == e->d_name || u1 + 1 >= e->d_name + l - ul - 1)
			continue;
		snprintf(ci->k8s_namespace, sizeof(ci->k8s_namespace), "%.*s",
			 (int)(u1 - e->d_name), e->d_name);
		snprintf(ci->pod_name, sizeof(ci->pod_name), "%.*s",
			 (int)(e->d_name + l - ul - 1 - (u1 + 1)), u1 + 1);
		ok = true;
	}
	closedir(d);
	return ok;
}

/* kubelet's link "<pod>_<namespace>_<container>-<id>.log": the container's name. */
static bool k8s_container(const char *root, const char *id, char *out, size_t size)
{
	char path[4096], tail[CT_ID_MAX + 8];
	size_t tl;
	struct dirent *e;
	bool ok = false;
	DIR *d;

	snprintf(path, sizeof(path), "%s/var/log/containers", root);
	snprintf(tail, sizeof(tail), "-%s.log", id);
	tl = strlen(tail);
	if (!(d = opendir(path)))
		return false;
	while (!ok && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		const char *c;

		if (l <= tl || strcmp(e->d_name + l - tl, tail))
			continue;
		c = strrchr(e->d_name, '_');	/* the container name holds no '_' */
		if (!c || c + 1 >= e->d_name + l - tl)
			continue;
		snprintf(out, size, "%.*s", (int)(e->d_name + l - tl - (c + 1)), c + 1);
		ok = true;
	}
	closedir(d);
	return ok;
}

/* containerd's shim v2 keeps a bundle per task, under its namespace ("k8s.io", "moby", ...). */
static bool containerd_has(const char *root, const char *id)
{
	char path[4096];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "%s/run/containerd/io.containerd.runtime.v2.task", root);
	if (!(d = opendir(path)))
		return false;
	while (!found && (e = readdir(d))) {
		char p[4096 + 512];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s/%s", path, e->d_name, id);
		found = exists(p);
	}
	closedir(d);
	return found;
}

/* A pod's container the cgroup path did not name the runtime of: whose state holds it. */
static enum ct_runtime runtime_of(const char *root, const char *id)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/%s", root, id);
	if (exists(path))
		return CT_DOCKER;
	if (containerd_has(root, id))
		return CT_CONTAINERD;
	snprintf(path, sizeof(path), "%s/var/lib/containers/storage/overlay-containers/%s", root, id);
	if (exists(path))
		return CT_CRIO;	/* podman uses the same store, but not under a pod's cgroup */
	return CT_UNKNOWN;
}

void ct_meta_lookup(const char *root, const char *cgroup_path, struct ct_info *ci)
{
	struct cgroup_ident *id = &ci->ident;

	memset(ci, 0, sizeof(*ci));
	cgroup_ident_parse(cgroup_path, id);
	if (id->pod_uid[0])
		k8s_pod(root, id->pod_uid, ci);
	if (id->runtime == CT_NONE)
		return;
	if (id->runtime == CT_UNKNOWN)
		id->runtime = runtime_of(root, id->id);
	if (id->name[0])	/* LXC, nspawn: the path's own */
		snprintf(ci->name, sizeof(ci->name), "%s", id->name);
	else if (id->pod_uid[0] && k8s_container(root, id->id, ci->name, sizeof(ci->name)))
		;	/* Kubernetes names its containers; the runtime's name is a generated one */
	else if (id->runtime == CT_DOCKER)
		docker_name(root, id->id, ci->name, sizeof(ci->name));
	else if (id->runtime == CT_PODMAN || id->runtime == CT_CRIO)
		storage_name(root, id->id, ci->name, sizeof(ci->name));
}

bool ct_meta_lookup_v1_text(const char *root, const char *text, struct ct_info *ci)
{
	char line[4096];

	while (text && *text) {
		const char *nl = strchrnul(text, '\n'), *path;
		size_t len = nl - text;

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1),
			 text);
		text = *nl ? nl + 1 : nl;
		/* "ID:CONTROLLERS:PATH"; ID 0 is the v2 hierarchy, read from its mount already */
		if (!strncmp(line, "0:", 2) || !(path = strchr(line, ':')) ||
		    !(path = strchr(path + 1, ':')))
			continue;
		ct_meta_lookup(root, path + 1, ci);
		if (ci->ident.runtime != CT_NONE)
			return true;
	}
	memset(ci, 0, sizeof(*ci));
	return false;
}

bool ct_meta_lookup_v1(const char *root, uint32_t pid, struct ct_info *ci)
{
	char path[64], *text;
	bool ok;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	if (!(text = read_file(path)))
		return false;
	ok = ct_meta_lookup_v1_text(root, text, ci);
	free(text);
	return ok;
}
