// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/ifstats.h"

int ifstats_parse_line(const char *line, struct ifstat *s)
{
	const char *colon = strchr(line, ':');
	const char *p = line;
	size_t len;
	uint64_t skip;

	if (!colon)
		return -EINVAL;
	while (*p == ' ')
		p++;
	len = colon - p;
	if (len == 0 || len >= sizeof(s->name))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	memcpy(s->name, p, len);
	/* rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes packets errs drop ... */
	if (sscanf(colon + 1, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
		   &s->rx_bytes, &s->rx_packets, &s->rx_errors, &s->rx_dropped, &skip, &skip,
		   &skip, &skip, &s->tx_bytes, &s->tx_packets, &s->tx_errors,
		   &s->tx_dropped) != 12)
		return -EINVAL;
	return 0;
}

static void add_addr(struct ifstat *s, const struct sockaddr *sa, const struct sockaddr *mask)
{
	char ip[INET6_ADDRSTRLEN], one[INET6_ADDRSTRLEN + 16];
	int bits = 0;
	size_t used = strlen(s->addrs);
	const unsigned char *m;
	int mlen;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
		m = mask ? (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr : NULL;
		mlen = 4;
	} else {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof(ip));
		m = mask ? (const unsigned char *)&((const struct sockaddr_in6 *)mask)->sin6_addr : NULL;
		mlen = 16;
	}
	for (int i = 0; m && i < mlen; i++)
		bits += __builtin_popcount(m[i]);
	snprintf(one, sizeof(one), "%s%s/%d", used ? " " : "", ip, bits);
	if (used + strlen(one) < sizeof(s->addrs))
		strcat(s->addrs, one);
}

const char *ifstats_state(const struct ifstat *s)
{
	if (!s->up)
		return "DOWN";
	return s->running ? "UP" : "NO-CARRIER";
}

int ifstats_read(struct ifstat **out)
{
	struct ifaddrs *ifa = NULL;
	struct ifstat *list = NULL, s;
	char line[512];
	int n = 0, cap = 0, err = 0;
	FILE *f = fopen("/proc/net/dev", "re");

	*out = NULL;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (ifstats_parse_line(line, &s))
			continue;	/* the two header lines */
		if (n == cap) {
			struct ifstat *bigger = realloc(list, (cap ? cap * 2 : 8) * sizeof(*list));

			if (!bigger) {
				err = -ENOMEM;
				goto cleanup;
			}
			list = bigger;
			cap = cap ? cap * 2 : 8;
		}
		list[n++] = s;
	}
	if (getifaddrs(&ifa) == 0) {
		for (struct ifaddrs *a = ifa; a; a = a->ifa_next) {
			for (int i = 0; i < n; i++) {
				if (strcmp(list[i].name, a->ifa_name))
					continue;
				list[i].up = a->ifa_flags & IFF_UP;
				list[i].running = a->ifa_flags & IFF_RUNNING;
				list[i].loopback = a->ifa_flags & IFF_LOOPBACK;
				if (a->ifa_addr && (a->ifa_addr->sa_family == AF_INET ||
						    a->ifa_addr->sa_family == AF_INET6))
					add_addr(&list[i], a->ifa_addr, a->ifa_netmask);
			}
		}
		freeifaddrs(ifa);
	}
	*out = list;
	list = NULL;
	err = n;
cleanup:
	free(list);
	fclose(f);
	return err;
}
