// SPDX-License-Identifier: GPL-2.0-only
/* The packet filter options of trace and drop, parsed and written into BPF programs. */
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "filter/cbpf_need.h"
#include "filter/cbpf_translate.h"
#include "filter/filter_opts.h"
#include "filter/pcap_filter.h"
#include "filter/pcap_region.h"
#include "lib/netns.h"
#include "lib/util.h"

static int parse_netns(const char *arg, uint32_t *ino)
{
	char path[4096];
	struct stat st;
	uint64_t v;

	if (parse_u64(arg, 1, UINT32_MAX, &v) == 0) {
		*ino = v;
		return 0;
	}
	if (!strchr(arg, '/')) {	/* a name made by `ip netns add` */
		snprintf(path, sizeof(path), "/var/run/netns/%s", arg);
		arg = path;
	}
	if (stat(arg, &st)) {
		np_err("--netns %s: %s", arg, strerror(errno));
		return -EINVAL;
	}
	*ino = st.st_ino;
	return 0;
}

static int parse_num(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

static int has_ifname(void *name)
{
	return if_nametoindex(name) != 0;
}

/*
 * --ifname may name a device of another namespace (a container's veth end):
 * look in ours, then in every namespace a process is in or /run/netns pins.
 */
static bool ifname_anywhere(const char *name)
{
	unsigned skipped = 0;

	if (if_nametoindex(name))
		return true;
	return netns_for_each(has_ifname, (void *)name, &skipped) > 0;
}

int filter_opt(struct filter_opts *f, int opt, const char *arg)
{
	char buf[64], *slash;
	uint64_t v;

	switch (opt) {
	case FILTER_OPT_NETNS:
		if (parse_netns(arg, &f->cfg.netns))
			return -EINVAL;
		f->cfg.flags |= NP_F_NETNS;
		return 0;
	case FILTER_OPT_IFNAME:
		if (!*arg || strlen(arg) >= NP_IFNAMSIZ) {
			np_err("invalid value '%s' for --ifname", arg);
			return -EINVAL;
		}
		if (!ifname_anywhere(arg)) {
			np_err("--ifname %s: no such interface in any network namespace", arg);
			return -ENODEV;
		}
		memset(f->cfg.ifname, 0, sizeof(f->cfg.ifname));
		memcpy(f->cfg.ifname, arg, strlen(arg));
		f->cfg.flags |= NP_F_IFNAME;
		return 0;
	case FILTER_OPT_MARK:
		snprintf(buf, sizeof(buf), "%s", arg);
		f->cfg.mark_mask = UINT32_MAX;
		slash = strchr(buf, '/');
		if (slash)
			*slash++ = '\0';
		if (parse_num(buf, &f->cfg.mark) || (slash && parse_num(slash, &f->cfg.mark_mask))) {
			np_err("invalid value '%s' for --mark: expected VALUE[/MASK]", arg);
			return -EINVAL;
		}
		f->cfg.mark &= f->cfg.mark_mask;
		f->cfg.flags |= NP_F_MARK;
		return 0;
	case FILTER_OPT_PID:
		if (parse_u64(arg, 1, 4194304, &v)) {
			np_err("invalid value '%s' for --pid", arg);
			return -EINVAL;
		}
		f->cfg.pid = v;
		f->cfg.flags |= NP_F_PID;
		return 0;
	}
	return -EINVAL;
}

int filter_expr(struct filter_opts *f, int argc, char **argv)
{
	struct cbpf_need need;
	char err[512];

	if (argc <= 0)
		return 0;
	f->expr = pcap_filter_join(argc, argv);
	if (!f->expr) {
		np_err("out of memory");
		return -ENOMEM;
	}
	if (pcap_filter_compile(f->expr, &f->prog, &f->prog_len, err, sizeof(err))) {
		np_err("invalid filter expression '%s': %s", f->expr, err);
		return -EINVAL;
	}
	/*
	 * Translate once now, before any program is opened, so that a filter too
	 * long for the region is one line here (not one per load attempt). The
	 * registers are arbitrary: only the length matters.
	 */
	{
		static struct bpf_insn scratch[NP_REGION_INSNS];
		const struct cbpf_region_regs regs = { .buf = 6, .caplen = 7, .ret = 8 };
		int ret = cbpf_translate(f->prog, f->prog_len, &regs, scratch, NP_REGION_INSNS, err,
					 sizeof(err));

		if (ret < 0) {
			np_err("filter expression of %zu characters, %u classic instructions: %s",
			       strlen(f->expr), f->prog_len, err);
			return ret == -E2BIG ? -EINVAL : ret;
		}
	}
	f->cfg.flags |= NP_F_PCAP;
	need = cbpf_bytes_needed(f->prog, f->prog_len);
	f->cfg.pcap_need = need.fixed;
	f->cfg.pcap_need_ihl = need.ihl;
	if (need.len)
		f->cfg.flags |= NP_F_PCAP_LEN;
	return 0;
}

void filter_free(struct filter_opts *f)
{
	free(f->expr);
	free(f->prog);
	f->expr = NULL;
	f->prog = NULL;
}

int filter_apply(const struct filter_opts *f, struct bpf_object *obj, const char *what)
{
	char err[256], past_ihl[48] = "";
	int n;

	if (!f->prog)
		return 0;
	n = pcap_filter_patch(obj, f->prog, f->prog_len, err, sizeof(err));
	if (n < 0) {
		np_err("filter expression '%s': %s", f->expr, err);
		return n;
	}
	if (n == 0) {
		np_err("%s: no filter region in the BPF programs", what);
		return -ENOENT;
	}
	if (f->cfg.pcap_need_ihl)
		snprintf(past_ihl, sizeof(past_ihl), ", or %u past an IPv4 header",
			 f->cfg.pcap_need_ihl);
	np_info("%s: filter '%s' translated into %d program%s; it reads at most %u bytes of a "
		"packet%s", what, f->expr, n, n == 1 ? "" : "s", f->cfg.pcap_need, past_ihl);
	return 0;
}
