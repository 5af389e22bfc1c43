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
	struct mw_geo *geo;
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

struct mw_remote_info *mw_remote_info_open(const struct mw_maps *m, const char *geoip_db)
{
	struct mw_remote_info *ri = calloc(1, sizeof(*ri));
	ssize_t n;

	if (!ri)
		return NULL;
	n = mw_dns_read(m, &ri->l);
	ri->n = n > 0 ? (size_t)n : 0;
	if (ri->n)
		qsort(ri->l, ri->n, sizeof(*ri->l), cmp_learned);
	{
		char err[256];

		if (mw_geo_open(geoip_db, &ri->geo, err, sizeof(err)))
			ri->geo = NULL;	/* countries unknown */
	}
	return ri;
}

void mw_remote_info_close(struct mw_remote_info *ri)
{
	if (!ri)
		return;
	free(ri->l);
	if (ri->geo)
		mw_geo_close(ri->geo);
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
