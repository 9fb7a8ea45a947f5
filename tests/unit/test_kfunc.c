// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel-function probe points: the skb position from BTF and the symbol a
 * function is probed under. On this machine's own BTF and kallsyms (Linux
 * 6.18, the developers' and CI's: the figures were read from it), and on
 * small made-up symbol lists for the rules themselves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "harness.h"
#include "pktpath/kfunc.h"

static void test_skb_position(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const char *why;

	CHECK(btf != NULL);
	if (!btf)
		return;
	CHECK_EQ_U64(kfunc_skb_pos(btf, "ip_rcv", &why), 1);
	CHECK_EQ_U64(kfunc_skb_pos(btf, "br_forward", &why), 2);	/* (to, skb, ...) */
	CHECK_EQ_U64(kfunc_skb_pos(btf, "tcp_rcv_established", &why), 2);
	CHECK_EQ_U64(kfunc_skb_pos(btf, "ip_rcv_finish", &why), 3);	/* (net, sk, skb) */
	CHECK_EQ_U64(kfunc_skb_pos(btf, "br_handle_frame", &why), (uint64_t)-EINVAL);
	CHECK_STR(why, "takes struct sk_buff **, not an skb");
	CHECK_EQ_U64(kfunc_skb_pos(btf, "__netif_receive_skb_core", &why), (uint64_t)-EINVAL);
	CHECK_EQ_U64(kfunc_skb_pos(btf, "tcp_sendmsg", &why), (uint64_t)-ENODATA);
	CHECK_STR(why, "no struct sk_buff * parameter");
	/* (net, saddr, sport, daddr, dport, dif, sdif, tbl, skb): the ninth. */
	CHECK_EQ_U64(kfunc_skb_pos(btf, "__udp4_lib_lookup", &why), (uint64_t)-E2BIG);
	CHECK_EQ_U64(kfunc_skb_pos(btf, "netoproc_no_such_function", &why), (uint64_t)-ENOENT);
	CHECK_STR(why, "not in the kernel's BTF");
	btf__free(btf);
}

static void test_resolve_real(void)
{
	struct kfunc_syms s;
	const char *sym, *why;
	char buf[192];

	/* tracefs is not mounted here: kallsyms is the list. */
	CHECK_EQ_U64(kfunc_syms_load(&s, NULL, "/proc/kallsyms", ""), 0);
	CHECK(!s.ftrace);
	CHECK(s.n > 50000);
	CHECK_EQ_U64(kfunc_resolve(&s, "ip_rcv", 1, &sym, buf, sizeof(buf), &why), 0);
	CHECK_STR(sym, "ip_rcv");
	/* Only skb_clone_fraglist.isra.0 is in kallsyms; its skb is parameter 1. */
	CHECK_EQ_U64(kfunc_resolve(&s, "skb_clone_fraglist", 1, &sym, buf, sizeof(buf), &why), 1);
	CHECK_STR(sym, "skb_clone_fraglist.isra.0");
	CHECK_STR(why, "as clone skb_clone_fraglist.isra.0, skb parameter 1 kept");
	/* A chain of suffixes. */
	CHECK_EQ_U64(kfunc_resolve(&s, "skb_put_data", 1, &sym, buf, sizeof(buf), &why), 1);
	CHECK_STR(sym, "skb_put_data.constprop.0.isra.0");
	/* ip_fragment(sk, skb, mtu, output) exists only as ip_fragment.constprop.0. */
	CHECK_EQ_U64(kfunc_resolve(&s, "ip_fragment", 2, &sym, buf, sizeof(buf), &why),
		     (uint64_t)-EXDEV);
	CHECK_STR(why, "only as clone ip_fragment.constprop.0, whose parameters may differ "
		  "from BTF's (skb is parameter 2)");
	CHECK_EQ_U64(kfunc_resolve(&s, "netoproc_no_such_function", 1, &sym, buf, sizeof(buf),
				   &why), (uint64_t)-ENOENT);
	CHECK_STR(why, "not in kallsyms (inlined or not traceable)");
	kfunc_syms_free(&s);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_resolve_rules(void)
{
	char ff[] = "/tmp/np-kfunc-ffXXXXXX", bl[] = "/tmp/np-kfunc-blXXXXXX";
	struct kfunc_syms s;
	const char *sym, *why;
	char buf[192];
	int fd1 = mkstemp(ff), fd2 = mkstemp(bl);

	CHECK(fd1 >= 0 && fd2 >= 0);
	close(fd1);
	close(fd2);
	/* available_filter_functions: names, module ones with "[mod]". */
	write_file(ff, "ip_rcv\nfoo.cold\nfoo_bar\nbaz.part.0\nqux.isra.1\ndup\ndup\n"
		   "veth_xmit [veth]\nhidden\nnocl.cold\nodd.isra.x\n");
	write_file(bl, "0xffffffff81000000-0xffffffff81000010\thidden\n");
	CHECK_EQ_U64(kfunc_syms_load(&s, ff, NULL, bl), 0);
	CHECK(s.ftrace);
	CHECK_EQ_U64(s.n, 11);
	CHECK_EQ_U64(s.nblack, 1);
	CHECK_EQ_U64(kfunc_resolve(&s, "veth_xmit", 1, &sym, buf, sizeof(buf), &why), 0);
	CHECK_STR(sym, "veth_xmit");
	/* .cold is never an entry; "foo_bar" is another function. */
	CHECK_EQ_U64(kfunc_resolve(&s, "foo", 1, &sym, buf, sizeof(buf), &why), (uint64_t)-ENOENT);
	CHECK_STR(why, "not in available_filter_functions (inlined or not traceable)");
	CHECK_EQ_U64(kfunc_resolve(&s, "nocl", 1, &sym, buf, sizeof(buf), &why), (uint64_t)-ENOENT);
	CHECK_EQ_U64(kfunc_resolve(&s, "odd", 1, &sym, buf, sizeof(buf), &why), (uint64_t)-ENOENT);
	CHECK_EQ_U64(kfunc_resolve(&s, "baz", 1, &sym, buf, sizeof(buf), &why), 1);
	CHECK_STR(sym, "baz.part.0");
	CHECK_EQ_U64(kfunc_resolve(&s, "qux", 1, &sym, buf, sizeof(buf), &why), 1);
	CHECK_STR(sym, "qux.isra.1");
	CHECK_EQ_U64(kfunc_resolve(&s, "qux", 3, &sym, buf, sizeof(buf), &why), (uint64_t)-EXDEV);
	CHECK_EQ_U64(kfunc_resolve(&s, "dup", 1, &sym, buf, sizeof(buf), &why),
		     (uint64_t)-ENOTUNIQ);
	CHECK_EQ_U64(kfunc_syms_count(&s, "dup"), 2);
	CHECK_EQ_U64(kfunc_resolve(&s, "hidden", 1, &sym, buf, sizeof(buf), &why),
		     (uint64_t)-EPERM);
	CHECK_STR(why, "in the kprobe blacklist");
	kfunc_syms_free(&s);
	unlink(ff);
	unlink(bl);
}

TEST_MAIN(T(test_skb_position), T(test_resolve_real), T(test_resolve_rules))
