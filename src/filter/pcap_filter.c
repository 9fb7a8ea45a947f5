// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "filter/pcap_filter.h"

_Static_assert(sizeof(struct np_cbpf_insn) == sizeof(struct bpf_insn), "cBPF insn layout");

int pcap_filter_compile(const char *expr, struct np_cbpf_insn **prog, uint32_t *len,
			char *err, size_t errlen)
{
	struct bpf_program fp;
	pcap_t *p;
	int ret = 0;

	p = pcap_open_dead(DLT_RAW, 65535);
	if (!p) {
		snprintf(err, errlen, "libpcap: cannot open a dead handle");
		return -ENOMEM;
	}
	if (pcap_compile(p, &fp, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		snprintf(err, errlen, "%s", pcap_geterr(p));
		ret = -EINVAL;
		goto cleanup;
	}
	*prog = malloc(fp.bf_len * sizeof(**prog));
	if (!*prog) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
	} else {
		memcpy(*prog, fp.bf_insns, fp.bf_len * sizeof(**prog));
		*len = fp.bf_len;
	}
	pcap_freecode(&fp);
cleanup:
	pcap_close(p);
	return ret;
}

char *pcap_filter_join(int argc, char **argv)
{
	size_t len = 0;
	char *s;

	if (argc <= 0)
		return NULL;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

uint32_t pcap_filter_run(const struct np_cbpf_insn *prog, const uint8_t *pkt, uint32_t caplen,
			 uint32_t wirelen)
{
	return bpf_filter((const struct bpf_insn *)prog, pkt, wirelen, caplen);
}
