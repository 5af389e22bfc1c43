// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * IEEE registry reader: the fixture registries under tests/unit/data/ieee
 * (run from the repository root), and the real ones from Debian's ieee-data
 * when they are installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "ieee.h"

#define DATA		"tests/unit/data/ieee"
#define REAL		"/usr/share/ieee-data"
#define MAC(a, b, c, d, e, f) \
	((uint64_t)(a) << 40 | (uint64_t)(b) << 32 | (uint64_t)(c) << 24 | \
	 (uint64_t)(d) << 16 | (uint64_t)(e) << 8 | (uint64_t)(f))

static int setup_fixture(void **state)
{
	struct mw_ieee *db = calloc(1, sizeof(*db));
	char err[512] = "";

	if (!db)
		return -1;
	if (mw_ieee_load(db, DATA, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		free(db);
		return -1;
	}
	*state = db;
	return 0;
}

static int teardown_db(void **state)
{
	mw_ieee_free(*state);
	free(*state);
	return 0;
}

static void assert_entry(const struct mw_ieee_entry *e, const char *registry, uint64_t prefix,
			 int bits, const char *org)
{
	assert_non_null(e);
	assert_string_equal(e->registry, registry);
	assert_int_equal(e->prefix, prefix);
	assert_int_equal(e->bits, bits);
	assert_string_equal(e->org, org);
}

/* ---- loading ---- */

static void test_load_counts_and_order(void **state)
{
	const struct mw_ieee *db = *state;
	size_t i, ml = 0, mm = 0, ms = 0, iab = 0;

	assert_int_equal(db->n, 24);
	for (i = 0; i < db->n; i++) {
		const struct mw_ieee_entry *e = &db->v[i];

		if (!strcmp(e->registry, "MA-L"))
			ml++;
		else if (!strcmp(e->registry, "MA-M"))
			mm++;
		else if (!strcmp(e->registry, "MA-S"))
			ms++;
		else if (!strcmp(e->registry, "IAB"))
			iab++;
		else
			fail_msg("registry \"%s\"", e->registry);
		assert_int_equal(e->bits, !strcmp(e->registry, "MA-L") ? 24 :
					  !strcmp(e->registry, "MA-M") ? 28 : 36);
		assert_int_equal(e->prefix & ~(0xffffffffffffull << (48 - e->bits)), 0);
		if (i)
			assert_true(db->v[i - 1].prefix < e->prefix ||
				    (db->v[i - 1].prefix == e->prefix &&
				     db->v[i - 1].bits <= e->bits));
	}
	assert_int_equal(ml, 15);
	assert_int_equal(mm, 3);
	assert_int_equal(ms, 3);
	assert_int_equal(iab, 3);
	/* Lowest first: 00:1e:fc, then 00:21:7e. */
	assert_entry(&db->v[0], "MA-L", MAC(0x00, 0x1e, 0xfc, 0, 0, 0), 24, "JSC \"MASSA-K\"");
	assert_int_equal(db->v[0].line, 12);
	assert_entry(&db->v[db->n - 1], "MA-L", MAC(0xb0, 0xa2, 0xe7, 0, 0, 0), 24,
		     "Shenzhen Meigao Electronic Equipment Co.,Ltd");
	assert_int_equal(db->org_max, strlen("Shenzhen Meigao Electronic Equipment Co.,Ltd"));
}

static void test_load_quoted_fields(void **state)
{
	const struct mw_ieee *db = *state;
	const struct mw_ieee_entry *e;

	/* Comma inside quotes, CRLF record end. */
	e = mw_ieee_lookup(db, MAC(0x04, 0xb6, 0xbe, 0x01, 0x02, 0x03));
	assert_entry(e, "MA-L", MAC(0x04, 0xb6, 0xbe, 0, 0, 0), 24,
		     "Quectel Wireless Solutions Co.,Ltd.");
	assert_int_equal(e->line, 2);
	/* "" inside quotes. */
	e = mw_ieee_lookup(db, MAC(0x00, 0x1e, 0xfc, 0, 0, 1));
	assert_string_equal(e->org, "JSC \"MASSA-K\"");
	/* A quoted address over three lines: the next record is on line 16. */
	e = mw_ieee_lookup(db, MAC(0x3c, 0xb0, 0x7e, 0, 0, 1));
	assert_string_equal(e->org, "Arounds Intelligent Equipment Co., Ltd.");
	assert_int_equal(e->line, 13);
	e = mw_ieee_lookup(db, MAC(0x08, 0x00, 0x30, 0, 0, 1));
	assert_int_equal(e->line, 16);
	/* Blanks around unquoted fields are trimmed. */
	e = mw_ieee_lookup(db, MAC(0x6c, 0x1d, 0xeb, 0, 0, 1));
	assert_entry(e, "MA-L", MAC(0x6c, 0x1d, 0xeb, 0, 0, 0), 24, "u-blox AG");
	assert_int_equal(e->line, 18);
	/* Blanks after a closing quote (mam.csv, LF record ends). */
	e = mw_ieee_lookup(db, MAC(0x70, 0xb3, 0xd5, 0xe0, 0, 1));
	assert_entry(e, "MA-M", MAC(0x70, 0xb3, 0xd5, 0xe0, 0, 0), 28,
		     "Quectel Wireless Solutions Co.,Ltd.");
	/* An empty last field. */
	e = mw_ieee_lookup(db, MAC(0x74, 0x1a, 0xe0, 0x9f, 0xff, 0xff));
	assert_entry(e, "MA-M", MAC(0x74, 0x1a, 0xe0, 0x90, 0, 0), 28, "Private");
	assert_int_equal(e->line, 3);
	/* Last record of iab.csv, with no newline at the end of the file. */
	e = mw_ieee_lookup(db, MAC(0x00, 0x50, 0xc2, 0x75, 0x3a, 0xbc));
	assert_entry(e, "IAB", MAC(0x00, 0x50, 0xc2, 0x75, 0x30, 0), 36, "ABB");
	assert_int_equal(e->line, 4);
}

/* ---- lookup ---- */

static void test_lookup_most_specific(void **state)
{
	const struct mw_ieee *db = *state;
	const uint64_t ra = MAC(0x70, 0xb3, 0xd5, 0, 0, 0);

	/* In the RA's /24 but in no block: the RA. */
	assert_entry(mw_ieee_lookup(db, MAC(0x70, 0xb3, 0xd5, 0x00, 0x00, 0x01)), "MA-L", ra, 24,
		     "IEEE Registration Authority");
	assert_entry(mw_ieee_lookup(db, MAC(0x70, 0xb3, 0xd5, 0xf3, 0x00, 0x00)), "MA-L", ra, 24,
		     "IEEE Registration Authority");
	/* MA-S block 70:b3:d5:f2:f0/36, first and last address. */
	assert_entry(mw_ieee_lookup(db, MAC(0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0x00)), "MA-S",
		     MAC(0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0), 36, "TELEPLATFORMS");
	assert_entry(mw_ieee_lookup(db, MAC(0x70, 0xb3, 0xd5, 0xf2, 0xff, 0xff)), "MA-S",
		     MAC(0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0), 36, "TELEPLATFORMS");
	/* Just outside it, on either side. */
	assert_string_equal(mw_ieee_lookup(db, MAC(0x70, 0xb3, 0xd5, 0xf2, 0xef, 0xff))->org,
			    "IEEE Registration Authority");
	assert_string_equal(mw_ieee_lookup(db, MAC(0x70, 0xb3, 0xd5, 0xf3, 0x00, 0x00))->org,
			    "IEEE Registration Authority");
	/* MA-M block 70:b3:d5:e0/28, and the MA-S block inside it. */
	assert_entry(mw_ieee_lookup(db, MAC(0x70, 0xb3, 0xd5, 0xef, 0xff, 0xff)), "MA-M",
		     MAC(0x70, 0xb3, 0xd5, 0xe0, 0, 0), 28, "Quectel Wireless Solutions Co.,Ltd.");
	assert_entry(mw_ieee_lookup(db, MAC(0x70, 0xb3, 0xd5, 0xe1, 0x2a, 0xbc)), "MA-S",
		     MAC(0x70, 0xb3, 0xd5, 0xe1, 0x20, 0), 36, "Nested Example Ltd");
	assert_string_equal(mw_ieee_lookup(db, MAC(0x70, 0xb3, 0xd5, 0xe1, 0x30, 0x00))->org,
			    "Quectel Wireless Solutions Co.,Ltd.");
	/* IAB inside 00:50:c2. */
	assert_entry(mw_ieee_lookup(db, MAC(0x00, 0x50, 0xc2, 0x7d, 0x5f, 0xff)), "IAB",
		     MAC(0x00, 0x50, 0xc2, 0x7d, 0x50, 0), 36, "DEUTA-WERKE GmbH");
	assert_string_equal(mw_ieee_lookup(db, MAC(0x00, 0x50, 0xc2, 0x7d, 0x60, 0x00))->org,
			    "IEEE Registration Authority");
	/* Not assigned, and locally administered. */
	assert_null(mw_ieee_lookup(db, MAC(0x00, 0x00, 0x01, 0, 0, 1)));
	assert_null(mw_ieee_lookup(db, MAC(0x02, 0x11, 0x22, 0x33, 0x44, 0x55)));
	assert_null(mw_ieee_lookup(db, 0xffffffffffffull));
	/* Bits past 48 are ignored. */
	assert_string_equal(mw_ieee_lookup(db, 1ull << 48 | MAC(0x8c, 0x1f, 0x64, 0xfb, 0x10, 0))->org,
			    "ABB");
}

static void test_lookup_prefix(void **state)
{
	const struct mw_ieee *db = *state;
	const uint64_t blk = MAC(0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0);

	assert_string_equal(mw_ieee_lookup_prefix(db, blk, 36)->org, "TELEPLATFORMS");
	/* A /28 or /24 query cannot land in a /36 block. */
	assert_string_equal(mw_ieee_lookup_prefix(db, blk, 28)->org, "IEEE Registration Authority");
	assert_string_equal(mw_ieee_lookup_prefix(db, blk, 24)->org, "IEEE Registration Authority");
	assert_int_equal(mw_ieee_lookup_prefix(db, MAC(0x70, 0xb3, 0xd5, 0xe0, 0, 0), 28)->bits, 28);
	assert_null(mw_ieee_lookup_prefix(db, MAC(0x70, 0xb3, 0xd5, 0, 0, 0), 16));
	assert_null(mw_ieee_lookup_prefix(db, MAC(0x00, 0x00, 0x01, 0, 0, 0), 24));
}

static void test_lookup_shared_assignment(void **state)
{
	const struct mw_ieee *db = *state;
	const struct mw_ieee_entry *e = mw_ieee_lookup(db, MAC(0x08, 0x00, 0x30, 0x12, 0x34, 0x56));

	/* 08:00:30 went to several organizations: the first listed, then the next. */
	assert_entry(e, "MA-L", MAC(0x08, 0x00, 0x30, 0, 0, 0), 24, "NETWORK RESEARCH CORPORATION");
	assert_entry(e + 1, "MA-L", MAC(0x08, 0x00, 0x30, 0, 0, 0), 24, "CERN");
	assert_int_equal(e[1].line, 17);
}

/* ---- vendor names ---- */

static ssize_t find(const struct mw_ieee *db, const char *name, const struct mw_ieee_entry ***v,
		    size_t *norgs)
{
	*norgs = 12345;
	return mw_ieee_find_vendor(db, name, v, norgs);
}

static void test_find_word_boundaries(void **state)
{
	const struct mw_ieee *db = *state;
	const struct mw_ieee_entry **v;
	size_t norgs;

	assert_int_equal(find(db, "MeiG", &v, &norgs), 1);
	assert_int_equal(norgs, 1);
	assert_string_equal(v[0]->org, "Shenzhen MeiG Smart Technology Co.,Ltd");
	free(v);

	assert_int_equal(find(db, "meigao", &v, &norgs), 1);
	assert_string_equal(v[0]->org, "Shenzhen Meigao Electronic Equipment Co.,Ltd");
	free(v);

	/* "Telit" is not in "Intelitech"; two Telit organizations, three assignments. */
	assert_int_equal(find(db, "Telit", &v, &norgs), 3);
	assert_int_equal(norgs, 2);
	assert_entry(v[0], "MA-L", MAC(0x00, 0x21, 0x7e, 0, 0, 0), 24, "Telit Communication s.p.a");
	assert_entry(v[1], "MA-L", MAC(0x00, 0x80, 0x25, 0, 0, 0), 24,
		     "Telit Wireless Solutions GmbH");
	assert_entry(v[2], "MA-M", MAC(0x8c, 0x1f, 0x64, 0x10, 0, 0), 28,
		     "Telit Wireless Solutions GmbH");
	free(v);

	assert_int_equal(find(db, "intelitech", &v, &norgs), 1);
	free(v);
	assert_int_equal(find(db, "Intel", &v, &norgs), 0);
	assert_null(v);
	assert_int_equal(norgs, 0);
	assert_int_equal(find(db, "elit", &v, &norgs), 0);
	assert_int_equal(find(db, "Shenzhen Mei", &v, &norgs), 0);
	assert_int_equal(find(db, "tech", &v, &norgs), 0);
}

static void test_find_normalised(void **state)
{
	const struct mw_ieee *db = *state;
	const struct mw_ieee_entry **v;
	size_t norgs;

	/* "Co.,Ltd." and "Co., Ltd." are one organization; sorted by prefix, MA-M included. */
	assert_int_equal(find(db, "Quectel", &v, &norgs), 3);
	assert_int_equal(norgs, 1);
	assert_int_equal(v[0]->prefix, MAC(0x04, 0xb6, 0xbe, 0, 0, 0));
	assert_string_equal(v[1]->org, "Quectel Wireless Solutions Co., Ltd.");
	assert_int_equal(v[1]->prefix, MAC(0x50, 0xe9, 0xdf, 0, 0, 0));
	assert_string_equal(v[2]->registry, "MA-M");
	free(v);

	assert_int_equal(find(db, "QUECTEL wireless   solutions, co. ltd", &v, &norgs), 3);
	assert_int_equal(norgs, 1);
	free(v);
	assert_int_equal(find(db, "  massa-k ", &v, &norgs), 1);
	assert_string_equal(v[0]->org, "JSC \"MASSA-K\"");
	free(v);
	assert_int_equal(find(db, "\"MASSA K\"", &v, &norgs), 1);
	free(v);
	assert_int_equal(find(db, "u-blox", &v, &norgs), 1);
	free(v);
	assert_int_equal(find(db, "ublox", &v, &norgs), 0);

	/* One name across MA-S and IAB. */
	assert_int_equal(find(db, "abb", &v, &norgs), 2);
	assert_int_equal(norgs, 1);
	assert_string_equal(v[0]->registry, "IAB");
	assert_string_equal(v[1]->registry, "MA-S");
	free(v);

	assert_int_equal(find(db, "IEEE Registration Authority", &v, &norgs), 3);
	assert_int_equal(norgs, 1);
	free(v);
	assert_int_equal(find(db, "8185", &v, &norgs), 1);
	free(v);
	/* One of the organizations sharing 08:00:30. */
	assert_int_equal(find(db, "cern", &v, &norgs), 1);
	assert_int_equal(v[0]->line, 17);
	free(v);
}

static void test_find_bad_name(void **state)
{
	const struct mw_ieee *db = *state;
	const struct mw_ieee_entry **v = (void *)1;
	size_t norgs = 7;

	errno = 0;
	assert_int_equal(mw_ieee_find_vendor(db, "", &v, &norgs), -1);
	assert_int_equal(errno, EINVAL);
	assert_null(v);
	assert_int_equal(norgs, 0);
	errno = 0;
	assert_int_equal(mw_ieee_find_vendor(db, " .,-\" ", &v, &norgs), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_orgs(void **state)
{
	const struct mw_ieee *db = *state;
	const struct mw_ieee_entry **v;
	const char **names;
	size_t norgs;
	ssize_t n;

	/* Two spellings of Quectel: the more frequent one names it. */
	n = find(db, "quectel", &v, &norgs);
	assert_int_equal(n, 3);
	assert_int_equal(mw_ieee_orgs(v, (size_t)n, &names), 1);
	assert_string_equal(names[0], "Quectel Wireless Solutions Co.,Ltd.");
	free(names);
	/* A tie: the first in byte order (' ' < ','). */
	assert_int_equal(mw_ieee_orgs(v + 1, 2, &names), 1);
	assert_string_equal(names[0], "Quectel Wireless Solutions Co., Ltd.");
	free(names);
	free(v);

	n = find(db, "telit", &v, &norgs);
	assert_int_equal(mw_ieee_orgs(v, (size_t)n, &names), 2);
	assert_string_equal(names[0], "Telit Communication s.p.a");
	assert_string_equal(names[1], "Telit Wireless Solutions GmbH");
	free(names);
	free(v);

	assert_int_equal(mw_ieee_orgs(NULL, 0, &names), 0);
	free(names);
}

static void test_norm(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(mw_ieee_norm("  Quectel Wireless Solutions Co., Ltd. ", buf, sizeof(buf)),
			 strlen("quectel wireless solutions co ltd"));
	assert_string_equal(buf, "quectel wireless solutions co ltd");
	mw_ieee_norm("Quectel Wireless Solutions Co.,Ltd.", buf, sizeof(buf));
	assert_string_equal(buf, "quectel wireless solutions co ltd");
	mw_ieee_norm("JSC \"MASSA-K\"", buf, sizeof(buf));
	assert_string_equal(buf, "jsc massa k");
	/* Non-ASCII bytes are word characters, kept as they are. */
	mw_ieee_norm("Unit\xc3\xa0 Operativa", buf, sizeof(buf));
	assert_string_equal(buf, "unit\xc3\xa0 operativa");
	assert_int_equal(mw_ieee_norm("--", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* Truncation. */
	assert_int_equal(mw_ieee_norm("ABC DEF", buf, 5), 4);
	assert_string_equal(buf, "abc ");
	assert_int_equal(mw_ieee_norm("ABC DEF", buf, 4), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(mw_ieee_norm("ABC", buf, 1), 0);
	assert_string_equal(buf, "");
}

static void test_format_prefix(void **state)
{
	char buf[24];
	uint64_t mac;
	int bits;

	(void)state;
	mw_ieee_format_prefix(MAC(0xfc, 0xa1, 0x3e, 0, 0, 0), 24, buf);
	assert_string_equal(buf, "fc:a1:3e/24");
	mw_ieee_format_prefix(MAC(0x74, 0x1a, 0xe0, 0x90, 0, 0), 28, buf);
	assert_string_equal(buf, "74:1a:e0:90/28");
	mw_ieee_format_prefix(MAC(0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0), 36, buf);
	assert_string_equal(buf, "70:b3:d5:f2:f0/36");
	/* What it prints, the prefix parser reads back. */
	assert_int_equal(mw_parse_mac_prefix(buf, &mac, &bits, NULL), 0);
	assert_int_equal(mac, MAC(0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0));
	assert_int_equal(bits, 36);
	mw_ieee_format_prefix(MAC(0x74, 0x1a, 0xe0, 0x90, 0, 0), 28, buf);
	assert_int_equal(mw_parse_mac_prefix(buf, &mac, &bits, NULL), 0);
	assert_int_equal(mac, MAC(0x74, 0x1a, 0xe0, 0x90, 0, 0));
	assert_int_equal(bits, 28);
}

/* ---- errors ---- */

static void assert_load_error(const char *dir, const char *want)
{
	struct mw_ieee db;
	char err[512] = "";

	assert_int_equal(mw_ieee_load(&db, dir, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	/* Nothing left to free, and freeing again is harmless. */
	assert_null(db.v);
	assert_int_equal(db.n, 0);
	mw_ieee_free(&db);
}

static void test_errors_malformed(void **state)
{
	(void)state;
	assert_load_error(DATA "/bad-hex", DATA "/bad-hex/oui.csv:5: "
			  "assignment \"00G123\" is not 6 hex digits");
	assert_load_error(DATA "/bad-length", DATA "/bad-length/oui.csv:3: "
			  "assignment \"70B3D5F\" is not 6 hex digits");
	assert_load_error(DATA "/bad-fields", DATA "/bad-fields/oui.csv:3: "
			  "3 fields, the header has 4");
	assert_load_error(DATA "/bad-registry", DATA "/bad-registry/oui.csv:3: "
			  "registry \"MA-M\" in the MA-L file");
	assert_load_error(DATA "/bad-after-quote", DATA "/bad-after-quote/oui.csv:3: "
			  "'I' after the closing quote of field 3");
	assert_load_error(DATA "/bad-unterminated", DATA "/bad-unterminated/oui.csv:3: "
			  "quoted field 4 never closed");
	assert_load_error(DATA "/bad-empty-org", DATA "/bad-empty-org/oui.csv:3: "
			  "empty organization name");
	assert_load_error(DATA "/bad-header", DATA "/bad-header/oui.csv:1: "
			  "expected the header \"Registry,Assignment,Organization Name,...\"");
	assert_load_error(DATA "/bad-empty", DATA "/bad-empty/oui.csv:1: "
			  "empty file, expected a header line");
}

static void test_errors_missing(void **state)
{
	(void)state;
	assert_load_error(DATA "/missing", DATA "/missing/oui36.csv: No such file or directory "
			  "(install Debian's ieee-data)");
	assert_load_error(DATA "/no-such-dir", DATA "/no-such-dir/oui.csv: No such file or "
			  "directory (install Debian's ieee-data)");
	assert_load_error("tests/unit/data", "tests/unit/data/oui.csv: No such file or directory "
			  "(install Debian's ieee-data)");
}

static void test_error_truncated_buffer(void **state)
{
	struct mw_ieee db;
	char err[8];

	(void)state;
	assert_int_equal(mw_ieee_load(&db, DATA "/bad-hex", err, sizeof(err)), -1);
	assert_string_equal(err, "tests/u");
}

/* ---- the installed registries ---- */

static int setup_real(void **state)
{
	struct mw_ieee *db;
	struct timespec a, b;
	char err[512];
	double ms;

	if (access(REAL "/oui.csv", R_OK))
		return 0;	/* each test skips */
	db = calloc(1, sizeof(*db));
	if (!db)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (mw_ieee_load(db, REAL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		free(db);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	print_message("loaded %zu IEEE assignments from " REAL " in %.1f ms\n", db->n, ms);
	*state = db;
	return 0;
}

static int teardown_real(void **state)
{
	if (*state)
		teardown_db(state);
	return 0;
}

static void test_real_registry(void **state)
{
	const struct mw_ieee *db = *state;
	const struct mw_ieee_entry **v;
	const struct mw_ieee_entry *e;
	size_t norgs, i;
	ssize_t n;

	if (!db)
		skip();
	/* The 2022 registries hold 46524 assignments; later ones only grow. */
	assert_true(db->n > 40000);

	n = mw_ieee_find_vendor(db, "Quectel", &v, &norgs);
	assert_true(n >= 20);
	assert_int_equal(norgs, 1);
	for (i = 0; i < (size_t)n; i++)
		assert_non_null(strstr(v[i]->org, "Quectel Wireless Solutions"));
	free(v);

	/* "MeiG", not "Meigao". */
	n = mw_ieee_find_vendor(db, "MeiG", &v, &norgs);
	assert_true(n >= 1);
	for (i = 0; i < (size_t)n; i++)
		assert_null(strstr(v[i]->org, "Meigao"));
	free(v);

	/* "Telit", not "Intelitech" nor "Telital". */
	n = mw_ieee_find_vendor(db, "Telit", &v, &norgs);
	assert_true(n >= 3);
	for (i = 0; i < (size_t)n; i++)
		assert_non_null(strstr(v[i]->org, "Telit "));
	free(v);

	/* MA-S block 70:B3:D5:F2:F0/36 inside the RA's 70:B3:D5. */
	e = mw_ieee_lookup(db, MAC(0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0x12));
	assert_entry(e, "MA-S", MAC(0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0), 36, "TELEPLATFORMS");
	e = mw_ieee_lookup_prefix(db, MAC(0x70, 0xb3, 0xd5, 0, 0, 0), 24);
	assert_entry(e, "MA-L", MAC(0x70, 0xb3, 0xd5, 0, 0, 0), 24, "IEEE Registration Authority");
	/* IAB 00:50:C2:7D:50/36. */
	e = mw_ieee_lookup(db, MAC(0x00, 0x50, 0xc2, 0x7d, 0x5a, 0xbc));
	assert_entry(e, "IAB", MAC(0x00, 0x50, 0xc2, 0x7d, 0x50, 0), 36, "DEUTA-WERKE GmbH");
	e = mw_ieee_lookup(db, MAC(0xfc, 0xa1, 0x3e, 0x12, 0x34, 0x56));
	assert_entry(e, "MA-L", MAC(0xfc, 0xa1, 0x3e, 0, 0, 0), 24, "Samsung Electronics Co.,Ltd");
	assert_null(mw_ieee_lookup(db, MAC(0x02, 0x00, 0x00, 0x00, 0x00, 0x01)));
}

int main(void)
{
	const struct CMUnitTest fixture[] = {
		cmocka_unit_test(test_load_counts_and_order),
		cmocka_unit_test(test_load_quoted_fields),
		cmocka_unit_test(test_lookup_most_specific),
		cmocka_unit_test(test_lookup_prefix),
		cmocka_unit_test(test_lookup_shared_assignment),
		cmocka_unit_test(test_find_word_boundaries),
		cmocka_unit_test(test_find_normalised),
		cmocka_unit_test(test_find_bad_name),
		cmocka_unit_test(test_orgs),
	};
	const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_norm),
		cmocka_unit_test(test_format_prefix),
		cmocka_unit_test(test_errors_malformed),
		cmocka_unit_test(test_errors_missing),
		cmocka_unit_test(test_error_truncated_buffer),
	};
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_real_registry),
	};
	int fails = 0;

	fails += cmocka_run_group_tests_name("ieee fixture", fixture, setup_fixture, teardown_db);
	fails += cmocka_run_group_tests_name("ieee", plain, NULL, NULL);
	fails += cmocka_run_group_tests_name("ieee installed", real, setup_real, teardown_real);
	return fails ? 1 : 0;
}
