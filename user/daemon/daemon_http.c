// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's HTTP side (libmicrohttpd): /metrics, an index, the listening
 * socket.
 *
 * Threads. The server gives each connection a thread of its own (its
 * listener thread accepts), so clients that trickle their headers, or many
 * at once, cost a connection slot each and never hold up a scrape, and a
 * scrape may wait for a fresh reading without holding up anyone else: up
 * to HTTP_CONNECTIONS connections (fewer when the fd limit is low), each
 * closed after HTTP_IDLE_S seconds without a byte. The soft limit on open
 * files is raised to the hard one at start: the usual soft 1024 would cap
 * the server below a thousand connections. There is no
 * per-address limit: on loopback every client, Prometheus included, has
 * the same address.
 *
 * Readings. A scrape waits for a fresh reading (daemon_pub.c): the
 * reader thread makes it, so no HTTP client can slow RADIUS or the link
 * watch, and the text is sent from the published reading itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include "cli.h"
#include "daemon_int.h"

#define HTTP_STACK		(512 << 10)	/* per connection thread */
#define HTTP_CONNECTIONS	2048	/* at most; less under a low RLIMIT_NOFILE */
#define HTTP_IDLE_S		5	/* a connection this quiet is closed */
#define HTTP_BACKLOG		4096	/* the kernel caps it at net.core.somaxconn */
#define HTTP_OWN_FDS		64	/* the daemon's other descriptors: maps, netlink, RADIUS */
#define HTTP_LOG_PER_SEC	5	/* server messages a second; a flood is summarised */

static const char index_html[] =
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>modwall</title></head>\n"
	"<body><h1>modwall</h1>\n"
	"<p>Cellular IoT module enforcer, version " MW_VERSION ".</p>\n"
	"<p><a href=\"/metrics\">Metrics</a> (Prometheus text format)</p>\n"
	"</body></html>\n";

static void text_done(void *t)
{
	text_put(t);
}

/* @body is static, or the text of reading @t (whose reference the response takes over) */
static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *type,
			       void *body, size_t len, struct mw_text *t)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (t)
		r = MHD_create_response_from_buffer_with_free_callback_cls(t->len, t->s,
									     text_done, t);
	else
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
	if (!r) {
		text_put(t);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req)
{
	static int started;
	struct daemon *d = cls;
	struct mw_text *text;

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
			       (void *)"method not allowed\n", 19, NULL);
	if (!strcmp(url, "/"))
		return respond(conn, MHD_HTTP_OK, "text/html; charset=utf-8", (void *)index_html,
			       sizeof(index_html) - 1, NULL);
	if (strcmp(url, "/metrics"))
		return respond(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
			       (void *)"not found; metrics are at /metrics\n", 35, NULL);
	text = pub_get(&d->pub);
	if (!text)
		return respond(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
			       (void *)"out of memory\n", 14, NULL);
	return respond(conn, MHD_HTTP_OK, MW_METRICS_CONTENT_TYPE, NULL, 0, text);
}

/* From the server's threads; a connection flood must not become a log flood. */
static void http_log(void *cls, const char *fmt, va_list ap)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static time_t window;
	static unsigned used;
	static uint64_t left_out;
	struct timespec ts;
	char msg[512];
	size_t n;

	(void)cls;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&mu);
	if (ts.tv_sec != window) {
		if (left_out)
			dlog("http: %llu message(s) left out (more than %d a second)",
			     (unsigned long long)left_out, HTTP_LOG_PER_SEC);
		window = ts.tv_sec;
		used = 0;
		left_out = 0;
	}
	if (used >= HTTP_LOG_PER_SEC) {
		left_out++;
		pthread_mutex_unlock(&mu);
		return;
	}
	used++;
	pthread_mutex_unlock(&mu);
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
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, HTTP_BACKLOG) ||
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

void raise_nofile(void)
{
	struct rlimit rl;
	rlim_t was;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == rl.rlim_max)
		return;
	was = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		dlog("raising the open file limit from %llu: %s", (unsigned long long)was,
		     strerror(errno));
	else if (rl.rlim_cur == RLIM_INFINITY)
		dlog("open file limit raised from %llu to unlimited (the hard limit)",
		     (unsigned long long)was);
	else
		dlog("open file limit raised from %llu to %llu (the hard limit)",
		     (unsigned long long)was, (unsigned long long)rl.rlim_cur);
}

struct MHD_Daemon *http_start(struct daemon *d, int lfd, int family)
{
	unsigned limit = HTTP_CONNECTIONS;
	struct rlimit rl;

	/* each connection is one descriptor; keep room for the daemon's own */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)limit + HTTP_OWN_FDS)
		limit = rl.rlim_cur > HTTP_OWN_FDS + 8 ? (unsigned)rl.rlim_cur - HTTP_OWN_FDS : 8;
	dlog("http: at most %u connections", limit);
	return MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
				MHD_USE_POLL | MHD_USE_ERROR_LOG |
				(family == AF_INET6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, handle, d,
				MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
				MHD_OPTION_LISTEN_SOCKET, lfd,
				MHD_OPTION_THREAD_STACK_SIZE, (size_t)HTTP_STACK,
				MHD_OPTION_CONNECTION_LIMIT, limit,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_S,
				MHD_OPTION_END);
}
