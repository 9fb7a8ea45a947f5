// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exporter's HTTP server (see http.h). Nothing here blocks: a client that
 * sends slowly, reads slowly or not at all costs a slot until its deadline,
 * and never a moment of the capture loop that polls these sockets.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "export/http.h"
#include "lib/util.h"

#define ACCEPTS_PER_CALL 128	/* a flood of connections must not hold the loop */

/* "ADDR:PORT" or "[ADDR]:PORT" into host and port strings. */
static int split_addr(const char *arg, char *host, size_t hsize, char *port, size_t psize)
{
	const char *colon;
	size_t hlen;

	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hlen = close - arg - 1;
		arg++;
		colon = close + 1;
	} else {
		colon = strrchr(arg, ':');
		if (!colon || memchr(arg, ':', colon - arg))
			return -EINVAL;
		hlen = colon - arg;
	}
	if (hlen == 0 || hlen >= hsize || !colon[1] || strlen(colon + 1) >= psize)
		return -EINVAL;
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

int http_listen(struct http_server *s, const char *addr_port, http_handler_fn fn, void *ctx)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
	};
	struct addrinfo *ai = NULL;
	char host[256], port[16];
	uint64_t pnum;
	int one = 1, err;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	for (int i = 0; i < HTTP_CONNS_MAX; i++)
		s->conns[i].fd = -1;
	s->handler = fn;
	s->ctx = ctx;
	if (split_addr(addr_port, host, sizeof(host), port, sizeof(port)) ||
	    parse_u64(port, 1, 65535, &pnum) || getaddrinfo(host, port, &hints, &ai)) {
		np_err("invalid value '%s' for --listen: expected ADDR:PORT (IPv6 as [ADDR]:PORT)",
		       addr_port);
		return -EINVAL;
	}
	s->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail;
	/* A restart must not wait for the last run's connections in TIME_WAIT. */
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, ai->ai_addr, ai->ai_addrlen) || listen(s->fd, 128))
		goto fail;
	freeaddrinfo(ai);
	return 0;
fail:
	err = -errno;
	np_err("--listen %s: %s", addr_port, strerror(errno));
	freeaddrinfo(ai);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return err;
}

static void conn_close(struct http_conn *c)
{
	close(c->fd);
	c->fd = -1;
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
}

void http_close(struct http_server *s)
{
	for (int i = 0; i < HTTP_CONNS_MAX; i++)
		if (s->conns[i].fd >= 0)
			conn_close(&s->conns[i]);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

/* The whole response into the connection's buffer; it is sent as the socket takes it. */
static void respond(struct http_server *s, struct http_conn *c, struct http_response *r,
		    bool head)
{
	char hdr[512];
	int n;

	if (!r->status || (r->len && !r->body)) {
		free(r->body);
		*r = (struct http_response){ .status = 500 };
	}
	if (r->status != 200 && !r->body) {
		char msg[64];

		n = snprintf(msg, sizeof(msg), "%d %s\n", r->status, reason(r->status));
		r->body = strdup(msg);
		r->len = r->body ? (size_t)n : 0;
		r->content_type = "text/plain; charset=utf-8";
	}
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n%s\r\n",
		     r->status, reason(r->status), r->content_type, r->len,
		     r->status == 405 ? "Allow: GET, HEAD\r\n" : "");
	c->out_len = n + (head ? 0 : r->len);
	c->out = malloc(c->out_len);
	if (c->out) {
		memcpy(c->out, hdr, n);
		if (!head && r->len)
			memcpy(c->out + n, r->body, r->len);
	} else {
		c->out_len = 0;
	}
	free(r->body);
	c->out_off = 0;
	c->state = HC_WRITE;
	if (r->status == 200)
		s->n.served++;
	else
		s->n.bad++;
}

/* A method is a token (RFC 9110); which ones we serve is decided later (405). */
static bool is_token(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
		      p[i] == '-' || p[i] == '_'))
			return false;
	return n > 0;
}

/*
 * The request line and headers in @buf (NUL-terminated after the blank line)
 * into @req, pointing into @buf. 0, or -1 with the response status in *status.
 */
static int parse_request(char *buf, struct http_request *req, int *status)
{
	char *line = buf, *next, *sp1, *sp2, *q;

	*status = 400;
	next = strchr(line, '\n');
	if (!next)
		return -1;
	*next++ = '\0';
	if (next - line >= 2 && next[-2] == '\r')
		next[-2] = '\0';
	/* METHOD SP TARGET SP VERSION, single spaces. */
	sp1 = strchr(line, ' ');
	if (!sp1)
		return -1;
	sp2 = strchr(sp1 + 1, ' ');
	if (!sp2 || strchr(sp2 + 1, ' '))
		return -1;
	*sp1 = *sp2 = '\0';
	if (!is_token(line, sp1 - line))
		return -1;
	if (strncmp(sp2 + 1, "HTTP/", 5))
		return -1;
	if (strcmp(sp2 + 1, "HTTP/1.1") && strcmp(sp2 + 1, "HTTP/1.0")) {
		*status = 505;
		return -1;
	}
	req->path = sp1 + 1;
	if (req->path[0] != '/')
		return -1;
	for (const char *p = req->path; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return -1;
	if ((q = strchr(sp1 + 1, '?')))
		*q = '\0';
	req->accept = "";
	/* Header lines up to the empty one; each must be "Name: value". */
	for (line = next; *line && *line != '\r' && *line != '\n'; line = next) {
		char *colon;

		next = strchr(line, '\n');
		if (!next)
			return -1;
		*next++ = '\0';
		if (next - line >= 2 && next[-2] == '\r')
			next[-2] = '\0';
		colon = strchr(line, ':');
		/* No name, or obsolete line folding (a line starting with white space). */
		if (!colon || colon == line || line[0] == ' ' || line[0] == '\t')
			return -1;
		*colon = '\0';
		if (!strcasecmp(line, "Accept")) {
			req->accept = colon + 1;
			while (*req->accept == ' ' || *req->accept == '\t')
				req->accept++;
		}
	}
	if (strcmp(buf, "GET") && strcmp(buf, "HEAD")) {
		*status = 405;
		return -1;
	}
	req->head = !strcmp(buf, "HEAD");
	*status = 200;
	return 0;
}

/* Where the header block ends (after its blank line), or NULL if it has not yet. */
static char *header_end(char *buf)
{
	char *a = strstr(buf, "\r\n\r\n"), *b = strstr(buf, "\n\n");

	if (a && (!b || a < b))
		return a + 4;
	return b ? b + 2 : NULL;
}

static void conn_read(struct http_server *s, struct http_conn *c)
{
	struct http_response r = {};
	struct http_request req = {};
	char *end;
	ssize_t n;
	int status;

	n = recv(c->fd, c->in + c->in_len, HTTP_REQ_MAX - c->in_len, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return;
	}
	if (n < 0)
		return;
	c->in_len += n;
	c->in[c->in_len] = '\0';
	if (memchr(c->in, '\0', c->in_len)) {	/* no NUL belongs in a request head */
		r.status = 400;
		respond(s, c, &r, false);
		return;
	}
	end = header_end(c->in);
	if (!end) {
		if (c->in_len == HTTP_REQ_MAX) {
			r.status = 431;
			respond(s, c, &r, false);
		}
		return;
	}
	*end = '\0';
	if (parse_request(c->in, &req, &status)) {
		r.status = status;
		respond(s, c, &r, false);
		return;
	}
	s->handler(s->ctx, &req, &r);
	respond(s, c, &r, req.head);
}

static void conn_write(struct http_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				conn_close(c);
			return;
		}
		c->out_off += n;
	}
	/*
	 * All sent: end our side and read what the client still sends until it
	 * closes, so that unread bytes do not turn our close into a reset that
	 * could discard the response before the client read it.
	 */
	shutdown(c->fd, SHUT_WR);
	c->state = HC_LINGER;
}

static void conn_linger(struct http_conn *c)
{
	char junk[4096];
	ssize_t n;

	while ((n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT)) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		conn_close(c);
}

static void accept_new(struct http_server *s, double now)
{
	for (int k = 0; k < ACCEPTS_PER_CALL; k++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), i;

		if (fd < 0)
			return;
		for (i = 0; i < HTTP_CONNS_MAX && s->conns[i].fd >= 0; i++)
			;
		if (i == HTTP_CONNS_MAX || !(s->conns[i].in = malloc(HTTP_REQ_MAX + 1))) {
			s->n.refused++;
			close(fd);
			continue;
		}
		s->n.accepted++;
		s->conns[i].fd = fd;
		s->conns[i].state = HC_READ;
		s->conns[i].deadline = now + HTTP_DEADLINE;
		s->conns[i].in_len = 0;
	}
}

int http_pollfds(struct http_server *s, struct pollfd *out, int max)
{
	int n = 0;

	if (max < 1)
		return 0;
	out[n] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
	s->slot_of[n++] = -1;
	for (int i = 0; i < HTTP_CONNS_MAX && n < max; i++) {
		struct http_conn *c = &s->conns[i];

		if (c->fd < 0)
			continue;
		out[n] = (struct pollfd){ .fd = c->fd,
					  .events = c->state == HC_WRITE ? POLLOUT : POLLIN };
		s->slot_of[n++] = i;
	}
	s->npoll = n;
	return n;
}

void http_service(struct http_server *s, const struct pollfd *pfd, double now)
{
	for (int k = 0; k < s->npoll; k++) {
		struct http_conn *c;

		if (!pfd[k].revents)
			continue;
		if (s->slot_of[k] < 0) {
			accept_new(s, now);
			continue;
		}
		c = &s->conns[s->slot_of[k]];
		if (c->fd != pfd[k].fd)
			continue;
		if (c->state == HC_READ)
			conn_read(s, c);
		/* A response made just now goes out at once if the socket takes it. */
		if (c->fd >= 0 && c->state == HC_WRITE)
			conn_write(c);
		else if (c->fd >= 0 && c->state == HC_LINGER)
			conn_linger(c);
	}
	s->npoll = 0;
	for (int i = 0; i < HTTP_CONNS_MAX; i++) {
		struct http_conn *c = &s->conns[i];

		if (c->fd >= 0 && now >= c->deadline) {
			if (c->state != HC_LINGER)
				s->n.timed_out++;
			conn_close(c);
		}
	}
}

double http_next_deadline(const struct http_server *s, double otherwise)
{
	double t = otherwise;

	for (int i = 0; i < HTTP_CONNS_MAX; i++)
		if (s->conns[i].fd >= 0 && s->conns[i].deadline < t)
			t = s->conns[i].deadline;
	return t;
}

/* The best q a media range matching @type gets in @accept (-1: none names it). */
static double accept_q(const char *accept, const char *type)
{
	double best = -1;
	const char *p = accept;

	while (*p) {
		const char *end = strchrnul(p, ','), *semi;
		size_t tlen = strlen(type);
		double q = 1;

		while (*p == ' ' || *p == '\t')
			p++;
		if ((size_t)(end - p) >= tlen && !strncasecmp(p, type, tlen) &&
		    (p + tlen == end || p[tlen] == ';' || p[tlen] == ' ')) {
			for (semi = memchr(p, ';', end - p); semi && semi < end;
			     semi = memchr(semi + 1, ';', end - semi - 1)) {
				const char *a = semi + 1;

				while (*a == ' ')
					a++;
				if (!strncmp(a, "q=", 2))
					q = strtod(a + 2, NULL);
			}
			if (q > best)
				best = q;
		}
		p = *end ? end + 1 : end;
	}
	return best;
}

bool http_wants_openmetrics(const char *accept)
{
	double om = accept_q(accept, "application/openmetrics-text");
	double text = accept_q(accept, "text/plain");
	double any = accept_q(accept, "*/*");

	if (any > text)
		text = any;
	return om > 0 && om >= text;
}
