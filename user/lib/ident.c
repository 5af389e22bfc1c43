// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Identity entries changed while their generation may be live: see ident.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "apply.h"
#include "ident.h"

/* log2 of the IPv4 table's slots per generation: the mapping's, or the map's size. */
static int ip4tab_bits(const struct mw_maps *m, unsigned *bits)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	unsigned b = 0;

	if (m->ip4tab_m) {
		*bits = m->ip4_bits;
		return 0;
	}
	if (bpf_obj_get_info_by_fd(m->ip4tab, &info, &len))
		return -errno;
	while ((2u << b) < info.max_entries)
		b++;
	if ((2u << b) != info.max_entries)
		return -EPROTO;
	*bits = b;
	return 0;
}

static int read_slot(const struct mw_maps *m, unsigned gen, unsigned bits, uint32_t i,
		     struct mw_slot *out)
{
	__u32 idx = (gen << bits) | i;

	if (m->ip4tab_m) {
		const struct mw_slot *sl = m->ip4tab_m + idx;

		out->key = __atomic_load_n(&sl->key, __ATOMIC_ACQUIRE);
		memcpy(&out->v, &sl->v, sizeof(out->v));
		return 0;
	}
	return bpf_map_lookup_elem(m->ip4tab, &idx, out) ? -errno : 0;
}

/* As the data path probes, except that mw_ip4 is always asked (it is cheap here). */
static int ip4_get(const struct mw_maps *m, unsigned gen, uint32_t addr, struct mw_subject *out)
{
	unsigned bits = 0;
	uint32_t h, i;
	__u64 hk;
	int rc = ip4tab_bits(m, &bits);

	if (rc)
		return rc;
	h = MW_TAB_HASH((uint64_t)addr, bits);
	for (i = 0; i < MW_TAB_PROBES; i++) {
		struct mw_slot sl;

		rc = read_slot(m, gen, bits, (h + i) & ((1u << bits) - 1), &sl);
		if (rc)
			return rc;
		if (!(sl.key & MW_SLOT_VALID))
			break;
		if ((sl.key & MW_SLOT_KEY) == addr && sl.v.id) {
			*out = sl.v;
			return 0;
		}
	}
	hk = MW_IP4_KEY(gen, addr);
	return bpf_map_lookup_elem(m->ip4, &hk, out) ? -errno : 0;
}

struct mw_slot *mw_ip4tab_slot(const struct mw_maps *m, unsigned gen, uint32_t addr)
{
	struct mw_slot *half;
	uint32_t mask, h, i;

	if (!m->ip4tab_m)
		return NULL;
	half = m->ip4tab_m + ((size_t)gen << m->ip4_bits);
	mask = (1u << m->ip4_bits) - 1;
	h = MW_TAB_HASH((uint64_t)addr, m->ip4_bits);
	for (i = 0; i < MW_TAB_PROBES; i++) {
		struct mw_slot *sl = &half[(h + i) & mask];
		uint64_t k = __atomic_load_n(&sl->key, __ATOMIC_ACQUIRE);

		if (!(k & MW_SLOT_VALID))
			return NULL;
		if ((k & MW_SLOT_KEY) == addr)
			return sl;
	}
	return NULL;
}

struct ip4_scan {
	unsigned gen;
	mw_scan_fn fn;
	void *ctx;
	int stop;
};

static int scan_slots(const struct mw_slot *sl, uint32_t n, struct ip4_scan *c)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint64_t k = __atomic_load_n(&sl[i].key, __ATOMIC_ACQUIRE);
		struct mw_subject v;
		__u64 hk;

		memcpy(&v, &sl[i].v, sizeof(v));
		if (!(k & MW_SLOT_VALID) || (k & MW_SLOT_GONE) || !v.id)
			continue;
		hk = MW_IP4_KEY(c->gen, (uint32_t)k);
		if (c->fn(&hk, &v, c->ctx))
			return c->stop = 1;
	}
	return 0;
}

static int scan_hash(const void *key, const void *val, void *ctx)
{
	struct ip4_scan *c = ctx;
	__u64 k;

	memcpy(&k, key, sizeof(k));
	if ((unsigned)(k >> 32) != c->gen)
		return 0;
	return c->stop = c->fn(key, val, c->ctx);
}

#define SCAN_CHUNK	(1u << 16)	/* slots read at once without a mapping: 1 MiB */

int mw_ip4_scan(const struct mw_maps *m, unsigned gen, mw_scan_fn fn, void *ctx)
{
	struct ip4_scan c = { .gen = gen, .fn = fn, .ctx = ctx };
	unsigned bits = 0;
	struct mw_slot *buf;
	uint32_t n, k;
	int rc = ip4tab_bits(m, &bits);

	if (rc)
		return rc;
	n = 1u << bits;
	if (m->ip4tab_m) {
		scan_slots(m->ip4tab_m + ((size_t)gen << bits), n, &c);
	} else {
		buf = malloc((n < SCAN_CHUNK ? n : SCAN_CHUNK) * sizeof(*buf));
		if (!buf)
			return -ENOMEM;
		for (k = 0; k < n && !rc && !c.stop; k += SCAN_CHUNK) {
			uint32_t cnt = n - k < SCAN_CHUNK ? n - k : SCAN_CHUNK;

			rc = mw_read_array_range(m->ip4tab, (gen << bits) + k, cnt, sizeof(*buf),
						 buf);
			if (!rc)
				scan_slots(buf, cnt, &c);
		}
		free(buf);
	}
	if (rc || c.stop)
		return rc;
	return mw_map_scan(m->ip4, sizeof(__u64), sizeof(struct mw_subject), scan_hash, &c);
}

/* mw_config[gen].ip4_bits: the data path probes the table from now on. */
static int enable_table(const struct mw_maps *m, unsigned gen)
{
	struct mw_config cfg;

	if (bpf_map_lookup_elem(m->config, &gen, &cfg))
		return -errno;
	if (cfg.ip4_bits == m->ip4_bits)
		return 0;
	cfg.ip4_bits = (__u8)m->ip4_bits;
	return bpf_map_update_elem(m->config, &gen, &cfg, BPF_ANY) ? -errno : 0;
}

/*
 * The slot a new key takes in its window: an empty one, else a tombstone
 * of an earlier epoch, else (after a grace period, which makes every
 * tombstone so) a newer one. NULL when the window has neither.
 */
static struct mw_slot *free_slot(const struct mw_maps *m, struct mw_slot *half, uint32_t h)
{
	uint32_t mask = (1u << m->ip4_bits) - 1, epoch = m->ctlm->tomb_epoch, i;
	struct mw_slot *ripe = NULL, *fresh = NULL;

	for (i = 0; i < MW_TAB_PROBES; i++) {
		struct mw_slot *sl = &half[(h + i) & mask];
		uint64_t k = __atomic_load_n(&sl->key, __ATOMIC_ACQUIRE);

		if (!(k & MW_SLOT_VALID))
			return sl;
		if (!(k & MW_SLOT_GONE))
			continue;
		if ((uint32_t)k != epoch) {
			if (!ripe)
				ripe = sl;
		} else if (!fresh) {
			fresh = sl;
		}
	}
	if (ripe || !fresh)
		return ripe;
	/* no frame that may still read the entry a tombstone replaced runs after this */
	if (mw_sync_rcu(m))
		return NULL;
	__atomic_add_fetch(&m->ctlm->tomb_epoch, 1, __ATOMIC_SEQ_CST);
	return fresh;
}

static int ip4_add(const struct mw_maps *m, unsigned gen, uint32_t addr,
		   const struct mw_subject *v)
{
	struct mw_subject old;
	struct mw_slot *half, *sl;
	uint32_t h;
	__u64 hk;
	int rc;

	if (!m->ip4tab_m || m->readonly)
		return -EROFS;
	rc = ip4_get(m, gen, addr, &old);
	if (rc != -ENOENT)
		return rc ? rc : -EEXIST;
	half = m->ip4tab_m + ((size_t)gen << m->ip4_bits);
	h = MW_TAB_HASH((uint64_t)addr, m->ip4_bits);
	sl = free_slot(m, half, h);
	if (sl) {
		uint64_t k = __atomic_load_n(&sl->key, __ATOMIC_ACQUIRE);

		memcpy(&sl->v, v, sizeof(sl->v));
		__atomic_store_n(&sl->key, MW_SLOT_VALID | (k & MW_SLOT_OVERFLOW) | addr,
				 __ATOMIC_RELEASE);
		return enable_table(m, gen);
	}
	/* a full window: the hash map, then the window's mark, then the lookup bit */
	hk = MW_IP4_KEY(gen, addr);
	if (bpf_map_update_elem(m->ip4, &hk, v, BPF_NOEXIST))
		return -errno;
	sl = &half[(h + MW_TAB_PROBES - 1) & ((1u << m->ip4_bits) - 1)];
	__atomic_fetch_or(&sl->key, MW_SLOT_OVERFLOW, __ATOMIC_SEQ_CST);
	rc = enable_table(m, gen);
	return rc ? rc : mw_enable_lookup(m, gen, MW_LK_IP4);
}

static int ip4_del(const struct mw_maps *m, unsigned gen, uint32_t addr)
{
	struct mw_slot *sl;
	__u64 hk;

	if (!m->ip4tab_m || m->readonly)
		return -EROFS;
	sl = mw_ip4tab_slot(m, gen, addr);
	if (sl) {
		uint64_t k = __atomic_load_n(&sl->key, __ATOMIC_ACQUIRE);

		__atomic_store_n(&sl->key, MW_SLOT_VALID | (k & MW_SLOT_OVERFLOW) | MW_SLOT_GONE |
				 m->ctlm->tomb_epoch, __ATOMIC_RELEASE);
		return 0;
	}
	hk = MW_IP4_KEY(gen, addr);
	return bpf_map_delete_elem(m->ip4, &hk) ? -errno : 0;
}

static int ip4_host(const struct mw_prefix *p, uint32_t *addr)
{
	if (p->family != AF_INET || p->len != 32)
		return 0;
	memcpy(addr, p->addr, 4);
	return 1;
}

int mw_ident_get(const struct mw_maps *m, unsigned gen, const struct mw_prefix *p,
		 struct mw_subject *out)
{
	unsigned char key[32];
	uint32_t a;
	uint8_t bit;
	int fd;

	if (ip4_host(p, &a))
		return ip4_get(m, gen, a, out);
	fd = mw_ip_key(m, gen, p, key, &bit);
	return bpf_map_lookup_elem(fd, key, out) ? -errno : 0;
}

int mw_ident_add(const struct mw_maps *m, unsigned gen, const struct mw_prefix *p,
		 const struct mw_subject *v)
{
	unsigned char key[32];
	uint32_t a;
	uint8_t bit;
	int fd;

	if (ip4_host(p, &a))
		return ip4_add(m, gen, a, v);
	fd = mw_ip_key(m, gen, p, key, &bit);
	if (bpf_map_update_elem(fd, key, v, BPF_NOEXIST))
		return -errno;
	return mw_enable_lookup(m, gen, bit);
}

int mw_ident_del(const struct mw_maps *m, unsigned gen, const struct mw_prefix *p)
{
	unsigned char key[32];
	uint32_t a;
	uint8_t bit;
	int fd;

	if (ip4_host(p, &a))
		return ip4_del(m, gen, a);
	fd = mw_ip_key(m, gen, p, key, &bit);
	return bpf_map_delete_elem(fd, key) ? -errno : 0;
}
