// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "lib/cgroup.h"

int cgroup2_mount(char *buf, size_t size)
{
	FILE *f = setmntent("/proc/mounts", "r");
	struct mntent *e;
	int err = -ENOENT;

	if (!f)
		return -errno;
	while ((e = getmntent(f))) {
		if (strcmp(e->mnt_type, "cgroup2") == 0) {
			snprintf(buf, size, "%s", e->mnt_dir);
			err = 0;
			break;
		}
	}
	endmntent(f);
	return err;
}

uint64_t cgroup_id_of(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	return st.st_ino;	/* on cgroup2 (kernfs) the inode number is the cgroup id */
}

/* Depth-first search for the directory whose inode is @id. */
static int find_id(char *path, size_t size, size_t len, uint64_t id, int depth)
{
	DIR *d;
	struct dirent *e;
	int found = -ENOENT;

	if (depth > 32 || !(d = opendir(path)))
		return -ENOENT;
	while (found && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if (len + strlen(e->d_name) + 2 >= size)
			continue;
		snprintf(path + len, size - len, "/%s", e->d_name);
		if (e->d_ino == id)
			found = 0;
		else
			found = find_id(path, size, strlen(path), id, depth + 1);
		if (found)
			path[len] = '\0';
	}
	closedir(d);
	return found;
}

int cgroup_path_of(uint64_t id, char *buf, size_t size)
{
	char root[256], path[4096];
	size_t rl;

	if (cgroup2_mount(root, sizeof(root)))
		return -ENOENT;
	if (cgroup_id_of(root) == id) {
		snprintf(buf, size, "/");
		return 0;
	}
	snprintf(path, sizeof(path), "%s", root);
	rl = strlen(root);
	if (find_id(path, sizeof(path), rl, id, 0))
		return -ENOENT;
	snprintf(buf, size, "%s", path + rl);
	return 0;
}
