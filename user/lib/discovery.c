// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Discovered MACs as userspace reads them: the discovery table (mw_disctab,
 * through its mmap or in batches) and the LRU map that takes what the
 * table has no room for (mw_discovered), merged into one list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "observe.h"

void mw_disc_slot_val(const struct mw_disc_slot *sl, struct mw_disc_val *v)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t zero[16];

	memset(v, 0, sizeof(*v));
	v->first_ns = sl->first_ns;
	v->last_ns = sl->last_ns < sl->first_ns ? sl->first_ns : sl->last_ns;
	v->packets = sl->packets;
	v->bytes = sl->bytes;
	v->subject = sl->subject;
	v->ifindex = sl->ifindex;
	if (!memcmp(sl->addr, mapped, sizeof(mapped))) {
		v->family = AF_INET;
		memcpy(v->addr, sl->addr + 12, 4);
	} else if (memcmp(sl->addr, zero, sizeof(zero))) {
		v->family = AF_INET6;
		memcpy(v->addr, sl->addr, 16);
	}
}

/* A slot in use and filled in: its MAC (0 otherwise). */
static uint64_t slot_mac(const struct mw_disc_slot *sl)
{
	uint64_t k = __atomic_load_n(&sl->key, __ATOMIC_ACQUIRE);

	if (!(k & MW_SLOT_VALID) || !sl->first_ns)
		return 0;
	return k & 0xffffffffffffull;
}

struct disc_read {
	struct mw_disc_entry *v;
	size_t n, cap;
	int rc;
};

static int grow(struct disc_read *c)
{
	struct mw_disc_entry *n;
	size_t cap = c->cap ? 2 * c->cap : 1024;

	if (c->n < c->cap)
		return 0;
	n = realloc(c->v, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	c->v = n;
	c->cap = cap;
	return 0;
}

static void add_slot(struct disc_read *c, const struct mw_disc_slot *sl)
{
	uint64_t mac = slot_mac(sl);

	if (!mac || c->rc)
		return;
	c->rc = grow(c);
	if (c->rc)
		return;
	c->v[c->n].mac = mac;
	mw_disc_slot_val(sl, &c->v[c->n].v);
	c->n++;
}

static void slot_sink(void *ctx, uint32_t first, uint32_t cnt, const void *vals)
{
	const struct mw_disc_slot *sl = vals;
	uint32_t i;

	(void)first;
	for (i = 0; i < cnt; i++)
		add_slot(ctx, &sl[i]);
}

static int lru_fn(const void *key, const void *val, void *ctx)
{
	struct disc_read *c = ctx;

	c->rc = grow(c);
	if (c->rc)
		return 1;
	memcpy(&c->v[c->n].mac, key, sizeof(c->v[c->n].mac));
	memcpy(&c->v[c->n++].v, val, sizeof(c->v[0].v));
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct mw_disc_entry *x = a, *y = b;

	if (x->mac != y->mac)
		return x->mac < y->mac ? -1 : 1;
	/* the fresher reading of a MAC met twice first */
	if (x->v.last_ns != y->v.last_ns)
		return x->v.last_ns > y->v.last_ns ? -1 : 1;
	return x->v.packets > y->v.packets ? -1 : x->v.packets < y->v.packets;
}

/* Sort v[from, n) by MAC and keep the first (the fresher) of each; the new n. */
static size_t sort_unique(struct mw_disc_entry *v, size_t from, size_t n)
{
	size_t i, j = from;

	qsort(v + from, n - from, sizeof(*v), cmp_entry);
	for (i = from; i < n; i++)
		if (j == from || v[j - 1].mac != v[i].mac)
			v[j++] = v[i];
	return j;
}

ssize_t mw_read_discovered(const struct mw_maps *m, struct mw_disc_entry **out)
{
	struct disc_read c = { 0 };
	size_t ntab, i, j;
	int rc;

	*out = NULL;
	if (m->disctab_m) {
		for (i = 0; i < MW_DISCTAB_SLOTS && !c.rc; i++)
			add_slot(&c, &m->disctab_m[i]);
		rc = c.rc;
	} else {
		rc = mw_map_read(m->disctab, MW_DISCTAB_SLOTS, sizeof(struct mw_disc_slot),
				 slot_sink, &c);
		if (!rc)
			rc = c.rc;
	}
	ntab = c.n;	/* one slot per MAC: the data path claims slots by compare-and-swap */
	if (!rc)
		rc = mw_map_scan(m->discovered, sizeof(__u64), sizeof(struct mw_disc_val), lru_fn,
				 &c);
	if (!rc)
		rc = c.rc;
	if (rc) {
		free(c.v);
		return rc;
	}
	if (!c.n) {
		free(c.v);
		return 0;
	}
	/* a batched walk of the LRU map may meet a MAC twice: keep its fresher reading */
	c.n = sort_unique(c.v, ntab, c.n);
	/*
	 * A MAC is in the table or in the LRU map; should it be in both, the
	 * two hold different frames: add them up.
	 */
	qsort(c.v, c.n, sizeof(*c.v), cmp_entry);
	for (i = 0, j = 0; i < c.n; i++) {
		struct mw_disc_val *p = j ? &c.v[j - 1].v : NULL, *q = &c.v[i].v;

		if (!p || c.v[j - 1].mac != c.v[i].mac) {
			c.v[j++] = c.v[i];
			continue;
		}
		p->packets += q->packets;	/* p is the fresher */
		p->bytes += q->bytes;
		if (q->first_ns < p->first_ns)
			p->first_ns = q->first_ns;
	}
	*out = c.v;
	return (ssize_t)j;
}

int mw_disc_lookup(const struct mw_maps *m, uint64_t mac, struct mw_disc_val *out)
{
	__u32 h = MW_TAB_HASH(mac, MW_DISCTAB_BITS), i;
	__u64 key = mac;

	for (i = 0; i < MW_TAB_PROBES; i++) {
		__u32 idx = (h + i) & (MW_DISCTAB_SLOTS - 1);
		struct mw_disc_slot buf;
		const struct mw_disc_slot *sl = &buf;

		if (m->disctab_m)
			sl = &m->disctab_m[idx];
		else if (bpf_map_lookup_elem(m->disctab, &idx, &buf))
			return -errno;
		if (!sl->key)
			break;
		if (slot_mac(sl) == mac) {
			mw_disc_slot_val(sl, out);
			return 0;
		}
	}
	return bpf_map_lookup_elem(m->discovered, &key, out) ? -errno : 0;
}
