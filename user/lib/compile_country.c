// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy compiler: the prefixes of a country, for country rules, from the
 * country database (lib/geo.h) named by mw_country_db_use(), opened once
 * on the first country rule.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "compile.h"
#include "geo.h"

static struct {
	const char *path;	/* NULL: Debian's geoip-database */
	struct mw_geo *geo;
	int tried;
	char err[256];
} db;

void mw_country_db_use(const char *path)
{
	if (db.geo)
		mw_geo_close(db.geo);
	memset(&db, 0, sizeof(db));
	db.path = path;
}

const char *mw_country_db_error(void)
{
	return db.err;
}

struct collect {
	struct mw_prefix *v;
	size_t n, cap;
};

static int add(const struct mw_prefix *p, void *ctx)
{
	struct collect *c = ctx;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 1024;
		struct mw_prefix *nv = realloc(c->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = *p;
	return 0;
}

int mw_country_prefixes(const char cc[3], struct mw_prefix **out, size_t *n)
{
	struct collect c = { 0 };
	int rc, fam;

	*out = NULL;
	*n = 0;
	if (!db.tried) {
		db.tried = 1;
		if (mw_geo_open(db.path, &db.geo, db.err, sizeof(db.err)))
			db.geo = NULL;
	}
	if (!db.geo)
		return -ENOENT;
	for (fam = 0; fam < 2; fam++) {
		rc = mw_geo_country_prefixes(db.geo, cc, fam ? AF_INET6 : AF_INET, add, &c);
		if (rc < 0 && rc != -EAFNOSUPPORT) {
			free(c.v);
			snprintf(db.err, sizeof(db.err), "reading the country database: %s",
				 strerror(-rc));
			return rc;
		}
	}
	*out = c.v;
	*n = c.n;
	return 0;
}
