// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The daemon's HTTP side (libmicrohttpd): /metrics, an index, the listening socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>
#include "cli.h"
#include "daemon_int.h"

static const char index_html[] =
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>modwall</title></head>\n"
	"<body><h1>modwall</h1>\n"
	"<p>Cellular IoT module enforcer, version " MW_VERSION ".</p>\n"
	"<p><a href=\"/metrics\">Metrics</a> (Prometheus text format)</p>\n"
	"</body></html>\n";

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *type,
			       void *body, size_t len, int owned)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (owned)
		r = MHD_create_response_from_buffer_with_free_callback(len, body, free);
	else
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req)
{
	static int started;
	struct daemon *d = cls;
	struct mw_sbuf b = { 0 };

	(void)version;
	(void)upload;
	if (!*req) {		/* headers only so far */
		*req = &started;
		return MHD_YES;
	}
	if (*upload_size) {	/* no request has a body worth reading */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
			       (void *)"method not allowed\n", 19, 0);
	if (!strcmp(url, "/"))
		return respond(conn, MHD_HTTP_OK, "text/html; charset=utf-8", (void *)index_html,
			       sizeof(index_html) - 1, 0);
	if (strcmp(url, "/metrics"))
		return respond(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
			       (void *)"not found; metrics are at /metrics\n", 35, 0);
	if (collect(d, &b)) {
		mw_sbuf_free(&b);
		return respond(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
			       (void *)"out of memory\n", 14, 0);
	}
	return respond(conn, MHD_HTTP_OK, MW_METRICS_CONTENT_TYPE, b.s, b.len, 1);
}

void http_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = 0;
	dlog("http: %s", msg);
}

/*
 * A listening socket for "ADDR:PORT", "[ADDR6]:PORT" or "HOST:PORT" (the
 * first address HOST resolves to). Port 0 picks a free port; @url gets the
 * address actually bound.
 */
int listen_on(const char *spec, char *url, size_t urllen, int *family)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[16], addr[INET6_ADDRSTRLEN];
	struct addrinfo *ai = NULL;
	const char *colon;
	char *end;
	unsigned long p;
	int fd = -1, one = 1, rc;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof(host)) {
			mw_err("daemon: --listen '%s': expected [ADDR]:PORT", spec);
			return -2;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(close - spec - 1), spec + 1);
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(host) ||
		    memchr(spec, ':', (size_t)(colon - spec))) {
			mw_err("daemon: --listen '%s': expected ADDR:PORT (IPv6 as [ADDR]:PORT)", spec);
			return -2;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || !colon[1] || *end || p > 65535) {
		mw_err("daemon: --listen '%s': the port is a number from 0 to 65535", spec);
		return -2;
	}
	snprintf(port, sizeof(port), "%lu", p);
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		mw_err("daemon: --listen '%s': %s", spec, gai_strerror(rc));
		return -2;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl))
		goto fail;
	*family = ai->ai_family;
	freeaddrinfo(ai);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		snprintf(url, urllen, "http://[%s]:%u/metrics", addr, ntohs(s6->sin6_port));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		snprintf(url, urllen, "http://%s:%u/metrics", addr, ntohs(s4->sin_port));
	}
	return fd;
fail:
	rc = errno;
	mw_err("daemon: listening on %s: %s", spec, strerror(rc));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}
