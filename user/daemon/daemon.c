// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * daemon: the long-running part. Serves Prometheus /metrics over HTTP
 * (libmicrohttpd, loopback by default), writes the same text for
 * node_exporter's textfile collector, and applies the policy file again on
 * SIGHUP. One thread: signals arrive through a signalfd and the HTTP server
 * runs from the same poll loop, so a scrape and a reload never overlap.
 *
 * The daemon holds nothing open between readings: every scrape opens the
 * pinned maps afresh, so it follows `unload`/`load` and never blocks the
 * CLI. Only a reload takes the pin directory lock, as `apply` does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include "apply.h"
#include "cli.h"
#include "daemon.h"
#include "compile.h"
#include "ieee.h"
#include "linkwatch.h"
#include "metrics.h"
#include "pipeline.h"
#include "policy.h"
#include "radius.h"
#include "state.h"
#include "values.h"

#define MAX_BINDINGS	16

struct daemon_cfg {
	const char *listen;
	const char *textfile;
	double interval;
	const char *policy;
	const char *bindings[MAX_BINDINGS];
	int nbindings;
	uint32_t max_series;
	const char *radius;		/* --radius ADDR:PORT */
	const char *radius_secret;
};

struct daemon {
	struct daemon_cfg cfg;
	struct mw_mstate st;
	struct mw_ieee db;		/* vendor names of discovered devices */
	int have_db;
	int was_up;			/* -1 before the first reading */
	int textfile_ok;		/* -1 before the first write */
	char listen_url[128];
	struct mw_radius radius;
	struct mw_linkwatch lw;		/* link and neighbour watch */
	int lw_open;
};

enum { D_LISTEN, D_TEXTFILE, D_INTERVAL, D_POLICY, D_BINDINGS, D_MAX_SERIES, D_RADIUS,
       D_RADIUS_SECRET };

/* --policy has no short form: -p is the global --pretty */
static const struct mw_opt daemon_opts[] = {
	{ D_LISTEN, "listen", 'l', "ADDR:PORT", "serve /metrics there (default 127.0.0.1:9715; "
						 "[::1]:PORT for IPv6; 'none': no HTTP)" },
	{ D_TEXTFILE, "textfile", 't', "DIR", "write DIR/modwall.prom for node_exporter's "
					       "textfile collector" },
	{ D_INTERVAL, "interval", 'i', "S", "with --textfile: seconds between writes (default 15)" },
	{ D_POLICY, "policy", 0, "FILE", "policy file: checked at start, applied again on SIGHUP" },
	{ D_BINDINGS, "bindings", 'b', "FILE", "with --policy: IMEI bindings file; repeatable" },
	{ D_MAX_SERIES, "max-series", 'm', "N", "most series one reading exposes (default 10000)" },
	{ D_RADIUS, "radius", 0, "ADDR:PORT", "receive RADIUS accounting (RFC 2866) there: "
					      "3GPP-IMEISV + Framed-IP bindings" },
	{ D_RADIUS_SECRET, "radius-secret-file", 0, "FILE", "with --radius: the shared secret, "
							    "first line of FILE" },
	{ 0, NULL, 0, NULL, NULL },
};

static int daemon_opt(const struct mw_opt *opt, const char *arg, void *ctx)
{
	struct daemon_cfg *c = ctx;
	uint64_t n;

	switch (opt->id) {
	case D_LISTEN:
		c->listen = arg;
		break;
	case D_TEXTFILE:
		c->textfile = arg;
		break;
	case D_INTERVAL:
		return mw_val_seconds(opt, arg, 0.1, 86400, &c->interval);
	case D_POLICY:
		c->policy = arg;
		break;
	case D_BINDINGS:
		if (c->nbindings == MAX_BINDINGS) {
			mw_err("daemon: at most %d --bindings files", MAX_BINDINGS);
			return -1;
		}
		c->bindings[c->nbindings++] = arg;
		break;
	case D_MAX_SERIES:
		if (mw_val_uint(opt, arg, 1, 100000000, &n))
			return -1;
		c->max_series = (uint32_t)n;
		break;
	case D_RADIUS:
		c->radius = arg;
		break;
	case D_RADIUS_SECRET:
		c->radius_secret = arg;
		break;
	}
	return 0;
}

static void dlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void dlog(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "modwall: daemon: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void radius_log(void *ctx, const char *msg)
{
	(void)ctx;
	dlog("radius: %s", msg);
}

/* ---- policy ---- */

/*
 * Check (@do_apply 0, at start) or apply the configured policy through the
 * library's pipeline, as `modwall apply` does. Any error leaves the live
 * policy as it was. The registry is read every time and, when it could be
 * read, replaces the daemon's copy (vendor names of discovered devices).
 */
static int load_policy(struct daemon *d, int do_apply)
{
	const struct daemon_cfg *c = &d->cfg;
	struct mw_pipeline_opts po = {
		.file = c->policy, .bindings = c->bindings, .nbindings = c->nbindings,
		.pin_dir = mw_opts.pin_dir, .ieee_dir = mw_opts.ieee_dir, .apply = do_apply,
		.keep_registry = 1,
	};
	struct mw_pipeline p;
	struct mw_ieee db;
	int rc, k;

	rc = mw_pipeline_run(&p, &po);
	mw_print_diag(&p.pol.warnings, "warning: ");
	if (rc == MW_PIPE_INVALID) {
		mw_print_diag(&p.pol.errors, "");
		if (!p.have_db && p.dberr[0])
			fprintf(stderr, "modwall: %s\n", p.dberr);
	} else if (rc == MW_PIPE_FAILED) {
		fprintf(stderr, "modwall: apply: %s\n", p.err);
	}
	if (rc != MW_PIPE_OK)
		goto out;
	for (k = 0; p.applied && k < p.res.nunloaded; k++)
		fprintf(stderr, "modwall: warning: interface %s is not loaded: its default "
			"takes effect when it is loaded and the policy applied again\n",
			p.res.unloaded_ifaces[k]);
	if (p.applied)
		dlog("applied %s: generation %u (apply #%llu), %u added, %u kept, %u removed",
		     c->policy, p.res.gen, (unsigned long long)p.res.seq, p.res.added,
		     p.res.kept, p.res.removed);
	if (mw_pipeline_take_registry(&p, &db)) {
		if (d->have_db)
			mw_ieee_free(&d->db);
		d->db = db;
		d->have_db = 1;
	}
out:
	mw_pipeline_free(&p);
	return rc == MW_PIPE_OK ? 0 : -1;
}

static void reload(struct daemon *d)
{
	char err[512];

	if (!d->cfg.policy) {
		struct mw_ieee db;

		dlog("SIGHUP: no --policy given; reading the IEEE registry again");
		if (mw_ieee_load(&db, mw_opts.ieee_dir, err, sizeof(err))) {
			dlog("%s; keeping the registry read before", err);
			return;
		}
		if (d->have_db)
			mw_ieee_free(&d->db);
		d->db = db;
		d->have_db = 1;
		return;
	}
	dlog("SIGHUP: applying %s", d->cfg.policy);
	if (load_policy(d, 1)) {
		d->st.reloads_err++;
		d->st.last_reload_ok = 0;
		dlog("reload of %s failed; the live policy is unchanged", d->cfg.policy);
	} else {
		d->st.reloads_ok++;
		d->st.last_reload_ok = 1;
		/* the new generation has none of the neighbour-derived addresses yet */
		if (d->lw_open)
			mw_linkwatch_resync(&d->lw);
	}
}

/* ---- metrics ---- */

static int collect(struct daemon *d, struct mw_sbuf *out)
{
	struct mw_msnap s;
	int rc;

	mw_metrics_read(mw_opts.pin_dir, d->have_db ? &d->db : NULL, &s);
	if (s.up != d->was_up) {
		if (!s.up)
			dlog("pinned maps unavailable: %s", s.err);
		else if (d->was_up == 0)
			dlog("pinned maps readable again");
		d->was_up = s.up;
	}
	rc = mw_metrics_render(&s, &d->st, out);
	mw_msnap_free(&s);
	return rc;
}

static void write_textfile(struct daemon *d)
{
	struct mw_sbuf b = { 0 };
	char err[1024];
	int rc;

	rc = collect(d, &b);
	if (!rc)
		rc = mw_metrics_write_textfile(d->cfg.textfile, b.s, b.len, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "rendering metrics: %s", strerror(-rc));
	mw_sbuf_free(&b);
	/* say so when it starts or stops failing, not at every interval */
	if (rc && d->textfile_ok != 0)
		dlog("textfile: %s", err);
	else if (!rc && d->textfile_ok == 0)
		dlog("textfile: %s/%s written again", d->cfg.textfile, MW_METRICS_TEXTFILE);
	d->textfile_ok = !rc;
}

/* ---- HTTP ---- */

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

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
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

static void http_log(void *cls, const char *fmt, va_list ap)
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
static int listen_on(const char *spec, char *url, size_t urllen, int *family)
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

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_daemon(int argc, char **argv)
{
	struct daemon d = { .cfg = { .listen = "127.0.0.1:9715", .interval = 0,
				     .max_series = MW_METRICS_MAX_SERIES },
			    .was_up = -1, .textfile_ok = -1 };
	struct MHD_Daemon *httpd = NULL;
	const union MHD_DaemonInfo *info;
	struct pollfd pfd[4];
	sigset_t sigs;
	double next_write = 0;
	char err[512];
	int ix, lfd = -1, sfd = -1, epfd = -1, family = AF_INET, rc = MW_EXIT_FAIL, stop = 0;
	int rfd = -1, wfd = -1;
	struct stat st;

	ix = mw_getopt(argc, argv, "daemon [--listen ADDR:PORT|none] [--textfile DIR [--interval S]] "
		       "[--policy FILE [--bindings FILE]...] [--max-series N] "
		       "[--radius ADDR:PORT --radius-secret-file FILE]",
		       daemon_opts, daemon_opt, &d.cfg);
	if (ix < 0)
		return ix == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (ix != argc) {
		mw_err("daemon: takes no arguments ('%s'?)", argv[ix]);
		return MW_EXIT_USAGE;
	}
	if (!strcmp(d.cfg.listen, "none"))
		d.cfg.listen = NULL;
	if (!d.cfg.listen && !d.cfg.textfile) {
		mw_err("daemon: with --listen none, --textfile DIR is the only output; give one");
		return MW_EXIT_USAGE;
	}
	if (d.cfg.interval && !d.cfg.textfile) {
		mw_err("daemon: --interval is the period of --textfile writes; give --textfile DIR");
		return MW_EXIT_USAGE;
	}
	if (!d.cfg.radius != !d.cfg.radius_secret) {
		mw_err("daemon: --radius and --radius-secret-file go together");
		return MW_EXIT_USAGE;
	}
	if (d.cfg.nbindings && !d.cfg.policy) {
		mw_err("daemon: --bindings goes with --policy FILE");
		return MW_EXIT_USAGE;
	}
	if (!d.cfg.interval)
		d.cfg.interval = 15;
	if (d.cfg.textfile && stat(d.cfg.textfile, &st)) {
		mw_err("daemon: --textfile %s: %s", d.cfg.textfile, strerror(errno));
		return MW_EXIT_USAGE;
	}
	if (d.cfg.textfile && !S_ISDIR(st.st_mode)) {
		mw_err("daemon: --textfile %s: not a directory", d.cfg.textfile);
		return MW_EXIT_USAGE;
	}
	d.st.max_series = d.cfg.max_series;
	d.st.radius = d.cfg.radius ? &d.radius.st : NULL;
	d.st.reload_enabled = d.cfg.policy != NULL;
	d.st.last_reload_ok = 1;

	/* a policy that does not compile now would not reload either: say so at once */
	if (d.cfg.policy) {
		if (load_policy(&d, 0)) {
			mw_err("daemon: %s does not compile; not starting", d.cfg.policy);
			return MW_EXIT_USAGE;
		}
		dlog("%s checked; SIGHUP applies it", d.cfg.policy);
	}
	if (!d.have_db) {
		if (mw_ieee_load(&d.db, mw_opts.ieee_dir, err, sizeof(err)) == 0)
			d.have_db = 1;
		else
			dlog("%s; discovered devices are exported with vendor \"unknown\"", err);
	}

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) ||
	    (sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		mw_err("daemon: signalfd: %s", strerror(errno));
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);

	if (d.cfg.radius) {
		d.radius.log = radius_log;
		rfd = mw_radius_open(&d.radius, d.cfg.radius, d.cfg.radius_secret, err, sizeof(err));
		if (rfd < 0) {
			mw_err("daemon: --radius: %s", err);
			rc = rfd == -EINVAL ? MW_EXIT_USAGE : MW_EXIT_FAIL;
			goto out;
		}
		dlog("radius: accounting requests on udp %s", d.radius.bound);
	}
	/* re-attach interfaces that return; keep wan MAC -> IP knowledge current */
	wfd = mw_linkwatch_open(&d.lw, mw_opts.pin_dir, err, sizeof(err));
	if (wfd < 0)
		dlog("link watch off: %s", err);
	else
		d.lw_open = 1;

	if (d.cfg.listen) {
		lfd = listen_on(d.cfg.listen, d.listen_url, sizeof(d.listen_url), &family);
		if (lfd < 0) {
			rc = lfd == -2 ? MW_EXIT_USAGE : MW_EXIT_FAIL;
			goto out;
		}
		httpd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
					 (family == AF_INET6 ? MHD_USE_IPv6 : 0),
					 0, NULL, NULL, handle, &d,
					 MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
					 MHD_OPTION_LISTEN_SOCKET, lfd,
					 MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
					 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
					 MHD_OPTION_END);
		if (!httpd) {
			mw_err("daemon: starting the HTTP server on %s failed", d.cfg.listen);
			goto out;
		}
		lfd = -1;	/* the server owns it now */
		info = MHD_get_daemon_info(httpd, MHD_DAEMON_INFO_EPOLL_FD);
		if (!info || info->epoll_fd < 0) {
			mw_err("daemon: the HTTP server has no epoll descriptor");
			goto out;
		}
		epfd = info->epoll_fd;
		dlog("serving %s", d.listen_url);
	}
	if (d.cfg.textfile) {
		dlog("writing %s/%s every %g s", d.cfg.textfile, MW_METRICS_TEXTFILE,
		     d.cfg.interval);
		next_write = mono_now();
	}

	while (!stop) {
		struct signalfd_siginfo si;
		MHD_UNSIGNED_LONG_LONG mt;
		int timeout = -1, n = 0, ri = -1;

		if (d.cfg.textfile) {
			double left = next_write - mono_now();

			timeout = left <= 0 ? 0 : (int)(left * 1000) + 1;
		}
		if (httpd && MHD_get_timeout(httpd, &mt) == MHD_YES &&
		    (timeout < 0 || mt < (MHD_UNSIGNED_LONG_LONG)timeout))
			timeout = mt > 60000 ? 60000 : (int)mt;
		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		if (httpd)
			pfd[n++] = (struct pollfd){ .fd = epfd, .events = POLLIN };
		if (rfd >= 0) {
			ri = n;
			pfd[n++] = (struct pollfd){ .fd = rfd, .events = POLLIN };
		}
		if (wfd >= 0) {
			int lt = mw_linkwatch_timeout(&d.lw);

			if (timeout < 0 || lt < timeout)
				timeout = lt;
			pfd[n++] = (struct pollfd){ .fd = wfd, .events = POLLIN };
		}
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			mw_err("daemon: poll: %s", strerror(errno));
			goto out;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				reload(&d);
			} else {
				dlog("%s: shutting down", strsignal((int)si.ssi_signo));
				stop = 1;
			}
		}
		if (ri >= 0 && (pfd[ri].revents & POLLIN) && !stop)
			mw_radius_handle(&d.radius, mw_opts.pin_dir);
		if (wfd >= 0 && !stop)
			mw_linkwatch_handle(&d.lw);
		if (httpd && !stop)
			MHD_run(httpd);
		if (d.cfg.textfile && !stop && mono_now() >= next_write) {
			write_textfile(&d);
			next_write += d.cfg.interval;
			if (next_write < mono_now())	/* fell behind: no burst of writes */
				next_write = mono_now() + d.cfg.interval;
		}
	}
	rc = MW_EXIT_OK;
out:
	if (httpd)
		MHD_stop_daemon(httpd);
	if (rfd >= 0)
		mw_radius_close(&d.radius);
	if (wfd >= 0)
		mw_linkwatch_close(&d.lw);
	if (lfd >= 0)
		close(lfd);
	if (sfd >= 0)
		close(sfd);
	if (d.have_db)
		mw_ieee_free(&d.db);
	return rc;
}
