// SPDX-License-Identifier: GPL-2.0-only
/* The shared skeleton of `netoproc trace` and `netoproc drop`: options, exit codes, loop. */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "lib/bpf_util.h"
#include "lib/caps.h"
#include "lib/util.h"
#include "pktpath/pkt_cmd.h"

#define POLL_MS 100

/* Returns 0, 1 when help was printed, or -EINVAL after a one-line error. */
static int parse(const struct pkt_cmd *cmd, struct pkt_opts *o, void *opts, int argc,
		 char **argv)
{
	int c, err;

	optind = 0;	/* glibc: a full restart, also inside "-hx" where an earlier parse stopped */
	opterr = 0;
	/* Options may follow the expression, as with tcpdump; "--" ends them. */
	while ((c = getopt_long(argc, argv, ":vh", cmd->long_opts, NULL)) != -1) {
		switch (c) {
		case PKT_OPT_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				np_err("invalid value '%s' for --format", optarg);
				return -EINVAL;
			}
			o->json = strcmp(optarg, "json") == 0;
			break;
		case PKT_OPT_DURATION:
			if (parse_seconds_opt(optarg, "duration", &o->duration))
				return -EINVAL;
			break;
		case PKT_OPT_COUNT:
			if (parse_u64(optarg, 1, UINT64_MAX, &o->count)) {
				np_err("invalid value '%s' for --count", optarg);
				return -EINVAL;
			}
			break;
		case PKT_OPT_CONTAINER:
			if (!optarg[0]) {
				np_err("invalid value '' for --container (an id or name, or the start "
				       "of one)");
				return -EINVAL;
			}
			o->container = optarg;
			break;
		case FILTER_OPT_NETNS:
		case FILTER_OPT_IFNAME:
		case FILTER_OPT_MARK:
		case FILTER_OPT_PID:
			if (filter_opt(&o->f, c, optarg))
				return -EINVAL;
			break;
		case 'v':
			np_verbose = true;
			break;
		case 'h':
			cmd->usage(stdout);
			return 1;
		case ':':
		case '?':
			return np_opt_error(c, argv);
		default:
			if ((err = cmd->option(opts, c, optarg)))
				return err;
		}
	}
	if (cmd->check && (err = cmd->check(opts)))
		return err;
	return filter_expr(&o->f, argc - optind, argv + optind);
}

int pkt_cmd_parse_only(const struct pkt_cmd *cmd, struct pkt_opts *common, void *opts, int argc,
		       char **argv)
{
	int err = parse(cmd, common, opts, argc, argv);

	filter_free(&common->f);
	return err;
}

int pkt_cmd_main(const struct pkt_cmd *cmd, struct pkt_opts *common, void *opts, int argc,
		 char **argv)
{
	const char *missing;
	int err;

	err = parse(cmd, common, opts, argc, argv);
	if (err) {
		filter_free(&common->f);
		return err > 0 ? NP_EXIT_OK : NP_EXIT_USAGE;
	}
	missing = cmd->runs_unprivileged ? NULL : caps_missing_for_ebpf();
	if (missing) {
		np_err("%s needs %s", cmd->name, missing);
		filter_free(&common->f);
		return NP_EXIT_PRIVILEGE;
	}
	err = cmd->run(opts);
	filter_free(&common->f);
	if (err == -EPERM || err == -EACCES)
		return NP_EXIT_PRIVILEGE;
	return err ? NP_EXIT_USAGE : NP_EXIT_OK;
}

int pkt_loop_open(struct pkt_loop *l, int map_fd, int (*sample)(void *, void *, size_t),
		  void *ctx)
{
	int err;

	l->rb = ring_buffer__new(map_fd, sample, ctx, NULL);
	if (l->rb)
		return 0;
	err = -errno;
	np_err("%s: cannot open the ring buffer: %s", l->name, strerror(-err));
	return err;
}

int pkt_loop_run(struct pkt_loop *l)
{
	double start = now_monotonic(), next_lost = start + 1;
	int err = 0;

	np_catch_stop_signals();
	while (!np_stop_requested && !*l->done) {
		double now;

		/* Programs wake us only when the buffer fills: drain it on every turn. */
		err = ring_buffer__poll(l->rb, l->poll_ms ? l->poll_ms : POLL_MS);
		if (err >= 0 || err == -EINTR)
			err = ring_buffer__consume(l->rb);
		if (err < 0 && err != -EINTR) {
			np_err("%s: reading the ring buffer: %s", l->name, strerror(-err));
			return err;
		}
		err = 0;
		now = now_monotonic();
		if (l->tick)
			l->tick(l->ctx, now);
		fflush(stdout);
		if (now >= next_lost) {
			pkt_lost_report(&l->reported, l->lost(l->ctx), false);
			next_lost = now + 1;
		}
		/* At the end the final report follows: no periodic one just before it. */
		if (l->duration && now - start >= l->duration)
			break;
		if (l->after_report)
			l->after_report(l->ctx, now, l->reported.reported);
	}
	/* What is already in the ring buffer happened before the stop: show it. */
	if (!*l->done)
		ring_buffer__consume(l->rb);
	if (l->drain)
		l->drain(l->ctx);
	fflush(stdout);
	pkt_lost_report(&l->reported, l->lost(l->ctx), true);
	return 0;
}

void pkt_loop_close(struct pkt_loop *l)
{
	ring_buffer__free(l->rb);
	l->rb = NULL;
}
