/* SPDX-License-Identifier: GPL-2.0-only */
/* The monitor's attach tiers: which the kernel can run, and which is best. */
#ifndef NETOPROC_TIERS_H
#define NETOPROC_TIERS_H

#include <stdbool.h>
#include <linux/types.h>
#include "bpf/monitor_abi.h"
#include "lib/kernel_features.h"

/* Can tier @t run here? *why says why (or why not). */
bool probe_tier(const struct kernel_features *f, enum np_attach t, const char **why);
/* The monitor's choice (NP_ATTACH_AUTO: none), stable interfaces first; *why says why. */
enum np_attach probe_choose_attach(const struct kernel_features *f, const char **why);
const char *attach_name(enum np_attach t);

#endif
