// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: any bytes through mw_dns_parse, and what parses into a
 * small name cache (fresh for each input, so a finding replays alone).
 * Invariants checked, beyond the sanitizers: what the parser reports is
 * within its bounds and in modwall's name form; the cache's counts add up,
 * stay within its bounds, and everything leaves by the end.
 * Seeds: the responses ldns wrote under tests/unit/data/dns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "namecache.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

struct tally {
	uint64_t added, gone;
};

static void count(void *ctx, const struct mw_nc_event *e)
{
	struct tally *t = ctx;
	char n[MW_DNS_NAME_MAX + 1];

	CHECK(mw_name_norm(e->name, n) == 0 && !strcmp(n, e->name));
	CHECK(e->family == AF_INET || e->family == AF_INET6);
	CHECK(e->leaves >= e->expires);
	if (e->kind == MW_NC_ADDED)
		t->added++;
	else
		t->gone++;
}

static void check_name(const char *s)
{
	char n[MW_DNS_NAME_MAX + 1];

	CHECK(strlen(s) <= MW_DNS_NAME_MAX);
	CHECK(mw_name_norm(s, n) == 0 && !strcmp(n, s));
}

static void check_msg(const struct mw_dns_msg *m)
{
	uint32_t i;

	check_name(m->qname);
	CHECK(m->n_cnames <= MW_DNS_MAX_CHAIN && m->n_addrs <= MW_DNS_MAX_ADDRS);
	if (!m->response)
		CHECK(m->n_cnames == 0 && m->n_addrs == 0);
	for (i = 0; i < m->n_cnames; i++) {
		check_name(m->cnames[i].alias);
		check_name(m->cnames[i].target);
		CHECK(!strcmp(m->cnames[i].alias, i ? m->cnames[i - 1].target : m->qname));
	}
	for (i = 0; i < m->n_addrs; i++) {
		const struct mw_dns_addr *a = &m->addrs[i];
		const char *owner = a->hop ? m->cnames[a->hop - 1].target : m->qname;

		CHECK(a->family == AF_INET || a->family == AF_INET6);
		CHECK(a->hop <= m->n_cnames && !strcmp(a->name, owner));
		CHECK(a->ttl <= a->rr_ttl && a->rr_ttl < 0x80000000u);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mw_nc_cfg cfg = {
		.max_pairs = 8, .max_asked = 4, .max_asked_per_device = 2,
		.grace = 5, .max_ttl = 86400, .seed = 1,
	};
	static struct mw_dns_msg m;
	struct mw_nc_addr out[8];
	struct mw_nc_name names[8];
	struct mw_nc_stats st;
	struct tally t = { 0, 0 };
	struct mw_namecache *c;
	uint8_t *copy;
	uint32_t i;
	int r;

	/* an exact-size copy: a read past the end is an ASan report */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	r = mw_dns_parse(copy, size, &m);
	free(copy);
	CHECK(r >= 0 && r < MW_DNS_RESULT_NR && strcmp(mw_dns_result_name(r), "?"));
	if (r != MW_DNS_OK) {
		CHECK(m.n_addrs == 0 && m.n_cnames == 0);
		return 0;
	}
	check_msg(&m);

	c = mw_namecache_new(&cfg);
	if (!c)
		return 0;
	/* the same answer twice, from two devices, then time runs out */
	CHECK(mw_namecache_insert(c, &m, 1, 100, count, &t) >= 0);
	CHECK(mw_namecache_insert(c, &m, 2, 101, count, &t) >= 0);
	mw_namecache_stats(c, &st);
	CHECK(st.pairs <= cfg.max_pairs && st.asked <= cfg.max_asked);
	CHECK(st.pairs == t.added - t.gone && st.added == t.added);
	CHECK(st.devices == 2);
	r = mw_namecache_lookup(c, m.qname, 101, out, 8);
	CHECK(r >= 0 && r <= (int)cfg.max_pairs);
	for (i = 0; i < (uint32_t)r && i < 8; i++) {
		int k, n = mw_namecache_rlookup(c, out[i].family, out[i].addr, 101, names, 8);

		CHECK(out[i].leaves > 101 && n >= 1);
		for (k = 0; k < n && k < 8; k++)
			CHECK(names[k].leaves > 101);
	}
	for (i = 0; i < m.n_cnames; i++)
		CHECK(mw_namecache_lookup(c, m.cnames[i].target, 101, out, 8) >= 0);
	CHECK(mw_namecache_match(c, "*.com", 101, NULL, NULL) >= 0);
	mw_namecache_expire(c, 101 + cfg.max_ttl + cfg.grace, count, &t);
	mw_namecache_stats(c, &st);
	CHECK(st.pairs == 0 && st.names == 1 && st.asked == 2 && t.added == t.gone);
	mw_namecache_free(c);
	return 0;
}
