// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "containers/ct_resolve.h"

#define PID_TTL 2.0		/* seconds a process's identity is reused */
#define NETNS_RESCAN 1.0	/* at most one /proc walk a second */
#define PID_CACHE_MAX 4096

struct ct_cached {
	struct ct_info ct;
	bool any;		/* names a container, a pod or a unit */
	double at;
	unsigned nprocs;	/* namespaces: processes merged into ct */
};

int ct_resolver_init(struct ct_resolver *r)
{
	memset(r, 0, sizeof(*r));
	r->root = ct_meta_root();
	if (htab_init(&r->by_pid, sizeof(uint32_t)) || htab_init(&r->by_netns, sizeof(uint64_t)) ||
	    htab_init(&r->by_path, sizeof(uint64_t))) {
		ct_resolver_free(r);
		return -ENOMEM;
	}
	r->netns_scan = -NETNS_RESCAN;
	return 0;
}

void ct_resolver_free(struct ct_resolver *r)
{
	htab_free_all(&r->by_pid);
	htab_free_all(&r->by_netns);
	htab_free_all(&r->by_path);
}

static bool named(const struct ct_info *ct)
{
	return ct->ident.runtime != CT_NONE || ct->ident.pod_uid[0] || ct->ident.unit[0];
}

void ct_merge(struct ct_info *into, const struct ct_info *o)
{
	if (o->ident.runtime != into->ident.runtime || strcmp(o->ident.id, into->ident.id)) {
		into->ident.runtime = CT_NONE;
		into->ident.id[0] = '\0';
		into->name[0] = '\0';
	}
	if (strcmp(o->name, into->name))
		into->name[0] = '\0';
	if (strcmp(o->ident.pod_uid, into->ident.pod_uid)) {
		into->ident.pod_uid[0] = '\0';
		into->k8s_namespace[0] = into->pod_name[0] = '\0';
	}
	if (strcmp(o->ident.unit, into->ident.unit))
		into->ident.unit[0] = '\0';
}

bool ct_matches(const struct ct_info *ct, const char *want)
{
	size_t wl = strlen(want);

	return ct && ct->ident.runtime != CT_NONE &&
	       (!strncmp(ct->ident.id, want, wl) || (ct->name[0] && !strncmp(ct->name, want, wl)));
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* A process's identity from its /proc/PID/cgroup: the v2 line, else a v1 one naming a container. */
static bool of_pid(struct ct_resolver *r, uint32_t pid, struct ct_info *out)
{
	char path[64], line[4096];
	struct ct_info v1 = { 0 };
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	if (!(f = fopen(path, "re")))
		return false;
	memset(out, 0, sizeof(*out));
	while (fgets(line, sizeof(line), f)) {
		char *cg = strchr(line, ':'), *nl;
		struct ct_info *cached;
		uint64_t h;

		if (!cg || !(cg = strchr(cg + 1, ':')))
			continue;
		cg++;
		if ((nl = strchr(cg, '\n')))
			*nl = '\0';
		h = fnv1a(cg);
		if (!(cached = htab_get(&r->by_path, &h))) {
			if (!(cached = malloc(sizeof(*cached))))
				break;
			ct_meta_lookup(r->root, cg, cached);
			if (htab_put(&r->by_path, &h, cached)) {
				free(cached);
				break;
			}
		}
		if (!strncmp(line, "0::", 3)) {
			*out = *cached;	/* the unified hierarchy: the unit, and systemd-driver containers */
			found = true;
		} else if (cached->ident.runtime != CT_NONE && v1.ident.runtime == CT_NONE) {
			v1 = *cached;	/* cgroupfs driver on a hybrid host: only v1 names it */
		}
	}
	fclose(f);
	if (out->ident.runtime == CT_NONE && v1.ident.runtime != CT_NONE) {
		memcpy(v1.ident.unit, out->ident.unit, sizeof(v1.ident.unit));
		*out = v1;
		found = true;
	}
	return found;
}

/* Every process's namespace and identity: the namespaces' merged identities. */
static void scan_namespaces(struct ct_resolver *r, double now)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t i = 0;
	void *v;

	r->netns_scan = now;
	if (!d)
		return;
	htab_free_all(&r->by_netns);
	htab_init(&r->by_netns, sizeof(uint64_t));
	while ((e = readdir(d))) {
		char path[300];
		struct ct_cached *c;
		struct ct_info ct;
		struct stat st;
		uint64_t ns;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		if (stat(path, &st) || !of_pid(r, (uint32_t)strtoul(e->d_name, NULL, 10), &ct))
			continue;
		ns = st.st_ino;
		if (!(c = htab_get(&r->by_netns, &ns))) {
			if (!(c = calloc(1, sizeof(*c))))
				break;
			if (htab_put(&r->by_netns, &ns, c)) {
				free(c);
				break;
			}
		}
		/* every process in it: a host process beside a container's names neither */
		if (c->nprocs++)
			ct_merge(&c->ct, &ct);
		else
			c->ct = ct;
	}
	closedir(d);
	while (htab_next(&r->by_netns, &i, NULL, &v)) {
		struct ct_cached *c = v;

		c->any = named(&c->ct);
		c->at = now;
	}
}

const struct ct_info *ct_resolve(struct ct_resolver *r, uint32_t pid, uint64_t netns, double now)
{
	struct ct_cached *c;

	if (pid) {
		if (r->by_pid.count >= PID_CACHE_MAX) {	/* a long run meets many pids: start over */
			htab_free_all(&r->by_pid);
			if (htab_init(&r->by_pid, sizeof(uint32_t)))
				return NULL;
		}
		c = htab_get(&r->by_pid, &pid);
		if (!c || now - c->at > PID_TTL) {
			if (!c && (c = calloc(1, sizeof(*c))) && htab_put(&r->by_pid, &pid, c)) {
				free(c);
				c = NULL;
			}
			if (c) {
				c->any = of_pid(r, pid, &c->ct) && named(&c->ct);
				c->at = now;
			}
		}
		if (c && c->any)
			return &c->ct;
	}
	if (!netns)
		return NULL;
	c = htab_get(&r->by_netns, &netns);
	if (!c && now - r->netns_scan >= NETNS_RESCAN) {
		scan_namespaces(r, now);
		c = htab_get(&r->by_netns, &netns);
	}
	return c && c->any ? &c->ct : NULL;
}

int ct_container_netns(struct ct_resolver *r, const char *want, uint64_t *netns,
		       struct ct_info *which)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int err = -ENOENT;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char path[300];
		struct ct_info ct;
		struct stat st;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		if (!of_pid(r, (uint32_t)strtoul(e->d_name, NULL, 10), &ct) || !ct_matches(&ct, want))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		if (stat(path, &st))
			continue;	/* gone meanwhile */
		if (err == -ENOENT) {
			*netns = st.st_ino;
			*which = ct;
			err = 0;
		} else if (*netns != st.st_ino) {
			err = -EMLINK;
			break;
		}
	}
	closedir(d);
	return err;
}
