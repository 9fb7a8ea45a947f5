// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linked only into `make STATIC=1`. Debian's libpcap.a can capture D-Bus, so it
 * pulls in libdbus-1.a, which refers to systemd socket activation; Debian ships
 * no libsystemd.a. netoproc never opens a D-Bus capture or server, so these
 * are never called: they answer "no activation sockets" if they ever were.
 */
#include <errno.h>

__attribute__((weak)) int sd_listen_fds(int unset_environment)
{
	(void)unset_environment;
	return 0;
}

__attribute__((weak)) int sd_is_socket(int fd, int family, int type, int listening)
{
	(void)fd; (void)family; (void)type; (void)listening;
	return -ENOSYS;
}
