// SPDX-License-Identifier: GPL-2.0-only
/*
 * netoproc diagnose: the rule file parser (the shipped file, a small good file
 * field by field, and every kind of malformed line refused with its file and
 * line), the counter parsers, templates, and the first-match drop matcher.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "harness.h"
#include "diagnose/counters.h"
#include "diagnose/findings.h"
#include "diagnose/nft_rules.h"
#include "diagnose/rules.h"
#include "diagnose/socktab.h"

/* Parse @text; returns the error and the one line written to stderr in @msg. */
static int parse_capture(const char *text, char *msg, size_t size)
{
	struct ruleset rs;
	FILE *tmp = tmpfile();
	int saved = dup(2), err;
	size_t n;

	fflush(stderr);
	dup2(fileno(tmp), 2);
	err = rules_parse(&rs, "t.rules", text);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(msg, 1, size - 1, tmp);
	msg[n] = 0;
	fclose(tmp);
	if (!err)
		rules_free(&rs);
	return err;
}

static void test_shipped_file(void)
{
	struct ruleset rs;
	size_t drops = 0, others = 0;
	bool catch_all_last = false;

	CHECK_EQ_U64(rules_load(&rs, "support/diagnose.rules"), 0);
	CHECK(rs.n >= 40);
	CHECK(rs.nex >= 30);
	for (size_t i = 0; i < rs.n; i++) {
		if (rs.r[i].kind == RULE_DROP) {
			drops++;
			catch_all_last = !rs.r[i].reason && !rs.r[i].location;
		} else {
			others++;
		}
	}
	CHECK(drops >= 20);
	CHECK(others >= 20);
	CHECK(catch_all_last);
	rules_free(&rs);
}

static const char good[] =
	"# comment\n"
	"explain NO_SOCKET nothing listens\n"
	"\n"
	"rule dns-x\n"
	"  level error\n"
	"  match drop reason=NO_SOCKET,TCP_* proto=udp dport=53 location=__udp4* min=2\n"
	"  summary {count} to {tuple} ({reason})\n"
	"  advice start it; awk '{print $4}'\n"
	"  command ss -ulpn\n"
	"rule c1\n"
	"\tlevel warn\n"
	"\tmatch counter name=UdpNoPorts\n"
	"\tsummary s\n"
	"\tadvice a\n"
	"rule g1\n"
	"  level info\n"
	"  match gauge name=ConntrackCount of=ConntrackMax min=90\n"
	"  summary {percent}\n"
	"  advice a\n"
	"rule l1\n"
	"  level info\n"
	"  match link state=no-carrier dev=v*\n"
	"  summary {dev}\n"
	"  advice a\n"
	"rule e1\n"
	"  level warn\n"
	"  match sockerr proto=udp errno=ECONNREFUSED,EHOST*\n"
	"  summary {process} {errno} {tuple}\n"
	"  advice a\n"
	"rule d1\n"
	"  level error\n"
	"  match dns rcode=SERVFAIL,TIMEOUT qname=*.lan min=2\n"
	"  summary {count} from {process} to {resolver} ({rcode}, {qname})\n"
	"  advice a\n";

static void test_good_file(void)
{
	struct ruleset rs;
	const struct rule *r;

	CHECK_EQ_U64(rules_parse(&rs, "good", good), 0);
	CHECK_EQ_U64(rs.n, 6);
	CHECK_EQ_U64(rs.nex, 1);
	CHECK_STR(rs.ex[0].reason, "NO_SOCKET");
	CHECK_STR(rs.ex[0].text, "nothing listens");
	r = &rs.r[0];
	CHECK_STR(r->id, "dns-x");
	CHECK_EQ_U64(r->level, RULE_ERROR);
	CHECK_EQ_U64(r->kind, RULE_DROP);
	CHECK_STR(r->reason, "NO_SOCKET,TCP_*");
	CHECK_STR(r->proto, "udp");
	CHECK_STR(r->location, "__udp4*");
	CHECK_EQ_U64(r->dport, 53);
	CHECK_EQ_U64((uint64_t)(int64_t)r->sport, (uint64_t)-1);
	CHECK_EQ_U64(r->min, 2);
	CHECK_EQ_U64(r->line, 4);
	CHECK_STR(r->command, "ss -ulpn");
	CHECK(rule_reason_matches(r, "NO_SOCKET"));
	CHECK(rule_reason_matches(r, "TCP_CSUM"));
	CHECK(!rule_reason_matches(r, "UDP_CSUM"));
	CHECK_EQ_U64(rs.r[1].kind, RULE_COUNTER);
	CHECK_STR(rs.r[1].name, "UdpNoPorts");
	CHECK_EQ_U64(rs.r[1].min, 1);
	CHECK_STR(rs.r[2].of, "ConntrackMax");
	CHECK_EQ_U64(rs.r[2].min, 90);
	CHECK_STR(rs.r[3].state, "no-carrier");
	CHECK_STR(rs.r[3].dev, "v*");
	r = &rs.r[4];
	CHECK_EQ_U64(r->kind, RULE_SOCKERR);
	CHECK_STR(r->proto, "udp");
	CHECK(rule_errno_matches(r, "EHOSTUNREACH"));
	CHECK(!rule_errno_matches(r, "ECONNRESET"));
	r = &rs.r[5];
	CHECK_EQ_U64(r->kind, RULE_DNS);
	CHECK_STR(r->rcode, "SERVFAIL,TIMEOUT");
	CHECK_STR(r->qname, "*.lan");
	CHECK_EQ_U64(r->min, 2);
	CHECK(rule_kind_needs_bpf(RULE_DNS));
	CHECK(rule_rcode_matches(r, "TIMEOUT"));
	CHECK(!rule_rcode_matches(r, "NXDOMAIN"));
	rules_free(&rs);
}

#define HEAD "rule a\n  level warn\n  summary s\n  advice a\n"

static void test_malformed(void)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "", "t.rules:1: no rules in the file\n" },
		{ "level warn\n", "t.rules:1: expected 'rule ID' or 'explain REASON TEXT', got 'level'\n" },
		{ "# c\n  level warn\n", "t.rules:2: 'level' outside a rule\n" },
		{ "rule Bad!\n", "t.rules:1: rule id 'Bad!': lower-case letters, digits, '-', '_', '.'\n" },
		{ HEAD "  match drop\nrule a\n", "t.rules:6: rule 'a' defined twice\n" },
		{ "rule a\n  level loud\n", "t.rules:2: level 'loud': info, warn or error\n" },
		{ HEAD "  level info\n", "t.rules:5: 'level' given twice\n" },
		{ HEAD "  match\n", "t.rules:5: 'match' needs a value\n" },
		{ HEAD "  match packet\n", "t.rules:5: unknown match kind 'packet'\n" },
		{ HEAD "  match drop reason\n", "t.rules:5: match term 'reason' is not KEY=VALUE\n" },
		{ HEAD "  match drop name=x\n", "t.rules:5: 'name' is not a key of match drop\n" },
		{ HEAD "  match drop dport=70000\n", "t.rules:5: 'dport' is not a port (0-65535)\n" },
		{ HEAD "  match drop min=0\n", "t.rules:5: min '0' is not a number >= 1\n" },
		{ HEAD "  match drop flags=SX\n", "t.rules:5: flags 'SX': letters of FSRPAUEC\n" },
		{ HEAD "  match counter min=3\n", "t.rules:5: match counter needs name=\n" },
		{ HEAD "  match gauge name=X\n", "t.rules:5: match gauge needs min=\n" },
		{ HEAD "  match iface name=rx_bytes\n",
		  "t.rules:5: iface name 'rx_bytes': rx_dropped, tx_dropped, rx_errors or tx_errors\n" },
		{ HEAD "  match link state=up\n", "t.rules:5: link state 'up': down or no-carrier\n" },
		{ HEAD "  match socket proto=tcp\n",
		  "t.rules:5: socket proto 'tcp': udp, udp6, raw or raw6\n" },
		{ HEAD "  match drop reason=A reason=B\n", "t.rules:5: 'reason' given twice\n" },
		{ HEAD "  match dns qname=x\n",
		  "t.rules:5: match dns needs rcode= (answer codes, or TIMEOUT)\n" },
		{ HEAD "  match dns rcode=SERVFAIL dev=eth0\n", "t.rules:5: 'dev' is not a key of match dns\n" },
		{ HEAD "  match sockerr rcode=X\n", "t.rules:5: 'rcode' is not a key of match sockerr\n" },
		{ "rule a\n  level warn\n  summary {count} {bogus}\n",
		  "t.rules:3: unknown placeholder {bogus}\n" },
		{ HEAD "  colour red\n",
		  "t.rules:5: unknown key 'colour' (level, match, summary, advice, command)\n" },
		{ "rule a\n  level warn\n  summary s\n  advice a\nrule b\n",
		  "t.rules:1: rule 'a' has no 'match' line\n" },
		{ "rule a\n  level warn\n  match drop\n  advice a\n",
		  "t.rules:1: rule 'a' has no 'summary' line\n" },
		{ "rule a\n  level warn\n  match drop\n  summary s\n",
		  "t.rules:1: rule 'a' has no 'advice' line\n" },
		{ "rule a\n  match drop\n  summary s\n  advice a\n",
		  "t.rules:1: rule 'a' has no 'level' line\n" },
		{ "explain X\n", "t.rules:1: 'explain' needs a reason and a text\n" },
		{ "explain X a\nexplain X b\n", "t.rules:2: reason 'X' explained twice\n" },
	};
	char msg[512], want[600];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		CHECK_EQ_U64((uint64_t)parse_capture(cases[i].text, msg, sizeof(msg)),
			     (uint64_t)-EINVAL);
		snprintf(want, sizeof(want), "netoproc: %s", cases[i].msg);
		CHECK_STR(msg, want);
	}
}

static void test_load_missing_and_nul(void)
{
	struct ruleset rs;
	char path[] = "/tmp/np-rules-XXXXXX", msg[256];
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK_EQ_U64(write(fd, "rule a\0x\n", 9), 9);
	close(fd);
	FILE *tmp = tmpfile();
	int saved = dup(2);

	fflush(stderr);
	dup2(fileno(tmp), 2);
	CHECK_EQ_U64((uint64_t)rules_load(&rs, path), (uint64_t)-EINVAL);
	CHECK_EQ_U64((uint64_t)rules_load(&rs, "/nonexistent/x.rules"), (uint64_t)-ENOENT);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	msg[fread(msg, 1, sizeof(msg) - 1, tmp)] = 0;
	fclose(tmp);
	unlink(path);
	CHECK(strstr(msg, ":1: NUL byte in the file\n") != NULL);
	CHECK(strstr(msg, "rule file /nonexistent/x.rules: No such file or directory\n") != NULL);
}

static void test_counter_parsers(void)
{
	struct counters cs = { 0 };
	uint64_t v;

	CHECK_EQ_U64(counters_parse_snmp(&cs, "Tcp: RtoAlgorithm MaxConn InSegs\n"
					 "Tcp: 1 -1 77\nUdp: InDatagrams NoPorts\nUdp: 5 3\n"), 0);
	CHECK_EQ_U64(counters_parse_snmp6(&cs, "Ip6InReceives                   \t12\n"), 0);
	CHECK_EQ_U64(counters_parse_stat(&cs, "Arp", "entries  res_failed unresolved_discards\n"
					 "00000002 0000000a 00000001\n00000001 00000005 00000000\n"), 0);
	counters_sort(&cs);
	CHECK(counters_get(&cs, "TcpInSegs", &v));
	CHECK_EQ_U64(v, 77);
	CHECK(counters_get(&cs, "TcpMaxConn", &v));
	CHECK_EQ_U64(v, (uint64_t)-1);
	CHECK(counters_get(&cs, "UdpNoPorts", &v));
	CHECK_EQ_U64(v, 3);
	CHECK(counters_get(&cs, "Ip6InReceives", &v));
	CHECK_EQ_U64(v, 12);
	CHECK(counters_get(&cs, "ArpResFailed", &v));
	CHECK_EQ_U64(v, 15);
	CHECK(counters_get(&cs, "ArpUnresolvedDiscards", &v));
	CHECK_EQ_U64(v, 1);
	CHECK(!counters_get(&cs, "ArpNope", &v));
	CHECK_EQ_U64((uint64_t)counters_parse_snmp(&cs, "Tcp: A B\nUdp: 1 2\n"), (uint64_t)-EINVAL);
	counters_free(&cs);
}

static void test_socktab(void)
{
	struct socktab t = { 0 };

	CHECK_EQ_U64(socktab_parse(&t, "udp",
		"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
		"  123: 0100007F:9C40 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 17\n"), 0);
	CHECK_EQ_U64(t.n, 1);
	CHECK_STR(t.s[0].local, "127.0.0.1:40000");
	CHECK_STR(t.s[0].remote, "0.0.0.0:0");
	CHECK_EQ_U64(t.s[0].inode, 4242);
	CHECK_EQ_U64(socktab_drops(&t, 4242), 17);
	CHECK_EQ_U64(socktab_drops(&t, 1), 0);
	socktab_free(&t);
}

static void test_first_match_and_render(void)
{
	struct ruleset rs;
	struct diag d = { 0 };
	struct drop_obs o = { .reason = "NO_SOCKET", .location = "__udp4_lib_rcv+0x4bc",
			      .func = "__udp4_lib_rcv", .proto = "udp", .dev = "vb", .flags = "",
			      .tuple = "udp 10.0.0.1:5 > 10.0.0.2:53", .process = "", .netns = 7,
			      .sport = 5, .dport = 53 };
	char buf[256];

	CHECK_EQ_U64(rules_parse(&rs, "t", good), 0);
	d.rs = &rs;
	CHECK_EQ_U64(diag_drop(&d, &o), 0);
	CHECK_EQ_U64(diag_drop(&d, &o), 0);
	o.dport = 54;	/* no rule: the built-in fallback */
	o.reason = "MYSTERY";
	CHECK_EQ_U64(diag_drop(&d, &o), 0);
	CHECK_EQ_U64(d.ndrops, 2);
	CHECK(d.drops[0].r == &rs.r[0]);
	CHECK_EQ_U64(d.drops[0].count, 2);
	CHECK(d.drops[1].r == NULL);
	CHECK_STR(d.drops[1].reason, "MYSTERY");
	diag_render(rs.r[0].summary, &d.drops[0], buf, sizeof(buf));
	CHECK_STR(buf, "2 to udp 10.0.0.1:5 > 10.0.0.2:53 (NO_SOCKET)");
	diag_render(rs.r[0].advice, &d.drops[0], buf, sizeof(buf));
	CHECK_STR(buf, "start it; awk '{print $4}'");
	diag_render("{process} in {netns}", &d.drops[0], buf, sizeof(buf));
	CHECK_STR(buf, "? in 7");
	free(d.drops);
	rules_free(&rs);
}

/* DNS outcomes: the first dns rule that matches, one finding per resolver and asker. */
static void test_dns_findings(void)
{
	struct ruleset rs;
	struct diag d = { 0 };
	struct dns_obs o = { .rcode = "SERVFAIL", .resolver = "10.0.0.2:53", .qname = "a.lan",
			     .process = "dig:7", .proto = "udp", .netns = 9 };
	char buf[256];

	CHECK_EQ_U64(rules_parse(&rs, "t", good), 0);
	d.rs = &rs;
	CHECK_EQ_U64(diag_dns(&d, &o), 0);
	o.qname = "b.lan";
	o.rcode = "TIMEOUT";
	CHECK_EQ_U64(diag_dns(&d, &o), 0);	/* the same resolver and asker */
	o.process = "curl:8";
	CHECK_EQ_U64(diag_dns(&d, &o), 0);	/* another asker: a finding of its own */
	o.rcode = "NOERROR";
	CHECK_EQ_U64(diag_dns(&d, &o), 0);	/* no rule takes it */
	o.rcode = "SERVFAIL";
	o.qname = "x.org";			/* qname=*.lan does not match */
	CHECK_EQ_U64(diag_dns(&d, &o), 0);
	CHECK_EQ_U64(d.dns_seen, 5);
	CHECK_EQ_U64(d.ndns, 2);
	CHECK_EQ_U64(d.dns[0].count, 2);
	CHECK_EQ_U64(d.dns[1].count, 1);
	diag_render(rs.r[5].summary, &d.dns[0], buf, sizeof(buf));
	CHECK_STR(buf, "2 from dig:7 to 10.0.0.2:53 (SERVFAIL, a.lan)");
	free(d.dns);
	rules_free(&rs);
}

/* Socket errors: per process, error and socket; the rule's proto and errno globs. */
static void test_sockerr_findings(void)
{
	struct ruleset rs;
	struct diag d = { 0 };
	struct sockerr_obs o = { .errname = "ECONNREFUSED", .proto = "udp",
				 .tuple = "udp 10.0.0.1:5 > 10.0.0.2:53", .process = "dig:7" };
	char buf[256];

	CHECK_EQ_U64(rules_parse(&rs, "t", good), 0);
	d.rs = &rs;
	CHECK_EQ_U64(diag_sockerr(&d, &o), 0);
	CHECK_EQ_U64(diag_sockerr(&d, &o), 0);
	o.proto = "tcp";	/* proto=udp: no rule */
	CHECK_EQ_U64(diag_sockerr(&d, &o), 0);
	o.proto = "udp";
	o.errname = "EHOSTUNREACH";
	CHECK_EQ_U64(diag_sockerr(&d, &o), 0);
	CHECK_EQ_U64(d.sockerr_seen, 4);
	CHECK_EQ_U64(d.nsockerrs, 2);
	CHECK_EQ_U64(d.sockerrs[0].count, 2);
	diag_render(rs.r[4].summary, &d.sockerrs[1], buf, sizeof(buf));
	CHECK_STR(buf, "dig:7 EHOSTUNREACH udp 10.0.0.1:5 > 10.0.0.2:53");
	free(d.sockerrs);
	rules_free(&rs);
}

static void test_nft_rules(void)
{
	static const char before[] =
		"table inet t1 { # handle 1\n"
		"\tchain input { # handle 1\n"
		"\t\ttype filter hook input priority filter; policy accept;\n"
		"\t\ttcp dport 4000 counter packets 2 bytes 120 drop # handle 3\n"
		"\t\tudp dport 5 counter packets 0 bytes 0 reject # handle 4\n"
		"\t\tudp dport 6 counter packets 9 bytes 9 accept # handle 5\n"
		"\t}\n}\n";
	static const char after[] =
		"table inet t1 { # handle 1\n"
		"\tchain input { # handle 1\n"
		"\t\ttcp dport 4000 counter packets 3 bytes 180 drop # handle 3\n"
		"\t\tudp dport 5 counter packets 7 bytes 0 reject # handle 4\n"
		"\t\tudp dport 6 counter packets 99 bytes 9 accept # handle 5\n"
		"\t}\n}\n";
	struct nft_rules a, b;
	char buf[256];

	CHECK_EQ_U64(nft_rules_parse(&a, before), 0);
	CHECK_EQ_U64(nft_rules_parse(&b, after), 0);
	CHECK_EQ_U64(a.n, 2);	/* the accept rule is not a drop rule */
	CHECK_STR(a.r[0].where, "table inet t1 chain input handle 3");
	CHECK_STR(a.r[0].text, "tcp dport 4000 drop");
	CHECK_EQ_U64(a.r[0].packets, 2);
	nft_rules_busiest(&a, &b, buf, sizeof(buf));
	CHECK_STR(buf, "table inet t1 chain input handle 4: udp dport 5 reject (+7 packets)");
	nft_rules_busiest(&b, &b, buf, sizeof(buf));
	CHECK_STR(buf, "");
	nft_rules_free(&a);
	nft_rules_free(&b);
}

TEST_MAIN(T(test_nft_rules), T(test_shipped_file), T(test_good_file), T(test_malformed),
	  T(test_load_missing_and_nul), T(test_counter_parsers), T(test_socktab),
	  T(test_first_match_and_render), T(test_dns_findings), T(test_sockerr_findings))
