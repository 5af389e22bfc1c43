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

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's, for BPF batch ops */
#endif

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

static uint8_t live_lookups(const struct mw_maps *m, unsigned gen)
{
	struct mw_config cfg;

	/* unreadable: probe everything */
	return bpf_map_lookup_elem(m->config, &gen, &cfg) ? 0xff : cfg.lookups;
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

typedef int (*scan_fn)(const void *key, const void *val, void *ctx);

/*
 * Call @fn on every entry of a map until it returns non-zero. Hash maps
 * are read in batches (a few system calls for the whole map); maps that
 * have no batch operation (LPM tries) key by key. Returns 0 or -errno.
 */
static int map_scan(int fd, size_t ksz, size_t vsz, scan_fn fn, void *ctx)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint64_t in[8], out[8];		/* batch position: 4 bytes for hash maps */
	unsigned char k[64], nk[64], v[64];
	__u32 chunk = 256;
	void *keys = NULL, *vals = NULL, *prev = NULL;
	int first = 1, rc = 0, stop = 0;

	if (ksz > sizeof(k) || vsz > sizeof(v))
		return -EINVAL;
	for (;;) {
		__u32 n = chunk, i;
		int e = 0;

		if (!keys) {
			keys = malloc(ksz * chunk);
			vals = malloc(vsz * chunk);
			if (!keys || !vals) {
				rc = -ENOMEM;
				break;
			}
		}
		if (bpf_map_lookup_batch(fd, first ? NULL : in, out, keys, vals, &n, &opts))
			e = errno;
		if (e == ENOSPC && chunk < 65536) {	/* a bucket larger than the chunk */
			chunk *= 4;
			free(keys);
			free(vals);
			keys = vals = NULL;
			continue;
		}
		if (e && e != ENOENT) {
			if (first && (e == EINVAL || e == ENOTSUPP || e == EOPNOTSUPP))
				goto by_key;
			rc = -e;
			break;
		}
		for (i = 0; i < n && !stop; i++)
			stop = fn((char *)keys + (size_t)i * ksz, (char *)vals + (size_t)i * vsz, ctx);
		if (stop || e == ENOENT)
			break;
		memcpy(in, out, sizeof(in));
		first = 0;
	}
	free(keys);
	free(vals);
	return rc;

by_key:
	free(keys);
	free(vals);
	while (bpf_map_get_next_key(fd, prev, nk) == 0) {
		memcpy(k, nk, ksz);
		prev = k;
		if (bpf_map_lookup_elem(fd, k, v))
			continue;	/* removed meanwhile */
		if (fn(k, v, ctx))
			return 0;
	}
	return errno == ENOENT ? 0 : -errno;
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
 * address costs two lookups: the exact map, then the LPM trie with the
 * whole address (any covering prefix answers). A prefix also has entries
 * inside it, so the maps that hold any (per the lookup bits) are scanned.
 * With @exact, only an entry of exactly @p counts. Returns 1 with @owner,
 * 0, or -errno.
 */
static int live_overlap(const struct mw_maps *m, unsigned gen, const struct mw_prefix *p,
			int exact, struct mw_subject *owner)
{
	struct live_scan c = { .gen = gen, .family = p->family, .p = p, .exact = exact };
	uint8_t lk = live_lookups(m, gen), bit;
	unsigned char key[32];
	int fd, rc = 0;

	if (is_host(p)) {
		fd = mw_ip_key(m, gen, p, key, &bit);
		if (bpf_map_lookup_elem(fd, key, owner) == 0)
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
		if ((lk & MW_LK_IP4) && !exact)
			rc = map_scan(m->ip4, sizeof(__u64), sizeof(struct mw_subject), live_ip4_fn, &c);
		if (!rc && !c.found && (lk & MW_LK_LPM4))
			rc = map_scan(m->lpm4, sizeof(struct mw_lpm4_key), sizeof(struct mw_subject),
				      live_lpm_fn, &c);
	} else {
		if ((lk & MW_LK_IP6) && !exact)
			rc = map_scan(m->ip6, sizeof(struct mw_ip6_key), sizeof(struct mw_subject),
				      live_ip6_fn, &c);
		if (!rc && !c.found && (lk & MW_LK_LPM6))
			rc = map_scan(m->lpm6, sizeof(struct mw_lpm6_key), sizeof(struct mw_subject),
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
	rc = map_scan(m->binds, sizeof(struct mw_bind_key), sizeof(struct mw_bind_val),
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
	unsigned char key[32];
	unsigned gen = m->ctlm->gen & 1;
	uint8_t bit;
	int fd;

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
	fd = mw_ip_key(m, gen, p, key, &bit);
	if (bpf_map_lookup_elem(fd, key, &v) == 0) {
		if (v.id == dev.id)
			return 0;
		SETERR("the live policy gives this address to another device");
		return -EEXIST;
	}
	if (bpf_map_update_elem(fd, key, &dev, BPF_ANY) || mw_enable_lookup(m, gen, bit)) {
		int e = errno;

		SETERR("adding to the live policy: %s", strerror(e));
		return -e;
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
	unsigned char key[32];
	uint8_t bit;
	int fd;

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
	if (mw_bind_device(m, imei, &dev, NULL)) {
		fd = mw_ip_key(m, m->ctlm->gen & 1, p, key, &bit);
		if (bpf_map_lookup_elem(fd, key, &v) == 0 && v.id == dev.id &&
		    bpf_map_delete_elem(fd, key) && errno != ENOENT) {
			int e = errno;

			SETERR("removing from the live policy: %s", strerror(e));
			return -e;
		}
	}
	if (bpf_map_delete_elem(m->binds, &bk) && errno != ENOENT) {
		int e = errno;

		SETERR("removing the binding: %s", strerror(e));
		return -e;
	}
	return 0;
}

