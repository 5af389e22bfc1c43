// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * daemon: the long-running part. Serves Prometheus /metrics over HTTP
 * (libmicrohttpd, loopback by default), writes the same text for
 * node_exporter's textfile collector, and applies the policy file again on
 * SIGHUP. One poll loop (daemon_loop.c) owns all daemon state: signals
 * arrive through a signalfd, RADIUS and the link watch run there, and so
 * is every reading made, so a reading and a SIGHUP reload never overlap.
 * The HTTP server has threads of its own (daemon_http.c): they only copy
 * the text of a reading the loop published, and are not held up by a
 * reload (they then serve the reading made before it).
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
#include "daemon_int.h"
#include "compile.h"
#include "ieee.h"
#include "linkwatch.h"
#include "metrics.h"
#include "policy.h"
#include "radius.h"
#include "state.h"

static const struct mw_opt daemon_opts[] = {
	{ "listen", 'l', "ADDR:PORT", "serve /metrics there (default 127.0.0.1:9715; "
				      "[::1]:PORT for IPv6; 'none': no HTTP)" },
	{ "textfile", 't', "DIR", "write DIR/modwall.prom for node_exporter's textfile collector" },
	{ "interval", 'i', "S", "with --textfile: seconds between writes (default 15)" },
	{ "policy", 'p', "FILE", "policy file: checked at start, applied again on SIGHUP" },
	{ "bindings", 'b', "FILE", "with --policy: IMEI bindings file; repeatable" },
	{ "max-series", 'm', "N", "most series one reading exposes (default 10000)" },
	{ "radius", 0, "ADDR:PORT", "receive RADIUS accounting (RFC 2866) there: 3GPP-IMEISV + "
				    "Framed-IP bindings" },
	{ "radius-secret-file", 0, "FILE", "with --radius: the shared secret, first line of FILE" },
	{ NULL, 0, NULL, NULL },
};

static int daemon_opt(int idx, const char *arg, void *ctx)
{
	struct daemon_cfg *c = ctx;
	unsigned long long n;
	char *end;

	errno = 0;
	switch (idx) {
	case 0:
		c->listen = arg;
		break;
	case 1:
		c->textfile = arg;
		break;
	case 2:
		c->interval = strtod(arg, &end);
		if (errno || *end || !(c->interval >= 0.1 && c->interval <= 86400)) {
			mw_err("daemon: --interval '%s': seconds from 0.1 to 86400", arg);
			return -1;
		}
		break;
	case 3:
		c->policy = arg;
		break;
	case 4:
		if (c->nbindings == MAX_BINDINGS) {
			mw_err("daemon: at most %d --bindings files", MAX_BINDINGS);
			return -1;
		}
		c->bindings[c->nbindings++] = arg;
		break;
	case 5:
		n = strtoull(arg, &end, 10);
		if (errno || *end || arg[0] == '-' || n < 1 || n > 100000000) {
			mw_err("daemon: --max-series '%s': a number from 1 to 100000000", arg);
			return -1;
		}
		c->max_series = (uint32_t)n;
		break;
	case 6:
		c->radius = arg;
		break;
	case 7:
		c->radius_secret = arg;
		break;
	}
	return 0;
}

/* One write per line: the HTTP threads log too. */
void dlog(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "modwall: daemon: %s\n", msg);
	fflush(stderr);
}

static void radius_log(void *ctx, const char *msg)
{
	(void)ctx;
	dlog("radius: %s", msg);
}

static void print_diag(const struct mw_diag *d, const char *kind)
{
	int i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "modwall: %s%s\n", kind, d->msg[i]);
	fflush(stderr);
}

/* ---- policy ---- */

/*
 * Parse, resolve, compile and (with @do_apply) swap in the configured policy
 * through the library, as `modwall apply` does: the registry and the files
 * are read before the pin directory lock is taken; the runtime bindings,
 * the compile and the apply happen under it. Any error leaves the live
 * policy as it was. A freshly read registry replaces the daemon's copy.
 */
static int load_policy(struct daemon *d, int do_apply)
{
	const struct daemon_cfg *c = &d->cfg;
	struct mw_policy pol;
	struct mw_plan plan = { 0 };
	struct mw_bindings b;
	struct mw_ieee db;
	struct mw_maps m;
	char err[1024], dberr[512] = "";
	int have_db = 0, have_maps = 0, lock = -1, rc = -1, i;

	memset(&b, 0, sizeof(b));
	memset(&m, 0, sizeof(m));
	if (mw_policy_load(&pol, c->policy)) {
		print_diag(&pol.errors, "");
		goto out;
	}
	for (i = 0; i < c->nbindings; i++)
		mw_bindings_load(&b, c->bindings[i], &pol.errors, &pol.warnings);
	if (!pol.errors.n) {
		if (mw_ieee_load(&db, mw_opts.ieee_dir, dberr, sizeof(dberr)) == 0)
			have_db = 1;
	}
	if (do_apply && !pol.errors.n) {
		if (mw_maps_open(&m, mw_opts.pin_dir, err, sizeof(err))) {
			mw_diag_add(&pol.errors, NULL, "%s", err);
		} else {
			have_maps = 1;
			lock = mw_lock(mw_opts.pin_dir);
			if (lock < 0)
				mw_diag_add(&pol.errors, NULL, "locking %s: %s", mw_opts.pin_dir,
					    strerror(-lock));
			else if (mw_bindings_from_map(&m, &b))
				mw_diag_add(&pol.errors, NULL, "reading runtime bindings: %s",
					    strerror(errno));
		}
	}
	if (!pol.errors.n)
		mw_compile(&plan, &pol, have_db ? &db : NULL, &b);
	print_diag(&pol.warnings, "warning: ");
	if (pol.errors.n) {
		print_diag(&pol.errors, "");
		if (!have_db && dberr[0])
			fprintf(stderr, "modwall: %s\n", dberr);
		goto out;
	}
	if (do_apply) {
		struct mw_apply_result res;
		int k;

		if (mw_apply(&m, &plan, &res, err, sizeof(err))) {
			fprintf(stderr, "modwall: apply: %s\n", err);
			goto out;
		}
		for (k = 0; k < res.nunloaded; k++)
			fprintf(stderr, "modwall: warning: interface %s is not loaded: its default "
				"takes effect when it is loaded and the policy applied again\n",
				res.unloaded_ifaces[k]);
		dlog("applied %s: generation %u (apply #%llu), %u added, %u kept, %u removed",
		     c->policy, res.gen, (unsigned long long)res.seq, res.added, res.kept,
		     res.removed);
		mw_apply_result_free(&res);
	}
	rc = 0;
	if (have_db) {
		if (d->have_db)
			mw_ieee_free(&d->db);
		d->db = db;
		d->have_db = 1;
		have_db = 0;
	}
out:
	if (lock >= 0)
		close(lock);
	if (have_maps)
		mw_maps_close(&m);
	if (have_db)
		mw_ieee_free(&db);
	mw_plan_free(&plan);
	mw_bindings_free(&b);
	mw_policy_free(&pol);
	return rc;
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

void daemon_reload(struct daemon *d)
{
	reload(d);
}

int cmd_daemon(int argc, char **argv)
{
	struct daemon d = { .cfg = { .listen = "127.0.0.1:9715", .interval = 0,
				     .max_series = MW_METRICS_MAX_SERIES },
			    .was_up = -1, .textfile_ok = -1 };
	struct MHD_Daemon *httpd = NULL;
	sigset_t sigs;
	char err[512];
	int ix, lfd = -1, sfd = -1, family = AF_INET, rc = MW_EXIT_FAIL;
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
		if (pub_init(&d.pub)) {
			mw_err("daemon: eventfd: %s", strerror(errno));
			goto out;
		}
		pub_render(&d, 1);	/* a first reading, for a scrape while the loop is busy */
		httpd = http_start(&d, lfd, family);
		if (!httpd) {
			mw_err("daemon: starting the HTTP server on %s failed", d.cfg.listen);
			goto out;
		}
		lfd = -1;	/* the server owns it now */
		dlog("serving %s", d.listen_url);
	}
	if (daemon_loop(&d, httpd != NULL, sfd, rfd, wfd))
		goto out;
	rc = MW_EXIT_OK;
out:
	if (httpd)
		MHD_stop_daemon(httpd);
	if (d.pub.efd > 0)
		pub_destroy(&d.pub);
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
