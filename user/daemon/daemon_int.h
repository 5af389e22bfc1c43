/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the daemon*.c files share with each other and nobody else. */
#ifndef MW_DAEMON_INT_H
#define MW_DAEMON_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>
#include "flowexport.h"
#include "geo.h"
#include "health.h"
#include "ieee.h"
#include "dnslearn.h"
#include "linkwatch.h"
#include "metrics.h"
#include "radius.h"

#define MAX_BINDINGS	16

struct daemon_cfg {
	const char *listen;
	const char *textfile;
	double interval;
	const char *policy;
	const char *bindings[MAX_BINDINGS];
	int nbindings;
	uint32_t max_series;
	uint32_t flow_top;		/* --flow-top: remotes per device */
	const char *radius;		/* --radius ADDR:PORT */
	const char *radius_secret;
	uint32_t dns_grace;		/* --dns-grace S */
	int no_dns_learn, no_dns_hold;
	const char *ipfix;		/* --ipfix HOST:PORT */
	double flow_active, flow_idle;	/* seconds; 0: not given */
	double ipfix_templates;
};

/*
 * The latest reading as text, handed from the poll loop to the HTTP
 * threads (daemon_http.c says how). Everything here is under @mu.
 */
struct mw_pub {
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* a reading was published */
	char *text;			/* NULL: the last rendering failed */
	size_t len;
	uint64_t gen;			/* readings published so far */
	int want;			/* a scrape waits for a fresh reading */
	double want_since;		/* monotonic: when the oldest waiting scrape asked */
	int efd;			/* eventfd the poll loop polls: readable = want */
};

struct daemon {
	struct daemon_cfg cfg;
	struct mw_mstate st;
	struct mw_ieee db;		/* vendor names of discovered devices */
	int have_db;
	struct mw_geo *geo;		/* countries of remote addresses; NULL: off */
	int was_up;			/* -1 before the first reading */
	int textfile_ok;		/* -1 before the first write */
	char listen_url[128];
	struct mw_radius radius;
	struct mw_linkwatch lw;		/* link and neighbour watch */
	int lw_open;
	struct mw_pub pub;		/* shared with the HTTP threads */
	struct mw_proc proc;		/* the process_* families, read with every reading */
	struct mw_dnslearn dl;		/* names from DNS answers */
	int dl_open;
	struct mw_flowexp *fx;		/* --ipfix: the flow exporter's thread */
	struct mw_flowexp_stats fx_stats;	/* its counters, copied at every reading */
};

/* daemon.c */
void dlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* SIGHUP: apply the policy file again (or read the registry again). */
void daemon_reload(struct daemon *d);

/* daemon_output.c */
int collect(struct daemon *d, struct mw_sbuf *out);
void write_textfile(struct daemon *d);

/* daemon_http.c */
/* Raise the soft RLIMIT_NOFILE to the hard limit (logged): room for connections. */
void raise_nofile(void);
int listen_on(const char *spec, char *url, size_t urllen, int *family);
/* The eventfd and the lock of d->pub; 0 or a negative errno. */
int pub_init(struct mw_pub *p);
void pub_destroy(struct mw_pub *p);
/* Poll loop: render a reading for the HTTP threads when one asked (or @always). */
void pub_render(struct daemon *d, int always);
/* The HTTP threads on listening socket @lfd (theirs from then on); NULL on failure. */
struct MHD_Daemon *http_start(struct daemon *d, int lfd, int family);

/* daemon_loop.c */
double mono_now(void);
/* Until SIGINT or SIGTERM: 0, or -1 when poll() failed. */
int daemon_loop(struct daemon *d, int http, int sfd, int rfd, int wfd);

#endif /* MW_DAEMON_INT_H */
