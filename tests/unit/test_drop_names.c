// SPDX-License-Identifier: GPL-2.0-only
/* Drop reason names from BTF and kallsyms symbolization. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "harness.h"
#include "filter/filter_opts.h"
#include "lib/bpf_util.h"
#include "lib/kallsyms.h"
#include "pktpath/drop_reason.h"
#include "pktpath/pkt_format.h"

static void test_reasons_from_vmlinux(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	struct drop_reasons dr;
	uint32_t v, v2;
	char buf[64];

	CHECK(btf != NULL);
	if (!btf)
		return;
	CHECK_EQ_U64(drop_reasons_load(&dr, btf), 0);
	CHECK(dr.n > 10);
	/* Names present in every kernel with drop reasons; values differ between kernels. */
	CHECK_EQ_U64(drop_reason_value(&dr, "NOT_SPECIFIED", &v), 0);
	CHECK_STR(drop_reason_name(&dr, v, buf, sizeof(buf)), "NOT_SPECIFIED");
	CHECK_EQ_U64(drop_reason_value(&dr, "NO_SOCKET", &v2), 0);
	CHECK_STR(drop_reason_name(&dr, v2, buf, sizeof(buf)), "NO_SOCKET");
	CHECK(v != v2);
	CHECK_EQ_U64(drop_reason_value(&dr, "SKB_DROP_REASON_NO_SOCKET", &v), (uint64_t)-ENOENT);
	CHECK_STR(drop_reason_name(&dr, 0xfff0, buf, sizeof(buf)), "65520");
	drop_reasons_free(&dr);
	btf__free(btf);
}

static void test_kallsyms_file(void)
{
	char path[] = "/tmp/np-kallsyms-XXXXXX", buf[64];
	struct kallsyms ks;
	uint64_t off;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fputs("ffffffff81000100 T beta\n"
	      "ffffffff81000000 T alpha\n"
	      "ffffffff81000080 d some_data\n"
	      "ffffffff81000200 t gamma\t[mod]\n", f);
	fclose(f);
	CHECK_EQ_U64(kallsyms_load(&ks, path), 0);
	CHECK_EQ_U64(ks.n, 3);
	CHECK_STR(kallsyms_lookup(&ks, 0xffffffff81000090, &off), "alpha");
	CHECK_EQ_U64(off, 0x90);
	CHECK_STR(kallsyms_format(&ks, 0xffffffff81000100, buf, sizeof(buf)), "beta+0x0");
	CHECK_STR(kallsyms_format(&ks, 0xffffffff81000234, buf, sizeof(buf)), "gamma+0x34");
	CHECK_STR(kallsyms_format(&ks, 0x1000, buf, sizeof(buf)), "0x1000");
	kallsyms_free(&ks);
	{
		/* Data symbols asked for by name: found, or 0 (a text symbol is not one). */
		struct kallsyms_want w[] = { { "some_data", 7 }, { "alpha", 7 }, { "none", 7 } };

		CHECK_EQ_U64(kallsyms_load_want(&ks, path, w, 3), 0);
		CHECK_EQ_U64(w[0].addr, 0xffffffff81000080);
		CHECK_EQ_U64(w[1].addr, 0);
		CHECK_EQ_U64(w[2].addr, 0);
		CHECK_EQ_U64(ks.n, 3);
		kallsyms_free(&ks);
	}

	f = fopen(path, "w");
	fputs("0000000000000000 T alpha\n0000000000000000 T beta\n", f);
	fclose(f);
	CHECK_EQ_U64(kallsyms_load(&ks, path), (uint64_t)-EPERM);	/* kptr_restrict */
	unlink(path);
}

/* Tracepoint argument counts from BTF decide which programs may load. */
static void test_tracepoint_args(void)
{
	struct btf *btf = btf__load_vmlinux_btf();

	CHECK(btf != NULL);
	if (!btf)
		return;
	/* (void *ctx, skb): every kernel with BTF */
	CHECK_EQ_U64(np_tp_nargs(btf, "netif_receive_skb"), 2);
	/* skb, location, then reason (5.17+) and rx_sk (6.11+) */
	CHECK(np_tp_nargs(btf, "kfree_skb") >= 3);
	CHECK_EQ_U64(np_tp_nargs(btf, "no_such_tracepoint"), (uint64_t)-ENOENT);
	CHECK_EQ_U64(np_tp_nargs(NULL, "kfree_skb"), (uint64_t)-ENOENT);
	btf__free(btf);
}

TEST_MAIN(T(test_reasons_from_vmlinux), T(test_kallsyms_file), T(test_tracepoint_args))
