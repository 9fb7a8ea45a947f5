// SPDX-License-Identifier: GPL-2.0-only
/* The model turns cumulative socket records into exact deltas, whatever their order. */
#include <stdlib.h>
#include "harness.h"
#include "monitor/model/model.h"

static struct np_sock_record rec(uint64_t cookie, uint32_t pid, uint64_t start,
				 uint64_t tx_bytes, uint64_t tx_payload, uint8_t event)
{
	struct np_sock_record r = {
		.cookie = cookie, .has_owner = 1, .event = event, .protocol = 6, .family = 2,
		.owner = { .tgid = pid, .start_ns = start, .uid = 1000 },
	};

	r.c.tx_bytes = tx_bytes;
	r.c.tx_packets = tx_bytes / 100;
	r.c.tx_payload = tx_payload;
	strcpy(r.owner.comm, "proc");
	return r;
}

/* A live record of @cookie, owned by (pid, start), with tx_bytes cumulative. */
static void feed(struct np_model *m, uint64_t cookie, uint32_t pid, uint64_t start,
		 uint64_t tx_bytes, uint64_t tx_payload)
{
	struct np_sock_record r = rec(cookie, pid, start, tx_bytes, tx_payload, NP_SOCK_LIVE);

	model_apply_sock(m, &r, 0);
}

static struct np_proc *find(struct np_model *m, uint32_t pid, uint64_t start)
{
	size_t i = 0;
	void *v;

	while (htab_next(&m->procs, &i, NULL, &v)) {
		struct np_proc *p = v;

		if (p->pid == pid && p->start_ns == start)
			return p;
	}
	return NULL;
}

static void test_cumulative_to_delta(void)
{
	struct np_model m;
	struct np_sock_record r;
	struct np_proc *p;

	model_init(&m);
	model_begin_dump(&m);
	r = rec(1, 10, 5, 1000, 800, NP_SOCK_LIVE);
	model_apply_sock(&m, &r, 0);
	model_end_dump(&m);
	model_begin_dump(&m);
	r = rec(1, 10, 5, 3000, 2400, NP_SOCK_LIVE);
	model_apply_sock(&m, &r, 0);
	model_end_dump(&m);
	p = find(&m, 10, 5);
	CHECK(p != NULL);
	if (p) {
		CHECK_EQ_U64(p->total.tx_bytes, 3000);
		CHECK_EQ_U64(p->total.tx_payload, 2400);
		CHECK_EQ_U64(p->nconns, 1);
	}
	model_free(&m);
}

static void test_duplicate_and_late_records_do_not_double_count(void)
{
	struct np_model m;
	struct np_sock_record r;
	struct np_proc *p;

	model_init(&m);
	model_begin_dump(&m);
	r = rec(7, 20, 1, 500, 400, NP_SOCK_LIVE);
	model_apply_sock(&m, &r, 0);
	r = rec(7, 20, 1, 900, 700, NP_SOCK_CLOSED);	/* release */
	model_apply_sock(&m, &r, 0);
	r = rec(7, 20, 1, 1000, 700, NP_SOCK_CLOSED);	/* TCP CLOSE, after FIN/ACK */
	model_apply_sock(&m, &r, 0);
	r = rec(7, 20, 1, 900, 700, NP_SOCK_LIVE);	/* an older dump record, late */
	model_apply_sock(&m, &r, 0);
	model_end_dump(&m);
	p = find(&m, 20, 1);
	CHECK(p != NULL);
	if (p) {
		CHECK_EQ_U64(p->total.tx_bytes, 1000);
		CHECK_EQ_U64(p->total.tx_payload, 700);
	}
	model_free(&m);
}

static void test_closed_socket_forgotten_only_after_a_full_dump(void)
{
	struct np_model m;
	struct np_sock_record r;

	model_init(&m);
	model_begin_dump(&m);		/* gen 1 */
	model_end_dump(&m);
	r = rec(9, 30, 1, 100, 50, NP_SOCK_CLOSED);	/* closed between dumps */
	model_apply_sock(&m, &r, 0);
	CHECK(htab_get(&m.socks, &r.cookie) != NULL);
	model_begin_dump(&m);		/* gen 2: does not list it: gone */
	model_end_dump(&m);
	CHECK(htab_get(&m.socks, &r.cookie) == NULL);
	model_free(&m);
}

static void test_socket_closed_during_dump_kept_one_more_round(void)
{
	struct np_model m;
	struct np_sock_record r;

	model_init(&m);
	model_begin_dump(&m);		/* gen 1: its storage was made after the walk passed */
	r = rec(11, 31, 1, 100, 50, NP_SOCK_CLOSED);
	model_apply_sock(&m, &r, 0);
	model_end_dump(&m);
	CHECK(htab_get(&m.socks, &r.cookie) != NULL);
	model_begin_dump(&m);		/* gen 2 lists it (FIN_WAIT): still known */
	r = rec(11, 31, 1, 160, 50, NP_SOCK_LIVE);
	model_apply_sock(&m, &r, 0);
	model_end_dump(&m);
	CHECK(htab_get(&m.socks, &r.cookie) != NULL);
	CHECK_EQ_U64(find(&m, 31, 1)->total.tx_bytes, 160);
	model_free(&m);
}

static void test_pid_reuse_two_processes(void)
{
	struct np_model m;
	struct np_sock_record a = rec(1, 42, 100, 128, 100, NP_SOCK_CLOSED);
	struct np_sock_record b = rec(2, 42, 200, 228, 200, NP_SOCK_CLOSED);

	model_init(&m);
	model_apply_sock(&m, &a, 0);
	model_apply_sock(&m, &b, 0);
	CHECK_EQ_U64(m.procs.count, 2);
	CHECK_EQ_U64(find(&m, 42, 100)->total.tx_payload, 100);
	CHECK_EQ_U64(find(&m, 42, 200)->total.tx_payload, 200);
	model_free(&m);
}

static void test_owner_change_splits_socket(void)
{
	struct np_model m;

	model_init(&m);
	feed(&m, 5, 1, 1, 300, 0);		/* listener's owner: handshake */
	feed(&m, 5, 2, 2, 1300, 1000);		/* the child took it over */
	CHECK_EQ_U64(find(&m, 1, 1)->total.tx_bytes, 300);
	CHECK_EQ_U64(find(&m, 2, 2)->total.tx_bytes, 1000);
	CHECK_EQ_U64(find(&m, 2, 2)->total.tx_payload, 1000);
	model_free(&m);
}

static void test_idle_socket_not_listed(void)
{
	struct np_model m;
	struct np_sock_record r = rec(3, 77, 1, 0, 0, NP_SOCK_LIVE);

	model_init(&m);
	model_apply_sock(&m, &r, 0);
	CHECK_EQ_U64(m.procs.count, 0);
	model_free(&m);
}

static void test_unknown_by_remote(void)
{
	struct np_model m;
	struct np_unknown_key k = { .protocol = 6 };
	struct np_unknown_val v = { .rx_bytes = 60, .rx_packets = 1 };

	k.raddr[10] = k.raddr[11] = 0xff;
	k.raddr[12] = 10;
	k.raddr[15] = 1;
	model_init(&m);
	model_apply_unknown(&m, &k, &v);
	v.rx_bytes = 100;
	v.rx_packets = 2;
	model_apply_unknown(&m, &k, &v);
	CHECK_EQ_U64(m.unknown.total.rx_bytes, 100);
	CHECK_EQ_U64(m.unknown.total.rx_packets, 2);
	CHECK_EQ_U64(m.unknown.nconns, 1);
	CHECK_EQ_U64(m.unknown.conns->family, 2);
	model_free(&m);
}

static void test_interval_reset_drops_closed_conns(void)
{
	struct np_model m;
	struct np_sock_record r = rec(4, 8, 1, 500, 400, NP_SOCK_CLOSED);
	struct np_proc *p;

	model_init(&m);
	model_apply_sock(&m, &r, 0);
	p = find(&m, 8, 1);
	CHECK_EQ_U64(p->interval.tx_bytes, 500);
	model_reset_interval(&m);
	CHECK_EQ_U64(p->interval.tx_bytes, 0);
	CHECK_EQ_U64(p->total.tx_bytes, 500);
	CHECK_EQ_U64(p->nconns, 0);
	model_free(&m);
}

static void test_prune_forgets_idle_finished_processes(void)
{
	struct np_model m;
	struct np_sock_record a = rec(1, 50, 1, 500, 400, NP_SOCK_CLOSED);
	struct np_sock_record b = rec(2, 51, 1, 500, 400, NP_SOCK_LIVE);

	model_init(&m);
	model_apply_sock(&m, &a, 10.0);
	model_apply_sock(&m, &b, 10.0);
	model_reset_interval(&m);	/* the closed connection goes, the live one stays */
	CHECK_EQ_U64(model_prune(&m, 30.0, 60.0), 0);	/* idle 20 s: kept */
	CHECK_EQ_U64(model_prune(&m, 71.0, 60.0), 1);	/* idle 61 s, no connection: gone */
	CHECK(find(&m, 50, 1) == NULL);
	CHECK(find(&m, 51, 1) != NULL);	/* still has its live connection */
	model_free(&m);
}

static void test_udp_peers_break_down_a_connection(void)
{
	struct np_model m;
	struct np_sock_record r = rec(21, 60, 1, 3000, 2000, NP_SOCK_LIVE);
	struct np_peer_key k1 = { .cookie = 21, .rport = 53 }, k2 = { .cookie = 21, .rport = 443 };
	struct np_peer_val v1 = { .tx_bytes = 1000, .tx_packets = 10 }, v2 = { .tx_bytes = 2000,
									  .tx_packets = 20 };
	struct np_proc *p;

	r.protocol = 17;
	model_init(&m);
	model_apply_sock(&m, &r, 0);
	model_apply_peer(&m, &k1, &v1);
	model_apply_peer(&m, &k2, &v2);
	v1.tx_bytes = 1500;	/* cumulative: +500 */
	model_apply_peer(&m, &k1, &v1);
	p = find(&m, 60, 1);
	CHECK_EQ_U64(p->conns->npeers, 2);
	CHECK_EQ_U64(p->total.tx_bytes, 3000);	/* peers never add to the totals */
	for (struct np_peer *pe = p->conns->peers; pe; pe = pe->next)
		CHECK_EQ_U64(pe->total.tx_bytes, pe->remote.port == 53 ? 1500 : 2000);
	CHECK(model_knows_socket(&m, 21));
	CHECK(!model_knows_socket(&m, 22));
	CHECK(!model_socket_closed(&m, 21));
	r.event = NP_SOCK_CLOSED;
	model_apply_sock(&m, &r, 0);
	CHECK(model_socket_closed(&m, 21));
	model_free(&m);
}

static void test_late_record_keeps_known_ends(void)
{
	struct np_model m;
	struct np_sock_record r = rec(31, 70, 1, 100, 50, NP_SOCK_LIVE);
	struct np_proc *p;

	r.family = 10;
	r.laddr[15] = 1;	/* ::1 */
	r.raddr[15] = 1;
	r.lport = 7000;
	r.rport = 40000;
	model_init(&m);
	model_apply_sock(&m, &r, 0);
	/* The CLOSE record: port given back, IPv6 peer cleared, more bytes. */
	memset(r.laddr, 0, 16);
	memset(r.raddr, 0, 16);
	r.lport = 0;
	r.c.tx_bytes = 160;
	r.event = NP_SOCK_CLOSED;
	model_apply_sock(&m, &r, 0);
	p = find(&m, 70, 1);
	CHECK_EQ_U64(p->conns->local.port, 7000);
	CHECK_EQ_U64(p->conns->remote.port, 40000);
	CHECK_EQ_U64(p->conns->remote.addr[15], 1);
	CHECK_EQ_U64(p->conns->local.addr[15], 1);
	CHECK_EQ_U64(p->total.tx_bytes, 160);
	model_free(&m);
}

static void test_unknown_start_time_joins_its_process(void)
{
	struct np_model m;
	struct np_sock_record listener = rec(41, 80, 0, 300, 0, NP_SOCK_LIVE);
	struct np_sock_record child = rec(42, 80, 999, 5000, 4000, NP_SOCK_LIVE);
	struct np_sock_record late = rec(43, 80, 0, 100, 0, NP_SOCK_LIVE);

	model_init(&m);
	model_apply_sock(&m, &listener, 0);	/* (80, 0): start time not known yet */
	model_apply_sock(&m, &child, 0);	/* (80, 999): the same process, now named */
	model_apply_sock(&m, &late, 0);		/* (80, 0) again: goes to (80, 999) */
	CHECK_EQ_U64(m.procs.count, 1);
	CHECK(find(&m, 80, 999) != NULL);
	CHECK_EQ_U64(find(&m, 80, 999)->total.tx_bytes, 5400);
	CHECK_EQ_U64(find(&m, 80, 999)->nconns, 3);
	model_free(&m);
}

static void test_ownerless_record_does_not_use_up_counts(void)
{
	struct np_model m;
	struct np_sock_record dump = rec(51, 90, 5, 300, 0, NP_SOCK_LIVE);
	struct np_sock_record close = rec(51, 90, 5, 340, 0, NP_SOCK_CLOSED);

	dump.has_owner = 0;	/* a 5.10 dump of a listener nobody sent on */
	model_init(&m);
	model_apply_sock(&m, &dump, 0);
	model_apply_sock(&m, &close, 0);
	CHECK_EQ_U64(find(&m, 90, 5)->total.tx_bytes, 340);
	model_free(&m);
}

/*
 * A socket handed back and forth (A, B, A again): each record charges the
 * owner it names, whatever connection the socket's last record charged.
 */
static void test_owner_back_and_forth_charges_each_exactly(void)
{
	struct np_model m;
	struct np_proc *p;

	model_init(&m);
	feed(&m, 6, 1, 1, 100, 0);
	feed(&m, 6, 2, 2, 250, 0);
	feed(&m, 6, 1, 1, 700, 0);
	feed(&m, 6, 1, 1, 1000, 0);
	CHECK_EQ_U64(find(&m, 1, 1)->total.tx_bytes, 100 + 450 + 300);
	CHECK_EQ_U64(find(&m, 2, 2)->total.tx_bytes, 150);
	CHECK_EQ_U64(find(&m, 1, 1)->nconns, 1);
	/* The same pid, another process (pid reuse): not the cached one. */
	feed(&m, 6, 1, 9, 1200, 0);
	CHECK_EQ_U64(find(&m, 1, 9)->total.tx_bytes, 200);
	CHECK_EQ_U64(find(&m, 1, 1)->total.tx_bytes, 850);
	/* Another pid with the same start time: not the cached one either. */
	feed(&m, 6, 3, 9, 1250, 0);
	p = find(&m, 3, 9);
	CHECK_EQ_U64(p ? p->total.tx_bytes : 0, 50);
	CHECK_EQ_U64(find(&m, 1, 9)->total.tx_bytes, 200);
	model_free(&m);
}

/*
 * The connection goes (closed, interval reset) while its socket is still
 * known; a late record with more bytes makes a new one, and the peers of the
 * gone one are not looked for through it. Built with -fsanitize=address this
 * test also shows the link is cleared, not left dangling.
 */
static void test_record_after_connection_freed_makes_a_new_one(void)
{
	struct np_model m;
	struct np_sock_record r = rec(7, 40, 1, 500, 0, NP_SOCK_CLOSED);
	struct np_peer_key k = { .cookie = 7, .rport = 53 };
	struct np_peer_val v = { .tx_bytes = 80, .tx_packets = 1 };
	struct np_proc *p;

	r.protocol = 17;
	model_init(&m);
	model_apply_sock(&m, &r, 0);
	model_reset_interval(&m);
	p = find(&m, 40, 1);
	CHECK_EQ_U64(p->nconns, 0);
	model_apply_peer(&m, &k, &v);		/* no connection: not kept */
	CHECK_EQ_U64(m.peers.count, 0);
	r.c.tx_bytes = 600;			/* a closing packet's record */
	model_apply_sock(&m, &r, 0);
	CHECK_EQ_U64(p->nconns, 1);
	CHECK_EQ_U64(p->conns->total.tx_bytes, 100);
	CHECK_EQ_U64(p->total.tx_bytes, 600);
	model_free(&m);
}

/* The socket's state goes (two dumps without it) while its connection stays. */
static void test_connection_outlives_its_socket_state(void)
{
	struct np_model m;
	struct np_sock_record r = rec(8, 41, 1, 500, 0, NP_SOCK_LIVE);
	struct np_proc *p;

	model_init(&m);
	model_begin_dump(&m);
	model_apply_sock(&m, &r, 0);
	model_end_dump(&m);
	for (int i = 0; i < 3; i++) {
		model_begin_dump(&m);
		model_end_dump(&m);
	}
	CHECK(!model_knows_socket(&m, 8));
	p = find(&m, 41, 1);
	CHECK_EQ_U64(p->nconns, 1);
	CHECK(p->conns->sock == NULL);
	model_begin_dump(&m);			/* listed again: its connection found again */
	r.c.tx_bytes = 800;
	model_apply_sock(&m, &r, 0);
	model_end_dump(&m);
	CHECK_EQ_U64(p->nconns, 1);
	CHECK(p->conns->sock != NULL && p->conns->sock == htab_get(&m.socks, &r.cookie));
	model_free(&m);
}

TEST_MAIN(T(test_owner_back_and_forth_charges_each_exactly),
	  T(test_record_after_connection_freed_makes_a_new_one),
	  T(test_connection_outlives_its_socket_state),
	  T(test_ownerless_record_does_not_use_up_counts), T(test_unknown_start_time_joins_its_process), T(test_late_record_keeps_known_ends), T(test_udp_peers_break_down_a_connection), T(test_prune_forgets_idle_finished_processes), T(test_cumulative_to_delta), T(test_duplicate_and_late_records_do_not_double_count),
	  T(test_closed_socket_forgotten_only_after_a_full_dump),
	  T(test_socket_closed_during_dump_kept_one_more_round),
	  T(test_pid_reuse_two_processes), T(test_owner_change_splits_socket),
	  T(test_idle_socket_not_listed), T(test_unknown_by_remote),
	  T(test_interval_reset_drops_closed_conns))
