/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What is known of a remote address besides the flows: the DNS name it
 * was given as (the learned names of mw_dns: the one whose answer lasts
 * longest) and its country (a country database, lib/geo.h). For flows,
 * suggest and metrics.
 */
#ifndef MW_REMOTE_INFO_H
#define MW_REMOTE_INFO_H

#include <stdint.h>
#include "maps.h"

struct mw_remote_info;
struct mw_geo;
struct mw_learned;

/*
 * Read the learned names of @m, and open the country database @geoip_db
 * (NULL: Debian's; when none can be opened, countries are unknown). NULL
 * only when out of memory.
 */
struct mw_remote_info *mw_remote_info_open(const struct mw_maps *m, const char *geoip_db);
/*
 * No names yet, and the country database @geo that the caller opened and
 * keeps open (NULL: countries unknown); for a reader that opens the
 * database once and reads the names again and again. NULL when out of
 * memory.
 */
struct mw_remote_info *mw_remote_info_new(const struct mw_geo *geo);
/* Read the learned names of @m again: 0, or -errno (the names read before are kept). */
int mw_remote_info_read_names(struct mw_remote_info *ri, const struct mw_maps *m);
/* Use the names of @l (@n entries, malloc'd: @ri frees them) instead of those it had. */
void mw_remote_info_set_names(struct mw_remote_info *ri, struct mw_learned *l, size_t n);
/* Closes the database only when mw_remote_info_open opened it. */
void mw_remote_info_close(struct mw_remote_info *ri);

/* The name of an address (family AF_INET/AF_INET6), or NULL. */
const char *mw_remote_name(const struct mw_remote_info *ri, int family, const uint8_t *addr);
/* Its country ("DE") into @cc: 0, or -ENOENT when unknown. */
int mw_remote_country(const struct mw_remote_info *ri, int family, const uint8_t *addr,
		      char cc[3]);
/* Whether a country database is open. */
int mw_remote_have_countries(const struct mw_remote_info *ri);

#endif /* MW_REMOTE_INFO_H */
