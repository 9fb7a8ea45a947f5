// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lib/cgroup.h"
#include "lib/procinfo.h"
#include "lib/util.h"
#include "monitor/capture/proc_parse.h"
#include "monitor/capture/proc_sockets.h"

/* A scan of every process at most this often; new processes are scanned at once. */
#define FULL_SCAN_MIN_GAP 0.05
/* Listing /proc (or the scope's cgroup.procs) at most this often unless urgent. */
#define LIST_MIN_GAP 0.02
/* Closed sockets' inodes are forgotten by a full pass at least this often. */
#define REBUILD_GAP 30.0
#define REBUILD_INODES 262144
/* Processes younger than this are scanned again on every listing pass. */
#define YOUNG_NS 2000000000ULL
/* A holder's name is read again when older than this as a socket is found or reported. */
#define COMM_FRESH 0.5
/* What was read of a process whose socket we found is kept this long after. */
#define FACT_KEEP 60.0
#define FACTS_MAX 65536
/* Values of the scope table: cgroups never move, so both answers are final. */
#define SCOPE_IN ((void *)1)
#define SCOPE_OUT ((void *)2)

struct ps_ino {
	uint32_t pid;
	uint64_t start_ns;
};

struct ps_pid {
	uint32_t pid;
	uint64_t start_ns;
	uint32_t uid;
	unsigned gen;
	char comm[NP_COMM_LEN];
	double comm_at;		/* when comm was read (monotonic) */
};

/*
 * Name and command line of a process that held a socket we found, read while
 * it was alive (it may exit before the model asks) and again when its name
 * changes (exec).
 */
struct ps_fact_key {
	uint32_t pid;
	uint32_t pad;
	uint64_t start_ns;
};

struct ps_fact {
	char comm[NP_COMM_LEN];
	char *cmdline;
	double at;		/* last found or refreshed (monotonic) */
};

int ps_init(struct proc_sockets *ps, const char *scope)
{
	int err;

	memset(ps, 0, sizeof(*ps));
	if ((err = htab_init(&ps->inodes, sizeof(uint64_t))) ||
	    (err = htab_init(&ps->pids, sizeof(uint32_t))) ||
	    (err = htab_init(&ps->facts, sizeof(struct ps_fact_key))) ||
	    (err = htab_init(&ps->scope_ids, sizeof(uint64_t))))
		return err;
	if (scope)
		snprintf(ps->scope, sizeof(ps->scope), "%s", scope);
	ps->last_full = ps->last_list = -1;
	return 0;
}

static void clear_inodes(struct proc_sockets *ps)
{
	htab_free_all(&ps->inodes);
	htab_init(&ps->inodes, sizeof(uint64_t));
}

static void free_fact(struct ps_fact *f)
{
	free(f->cmdline);
	free(f);
}

void ps_free(struct proc_sockets *ps)
{
	size_t i = 0;
	void *v;

	while (htab_next(&ps->facts, &i, NULL, &v))
		free_fact(v);
	htab_free(&ps->facts);
	htab_free_all(&ps->inodes);
	htab_free_all(&ps->pids);
	htab_free(&ps->scope_ids);
}

/*
 * Start time and name from one read of /proc/PID/stat (the process may be
 * about to exit: read what identifies it first), then the owner's uid.
 */
static int read_pid(uint32_t pid, struct ps_pid *pp)
{
	static long tick_ns;
	char path[64], buf[1024], state;
	unsigned long long ticks;
	struct stat st;

	if (!tick_ns) {
		long hz = sysconf(_SC_CLK_TCK);

		tick_ns = 1000000000L / (hz > 0 ? hz : 100);
	}
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	if (procinfo_parse_stat(buf, &state, &ticks, pp->comm, sizeof(pp->comm)))
		return -EINVAL;
	pp->pid = pid;
	pp->comm_at = now_monotonic();
	/* As procinfo_start_ns(): whole clock ticks since boot, in ns. */
	pp->start_ns = ticks * tick_ns;
	snprintf(path, sizeof(path), "/proc/%u", pid);
	pp->uid = stat(path, &st) == 0 ? st.st_uid : 0;
	return 0;
}

static void note_inode(struct proc_sockets *ps, uint64_t inode, const struct ps_pid *pp)
{
	struct ps_ino *e = htab_get(&ps->inodes, &inode);

	if (e) {
		struct ps_pid *cur = htab_get(&ps->pids, &e->pid);

		/*
		 * Shared by several processes (fork): the youngest one is
		 * usually the one doing the work (pre-fork servers, helpers).
		 */
		if (cur && cur->start_ns == e->start_ns && cur->start_ns > pp->start_ns)
			return;
		e->pid = pp->pid;
		e->start_ns = pp->start_ns;
		return;
	}
	e = malloc(sizeof(*e));
	if (!e)
		return;
	e->pid = pp->pid;
	e->start_ns = pp->start_ns;
	if (htab_put(&ps->inodes, &inode, e))
		free(e);
}

static void scan_fds(struct proc_sockets *ps, const struct ps_pid *pp)
{
	char path[64], link[64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%u/fd", pp->pid);
	d = opendir(path);
	if (!d)
		return;
	ps->fd_scans++;
	while ((e = readdir(d))) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		uint32_t inode;

		n = readlinkat(dirfd(d), e->d_name, link, sizeof(link));
		if (n > 0 && (size_t)n < sizeof(link) && (inode = proc_socket_inode(link, n)))
			note_inode(ps, inode, pp);
	}
	closedir(d);
}

static struct ps_pid *add_pid(struct proc_sockets *ps, uint32_t pid)
{
	struct ps_pid *pp = calloc(1, sizeof(*pp));

	if (!pp)
		return NULL;
	if (read_pid(pid, pp) || htab_put(&ps->pids, &pp->pid, pp)) {
		free(pp);
		return NULL;
	}
	return pp;
}

typedef void (*pid_fn)(struct proc_sockets *ps, uint32_t pid);

static void list_cgroup(struct proc_sockets *ps, char *path, size_t len, int depth, pid_fn fn)
{
	char buf[65536];
	const char *p = buf;
	struct dirent *e;
	uint32_t pid;
	ssize_t n;
	DIR *d;

	snprintf(path + len, 4096 - len, "/cgroup.procs");
	/*
	 * A cgroup with more pids than fit is listed in part, up to its last
	 * whole line (a cut "12345" is not pid 1234).
	 */
	if ((n = read_small_file(path, buf, sizeof(buf))) > 0) {
		const char *end = buf + n;

		if ((size_t)n == sizeof(buf) - 1)
			end = (const char *)memrchr(buf, '\n', n) ?: buf;
		while (proc_next_pid(&p, end, &pid))
			fn(ps, pid);
	}
	path[len] = '\0';
	if (depth > 32 || !(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.' ||
		    len + strlen(e->d_name) + 20 >= 4096)
			continue;
		snprintf(path + len, 4096 - len, "/%s", e->d_name);
		list_cgroup(ps, path, strlen(path), depth + 1, fn);
		path[len] = '\0';
	}
	closedir(d);
}

/* Every process in scope, to @fn. */
static void list_pids(struct proc_sockets *ps, pid_fn fn)
{
	struct dirent *e;
	DIR *d;

	if (ps->scope[0]) {
		char path[4096];

		snprintf(path, sizeof(path), "%s", ps->scope);
		list_cgroup(ps, path, strlen(path), 0, fn);
		return;
	}
	d = opendir("/proc");
	if (!d)
		return;
	while ((e = readdir(d)))
		if (isdigit((unsigned char)e->d_name[0]))
			fn(ps, strtoul(e->d_name, NULL, 10));
	closedir(d);
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Listing pass: processes not seen before are read and scanned at once, and
 * young ones again: a process met just after fork() opens its sockets later.
 */
static void visit_new(struct proc_sockets *ps, uint32_t pid)
{
	struct ps_pid *pp = htab_get(&ps->pids, &pid);

	if (!pp) {
		if ((pp = add_pid(ps, pid)))
			scan_fds(ps, pp);
	} else if (ps->now_boot_ns < pp->start_ns + YOUNG_NS && ps->nyoung < PS_YOUNG_MAX) {
		ps->young[ps->nyoung++] = pid;
	}
	if (pp)
		pp->gen = ps->gen;
}

/* Full pass: every process is checked for pid reuse and scanned again. */
static void visit_all(struct proc_sockets *ps, uint32_t pid)
{
	struct ps_pid *pp = htab_get(&ps->pids, &pid);

	if (pp && procinfo_start_ns(pid) != pp->start_ns) {
		htab_del(&ps->pids, &pid);
		free(pp);
		pp = NULL;
	}
	if (!pp)
		pp = add_pid(ps, pid);
	if (!pp)
		return;
	pp->gen = ps->gen;
	scan_fds(ps, pp);
}

static void drop_unlisted(struct proc_sockets *ps)
{
	size_t i = 0;
	const void *k;
	void *v;

	while (htab_next(&ps->pids, &i, &k, &v)) {
		struct ps_pid *pp = v;

		if (pp->gen != ps->gen) {
			htab_del(&ps->pids, k);
			free(pp);
		}
	}
}

/*
 * The process's name as it is now: it may have exec'ed since we read it (a
 * child of timeout, a shell's exec, a shim), and --filter goes by the final
 * name. Read at most every COMM_FRESH seconds; false when the pid is no
 * longer that process.
 */
static bool fresh_comm(struct ps_pid *pp)
{
	struct ps_pid now;
	double t = now_monotonic();

	if (t - pp->comm_at < COMM_FRESH)
		return true;
	if (read_pid(pp->pid, &now))
		return true;	/* gone: the last name it had stays */
	if (now.start_ns != pp->start_ns)
		return false;
	memcpy(pp->comm, now.comm, NP_COMM_LEN);
	pp->comm_at = t;
	return true;
}

/* Name and command line of a process found holding a socket, kept for the model. */
static void note_fact(struct proc_sockets *ps, const struct ps_pid *pp)
{
	struct ps_fact_key k = { .pid = pp->pid, .start_ns = pp->start_ns };
	struct ps_fact *f = htab_get(&ps->facts, &k);

	if (!f) {
		if (ps->facts.count >= FACTS_MAX || !(f = calloc(1, sizeof(*f))))
			return;
		if (htab_put(&ps->facts, &k, f)) {
			free(f);
			return;
		}
	}
	f->at = now_monotonic();
	/* First met, or exec'ed since: another image, another command line. */
	if (!f->cmdline || memcmp(f->comm, pp->comm, NP_COMM_LEN)) {
		char *cmd = procinfo_cmdline(pp->pid, pp->start_ns);

		if (cmd) {
			free(f->cmdline);
			f->cmdline = cmd;
		}
		memcpy(f->comm, pp->comm, NP_COMM_LEN);
	}
}

static int owner_of(struct proc_sockets *ps, uint64_t inode, struct np_owner *out)
{
	struct ps_ino *e = htab_get(&ps->inodes, &inode);
	struct ps_pid *pp;

	if (!e)
		return -ENOENT;
	pp = htab_get(&ps->pids, &e->pid);
	if (!pp || pp->start_ns != e->start_ns || !fresh_comm(pp)) {
		htab_del(&ps->inodes, &inode);
		free(e);
		return -ENOENT;
	}
	note_fact(ps, pp);
	memset(out, 0, sizeof(*out));
	out->tgid = pp->pid;
	out->start_ns = pp->start_ns;
	out->uid = pp->uid;
	memcpy(out->comm, pp->comm, NP_COMM_LEN);
	return 0;
}

/* Every process scanned again, the inode table rebuilt from scratch. */
static void full_pass(struct proc_sockets *ps, double now)
{
	ps->last_full = now;
	ps->full_scans++;
	clear_inodes(ps);
	ps->gen++;
	list_pids(ps, visit_all);
	drop_unlisted(ps);
}

int ps_find(struct proc_sockets *ps, uint32_t inode, const uint32_t *hints, int nhints,
	    bool urgent, struct np_owner *out)
{
	double now;

	if (!inode)
		return -ENOENT;
	if (owner_of(ps, inode, out) == 0)
		return 0;
	for (int i = 0; i < nhints; i++) {
		struct ps_pid *pp = htab_get(&ps->pids, &hints[i]);

		if (pp) {
			scan_fds(ps, pp);
			if (owner_of(ps, inode, out) == 0)
				return 0;
		}
	}
	now = now_monotonic();
	if (urgent || ps->last_list < 0 || now - ps->last_list >= LIST_MIN_GAP) {
		ps->last_list = now;
		ps->now_boot_ns = boot_ns();
		ps->gen++;
		ps->nyoung = 0;
		list_pids(ps, visit_new);
		drop_unlisted(ps);
		if (owner_of(ps, inode, out) == 0)
			return 0;
		for (unsigned i = 0; i < ps->nyoung; i++) {
			uint32_t pid = ps->young[i];
			struct ps_pid *pp = htab_get(&ps->pids, &pid);

			/* Its pid may have gone to a new process since (a young pid is a reused one). */
			if (pp && procinfo_start_ns(pid) != pp->start_ns) {
				htab_del(&ps->pids, &pid);
				free(pp);
				pp = add_pid(ps, pid);
				if (pp)
					pp->gen = ps->gen;
			}
			if (pp)
				scan_fds(ps, pp);
		}
		if (owner_of(ps, inode, out) == 0)
			return 0;
	}
	if (ps->last_full >= 0 && now - ps->last_full < FULL_SCAN_MIN_GAP)
		return -ENOENT;
	full_pass(ps, now);
	return owner_of(ps, inode, out);
}

void ps_refresh_owner(struct proc_sockets *ps, struct np_owner *o)
{
	struct ps_pid *pp = htab_get(&ps->pids, &o->tgid);

	if (!pp || pp->start_ns != o->start_ns || !fresh_comm(pp))
		return;		/* gone (or its pid reused): the last name it had stays */
	if (memcmp(o->comm, pp->comm, NP_COMM_LEN)) {
		memcpy(o->comm, pp->comm, NP_COMM_LEN);
		note_fact(ps, pp);
	}
}

int ps_cmdline(struct proc_sockets *ps, uint32_t pid, uint64_t start_ns, char *buf, size_t size)
{
	struct ps_fact_key k = { .pid = pid, .start_ns = start_ns };
	struct ps_fact *f = htab_get(&ps->facts, &k);

	if (!f || !f->cmdline)
		return -ENOENT;
	snprintf(buf, size, "%s", f->cmdline);
	return 0;
}

/* Facts of processes not found holding anything for FACT_KEEP seconds go. */
static void expire_facts(struct proc_sockets *ps, double now)
{
	size_t i = 0;
	const void *k;
	void *v;

	while (htab_next(&ps->facts, &i, &k, &v)) {
		if (now - ((struct ps_fact *)v)->at < FACT_KEEP)
			continue;
		htab_del(&ps->facts, k);
		free_fact(v);
	}
}

void ps_tick(struct proc_sockets *ps)
{
	double now = now_monotonic();

	expire_facts(ps, now);
	if (ps->last_full < 0 || now - ps->last_full >= REBUILD_GAP ||
	    ps->inodes.count >= REBUILD_INODES)
		full_pass(ps, now);
}

static void walk_scope(struct proc_sockets *ps, char *path, size_t len, int depth)
{
	struct dirent *e;
	DIR *d;
	uint64_t id = cgroup_id_of(path);

	if (id)
		htab_put(&ps->scope_ids, &id, SCOPE_IN);
	if (depth > 32 || !(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.' ||
		    len + strlen(e->d_name) + 2 >= 4096)
			continue;
		snprintf(path + len, 4096 - len, "/%s", e->d_name);
		walk_scope(ps, path, strlen(path), depth + 1);
		path[len] = '\0';
	}
	closedir(d);
}

bool ps_in_scope(struct proc_sockets *ps, uint64_t cgroup_id)
{
	char path[4096];
	void *v;

	if (!ps->scope[0] || !cgroup_id)
		return true;
	if ((v = htab_get(&ps->scope_ids, &cgroup_id)))
		return v == SCOPE_IN;
	/* A cgroup id we never met: walk the (small) scope again, then decide for good. */
	snprintf(path, sizeof(path), "%s", ps->scope);
	walk_scope(ps, path, strlen(path), 0);
	if ((v = htab_get(&ps->scope_ids, &cgroup_id)))
		return true;
	htab_put(&ps->scope_ids, &cgroup_id, SCOPE_OUT);
	return false;
}
