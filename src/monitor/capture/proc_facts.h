/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What /proc says of processes the model met for the first time: the
 * process's own name (the kernel stamps sockets with the name of the thread
 * that used them), its command line, network namespace, cgroup path and the
 * container, pod and systemd unit that path names (src/containers/).
 * Read once per process, while it may still be alive; name and command line
 * again each interval it moves traffic (the newest image after an exec).
 */
#ifndef NETOPROC_PROC_FACTS_H
#define NETOPROC_PROC_FACTS_H

#include <stdbool.h>
#include "lib/htab.h"
#include "monitor/capture/capture.h"
#include "monitor/model/model.h"

/*
 * For every process of @m not looked at yet. @cg_cache maps cgroup ids to
 * what they say (keys uint64_t, values malloc'ed, freed by the caller with
 * htab_free_all). @cap: for command lines the kernel kept of processes
 * already gone (NULL: command lines are not read at all).
 */
void proc_facts_fill(struct np_model *m, struct htab *cg_cache, struct capture *cap);

#endif
