// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * make geobench: what country lookups and country expansion cost (lib/geo).
 *
 *   geobench dump        "PREFIX CC" for every country in Debian's
 *                        geoip-database (tests/bench/geo_mmdb.pl turns
 *                        this into a MaxMind DB of the same data)
 *   geobench [MMDB]      lookups per second, and the prefixes of DE, US
 *                        and CN with the time they take, for Debian's
 *                        database and MMDB when given (built from the dump,
 *                        its prefixes must be the same)
 *
 * Prints only; never fails on time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <GeoIP.h>
#include "geo.h"

#define N_LOOKUPS 1000000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rnd_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static int print_prefix(const struct mw_prefix *p, void *ctx)
{
	char buf[64];

	mw_format_prefix(p, buf, sizeof(buf));	/* host prefixes come without the length */
	printf("%s/%d %s\n", strtok(buf, "/"), p->len, (const char *)ctx);
	return 0;
}

/* FNV-1a over the prefixes: the two backends given the same data must agree */
static int hash_prefix(const struct mw_prefix *p, void *ctx)
{
	uint64_t *h = ctx;
	size_t i;

	for (i = 0; i < sizeof(p->addr); i++)
		*h = (*h ^ p->addr[i]) * 0x100000001b3ull;
	*h = (*h ^ (uint64_t)p->len) * 0x100000001b3ull;
	return 0;
}

static uint64_t first_hash[3][2];
static int runs;

/* Every two-letter code libgeoip knows, each country's prefixes. */
static int dump(void)
{
	struct mw_geo *g;
	char err[512], cc[3];
	unsigned int id;
	int fam;

	if (mw_geo_open(NULL, &g, err, sizeof(err))) {
		fprintf(stderr, "geobench: %s\n", err);
		return 1;
	}
	for (id = 1; id < GeoIP_num_countries(); id++) {
		const char *code = GeoIP_code_by_id((int)id);

		if (!code || mw_geo_cc_parse(code, cc))
			continue;
		for (fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0)
			if (mw_geo_country_prefixes(g, cc, fam, print_prefix, cc) < 0)
				return 1;
	}
	mw_geo_close(g);
	return 0;
}

static void bench(const char *path)
{
	static uint8_t a4[N_LOOKUPS][4], a6[N_LOOKUPS][16];
	const struct mw_geo_info *in;
	struct mw_geo *g;
	char err[512], cc[3];
	const char *c;
	double t;
	int i, found;

	if (mw_geo_open(path, &g, err, sizeof(err))) {
		printf("%-10s N/A: %s\n", path ? "maxminddb" : "geoip", err);
		return;
	}
	in = mw_geo_info(g);
	printf("%s: %s, %s, built %s\n", in->backend_name, in->path, in->type,
	       in->build_date[0] ? in->build_date : "?");
	for (i = 0; i < N_LOOKUPS; i++) {
		uint64_t r = rnd(), s = rnd();

		memcpy(a4[i], &r, 4);
		memcpy(a6[i], &r, 8);
		memcpy(a6[i] + 8, &s, 8);
		a6[i][0] = 0x20 | (a6[i][0] & 0x1f);	/* 2000::/3 */
	}
	t = now();
	for (i = found = 0; i < N_LOOKUPS; i++)
		found += !mw_geo_country(g, AF_INET, a4[i], cc);
	t = now() - t;
	printf("  IPv4 lookups  %6.2f M/s  (%4.0f ns each; %d%% of random addresses have a country)\n",
	       N_LOOKUPS / t / 1e6, t * 1e9 / N_LOOKUPS, found * 100 / N_LOOKUPS);
	t = now();
	for (i = found = 0; i < N_LOOKUPS; i++)
		found += !mw_geo_country(g, AF_INET6, a6[i], cc);
	t = now() - t;
	printf("  IPv6 lookups  %6.2f M/s  (%4.0f ns each; random in 2000::/3)\n",
	       N_LOOKUPS / t / 1e6, t * 1e9 / N_LOOKUPS);
	for (c = "DE\0US\0CN\0", i = 0; *c; c += 3, i++) {
		uint64_t h4 = 0xcbf29ce484222325ull, h6 = h4;
		int n4, n6;
		double t4, t6;

		t = now();
		n4 = mw_geo_country_prefixes(g, c, AF_INET, hash_prefix, &h4);
		t4 = now() - t;
		t = now();
		n6 = mw_geo_country_prefixes(g, c, AF_INET6, hash_prefix, &h6);
		t6 = now() - t;
		printf("  %s: %6d IPv4 prefixes in %5.1f ms, %6d IPv6 prefixes in %5.1f ms%s\n", c,
		       n4, t4 * 1e3, n6, t6 * 1e3, !runs ? "" :
		       h4 == first_hash[i][0] && h6 == first_hash[i][1] ? " (the same as geoip's)" :
		       " (NOT the same as geoip's)");
		if (!runs) {
			first_hash[i][0] = h4;
			first_hash[i][1] = h6;
		}
	}
	runs++;
	mw_geo_close(g);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "dump"))
		return dump();
	if (argc > 2) {
		fprintf(stderr, "usage: geobench dump | geobench [MMDB]\n");
		return 2;
	}
	bench(NULL);
	if (argc == 2)
		bench(argv[1]);
	return 0;
}
