/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the daemon*.c files share with each other and nobody else. */
#ifndef MW_DAEMON_INT_H
#define MW_DAEMON_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>
#include "ieee.h"
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

/* daemon.c */
void dlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* SIGHUP: apply the policy file again (or read the registry again). */
void daemon_reload(struct daemon *d);

/* daemon_output.c */
int collect(struct daemon *d, struct mw_sbuf *out);
void write_textfile(struct daemon *d);

/* daemon_http.c */
enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
		       const char *method, const char *version, const char *upload,
		       size_t *upload_size, void **req);
void http_log(void *cls, const char *fmt, va_list ap);
int listen_on(const char *spec, char *url, size_t urllen, int *family);

/* daemon_loop.c */
double mono_now(void);
/* Until SIGINT or SIGTERM: 0, or -1 when poll() failed. */
int daemon_loop(struct daemon *d, struct MHD_Daemon *httpd, int epfd, int sfd, int rfd, int wfd);

#endif /* MW_DAEMON_INT_H */
