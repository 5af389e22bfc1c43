/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the daemon*.c files share with each other and nobody else. */
#ifndef MW_DAEMON_INT_H
#define MW_DAEMON_INT_H

#include <pthread.h>
#include <stdatomic.h>
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

/* The vendor registry, shared by the poll loop (which replaces it) and the readings. */
struct mw_reg {
	struct mw_ieee db;
	atomic_int refs;
};

/* The text of one reading, shared by the HTTP threads that send it. */
struct mw_text {
	char *s;
	size_t len;
	atomic_int refs;
};

/*
 * What a reading needs of the poll loop's state, copied when the loop
 * asks for it (daemon_pub.c): the reader thread never looks at the rest.
 */
struct mw_job {
	uint64_t seq;			/* mw_pub.taken when the copy was made */
	int textfile;			/* write the textfile with this reading */
	int count_dropped;		/* add its left-out series to the total */
	struct mw_mstate st;		/* its pointers go to the copies below */
	struct mw_radius_stats radius;
	struct mw_dnslearn_stats dns;
	struct mw_flowexp_stats fx;
	struct mw_reg *reg;		/* a reference; NULL: no registry */
};

/*
 * Readings: asked for by the poll loop, made by the reader thread, handed
 * to the HTTP threads (daemon_pub.c says how). Everything here is under
 * @mu.
 */
struct mw_pub {
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* a reading was published */
	pthread_cond_t work;		/* a job was posted, or @stop set */
	struct mw_text *text;		/* the last reading; NULL: none, or it failed */
	uint64_t taken;			/* copies of the loop's state made so far */
	uint64_t done;			/* the job seq of the last reading published */
	struct mw_job *job;		/* the next reading to make; NULL: none */
	int want;			/* a scrape waits for a fresh reading */
	double want_since;		/* monotonic: when the oldest waiting scrape asked */
	int efd;			/* eventfd the poll loop polls: readable = want */
	int stop;			/* the reader thread is to end */
	int running;			/* @thread was started */
	pthread_t thread;
};

struct daemon {
	struct daemon_cfg cfg;
	struct mw_mstate st;
	struct mw_reg *reg;		/* vendor names of discovered devices; NULL: none */
	struct mw_geo *geo;		/* countries of remote addresses; NULL: off */
	char listen_url[128];
	struct mw_radius radius;
	struct mw_linkwatch lw;		/* link and neighbour watch */
	int lw_open;
	struct mw_pub pub;		/* shared with the reader and HTTP threads */
	struct mw_dnslearn dl;		/* names from DNS answers */
	int dl_open;
	struct mw_flowexp *fx;		/* --ipfix: the flow exporter's thread */
	/* the reader thread's own */
	struct mw_mstore store;		/* the readings' large arrays, kept for the next */
	struct mw_proc proc;		/* the process_* families, read with every reading */
	uint64_t series_dropped;	/* summed over readings */
	int was_up;			/* -1 before the first reading */
	int textfile_ok;		/* -1 before the first write */
};

/* daemon.c */
void dlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A reference to @r (NULL: none), and its release (the last frees it). */
struct mw_reg *reg_get(struct mw_reg *r);
void reg_put(struct mw_reg *r);
/* SIGHUP: apply the policy file again (or read the registry again). */
void daemon_reload(struct daemon *d);

/* daemon_output.c: the reader thread */
/* Read the maps and render the reading @j asks for; 0 or a negative errno. */
int collect(struct daemon *d, struct mw_job *j, struct mw_sbuf *out);
/* Write @b (NULL: its rendering failed with @rc) as the textfile; logs changes. */
void write_textfile(struct daemon *d, const struct mw_sbuf *b, int rc);

/* daemon_http.c */
/* Raise the soft RLIMIT_NOFILE to the hard limit (logged): room for connections. */
void raise_nofile(void);
int listen_on(const char *spec, char *url, size_t urllen, int *family);
/* The HTTP threads on listening socket @lfd (theirs from then on); NULL on failure. */
struct MHD_Daemon *http_start(struct daemon *d, int lfd, int family);

/* daemon_pub.c */
/* The lock, conditions and eventfd of d->pub; 0 or a negative errno. */
int pub_init(struct mw_pub *p);
/* Start the reader thread; 0 or a negative errno. */
int pub_start(struct daemon *d);
/* Poll loop: a reading of the state now, for the HTTP threads (and the textfile). */
void pub_post(struct daemon *d, int textfile, int count_dropped);
/* Poll loop: post a reading when a scrape asked for one. */
void pub_asked(struct daemon *d);
/* Wait until the reading posted last is published. */
void pub_wait(struct mw_pub *p);
/* HTTP threads: a reading made after this call began (or the last one); NULL: none. */
struct mw_text *pub_get(struct mw_pub *p);
void text_put(struct mw_text *t);
/* Stop the reader thread (after the reading it makes now) and free it all. */
void pub_destroy(struct mw_pub *p);

/* daemon_loop.c */
double mono_now(void);
/* Until SIGINT or SIGTERM: 0, or -1 when poll() failed. */
int daemon_loop(struct daemon *d, int http, int sfd, int rfd, int wfd);

#endif /* MW_DAEMON_INT_H */
