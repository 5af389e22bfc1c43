// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * user/lib/namecache.c: TTL + grace to the second, refresh, eviction when
 * full, CNAME aliases, patterns, reverse lookups, per-device names, and a
 * random run checked against a plain list.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "namecache.h"

/* ---- event recorder ---- */

#define MAXEV	256

struct ev {
	int kind;
	char name[MW_DNS_NAME_MAX + 1];
	char addr[64];
	uint64_t expires, leaves;
};

struct rec {
	struct ev v[MAXEV];
	int n;
};

static void record(void *ctx, const struct mw_nc_event *e)
{
	struct rec *r = ctx;
	struct ev *v;

	assert_true(r->n < MAXEV);
	v = &r->v[r->n++];
	v->kind = e->kind;
	snprintf(v->name, sizeof(v->name), "%s", e->name);
	inet_ntop(e->family, e->addr, v->addr, sizeof(v->addr));
	v->expires = e->expires;
	v->leaves = e->leaves;
}

static void assert_ev(const struct rec *r, int i, int kind, const char *name, const char *addr)
{
	assert_true(i < r->n);
	assert_int_equal(r->v[i].kind, kind);
	assert_string_equal(r->v[i].name, name);
	assert_string_equal(r->v[i].addr, addr);
}

static const uint8_t *A(const char *s)
{
	static uint8_t b[8][16];
	static int k;
	uint8_t *p = b[k++ % 8];

	memset(p, 0, 16);
	assert_int_equal(inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, p), 1);
	return p;
}

static int fam(const char *s)
{
	return strchr(s, ':') ? AF_INET6 : AF_INET;
}

static int add(struct mw_namecache *c, const char *name, const char *addr, uint32_t ttl,
	       uint64_t now, struct rec *r)
{
	return mw_namecache_add(c, name, fam(addr), A(addr), ttl, now, r ? record : NULL, r);
}

static int nlookup(const struct mw_namecache *c, const char *name, uint64_t now)
{
	struct mw_nc_addr out[4];

	return mw_namecache_lookup(c, name, now, out, 4);
}

static struct mw_namecache *cache(uint32_t pairs, uint32_t asked, uint32_t per_dev, uint32_t grace)
{
	struct mw_nc_cfg cfg = {
		.max_pairs = pairs,
		.max_asked = asked,
		.max_asked_per_device = per_dev,
		.grace = grace,
		.seed = 42,
	};
	struct mw_namecache *c = mw_namecache_new(&cfg);

	assert_non_null(c);
	return c;
}

/* A response for @q: @n addresses at the end of a chain of @hops CNAMEs. */
static void response(struct mw_dns_msg *m, const char *q, const char *const *chain,
		     const uint32_t *cname_ttl, int hops, const char *const *addrs,
		     const uint32_t *ttl, int n)
{
	int i;

	memset(m, 0, sizeof(*m));
	m->response = 1;
	snprintf(m->qname, sizeof(m->qname), "%s", q);
	for (i = 0; i < hops; i++) {
		snprintf(m->cnames[i].alias, sizeof(m->cnames[i].alias), "%s", i ? chain[i - 1] : q);
		snprintf(m->cnames[i].target, sizeof(m->cnames[i].target), "%s", chain[i]);
		m->cnames[i].ttl = cname_ttl[i];
	}
	m->n_cnames = hops;
	for (i = 0; i < n; i++) {
		struct mw_dns_addr *a = &m->addrs[i];

		snprintf(a->name, sizeof(a->name), "%s", hops ? chain[hops - 1] : q);
		a->family = fam(addrs[i]);
		memcpy(a->addr, A(addrs[i]), 16);
		a->hop = hops;
		a->rr_ttl = ttl[i];
	}
	m->n_addrs = n;
}

/* ---- TTL and grace ---- */

static void test_ttl_grace_exact(void **state)
{
	struct mw_namecache *c = cache(16, 16, 4, 30);
	struct mw_nc_addr out[2];
	struct mw_nc_stats st;
	struct rec r = { 0 };

	(void)state;
	assert_int_equal(add(c, "Broker.Example.COM.", "198.18.0.1", 60, 100, &r), 1);
	assert_int_equal(r.n, 1);
	assert_ev(&r, 0, MW_NC_ADDED, "broker.example.com", "198.18.0.1");
	assert_int_equal(r.v[0].expires, 160);
	assert_int_equal(r.v[0].leaves, 190);

	assert_int_equal(mw_namecache_lookup(c, "broker.example.com", 159, out, 2), 1);
	assert_int_equal(out[0].family, AF_INET);
	assert_memory_equal(out[0].addr, A("198.18.0.1"), 4);
	assert_int_equal(out[0].expires, 160);
	assert_int_equal(out[0].leaves, 190);
	assert_int_equal(out[0].seen, 100);
	/* past the TTL, within the grace: still there */
	assert_int_equal(nlookup(c, "BROKER.example.com.", 189), 1);
	assert_int_equal(mw_namecache_expire(c, 189, record, &r), 0);
	assert_int_equal(r.n, 1);
	/* at expiry + grace: gone, even before expire() runs */
	assert_int_equal(nlookup(c, "broker.example.com", 190), 0);
	assert_int_equal(mw_namecache_expire(c, 190, record, &r), 1);
	assert_int_equal(r.n, 2);
	assert_ev(&r, 1, MW_NC_EXPIRED, "broker.example.com", "198.18.0.1");
	assert_int_equal(r.v[1].leaves, 190);
	mw_namecache_stats(c, &st);
	assert_int_equal(st.pairs, 0);
	assert_int_equal(st.names, 0);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.evicted, 0);
	mw_namecache_free(c);
}

static void test_refresh(void **state)
{
	struct mw_namecache *c = cache(16, 16, 4, 10);
	struct mw_nc_addr out[2];
	struct mw_nc_stats st;
	struct rec r = { 0 };

	(void)state;
	assert_int_equal(add(c, "a.example", "fd00::1", 100, 0, &r), 1);
	/* a shorter TTL later does not bring the expiry earlier */
	assert_int_equal(add(c, "a.example", "fd00::1", 10, 50, &r), 0);
	assert_int_equal(mw_namecache_lookup(c, "a.example", 50, out, 2), 1);
	assert_int_equal(out[0].expires, 100);
	assert_int_equal(out[0].seen, 50);
	/* a longer one pushes it later */
	assert_int_equal(add(c, "a.example", "fd00::1", 100, 60, &r), 0);
	assert_int_equal(r.n, 1);	/* refreshes are not events */
	assert_int_equal(mw_namecache_expire(c, 169, record, &r), 0);
	assert_int_equal(mw_namecache_expire(c, 170, record, &r), 1);
	assert_ev(&r, 1, MW_NC_EXPIRED, "a.example", "fd00::1");
	mw_namecache_stats(c, &st);
	assert_int_equal(st.refreshed, 2);
	/* a TTL of 0 and no grace is never present */
	mw_namecache_free(c);
	c = cache(4, 4, 4, 0);
	assert_int_equal(add(c, "z.example", "198.18.0.1", 0, 5, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(nlookup(c, "z.example", 5), 0);
	mw_namecache_free(c);
}

static void test_ttl_clamp(void **state)
{
	struct mw_nc_cfg cfg = { .max_pairs = 4, .max_asked = 4, .max_asked_per_device = 4,
				 .min_ttl = 30, .max_ttl = 3600, .seed = 1 };
	struct mw_namecache *c = mw_namecache_new(&cfg);
	struct mw_nc_addr out[1];

	(void)state;
	assert_non_null(c);
	add(c, "short.example", "198.18.0.1", 0, 1000, NULL);
	add(c, "long.example", "198.18.0.2", 0x7fffffff, 1000, NULL);
	assert_int_equal(mw_namecache_lookup(c, "short.example", 1000, out, 1), 1);
	assert_int_equal(out[0].leaves, 1030);
	assert_int_equal(mw_namecache_lookup(c, "long.example", 1000, out, 1), 1);
	assert_int_equal(out[0].leaves, 4600);
	mw_namecache_free(c);
}

/* ---- messages: aliases, rcodes ---- */

static void test_insert_chain(void **state)
{
	static const char *const chain[] = { "www.example.com.cdn.example.net", "edge.example.net" };
	static const uint32_t cttl[] = { 300, 60 };
	static const char *const addrs[] = { "198.18.1.1", "fd00::2" };
	static const uint32_t ttl[] = { 3600, 30 };
	struct mw_namecache *c = cache(64, 16, 4, 0);
	struct mw_dns_msg m;
	struct mw_nc_addr out[4];
	struct mw_nc_name names[4];
	struct mw_nc_stats st;
	struct rec r = { 0 };

	(void)state;
	response(&m, "www.example.com", chain, cttl, 2, addrs, ttl, 2);
	assert_int_equal(mw_namecache_insert(c, &m, 7, 1000, record, &r), 6);
	assert_int_equal(r.n, 6);
	/* the deepest name first, the question name last */
	assert_ev(&r, 0, MW_NC_ADDED, "edge.example.net", "198.18.1.1");
	assert_ev(&r, 1, MW_NC_ADDED, "www.example.com.cdn.example.net", "198.18.1.1");
	assert_ev(&r, 2, MW_NC_ADDED, "www.example.com", "198.18.1.1");
	assert_ev(&r, 5, MW_NC_ADDED, "www.example.com", "fd00::2");

	/* each name's TTL: the least from it to the address */
	assert_int_equal(mw_namecache_lookup(c, "edge.example.net", 1000, out, 4), 2);
	assert_int_equal(out[1].expires, 4600);	/* 198.18.1.1 (fd00::2 is newer) */
	assert_int_equal(out[0].expires, 1030);
	assert_int_equal(mw_namecache_lookup(c, "www.example.com.cdn.example.net", 1000, out, 4), 2);
	assert_int_equal(out[1].expires, 1060);
	assert_int_equal(mw_namecache_lookup(c, "www.example.com", 1000, out, 4), 2);
	assert_int_equal(out[1].expires, 1060);
	assert_int_equal(out[0].expires, 1030);

	/* the address's names: the asked name first */
	assert_int_equal(mw_namecache_rlookup(c, AF_INET, A("198.18.1.1"), 1000, names, 4), 3);
	assert_string_equal(names[0].name, "www.example.com");
	assert_string_equal(names[1].name, "www.example.com.cdn.example.net");
	assert_string_equal(names[2].name, "edge.example.net");
	/* at 1060 only the end of the chain is left for it */
	assert_int_equal(mw_namecache_rlookup(c, AF_INET, A("198.18.1.1"), 1060, names, 4), 1);
	assert_string_equal(names[0].name, "edge.example.net");
	assert_int_equal(mw_namecache_expire(c, 1060, record, &r), 5);
	assert_int_equal(r.n, 11);

	/* NXDOMAIN teaches nothing but who asked */
	response(&m, "nx.example.com", NULL, NULL, 0, addrs, ttl, 1);
	m.rcode = 3;
	assert_int_equal(mw_namecache_insert(c, &m, 7, 1061, record, &r), 0);
	assert_int_equal(nlookup(c, "nx.example.com", 1061), 0);
	/* a query neither */
	response(&m, "q.example.com", NULL, NULL, 0, addrs, ttl, 1);
	m.response = 0;
	assert_int_equal(mw_namecache_insert(c, &m, MW_NC_NO_DEVICE, 1061, record, &r), 0);
	assert_int_equal(nlookup(c, "q.example.com", 1061), 0);
	mw_namecache_stats(c, &st);
	assert_int_equal(st.pairs, 1);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(st.asked, 2);
	assert_int_equal(st.devices, 1);
	mw_namecache_free(c);
}

static void test_insert_parsed(void **state)
{
	/* "x.example" A 198.18.0.7, TTL 60, as it comes off the wire */
	static const uint8_t wire[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
		1, 'x', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 0, 7,
	};
	static struct mw_dns_msg m;
	struct mw_namecache *c = cache(4, 4, 4, 5);
	struct rec r = { 0 };

	(void)state;
	assert_int_equal(mw_dns_parse(wire, sizeof(wire), &m), MW_DNS_OK);
	assert_int_equal(mw_namecache_insert(c, &m, 1, 10, record, &r), 1);
	assert_ev(&r, 0, MW_NC_ADDED, "x.example", "198.18.0.7");
	assert_int_equal(r.v[0].leaves, 75);
	mw_namecache_free(c);
}

/* ---- bounds ---- */

static void test_evict_when_full(void **state)
{
	static const char *const addrs[] = { "198.18.0.6" };
	static const uint32_t ttl[] = { 50 };
	struct mw_namecache *c = cache(3, 4, 4, 0);
	struct mw_dns_msg m;
	struct mw_nc_stats st;
	struct rec r = { 0 };

	(void)state;
	add(c, "b.example", "198.18.0.2", 20, 0, &r);
	add(c, "a.example", "198.18.0.1", 10, 0, &r);
	add(c, "c.example", "198.18.0.3", 30, 0, &r);
	assert_int_equal(r.n, 3);
	/* full: the pair that leaves first goes */
	assert_int_equal(add(c, "d.example", "198.18.0.4", 5, 1, &r), 1);
	assert_int_equal(r.n, 5);
	assert_ev(&r, 3, MW_NC_EVICTED, "a.example", "198.18.0.1");
	assert_ev(&r, 4, MW_NC_ADDED, "d.example", "198.18.0.4");
	assert_int_equal(nlookup(c, "a.example", 1), 0);
	/* the new one leaves first now (at 6) */
	add(c, "e.example", "198.18.0.5", 100, 2, &r);
	assert_ev(&r, 5, MW_NC_EVICTED, "d.example", "198.18.0.4");
	mw_namecache_stats(c, &st);
	assert_int_equal(st.evicted, 2);
	assert_int_equal(st.pairs, 3);

	/* insert takes out what is due first: expired, not evicted */
	response(&m, "f.example", NULL, NULL, 0, addrs, ttl, 1);
	assert_int_equal(mw_namecache_insert(c, &m, MW_NC_NO_DEVICE, 20, record, &r), 1);
	assert_ev(&r, 7, MW_NC_EXPIRED, "b.example", "198.18.0.2");
	assert_ev(&r, 8, MW_NC_ADDED, "f.example", "198.18.0.6");
	assert_int_equal(r.n, 9);
	mw_namecache_stats(c, &st);
	assert_int_equal(st.evicted, 2);
	assert_int_equal(st.expired, 1);
	mw_namecache_free(c);
}

/* ---- patterns ---- */

static void test_patterns(void **state)
{
	(void)state;
	assert_true(mw_name_match("a.b.c", "a.b.c"));
	assert_true(mw_name_match("A.B.C", "a.b.c."));
	assert_false(mw_name_match("a.b.c", "x.a.b.c"));
	assert_false(mw_name_match("a.b.c", "b.c"));
	assert_true(mw_name_match("*.b.c", "x.b.c"));
	assert_true(mw_name_match("*.b.c", "y.x.B.C"));
	assert_true(mw_name_match("*.iot.example.com.", "dev-1.iot.example.com"));
	assert_false(mw_name_match("*.b.c", "b.c"));
	assert_false(mw_name_match("*.b.c", "xb.c"));
	assert_false(mw_name_match("*.b.c", "x.b.c.d"));
	assert_false(mw_name_match("*.b.c", ".b.c"));

	assert_true(mw_name_pattern_valid("a.b.c"));
	assert_true(mw_name_pattern_valid("*.b.c"));
	assert_true(mw_name_pattern_valid("_mqtt._tcp.example.com."));
	assert_false(mw_name_pattern_valid("*"));
	assert_false(mw_name_pattern_valid("*."));
	assert_false(mw_name_pattern_valid("a.*.c"));
	assert_false(mw_name_pattern_valid("*b.c"));
	assert_false(mw_name_pattern_valid("a..b"));
	assert_false(mw_name_pattern_valid(".a"));
	assert_false(mw_name_pattern_valid(""));
	assert_false(mw_name_pattern_valid("a b"));
}

static void count_ev(void *ctx, const struct mw_nc_event *e)
{
	assert_int_equal(e->kind, MW_NC_PRESENT);
	record(ctx, e);
}

static void test_cache_match(void **state)
{
	struct mw_namecache *c = cache(16, 4, 4, 0);
	struct rec r = { 0 };

	(void)state;
	add(c, "a.iot.example.com", "198.18.0.1", 10, 0, NULL);
	add(c, "b.c.iot.example.com", "198.18.0.2", 10, 0, NULL);
	add(c, "iot.example.com", "198.18.0.3", 10, 0, NULL);
	add(c, "a.iot.example.net", "198.18.0.4", 10, 0, NULL);
	add(c, "old.iot.example.com", "198.18.0.5", 5, 0, NULL);
	assert_int_equal(mw_namecache_match(c, "*.IOT.example.com", 5, count_ev, &r), 2);
	assert_int_equal(r.n, 2);
	assert_int_equal(mw_namecache_match(c, "iot.example.com", 5, count_ev, &r), 1);
	assert_ev(&r, 2, MW_NC_PRESENT, "iot.example.com", "198.18.0.3");
	assert_int_equal(mw_namecache_match(c, "*.example.org", 5, count_ev, &r), 0);
	assert_int_equal(mw_namecache_match(c, "a.*", 5, count_ev, &r), -EINVAL);
	mw_namecache_free(c);
}

/* ---- reverse lookups ---- */

static void test_rlookup(void **state)
{
	struct mw_namecache *c = cache(16, 4, 4, 0);
	struct mw_nc_name out[2];

	(void)state;
	add(c, "one.example", "198.18.0.1", 100, 0, NULL);
	add(c, "two.example", "198.18.0.1", 10, 1, NULL);
	add(c, "three.example", "198.18.0.2", 100, 2, NULL);
	add(c, "four.example", "fd00::1", 100, 2, NULL);
	assert_int_equal(mw_namecache_rlookup(c, AF_INET, A("198.18.0.1"), 5, out, 2), 2);
	assert_string_equal(out[0].name, "two.example");
	assert_int_equal(out[0].seen, 1);
	assert_string_equal(out[1].name, "one.example");
	/* answered again: most recent first */
	add(c, "one.example", "198.18.0.1", 100, 6, NULL);
	assert_int_equal(mw_namecache_rlookup(c, AF_INET, A("198.18.0.1"), 6, out, 1), 2);
	assert_string_equal(out[0].name, "one.example");
	/* two.example has left */
	assert_int_equal(mw_namecache_rlookup(c, AF_INET, A("198.18.0.1"), 11, out, 2), 1);
	assert_string_equal(out[0].name, "one.example");
	assert_int_equal(mw_namecache_rlookup(c, AF_INET6, A("fd00::1"), 11, out, 2), 1);
	assert_string_equal(out[0].name, "four.example");
	/* the same bytes in the other family are another address */
	assert_int_equal(mw_namecache_rlookup(c, AF_INET6, A("198.18.0.1"), 11, out, 2), 0);
	assert_int_equal(mw_namecache_rlookup(c, AF_INET, A("198.18.9.9"), 11, out, 2), 0);
	assert_int_equal(mw_namecache_rlookup(c, 99, A("198.18.9.9"), 11, out, 2), -EINVAL);
	mw_namecache_free(c);
}

/* ---- names asked per device ---- */

static void test_device_names(void **state)
{
	struct mw_namecache *c = cache(4, 5, 3, 0);
	struct mw_nc_asked out[4];
	struct mw_nc_stats st;
	int i;

	(void)state;
	assert_int_equal(mw_namecache_asked(c, 1, "a.example", 10), 0);
	assert_int_equal(mw_namecache_asked(c, 1, "b.example", 11), 0);
	assert_int_equal(mw_namecache_asked(c, 1, "A.Example.", 12), 0);
	assert_int_equal(mw_namecache_asked(c, 1, "c.example", 13), 0);
	assert_int_equal(mw_namecache_device_names(c, 1, out, 4), 3);
	assert_string_equal(out[0].name, "c.example");
	assert_string_equal(out[1].name, "a.example");
	assert_int_equal(out[1].first, 10);
	assert_int_equal(out[1].last, 12);
	assert_int_equal(out[1].count, 2);
	assert_string_equal(out[2].name, "b.example");
	/* per-device bound: the least recently asked (b) goes */
	assert_int_equal(mw_namecache_asked(c, 1, "d.example", 14), 0);
	assert_int_equal(mw_namecache_device_names(c, 1, out, 4), 3);
	assert_string_equal(out[2].name, "a.example");
	assert_string_equal(out[0].name, "d.example");

	/* total bound (5): device 2's names push out device 1's oldest */
	assert_int_equal(mw_namecache_asked(c, 2, "x.example", 15), 0);
	assert_int_equal(mw_namecache_asked(c, 2, "y.example", 16), 0);
	assert_int_equal(mw_namecache_asked(c, 2, "z.example", 17), 0);
	assert_int_equal(mw_namecache_device_names(c, 1, out, 4), 2);
	assert_string_equal(out[1].name, "c.example");
	assert_int_equal(mw_namecache_device_names(c, 2, out, 1), 3);
	assert_string_equal(out[0].name, "z.example");
	mw_namecache_stats(c, &st);
	assert_int_equal(st.asked, 5);
	assert_int_equal(st.devices, 2);
	assert_int_equal(st.asked_evicted, 2);

	/* a device leaves with its last name */
	mw_namecache_forget_device(c, 1);
	assert_int_equal(mw_namecache_device_names(c, 1, out, 4), 0);
	for (i = 0; i < 3; i++) {
		char n[32];

		snprintf(n, sizeof(n), "n%d.example", i);
		assert_int_equal(mw_namecache_asked(c, 3 + i, n, 20 + i), 0);
	}
	/* the third pushed out device 2's oldest (x) */
	mw_namecache_stats(c, &st);
	assert_int_equal(st.asked, 5);
	assert_int_equal(st.devices, 4);
	assert_int_equal(mw_namecache_device_names(c, 2, out, 4), 2);
	assert_string_equal(out[1].name, "y.example");
	assert_int_equal(mw_namecache_asked(c, 9, "bad name", 30), -EINVAL);
	assert_int_equal(mw_namecache_asked(c, 9, "", 30), -EINVAL);
	mw_namecache_free(c);
}

static void test_bad_input(void **state)
{
	struct mw_nc_cfg cfg = { .max_pairs = 0, .max_asked = 1, .max_asked_per_device = 1 };
	struct mw_namecache *c;

	(void)state;
	errno = 0;
	assert_null(mw_namecache_new(&cfg));
	assert_int_equal(errno, EINVAL);
	c = cache(2, 2, 2, 0);
	assert_int_equal(add(c, "a..b", "198.18.0.1", 10, 0, NULL), -EINVAL);
	assert_int_equal(add(c, "a.b/c", "198.18.0.1", 10, 0, NULL), -EINVAL);
	assert_int_equal(mw_namecache_add(c, "a.b", AF_UNIX, A("198.18.0.1"), 10, 0, NULL, NULL),
			 -EINVAL);
	assert_int_equal(nlookup(c, "a b", 0), -EINVAL);
	mw_namecache_free(c);
}

/* ---- a random run against a plain list ---- */

struct model_pair {
	int name, addr;
	uint64_t leaves;
};

static void test_random_vs_model(void **state)
{
	enum { NAMES = 40, ADDRS = 30, STEPS = 20000 };
	/* big enough never to evict: the model has no eviction */
	struct mw_namecache *c = cache(NAMES * ADDRS, 64, 8, 7);
	static struct model_pair mp[NAMES * ADDRS];
	int nm = 0, step;
	uint64_t now = 0;
	unsigned int seed = 12345;

	(void)state;
	for (step = 0; step < STEPS; step++) {
		int name = rand_r(&seed) % NAMES, addr = rand_r(&seed) % ADDRS, i, want, got;
		uint32_t ttl = rand_r(&seed) % 50;
		char n[32], a[32];
		struct mw_nc_addr out[ADDRS];
		struct mw_nc_name rn[NAMES];

		now += rand_r(&seed) % 3;
		snprintf(n, sizeof(n), "h%d.example", name);
		snprintf(a, sizeof(a), "198.18.0.%d", addr);
		switch (rand_r(&seed) % 4) {
		case 0:
		case 1:
			for (i = 0; i < nm; i++)
				if (mp[i].name == name && mp[i].addr == addr && mp[i].leaves > now)
					break;
			want = i == nm;
			assert_int_equal(add(c, n, a, ttl, now, NULL), want);
			if (want) {
				mp[nm].name = name;
				mp[nm].addr = addr;
				mp[nm++].leaves = now + ttl + 7;
			} else if (now + ttl + 7 > mp[i].leaves) {
				mp[i].leaves = now + ttl + 7;
			}
			break;
		case 2:
			mw_namecache_expire(c, now, NULL, NULL);
			/* fall through */
		case 3:
			for (i = 0, want = 0; i < nm; i++)
				want += mp[i].name == name && mp[i].leaves > now;
			got = mw_namecache_lookup(c, n, now, out, ADDRS);
			assert_int_equal(got, want);
			for (i = 0, want = 0; i < nm; i++)
				want += mp[i].addr == addr && mp[i].leaves > now;
			got = mw_namecache_rlookup(c, AF_INET, A(a), now, rn, NAMES);
			assert_int_equal(got, want);
			break;
		}
		/* drop what has left from the model */
		for (i = 0; i < nm; i++)
			if (mp[i].leaves <= now)
				mp[i--] = mp[--nm];
	}
	mw_namecache_free(c);
}

/* A small cache under churn: bounds hold, every lookup result is present. */
static void test_random_small(void **state)
{
	struct mw_namecache *c = cache(16, 8, 3, 2);
	struct mw_nc_stats st = { 0 };
	unsigned int seed = 777;
	uint64_t now = 0;
	int step, added = 0, gone = 0;
	struct rec r;

	(void)state;
	for (step = 0; step < 20000; step++) {
		char n[32], a[32];
		struct mw_nc_addr out[64];
		int i, got;

		r.n = 0;
		now += rand_r(&seed) % 2;
		snprintf(n, sizeof(n), "n%d.example", rand_r(&seed) % 64);
		snprintf(a, sizeof(a), "fd00::%x", rand_r(&seed) % 64);
		add(c, n, a, rand_r(&seed) % 30, now, &r);
		mw_namecache_asked(c, rand_r(&seed) % 10, n, now);
		if (step % 7 == 0)
			mw_namecache_expire(c, now, record, &r);
		for (i = 0; i < r.n; i++)
			r.v[i].kind == MW_NC_ADDED ? added++ : gone++;
		got = mw_namecache_lookup(c, n, now, out, 64);
		assert_true(got >= 0 && got <= 16);
		for (i = 0; i < got; i++)
			assert_true(out[i].leaves > now);
		mw_namecache_stats(c, &st);
		assert_true(st.pairs <= 16);
		assert_true(st.asked <= 8);
		assert_int_equal(st.pairs, added - gone);
		assert_int_equal(st.added, added);
		assert_int_equal(st.expired + st.evicted, gone);
	}
	assert_true(st.evicted > 0);
	assert_true(st.asked_evicted > 0);
	mw_namecache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttl_grace_exact),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_ttl_clamp),
		cmocka_unit_test(test_insert_chain),
		cmocka_unit_test(test_insert_parsed),
		cmocka_unit_test(test_evict_when_full),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_cache_match),
		cmocka_unit_test(test_rlookup),
		cmocka_unit_test(test_device_names),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_random_vs_model),
		cmocka_unit_test(test_random_small),
	};

	return cmocka_run_group_tests_name("namecache", tests, NULL, NULL);
}
