/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Countries of addresses: which country an address is in (for `modwall
 * flows` and metrics), and every prefix of a country (a policy's `to
 * country "DE"` expands to them in the allow-list tries).
 *
 * Two kinds of database, each through its own library:
 *   - a MaxMind DB file (.mmdb) the operator supplies: GeoLite2-Country,
 *     GeoIP2-Country, DB-IP's country lite, or any database whose records
 *     carry country.iso_code (libmaxminddb);
 *   - else Debian's geoip-database, the legacy GeoIP country files
 *     /usr/share/GeoIP/GeoIP.dat (IPv4) and GeoIPv6.dat (IPv6) (libgeoip).
 *
 * A record's country is country.iso_code, else registered_country.iso_code
 * (MaxMind DB), or the legacy country id. Codes are two ASCII letters or
 * digits, upper-cased: besides ISO 3166 codes the legacy files use "EU" and
 * "AP" (Europe, Asia/Pacific), "A1" (anonymous proxy), "A2" (satellite
 * provider) and "O1" (other). Lookups report any of them; a policy names a
 * country by two letters (mw_geo_cc_parse), so the three with a digit are
 * reported but cannot be named.
 *
 * Both database files are bounded like every other input (file.h): a
 * regular file of at most MW_FILE_GEO_MAX bytes, checked on the descriptor
 * that the library then opens (through /proc/self/fd), and validated
 * before the first lookup: the legacy format has no checksum and libgeoip
 * trusts its node pointers, so every node reachable from the root is
 * checked to lie inside the file.
 *
 * Prefix enumeration reports IPv4 once, as IPv4: the IPv6 ranges that
 * alias or copy the IPv4 space (::/96 IPv4-compatible, ::ffff:0:0/96
 * IPv4-mapped, 2001::/32 Teredo, 2002::/16 6to4, and in a MaxMind DB any
 * other search-tree record that points at the IPv4 subtree) are never
 * reported as IPv6 prefixes, so a policy's `to country` does not allow
 * them. Lookups of addresses in them still answer as the database does:
 * an IPv4-mapped address is looked up as the IPv4 address, MaxMind's
 * databases answer 6to4 and Teredo addresses with the country of the
 * embedded IPv4 address (for Teredo the server's), libgeoip answers
 * Teredo with the client's. Adjacent prefixes of the same country are merged, so the
 * prefixes are the fewest CIDR blocks that cover the country's ranges;
 * they come in ascending address order and never overlap.
 *
 * No printing; thread-safe lookups on an open database.
 */
#ifndef MW_GEO_H
#define MW_GEO_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "file.h"

/* Debian's geoip-database: used when no database file is named. */
#define MW_GEO_DEBIAN_V4	"/usr/share/GeoIP/GeoIP.dat"
#define MW_GEO_DEBIAN_V6	"/usr/share/GeoIP/GeoIPv6.dat"

enum mw_geo_backend {
	MW_GEO_MAXMINDDB = 1,	/* one .mmdb file */
	MW_GEO_LEGACY,		/* legacy GeoIP country file(s) */
};

#define MW_GEO_V4	1u	/* families the database answers */
#define MW_GEO_V6	2u

/* What `modwall status` shows about the database. Strings are escaped (mw_escape). */
struct mw_geo_info {
	enum mw_geo_backend backend;
	const char *backend_name;	/* "maxminddb" or "geoip" (the library) */
	const char *path;		/* the database; legacy: the IPv4 file when there is one */
	const char *path6;		/* legacy: the IPv6 file, NULL when none */
	char type[64];			/* "GeoLite2-Country", "GeoIP Country Edition" */
	char description[256];		/* MaxMind DB: its English (else first) description;
					 * legacy: the database info "GEO-106FREE 20191224 Build 1" */
	int64_t build_time;		/* seconds since the epoch; 0 when not known */
	char build_date[11];		/* "2019-12-24" (UTC), "" when not known */
	unsigned int families;		/* MW_GEO_V4 | MW_GEO_V6 */
};

struct mw_geo;

/*
 * Open @path: a MaxMind DB file, or one legacy GeoIP country file (an IPv4
 * or an IPv6 edition: the database then answers that family only). NULL
 * opens Debian's geoip-database: MW_GEO_DEBIAN_V4, and MW_GEO_DEBIAN_V6
 * too when it is there. Returns 0, or -errno with "PATH: what is wrong" in
 * @err: -ENOENT (for the default: "... (install Debian's geoip-database)"),
 * -EISDIR or -EINVAL for what is not a regular file, -EFBIG past
 * MW_FILE_GEO_MAX, -EINVAL for a file that is not a country database or is
 * corrupt, -ENOMEM.
 */
int mw_geo_open(const char *path, struct mw_geo **geo, char *err, size_t errlen);
void mw_geo_close(struct mw_geo *geo);

/* The backend and the database's type, description and build date. */
const struct mw_geo_info *mw_geo_info(const struct mw_geo *geo);

/*
 * The country of @addr (@family AF_INET: 4 bytes, AF_INET6: 16 bytes, both
 * network order) into @cc ("DE"). 0, -ENOENT when the database has no
 * country for it (or does not answer that family), -EAFNOSUPPORT for
 * another family, -EINVAL when the database is found corrupt on the way.
 */
int mw_geo_country(const struct mw_geo *geo, int family, const void *addr, char cc[3]);

/*
 * A country code as a policy names it: two ASCII letters, upper-cased into
 * @cc ("de" -> "DE"; "EU" and "AP" are accepted). 0, or -EINVAL.
 */
int mw_geo_cc_parse(const char *s, char cc[3]);

/* Called once per prefix; 0 goes on, anything else stops the walk and is returned. */
typedef int (*mw_geo_prefix_fn)(const struct mw_prefix *p, void *ctx);

/*
 * Every @family (AF_INET or AF_INET6) prefix whose addresses the database
 * gives to country @cc (see mw_geo_cc_parse), merged and in ascending
 * order (see the top of this file). Returns the number of prefixes, what
 * @fn returned when it stopped the walk, or -EINVAL (bad code, or a search
 * tree found corrupt), -EAFNOSUPPORT (another family), -ENOMEM. A database
 * that does not answer @family has no prefixes for it (0).
 */
int mw_geo_country_prefixes(const struct mw_geo *geo, const char *cc, int family,
			    mw_geo_prefix_fn fn, void *ctx);

#endif /* MW_GEO_H */
