// SPDX-License-Identifier: GPL-2.0-only
/*
 * Visiting network namespaces with setns(2). netoproc is single-threaded, so
 * switching the calling thread switches the process; it always switches back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/netns.h"

struct seen {
	ino_t *ino;
	size_t n, cap;
};

/* Remember @ino; false if it was seen already (or there is no memory to remember it). */
static bool first_time(struct seen *s, ino_t ino)
{
	ino_t *grown;

	for (size_t i = 0; i < s->n; i++)
		if (s->ino[i] == ino)
			return false;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		grown = realloc(s->ino, s->cap * sizeof(*grown));
		if (!grown)
			return false;
		s->ino = grown;
	}
	s->ino[s->n++] = ino;
	return true;
}

/* Enter the namespace at @path if it is new, run @fn, come back to @home. */
static int visit(const char *path, struct seen *s, int home, int (*fn)(void *), void *arg,
		 unsigned *skipped)
{
	struct stat st;
	int fd, ret;

	if (stat(path, &st) || !first_time(s, st.st_ino))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		if (fd >= 0)
			close(fd);
		(*skipped)++;
		return 0;
	}
	close(fd);
	ret = fn(arg);
	if (setns(home, CLONE_NEWNET))
		return -errno;
	return ret;
}

/* Each namespace path under @dir (a pid's ns/net with @suffix) to @fn until it returns nonzero. */
static int each_path(const char *dir, const char *suffix, int (*fn)(const char *, void *),
		     void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];
	int ret = 0;

	if (!d)
		return 0;
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.' || (suffix && (de->d_name[0] < '0' || de->d_name[0] > '9')))
			continue;
		snprintf(path, sizeof(path), "%s/%s%s", dir, de->d_name, suffix ? suffix : "");
		ret = fn(path, arg);
	}
	closedir(d);
	return ret;
}

struct visiting {
	struct seen *s;
	int home;
	int (*fn)(void *);
	void *arg;
	unsigned *skipped;
};

static int visit_path(const char *path, void *v)
{
	struct visiting *x = v;

	return visit(path, x->s, x->home, x->fn, x->arg, x->skipped);
}

int netns_for_each(int (*fn)(void *arg), void *arg, unsigned *skipped)
{
	struct seen s = {};
	struct visiting x = { .s = &s, .fn = fn, .arg = arg, .skipped = skipped };
	struct stat st;
	int home, ret;

	*skipped = 0;
	home = x.home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0 || fstat(home, &st)) {
		ret = fn(arg);	/* no /proc: our own namespace is all we can see */
		goto out;
	}
	first_time(&s, st.st_ino);
	ret = fn(arg);
	if (!ret)
		ret = each_path("/proc", "/ns/net", visit_path, &x);
	if (!ret)
		ret = each_path("/run/netns", NULL, visit_path, &x);
out:
	if (home >= 0)
		close(home);
	free(s.ino);
	return ret;
}

void netns_parse_sockstat(const char *text, unsigned *tcp, unsigned *udp)
{
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned n, tw;

		if (sscanf(line, "TCP: inuse %u orphan %*u tw %u", &n, &tw) == 2)
			*tcp += n + tw;
		else if (sscanf(line, "TCP: inuse %u", &n) == 1 || sscanf(line, "TCP6: inuse %u", &n) == 1)
			*tcp += n;
		else if (sscanf(line, "UDP: inuse %u", &n) == 1 || sscanf(line, "UDP6: inuse %u", &n) == 1)
			*udp += n;
	}
}

int netns_sockstat_open(int fds[2])
{
	static const char *const files[] = { "/proc/thread-self/net/sockstat",
					      "/proc/thread-self/net/sockstat6" };

	for (size_t i = 0; i < 2; i++) {
		fds[i] = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			if (i)
				close(fds[0]);
			fds[0] = fds[1] = -1;
			return -1;
		}
	}
	return 0;
}

int netns_sockstat_read_by_family(const int fds[2], unsigned tcp[2], unsigned udp[2])
{
	char buf[1024];

	for (size_t i = 0; i < 2; i++) {
		ssize_t n = fds[i] >= 0 ? pread(fds[i], buf, sizeof(buf) - 1, 0) : -1;

		tcp[i] = udp[i] = 0;
		if (n <= 0)
			return -1;
		buf[n] = '\0';
		netns_parse_sockstat(buf, &tcp[i], &udp[i]);
	}
	return 0;
}

int netns_sockets_in_use(unsigned *tcp, unsigned *udp)
{
	unsigned t[2], u[2];
	int fds[2], err;

	*tcp = *udp = 0;
	if (netns_sockstat_open(fds))
		return -1;
	err = netns_sockstat_read_by_family(fds, t, u);
	close(fds[0]);
	close(fds[1]);
	if (!err) {
		*tcp = t[0] + t[1];
		*udp = u[0] + u[1];
	}
	return err;
}

struct inode_list {
	uint64_t *out;
	int n, max;
};

static int add_inode(const char *path, void *arg)
{
	struct inode_list *l = arg;
	struct stat st;

	if (stat(path, &st))
		return 0;
	for (int i = 0; i < l->n; i++)
		if (l->out[i] == st.st_ino)
			return 0;
	if (l->n == l->max)
		return 1;
	l->out[l->n++] = st.st_ino;
	return 0;
}

int netns_inodes(uint64_t *out, int max)
{
	struct inode_list l = { .out = out, .max = max };

	add_inode("/proc/self/ns/net", &l);
	each_path("/run/netns", NULL, add_inode, &l);
	each_path("/proc", "/ns/net", add_inode, &l);
	return l.n;
}

struct inode_find {
	uint64_t ino;
	int fd;
};

static int open_if_inode(const char *path, void *arg)
{
	struct inode_find *f = arg;
	struct stat st;
	int fd;

	if (stat(path, &st) || st.st_ino != f->ino)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	f->fd = fd;
	return 1;
}

int netns_open_inode(uint64_t ino)
{
	struct inode_find f = { .ino = ino, .fd = -ENOENT };

	if (!open_if_inode("/proc/self/ns/net", &f) &&
	    !each_path("/run/netns", NULL, open_if_inode, &f))
		each_path("/proc", "/ns/net", open_if_inode, &f);
	return f.fd;
}
