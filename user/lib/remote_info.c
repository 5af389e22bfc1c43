// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Names and countries of remote addresses. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "dnsallow.h"
#include "geo.h"
#include "remote_info.h"

struct mw_remote_info {
	struct mw_learned *l;	/* sorted by address, then longest-lasting first */
	size_t n;
	const struct mw_geo *geo;
	struct mw_geo *own_geo;	/* opened here: closed with @ri */
};

static int cmp_learned(const void *a, const void *b)
{
	const struct mw_learned *x = a, *y = b;
	int c;

	if (x->k.family != y->k.family)
		return x->k.family < y->k.family ? -1 : 1;
	c = memcmp(x->k.addr, y->k.addr, sizeof(x->k.addr));
	if (c)
		return c;
	if (x->v.expires_ns != y->v.expires_ns)
		return x->v.expires_ns > y->v.expires_ns ? -1 : 1;
	return strcmp(x->k.name, y->k.name);
}

struct mw_remote_info *mw_remote_info_new(const struct mw_geo *geo)
{
	struct mw_remote_info *ri = calloc(1, sizeof(*ri));

	if (ri)
		ri->geo = geo;
	return ri;
}

void mw_remote_info_set_names(struct mw_remote_info *ri, struct mw_learned *l, size_t n)
{
	free(ri->l);
	ri->l = l;
	ri->n = l ? n : 0;
	if (ri->n > 1)
		qsort(ri->l, ri->n, sizeof(*ri->l), cmp_learned);
}

int mw_remote_info_read_names(struct mw_remote_info *ri, const struct mw_maps *m)
{
	struct mw_learned *l = NULL;
	ssize_t n = mw_dns_read(m, &l);

	if (n < 0)
		return (int)n;
	mw_remote_info_set_names(ri, l, (size_t)n);
	return 0;
}

struct mw_remote_info *mw_remote_info_open(const struct mw_maps *m, const char *geoip_db)
{
	struct mw_remote_info *ri = mw_remote_info_new(NULL);
	char err[256];

	if (!ri)
		return NULL;
	mw_remote_info_read_names(ri, m);	/* none readable: names unknown */
	if (mw_geo_open(geoip_db, &ri->own_geo, err, sizeof(err)))
		ri->own_geo = NULL;	/* countries unknown */
	ri->geo = ri->own_geo;
	return ri;
}

void mw_remote_info_close(struct mw_remote_info *ri)
{
	if (!ri)
		return;
	free(ri->l);
	if (ri->own_geo)
		mw_geo_close(ri->own_geo);
	free(ri);
}

const char *mw_remote_name(const struct mw_remote_info *ri, int family, const uint8_t *addr)
{
	size_t lo = 0, hi = ri ? ri->n : 0, alen = family == AF_INET ? 4 : 16;

	/* the first entry of that address: the longest-lasting answer */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct mw_learned *e = &ri->l[mid];
		int c = e->k.family != family ? (e->k.family < family ? -1 : 1) :
			memcmp(e->k.addr, addr, alen);

		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (ri && lo < ri->n && ri->l[lo].k.family == family && !memcmp(ri->l[lo].k.addr, addr, alen))
		return ri->l[lo].k.name;
	return NULL;
}

int mw_remote_country(const struct mw_remote_info *ri, int family, const uint8_t *addr,
		      char cc[3])
{
	if (!ri || !ri->geo)
		return -ENOENT;
	return mw_geo_country(ri->geo, family, addr, cc) ? -ENOENT : 0;
}

int mw_remote_have_countries(const struct mw_remote_info *ri)
{
	return ri && ri->geo;
}
