/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading the monitor's BPF object part by part: the tier's hooks and the
 * packet counters are required; each other part (adopting existing sockets,
 * the live-socket dump, command lines, UDP peers) is given up, or replaced by
 * its next way, when the running kernel refuses it, and the monitor runs with
 * what loads. What was given up is listed with the kernel's reason.
 */
#ifndef NETOPROC_EBPF_LOAD_H
#define NETOPROC_EBPF_LOAD_H

#include <stdbool.h>
#include "monitor/capture/capture.h"

struct monitor_bpf;
struct bpf_link;

/* How live sockets are dumped: best first. */
enum ebpf_dump_way {
	DUMP_STORAGE_MAP = 0,	/* iter/bpf_sk_storage_map: every socket, every netns */
	DUMP_TASK_FILES,	/* iter/task_file: sockets some process holds */
	DUMP_SOCKET_TABLES,	/* iter/tcp + iter/udp, once per network namespace */
	DUMP_NONE,		/* sockets are reported only when they close */
};

/* How sockets that existed before netoproc get their holder: best first. */
enum ebpf_adopt_way {
	ADOPT_TASK_FILES = 0,	/* iter/task_file writes sk storage directly */
	ADOPT_SOCKET_TABLES,	/* iter/task_file notes holders, iter/tcp/udp adopt */
	ADOPT_NONE,
};

struct ebpf_loaded {
	struct monitor_bpf *skel;
	enum ebpf_dump_way dump;
	enum ebpf_adopt_way adopt;
	struct np_degraded degraded[NP_MAX_DEGRADED];
	int ndegraded;
	int attempts;		/* loads tried until one passed */
	bool payloads;		/* DNS messages and ClientHellos are read */
};

/* Which tier runs: the forced one if the kernel has it, else the best one. 0 or -errno. */
int ebpf_choose_tier(enum np_attach forced, const char *btf_path, enum np_attach *out);
/*
 * Open, configure and load the object for @tier, retrying without each part
 * the kernel refuses. 0, or -errno with a one-line error naming the program
 * and the verifier's reason already printed.
 */
int ebpf_load(struct ebpf_loaded *l, const struct capture_opts *o, enum np_attach tier);
/* Attach the tier's send/receive programs; links go to @links (room for 32). */
int ebpf_attach_tier(struct monitor_bpf *s, enum np_attach tier, struct bpf_link **links,
		     int *nlinks);
const char *ebpf_dump_name(enum ebpf_dump_way w);
const char *ebpf_adopt_name(enum ebpf_adopt_way w);
/* Does some program of @tier fit kernel function @func with @nargs parameters? */
bool ebpf_signature_known(enum np_attach tier, const char *func, int nargs);
/* How many tier hooks name a program the BPF object lacks (0, or -1 if it cannot open). */
int ebpf_hooks_missing(void);

#endif
