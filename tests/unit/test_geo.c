// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Country databases (user/lib/geo.c, geo_prefixes.c).
 *
 * MaxMind DB: the expected answers come from the databases the build
 * writes (tests/unit/data/geo/mkmmdb.pl, documentation and benchmark
 * ranges only): lookups, the fallback to the registered country, the IPv4
 * aliases in IPv6, and the exact prefixes of each country.
 *
 * Legacy GeoIP: tiny files written here, in the legacy format, give exact
 * answers too; then Debian's geoip-database with addresses whose country
 * has not changed in decades: 6.0.0.0/8 and 214.0.0.0/8 (US Department of
 * Defense since the 1980s/1990s), 53.0.0.0/8 (Daimler, DE, since 1992),
 * 133.0.0.0/8 (Japanese academic network, JP, since 1985), 193.0.0.0/21
 * (RIPE NCC's own block in Amsterdam, NL), 2001:200::/32 (the WIDE
 * project, JP, since 1999) and 2003::/19 (Deutsche Telekom, DE). For it
 * the enumeration is checked as an invariant: each prefix's first and last
 * address look up to the country, prefixes ascend without overlap, and
 * random addresses that look up to the country lie in one of them.
 *
 * Then errors: missing files, what is not a regular file, a file past the
 * cap, files that are not country databases, corrupt ones, bad codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <GeoIP.h>
#include <maxminddb.h>
#include "geo.h"

#ifndef GEO_DATA
#define GEO_DATA "build/tests/geo"
#endif
#define DB6 GEO_DATA "/geo6.mmdb"
#define DB4 GEO_DATA "/geo4.mmdb"

static char dir[] = "/tmp/mw-test-geo-XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	alarm(60);	/* a blocking open fails the run instead of hanging it */
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static const char *in_dir(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static struct mw_geo *open_ok(const char *path)
{
	struct mw_geo *g = NULL;
	char err[512] = "";
	int rc = mw_geo_open(path, &g, err, sizeof(err));

	if (rc)
		fail_msg("mw_geo_open(%s): %d %s", path ? path : "NULL", rc, err);
	assert_non_null(g);
	return g;
}

static void open_fails(const char *path, int want_rc, const char *want_err)
{
	struct mw_geo *g = (struct mw_geo *)1;
	char err[512] = "";

	assert_int_equal(mw_geo_open(path, &g, err, sizeof(err)), want_rc);
	assert_null(g);
	assert_string_equal(err, want_err);
}

/* The country of @text ("198.18.0.1", "2001:db8::1") as "DE", or "-" with -ENOENT. */
static const char *cc_of(const struct mw_geo *g, const char *text)
{
	static char out[8][4];
	static int k;
	uint8_t a[16];
	int fam = strchr(text, ':') ? AF_INET6 : AF_INET, rc;
	char *cc;

	k = (k + 1) % 8;
	cc = out[k];
	assert_int_equal(inet_pton(fam, text, a), 1);
	rc = mw_geo_country(g, fam, a, cc);
	if (rc == -ENOENT)
		return "-";
	if (rc)
		return "error";
	return cc;
}

/* Enumerations as one string: "198.18.0.0/22 198.18.4.0/24 ..." */
struct list {
	char s[4096];
	int n;
	int stop_after;
};

static int list_add(const struct mw_prefix *p, void *ctx)
{
	struct list *l = ctx;
	char buf[64];
	size_t len = strlen(l->s);

	mw_format_prefix(p, buf, sizeof(buf));
	if (!strchr(buf, '/'))
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%d", p->len);
	snprintf(l->s + len, sizeof(l->s) - len, "%s%s", len ? " " : "", buf);
	l->n++;
	return l->stop_after && l->n == l->stop_after ? 7 : 0;
}

static const char *prefixes(const struct mw_geo *g, const char *cc, int family)
{
	static struct list l;
	int rc;

	memset(&l, 0, sizeof(l));
	rc = mw_geo_country_prefixes(g, cc, family, list_add, &l);
	assert_int_equal(rc, l.n);
	return l.s;
}

#define DE_V4 "198.18.0.0/22 198.18.4.0/24 198.18.6.0/23 198.18.8.0/21 198.18.16.0/20 " \
	      "198.18.32.0/19 198.18.64.0/18 198.18.128.0/17"

/* 2001:db8::/32 less 2001:db8:1::/48, 2001:db8:2::/48 and 2001:db8:ffff::/48 */
#define FR_V6 "2001:db8::/48 2001:db8:3::/48 2001:db8:4::/46 2001:db8:8::/45 " \
	      "2001:db8:10::/44 2001:db8:20::/43 2001:db8:40::/42 2001:db8:80::/41 " \
	      "2001:db8:100::/40 2001:db8:200::/39 2001:db8:400::/38 2001:db8:800::/37 " \
	      "2001:db8:1000::/36 2001:db8:2000::/35 2001:db8:4000::/34 2001:db8:8000::/34 " \
	      "2001:db8:c000::/35 2001:db8:e000::/36 2001:db8:f000::/37 2001:db8:f800::/38 " \
	      "2001:db8:fc00::/39 2001:db8:fe00::/40 2001:db8:ff00::/41 2001:db8:ff80::/42 " \
	      "2001:db8:ffc0::/43 2001:db8:ffe0::/44 2001:db8:fff0::/45 2001:db8:fff8::/46 " \
	      "2001:db8:fffc::/47 2001:db8:fffe::/48"

/* ---- MaxMind DB ---- */

static void test_mmdb_info(void **state)
{
	struct mw_geo *g = open_ok(DB6);
	const struct mw_geo_info *in = mw_geo_info(g);

	(void)state;
	assert_int_equal(in->backend, MW_GEO_MAXMINDDB);
	assert_string_equal(in->backend_name, "maxminddb");
	assert_string_equal(in->path, DB6);
	assert_null(in->path6);
	assert_string_equal(in->type, "modwall-Test-Country");
	assert_string_equal(in->description, "modwall test countries");	/* English first */
	assert_int_equal(in->build_time, 1704164645);
	assert_string_equal(in->build_date, "2024-01-02");
	assert_int_equal(in->families, MW_GEO_V4 | MW_GEO_V6);
	mw_geo_close(g);

	g = open_ok(DB4);
	assert_int_equal(mw_geo_info(g)->families, MW_GEO_V4);
	mw_geo_close(g);
}

static void test_mmdb_lookup(void **state)
{
	struct mw_geo *g = open_ok(DB6);
	uint8_t a[16] = { 0 };
	char cc[3];

	(void)state;
	assert_string_equal(cc_of(g, "198.18.0.0"), "DE");
	assert_string_equal(cc_of(g, "198.18.4.255"), "DE");
	assert_string_equal(cc_of(g, "198.18.5.0"), "AT");	/* nested */
	assert_string_equal(cc_of(g, "198.18.5.255"), "AT");
	assert_string_equal(cc_of(g, "198.18.6.0"), "DE");
	assert_string_equal(cc_of(g, "198.18.255.255"), "DE");
	assert_string_equal(cc_of(g, "198.17.255.255"), "-");
	assert_string_equal(cc_of(g, "198.19.127.255"), "JP");
	assert_string_equal(cc_of(g, "198.19.128.0"), "-");
	assert_string_equal(cc_of(g, "203.0.113.127"), "JP");
	assert_string_equal(cc_of(g, "203.0.113.128"), "US");	/* registered country only */
	assert_string_equal(cc_of(g, "192.0.2.1"), "-");	/* a continent only */
	assert_string_equal(cc_of(g, "100.64.0.1"), "EU");
	assert_string_equal(cc_of(g, "100.128.0.1"), "-");	/* "DEU" */
	assert_string_equal(cc_of(g, "100.129.0.1"), "-");	/* "7" */
	assert_string_equal(cc_of(g, "198.51.100.1"), "JP");
	assert_string_equal(cc_of(g, "2001:db8::1"), "FR");
	assert_string_equal(cc_of(g, "2001:db8:1::1"), "DE");
	assert_string_equal(cc_of(g, "2001:db8:2::1"), "DE");	/* "de" in the file */
	assert_string_equal(cc_of(g, "2001:db8:ffff::1"), "-");	/* "X" */
	assert_string_equal(cc_of(g, "2001:db8:fffe:ffff::1"), "FR");
	assert_string_equal(cc_of(g, "2001:db9::1"), "-");
	assert_string_equal(cc_of(g, "3fff:fff::1"), "AT");
	/* IPv4 through IPv6: mapped (looked up as IPv4), 6to4 and Teredo (aliases in the tree) */
	assert_string_equal(cc_of(g, "::ffff:198.18.0.1"), "DE");
	assert_string_equal(cc_of(g, "2002:c612:501::1"), "AT");
	assert_string_equal(cc_of(g, "2001:0:c612:1::1"), "DE");
	assert_int_equal(mw_geo_country(g, AF_PACKET, a, cc), -EAFNOSUPPORT);
	mw_geo_close(g);

	g = open_ok(DB4);
	assert_string_equal(cc_of(g, "198.18.5.1"), "AT");
	assert_string_equal(cc_of(g, "203.0.113.128"), "US");
	assert_string_equal(cc_of(g, "::ffff:198.18.0.1"), "DE");
	assert_string_equal(cc_of(g, "2001:db8::1"), "-");	/* no IPv6 in an IPv4 tree */
	mw_geo_close(g);
}

static void test_mmdb_prefixes(void **state)
{
	struct mw_geo *g = open_ok(DB6);
	struct list l = { .stop_after = 2 };

	(void)state;
	assert_string_equal(prefixes(g, "DE", AF_INET), DE_V4);
	/* IPv4 once, as IPv4: nothing under ::/96, ::ffff:0:0/96, 2001::/32 or 2002::/16 */
	assert_string_equal(prefixes(g, "de", AF_INET6), "2001:db8:1::/48 2001:db8:2::/48");
	assert_string_equal(prefixes(g, "AT", AF_INET), "198.18.5.0/24");
	assert_string_equal(prefixes(g, "AT", AF_INET6), "3fff::/20");
	/* the two halves of 198.51.100.0/24 are merged */
	assert_string_equal(prefixes(g, "JP", AF_INET),
			    "198.19.0.0/17 198.51.100.0/24 203.0.113.0/25");
	assert_string_equal(prefixes(g, "JP", AF_INET6), "");
	assert_string_equal(prefixes(g, "US", AF_INET), "203.0.113.128/25");
	assert_string_equal(prefixes(g, "EU", AF_INET), "100.64.0.0/10");
	assert_string_equal(prefixes(g, "FR", AF_INET), "");
	assert_string_equal(prefixes(g, "FR", AF_INET6), FR_V6);
	assert_string_equal(prefixes(g, "CN", AF_INET), "");

	/* the callback stops the walk, and what it returned comes back */
	assert_int_equal(mw_geo_country_prefixes(g, "DE", AF_INET, list_add, &l), 7);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.s, "198.18.0.0/22 198.18.4.0/24");

	assert_int_equal(mw_geo_country_prefixes(g, "D1", AF_INET, list_add, &l), -EINVAL);
	assert_int_equal(mw_geo_country_prefixes(g, "DE", AF_PACKET, list_add, &l), -EAFNOSUPPORT);
	mw_geo_close(g);

	g = open_ok(DB4);
	assert_string_equal(prefixes(g, "DE", AF_INET), DE_V4);
	assert_string_equal(prefixes(g, "JP", AF_INET),
			    "198.19.0.0/17 198.51.100.0/24 203.0.113.0/25");
	assert_string_equal(prefixes(g, "FR", AF_INET6), "");
	mw_geo_close(g);
}

/* ---- tiny legacy files, written here ---- */

#define COUNTRY_BEGIN 16776960u

struct trie {
	uint32_t (*node)[2];
	size_t n, cap;
};

static uint32_t trie_new(struct trie *t, uint32_t left, uint32_t right)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->node = realloc(t->node, t->cap * sizeof(*t->node));
		assert_non_null(t->node);
	}
	t->node[t->n][0] = left;
	t->node[t->n][1] = right;
	return (uint32_t)t->n++;
}

/* Give @bits bits of @addr (a @width-bit tree) country @cc; later insertions win. */
static void trie_insert(struct trie *t, const char *text, int bits, const char *cc)
{
	uint8_t a[16];
	int fam = strchr(text, ':') ? AF_INET6 : AF_INET, d;
	uint32_t cur = 0, leaf = COUNTRY_BEGIN + (uint32_t)GeoIP_id_by_code(cc);

	assert_int_equal(inet_pton(fam, text, a), 1);
	if (!t->n)
		trie_new(t, COUNTRY_BEGIN, COUNTRY_BEGIN);
	for (d = 0; d < bits; d++) {
		int bit = a[d / 8] >> (7 - d % 8) & 1;
		uint32_t next = t->node[cur][bit];

		if (d == bits - 1) {
			t->node[cur][bit] = leaf;
			break;
		}
		if (next >= COUNTRY_BEGIN) {
			next = trie_new(t, next, next);
			t->node[cur][bit] = next;
		}
		cur = next;
	}
}

/* The file: nodes, then "\0\0\0", the database info, 0xff 0xff 0xff and the edition. */
static void trie_write(struct trie *t, const char *path, int edition, const char *info)
{
	size_t len = t->n * 6 + 3 + strlen(info) + 4, i, o = 0;
	uint8_t *buf = calloc(1, len);

	assert_non_null(buf);
	for (i = 0; i < t->n; i++) {
		int s, b;

		for (s = 0; s < 2; s++)
			for (b = 0; b < 3; b++)
				buf[o++] = (uint8_t)(t->node[i][s] >> (8 * b));
	}
	o += 3;
	memcpy(buf + o, info, strlen(info));
	o += strlen(info);
	buf[o++] = 0xff;
	buf[o++] = 0xff;
	buf[o++] = 0xff;
	buf[o++] = (uint8_t)edition;
	write_file(path, buf, len);
	free(buf);
	free(t->node);
	memset(t, 0, sizeof(*t));
}

static void write_legacy(void)
{
	struct trie t = { 0 };

	trie_insert(&t, "198.18.0.0", 16, "DE");
	trie_insert(&t, "198.18.5.0", 24, "AT");
	trie_insert(&t, "0.0.0.1", 32, "JP");
	trie_insert(&t, "255.255.255.255", 32, "FR");
	trie_insert(&t, "10.0.0.0", 8, "EU");
	trie_insert(&t, "100.64.0.0", 10, "A1");
	trie_write(&t, in_dir("v4.dat"), 1, "TEST 20240102 Build 1");

	trie_insert(&t, "2001:db8::", 32, "FR");
	trie_insert(&t, "2001:db8:1::", 48, "DE");
	/* IPv4 copies: compatible, mapped, 6to4; none is reported as IPv6 */
	trie_insert(&t, "::198.18.0.0", 112, "DE");
	trie_insert(&t, "::ffff:198.18.0.0", 112, "DE");
	trie_insert(&t, "2002:c612::", 32, "DE");
	trie_write(&t, in_dir("v6.dat"), 12, "TEST6 20240103 Build 1");
}

static void test_legacy_tiny(void **state)
{
	struct mw_geo *g;
	const struct mw_geo_info *in;

	(void)state;
	write_legacy();
	g = open_ok(in_dir("v4.dat"));
	in = mw_geo_info(g);
	assert_int_equal(in->backend, MW_GEO_LEGACY);
	assert_string_equal(in->backend_name, "geoip");
	assert_string_equal(in->path, in_dir("v4.dat"));
	assert_null(in->path6);
	assert_string_equal(in->type, "GeoIP Country Edition");
	assert_string_equal(in->description, "TEST 20240102 Build 1");
	assert_string_equal(in->build_date, "2024-01-02");
	assert_int_equal(in->build_time, 1704153600);
	assert_int_equal(in->families, MW_GEO_V4);

	assert_string_equal(cc_of(g, "198.18.5.7"), "AT");
	assert_string_equal(cc_of(g, "198.18.6.0"), "DE");
	assert_string_equal(cc_of(g, "0.0.0.1"), "JP");
	assert_string_equal(cc_of(g, "0.0.0.0"), "-");
	assert_string_equal(cc_of(g, "255.255.255.255"), "FR");
	assert_string_equal(cc_of(g, "10.1.2.3"), "EU");
	assert_string_equal(cc_of(g, "100.64.0.1"), "A1");	/* reported, not nameable */
	assert_string_equal(cc_of(g, "8.8.8.8"), "-");
	assert_string_equal(cc_of(g, "2001:db8::1"), "-");	/* no IPv6 file */
	assert_string_equal(prefixes(g, "DE", AF_INET), DE_V4);
	assert_string_equal(prefixes(g, "AT", AF_INET), "198.18.5.0/24");
	assert_string_equal(prefixes(g, "JP", AF_INET), "0.0.0.1/32");
	assert_string_equal(prefixes(g, "FR", AF_INET), "255.255.255.255/32");
	assert_string_equal(prefixes(g, "EU", AF_INET), "10.0.0.0/8");
	assert_string_equal(prefixes(g, "DE", AF_INET6), "");
	mw_geo_close(g);

	g = open_ok(in_dir("v6.dat"));
	in = mw_geo_info(g);
	assert_string_equal(in->path, in_dir("v6.dat"));
	assert_string_equal(in->type, "GeoIP Country V6 Edition");
	assert_string_equal(in->build_date, "2024-01-03");
	assert_int_equal(in->families, MW_GEO_V6);
	assert_string_equal(cc_of(g, "2001:db8:1::1"), "DE");
	assert_string_equal(cc_of(g, "2001:db8:2::1"), "FR");
	assert_string_equal(cc_of(g, "2002:c612:5::1"), "DE");	/* as the file says */
	assert_string_equal(cc_of(g, "198.18.0.1"), "-");	/* no IPv4 file */
	assert_string_equal(prefixes(g, "DE", AF_INET6), "2001:db8:1::/48");
	assert_string_equal(prefixes(g, "FR", AF_INET6),
			    "2001:db8::/48 2001:db8:2::/47 2001:db8:4::/46 2001:db8:8::/45 "
			    "2001:db8:10::/44 2001:db8:20::/43 2001:db8:40::/42 2001:db8:80::/41 "
			    "2001:db8:100::/40 2001:db8:200::/39 2001:db8:400::/38 "
			    "2001:db8:800::/37 2001:db8:1000::/36 2001:db8:2000::/35 "
			    "2001:db8:4000::/34 2001:db8:8000::/33");
	assert_string_equal(prefixes(g, "DE", AF_INET), "");
	mw_geo_close(g);
}

static void test_legacy_corrupt(void **state)
{
	struct trie t = { 0 };
	char err[512];
	struct mw_geo *g;

	(void)state;
	/* a node pointer past the end of the file */
	trie_insert(&t, "198.18.0.0", 16, "DE");
	t.node[3][1] = 4000;
	trie_write(&t, in_dir("oob.dat"), 1, "TEST 20240102");
	snprintf(err, sizeof(err), "%s: the search tree is corrupt", in_dir("oob.dat"));
	open_fails(in_dir("oob.dat"), -EINVAL, err);

	/* a cycle: lookups through it find nothing, the walk stops with an error */
	trie_insert(&t, "198.18.0.0", 16, "DE");
	t.node[2][1] = 1;
	trie_write(&t, in_dir("cycle.dat"), 1, "TEST 20240102");
	g = open_ok(in_dir("cycle.dat"));
	assert_string_equal(cc_of(g, "198.18.0.1"), "DE");
	assert_string_equal(cc_of(g, "255.0.0.1"), "-");
	assert_int_equal(mw_geo_country_prefixes(g, "DE", AF_INET, list_add,
						 &(struct list){ 0 }), -EINVAL);
	mw_geo_close(g);

	/* another edition (2: city) */
	trie_insert(&t, "198.18.0.0", 16, "DE");
	trie_write(&t, in_dir("city.dat"), 2, "TEST 20240102");
	snprintf(err, sizeof(err), "%s: a legacy GeoIP database of edition 2, not a country one",
		 in_dir("city.dat"));
	open_fails(in_dir("city.dat"), -EINVAL, err);
}

/* ---- Debian's geoip-database ---- */

struct collect {
	struct mw_prefix *p;
	size_t n, cap;
};

static int collect_add(const struct mw_prefix *p, void *ctx)
{
	struct collect *c = ctx;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4096;
		c->p = realloc(c->p, c->cap * sizeof(*c->p));
		if (!c->p)
			return -ENOMEM;
	}
	c->p[c->n++] = *p;
	return 0;
}

typedef unsigned __int128 u128;

static u128 num(const uint8_t *b, int n)
{
	u128 v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | b[i];
	return v;
}

static void bytes(u128 v, uint8_t *b, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

static u128 last_of(const struct mw_prefix *p, int width)
{
	int host = width - p->len;

	return num(p->addr, width / 8) | (host >= 128 ? ~(u128)0 : ((u128)1 << host) - 1);
}

/* Is @v inside one of the (ascending) prefixes? */
static bool covered(const struct collect *c, int width, u128 v)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (last_of(&c->p[mid], width) < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->n && num(c->p[lo].addr, width / 8) <= v;
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void check_invariant(const struct mw_geo *g, const char *cc, int family, size_t min)
{
	int width = family == AF_INET ? 32 : 128, n, hits = 0, i;
	struct collect c = { 0 };
	size_t k;

	n = mw_geo_country_prefixes(g, cc, family, collect_add, &c);
	assert_true(n >= 0);
	assert_int_equal((size_t)n, c.n);
	if (c.n < min)
		fail_msg("%s: %zu prefixes, expected at least %zu", cc, c.n, min);
	for (k = 0; k < c.n; k++) {
		const struct mw_prefix *p = &c.p[k];
		uint8_t a[16] = { 0 };
		char got[3];

		assert_int_equal(p->family, family);
		/* host bits zero, ascending, no overlap */
		assert_true(p->len >= 0 && p->len <= width);
		assert_true((num(p->addr, width / 8) & ~(last_of(p, width) ^ ~(u128)0)) ==
			    num(p->addr, width / 8));
		if (k)
			assert_true(num(p->addr, width / 8) > last_of(&c.p[k - 1], width));
		/* first and last address are of the country */
		assert_int_equal(mw_geo_country(g, family, p->addr, got), 0);
		assert_string_equal(got, cc);
		bytes(last_of(p, width), a, width / 8);
		assert_int_equal(mw_geo_country(g, family, a, got), 0);
		assert_string_equal(got, cc);
		if (family == AF_INET6) {
			/* never the IPv4 copies */
			assert_false(num(p->addr, 16) >> 32 == 0);
			assert_false(num(p->addr, 16) >> 32 == 0xffff);
			assert_false(p->addr[0] == 0x20 && p->addr[1] == 0x02);
			assert_false(num(p->addr, 16) >> 96 == 0x20010000);
		}
	}
	/* the other way: random addresses of the country are covered */
	for (i = 0; i < 200000; i++) {
		uint8_t a[16];
		char got[3];
		u128 v;

		if (family == AF_INET) {
			v = (uint32_t)rnd();
		} else {
			/* 2000::/3 and a /32 at a time, so that allocated space is hit */
			v = (u128)rnd() << 64 | rnd();
			v = (v & ~((u128)0xe000u << 112)) | (u128)0x2000u << 112;
		}
		bytes(v, a, width / 8);
		if (mw_geo_country(g, family, a, got) || strcmp(got, cc))
			continue;
		if (family == AF_INET6 && a[0] == 0x20 && (a[1] == 0x02 ||
		    (a[1] == 0x01 && !a[2] && !a[3])))
			continue;	/* 6to4, Teredo: IPv4, never IPv6 prefixes */
		hits++;
		if (!covered(&c, width, v))
			fail_msg("an address of %s is in no prefix of it", cc);
	}
	if (family == AF_INET)
		assert_true(hits > 0);
	free(c.p);
}

static bool have_debian(void)
{
	return access(MW_GEO_DEBIAN_V4, R_OK) == 0 && access(MW_GEO_DEBIAN_V6, R_OK) == 0;
}

static void test_debian_lookup(void **state)
{
	struct mw_geo *g;
	const struct mw_geo_info *in;

	(void)state;
	if (!have_debian())
		skip();
	g = open_ok(NULL);
	in = mw_geo_info(g);
	assert_int_equal(in->backend, MW_GEO_LEGACY);
	assert_string_equal(in->backend_name, "geoip");
	assert_string_equal(in->path, MW_GEO_DEBIAN_V4);
	assert_string_equal(in->path6, MW_GEO_DEBIAN_V6);
	assert_string_equal(in->type, "GeoIP Country Edition");
	assert_int_equal(in->families, MW_GEO_V4 | MW_GEO_V6);
	assert_int_equal(strlen(in->build_date), 10);
	assert_true(in->build_time > 1000000000);
	assert_int_equal(strncmp(in->description, "GEO-106", 7), 0);

	assert_string_equal(cc_of(g, "6.1.2.3"), "US");
	assert_string_equal(cc_of(g, "214.1.2.3"), "US");
	assert_string_equal(cc_of(g, "53.1.2.3"), "DE");
	assert_string_equal(cc_of(g, "133.1.2.3"), "JP");
	assert_string_equal(cc_of(g, "193.0.0.1"), "NL");
	assert_string_equal(cc_of(g, "::ffff:53.1.2.3"), "DE");
	assert_string_equal(cc_of(g, "10.1.2.3"), "-");
	assert_string_equal(cc_of(g, "198.18.0.1"), "-");
	assert_string_equal(cc_of(g, "2001:200::1"), "JP");
	assert_string_equal(cc_of(g, "2003::1"), "DE");
	assert_string_equal(cc_of(g, "2001:db8::1"), "-");
	assert_string_equal(cc_of(g, "fd00::1"), "-");
	mw_geo_close(g);
}

static void test_debian_prefixes(void **state)
{
	struct mw_geo *g;

	(void)state;
	if (!have_debian())
		skip();
	g = open_ok(NULL);
	check_invariant(g, "DE", AF_INET, 1000);
	check_invariant(g, "DE", AF_INET6, 100);
	check_invariant(g, "JP", AF_INET, 1000);
	check_invariant(g, "NL", AF_INET6, 100);
	mw_geo_close(g);
}

/* ---- errors ---- */

static void test_open_errors(void **state)
{
	char err[512], *big;
	int fd;

	(void)state;
	snprintf(err, sizeof(err), "%s: No such file or directory", in_dir("none.mmdb"));
	open_fails(in_dir("none.mmdb"), -ENOENT, err);

	snprintf(err, sizeof(err), "%s: a directory, not a regular file", dir);
	open_fails(dir, -EISDIR, err);

	assert_int_equal(mkfifo(in_dir("fifo"), 0600), 0);
	snprintf(err, sizeof(err), "%s: a FIFO, not a regular file", in_dir("fifo"));
	open_fails(in_dir("fifo"), -EINVAL, err);

	/* past the cap (sparse: nothing is written) */
	fd = open(in_dir("big.mmdb"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)MW_FILE_GEO_MAX + 1), 0);
	close(fd);
	snprintf(err, sizeof(err), "%s: larger than 512 MiB", in_dir("big.mmdb"));
	open_fails(in_dir("big.mmdb"), -EFBIG, err);

	write_file(in_dir("text"), "DE 198.18.0.0/16\n", 17);
	snprintf(err, sizeof(err),
		 "%s: neither a MaxMind DB nor a legacy GeoIP country database", in_dir("text"));
	open_fails(in_dir("text"), -EINVAL, err);
	write_file(in_dir("empty"), "", 0);
	snprintf(err, sizeof(err),
		 "%s: neither a MaxMind DB nor a legacy GeoIP country database", in_dir("empty"));
	open_fails(in_dir("empty"), -EINVAL, err);

	/* a MaxMind DB marker with no metadata after it */
	big = calloc(1, 4096);
	assert_non_null(big);
	memcpy(big + 4096 - 14, "\xab\xcd\xefMaxMind.com", 14);
	write_file(in_dir("meta.mmdb"), big, 4096);
	free(big);
	{
		/* refused as such; libmaxminddb's own words for why vary with what follows */
		struct mw_geo *g = (struct mw_geo *)1;
		char got[512] = "";

		snprintf(err, sizeof(err), "%s: not a valid MaxMind DB (libmaxminddb: ",
			 in_dir("meta.mmdb"));
		assert_int_equal(mw_geo_open(in_dir("meta.mmdb"), &g, got, sizeof(got)), -EINVAL);
		assert_null(g);
		assert_memory_equal(got, err, strlen(err));
	}
}

static void test_mmdb_corrupt(void **state)
{
	char err[512];
	uint8_t *buf;
	size_t len;
	FILE *f;

	(void)state;
	/* the test database with its search tree overwritten: records point nowhere */
	f = fopen(DB6, "r");
	assert_non_null(f);
	buf = malloc(65536);
	assert_non_null(buf);
	len = fread(buf, 1, 65536, f);
	fclose(f);
	assert_true(len > 1000);
	memset(buf, 0xff, 600);
	write_file(in_dir("corrupt.mmdb"), buf, len);
	free(buf);

	snprintf(err, sizeof(err), "%s: the search tree is corrupt", in_dir("corrupt.mmdb"));
	open_fails(in_dir("corrupt.mmdb"), -EINVAL, err);
}

/* The tree intact, its data records garbage: lookups and walks say so, nothing reads astray. */
static void test_mmdb_bad_data(void **state)
{
	size_t len, tree;
	struct mw_geo *g;
	uint8_t *buf;
	MMDB_s m;
	FILE *f;

	(void)state;
	assert_int_equal(MMDB_open(DB6, MMDB_MODE_MMAP, &m), MMDB_SUCCESS);
	tree = (size_t)m.metadata.node_count * m.metadata.record_size / 4;
	MMDB_close(&m);
	f = fopen(DB6, "r");
	assert_non_null(f);
	buf = malloc(65536);
	assert_non_null(buf);
	len = fread(buf, 1, 65536, f);
	fclose(f);
	assert_true(len > tree + 16 + 100);
	assert_memory_equal(buf + tree, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	memset(buf + tree + 16, 0xff, 100);
	write_file(in_dir("data.mmdb"), buf, len);
	free(buf);

	g = open_ok(in_dir("data.mmdb"));
	assert_string_equal(cc_of(g, "198.18.0.1"), "error");
	assert_string_equal(cc_of(g, "2001:db8::1"), "error");
	assert_int_equal(mw_geo_country_prefixes(g, "DE", AF_INET, list_add,
						 &(struct list){ 0 }), -EINVAL);
	assert_int_equal(mw_geo_country_prefixes(g, "FR", AF_INET6, list_add,
						 &(struct list){ 0 }), -EINVAL);
	mw_geo_close(g);
}

static void test_cc_parse(void **state)
{
	char cc[3];

	(void)state;
	assert_int_equal(mw_geo_cc_parse("de", cc), 0);
	assert_string_equal(cc, "DE");
	assert_int_equal(mw_geo_cc_parse("Ap", cc), 0);
	assert_string_equal(cc, "AP");
	assert_int_equal(mw_geo_cc_parse("EU", cc), 0);
	assert_string_equal(cc, "EU");
	assert_int_equal(mw_geo_cc_parse("", cc), -EINVAL);
	assert_int_equal(mw_geo_cc_parse("D", cc), -EINVAL);
	assert_int_equal(mw_geo_cc_parse("DEU", cc), -EINVAL);
	assert_int_equal(mw_geo_cc_parse("A1", cc), -EINVAL);
	assert_int_equal(mw_geo_cc_parse("1D", cc), -EINVAL);
	assert_int_equal(mw_geo_cc_parse("D ", cc), -EINVAL);
	assert_int_equal(mw_geo_cc_parse("\xc3\x89", cc), -EINVAL);	/* one non-ASCII letter */
	assert_int_equal(mw_geo_cc_parse(NULL, cc), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmdb_info),
		cmocka_unit_test(test_mmdb_lookup),
		cmocka_unit_test(test_mmdb_prefixes),
		cmocka_unit_test(test_legacy_tiny),
		cmocka_unit_test(test_legacy_corrupt),
		cmocka_unit_test(test_debian_lookup),
		cmocka_unit_test(test_debian_prefixes),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_mmdb_corrupt),
		cmocka_unit_test(test_mmdb_bad_data),
		cmocka_unit_test(test_cc_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
