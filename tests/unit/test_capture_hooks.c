// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attach tiers name their BPF programs in a table; kprobe and fentry
 * cannot load on the test machine, so check here that every name exists, and
 * which kernel signatures of the receive functions have a program.
 */
#include "harness.h"
#include "monitor/capture/monitor_load.h"

static void test_every_tier_hook_names_a_program(void)
{
	CHECK_EQ_U64(ebpf_hooks_missing(), 0);
}

/*
 * tcp_recvmsg: 6 parameters before 5.19 (noblock), 5 until 7.x dropped addr_len,
 * 4 since (Debian's 7.3.4). Any other count must be refused, not left unhooked.
 */
static void test_receive_signatures(void)
{
	for (int n = 3; n <= 7; n++) {
		bool known = n >= 4 && n <= 6;

		CHECK_EQ_U64(ebpf_signature_known(NP_ATTACH_FENTRY, "tcp_recvmsg", n), known);
		CHECK_EQ_U64(ebpf_signature_known(NP_ATTACH_FENTRY, "udpv6_recvmsg", n), known);
		CHECK_EQ_U64(ebpf_signature_known(NP_ATTACH_KPROBE, "tcp_recvmsg", n), known);
	}
	/* Send functions kept their signature: any count is fine for them. */
	CHECK_EQ_U64(ebpf_signature_known(NP_ATTACH_FENTRY, "tcp_sendmsg", 3), true);
	CHECK_EQ_U64(ebpf_signature_known(NP_ATTACH_TRACEPOINT, "tcp_recvmsg", 5), false);
}

TEST_MAIN(T(test_every_tier_hook_names_a_program), T(test_receive_signatures))
