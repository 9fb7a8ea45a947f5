/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The traffic model: processes, their connections and the unknown bucket,
 * fed by capture backends with cumulative socket records and turned into
 * per-interval and total figures. Views read it; it never prints.
 */
#ifndef NETOPROC_MODEL_H
#define NETOPROC_MODEL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>
#include "bpf/monitor_abi.h"
#include "containers/ct_meta.h"
#include "lib/htab.h"

struct np_traffic {
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_packets, tx_packets;
	uint64_t rx_payload, tx_payload;
};

struct np_endpoint {
	uint8_t addr[16];	/* IPv4 as IPv4-mapped */
	uint16_t port;
};

/* An unconnected UDP socket's traffic with one peer: a breakdown, never added to totals. */
struct np_peer {
	struct np_peer_key key;	/* the kernel's key, to find this in the model's index */
	struct np_endpoint remote;
	struct np_traffic total, interval;	/* IP bytes and packets only */
	struct np_peer *next;
};

struct np_proc;
struct np_sock_state;

/* What one process did on one socket (or, under unknown, with one remote). */
struct np_conn {
	uint64_t cookie;	/* 0 for unknown-remote rows */
	uint8_t protocol;
	uint8_t state;		/* TCP state; 0 otherwise */
	uint16_t family;
	bool closed;
	uint32_t netns;		/* the socket's network namespace (inode): its addresses' */
	struct np_endpoint local, remote;
	struct np_traffic total, interval;
	struct np_peer *peers;	/* unconnected UDP only */
	unsigned npeers;
	char *remote_name;	/* what the remote was asked for as (DNS) or said to be (SNI) */
	const char *name_source;	/* "dns", "sni"; NULL with no name */
	unsigned name_looked;	/* the DNS side's payload count at the last vain look + 1 */
	uint64_t name_netns;	/* ... and the namespace looked in */
	struct np_conn *next;	/* in the process's list */
	struct np_proc *proc;	/* whose list */
	struct np_sock_state *sock;	/* the socket whose last record charged it, or NULL */
};

struct np_proc {
	uint32_t pid;		/* tgid; 0 for the unknown row */
	uint64_t start_ns;	/* since boot: (pid, start_ns) names one process */
	uint64_t serial;	/* model-local id */
	uint32_t uid;
	uint64_t cgroup_id;
	char comm[NP_COMM_LEN + 1];
	char *cmdline;		/* NULL when the process was gone before it was read */
	char *cgroup_path;	/* relative to the cgroup2 mount; NULL if unknown */
	uint64_t netns;		/* network namespace inode (/proc, else its sockets'); 0 unknown */
	struct ct_info *ct;	/* container, pod and unit of its cgroup; NULL if unknown */
	bool is_unknown;
	bool info_done;	/* /proc looked at once */
	double info_at;	/* ... and last (monotonic): name and command line again after a while */
	struct np_traffic total, interval;
	unsigned nconns;
	struct np_conn *conns, **conns_tail;
	double last_active;	/* monotonic seconds */
};

/* What a socket last reported, to turn cumulative counts into deltas. */
struct np_sock_state {
	uint64_t cookie;
	struct np_counters last;
	bool closed;
	unsigned seen_gen;	/* last dump generation that listed it */
	unsigned closed_gen;	/* dump generation current when it closed */
	/*
	 * The connection its last record charged (its peers go there too), or
	 * NULL; conn->sock points back. Both sides clear the link when they go,
	 * so a record of an unchanged owner finds process and connection without
	 * two hash lookups (the model's lookups were 6-11% of the monitor's perf
	 * samples beside 10,000 connections).
	 */
	struct np_conn *conn;
};

struct np_model {
	struct htab socks;	/* cookie -> np_sock_state */
	struct htab procs;	/* (pid, start_ns) -> np_proc */
	struct htab by_pid;	/* pid -> the newest np_proc with that pid */
	struct htab conns;	/* (proc serial, cookie) -> np_conn */
	struct htab unknown_last;	/* np_unknown_key -> struct np_unknown_val (cumulative) */
	struct htab peer_last;	/* np_peer_key -> struct np_unknown_val (cumulative IP counts) */
	struct htab peers;	/* (conn, np_peer_key) -> np_peer */
	struct np_proc unknown;	/* traffic no process socket owns */
	uint64_t next_serial;
	unsigned dump_gen;
	uint64_t lost_records;	/* socket records the kernel could not deliver */
	uint64_t stat[NP_STAT_MAX];	/* latest kernel counters */
};

int model_init(struct np_model *m);
void model_free(struct np_model *m);

/* A socket's cumulative counts, from a dump (live) or a close record. */
int model_apply_sock(struct np_model *m, const struct np_sock_record *r, double now);
/* Cumulative counts of one unknown remote. */
int model_apply_unknown(struct np_model *m, const struct np_unknown_key *k,
			const struct np_unknown_val *v);
/* Cumulative counts of an unconnected UDP socket with one peer. */
int model_apply_peer(struct np_model *m, const struct np_peer_key *k,
		     const struct np_peer_val *v);
void model_forget_peer(struct np_model *m, const struct np_peer_key *k);
/* Whether the model follows socket @cookie, and whether it has closed. */
bool model_knows_socket(const struct np_model *m, uint64_t cookie);
bool model_socket_closed(const struct np_model *m, uint64_t cookie);
/* A dump finished: sockets it no longer lists are gone for good. */
void model_end_dump(struct np_model *m);
void model_begin_dump(struct np_model *m);
/* Start a new interval: interval counters go to zero, reported closed sockets are dropped. */
void model_reset_interval(struct np_model *m);
/*
 * Forget processes with no connection left and no traffic for @idle seconds,
 * so a long live run does not grow without bound. Returns how many went.
 */
size_t model_prune(struct np_model *m, double now, double idle);

void traffic_add(struct np_traffic *dst, const struct np_traffic *src);
static inline uint64_t traffic_bytes(const struct np_traffic *t)
{
	return t->rx_bytes + t->tx_bytes;
}
static inline bool traffic_zero(const struct np_traffic *t)
{
	return !(t->rx_bytes | t->tx_bytes | t->rx_packets | t->tx_packets |
		 t->rx_payload | t->tx_payload);
}

/* Processes (and the unknown row when it moved traffic), for views. */
size_t model_list_procs(struct np_model *m, struct np_proc ***out);

#endif
