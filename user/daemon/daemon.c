// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * daemon: the long-running part. Serves Prometheus /metrics over HTTP
 * (libmicrohttpd, loopback by default), writes the same text for
 * node_exporter's textfile collector, and applies the policy file again on
 * SIGHUP. One poll loop (daemon_loop.c) owns the daemon's state: signals
 * arrive through a signalfd, RADIUS and the link watch run there. Readings
 * of the maps are made by a reader thread from a copy of what they show
 * of that state (daemon_pub.c), so neither a large reading nor a slow
 * HTTP client holds up RADIUS or the link watch. The HTTP server has
 * threads of its own (daemon_http.c): they send the text of a reading
 * the reader published, and are not held up by a reload (they then serve
 * the reading made before it). The vendor registry, replaced by a reload,
 * is shared by reference.
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
#include "dnslearn.h"
#include "linkwatch.h"
#include "metrics.h"
#include "pipeline.h"
#include "policy.h"
#include "radius.h"
#include "state.h"
#include "values.h"

enum { D_LISTEN, D_TEXTFILE, D_INTERVAL, D_POLICY, D_BINDINGS, D_MAX_SERIES, D_FLOW_TOP,
       D_RADIUS, D_RADIUS_SECRET, D_DNS_GRACE, D_NO_DNS_LEARN, D_NO_DNS_HOLD, D_IPFIX,
       D_FLOW_ACTIVE, D_FLOW_IDLE, D_IPFIX_TEMPLATES };

/* --policy has no short form: -p is the global --pretty */
static const struct mw_opt daemon_opts[] = {
	{ D_LISTEN, "listen", 'l', "ADDR:PORT", "serve /metrics there (default 127.0.0.1:9715; "
						 "[::1]:PORT for IPv6; 'none': no HTTP, with "
						 "--textfile or --ipfix)" },
	{ D_TEXTFILE, "textfile", 't', "DIR", "write DIR/modwall.prom for node_exporter's "
					       "textfile collector" },
	{ D_INTERVAL, "interval", 'i', "S", "with --textfile: seconds between writes (default 15)" },
	{ D_POLICY, "policy", 0, "FILE", "policy file: checked at start, applied again on SIGHUP" },
	{ D_BINDINGS, "bindings", 'b', "FILE", "with --policy: IMEI bindings file; repeatable" },
	{ D_MAX_SERIES, "max-series", 'm', "N", "most series one reading exposes (default 10000)" },
	{ D_FLOW_TOP, "flow-top", 0, "N", "busiest remotes per device in modwall_flow_remote_bytes, "
					  "while --max-series allows (default 5; 0: none)" },
	{ D_RADIUS, "radius", 0, "ADDR:PORT", "receive RADIUS accounting (RFC 2866) there: "
					      "3GPP-IMEISV + Framed-IP bindings" },
	{ D_RADIUS_SECRET, "radius-secret-file", 0, "FILE", "with --radius: the shared secret, "
							    "first line of FILE" },
	{ D_DNS_GRACE, "dns-grace", 0, "S", "an address learned for a name rule stays S seconds "
					  "after its TTL (default 60)" },
	{ D_NO_DNS_LEARN, "no-dns-learn", 0, NULL, "do not learn names from the DNS answers that "
						    "reach devices (name rules then allow nothing)" },
	{ D_NO_DNS_HOLD, "no-dns-hold", 0, NULL, "learn from copies of the answers instead of "
						  "holding them until learned (diagnostics: the "
						  "device may use an answer before it is allowed)" },
	{ D_IPFIX, "ipfix", 0, "HOST:PORT", "export flows as IPFIX (RFC 7011) over UDP to "
					    "that collector" },
	{ D_FLOW_ACTIVE, "flow-active-timeout", 0, "S", "with --ipfix: export a live flow's new "
							 "counts every S seconds (default 60)" },
	{ D_FLOW_IDLE, "flow-idle-timeout", 0, "S", "with --ipfix: a flow without frames for S "
						     "seconds is exported and removed (default 30)" },
	{ D_IPFIX_TEMPLATES, "ipfix-template-refresh", 0, "S", "with --ipfix: send the templates "
								"again every S seconds (default 60)" },
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
	case D_FLOW_TOP:
		if (mw_val_uint(opt, arg, 0, MW_METRICS_FLOW_TOP_MAX, &n))
			return -1;
		c->flow_top = (uint32_t)n;
		break;
	case D_RADIUS:
		c->radius = arg;
		break;
	case D_RADIUS_SECRET:
		c->radius_secret = arg;
		break;
	case D_DNS_GRACE:
		if (mw_val_uint(opt, arg, 0, 86400, &n))
			return -1;
		c->dns_grace = (uint32_t)n;
		break;
	case D_NO_DNS_LEARN:
		c->no_dns_learn = 1;
		break;
	case D_NO_DNS_HOLD:
		c->no_dns_hold = 1;
		break;
	case D_IPFIX:
		c->ipfix = arg;
		break;
	case D_FLOW_ACTIVE:
		return mw_val_seconds(opt, arg, 1, 86400, &c->flow_active);
	case D_FLOW_IDLE:
		return mw_val_seconds(opt, arg, 1, 86400, &c->flow_idle);
	case D_IPFIX_TEMPLATES:
		return mw_val_seconds(opt, arg, 1, 86400, &c->ipfix_templates);
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

/* A module's log line as it is (it names itself). */
static void log_plain(void *ctx, const char *msg)
{
	(void)ctx;
	dlog("%s", msg);
}

struct mw_reg *reg_get(struct mw_reg *r)
{
	if (r)
		atomic_fetch_add(&r->refs, 1);
	return r;
}

void reg_put(struct mw_reg *r)
{
	if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
		mw_ieee_free(&r->db);
		free(r);
	}
}

/* @db becomes the daemon's registry (readings under way keep the one they have). */
static void set_registry(struct daemon *d, struct mw_ieee *db)
{
	struct mw_reg *r = malloc(sizeof(*r));

	if (!r) {
		dlog("no memory for the registry; keeping the one read before");
		mw_ieee_free(db);
		return;
	}
	r->db = *db;
	atomic_init(&r->refs, 1);
	reg_put(d->reg);
	d->reg = r;
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
	if (mw_pipeline_take_registry(&p, &db))
		set_registry(d, &db);
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
		set_registry(d, &db);
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
		clock_gettime(CLOCK_REALTIME, &d->st.last_reload_ok_at);
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
				     .max_series = MW_METRICS_MAX_SERIES, .dns_grace = 60,
				     .flow_top = MW_METRICS_FLOW_TOP },
			    .was_up = -1, .textfile_ok = -1 };
	struct MHD_Daemon *httpd = NULL;
	sigset_t sigs;
	char err[512];
	int ix, lfd = -1, sfd = -1, family = AF_INET, rc = MW_EXIT_FAIL;
	int rfd = -1, wfd = -1, pub_ok = 0;
	struct stat st;

	ix = mw_getopt(argc, argv, "daemon [--listen ADDR:PORT|none] [--textfile DIR [--interval S]] "
		       "[--policy FILE [--bindings FILE]...] [--max-series N] [--flow-top N] "
		       "[--radius ADDR:PORT --radius-secret-file FILE] [--dns-grace S] "
		       "[--no-dns-learn|--no-dns-hold] [--ipfix HOST:PORT "
		       "[--flow-active-timeout S] [--flow-idle-timeout S] "
		       "[--ipfix-template-refresh S]]",
		       daemon_opts, daemon_opt, &d.cfg);
	if (ix < 0)
		return ix == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (ix != argc) {
		mw_err("daemon: takes no arguments ('%s'?)", argv[ix]);
		return MW_EXIT_USAGE;
	}
	if (!strcmp(d.cfg.listen, "none"))
		d.cfg.listen = NULL;
	if (!d.cfg.listen && !d.cfg.textfile && !d.cfg.ipfix && !d.cfg.radius &&
	    d.cfg.no_dns_learn) {
		mw_err("daemon: with --listen none and --no-dns-learn there is nothing to do: give "
		       "--textfile DIR, --ipfix HOST:PORT or --radius, or let it learn names");
		return MW_EXIT_USAGE;
	}
	if (d.cfg.no_dns_learn && d.cfg.no_dns_hold) {
		mw_err("daemon: --no-dns-hold changes how names are learned; --no-dns-learn learns "
		       "none");
		return MW_EXIT_USAGE;
	}
	if (!d.cfg.ipfix && (d.cfg.flow_active || d.cfg.flow_idle || d.cfg.ipfix_templates)) {
		mw_err("daemon: --flow-active-timeout, --flow-idle-timeout and "
		       "--ipfix-template-refresh go with --ipfix HOST:PORT");
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
	if (!d.cfg.flow_active)
		d.cfg.flow_active = MW_FLOWEXP_ACTIVE;
	if (!d.cfg.flow_idle)
		d.cfg.flow_idle = MW_FLOWEXP_IDLE;
	if (!d.cfg.ipfix_templates)
		d.cfg.ipfix_templates = MW_FLOWEXP_TEMPLATES;
	if (d.cfg.textfile && stat(d.cfg.textfile, &st)) {
		mw_err("daemon: --textfile %s: %s", d.cfg.textfile, strerror(errno));
		return MW_EXIT_USAGE;
	}
	if (d.cfg.textfile && !S_ISDIR(st.st_mode)) {
		mw_err("daemon: --textfile %s: not a directory", d.cfg.textfile);
		return MW_EXIT_USAGE;
	}
	if (d.cfg.listen)
		raise_nofile();
	d.st.max_series = d.cfg.max_series;
	d.st.flow_top = d.cfg.flow_top;
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
	if (!d.reg) {
		struct mw_ieee db;

		if (mw_ieee_load(&db, mw_opts.ieee_dir, err, sizeof(err)) == 0)
			set_registry(&d, &db);
		else
			dlog("%s; discovered devices are exported with vendor \"unknown\"", err);
	}
	/* countries of remote addresses (flow metrics): one database for the daemon's life */
	if (mw_geo_open(mw_opts.geoip_db, &d.geo, err, sizeof(err))) {
		d.geo = NULL;
		dlog("countries off (no modwall_flow_country_bytes): %s", err);
	} else {
		const struct mw_geo_info *gi = mw_geo_info(d.geo);

		dlog("countries from %s%s%s (%s%s%s)", gi->path, gi->path6 ? " and " : "",
		     gi->path6 ? gi->path6 : "", gi->type[0] ? gi->type : gi->backend_name,
		     gi->build_date[0] ? ", built " : "", gi->build_date);
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
	/* after the signal mask: the exporter's thread leaves the signals to the signalfd */
	if (d.cfg.ipfix) {
		struct mw_flowexp_cfg fc = {
			.dest = d.cfg.ipfix, .pin_dir = mw_opts.pin_dir,
			.active_s = d.cfg.flow_active, .idle_s = d.cfg.flow_idle,
			.templates_s = d.cfg.ipfix_templates, .log = log_plain,
		};
		int usage;

		d.fx = mw_flowexp_start(&fc, &usage, err, sizeof(err));
		if (!d.fx) {
			mw_err("daemon: --ipfix %s", err);
			rc = usage ? MW_EXIT_USAGE : MW_EXIT_FAIL;
			goto out;
		}
	}
	/* re-attach interfaces that return; keep wan MAC -> IP knowledge current */
	wfd = mw_linkwatch_open(&d.lw, mw_opts.pin_dir, err, sizeof(err));
	if (wfd < 0)
		dlog("link watch off: %s", err);
	else
		d.lw_open = 1;
	/* names from the DNS answers that reach devices, for name rules and flows */
	if (!d.cfg.no_dns_learn) {
		int e = mw_dnslearn_init(&d.dl, mw_opts.pin_dir, d.cfg.dns_grace, d.cfg.no_dns_hold);

		if (e)
			dlog("DNS learning off: %s", strerror(-e));
		else
			d.dl_open = 1;
		d.st.dns = d.dl_open ? &d.dl.st : NULL;
	}

	/* after the signal mask, as the exporter: readings in a thread of their own */
	if (d.cfg.listen || d.cfg.textfile) {
		int e = pub_init(&d.pub);

		if (!e) {
			pub_ok = 1;
			e = pub_start(&d);
		}
		if (e) {
			mw_err("daemon: starting the reader: %s", strerror(-e));
			goto out;
		}
	}
	if (d.cfg.listen) {
		lfd = listen_on(d.cfg.listen, d.listen_url, sizeof(d.listen_url), &family);
		if (lfd < 0) {
			rc = lfd == -2 ? MW_EXIT_USAGE : MW_EXIT_FAIL;
			goto out;
		}
		/* a first reading, for a scrape while the loop is busy */
		pub_post(&d, 0, 0);
		pub_wait(&d.pub);
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
	/* first: the flows still held go out before anything else stops */
	mw_flowexp_stop(d.fx);
	if (httpd)
		MHD_stop_daemon(httpd);
	if (pub_ok)
		pub_destroy(&d.pub);
	if (rfd >= 0)
		mw_radius_close(&d.radius);
	if (wfd >= 0)
		mw_linkwatch_close(&d.lw);
	if (d.dl_open)
		mw_dnslearn_close(&d.dl);
	if (lfd >= 0)
		close(lfd);
	if (sfd >= 0)
		close(sfd);
	mw_mstore_free(&d.store);
	reg_put(d.reg);
	if (d.geo)
		mw_geo_close(d.geo);
	return rc;
}
