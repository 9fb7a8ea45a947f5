// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "diagnose/socktab.h"
#include "lib/util.h"

/* "0100007F:9C40" (IPv4 as the kernel's u32 printed in hex) or 32 hex digits of 4 u32s. */
static int addr_port(const char *hex, char *out, size_t size)
{
	const char *colon = strchr(hex, ':');
	unsigned int port;
	char ip[INET6_ADDRSTRLEN];

	if (!colon || sscanf(colon + 1, "%x", &port) != 1)
		return -EINVAL;
	if (colon - hex == 8) {
		uint32_t a;

		if (sscanf(hex, "%8x", &a) != 1)
			return -EINVAL;
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		snprintf(out, size, "%s:%u", ip, port);
	} else if (colon - hex == 32) {
		uint32_t a[4];

		for (int i = 0; i < 4; i++)
			if (sscanf(hex + 8 * i, "%8x", &a[i]) != 1)
				return -EINVAL;
		inet_ntop(AF_INET6, a, ip, sizeof(ip));
		snprintf(out, size, "[%s]:%u", ip, port);
	} else {
		return -EINVAL;
	}
	return 0;
}

int socktab_parse(struct socktab *t, const char *proto, const char *text)
{
	const char *s = strchr(text, '\n');	/* past the header */

	while (s && *++s) {
		char local[64], remote[64];
		unsigned long long inode, drops;
		struct sockrow *r;

		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref ptr drops */
		if (sscanf(s, "%*s %63s %63s %*s %*s %*s %*s %*s %*s %llu %*s %*s %llu", local,
			   remote, &inode, &drops) == 4) {
			r = realloc(t->s, (t->n + 1) * sizeof(*r));
			if (!r)
				return -ENOMEM;
			t->s = r;
			r = &t->s[t->n++];
			memset(r, 0, sizeof(*r));
			r->inode = inode;
			r->drops = drops;
			snprintf(r->proto, sizeof(r->proto), "%s", proto);
			if (addr_port(local, r->local, sizeof(r->local)) ||
			    addr_port(remote, r->remote, sizeof(r->remote)))
				return -EINVAL;
		}
		s = strchr(s, '\n');
	}
	return 0;
}

int socktab_read(struct socktab *t, const char *procnet)
{
	static const char *const tables[] = { "udp", "udp6", "raw", "raw6" };

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sizeof(tables) / sizeof(*tables); i++) {
		char path[512], *buf = NULL;
		size_t len = 0, cap = 0;
		FILE *f;
		int err;

		snprintf(path, sizeof(path), "%s/%s", procnet, tables[i]);
		f = fopen(path, "r");
		if (!f)
			continue;	/* no IPv6 */
		for (;;) {	/* all of it: a busy host has thousands of sockets */
			size_t got;

			if (cap - len < 4096) {
				char *b = realloc(buf, cap + 65536);

				if (!b) {
					free(buf);
					fclose(f);
					return -ENOMEM;
				}
				buf = b;
				cap += 65536;
			}
			got = fread(buf + len, 1, cap - len - 1, f);
			len += got;
			if (!got)
				break;
		}
		fclose(f);
		if (!buf)
			continue;
		buf[len] = 0;
		err = socktab_parse(t, tables[i], buf);
		free(buf);
		if (err == -ENOMEM)
			return err;
	}
	return 0;
}

void socktab_free(struct socktab *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

uint64_t socktab_drops(const struct socktab *t, uint64_t inode)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->s[i].inode == inode)
			return t->s[i].drops;
	return 0;
}

void socktab_owner(uint64_t inode, char *buf, size_t size)
{
	char want[48];
	DIR *proc = opendir("/proc");
	struct dirent *pe;

	buf[0] = 0;
	if (!proc)
		return;
	snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)inode);
	while (!buf[0] && (pe = readdir(proc))) {
		char path[600], link[64];
		DIR *fds;
		struct dirent *fe;

		if (pe->d_name[0] < '0' || pe->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", pe->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((fe = readdir(fds))) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", pe->d_name, fe->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = 0;
			if (strcmp(link, want) == 0) {
				char comm[32] = "";

				snprintf(path, sizeof(path), "/proc/%s/comm", pe->d_name);
				if (read_small_file(path, comm, sizeof(comm)) > 0)
					comm[strcspn(comm, "\n")] = 0;
				snprintf(buf, size, "%s:%s", comm, pe->d_name);
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
}
