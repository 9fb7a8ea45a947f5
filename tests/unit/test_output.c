// SPDX-License-Identifier: GPL-2.0-only
/* Snapshot writers and view selection, on a model built by hand. */
#include <stdlib.h>
#include "harness.h"
#include "monitor/model/output.h"
#include "monitor/model/view.h"

static void add(struct np_model *m, uint64_t cookie, uint32_t pid, const char *comm,
		uint64_t rx, uint64_t tx)
{
	struct np_sock_record r = { .cookie = cookie, .has_owner = 1, .protocol = 17,
				    .family = 2, .owner = { .tgid = pid, .start_ns = pid } };

	/* curl's socket is connected to 93.184.216.34:443 over TCP; the others unconnected UDP. */
	if (cookie == 1) {
		r.protocol = 6;
		r.state = 1;
		r.raddr[10] = r.raddr[11] = 0xff;
		r.raddr[12] = 93, r.raddr[13] = 184, r.raddr[14] = 216, r.raddr[15] = 34;
		r.rport = 443;
	}

	strcpy(r.owner.comm, comm);
	r.c.rx_bytes = rx;
	r.c.tx_bytes = tx;
	r.c.rx_packets = rx ? 1 : 0;
	r.c.tx_packets = tx ? 2 : 0;
	model_apply_sock(m, &r, 0);
}

static char *render(struct np_model *m, struct view_opts *o, enum out_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct view v;
	struct run_info ri = { .mode = "ebpf", .attach = "tracepoint", .model = m };

	view_build(&v, m, o, false);
	output_snapshot(f, fmt, &v, &ri, false);
	view_free(&v);
	fclose(f);
	return buf;
}

static void build(struct np_model *m)
{
	struct np_unknown_key k = { .protocol = 6 };
	struct np_unknown_val uv = { .rx_bytes = 40, .rx_packets = 1 };

	model_init(m);
	add(m, 1, 300, "curl", 1000, 100);
	add(m, 2, 100, "Nginx", 5000, 7000);
	add(m, 3, 200, "sshd", 10, 20);
	k.raddr[10] = k.raddr[11] = 0xff;
	k.raddr[12] = 198; k.raddr[13] = 51; k.raddr[14] = 100; k.raddr[15] = 9;
	model_apply_unknown(m, &k, &uv);
}

static void test_tsv_sorted_by_traffic(void)
{
	struct np_model m;
	struct view_opts o = { .sort = SORT_TRAFFIC };
	char *s;

	build(&m);
	s = render(&m, &o, FMT_TSV);
	CHECK_STR(s, "pid\tprocess\trx_bytes\ttx_bytes\trx_packets\ttx_packets\n"
		     "100\tNginx\t5000\t7000\t1\t2\n"
		     "300\tcurl\t1000\t100\t1\t2\n"
		     "-\tunknown\t40\t0\t1\t0\n"
		     "200\tsshd\t10\t20\t1\t2\n");
	free(s);
	model_free(&m);
}

static void test_sort_pid_and_filters(void)
{
	struct np_model m;
	struct view_opts o = { .sort = SORT_PID };
	char *s;

	build(&m);
	s = render(&m, &o, FMT_TSV);
	CHECK_STR(s, "pid\tprocess\trx_bytes\ttx_bytes\trx_packets\ttx_packets\n"
		     "100\tNginx\t5000\t7000\t1\t2\n"
		     "200\tsshd\t10\t20\t1\t2\n"
		     "300\tcurl\t1000\t100\t1\t2\n"
		     "-\tunknown\t40\t0\t1\t0\n");
	free(s);
	o.filter = "NGI";
	s = render(&m, &o, FMT_TSV);
	CHECK_STR(s, "pid\tprocess\trx_bytes\ttx_bytes\trx_packets\ttx_packets\n"
		     "100\tNginx\t5000\t7000\t1\t2\n");
	free(s);
	o.filter = NULL;
	o.npids = 2;
	o.pids[0] = 300;
	o.pids[1] = 200;
	s = render(&m, &o, FMT_TSV);
	CHECK_STR(s, "pid\tprocess\trx_bytes\ttx_bytes\trx_packets\ttx_packets\n"
		     "200\tsshd\t10\t20\t1\t2\n"
		     "300\tcurl\t1000\t100\t1\t2\n");
	free(s);
	model_free(&m);
}

static struct np_conn *curl_conn(struct np_model *m)
{
	size_t i = 0;
	void *v;

	while (htab_next(&m->procs, &i, NULL, &v))
		if (((struct np_proc *)v)->pid == 300)
			return ((struct np_proc *)v)->conns;
	return NULL;
}

static void test_pretty_unknown_remotes_and_total(void)
{
	struct np_model m;
	struct view_opts o = { .sort = SORT_NAME };
	char *s;

	build(&m);
	/* The name DNS gave curl's remote goes after it, whole, past the name column. */
	curl_conn(&m)->remote_name = strdup("www.example.com");
	curl_conn(&m)->name_source = "dns";
	s = render(&m, &o, FMT_PRETTY);
	CHECK_STR(s,
		  "PID      PROCESS                        RX           TX     RX_PKT     TX_PKT\n"
		  "300      curl                       1000 B        100 B          1          2\n"
		  "           tcp 93.184.216.34:443 www.example.com       1000 B        100 B          1          2\n"
		  "100      Nginx                     4.9 KiB      6.8 KiB          1          2\n"
		  "           udp *:*                 4.9 KiB      6.8 KiB          1          2\n"
		  "200      sshd                         10 B         20 B          1          2\n"
		  "           udp *:*                    10 B         20 B          1          2\n"
		  "-        unknown                      40 B          0 B          1          0\n"
		  "           tcp 198.51.100.9           40 B          0 B          1          0\n"
		  "TOTAL                              5.9 KiB      7.0 KiB          4          6\n");
	free(s);
	model_free(&m);
}

TEST_MAIN(T(test_tsv_sorted_by_traffic), T(test_sort_pid_and_filters),
	  T(test_pretty_unknown_remotes_and_total))
