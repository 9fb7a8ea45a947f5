// SPDX-License-Identifier: GPL-2.0-only
/*
 * src/dns/dns_track.c and dns_tcp.c on packets built here: queries matched
 * to answers by socket, id and question, from the asking side only; retries,
 * timeouts, a full pending table; DNS over TCP across segments; names of
 * addresses and of ClientHellos.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include "harness.h"
#include "dns/dns_track.h"

#define CLIENT "10.0.0.1"
#define SERVER "10.0.0.2"

static struct dns_event got[8];
static char got_qname[8][DNS_NAME_MAX], got_answer[8][DNS_ANSWER_TEXT];
static int ngot;

static void on_event(void *ctx, const struct dns_event *e)
{
	if (ngot == 8)
		return;
	got[ngot] = *e;
	snprintf(got_qname[ngot], sizeof(got_qname[0]), "%s", e->qname);
	got_answer[ngot][0] = '\0';
	if (e->answer && e->answer->nanswers)
		snprintf(got_answer[ngot], sizeof(got_answer[0]), "%s", e->answer->answers[0].text);
	ngot++;
}

/* A query for @name's A record, or (@answer) its answer holding @addr with @ttl. */
static size_t dns_message(uint8_t *m, uint16_t id, const char *name, bool answer,
			  const char *addr, uint32_t ttl)
{
	size_t n = 12;
	const char *s = name;

	memset(m, 0, 12);
	m[0] = id >> 8, m[1] = id;
	m[2] = answer ? 0x81 : 0x01;
	m[3] = answer ? 0x80 : 0;
	m[5] = 1;
	m[7] = answer;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		m[n++] = l;
		memcpy(m + n, s, l);
		n += l;
		s += l + (dot != NULL);
	}
	m[n++] = 0;
	m[n++] = 0, m[n++] = 1, m[n++] = 0, m[n++] = 1;
	if (answer) {
		uint8_t rr[] = { 0xc0, 12, 0, 1, 0, 1, ttl >> 24, ttl >> 16, ttl >> 8, ttl, 0, 4 };

		memcpy(m + n, rr, sizeof(rr));
		n += sizeof(rr);
		inet_pton(AF_INET, addr, m + n);
		n += 4;
	}
	return n;
}

/* IPv4 + UDP (or TCP, with @seq) around @payload, from @src:@sport to @dst:@dport. */
static size_t packet(uint8_t *b, uint8_t proto, const char *src, uint16_t sport,
		     const char *dst, uint16_t dport, uint32_t seq, const uint8_t *payload,
		     size_t len)
{
	size_t l4 = proto == IPPROTO_TCP ? 20 : 8, tot = 20 + l4 + len;

	memset(b, 0, 20 + l4);
	b[0] = 0x45;
	b[2] = tot >> 8, b[3] = tot;
	b[8] = 64;
	b[9] = proto;
	inet_pton(AF_INET, src, b + 12);
	inet_pton(AF_INET, dst, b + 16);
	b[20] = sport >> 8, b[21] = sport, b[22] = dport >> 8, b[23] = dport;
	if (proto == IPPROTO_TCP) {
		b[24] = seq >> 24, b[25] = seq >> 16, b[26] = seq >> 8, b[27] = seq;
		b[32] = 5 << 4;
		b[33] = 0x18;	/* PSH, ACK */
	} else {
		b[24] = (8 + len) >> 8, b[25] = 8 + len;
	}
	memcpy(b + 20 + l4, payload, len);
	return tot;
}

static void feed(struct dns_tracker *t, double mono, bool egress, uint32_t pid,
		 const uint8_t *ip, size_t len, enum np_payload_kind kind, uint64_t cookie)
{
	struct np_payload p = {
		.mono = mono, .kind = kind, .egress = egress, .has_owner = pid != 0,
		.cookie = cookie, .ip = ip, .caplen = len, .len = len,
	};

	p.owner.tgid = pid;
	snprintf(p.owner.comm, sizeof(p.owner.comm), "proc%u", pid);
	dns_track_payload(t, &p);
}

/* A query leaving the client and its answer arriving @ms later; both copies of each. */
static void exchange(struct dns_tracker *t, double at, double ms, uint16_t id, const char *name,
		     const char *addr)
{
	uint8_t m[512], pk[600];
	size_t n = dns_message(m, id, name, false, NULL, 0), l;

	l = packet(pk, IPPROTO_UDP, CLIENT, 40000, SERVER, 53, 0, m, n);
	feed(t, at, true, 100, pk, l, NP_PAYLOAD_DNS, 1);		/* the client's socket */
	feed(t, at, false, 200, pk, l, NP_PAYLOAD_DNS, 2);		/* the server's */
	n = dns_message(m, id, name, true, addr, 300);
	l = packet(pk, IPPROTO_UDP, SERVER, 53, CLIENT, 40000, 0, m, n);
	feed(t, at + ms / 1000, true, 200, pk, l, NP_PAYLOAD_DNS, 2);
	feed(t, at + ms / 1000, false, 100, pk, l, NP_PAYLOAD_DNS, 1);
}

static void test_query_matched_from_the_asking_side(void)
{
	struct dns_tracker t;
	enum dns_name_source src;
	uint8_t addr[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 9 };

	ngot = 0;
	CHECK(dns_track_init(&t, 5, 16, on_event, NULL) == 0);
	exchange(&t, 100.0, 12.5, 0x1234, "web.test", "10.0.0.9");
	CHECK_EQ_U64(ngot, 1);
	CHECK_EQ_U64(got[0].owner.tgid, 100);
	CHECK_STR(got_qname[0], "web.test");
	CHECK_EQ_U64(got[0].rcode, 0);
	CHECK_STR(got_answer[0], "10.0.0.9");
	CHECK(got[0].latency_ms > 12.49 && got[0].latency_ms < 12.51);
	CHECK_EQ_U64(got[0].resolver_port, 53);
	CHECK_EQ_U64(got[0].protocol, IPPROTO_UDP);
	CHECK_EQ_U64(t.n.queries, 1);
	CHECK_EQ_U64(t.n.answered, 1);
	CHECK_EQ_U64(t.n.unmatched, 0);
	CHECK_STR(dns_track_name(&t, 0, addr, 0, 101.0, &src), "web.test");
	CHECK_EQ_U64(src, NAME_DNS);
	/* The name outlives a short TTL by DNS_NAME_MIN_TTL, the 300 s TTL no longer. */
	CHECK(dns_track_name(&t, 0, addr, 0, 100.0 + 299, &src) != NULL);
	CHECK(dns_track_name(&t, 0, addr, 0, 100.0 + 301, &src) == NULL);
	dns_track_free(&t);
}

static void test_retry_timeout_and_overflow(void)
{
	struct dns_tracker t;
	uint8_t m[512], pk[600];
	size_t n, l;

	ngot = 0;
	CHECK(dns_track_init(&t, 5, 2, on_event, NULL) == 0);
	n = dns_message(m, 7, "lost.test", false, NULL, 0);
	l = packet(pk, IPPROTO_UDP, CLIENT, 40001, SERVER, 53, 0, m, n);
	feed(&t, 10.0, true, 100, pk, l, NP_PAYLOAD_DNS, 1);
	feed(&t, 11.0, true, 100, pk, l, NP_PAYLOAD_DNS, 1);	/* sent again */
	n = dns_message(m, 8, "other.test", false, NULL, 0);
	l = packet(pk, IPPROTO_UDP, CLIENT, 40002, SERVER, 53, 0, m, n);
	feed(&t, 10.5, true, 100, pk, l, NP_PAYLOAD_DNS, 3);
	n = dns_message(m, 9, "third.test", false, NULL, 0);
	l = packet(pk, IPPROTO_UDP, CLIENT, 40003, SERVER, 53, 0, m, n);
	feed(&t, 10.6, true, 100, pk, l, NP_PAYLOAD_DNS, 4);	/* table of 2 is full */
	CHECK_EQ_U64(t.n.queries, 2);
	CHECK_EQ_U64(t.n.pending_overflow, 1);
	dns_track_expire(&t, 14.9, false);
	CHECK_EQ_U64(ngot, 0);
	dns_track_expire(&t, 15.2, false);	/* lost.test: 5.2 s; other.test: 4.7 s */
	CHECK_EQ_U64(ngot, 1);
	CHECK_STR(got_qname[0], "lost.test");
	CHECK(got[0].timeout && got[0].rcode == -1 && got[0].latency_ms < 0);
	CHECK_EQ_U64(got[0].retries, 1);
	dns_track_expire(&t, 15.3, true);	/* the end: other.test unanswered, not a timeout */
	CHECK_EQ_U64(ngot, 2);
	CHECK(!got[1].timeout && got[1].rcode == -1);
	CHECK_EQ_U64(t.n.timeouts, 1);
	dns_track_free(&t);
}

static void test_tcp_message_across_segments(void)
{
	struct dns_tracker t;
	uint8_t m[512], stream[600], pk[700];
	size_t n, l;

	ngot = 0;
	CHECK(dns_track_init(&t, 5, 16, on_event, NULL) == 0);
	/* Query: the length in one segment, the message in the next (as np_dns sends it). */
	n = dns_message(m, 0x77, "tcp.test", false, NULL, 0);
	stream[0] = n >> 8, stream[1] = n;
	memcpy(stream + 2, m, n);
	l = packet(pk, IPPROTO_TCP, CLIENT, 40010, SERVER, 53, 1000, stream, 2);
	feed(&t, 20.0, true, 100, pk, l, NP_PAYLOAD_DNS, 5);
	l = packet(pk, IPPROTO_TCP, CLIENT, 40010, SERVER, 53, 1002, stream + 2, n);
	feed(&t, 20.0, true, 100, pk, l, NP_PAYLOAD_DNS, 5);
	l = packet(pk, IPPROTO_TCP, CLIENT, 40010, SERVER, 53, 1002, stream + 2, n);
	feed(&t, 20.1, true, 100, pk, l, NP_PAYLOAD_DNS, 5);	/* retransmitted: nothing new */
	CHECK_EQ_U64(t.n.queries, 1);
	/* Answer in three pieces. */
	n = dns_message(m, 0x77, "tcp.test", true, "10.0.0.7", 60);
	stream[0] = n >> 8, stream[1] = n;
	memcpy(stream + 2, m, n);
	l = packet(pk, IPPROTO_TCP, SERVER, 53, CLIENT, 40010, 5000, stream, 1);
	feed(&t, 20.2, false, 100, pk, l, NP_PAYLOAD_DNS, 5);
	l = packet(pk, IPPROTO_TCP, SERVER, 53, CLIENT, 40010, 5001, stream + 1, 10);
	feed(&t, 20.2, false, 100, pk, l, NP_PAYLOAD_DNS, 5);
	l = packet(pk, IPPROTO_TCP, SERVER, 53, CLIENT, 40010, 5011, stream + 11, n + 2 - 11);
	feed(&t, 20.25, false, 100, pk, l, NP_PAYLOAD_DNS, 5);
	CHECK_EQ_U64(ngot, 1);
	CHECK_STR(got_qname[0], "tcp.test");
	CHECK_STR(got_answer[0], "10.0.0.7");
	CHECK_EQ_U64(got[0].protocol, IPPROTO_TCP);
	CHECK(got[0].latency_ms > 249.9 && got[0].latency_ms < 250.1);
	CHECK_EQ_U64(t.n.malformed, 0);
	/* A segment lost before one we see: the waiting message is counted, not parsed. */
	l = packet(pk, IPPROTO_TCP, CLIENT, 40011, SERVER, 53, 1, stream, 5);
	feed(&t, 21.0, true, 100, pk, l, NP_PAYLOAD_DNS, 6);
	l = packet(pk, IPPROTO_TCP, CLIENT, 40011, SERVER, 53, 50, stream + 40, 5);
	feed(&t, 21.0, true, 100, pk, l, NP_PAYLOAD_DNS, 6);
	CHECK_EQ_U64(t.tcp.gaps, 1);
	CHECK_EQ_U64(t.n.truncated, 1);
	dns_track_free(&t);
}

static void test_client_hello_names_its_connection(void)
{
	/* A TLS 1.2 ClientHello: one cipher suite, only the server_name extension. */
	static const uint8_t hello[] = {
		0x16, 0x03, 0x01, 0x00, 0x3e, 0x01, 0x00, 0x00, 0x3a, 0x03, 0x03,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00, 0x00, 0x0f,
		0x00, 0x00, 0x00, 0x0b, 0x00, 0x09, 0x00, 0x00, 0x06, 's', 'n', 'i', '.', 'x', 'y',
	};
	uint8_t pk[200], addr[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 2 };
	struct dns_tracker t;
	enum dns_name_source src;
	size_t l;

	CHECK(dns_track_init(&t, 5, 16, NULL, NULL) == 0);
	l = packet(pk, IPPROTO_TCP, CLIENT, 40020, SERVER, 443, 1, hello, sizeof(hello));
	feed(&t, 30.0, true, 100, pk, l, NP_PAYLOAD_TLS_HELLO, 77);
	CHECK_STR(dns_track_name(&t, 0, addr, 77, 30.0, &src), "sni.xy");
	CHECK_EQ_U64(src, NAME_SNI);
	CHECK_STR(dns_name_source_str(src), "sni");
	CHECK(dns_track_name(&t, 0, addr, 78, 30.0, &src) == NULL && src == NAME_NONE);
	dns_track_free(&t);
}

TEST_MAIN(T(test_query_matched_from_the_asking_side), T(test_retry_timeout_and_overflow),
	  T(test_tcp_message_across_segments), T(test_client_hello_names_its_connection))
