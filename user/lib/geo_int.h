/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The open country database, shared by geo.c (open, lookups) and geo_prefixes.c. */
#ifndef MW_GEO_INT_H
#define MW_GEO_INT_H

#include <limits.h>
#include <stdbool.h>
#include <GeoIP.h>
#include <maxminddb.h>
#include "geo.h"

/* Where the IPv4 space starts in a MaxMind DB search tree (::/96; the root of an IPv4 tree). */
struct mw_geo_v4start {
	uint64_t record;	/* a node number, or the record that covers all of IPv4 */
	uint32_t offset;	/* a data record's entry offset */
	uint8_t type;		/* MMDB_RECORD_TYPE_* of @record */
	int depth;		/* tree depth of @record: 96, less when a leaf covers ::/96 */
};

struct mw_geo {
	struct mw_geo_info info;
	/* MaxMind DB */
	MMDB_s mmdb;
	bool mmdb_open;
	struct mw_geo_v4start v4;
	/* legacy GeoIP: one file a family */
	GeoIP *gi4, *gi6;
	uint32_t gi4_nodes, gi6_nodes;	/* nodes the file can hold (size / 6) */
	char path[PATH_MAX], path6[PATH_MAX];
};

/* The country of a MaxMind DB data record: 0 with @cc, -ENOENT, -EINVAL. */
int mw_geo_mmdb_cc(MMDB_entry_s *entry, char cc[3]);
/* A legacy country id as a code: 0 with @cc, -ENOENT ("--", out of range). */
int mw_geo_legacy_cc(int id, char cc[3]);

#endif /* MW_GEO_INT_H */
