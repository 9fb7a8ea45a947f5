// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cgroup names runtimes create, one path component at a time:
 *
 *   systemd driver (a scope per container, a slice per pod):
 *     /system.slice/docker-<64hex>.scope               docker
 *     /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid, _ for ->.slice/
 *         cri-containerd-<64hex>.scope                 containerd (CRI)
 *         crio-<64hex>.scope                           CRI-O
 *         docker-<64hex>.scope                         dockershim / cri-dockerd
 *     /machine.slice/libpod-<64hex>.scope              podman (also under user@UID.service)
 *     /system.slice/nerdctl-<64hex>.scope              containerd (nerdctl)
 *     /machine.slice/systemd-nspawn@NAME.service       systemd-nspawn
 *     /machine.slice/machine-NAME.scope                systemd-nspawn registered with machined
 *   cgroupfs driver (and cgroup v1 hierarchies):
 *     /docker/<64hex>                                  docker
 *     /libpod_parent/libpod-<64hex>                    podman
 *     /kubepods/besteffort/pod<uid>/<64hex>            a pod's container, runtime not named
 *     /kubepods/pod<uid>/crio-<64hex>                  CRI-O
 *     /lxc.payload.NAME (LXC 4+), /lxc/NAME (older)    LXC
 *
 * The outermost component naming a container wins: a container may make cgroups of
 * its own below its root (systemd in a container, nested runtimes).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "containers/cgroup_ident.h"

struct scope_prefix {
	const char *prefix;	/* before "-<64hex>" */
	enum ct_runtime runtime;
};

static const struct scope_prefix scope_prefixes[] = {
	{ "docker", CT_DOCKER },
	{ "cri-containerd", CT_CONTAINERD },
	{ "nerdctl", CT_CONTAINERD },
	{ "crio", CT_CRIO },
	{ "libpod", CT_PODMAN },
};

const char *ct_runtime_name(enum ct_runtime r)
{
	switch (r) {
	case CT_DOCKER: return "docker";
	case CT_CONTAINERD: return "containerd";
	case CT_CRIO: return "cri-o";
	case CT_PODMAN: return "podman";
	case CT_LXC: return "lxc";
	case CT_NSPAWN: return "systemd-nspawn";
	default: return NULL;
	}
}

static bool is_hex64(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

void ct_short_id(const char *id, char *out, size_t size)
{
	if (is_hex64(id, strlen(id)))
		snprintf(out, size, "%.12s", id);
	else
		snprintf(out, size, "%s", id);
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t sl = strlen(suffix);

	return len >= sl && !memcmp(s + len - sl, suffix, sl);
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);

	return len >= pl && !memcmp(s, prefix, pl);
}

static void copy_part(char *dst, size_t size, const char *s, size_t len)
{
	snprintf(dst, size, "%.*s", (int)(len < size ? len : size - 1), s);
}

/* "<prefix>-<64hex>" or "<prefix>-<64hex>.scope": the runtime, or CT_NONE. */
static enum ct_runtime scope_runtime(const char *c, size_t len, struct cgroup_ident *id)
{
	if (ends_with(c, len, ".scope"))
		len -= 6;
	for (size_t i = 0; i < sizeof(scope_prefixes) / sizeof(scope_prefixes[0]); i++) {
		size_t pl = strlen(scope_prefixes[i].prefix);

		if (len == pl + 1 + 64 && starts_with(c, len, scope_prefixes[i].prefix) &&
		    c[pl] == '-' && is_hex64(c + pl + 1, 64)) {
			copy_part(id->id, sizeof(id->id), c + pl + 1, 64);
			return scope_prefixes[i].runtime;
		}
	}
	return CT_NONE;
}

/*
 * A pod's UID: "pod<uid>" (cgroupfs) or "kubepods[-<qos>]-pod<uid with _>.slice"
 * (systemd). UIDs are UUIDs, or 32 hex digits (the config hash of a static pod).
 */
static bool pod_uid(const char *c, size_t len, char *out, size_t size)
{
	const char *u;
	size_t ul;

	if (starts_with(c, len, "kubepods") && ends_with(c, len, ".slice")) {
		const char *p = memmem(c, len, "-pod", 4);

		if (!p)
			return false;
		u = p + 4;
		ul = c + len - 6 - u;
	} else if (starts_with(c, len, "pod")) {
		u = c + 3;
		ul = len - 3;
	} else {
		return false;
	}
	if (ul < 32 || ul >= size)
		return false;
	for (size_t i = 0; i < ul; i++)
		if (!(isxdigit((unsigned char)u[i]) || u[i] == '-' || u[i] == '_'))
			return false;
	for (size_t i = 0; i < ul; i++)
		out[i] = u[i] == '_' ? '-' : u[i];
	out[ul] = '\0';
	return true;
}

/* systemd's unit-name escaping: "\x2d" is '-'. */
static void unescape_unit(char *dst, size_t size, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < size; i++) {
		unsigned v;

		if (s[i] == '\\' && i + 3 < len && s[i + 1] == 'x' &&
		    sscanf(s + i + 2, "%2x", &v) == 1 && isxdigit((unsigned char)s[i + 3])) {
			dst[o++] = (char)v;
			i += 3;
		} else {
			dst[o++] = s[i];
		}
	}
	dst[o] = '\0';
}

/* A named container (LXC, nspawn) in component @c; @prev is the one above it. */
static enum ct_runtime named_runtime(const char *c, size_t len, const char *prev, size_t prev_len,
				     struct cgroup_ident *id)
{
	const char *n = NULL;
	size_t nl = 0;
	enum ct_runtime r = CT_NONE;

	if (starts_with(c, len, "lxc.payload.") && len > 12) {
		n = c + 12, nl = len - 12, r = CT_LXC;
	} else if (prev && prev_len == 3 && !memcmp(prev, "lxc", 3)) {
		n = c, nl = len, r = CT_LXC;
	} else if (starts_with(c, len, "systemd-nspawn@") && ends_with(c, len, ".service") &&
		   len > 15 + 8) {
		n = c + 15, nl = len - 15 - 8, r = CT_NSPAWN;
	} else if (starts_with(c, len, "machine-") && ends_with(c, len, ".scope") &&
		   len > 8 + 6 && !starts_with(c, len, "machine-qemu\\x2d")) {
		/* libvirt registers its VMs as machine-qemu\x2dN\x2dNAME.scope: not containers */
		n = c + 8, nl = len - 8 - 6, r = CT_NSPAWN;
	}
	if (r == CT_NONE)
		return r;
	unescape_unit(id->name, sizeof(id->name), n, nl);
	snprintf(id->id, sizeof(id->id), "%s", id->name);
	return r;
}

static bool is_unit(const char *c, size_t len)
{
	return (len > 8 && ends_with(c, len, ".service")) || (len > 6 && ends_with(c, len, ".scope"));
}

bool cgroup_ident_parse(const char *path, struct cgroup_ident *id)
{
	const char *p = path, *prev = NULL;
	size_t prev_len = 0;

	memset(id, 0, sizeof(*id));
	if (!p)
		return false;
	while (*p) {
		const char *c, *end;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		c = p;
		end = strchrnul(c, '/');
		len = end - c;
		p = end;
		if (is_unit(c, len))	/* the innermost one wins */
			copy_part(id->unit, sizeof(id->unit), c, len);
		if (id->runtime == CT_NONE) {
			if (!id->pod_uid[0])
				pod_uid(c, len, id->pod_uid, sizeof(id->pod_uid));
			if ((id->runtime = scope_runtime(c, len, id)) == CT_NONE)
				id->runtime = named_runtime(c, len, prev, prev_len, id);
			if (id->runtime == CT_NONE && is_hex64(c, len)) {
				/* cgroupfs driver: the parent says whose */
				copy_part(id->id, sizeof(id->id), c, len);
				if (prev_len == 6 && !memcmp(prev, "docker", 6))
					id->runtime = CT_DOCKER;
				else
					id->runtime = CT_UNKNOWN;
			}
		}
		prev = c;
		prev_len = len;
	}
	return id->runtime != CT_NONE;
}
