// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Keys of the identity and allow-list maps in a generation: building them,
 * the lookup bits that make the data path probe a map, and removing a
 * generation's keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "apply.h"
#include "apply_int.h"

int mw_apply_map_fd(const struct mw_maps *m, int map)
{
	switch (map) {
	case MW_PM_MAC: return m->mac;
	case MW_PM_OUI: return m->oui;
	case MW_PM_IP4: return m->ip4;
	case MW_PM_IP6: return m->ip6;
	case MW_PM_LPM4: return m->lpm4;
	case MW_PM_LPM6: return m->lpm6;
	case MW_PM_IMEI: return m->imei;
	case MW_PM_ALLOW4: return m->allow4;
	case MW_PM_ALLOW6: return m->allow6;
	case MW_PM_NAME: return m->names;
	}
	return -1;
}

static size_t key_size(int map)
{
	switch (map) {
	case MW_PM_IP6: return sizeof(struct mw_ip6_key);
	case MW_PM_LPM4: return sizeof(struct mw_lpm4_key);
	case MW_PM_LPM6: return sizeof(struct mw_lpm6_key);
	case MW_PM_ALLOW4: return sizeof(struct mw_allow4_key);
	case MW_PM_ALLOW6: return sizeof(struct mw_allow6_key);
	case MW_PM_NAME: return sizeof(struct mw_name_key);
	}
	return sizeof(__u64);
}

static unsigned key_gen(int map, const void *key)
{
	__u64 k64;

	switch (map) {
	case MW_PM_IP6: return ((const struct mw_ip6_key *)key)->gen;
	case MW_PM_LPM4: return ((const struct mw_lpm4_key *)key)->gen;
	case MW_PM_LPM6: return ((const struct mw_lpm6_key *)key)->gen;
	case MW_PM_ALLOW4: return ((const struct mw_allow4_key *)key)->scope >> 16;
	case MW_PM_ALLOW6: return ((const struct mw_allow6_key *)key)->scope >> 16;
	case MW_PM_NAME: return ((const struct mw_name_key *)key)->scope >> 16;
	}
	memcpy(&k64, key, sizeof(k64));
	switch (map) {
	case MW_PM_MAC: return (unsigned)(k64 >> 48);
	case MW_PM_OUI: return (unsigned)(k64 >> 63);
	case MW_PM_IP4: return (unsigned)(k64 >> 32);
	case MW_PM_IMEI: return (unsigned)(k64 >> 63);
	}
	return 0;
}

int mw_ip_key(const struct mw_maps *m, unsigned gen, const struct mw_prefix *p, void *key,
	      uint8_t *bit)
{
	int host = p->len == (p->family == AF_INET ? 32 : 128);

	if (p->family == AF_INET && host) {
		__u32 a;
		__u64 k;

		memcpy(&a, p->addr, 4);
		k = MW_IP4_KEY(gen, a);
		memcpy(key, &k, sizeof(k));
		*bit = MW_LK_IP4;
		return m->ip4;
	}
	if (p->family == AF_INET) {
		struct mw_lpm4_key k = { .prefixlen = 32 + (unsigned)p->len, .gen = gen };

		memcpy(&k.addr, p->addr, 4);
		memcpy(key, &k, sizeof(k));
		*bit = MW_LK_LPM4;
		return m->lpm4;
	}
	if (host) {
		struct mw_ip6_key k = { .gen = gen };

		memcpy(k.addr, p->addr, 16);
		memcpy(key, &k, sizeof(k));
		*bit = MW_LK_IP6;
		return m->ip6;
	}
	{
		struct mw_lpm6_key k = { .prefixlen = 32 + (unsigned)p->len, .gen = gen };

		memcpy(k.addr, p->addr, 16);
		memcpy(key, &k, sizeof(k));
		*bit = MW_LK_LPM6;
		return m->lpm6;
	}
}

int mw_enable_lookup(const struct mw_maps *m, unsigned gen, uint8_t bit)
{
	struct mw_config cfg;

	if (bpf_map_lookup_elem(m->config, &gen, &cfg))
		return -errno;
	if (cfg.lookups & bit)
		return 0;
	cfg.lookups |= bit;
	return bpf_map_update_elem(m->config, &gen, &cfg, BPF_ANY) ? -errno : 0;
}

void mw_apply_make_key(const struct mw_maps *m, int map, unsigned gen,
		       const struct mw_plan_entry *e, void *key)
{
	__u64 k64 = 0;
	uint8_t bit;

	switch (map) {
	case MW_PM_MAC:
		k64 = MW_MAC_KEY(gen, e->mac);
		break;
	case MW_PM_OUI:
		k64 = MW_OUI_KEY(gen, e->bits, e->mac);
		break;
	case MW_PM_IMEI:
		k64 = MW_IMEI_KEY(gen, e->mac);
		break;
	case MW_PM_IP4:
	case MW_PM_IP6:
	case MW_PM_LPM4:
	case MW_PM_LPM6:
		mw_ip_key(m, gen, &e->pfx, key, &bit);
		return;
	case MW_PM_ALLOW4: {
		struct mw_allow4_key *k = key;

		memset(k, 0, sizeof(*k));
		k->prefixlen = 32 + (unsigned)e->pfx.len;
		k->scope = MW_SCOPE(gen, e->policy);
		memcpy(&k->addr, e->pfx.addr, 4);
		return;
	}
	case MW_PM_ALLOW6: {
		struct mw_allow6_key *k = key;

		memset(k, 0, sizeof(*k));
		k->prefixlen = 32 + (unsigned)e->pfx.len;
		k->scope = MW_SCOPE(gen, e->policy);
		memcpy(k->addr, e->pfx.addr, 16);
		return;
	}
	case MW_PM_NAME: {
		struct mw_name_key *k = key;

		memset(k, 0, sizeof(*k));
		k->scope = MW_SCOPE(gen, e->policy);
		k->family = (__u8)e->pfx.family;
		memcpy(k->addr, e->pfx.addr, e->pfx.family == AF_INET ? 4 : 16);
		return;
	}
	}
	memcpy(key, &k64, sizeof(k64));
}

struct purge {
	int map;
	unsigned gen;
	size_t ksz, n, cap;
	unsigned char *keys;
	int rc;
};

static int purge_fn(const void *key, const void *val, void *ctx)
{
	struct purge *c = ctx;

	(void)val;
	if (key_gen(c->map, key) != c->gen)
		return 0;
	if (c->n == c->cap) {
		unsigned char *nk;

		c->cap = c->cap ? c->cap * 2 : 256;
		nk = realloc(c->keys, c->cap * c->ksz);
		if (!nk) {
			c->rc = -ENOMEM;
			return 1;
		}
		c->keys = nk;
	}
	memcpy(c->keys + c->n++ * c->ksz, key, c->ksz);
	return 0;
}

/* Delete every key of generation @gen from identity map @map. */
static int purge_gen(const struct mw_maps *m, int map, unsigned gen)
{
	struct purge c = { .map = map, .gen = gen, .ksz = key_size(map) };
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = mw_apply_map_fd(m, map), rc;
	size_t i;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	rc = mw_map_scan(fd, c.ksz, info.value_size, purge_fn, &c);
	if (!rc)
		rc = c.rc;
	for (i = 0; !rc && i < c.n; i++)
		if (bpf_map_delete_elem(fd, c.keys + i * c.ksz) && errno != ENOENT)
			rc = -errno;
	free(c.keys);
	return rc;
}

int mw_apply_purge_all(const struct mw_maps *m, unsigned gen)
{
	int map, rc = 0;

	for (map = 0; map < MW_PM_N; map++) {
		int r = purge_gen(m, map, gen);

		if (r && !rc)
			rc = r;
	}
	return rc;
}
