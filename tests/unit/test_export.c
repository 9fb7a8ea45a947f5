// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exporter's pieces without sockets: units from cgroup paths, the Accept
 * negotiation, label escaping, and the series store keeping counters monotonic
 * across exits, expiring them after the TTL and bounding their number.
 */
#include <stdlib.h>
#include "harness.h"
#include "export/http.h"
#include "export/metrics.h"
#include "export/series.h"

static void test_unit_of(void)
{
	static const char *const cases[][2] = {
		{ "/system.slice/ssh.service", "ssh.service" },
		{ "system.slice/ssh.service", "ssh.service" },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/app-foo.scope",
		  "app-foo.scope" },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/x.service/sub",
		  "x.service" },
		{ "/user.slice/user-1000.slice/session-3.scope", "session-3.scope" },
		{ "/", "" },
		{ "/netoproc-test-x-12", "" },
		{ "/system.slice/.service", "" },
		{ "/docker/0123abcd", "" },
	};
	char out[EX_UNIT_LEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ex_unit_of(cases[i][0], out, sizeof(out));
		CHECK_STR(out, cases[i][1]);
	}
	ex_unit_of(NULL, out, sizeof(out));
	CHECK_STR(out, "");
}

static void test_accept(void)
{
	/* What Prometheus 2.x sends by default. */
	CHECK(http_wants_openmetrics("application/openmetrics-text;version=1.0.0,"
				     "application/openmetrics-text;version=0.0.1;q=0.75,"
				     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
	CHECK(http_wants_openmetrics("application/openmetrics-text"));
	CHECK(!http_wants_openmetrics(""));
	CHECK(!http_wants_openmetrics("*/*"));
	CHECK(!http_wants_openmetrics("text/plain;version=0.0.4"));
	CHECK(!http_wants_openmetrics("application/openmetrics-text;q=0, text/plain"));
	CHECK(!http_wants_openmetrics("text/plain, application/openmetrics-text;q=0.5"));
	CHECK(!http_wants_openmetrics("application/openmetrics-textual"));
}

static char *escaped(const char *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ex_label_value(f, v);
	fclose(f);
	return buf;
}

static void test_label_escaping(void)
{
	char *s;

	CHECK_STR(s = escaped("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
	free(s);
	CHECK_STR(s = escaped("caf\xc3\xa9"), "caf\xc3\xa9");	/* UTF-8 kept */
	free(s);
	CHECK_STR(s = escaped("x\xff\xc3y\x01"), "x??y?");	/* not UTF-8, control */
	free(s);
	CHECK_STR(s = escaped("\xc0\xafz"), "??z");		/* overlong */
	free(s);
}

static struct np_sock_record rec(uint64_t cookie, uint32_t pid, uint64_t start, uint64_t tx,
				 const char *comm)
{
	struct np_sock_record r = {
		.cookie = cookie, .has_owner = 1, .event = NP_SOCK_CLOSED, .protocol = 17,
		.family = 2, .owner = { .tgid = pid, .start_ns = start },
	};

	r.c.tx_bytes = tx;
	r.c.tx_packets = tx / 100;
	strcpy(r.owner.comm, comm);
	return r;
}

static struct ex_series *series_named(struct ex_store *s, const char *process, uint32_t pid)
{
	size_t i = 0;
	void *v;

	while (htab_next(&s->series, &i, NULL, &v)) {
		struct ex_series *se = v;

		if (!strcmp(se->key.process, process) && se->key.pid == pid)
			return se;
	}
	return NULL;
}

static void apply(struct np_model *m, struct np_sock_record r, double now)
{
	CHECK(model_apply_sock(m, &r, now) == 0);
}

static void test_monotonic_across_exits_and_ttl(void)
{
	bool labels[EX_LABEL_MAX] = { [EX_LABEL_PROCESS] = true, [EX_LABEL_UNIT] = true };
	struct ex_store s;
	struct np_model m;
	struct ex_series *se;

	CHECK(model_init(&m) == 0);
	CHECK(ex_store_init(&s, labels, 100, 300) == 0);
	apply(&m, rec(1, 10, 1, 1000, "curl"), 0);
	CHECK(ex_store_fold(&s, &m, 0) == 0);
	model_reset_interval(&m);
	CHECK((se = series_named(&s, "curl", 0)) != NULL);
	if (!se)
		goto out;
	CHECK_EQ_U64(se->tx_bytes, 1000);
	CHECK_EQ_U64(se->tx_packets, 10);
	/* The first curl is gone from the model; a second one adds to the same series. */
	CHECK_EQ_U64(model_prune(&m, 100, 1), 1);
	apply(&m, rec(2, 11, 2, 500, "curl"), 101);
	CHECK(ex_store_fold(&s, &m, 101) == 0);
	model_reset_interval(&m);
	CHECK_EQ_U64(s.series.count, 1);
	CHECK_EQ_U64(se->tx_bytes, 1500);
	CHECK_EQ_U64(se->users, 1);
	/* Nobody feeds it: it stays the TTL after its last change (101), then goes. */
	CHECK_EQ_U64(model_prune(&m, 200, 1), 1);
	CHECK(ex_store_fold(&s, &m, 200) == 0);
	CHECK_EQ_U64(se->users, 0);
	CHECK(ex_store_fold(&s, &m, 401) == 0);
	CHECK_EQ_U64(s.series.count, 1);
	CHECK(ex_store_fold(&s, &m, 402) == 0);
	CHECK_EQ_U64(s.series.count, 0);
out:
	ex_store_free(&s);
	model_free(&m);
}

static void test_max_series_other(void)
{
	bool labels[EX_LABEL_MAX] = { [EX_LABEL_PROCESS] = true, [EX_LABEL_PID] = true };
	struct ex_store s;
	struct np_model m;
	struct ex_series *other;

	CHECK(model_init(&m) == 0);
	CHECK(ex_store_init(&s, labels, 2, 300) == 0);
	for (uint32_t pid = 1; pid <= 4; pid++) {
		apply(&m, rec(pid, pid, pid, 100 * pid, "w"), pid);
		CHECK(ex_store_fold(&s, &m, pid) == 0);
		model_reset_interval(&m);
	}
	CHECK_EQ_U64(s.series.count, 3);
	CHECK_EQ_U64(s.dropped, 2);
	CHECK(series_named(&s, "w", 1) && series_named(&s, "w", 2));
	other = series_named(&s, "other", 0);
	CHECK(other && other->key.other);
	if (other)
		CHECK_EQ_U64(other->tx_bytes, 300 + 400);
	/* Its traffic keeps going to other, without counting a drop again. */
	apply(&m, rec(4, 4, 4, 450, "w"), 5);
	CHECK(ex_store_fold(&s, &m, 5) == 0);
	CHECK_EQ_U64(s.dropped, 2);
	if (other)
		CHECK_EQ_U64(other->tx_bytes, 750);
	ex_store_free(&s);
	model_free(&m);
}

static void test_dns_histogram(void)
{
	bool labels[EX_LABEL_MAX] = { [EX_LABEL_PROCESS] = true };
	struct ex_store s;

	CHECK(ex_store_init(&s, labels, 1, 300) == 0);
	ex_store_dns(&s, "dig", "NOERROR", 0.003, 0);
	ex_store_dns(&s, "dig", "NOERROR", 0.2, 0);
	ex_store_dns(&s, "dig", "timeout", -1, 0);	/* beyond max: into other */
	CHECK_EQ_U64(s.dns_count, 2);
	CHECK_EQ_U64(s.dns_buckets[2], 0);	/* <= 2.5 ms */
	CHECK_EQ_U64(s.dns_buckets[3], 1);	/* <= 5 ms */
	CHECK_EQ_U64(s.dns_buckets[8], 2);	/* <= 250 ms */
	CHECK_EQ_U64(s.dns.count, 2);
	CHECK_EQ_U64(s.dropped, 1);
	ex_store_free(&s);
}

TEST_MAIN(T(test_unit_of), T(test_accept), T(test_label_escaping),
	  T(test_monotonic_across_exits_and_ttl), T(test_max_series_other), T(test_dns_histogram))
