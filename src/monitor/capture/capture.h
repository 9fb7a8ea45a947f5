/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capture backends behind one interface: each feeds the model with
 * cumulative per-socket and unknown-remote counts.
 */
#ifndef NETOPROC_CAPTURE_H
#define NETOPROC_CAPTURE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/degraded.h"
#include "monitor/model/model.h"

enum capture_mode { CAPTURE_AUTO, CAPTURE_EBPF, CAPTURE_AFPACKET };

/* A packet whose contents matter (a DNS message, a ClientHello), with its socket's owner. */
struct np_payload {
	double mono;			/* monotonic seconds, when the packet passed */
	enum np_payload_kind kind;
	bool egress;
	bool has_owner;
	struct np_owner owner;
	uint64_t cookie;		/* the socket's; 0 when no socket was found */
	uint32_t ifindex;
	const uint8_t *ip;		/* from the IP header on */
	size_t caplen;			/* bytes at ip */
	uint32_t len;			/* the packet's length from its IP header */
};

/* Where payloads go; NULL in capture_opts: none are read (--no-dns), their code removed. */
struct payload_sink {
	void (*fn)(void *ctx, const struct np_payload *p);
	void *ctx;
	uint16_t dns_ports[NP_DNS_PORTS_MAX];	/* 0 ends the list */
};

struct capture_opts {
	enum capture_mode mode;
	const char *cgroup_path;	/* NULL: the cgroup-v2 root */
	const char *interface;		/* NULL: every interface */
	uint64_t buffer_bytes;
	enum np_attach attach;		/* --attach; NP_ATTACH_AUTO picks by probing */
	const char *btf_path;		/* --btf: the kernel's BTF from a file */
	const struct payload_sink *payloads;
	/* AF_PACKET: a ring in each of these namespaces (inodes), or in every one */
	const uint64_t *netns;
	int nnetns;
	bool netns_all;
};

struct capture {
	const char *mode;	/* "ebpf" or "afpacket", as outputs name it */
	const char *attach;	/* how the process-context hooks are attached */
	const struct np_degraded *degraded;	/* parts given up on this kernel */
	int ndegraded;
	double self_check_ms;	/* eBPF: how long the start-up self-check took; < 0 skipped */
	const char *dump_way, *adopt_way;	/* eBPF: how live sockets are read, adopted */
	const char *payload_missing;	/* payloads were asked for and cannot be read: why */
	char fallback_reason[600];	/* auto mode: why not eBPF ("" when it is eBPF) */
	/* Wait up to timeout_ms while draining asynchronous records into m. */
	int (*wait)(struct capture *c, struct np_model *m, int timeout_ms);
	/* Bring m up to date with everything the kernel counted so far. */
	int (*collect)(struct capture *c, struct np_model *m);
	void (*close)(struct capture *c);
	/*
	 * The descriptors wait() sleeps on, for callers that poll them together
	 * with their own (the exporter's sockets): up to @max into @out (events
	 * set), returns how many. When one is ready, or at least every 100 ms,
	 * the caller calls wait() with timeout 0.
	 */
	int (*pollfds)(struct capture *c, struct pollfd *out, int max);
	/*
	 * Optional: the command line the kernel saw (eBPF) or that was read when
	 * one of its sockets was found (AF_PACKET), for processes gone from /proc.
	 */
	int (*cmdline)(struct capture *c, uint32_t pid, uint64_t start_ns, char *buf, size_t size);
	void *priv;
};

/* The options every capturing command takes: --capture-mode, --attach, --interface, --capture-buffer. */
enum capture_opt { CAPTURE_OPT_MODE, CAPTURE_OPT_ATTACH, CAPTURE_OPT_INTERFACE, CAPTURE_OPT_BUFFER };
/* @arg of option @which into @o; 0, or -errno with the error printed. */
int capture_parse_opt(enum capture_opt which, const char *arg, struct capture_opts *o);
/*
 * Open the capture @o asks for (auto: eBPF, else AF_PACKET with one line of
 * reason). Returns 0 or an NP_EXIT_* status with the error already printed.
 */
int capture_open(struct capture *cap, const struct capture_opts *o);
/* Returns 0, or -errno with a one-line error already printed. */
int ebpf_capture_open(struct capture *c, const struct capture_opts *o);
/*
 * The same with its messages held back (shown only with -v): for auto mode,
 * where a failure is one line of reason (@why), and for `probe`.
 */
int ebpf_capture_try(struct capture *c, const struct capture_opts *o, char *why, size_t size);
/* One line on stderr: the parts this kernel refused and what replaced them. */
void capture_say_degraded(const struct capture *c);
/*
 * Before it returns, the eBPF capture checks itself: a loopback exchange of
 * its own must come back attributed exactly to its own process. If not it
 * fails with -EPROTO and says why; that exchange is never reported.
 */
int afpacket_capture_open(struct capture *c, const struct capture_opts *o);
/* One of several AF_PACKET captures (--netns): @instance keeps its counts apart. */
void afpacket_capture_instance(struct capture *c, unsigned instance);
/* AF_PACKET in each namespace of o->netns (or every one with o->netns_all). */
int afpacket_netns_open(struct capture *c, const struct capture_opts *o);

#endif
