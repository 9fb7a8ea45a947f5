/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal HTTP/1.1 server for the exporter, built to sit in the capture's
 * poll loop: every socket is non-blocking, no call ever waits, a request is
 * bounded in size and a connection in time, and one connection is one
 * request (Connection: close). GET and HEAD only.
 */
#ifndef NETOPROC_EXPORT_HTTP_H
#define NETOPROC_EXPORT_HTTP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_REQ_MAX	8192	/* request line and headers */
#define HTTP_CONNS_MAX	64	/* more at once are closed as soon as accepted */
#define HTTP_DEADLINE	5.0	/* seconds a connection may live, request to last byte */

struct http_request {
	bool head;		/* HEAD: headers only */
	const char *path;	/* without the query */
	const char *accept;	/* the Accept header, or "" */
};

struct http_response {
	int status;
	const char *content_type;
	char *body;		/* malloc'ed; the server frees it */
	size_t len;
};

/* Fills @resp for @req (status 0: out of memory, a 500). */
typedef void (*http_handler_fn)(void *ctx, const struct http_request *req,
				struct http_response *resp);

struct http_conn {
	int fd;			/* -1: free slot */
	enum { HC_READ, HC_WRITE, HC_LINGER } state;
	double deadline;	/* monotonic */
	char *in;		/* HTTP_REQ_MAX + 1 bytes */
	size_t in_len;
	char *out;
	size_t out_len, out_off;
};

struct http_counters {
	uint64_t accepted, refused, timed_out, bad, served;
};

struct http_server {
	int fd;
	http_handler_fn handler;
	void *ctx;
	struct http_conn conns[HTTP_CONNS_MAX];
	int slot_of[HTTP_CONNS_MAX + 1];	/* pollfd index -> connection, from http_pollfds() */
	int npoll;
	struct http_counters n;
};

/* Listen on "ADDR:PORT" ("[V6]:PORT" too). 0 or -errno, the error printed. */
int http_listen(struct http_server *s, const char *addr_port, http_handler_fn fn, void *ctx);
/* The listening socket and every connection, as pollfds: returns how many. */
int http_pollfds(struct http_server *s, struct pollfd *out, int max);
/* Act on what poll() said about the descriptors http_pollfds() gave, and on deadlines. */
void http_service(struct http_server *s, const struct pollfd *pfd, double now);
/* The nearest connection deadline, or @otherwise if there is none sooner. */
double http_next_deadline(const struct http_server *s, double otherwise);
void http_close(struct http_server *s);

/* Whether an Accept header prefers OpenMetrics to the Prometheus text format. */
bool http_wants_openmetrics(const char *accept);

#endif
