// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Country databases: opening (MaxMind DB through libmaxminddb, legacy
 * GeoIP through libgeoip), what they are, and lookups. See geo.h.
 */
#define _GNU_SOURCE	/* memmem */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "file.h"
#include "geo_int.h"

/* The MaxMind DB metadata marker, within the last 128 KiB of the file (the format's rule). */
static const char mmdb_marker[] = "\xab\xcd\xefMaxMind.com";
#define MMDB_TAIL		(128u << 10)
/*
 * libgeoip looks for its structure marker (0xff 0xff 0xff, then the
 * edition byte) in the last 22 bytes; without one it takes any file for a
 * country edition, so the marker is checked here first.
 */
#define LEGACY_TAIL		22
#define LEGACY_COUNTRY		1	/* GEOIP_COUNTRY_EDITION */
#define LEGACY_COUNTRY_V6	12	/* GEOIP_COUNTRY_EDITION_V6 */
#define LEGACY_RECORD		3	/* bytes a record: two make a node */

enum kind { KIND_NONE, KIND_MMDB, KIND_LEGACY };

static void set_date(struct mw_geo_info *in, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	in->build_time = t;
	if (t > 0 && gmtime_r(&tt, &tm))
		strftime(in->build_date, sizeof(in->build_date), "%Y-%m-%d", &tm);
}

/* What the file is, from its tail; for a legacy file its edition in *@edition. */
static enum kind sniff(int fd, int *edition)
{
	off_t size = lseek(fd, 0, SEEK_END);
	size_t n = size > (off_t)MMDB_TAIL ? MMDB_TAIL : (size_t)(size > 0 ? size : 0);
	unsigned char *buf;
	enum kind k = KIND_NONE;
	ssize_t r;
	size_t i;

	if (!n || !(buf = malloc(n)))
		return KIND_NONE;
	r = pread(fd, buf, n, size - (off_t)n);
	if (r != (ssize_t)n)
		goto out;
	if (memmem(buf, n, mmdb_marker, sizeof(mmdb_marker) - 1)) {
		k = KIND_MMDB;
		goto out;
	}
	/* as libgeoip scans: from 3 bytes before the end, one byte back at a time */
	for (i = 0; i < 20 && n >= 4 + i; i++) {
		const unsigned char *p = buf + n - 3 - i;

		if (p[0] == 0xff && p[1] == 0xff && p[2] == 0xff) {
			/* the edition byte follows, when there is one */
			if (i == 0)
				break;
			*edition = p[3] >= 106 ? p[3] - 105 : p[3];
			k = KIND_LEGACY;
			break;
		}
	}
out:
	free(buf);
	return k;
}

/* The file behind @fd as the libraries should open it: the same file, not the path again. */
static const char *fd_path(int fd, const char *path, char *buf, size_t len)
{
	if (access("/proc/self/fd", X_OK))
		return path;	/* no procfs: the path, checked just before */
	snprintf(buf, len, "/proc/self/fd/%d", fd);
	return buf;
}

static void copy_escaped(char *out, size_t outlen, const char *s)
{
	mw_escape(out, outlen, s ? s : "", s ? strlen(s) : 0);
}

/* Where IPv4 starts in an IPv6 tree: 96 left turns from the root (::/96). */
static int mmdb_v4_start(struct mw_geo *g)
{
	struct mw_geo_v4start *v = &g->v4;
	MMDB_search_node_s node;

	v->record = 0;
	v->type = MMDB_RECORD_TYPE_SEARCH_NODE;
	v->depth = 0;
	if (g->mmdb.metadata.ip_version == 4)
		return 0;
	while (v->depth < 96 && v->type == MMDB_RECORD_TYPE_SEARCH_NODE) {
		if (MMDB_read_node(&g->mmdb, (uint32_t)v->record, &node) != MMDB_SUCCESS)
			return -EINVAL;
		v->record = node.left_record;
		v->offset = node.left_record_entry.offset;
		v->type = node.left_record_type;
		v->depth++;
	}
	return v->type == MMDB_RECORD_TYPE_INVALID ? -EINVAL : 0;
}

static int mmdb_open_fd(struct mw_geo *g, const char *path, int fd, char *err, size_t errlen)
{
	MMDB_metadata_s *md = &g->mmdb.metadata;
	struct mw_geo_info *in = &g->info;
	const char *desc = NULL;
	char pbuf[64];
	size_t i;
	int rc;

	rc = MMDB_open(fd_path(fd, path, pbuf, sizeof(pbuf)), MMDB_MODE_MMAP, &g->mmdb);
	if (rc != MMDB_SUCCESS) {
		if (rc == MMDB_OUT_OF_MEMORY_ERROR || rc == MMDB_IO_ERROR || rc == MMDB_FILE_OPEN_ERROR)
			snprintf(err, errlen, "%s: %s", path, MMDB_strerror(rc));
		else
			snprintf(err, errlen, "%s: not a valid MaxMind DB (libmaxminddb: %s)", path,
				 MMDB_strerror(rc));
		return rc == MMDB_OUT_OF_MEMORY_ERROR ? -ENOMEM :
		       rc == MMDB_IO_ERROR || rc == MMDB_FILE_OPEN_ERROR ? -EIO : -EINVAL;
	}
	g->mmdb_open = true;
	if (g->mmdb.file_size > (ssize_t)MW_FILE_GEO_MAX) {
		snprintf(err, errlen, "%s: larger than %u MiB", path, MW_FILE_GEO_MAX >> 20);
		return -EFBIG;
	}
	if (md->ip_version != 4 && md->ip_version != 6) {
		snprintf(err, errlen, "%s: IP version %u in a MaxMind DB", path, md->ip_version);
		return -EINVAL;
	}
	if (mmdb_v4_start(g)) {
		snprintf(err, errlen, "%s: the search tree is corrupt", path);
		return -EINVAL;
	}
	snprintf(g->path, sizeof(g->path), "%s", path);
	in->backend = MW_GEO_MAXMINDDB;
	in->backend_name = "maxminddb";
	in->path = g->path;
	in->families = MW_GEO_V4 | (md->ip_version == 6 ? MW_GEO_V6 : 0);
	copy_escaped(in->type, sizeof(in->type), md->database_type);
	for (i = 0; i < md->description.count; i++) {
		const MMDB_description_s *d = md->description.descriptions[i];

		if (!d || !d->description)
			continue;
		if (!desc || (d->language && !strcmp(d->language, "en")))
			desc = d->description;
	}
	copy_escaped(in->description, sizeof(in->description), desc);
	set_date(in, md->build_epoch > INT64_MAX ? 0 : (int64_t)md->build_epoch);
	return 0;
}

/*
 * Every node reachable from the root must lie inside the file: libgeoip
 * follows node pointers without checking them. Counts the reachable nodes
 * into *@reach (a tree of them has at most one more leaf).
 */
static int legacy_check(const unsigned char *buf, size_t size, uint32_t leaf_min, uint32_t *reach)
{
	size_t nodes = size / (2 * LEGACY_RECORD), head = 0, tail = 0;
	uint32_t *queue;
	uint8_t *seen;
	int rc = 0;

	if (nodes > leaf_min)
		nodes = leaf_min;	/* a node pointer is below the first leaf value */
	if (!nodes)
		return -EINVAL;
	queue = malloc(nodes * sizeof(*queue));
	seen = calloc((nodes + 7) / 8, 1);
	if (!queue || !seen) {
		free(queue);
		free(seen);
		return -ENOMEM;
	}
	queue[tail++] = 0;
	seen[0] = 1;
	while (head < tail && !rc) {
		const unsigned char *p = buf + (size_t)queue[head++] * 2 * LEGACY_RECORD;
		int side;

		for (side = 0; side < 2; side++, p += LEGACY_RECORD) {
			uint32_t v = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;

			if (v >= leaf_min)
				continue;
			if (v >= nodes) {
				rc = -EINVAL;
				break;
			}
			if (!(seen[v / 8] & (1u << (v % 8)))) {
				seen[v / 8] |= (uint8_t)(1u << (v % 8));
				queue[tail++] = v;
			}
		}
	}
	*reach = (uint32_t)tail;
	free(queue);
	free(seen);
	return rc;
}

/* "GEO-106FREE 20191224 Build 1 ...": the first 8-digit word as the build day. */
static int64_t legacy_date(const char *info)
{
	const char *p;

	for (p = info; p && *p; p++) {
		struct tm tm = { 0 };
		int i;

		if (p != info && isdigit((unsigned char)p[-1]))
			continue;
		for (i = 0; i < 8 && isdigit((unsigned char)p[i]); i++)
			;
		if (i != 8 || isdigit((unsigned char)p[8]))
			continue;
		tm.tm_year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 +
			     (p[3] - '0') - 1900;
		tm.tm_mon = (p[4] - '0') * 10 + (p[5] - '0') - 1;
		tm.tm_mday = (p[6] - '0') * 10 + (p[7] - '0');
		if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
			continue;
		return (int64_t)timegm(&tm);
	}
	return 0;
}

static int legacy_open_fd(struct mw_geo *g, const char *path, int fd, int edition, char *err,
			  size_t errlen)
{
	struct mw_geo_info *in = &g->info;
	bool v6 = edition == LEGACY_COUNTRY_V6;
	GeoIP **slot = v6 ? &g->gi6 : &g->gi4;
	uint32_t *reach = v6 ? &g->gi6_nodes : &g->gi4_nodes;
	char pbuf[64], *info;
	const char *ed;
	GeoIP *gi;
	int rc;

	gi = GeoIP_open(fd_path(fd, path, pbuf, sizeof(pbuf)), GEOIP_MEMORY_CACHE | GEOIP_SILENCE);
	if (!gi) {
		snprintf(err, errlen, "%s: libgeoip cannot read it", path);
		return -EINVAL;
	}
	*slot = gi;
	if (gi->GeoIPDatabase)
		fcntl(fileno(gi->GeoIPDatabase), F_SETFD, FD_CLOEXEC);
	if (gi->size > (off_t)MW_FILE_GEO_MAX) {
		snprintf(err, errlen, "%s: larger than %u MiB", path, MW_FILE_GEO_MAX >> 20);
		return -EFBIG;
	}
	if (gi->databaseType != edition || gi->record_length != LEGACY_RECORD || !gi->cache ||
	    !gi->databaseSegments) {
		snprintf(err, errlen, "%s: not a legacy GeoIP country database", path);
		return -EINVAL;
	}
	rc = legacy_check(gi->cache, (size_t)gi->size, gi->databaseSegments[0], reach);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path,
			 rc == -ENOMEM ? strerror(ENOMEM) : "the search tree is corrupt");
		return rc;
	}
	if (v6)
		snprintf(g->path6, sizeof(g->path6), "%s", path);
	else
		snprintf(g->path, sizeof(g->path), "%s", path);
	in->families |= v6 ? MW_GEO_V6 : MW_GEO_V4;
	/* the IPv4 file describes the database; the IPv6 one when it is alone */
	if (!v6 || !in->type[0]) {
		info = GeoIP_database_info(gi);
		ed = GeoIPDBDescription[edition];
		copy_escaped(in->type, sizeof(in->type), ed);
		copy_escaped(in->description, sizeof(in->description), info);
		in->build_date[0] = 0;
		set_date(in, legacy_date(info));
		free(info);
	}
	return 0;
}

/* Open one file of either kind; @want is a legacy edition the file must be, 0 for any. */
static int open_one(struct mw_geo *g, const char *path, int want, char *err, size_t errlen)
{
	char e[128];
	int fd, edition = 0, rc;
	enum kind k;

	fd = mw_file_open(path, MW_FILE_GEO_MAX, e, sizeof(e));
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, e);
		return fd;
	}
	k = sniff(fd, &edition);
	if (k == KIND_MMDB && !want) {
		rc = mmdb_open_fd(g, path, fd, err, errlen);
	} else if (k == KIND_LEGACY && (edition == LEGACY_COUNTRY || edition == LEGACY_COUNTRY_V6) &&
		   (!want || edition == want)) {
		rc = legacy_open_fd(g, path, fd, edition, err, errlen);
	} else if (k == KIND_LEGACY && !want) {
		snprintf(err, errlen, "%s: a legacy GeoIP database of edition %d, not a country one",
			 path, edition);
		rc = -EINVAL;
	} else if (want) {
		snprintf(err, errlen, "%s: not a legacy GeoIP %s country database", path,
			 want == LEGACY_COUNTRY ? "IPv4" : "IPv6");
		rc = -EINVAL;
	} else {
		snprintf(err, errlen, "%s: neither a MaxMind DB nor a legacy GeoIP country database",
			 path);
		rc = -EINVAL;
	}
	close(fd);
	return rc;
}

int mw_geo_open(const char *path, struct mw_geo **geo, char *err, size_t errlen)
{
	struct mw_geo *g = calloc(1, sizeof(*g));
	int rc;

	*geo = NULL;
	if (!g) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (path) {
		rc = open_one(g, path, 0, err, errlen);
	} else {
		g->info.backend = MW_GEO_LEGACY;
		rc = open_one(g, MW_GEO_DEBIAN_V4, LEGACY_COUNTRY, err, errlen);
		if (rc == -ENOENT) {
			size_t n = strlen(err);

			snprintf(err + n, errlen - n, " (install Debian's geoip-database)");
		} else if (!rc) {
			char e6[512];

			/* the IPv6 file is optional: without it, IPv4 only */
			rc = open_one(g, MW_GEO_DEBIAN_V6, LEGACY_COUNTRY_V6, e6, sizeof(e6));
			if (rc == -ENOENT)
				rc = 0;
			else if (rc)
				snprintf(err, errlen, "%s", e6);
		}
	}
	if (!rc && !g->mmdb_open) {
		g->info.backend = MW_GEO_LEGACY;
		g->info.backend_name = "geoip";
		g->info.path = g->gi4 ? g->path : g->path6;
		g->info.path6 = g->gi4 && g->gi6 ? g->path6 : NULL;
	}
	if (rc) {
		mw_geo_close(g);
		return rc;
	}
	*geo = g;
	return 0;
}

void mw_geo_close(struct mw_geo *g)
{
	if (!g)
		return;
	if (g->mmdb_open)
		MMDB_close(&g->mmdb);
	if (g->gi4)
		GeoIP_delete(g->gi4);
	if (g->gi6)
		GeoIP_delete(g->gi6);
	free(g);
}

const struct mw_geo_info *mw_geo_info(const struct mw_geo *g)
{
	return &g->info;
}

static int cc_set(const char *s, size_t n, char cc[3], bool digits)
{
	int i;

	if (n != 2)
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(isascii(c) && (isalpha(c) || (digits && isdigit(c)))))
			return -EINVAL;
		cc[i] = (char)toupper(c);
	}
	cc[2] = 0;
	return 0;
}

int mw_geo_cc_parse(const char *s, char cc[3])
{
	return s ? cc_set(s, strlen(s), cc, false) : -EINVAL;
}

static int mmdb_path_cc(MMDB_entry_s *entry, const char *map, char cc[3])
{
	MMDB_entry_data_s d;
	int rc = MMDB_get_value(entry, &d, map, "iso_code", NULL);

	if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR || (rc == MMDB_SUCCESS && !d.has_data))
		return -ENOENT;
	if (rc != MMDB_SUCCESS)
		return -EINVAL;
	if (d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return -ENOENT;
	return cc_set(d.utf8_string, d.data_size, cc, true) ? -ENOENT : 0;
}

int mw_geo_mmdb_cc(MMDB_entry_s *entry, char cc[3])
{
	int rc = mmdb_path_cc(entry, "country", cc);

	return rc == -ENOENT ? mmdb_path_cc(entry, "registered_country", cc) : rc;
}

int mw_geo_legacy_cc(int id, char cc[3])
{
	const char *code = GeoIP_code_by_id(id);

	if (!code || !strcmp(code, "--"))
		return -ENOENT;
	return cc_set(code, strlen(code), cc, true) ? -ENOENT : 0;
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int mw_geo_country(const struct mw_geo *g, int family, const void *addr, char cc[3])
{
	uint8_t a4[4];

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (family == AF_INET6 && !memcmp(addr, v4mapped, sizeof(v4mapped))) {
		memcpy(a4, (const uint8_t *)addr + 12, 4);
		addr = a4;
		family = AF_INET;
	}
	if (g->mmdb_open) {
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
		struct sockaddr_in s4 = { .sin_family = AF_INET };
		MMDB_lookup_result_s res;
		int mmdb_error = MMDB_SUCCESS;

		if (family == AF_INET)
			memcpy(&s4.sin_addr, addr, 4);
		else
			memcpy(&s6.sin6_addr, addr, 16);
		res = MMDB_lookup_sockaddr(&g->mmdb, family == AF_INET ? (struct sockaddr *)&s4 :
					   (struct sockaddr *)&s6, &mmdb_error);
		if (mmdb_error == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
			return -ENOENT;
		if (mmdb_error != MMDB_SUCCESS)
			return -EINVAL;
		if (!res.found_entry)
			return -ENOENT;
		return mw_geo_mmdb_cc(&res.entry, cc);
	}
	if (family == AF_INET) {
		GeoIPLookup gl = { .netmask = -1 };
		uint32_t ip;

		if (!g->gi4)
			return -ENOENT;
		memcpy(&ip, addr, 4);
		return mw_geo_legacy_cc(GeoIP_id_by_ipnum_gl(g->gi4, ntohl(ip), &gl), cc);
	} else {
		GeoIPLookup gl = { .netmask = -1 };
		geoipv6_t a6;

		if (!g->gi6)
			return -ENOENT;
		memcpy(&a6, addr, 16);
		return mw_geo_legacy_cc(GeoIP_id_by_ipnum_v6_gl(g->gi6, a6, &gl), cc);
	}
}
