// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attach tiers name their BPF programs in a table; kprobe and fentry
 * cannot load on the test machine, so check here that every name exists.
 */
#include "harness.h"
#include "ebpf_load.h"

static void test_every_tier_hook_names_a_program(void)
{
	CHECK_EQ_U64(ebpf_hooks_missing(), 0);
}

TEST_MAIN(T(test_every_tier_hook_names_a_program))
