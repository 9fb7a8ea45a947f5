// SPDX-License-Identifier: GPL-2.0-only
/* Number parsing, the hash table, the JSON writer and the text formatters. */
#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include "harness.h"
#include "lib/htab.h"
#include "lib/json_writer.h"
#include "lib/netns.h"
#include "lib/util.h"
#include "monitor/model/output.h"
#include "monitor/model/view.h"

static void test_parse_seconds(void)
{
	double v;

	CHECK(parse_seconds("2", &v) == 0 && v == 2.0);
	CHECK(parse_seconds("0.25", &v) == 0 && v == 0.25);
	CHECK(parse_seconds(".5", &v) == 0 && v == 0.5);
	CHECK(parse_seconds("0", &v) == -ERANGE);
	CHECK(parse_seconds("0.0", &v) == -ERANGE);
	CHECK(parse_seconds("-1", &v) == -EINVAL);
	CHECK(parse_seconds("1e3", &v) == -EINVAL);
	CHECK(parse_seconds("inf", &v) == -EINVAL);
	CHECK(parse_seconds("nan", &v) == -EINVAL);
	CHECK(parse_seconds("", &v) == -EINVAL);
	CHECK(parse_seconds(".", &v) == -EINVAL);
	CHECK(parse_seconds("1.2.3", &v) == -EINVAL);
}

static void test_parse_u64(void)
{
	uint64_t v;

	CHECK(parse_u64("4096", 4096, 16777216, &v) == 0 && v == 4096);
	CHECK(parse_u64("4095", 4096, 16777216, &v) == -ERANGE);
	CHECK(parse_u64("16777217", 4096, 16777216, &v) == -ERANGE);
	CHECK(parse_u64("18446744073709551616", 0, UINT64_MAX, &v) == -EINVAL);
	CHECK(parse_u64("+5", 0, 10, &v) == -EINVAL);
	CHECK(parse_u64("5x", 0, 10, &v) == -EINVAL);
}

static void test_htab_many(void)
{
	struct htab h;
	uint64_t k;
	size_t n = 0, i = 0;
	int bad = 0;

	htab_init(&h, sizeof(k));
	for (k = 1; k <= 20000; k++)
		htab_put(&h, &k, (void *)(uintptr_t)(k * 3));
	for (k = 1; k <= 20000; k += 2)
		htab_del(&h, &k);
	for (k = 1; k <= 20000; k++) {
		void *v = htab_get(&h, &k);

		if ((k % 2) ? v != NULL : v != (void *)(uintptr_t)(k * 3))
			bad++;
	}
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(h.count, 10000);
	while (htab_next(&h, &i, NULL, NULL))
		n++;
	CHECK_EQ_U64(n, 10000);
	/* Deleted slots are reused without losing live keys. */
	for (k = 1; k <= 20000; k += 2)
		htab_put(&h, &k, (void *)(uintptr_t)1);
	CHECK_EQ_U64(h.count, 20000);
	k = 2;
	CHECK(htab_get(&h, &k) == (void *)(uintptr_t)6);
	htab_free(&h);
}

static void test_json_writer(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer jw;

	jw_init(&jw, f, false);
	jw_start_object(&jw);
	jw_kv_string(&jw, "s", "a\"b\\c\n\x01");
	jw_kv_u64(&jw, "n", 18446744073709551615ULL);
	jw_kv_string(&jw, "null", NULL);
	jw_key(&jw, "arr");
	jw_start_array(&jw);
	jw_u64(&jw, 1);
	jw_start_object(&jw);
	jw_end_object(&jw);
	jw_start_array(&jw);
	jw_end_array(&jw);
	jw_end_array(&jw);
	jw_kv_bool(&jw, "b", false);
	/* Escapes first and last, a plain run between; empty; zero. */
	jw_kv_string(&jw, "e", "\tplain run\x7f");
	jw_kv_string(&jw, "", "");
	jw_kv_u64(&jw, "z", 0);
	jw_end_object(&jw);
	fclose(f);
	CHECK_STR(buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":18446744073709551615,"
		       "\"null\":null,\"arr\":[1,{},[]],\"b\":false,"
		       "\"e\":\"\\tplain run\\u007f\",\"\":\"\",\"z\":0}");
	free(buf);
}

/*
 * The writer's buffer: nothing reaches the stream inside an object until it
 * ends (or jw_flush), and documents and strings longer than the buffer come
 * out whole and in order. UTF-8 bytes pass unescaped.
 */
static void test_json_writer_buffer(void)
{
	char *buf = NULL, key[16], *big = malloc(3 * JW_BUF_SIZE + 1);
	size_t len = 0, want = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer jw;

	memset(big, 'x', 3 * JW_BUF_SIZE);
	big[3 * JW_BUF_SIZE] = '\0';
	jw_init(&jw, f, false);
	jw_start_object(&jw);
	jw_kv_string(&jw, "utf8", "caf\xc3\xa9 \xe2\x86\x92");
	fflush(f);
	CHECK(len == 0);
	jw_flush(&jw);
	fflush(f);
	CHECK_STR(buf, "{\"utf8\":\"caf\xc3\xa9 \xe2\x86\x92\"");
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		jw_kv_u64(&jw, key, i);
	}
	jw_kv_string(&jw, "big", big);
	jw_end_object(&jw);
	fflush(f);
	/* {"utf8":"..." then ,"kN":N for each, ,"big":"x..." and } */
	want = strlen("{\"utf8\":\"caf\xc3\xa9 \xe2\x86\x92\"");
	for (int i = 0; i < 1000; i++)
		want += snprintf(key, sizeof(key), "%d", i) * 2 + 5;
	want += strlen(",\"big\":\"\"}") + 3 * JW_BUF_SIZE;
	CHECK(len == want);
	CHECK(strstr(buf, ",\"k0\":0,\"k1\":1,") != NULL);
	CHECK(strstr(buf, ",\"k998\":998,\"k999\":999,\"big\":\"xxx") != NULL);
	CHECK(len > 2 && buf[len - 2] == '"' && buf[len - 1] == '}');
	fclose(f);
	free(buf);
	free(big);
}

/* JSON's escaping of one byte, the plain way, for comparison. */
static void escape_ref(char *out, unsigned char c)
{
	if (c == '"' || c == '\\')
		sprintf(out, "\\%c", c);
	else if (c == '\n')
		strcpy(out, "\\n");
	else if (c == '\r')
		strcpy(out, "\\r");
	else if (c == '\t')
		strcpy(out, "\\t");
	else if (c < 0x20 || c == 0x7f)
		sprintf(out, "\\u%04x", c);
	else
		sprintf(out, "%c", c);
}

/*
 * Every byte value at every place of a string longer than a few words, alone
 * and twice within eight bytes, comes out as a byte-by-byte escaper writes it
 * (the writer copies runs of plain bytes whole).
 */
static void test_json_escape_every_byte_everywhere(void)
{
	char str[32], want[256], e[8], *got;
	size_t len;

	for (int c = 1; c < 256; c++) {
		for (int at = 0; at < 26; at++) {
			FILE *f = open_memstream(&got, &len);
			struct json_writer jw;

			memset(str, 'a', 26);
			str[26] = '\0';
			str[at] = (char)c;
			if (at + 2 < 26)
				str[at + 2] = (char)c;
			jw_init(&jw, f, false);
			jw_string(&jw, str);
			fclose(f);
			strcpy(want, "\"");
			for (int i = 0; i < 26; i++) {
				escape_ref(e, (unsigned char)str[i]);
				strcat(want, e);
			}
			strcat(want, "\"");
			CHECK_STR(got, want);
			free(got);
		}
	}
}

/* The printf-free formatters against printf. */
static void test_ipv4_and_hex_without_printf(void)
{
	static const uint8_t addrs[][4] = { { 0, 0, 0, 0 }, { 255, 255, 255, 255 },
					    { 10, 1, 20, 3 }, { 127, 0, 0, 1 }, { 9, 99, 100, 0 } };
	static const uint64_t nums[] = { 0, 1, 0xf, 0x10, 0xffff888175d02b00ULL, UINT64_MAX };
	char got[24], want[24];

	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		*put_ipv4(got, addrs[i]) = '\0';
		snprintf(want, sizeof(want), "%u.%u.%u.%u", addrs[i][0], addrs[i][1], addrs[i][2],
			 addrs[i][3]);
		CHECK_STR(got, want);
	}
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		snprintf(want, sizeof(want), "0x%llx", (unsigned long long)nums[i]);
		CHECK_STR(hex_u64_str(got, nums[i]), want);
	}
}

/* One jw_double into a string, for comparison with printf's "%.*f". */
static void json_double(double v, int decimals, char *out, size_t size)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer jw;

	jw_init(&jw, f, false);
	jw_double(&jw, v, decimals);
	fclose(f);
	snprintf(out, size, "%s", buf);
	free(buf);
}

/* The writer's own fixed-point numbers are printf's, digit for digit. */
static void test_json_double_as_printf(void)
{
	static const double edge[] = { 0.0, -0.0, -0.04, 0.5, 1.5, 2.5, 0.05, 0.15, 0.125,
				       999.9995, 1e15, 1e20, -1e-9, 123.4565, 1764626471.123456,
				       1764626471.9999996, 4503599627370495.5 };
	char got[64], want[64];
	int bad = 0;

	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		for (int d = 0; d < 10; d++) {
			json_double(edge[i], d, got, sizeof(got));
			snprintf(want, sizeof(want), "%.*f", d, edge[i]);
			CHECK_STR(got, want);
		}
	srand(7);
	for (int i = 0; i < 200000; i++) {
		/* Wide numbers, and times since the epoch to the nanosecond. */
		double v = i % 3 ? (double)rand() * rand() / (1 + rand() % 100000) * (i % 2 ? 1 : -1)
				 : 1.7e9 + rand() % 100000000 + rand() % 1000000000 / 1e9;
		int d = rand() % 10;

		json_double(v, d, got, sizeof(got));
		snprintf(want, sizeof(want), "%.*f", d, v);
		if (strcmp(got, want) && bad++ < 5)
			fprintf(stderr, "  %.17g with %d decimals: %s, printf %s\n", v, d, got, want);
	}
	CHECK_EQ_U64(bad, 0);
	json_double(1.0 / 0.0, 3, got, sizeof(got));
	CHECK_STR(got, "null");
}

static void test_format_bytes(void)
{
	char b[32];

	output_format_bytes(b, sizeof(b), 0);
	CHECK_STR(b, "0 B");
	output_format_bytes(b, sizeof(b), 1023);
	CHECK_STR(b, "1023 B");
	output_format_bytes(b, sizeof(b), 1024);
	CHECK_STR(b, "1.0 KiB");
	output_format_bytes(b, sizeof(b), 1536 * 1024);
	CHECK_STR(b, "1.5 MiB");
	output_format_bytes(b, sizeof(b), 10ULL << 30);
	CHECK_STR(b, "10.0 GiB");
}

static void test_format_endpoint(void)
{
	struct np_endpoint e = { .port = 443 };
	char b[64];

	e.addr[10] = e.addr[11] = 0xff;
	e.addr[12] = 192; e.addr[13] = 0; e.addr[14] = 2; e.addr[15] = 7;
	output_format_endpoint(b, sizeof(b), &e, true);
	CHECK_STR(b, "192.0.2.7:443");
	output_format_endpoint(b, sizeof(b), &e, false);
	CHECK_STR(b, "192.0.2.7");
	/* Widest, narrowest, a port of 0 on a real address, and a short buffer. */
	e.addr[12] = 255; e.addr[13] = 250; e.addr[14] = 10; e.addr[15] = 100;
	e.port = 65535;
	output_format_endpoint(b, sizeof(b), &e, true);
	CHECK_STR(b, "255.250.10.100:65535");
	e.addr[12] = e.addr[13] = e.addr[14] = 0; e.addr[15] = 1;
	e.port = 0;
	output_format_endpoint(b, sizeof(b), &e, true);
	CHECK_STR(b, "0.0.0.1:0");
	e.addr[12] = 10; e.port = 8080;
	output_format_endpoint(b, 8, &e, true);
	CHECK_STR(b, "10.0.0.");
	e.port = 443;
	memset(e.addr, 0, 16);
	e.addr[0] = 0x20; e.addr[1] = 0x01; e.addr[2] = 0x0d; e.addr[3] = 0xb8; e.addr[15] = 1;
	output_format_endpoint(b, sizeof(b), &e, true);
	CHECK_STR(b, "[2001:db8::1]:443");
	memset(e.addr, 0, 16);
	e.port = 0;
	output_format_endpoint(b, sizeof(b), &e, true);
	CHECK_STR(b, "*:*");
	e.addr[10] = e.addr[11] = 0xff;	/* v4-mapped 0.0.0.0:0: unconnected IPv4 */
	output_format_endpoint(b, sizeof(b), &e, true);
	CHECK_STR(b, "*:*");
}

static void test_names(void)
{
	CHECK_STR(output_proto_name(6, 2), "tcp");
	CHECK_STR(output_proto_name(17, 10), "udp");
	CHECK_STR(output_proto_name(1, 2), "icmp");
	/* One table for every output: the monitor and the tracer both say icmp6. */
	CHECK_STR(output_proto_name(58, 10), "icmp6");
	CHECK_STR(output_proto_name(255, 2), "raw");
	CHECK_STR(output_proto_name(0, 10), "ipv6");
	CHECK_STR(output_proto_name(253, 2), "other");
	CHECK_STR(output_tcp_state(1), "ESTABLISHED");
	CHECK_STR(output_tcp_state(10), "LISTEN");
	CHECK_STR(output_tcp_state(200), "UNKNOWN");
	CHECK(view_name_matches("NGINX-worker", "nginx"));
	CHECK(view_name_matches("curl", "URL"));
	CHECK(!view_name_matches("curl", "wget"));
	CHECK(view_name_matches("x", ""));
}

/* sockstat as 6.18 writes it: "alloc" is host-wide; "inuse" and "tw" are this namespace's. */
static void test_sockstat(void)
{
	unsigned tcp = 0, udp = 0;

	netns_parse_sockstat("sockets: used 187\n"
			     "TCP: inuse 5 orphan 1 tw 3 alloc 907 mem 12\n"
			     "UDP: inuse 2 mem 4\n"
			     "UDPLITE: inuse 9\n"
			     "RAW: inuse 1\n", &tcp, &udp);
	netns_parse_sockstat("TCP6: inuse 4\nUDP6: inuse 0\nUDPLITE6: inuse 7\nRAW6: inuse 1\n",
			     &tcp, &udp);
	CHECK(tcp == 12 && udp == 2);	/* TCP: 5 in use and 3 in TIME_WAIT, TCP6: 4 */
	tcp = udp = 0;
	netns_parse_sockstat("TCP: inuse x\nUDP:\n", &tcp, &udp);
	CHECK(tcp == 0 && udp == 0);
	/* Our own namespace: a bound UDP socket of ours is in its count. */
	{
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
		CHECK(netns_sockets_in_use(&tcp, &udp) == 0 && udp >= 1);
		close(fd);
	}
}

/* Per family: sockstat is IPv4 (with TIME_WAIT of both), sockstat6 IPv6. */
static void test_sockstat_by_family(void)
{
	FILE *v4 = tmpfile(), *v6 = tmpfile();
	unsigned tcp[2], udp[2];
	int fds[2];

	CHECK(v4 && v6);
	fputs("TCP: inuse 5 orphan 1 tw 3 alloc 907 mem 12\nUDP: inuse 2 mem 4\n", v4);
	fputs("TCP6: inuse 4\nUDP6: inuse 0\n", v6);
	fflush(v4);
	fflush(v6);
	fds[0] = fileno(v4);
	fds[1] = fileno(v6);
	CHECK(netns_sockstat_read_by_family(fds, tcp, udp) == 0);
	CHECK(tcp[0] == 8 && tcp[1] == 4 && udp[0] == 2 && udp[1] == 0);
	fds[1] = -1;
	CHECK(netns_sockstat_read_by_family(fds, tcp, udp) == -1);
	fclose(v4);
	fclose(v6);
	/* Our own namespace: a bound UDP6 socket of ours is counted as IPv6. */
	{
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		int fd = socket(AF_INET6, SOCK_DGRAM, 0);

		CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
		CHECK(netns_sockstat_open(fds) == 0);
		CHECK(netns_sockstat_read_by_family(fds, tcp, udp) == 0 && udp[1] >= 1);
		close(fds[0]);
		close(fds[1]);
		close(fd);
	}
}

TEST_MAIN(T(test_parse_seconds), T(test_parse_u64), T(test_htab_many), T(test_json_writer), T(test_json_writer_buffer), T(test_json_escape_every_byte_everywhere), T(test_ipv4_and_hex_without_printf),
	  T(test_json_double_as_printf),
	  T(test_format_bytes), T(test_format_endpoint), T(test_names), T(test_sockstat),
	  T(test_sockstat_by_family))
