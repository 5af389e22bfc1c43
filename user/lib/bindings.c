// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Runtime bindings: checks against other bindings and the live policy,
 * the pinned record, and the live identity entry of a bound device.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <bpf/bpf.h>
#include "apply.h"
#include "bindings.h"
#include "ident.h"

#define SETERR(...) do { if (err && errlen) snprintf(err, errlen, __VA_ARGS__); } while (0)


static void bind_key(struct mw_bind_key *k, uint64_t imei, const struct mw_prefix *p)
{
	memset(k, 0, sizeof(*k));
	k->imei = imei;
	k->family = (__u8)p->family;
	k->len = (__u8)p->len;
	memcpy(k->addr, p->addr, 16);
}

static void key_prefix(const struct mw_bind_key *k, struct mw_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = k->family;
	p->len = k->len;
	memcpy(p->addr, k->addr, 16);
}

static int is_host(const struct mw_prefix *p)
{
	return p->len == (p->family == AF_INET ? 32 : 128);
}

static void live_config(const struct mw_maps *m, unsigned gen, struct mw_config *cfg)
{
	if (bpf_map_lookup_elem(m->config, &gen, cfg))
		memset(cfg, 0xff, sizeof(*cfg));	/* unreadable: probe everything */
}

int mw_bind_device(const struct mw_maps *m, uint64_t imei, struct mw_subject *dev,
		   struct mw_subject_info *info)
{
	unsigned gen;
	__u64 k;

	if (!m->ctlm->applied)
		return 0;
	gen = m->ctlm->gen & 1;
	k = MW_IMEI_KEY(gen, imei);
	if (bpf_map_lookup_elem(m->imei, &k, dev))
		return 0;
	if (info) {
		memset(info, 0, sizeof(*info));
		bpf_map_lookup_elem(m->subjects, &dev->id, info);
	}
	return 1;
}

static int from_map_fn(const void *key, const void *val, void *ctx)
{
	const struct mw_bind_key *k = key;
	const struct mw_bind_val *v = val;
	/* no line: the file names the source (see the compiler's messages) */
	struct mw_loc loc = { .file = v->source == MW_BIND_RADIUS ? "RADIUS accounting" :
				      "modwall bind", .line = 0, .col = 0 };
	struct mw_prefix p;

	key_prefix(k, &p);
	mw_bindings_add(ctx, k->imei, &p, &loc);
	return 0;
}

int mw_bindings_from_map(const struct mw_maps *m, struct mw_bindings *b)
{
	int rc = mw_map_scan(m->binds, sizeof(struct mw_bind_key), sizeof(struct mw_bind_val),
			     from_map_fn, b);

	errno = rc ? -rc : 0;
	return rc;
}

struct of_imei {
	uint64_t imei;
	struct mw_prefix *v;
	int n, cap, rc;
};

static int of_imei_fn(const void *key, const void *val, void *ctx)
{
	const struct mw_bind_key *k = key;
	struct of_imei *c = ctx;
	struct mw_prefix *nv;

	(void)val;
	if (k->imei != c->imei)
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		nv = realloc(c->v, sizeof(*nv) * (size_t)c->cap);
		if (!nv) {
			c->rc = -ENOMEM;
			return 1;
		}
		c->v = nv;
	}
	key_prefix(k, &c->v[c->n++]);
	return 0;
}

int mw_bindings_of(const struct mw_maps *m, uint64_t imei, struct mw_prefix **out, int *n)
{
	struct of_imei c = { .imei = imei };
	int rc = mw_map_scan(m->binds, sizeof(struct mw_bind_key), sizeof(struct mw_bind_val),
			     of_imei_fn, &c);

	if (!rc)
		rc = c.rc;
	if (rc) {
		free(c.v);
		return rc;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

struct bind_scan {
	uint64_t imei;
	const struct mw_prefix *p;
	int found;
	struct mw_bind_key other;
};

static int bind_scan_fn(const void *key, const void *val, void *ctx)
{
	struct bind_scan *c = ctx;
	struct mw_prefix q;

	(void)val;
	key_prefix(key, &q);
	if (!mw_prefix_overlap(&q, c->p))
		return 0;
	c->found = 1;
	memcpy(&c->other, key, sizeof(c->other));
	return 1;
}

/* Live identity entries of generation @gen that overlap @p. */
struct live_scan {
	unsigned gen;
	int family;
	const struct mw_prefix *p;
	int exact;		/* prefixes: only @p itself, not what overlaps it */
	int found;
	struct mw_subject owner;
};

static int live_ip4_fn(const void *key, const void *val, void *ctx)
{
	struct live_scan *c = ctx;
	struct mw_prefix q = { .family = AF_INET, .len = 32 };
	__u64 k;
	__u32 a;

	memcpy(&k, key, sizeof(k));
	if ((unsigned)(k >> 32) != c->gen)
		return 0;
	a = (__u32)k;
	memcpy(q.addr, &a, 4);
	if (!mw_prefix_overlap(&q, c->p))
		return 0;
	c->found = 1;
	memcpy(&c->owner, val, sizeof(c->owner));
	return 1;
}

static int live_ip6_fn(const void *key, const void *val, void *ctx)
{
	struct live_scan *c = ctx;
	struct mw_prefix q = { .family = AF_INET6, .len = 128 };
	struct mw_ip6_key k;

	memcpy(&k, key, sizeof(k));
	if (k.gen != c->gen)
		return 0;
	memcpy(q.addr, k.addr, 16);
	if (!mw_prefix_overlap(&q, c->p))
		return 0;
	c->found = 1;
	memcpy(&c->owner, val, sizeof(c->owner));
	return 1;
}

static int live_lpm_fn(const void *key, const void *val, void *ctx)
{
	struct live_scan *c = ctx;
	struct mw_prefix q = { .family = c->family };

	if (c->family == AF_INET) {
		struct mw_lpm4_key k;

		memcpy(&k, key, sizeof(k));
		if (k.gen != c->gen)
			return 0;
		q.len = (int)k.prefixlen - 32;
		memcpy(q.addr, &k.addr, 4);
	} else {
		struct mw_lpm6_key k;

		memcpy(&k, key, sizeof(k));
		if (k.gen != c->gen)
			return 0;
		q.len = (int)k.prefixlen - 32;
		memcpy(q.addr, k.addr, 16);
	}
	if (!mw_prefix_overlap(&q, c->p) || (c->exact && q.len != c->p->len))
		return 0;
	c->found = 1;
	memcpy(&c->owner, val, sizeof(c->owner));
	return 1;
}

/*
 * Does any identity entry of the live generation overlap @p? A host
 * address costs two lookups: the exact entry, then the LPM trie with the
 * whole address (any covering prefix answers). A prefix also has entries
 * inside it, so the tables and maps that hold any (per the lookup bits
 * and the IPv4 table's size in mw_config) are scanned.
 * With @exact, only an entry of exactly @p counts. Returns 1 with @owner,
 * 0, or -errno.
 */
static int live_overlap(const struct mw_maps *m, unsigned gen, const struct mw_prefix *p,
			int exact, struct mw_subject *owner)
{
	struct live_scan c = { .gen = gen, .family = p->family, .p = p, .exact = exact };
	struct mw_config cfg;
	uint8_t lk;
	int rc = 0;

	live_config(m, gen, &cfg);
	lk = cfg.lookups;
	if (is_host(p)) {
		if (mw_ident_get(m, gen, p, owner) == 0)
			return 1;
		if (exact)
			return 0;
		if (p->family == AF_INET) {
			struct mw_lpm4_key k = { .prefixlen = 64, .gen = gen };

			memcpy(&k.addr, p->addr, 4);
			return bpf_map_lookup_elem(m->lpm4, &k, owner) == 0;
		} else {
			struct mw_lpm6_key k = { .prefixlen = 160, .gen = gen };

			memcpy(k.addr, p->addr, 16);
			return bpf_map_lookup_elem(m->lpm6, &k, owner) == 0;
		}
	}
	if (p->family == AF_INET) {
		if (((lk & MW_LK_IP4) || cfg.ip4_bits) && !exact)
			rc = mw_ip4_scan(m, gen, live_ip4_fn, &c);
		if (!rc && !c.found && (lk & MW_LK_LPM4))
			rc = mw_map_scan(m->lpm4, sizeof(struct mw_lpm4_key), sizeof(struct mw_subject),
				      live_lpm_fn, &c);
	} else {
		if ((lk & MW_LK_IP6) && !exact)
			rc = mw_map_scan(m->ip6, sizeof(struct mw_ip6_key), sizeof(struct mw_subject),
				      live_ip6_fn, &c);
		if (!rc && !c.found && (lk & MW_LK_LPM6))
			rc = mw_map_scan(m->lpm6, sizeof(struct mw_lpm6_key), sizeof(struct mw_subject),
				      live_lpm_fn, &c);
	}
	if (rc)
		return rc;
	if (c.found)
		*owner = c.owner;
	return c.found;
}

int mw_bind_check(const struct mw_maps *m, uint64_t imei, const struct mw_prefix *p,
		  char *err, size_t errlen)
{
	struct bind_scan c = { .imei = imei, .p = p };
	struct mw_bind_key bk;
	struct mw_bind_val bv;
	struct mw_subject owner, dev;
	char s[64], o[64], im[16];
	int rc;

	mw_format_prefix(p, s, sizeof(s));
	bind_key(&bk, imei, p);
	/* checked when it was stored, and every apply since accepted it */
	if (bpf_map_lookup_elem(m->binds, &bk, &bv) == 0)
		return 1;
	rc = mw_map_scan(m->binds, sizeof(struct mw_bind_key), sizeof(struct mw_bind_val),
		      bind_scan_fn, &c);
	if (rc) {
		SETERR("reading %s: %s", MW_MAP_BINDS, strerror(-rc));
		return rc;
	}
	if (c.found) {
		struct mw_prefix q;

		key_prefix(&c.other, &q);
		mw_format_prefix(&q, o, sizeof(o));
		mw_format_imei(c.other.imei, im);
		if (c.other.imei == imei)
			SETERR("%s overlaps %s, already bound to this IMEI", s, o);
		else
			SETERR("%s overlaps %s, bound to IMEI %s", s, o, im);
		return -EEXIST;
	}
	if (!m->ctlm->applied)
		return 0;
	/*
	 * Exactly this address of this IMEI's own device (from a bindings file,
	 * or the device's ip): the same binding counts once, apply merges them.
	 */
	if (mw_bind_device(m, imei, &dev, NULL) &&
	    live_overlap(m, m->ctlm->gen & 1, p, 1, &owner) == 1 && owner.id == dev.id)
		return 0;
	rc = live_overlap(m, m->ctlm->gen & 1, p, 0, &owner);
	if (rc < 0) {
		SETERR("reading the live policy: %s", strerror(-rc));
		return rc;
	}
	if (rc) {
		struct mw_subject_info info = { 0 };

		bpf_map_lookup_elem(m->subjects, &owner.id, &info);
		SETERR("%s overlaps an address of device '%s' in the live policy", s, info.name);
		return -EEXIST;
	}
	return 0;
}

int mw_bind_store(const struct mw_maps *m, uint64_t imei, const struct mw_prefix *p,
		  int source, char *err, size_t errlen)
{
	struct mw_bind_key bk;
	struct mw_bind_val bv;
	struct mw_subject dev, v;
	unsigned gen = m->ctlm->gen & 1;
	int rc;

	bind_key(&bk, imei, p);
	if (bpf_map_lookup_elem(m->binds, &bk, &bv)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		memset(&bv, 0, sizeof(bv));
		bv.created_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		bv.source = (__u32)source;
		if (bpf_map_update_elem(m->binds, &bk, &bv, BPF_NOEXIST) && errno != EEXIST) {
			int e = errno;

			SETERR("storing the binding: %s%s", strerror(e),
			       e == E2BIG ? " (the bindings map is full)" : "");
			return -e;
		}
	} else if (source == MW_BIND_CLI && bv.source != MW_BIND_CLI) {
		/* the operator's word outlasts the session: a Stop leaves it */
		bv.source = MW_BIND_CLI;
		if (bpf_map_update_elem(m->binds, &bk, &bv, BPF_EXIST) && errno != ENOENT) {
			int e = errno;

			SETERR("storing the binding: %s", strerror(e));
			return -e;
		}
	}
	if (!mw_bind_device(m, imei, &dev, NULL))
		return 0;
	if (mw_ident_get(m, gen, p, &v) == 0) {
		if (v.id == dev.id)
			return 0;
		SETERR("the live policy gives this address to another device");
		return -EEXIST;
	}
	rc = mw_ident_add(m, gen, p, &dev);
	if (rc) {
		SETERR("adding to the live policy: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

int mw_bind_apply(const struct mw_maps *m, uint64_t imei, const struct mw_prefix *p,
		  int source, char *err, size_t errlen)
{
	int rc = mw_bind_check(m, imei, p, err, errlen), st;

	if (rc < 0)
		return rc;
	/* an existing binding is stored again only to restore a missing live entry */
	st = mw_bind_store(m, imei, p, source, err, errlen);
	return st ? st : rc;
}

int mw_unbind_apply(const struct mw_maps *m, uint64_t imei, const struct mw_prefix *p,
		    int source, char *err, size_t errlen)
{
	struct mw_bind_key bk;
	struct mw_bind_val bv;
	struct mw_subject dev, v;
	unsigned gen = m->ctlm->gen & 1;
	int rc;

	bind_key(&bk, imei, p);
	if (bpf_map_lookup_elem(m->binds, &bk, &bv)) {
		int e = errno;

		if (e == ENOENT)
			SETERR("no such binding");
		else
			SETERR("reading %s: %s", MW_MAP_BINDS, strerror(e));
		return -e;
	}
	if (source >= 0 && bv.source != (__u32)source) {
		SETERR("bound by another source (%s)", bv.source == MW_BIND_CLI ? "the CLI" :
		       bv.source == MW_BIND_RADIUS ? "RADIUS" : "unknown");
		return -ENOENT;
	}
	if (mw_bind_device(m, imei, &dev, NULL) && mw_ident_get(m, gen, p, &v) == 0 &&
	    v.id == dev.id) {
		rc = mw_ident_del(m, gen, p);
		if (rc && rc != -ENOENT) {
			SETERR("removing from the live policy: %s", strerror(-rc));
			return rc;
		}
	}
	if (bpf_map_delete_elem(m->binds, &bk) && errno != ENOENT) {
		int e = errno;

		SETERR("removing the binding: %s", strerror(e));
		return -e;
	}
	return 0;
}

