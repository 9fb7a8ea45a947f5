// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parsers of /proc and sock_diag, factored out of their I/O for
 * tests/fuzz/fuzz_proc_parsers.c: procinfo_parse_stat(), sd_parse(),
 * proc_next_pid() and proc_socket_inode(), with
 * the bugs found while doing so (each test names its bug).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include "harness.h"
#include "lib/procinfo.h"
#include "monitor/capture/cmdline_cache.h"
#include "monitor/capture/proc_parse.h"
#include "monitor/capture/sock_diag.h"

static void test_stat_line(void)
{
	char comm[16], state;
	unsigned long long ticks;

	CHECK(procinfo_parse_stat("42 (a) b (c) S 1 42 42 0 -1 4194304 10 0 0 0 1 2 0 0 20 0 1 0 "
				  "12345 1000 100", &state, &ticks, comm, sizeof(comm)) == 0);
	CHECK(state == 'S');
	CHECK_EQ_U64(ticks, 12345);
	CHECK_STR(comm, "a) b (c");
	CHECK(procinfo_parse_stat("1 (systemd-very-long-name) R 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
				  "7 0 0", &state, &ticks, comm, 5) == 0);
	CHECK_STR(comm, "syst");
	CHECK(procinfo_parse_stat("1 no parens R", &state, &ticks, comm, sizeof(comm)) == -EINVAL);
	CHECK(procinfo_parse_stat("1 )( R 0", &state, &ticks, comm, sizeof(comm)) == -EINVAL);
	CHECK(procinfo_parse_stat("1 (x) R 0 1", &state, &ticks, NULL, 0) == -EINVAL);
}

/*
 * Bug: the line ending at its last ')' (a stat read cut there) had sscanf
 * start 2 bytes on, past the terminating NUL: the bytes after it in the
 * 1024-byte buffer, or past the buffer's end. Here what follows the NUL
 * would parse as the fields.
 */
static void test_stat_ends_at_paren(void)
{
	char buf[] = "42 (name)\0 S 1 42 42 0 -1 4194304 10 0 0 0 1 2 0 0 20 0 1 0 999";
	char comm[16], state = 0;
	unsigned long long ticks = 0;

	CHECK(procinfo_parse_stat(buf, &state, &ticks, comm, sizeof(comm)) == -EINVAL);
	CHECK(state == 0);
}

struct calls {
	int n, stop_at;
	struct sd_sock last;
};

static int count(const struct sd_sock *s, void *arg)
{
	struct calls *c = arg;

	c->last = *s;
	return ++c->n == c->stop_at;
}

/* One reply message of @type for a socket of @family with local port @port. */
static size_t put_sock_as(void *at, uint16_t type, uint32_t seq, uint8_t family, uint16_t port)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_msg m;
	} msg = {
		.h = { .nlmsg_len = sizeof(msg), .nlmsg_type = type, .nlmsg_seq = seq },
		.m = { .idiag_family = family, .id.idiag_sport = htons(port) },
	};

	memcpy(at, &msg, sizeof(msg));
	return NLMSG_ALIGN(sizeof(msg));
}

/* One SOCK_DIAG_BY_FAMILY message for an IPv4 socket with local port @port. */
static size_t put_sock(void *at, uint32_t seq, uint16_t port)
{
	return put_sock_as(at, SOCK_DIAG_BY_FAMILY, seq, AF_INET, port);
}

static size_t put_hdr(void *at, uint32_t len, uint16_t type, uint32_t seq)
{
	struct nlmsghdr h = { .nlmsg_len = len, .nlmsg_type = type, .nlmsg_seq = seq };

	memcpy(at, &h, sizeof(h));
	return NLMSG_ALIGN(len);
}

static void test_sock_diag_parse(void)
{
	static __attribute__((aligned(8))) char buf[1024];
	struct calls c = { 0 };
	int stop = 0, ret = 99;
	size_t n = 0;

	n += put_sock(buf + n, 7, 80);		/* an abandoned request's: skipped */
	n += put_sock(buf + n, 8, 443);
	n += put_sock(buf + n, 8, 8080);
	CHECK(sd_parse(buf, n, 8, IPPROTO_TCP, true, count, &c, &stop, &ret) == 0);
	CHECK(c.n == 2 && c.last.lport == 8080 && c.last.protocol == IPPROTO_TCP);
	CHECK(c.last.laddr[10] == 0xff && c.last.laddr[11] == 0xff);
	n = put_hdr(buf, NLMSG_LENGTH(4), NLMSG_DONE, 8);
	CHECK(sd_parse(buf, n, 8, IPPROTO_TCP, true, count, &c, &stop, &ret) == 1 && ret == 0);

	/* A lookup: the first socket is the answer. */
	memset(&c, 0, sizeof(c));
	c.stop_at = 1;
	stop = 0;
	n = put_sock(buf, 3, 53);
	CHECK(sd_parse(buf, n, 3, IPPROTO_UDP, false, count, &c, &stop, &ret) == 1 && ret == 1);
	CHECK(c.last.lport == 53);

	/* NLMSG_ERROR: its errno; 0 (an ack) ends the reply with no socket. */
	n = put_hdr(buf, NLMSG_LENGTH(sizeof(struct nlmsgerr)), NLMSG_ERROR, 3);
	((struct nlmsgerr *)NLMSG_DATA((struct nlmsghdr *)buf))->error = -ENOENT;
	CHECK(sd_parse(buf, n, 3, IPPROTO_UDP, false, count, &c, &stop, &ret) == 1 &&
	      ret == -ENOENT);
	((struct nlmsgerr *)NLMSG_DATA((struct nlmsghdr *)buf))->error = 0;
	CHECK(sd_parse(buf, n, 3, IPPROTO_UDP, false, count, &c, &stop, &ret) == 1 && ret == 0);

	/*
	 * The legacy dump of both TCP families (sd_dump_tcp_both): replies typed
	 * TCPDIAG_GETSOCK, each socket with its own family; other types skipped.
	 */
	memset(&c, 0, sizeof(c));
	stop = 0;
	n = put_sock_as(buf, TCPDIAG_GETSOCK, 9, AF_INET, 22);
	n += put_sock_as(buf + n, RTM_NEWLINK, 9, AF_INET, 23);
	n += put_sock_as(buf + n, TCPDIAG_GETSOCK, 9, AF_INET6, 443);
	CHECK(sd_parse(buf, n, 9, IPPROTO_TCP, true, count, &c, &stop, &ret) == 0);
	CHECK(c.n == 2 && c.last.lport == 443 && c.last.family == AF_INET6);
}

/*
 * Bug: a "positive errno" in NLMSG_ERROR was returned as is, and sd_lookup()
 * took 1 for "found" (with its answer never filled); INT_MIN went to callers
 * that negate it for strerror() (found by fuzz_proc_parsers); and a short
 * NLMSG_ERROR had its error read past the message.
 */
static void test_sock_diag_bad_error(void)
{
	static __attribute__((aligned(8))) char buf[64];
	struct calls c = { 0 };
	int stop = 0, ret = 99;
	size_t n;

	n = put_hdr(buf, NLMSG_LENGTH(sizeof(struct nlmsgerr)), NLMSG_ERROR, 3);
	((struct nlmsgerr *)NLMSG_DATA((struct nlmsghdr *)buf))->error = 1;
	CHECK(sd_parse(buf, n, 3, IPPROTO_TCP, false, count, &c, &stop, &ret) == 1 &&
	      ret == -EPROTO);
	((struct nlmsgerr *)NLMSG_DATA((struct nlmsghdr *)buf))->error = INT_MIN;
	CHECK(sd_parse(buf, n, 3, IPPROTO_TCP, false, count, &c, &stop, &ret) == 1 &&
	      ret == -EPROTO);
	((struct nlmsgerr *)NLMSG_DATA((struct nlmsghdr *)buf))->error = -4096;
	CHECK(sd_parse(buf, n, 3, IPPROTO_TCP, false, count, &c, &stop, &ret) == 1 &&
	      ret == -EPROTO);
	memset(buf, 0, sizeof(buf));
	put_hdr(buf, NLMSG_LENGTH(0), NLMSG_ERROR, 3);
	CHECK(sd_parse(buf, NLMSG_LENGTH(0), 3, IPPROTO_TCP, false, count, &c, &stop, &ret) == 1 &&
	      ret == -EPROTO);
	CHECK(c.n == 0);
}

/*
 * Bug: an unaligned last message (its length not a multiple of 4, the
 * buffer ending with it) took the remaining length below 0, and NLMSG_OK
 * on (size_t)n let the next "header" past the end pass: here an
 * NLMSG_DONE of the right sequence just past the bytes received.
 */
static void test_sock_diag_unaligned_end(void)
{
	static __attribute__((aligned(8))) char buf[64];
	struct calls c = { 0 };
	int stop = 0, ret = 99;

	memset(buf, 0, sizeof(buf));
	put_hdr(buf, NLMSG_HDRLEN + 2, 0x7777, 5);	/* 18 bytes, of no interest */
	put_hdr(buf + 20, NLMSG_LENGTH(4), NLMSG_DONE, 5);	/* not received */
	CHECK(sd_parse(buf, NLMSG_HDRLEN + 2, 5, IPPROTO_TCP, true, count, &c, &stop, &ret) == 0);
	CHECK(ret == 99);
}

/*
 * Bug: @fn's "stop" was forgotten at each recv(): a dump longer than one
 * buffer called it again for the sockets of the next buffers.
 */
static void test_sock_diag_stop_across_buffers(void)
{
	static __attribute__((aligned(8))) char buf[256];
	struct calls c = { .stop_at = 1 };
	int stop = 0, ret = 99;
	size_t n;

	n = put_sock(buf, 9, 1);
	CHECK(sd_parse(buf, n, 9, IPPROTO_TCP, true, count, &c, &stop, &ret) == 0 && stop);
	n = put_sock(buf, 9, 2);
	CHECK(sd_parse(buf, n, 9, IPPROTO_TCP, true, count, &c, &stop, &ret) == 0);
	CHECK(c.n == 1 && c.last.lport == 1);
}

static unsigned pids_of(const char *text, size_t len, uint32_t *out, unsigned max)
{
	const char *p = text;
	unsigned n = 0;
	uint32_t pid;

	while (n < max && proc_next_pid(&p, text + len, &pid))
		out[n++] = pid;
	return n;
}

/*
 * cgroup.procs was read with strtoul(): "-3" became pid 4294967293, " 5" and
 * "+4" were taken, a pid above the kernel's limit too; a text without a NUL
 * where it was cut could be read past.
 */
static void test_cgroup_procs(void)
{
	static const char text[] = "1\n0\n-3\n+4\n 5\n4194304\n4194305\n"
				   "99999999999999999999999\n007\n\nabc\n12\n77";
	uint32_t pids[16];
	unsigned n = pids_of(text, sizeof(text) - 1, pids, 16);

	CHECK_EQ_U64(n, 4);
	CHECK_EQ_U64(pids[0], 1);
	CHECK_EQ_U64(pids[1], 4194304);
	CHECK_EQ_U64(pids[2], 12);
	CHECK_EQ_U64(pids[3], 77);
	/* Only the bytes given: "77" cut after its first digit is pid 7. */
	CHECK_EQ_U64(pids_of(text, sizeof(text) - 2, pids, 16), 4);
	CHECK_EQ_U64(pids[3], 7);
	CHECK_EQ_U64(pids_of("", 0, pids, 16), 0);
}

/*
 * An fd link was read with strtoull() after "socket:[": "socket:[abc]" gave
 * inode 0 (noted as a socket), "socket:[-1]" a huge one, a missing ']' passed.
 */
static void test_socket_link(void)
{
	static const struct {
		const char *link;
		uint32_t inode;
	} cases[] = {
		{ "socket:[12345]", 12345 }, { "socket:[4294967295]", 4294967295u },
		{ "socket:[4294967296]", 0 }, { "socket:[0]", 0 }, { "socket:[007]", 0 },
		{ "socket:[12", 0 }, { "socket:[]", 0 }, { "socket:[-1]", 0 }, { "socket:[ 5]", 0 },
		{ "socket:[5]x", 0 }, { "socket:[abc]", 0 }, { "pipe:[12345]", 0 },
		{ "/dev/null", 0 }, { "", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t got = proc_socket_inode(cases[i].link, strlen(cases[i].link));

		if (got != cases[i].inode)
			fprintf(stderr, "  %s\n", cases[i].link);
		CHECK_EQ_U64(got, cases[i].inode);
	}
}

/* What /proc/PID/cmdline holds, as text: NULs between arguments are spaces. */
static void test_cmdline_args_text(void)
{
	char buf[16];

	CHECK_EQ_U64(cmdline_args_text(buf, sizeof(buf), "nc\0-l\0-p\0" "09\0", 12), 11);
	CHECK_STR(buf, "nc -l -p 09");
	/* Cut to the buffer, and a trailing run of NULs is not an argument. */
	CHECK_EQ_U64(cmdline_args_text(buf, 6, "python3\0x", 9), 5);
	CHECK_STR(buf, "pytho");
	CHECK_EQ_U64(cmdline_args_text(buf, sizeof(buf), "a\0\0\0", 4), 1);
	CHECK_STR(buf, "a");
	CHECK_EQ_U64(cmdline_args_text(buf, sizeof(buf), "\0\0", 2), 0);
	CHECK_STR(buf, "");
}

/* Kept per (pid, start time), replaced by a later send, the oldest dropped when full. */
static void test_cmdline_cache(void)
{
	struct cmdline_cache c;
	char buf[64], args[16];

	CHECK(cmdline_cache_init(&c, 3) == 0);
	CHECK(cmdline_cache_put(&c, 10, 1000, "a\0one", 6) == 0);
	CHECK(cmdline_cache_put(&c, 10, 2000, "b\0two", 6) == 0);	/* same pid, later process */
	CHECK(cmdline_cache_get(&c, 10, 1000, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "a one");
	CHECK(cmdline_cache_get(&c, 10, 2000, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "b two");
	CHECK(cmdline_cache_get(&c, 11, 1000, buf, sizeof(buf)) == -ENOENT);
	/* Again for the same process: the text is replaced, nothing is dropped. */
	CHECK(cmdline_cache_put(&c, 10, 1000, "a\0uno", 6) == 0);
	CHECK(cmdline_cache_put(&c, 12, 3000, "c", 1) == 0);
	CHECK_EQ_U64(c.n, 3);
	CHECK(cmdline_cache_get(&c, 10, 1000, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "a uno");
	/* A fourth: the first one kept goes, the others stay. */
	CHECK(cmdline_cache_put(&c, 13, 4000, "d", 1) == 0);
	CHECK(cmdline_cache_get(&c, 10, 1000, buf, sizeof(buf)) == -ENOENT);
	CHECK(cmdline_cache_get(&c, 10, 2000, buf, sizeof(buf)) == 0);
	CHECK(cmdline_cache_get(&c, 12, 3000, buf, sizeof(buf)) == 0);
	CHECK(cmdline_cache_get(&c, 13, 4000, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "d");
	/* Through many more than it keeps: always the last three, in order. */
	for (uint32_t pid = 100; pid < 1000; pid++) {
		snprintf(args, sizeof(args), "p%u", pid);
		CHECK(cmdline_cache_put(&c, pid, pid, args, strlen(args)) == 0);
	}
	CHECK_EQ_U64(c.n, 3);
	CHECK_EQ_U64(c.by_proc.count, 3);
	CHECK(cmdline_cache_get(&c, 996, 996, buf, sizeof(buf)) == -ENOENT);
	CHECK(cmdline_cache_get(&c, 997, 997, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "p997");
	CHECK(cmdline_cache_get(&c, 999, 999, buf, 3) == 0);	/* cut to the caller's buffer */
	CHECK_STR(buf, "p9");
	/* Only NULs: nothing kept. */
	CHECK(cmdline_cache_put(&c, 5, 5, "\0\0", 2) == 0);
	CHECK(cmdline_cache_get(&c, 5, 5, buf, sizeof(buf)) == -ENOENT);
	cmdline_cache_free(&c);
}

TEST_MAIN(T(test_stat_line), T(test_stat_ends_at_paren), T(test_sock_diag_parse),
	  T(test_sock_diag_bad_error), T(test_sock_diag_unaligned_end),
	  T(test_sock_diag_stop_across_buffers), T(test_cgroup_procs), T(test_socket_link),
	  T(test_cmdline_args_text), T(test_cmdline_cache))
