/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capture backends behind one interface: each feeds the model with
 * cumulative per-socket and unknown-remote counts.
 */
#ifndef NETOPROC_CAPTURE_H
#define NETOPROC_CAPTURE_H

#include <stdint.h>
#include "model.h"

enum capture_mode { CAPTURE_AUTO, CAPTURE_EBPF, CAPTURE_AFPACKET };

struct capture_opts {
	enum capture_mode mode;
	const char *cgroup_path;	/* NULL: the cgroup-v2 root */
	const char *interface;		/* NULL: every interface */
	uint64_t buffer_bytes;
	enum np_attach attach;		/* --attach; NP_ATTACH_AUTO picks by probing */
	const char *btf_path;		/* --btf: the kernel's BTF from a file */
};

struct capture {
	const char *mode;	/* "ebpf" or "afpacket", as outputs name it */
	const char *attach;	/* how the process-context hooks are attached */
	/* Wait up to timeout_ms while draining asynchronous records into m. */
	int (*wait)(struct capture *c, struct np_model *m, int timeout_ms);
	/* Bring m up to date with everything the kernel counted so far. */
	int (*collect)(struct capture *c, struct np_model *m);
	void (*close)(struct capture *c);
	/* Optional: the command line the kernel saw, for processes gone from /proc. */
	int (*cmdline)(struct capture *c, uint32_t pid, uint64_t start_ns, char *buf, size_t size);
	void *priv;
};

/* Returns 0, or -errno with a one-line error already printed. */
int ebpf_capture_open(struct capture *c, const struct capture_opts *o);
/* How many tier hooks name a program the BPF object lacks (0, or -1 if it cannot open). */
int ebpf_hooks_missing(void);
int afpacket_capture_open(struct capture *c, const struct capture_opts *o);

#endif
