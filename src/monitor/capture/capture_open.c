// SPDX-License-Identifier: GPL-2.0-only
/*
 * Choosing the capture: eBPF where it loads and checks itself, AF_PACKET
 * where it cannot (or when asked), with one line saying why. Every command
 * that captures traffic (the monitor, `dns`) opens it here.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include "lib/caps.h"
#include "lib/util.h"
#include "monitor/capture/capture.h"

int capture_parse_opt(enum capture_opt which, const char *arg, struct capture_opts *o)
{
	static const char *const modes[] = { "auto", "ebpf", "afpacket" };
	static const char *const tiers[NP_ATTACH_MAX] = { "auto", "tracepoint", "fentry", "kprobe" };
	uint64_t v;
	int i, err;

	switch (which) {
	case CAPTURE_OPT_MODE:
		if ((err = np_pick(arg, "capture-mode", modes, 3, &i)))
			return err;
		o->mode = i;
		return 0;
	case CAPTURE_OPT_ATTACH:
		if ((err = np_pick(arg, "attach", tiers, NP_ATTACH_MAX, &i)))
			return err;
		o->attach = i;
		return 0;
	case CAPTURE_OPT_INTERFACE:
		if (!if_nametoindex(arg)) {
			np_err("--interface %s: no such interface", arg);
			return -ENODEV;
		}
		o->interface = arg;
		return 0;
	case CAPTURE_OPT_BUFFER:
		if (parse_u64(arg, 4096, 16777216, &v)) {
			np_err("invalid value '%s' for --capture-buffer: expected 4096..16777216", arg);
			return -EINVAL;
		}
		o->buffer_bytes = v;
		return 0;
	}
	return -EINVAL;
}

/* One ring in our namespace, or with --netns one in each namespace asked for. */
static int open_afpacket_rings(struct capture *cap, const struct capture_opts *o)
{
	if (o->nnetns || o->netns_all)
		return afpacket_netns_open(cap, o);
	return afpacket_capture_open(cap, o);
}

static int open_afpacket(struct capture *cap, const struct capture_opts *o)
{
	if (!cap_effective(CAP_NET_RAW)) {
		np_err("AF_PACKET capture needs CAP_NET_RAW");
		return NP_EXIT_PRIVILEGE;
	}
	if (!cap_effective(CAP_SYS_PTRACE) || !cap_effective(CAP_DAC_READ_SEARCH))
		np_info("without CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, sockets of other users' "
			"processes stay unknown");
	return open_afpacket_rings(cap, o) ? NP_EXIT_USAGE : 0;
}

int capture_open(struct capture *cap, const struct capture_opts *o)
{
	const char *missing;
	char why[512];

	if (o->mode == CAPTURE_AFPACKET) {
		if (o->attach != NP_ATTACH_AUTO) {
			np_err("--attach chooses an eBPF tier: it does not go with --capture-mode afpacket");
			return NP_EXIT_USAGE;
		}
		return open_afpacket(cap, o);
	}
	missing = caps_missing_for_ebpf();
	/* A forced tier means eBPF: no quiet fallback when the kernel lacks it. */
	if (o->mode == CAPTURE_EBPF || o->attach != NP_ATTACH_AUTO) {
		if (missing) {
			np_err("eBPF capture needs %s", missing);
			return NP_EXIT_PRIVILEGE;
		}
		return ebpf_capture_open(cap, o) ? NP_EXIT_USAGE : 0;
	}
	if (missing)
		snprintf(why, sizeof(why), "needs %s", missing);
	else if (ebpf_capture_try(cap, o, why, sizeof(why)) == 0)
		return 0;
	if (!cap_effective(CAP_NET_RAW)) {
		np_err("no capture possible: eBPF %s; AF_PACKET needs CAP_NET_RAW", why);
		return NP_EXIT_PRIVILEGE;
	}
	np_err("eBPF capture unavailable (%s): using AF_PACKET", why);
	if (open_afpacket_rings(cap, o))
		return NP_EXIT_USAGE;
	/* Kept for the live view's status line (the line above is gone with the first redraw). */
	snprintf(cap->fallback_reason, sizeof(cap->fallback_reason), "eBPF unavailable (%s)", why);
	return 0;
}

