/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The bench loaders' end: say "attached" (the scripts wait for the word),
 * then hold the programs until SIGINT or SIGTERM.
 */
#ifndef NETOPROC_BENCH_LOADER_WAIT_H
#define NETOPROC_BENCH_LOADER_WAIT_H

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t loader_stop;

static void loader_on_signal(int sig)
{
	loader_stop = 1;
}

static void loader_wait(void)
{
	signal(SIGTERM, loader_on_signal);
	signal(SIGINT, loader_on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!loader_stop)
		pause();
}

#endif
