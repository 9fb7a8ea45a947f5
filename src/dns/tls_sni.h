/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The server name (SNI) a TLS client asks for, read from the ClientHello in
 * the first bytes a client sends on a connection (RFC 8446 4.1.2, RFC 6066 3).
 */
#ifndef NETOPROC_TLS_SNI_H
#define NETOPROC_TLS_SNI_H

#include <stddef.h>
#include <stdint.h>

enum sni_status {
	SNI_FOUND = 0,		/* @name holds the host_name */
	SNI_NONE,		/* a ClientHello without a server_name */
	SNI_NOT_TLS,		/* not a TLS handshake record holding a ClientHello */
	SNI_TRUNCATED,		/* a ClientHello that continues past the bytes given */
};

/*
 * Bytes from the start of a TCP stream's payload; @name gets at most @size - 1
 * characters (a longer name is cut, still SNI_FOUND), and "" unless SNI_FOUND.
 * The ClientHello may span records (handshake records only, none empty, none
 * over 2^14 bytes). SNI_TRUNCATED: the bytes end before the server_name was
 * read (0 bytes included), SNI_FOUND as soon as it was, whatever follows. A
 * host_name with a byte other than a-z A-Z 0-9 - . _ is SNI_NOT_TLS, as is
 * any length that does not fit the one holding it; a prefix of the bytes
 * answers SNI_TRUNCATED or as the whole does.
 */
enum sni_status tls_client_hello_sni(const uint8_t *buf, size_t len, char *name, size_t size);

#endif
