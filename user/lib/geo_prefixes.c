// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Every prefix of a country (see geo.h): a MaxMind DB's search tree walked
 * node by node (MMDB_read_node), a legacy GeoIP file walked block by block
 * from the lowest address up (each lookup tells the block's netmask). Both
 * walks yield address ranges in ascending order; the ranges are cut where
 * IPv6 aliases IPv4, merged when adjacent, and written out as the fewest
 * CIDR prefixes that cover them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "geo_int.h"

typedef unsigned __int128 u128;

static u128 ones(int bits)
{
	return bits >= 128 ? ~(u128)0 : ((u128)1 << bits) - 1;
}

static int ctz128(u128 v, int width)
{
	uint64_t lo = (uint64_t)v, hi = (uint64_t)(v >> 64);
	int n = lo ? __builtin_ctzll(lo) : hi ? 64 + __builtin_ctzll(hi) : 128;

	return n < width ? n : width;
}

/*
 * IPv6 space that aliases or copies IPv4: never reported as IPv6
 * (ascending). MaxMind's databases point ::ffff:0:0/96, 2001::/32 and
 * 2002::/16 at the IPv4 subtree; libgeoip answers a Teredo address with
 * the country of its client's IPv4 address, so block netmasks there say
 * nothing of the IPv6 tree.
 */
static const struct { uint8_t b[16]; int len; } v4_alias[] = {
	{ { 0 }, 96 },							/* ::/96 */
	{ { [10] = 0xff, [11] = 0xff }, 96 },				/* ::ffff:0:0/96 */
	{ { 0x20, 0x01 }, 32 },						/* Teredo 2001::/32 */
	{ { 0x20, 0x02 }, 16 },						/* 2002::/16 */
};
#define N_ALIAS (sizeof(v4_alias) / sizeof(v4_alias[0]))

static u128 from_bytes(const uint8_t *b, int n)
{
	u128 v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | b[i];
	return v;
}

static void to_bytes(u128 v, uint8_t *b, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

/* The ranges of one walk, merged, out as prefixes. */
struct acc {
	int family;
	int width;		/* 32 or 128 */
	bool have;
	u128 lo, hi;		/* the pending range */
	u128 alias_lo[N_ALIAS], alias_hi[N_ALIAS];
	mw_geo_prefix_fn fn;
	void *ctx;
	int count;
};

static void acc_init(struct acc *a, int family, mw_geo_prefix_fn fn, void *ctx)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	a->family = family;
	a->width = family == AF_INET ? 32 : 128;
	a->fn = fn;
	a->ctx = ctx;
	for (i = 0; i < N_ALIAS; i++) {
		a->alias_lo[i] = from_bytes(v4_alias[i].b, 16);
		a->alias_hi[i] = a->alias_lo[i] | ones(128 - v4_alias[i].len);
	}
}

static int acc_flush(struct acc *a)
{
	u128 lo = a->lo, hi = a->hi;

	if (!a->have)
		return 0;
	a->have = false;
	for (;;) {
		int k = ctz128(lo, a->width), rc;
		struct mw_prefix p = { .family = a->family };

		while (k > 0 && hi - lo < ones(k))
			k--;
		p.len = a->width - k;
		to_bytes(lo, p.addr, a->width / 8);
		a->count++;
		rc = a->fn(&p, a->ctx);
		if (rc)
			return rc;
		if (hi - lo == ones(k))
			return 0;
		lo += ones(k) + 1;
	}
}

static int acc_piece(struct acc *a, u128 lo, u128 hi)
{
	int rc;

	if (a->have && a->hi != ones(a->width) && lo == a->hi + 1) {
		a->hi = hi;
		return 0;
	}
	rc = acc_flush(a);
	a->have = true;
	a->lo = lo;
	a->hi = hi;
	return rc;
}

/* Add [@lo, @hi] (ascending from the last one), less the IPv4 aliases for IPv6. */
static int acc_add(struct acc *a, u128 lo, u128 hi)
{
	size_t i;
	int rc;

	if (a->family == AF_INET)
		return acc_piece(a, lo, hi);
	for (i = 0; i < N_ALIAS; i++) {
		if (a->alias_hi[i] < lo)
			continue;
		if (a->alias_lo[i] > hi)
			break;
		if (a->alias_lo[i] > lo && (rc = acc_piece(a, lo, a->alias_lo[i] - 1)))
			return rc;
		if (a->alias_hi[i] >= hi)
			return 0;
		lo = a->alias_hi[i] + 1;
	}
	return acc_piece(a, lo, hi);
}

/* Is [@lo, @hi] wholly inside one IPv4 alias? */
static bool acc_aliased(const struct acc *a, u128 lo, u128 hi)
{
	size_t i;

	for (i = 0; a->family == AF_INET6 && i < N_ALIAS; i++)
		if (lo >= a->alias_lo[i] && hi <= a->alias_hi[i])
			return true;
	return false;
}

/* Whether each data record (by offset) is of the country: most leaves share a few records. */
struct cc_cache {
	uint32_t *key;		/* offset + 1; 0 empty */
	uint8_t *match;
	size_t cap, n;
};

static int cc_cache_get(struct cc_cache *c, MMDB_entry_s *e, const char *cc)
{
	size_t i, mask;
	char got[3];
	int rc;

	if (c->n * 2 >= c->cap) {
		struct cc_cache nc = { .cap = c->cap ? c->cap * 2 : 1024 };

		nc.key = calloc(nc.cap, sizeof(*nc.key));
		nc.match = calloc(nc.cap, 1);
		if (!nc.key || !nc.match) {
			free(nc.key);
			free(nc.match);
			return -ENOMEM;
		}
		for (i = 0; i < c->cap; i++) {
			size_t j;

			if (!c->key[i])
				continue;
			for (j = c->key[i] * 2654435761u & (nc.cap - 1); nc.key[j]; j = (j + 1) & (nc.cap - 1))
				;
			nc.key[j] = c->key[i];
			nc.match[j] = c->match[i];
		}
		nc.n = c->n;
		free(c->key);
		free(c->match);
		*c = nc;
	}
	mask = c->cap - 1;
	for (i = (e->offset + 1u) * 2654435761u & mask; c->key[i]; i = (i + 1) & mask)
		if (c->key[i] == e->offset + 1u)
			return c->match[i];
	rc = mw_geo_mmdb_cc(e, got);
	if (rc == -EINVAL)
		return rc;
	c->key[i] = e->offset + 1u;
	c->match[i] = !rc && !strcmp(got, cc);
	c->n++;
	return c->match[i];
}

struct frame {
	u128 pos;		/* first address of the record's prefix, in tree coordinates */
	uint64_t record;
	uint32_t offset;	/* data records: the entry's offset */
	uint8_t type;		/* MMDB_RECORD_TYPE_* */
	uint8_t depth;		/* the record's prefix length in the tree */
};

static int mmdb_walk(const struct mw_geo *g, const char *cc, struct acc *a)
{
	const MMDB_s *m = &g->mmdb;
	int width = m->metadata.ip_version == 6 ? 128 : 32;
	struct frame stack[2 * 128 + 4];
	struct cc_cache cache = { 0 };
	uint64_t visits = 0, max_visits = 2 * (uint64_t)m->metadata.node_count + 2;
	bool v6tree = width == 128;
	int n = 0, rc = 0;

	if (a->family == AF_INET6 && !v6tree)
		return 0;
	if (a->family == AF_INET && v6tree) {
		/* a record above ::/96 covers all of IPv4: it stands at ::/96 here */
		stack[n++] = (struct frame){ .record = g->v4.record, .offset = g->v4.offset,
					     .type = g->v4.type, .depth = 96 };
	} else {
		stack[n++] = (struct frame){ .type = MMDB_RECORD_TYPE_SEARCH_NODE };
	}
	while (n > 0 && !rc) {
		struct frame f = stack[--n];
		u128 hi = f.pos | ones(width - f.depth);
		MMDB_search_node_s node;
		MMDB_entry_s e;

		switch (f.type) {
		case MMDB_RECORD_TYPE_EMPTY:
			break;
		case MMDB_RECORD_TYPE_DATA:
			e = (MMDB_entry_s){ .mmdb = m, .offset = f.offset };
			rc = cc_cache_get(&cache, &e, cc);
			if (rc == 1)
				rc = acc_add(a, f.pos, hi);
			break;
		case MMDB_RECORD_TYPE_SEARCH_NODE:
			if (acc_aliased(a, f.pos, hi))
				break;
			/* any other path to the IPv4 subtree */
			if (a->family == AF_INET6 && f.depth && g->v4.type == f.type &&
			    g->v4.depth == 96 && f.record == g->v4.record)
				break;
			if (f.depth >= width || ++visits > max_visits ||
			    MMDB_read_node(m, (uint32_t)f.record, &node) != MMDB_SUCCESS) {
				rc = -EINVAL;
				break;
			}
			/* right first: the left half comes off the stack first, in address order */
			stack[n++] = (struct frame){ .pos = f.pos | (u128)1 << (width - f.depth - 1),
						     .record = node.right_record,
						     .offset = node.right_record_entry.offset,
						     .type = node.right_record_type,
						     .depth = (uint8_t)(f.depth + 1) };
			stack[n++] = (struct frame){ .pos = f.pos, .record = node.left_record,
						     .offset = node.left_record_entry.offset,
						     .type = node.left_record_type,
						     .depth = (uint8_t)(f.depth + 1) };
			break;
		default:
			rc = -EINVAL;
		}
	}
	free(cache.key);
	free(cache.match);
	return rc;
}

/*
 * Legacy: from the lowest address up, one lookup a block of the tree. A
 * tree of N nodes has at most N + 1 leaves; more steps mean the file's
 * tree has cycles (its nodes were checked to lie inside the file).
 */
static int legacy_walk(const struct mw_geo *g, const char *cc, struct acc *a)
{
	GeoIP *gi = a->family == AF_INET ? g->gi4 : g->gi6;
	uint64_t steps = 0, max_steps = (a->family == AF_INET ? g->gi4_nodes : g->gi6_nodes) + 8;
	int w = a->width, rc = 0;
	u128 ip = 0;
	char got[3];

	if (!gi)
		return 0;
	for (;;) {
		GeoIPLookup gl = { .netmask = -1 };
		u128 end;
		size_t i;
		int id;

		for (i = 0; a->family == AF_INET6 && i < N_ALIAS; i++)
			if (ip >= a->alias_lo[i] && ip <= a->alias_hi[i]) {
				if (a->alias_hi[i] == ones(128))
					return 0;
				ip = a->alias_hi[i] + 1;
			}
		if (++steps > max_steps)
			return -EINVAL;
		if (a->family == AF_INET) {
			/* libgeoip answers 0.0.0.0 with "unknown" and no netmask: ask for .1 */
			id = GeoIP_id_by_ipnum_gl(gi, ip ? (unsigned long)ip : 1, &gl);
			if (!ip && gl.netmask == 32) {
				id = 0;
				gl.netmask = 32;
			}
		} else {
			geoipv6_t a6;

			to_bytes(ip, a6.s6_addr, 16);
			id = GeoIP_id_by_ipnum_v6_gl(gi, a6, &gl);
		}
		if (gl.netmask < 1 || gl.netmask > w)
			return -EINVAL;
		end = ip | ones(w - gl.netmask);
		if (!mw_geo_legacy_cc(id, got) && !strcmp(got, cc) && (rc = acc_add(a, ip, end)))
			return rc;
		if (end == ones(w))
			return 0;
		ip = end + 1;
	}
}

int mw_geo_country_prefixes(const struct mw_geo *g, const char *cc, int family,
			    mw_geo_prefix_fn fn, void *ctx)
{
	struct acc a;
	char code[3];
	int rc;

	if (mw_geo_cc_parse(cc, code))
		return -EINVAL;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	acc_init(&a, family, fn, ctx);
	rc = g->mmdb_open ? mmdb_walk(g, code, &a) : legacy_walk(g, code, &a);
	if (!rc)
		rc = acc_flush(&a);
	return rc ? rc : a.count;
}
