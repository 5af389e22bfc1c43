// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The live policy's identity entries: see live.h. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "ident.h"
#include "live.h"

struct walk {
	unsigned gen;
	mw_live_fn fn;
	void *ctx;
	int kind;		/* of the map being walked */
	int layout;		/* ip_fn: its key layout */
};

static void emit_slots(const struct mw_slot *h, size_t n, int prefixes, struct walk *w)
{
	struct mw_live_ident e;
	size_t x;

	for (x = 0; x < n; x++) {
		if (!(h[x].key & MW_SLOT_VALID) || (prefixes && !h[x].v.id))
			continue;
		memset(&e, 0, sizeof(e));
		e.kind = prefixes ? MW_LIVE_PREFIX : MW_LIVE_MAC;
		e.id = h[x].v.id;
		e.mac = h[x].key & 0xffffffffffffull;
		e.bits = prefixes ? (int)((h[x].key >> 48) & 0x3f) : 48;
		w->fn(&e, w->ctx);
	}
}

/*
 * One generation's half of a table: from the mapping when there is one,
 * else read by the chunk (a read-only fd cannot be mapped, and a copy of
 * both halves is 256 MiB at a million devices).
 */
#define TAB_CHUNK	(1u << 18)	/* slots: 4 MiB */

static int emit_tab(int fd, const struct mw_slot *mapped, unsigned bits, int prefixes,
		    struct walk *w)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), n, k;
	struct mw_slot *buf;
	int rc = 0;

	if (mapped) {
		emit_slots(mapped + ((size_t)w->gen << bits), 1ul << bits, prefixes, w);
		return 0;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	for (bits = 0; (2u << bits) < info.max_entries; bits++)
		;
	if ((2u << bits) != info.max_entries)
		return -EPROTO;
	n = 1u << bits;
	buf = malloc((n < TAB_CHUNK ? n : TAB_CHUNK) * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	for (k = 0; k < n && !rc; k += TAB_CHUNK) {
		uint32_t cnt = n - k < TAB_CHUNK ? n - k : TAB_CHUNK;

		rc = mw_read_array_range(fd, (w->gen << bits) + k, cnt, sizeof(*buf), buf);
		if (!rc)
			emit_slots(buf, cnt, prefixes, w);
	}
	free(buf);
	return rc;
}

/* MAC (gen in bits 48+), IMEI and vendor prefix (gen in bit 63) spill maps; exact IPv4 */
static int u64_fn(const void *key, const void *val, void *ctx)
{
	const struct mw_subject *v = val;
	struct walk *w = ctx;
	struct mw_live_ident e = { .kind = w->kind, .id = v->id };
	uint64_t k;

	memcpy(&k, key, sizeof(k));
	switch (w->kind) {
	case MW_LIVE_MAC:
		if ((k >> 48) != w->gen)
			return 0;
		e.mac = k & 0xffffffffffffull;
		e.bits = 48;
		break;
	case MW_LIVE_IMEI:
		if ((k >> 63) != w->gen)
			return 0;
		e.imei = k & ~(1ull << 63);
		break;
	case MW_LIVE_PREFIX:
		if ((k >> 63) != w->gen || !v->id)
			return 0;
		e.mac = k & 0xffffffffffffull;
		e.bits = (int)((k >> 48) & 0x7f);
		break;
	default:	/* exact IPv4: gen in bits 32+ */
		if ((k >> 32) != w->gen)
			return 0;
		e.ip.family = AF_INET;
		e.ip.len = 32;
		memcpy(e.ip.addr, &k, 4);
		break;
	}
	w->fn(&e, w->ctx);
	return 0;
}

enum { K_IP6, K_LPM4, K_LPM6 };

/* exact IPv6 addresses and IPv4/IPv6 prefixes: gen in the key, the prefix length after it */
static int ip_fn(const void *key, const void *val, void *ctx)
{
	const struct mw_subject *v = val;
	struct walk *w = ctx;
	struct mw_live_ident e = { .kind = MW_LIVE_IP, .id = v->id };
	unsigned gen;

	if (w->layout == K_IP6) {
		const struct mw_ip6_key *k = key;

		gen = k->gen;
		e.ip.family = AF_INET6;
		e.ip.len = 128;
		memcpy(e.ip.addr, k->addr, 16);
	} else if (w->layout == K_LPM4) {
		const struct mw_lpm4_key *k = key;

		gen = k->gen;
		e.ip.family = AF_INET;
		e.ip.len = (int)k->prefixlen - 32;
		memcpy(e.ip.addr, &k->addr, 4);
	} else {
		const struct mw_lpm6_key *k = key;

		gen = k->gen;
		e.ip.family = AF_INET6;
		e.ip.len = (int)k->prefixlen - 32;
		memcpy(e.ip.addr, k->addr, 16);
	}
	if (gen == w->gen)
		w->fn(&e, w->ctx);
	return 0;
}

int mw_live_idents(const struct mw_maps *m, unsigned gen, mw_live_fn fn, void *ctx)
{
	struct walk w = { .gen = gen, .fn = fn, .ctx = ctx };
	const size_t vs = sizeof(struct mw_subject);
	int rc;

	rc = emit_tab(m->mactab, m->mactab_m, m->mac_bits, 0, &w);
	if (!rc)
		rc = emit_tab(m->ouitab, m->ouitab_m, m->oui_bits, 1, &w);
	w.kind = MW_LIVE_MAC;
	if (!rc)
		rc = mw_map_scan(m->mac, sizeof(__u64), vs, u64_fn, &w);
	w.kind = MW_LIVE_IMEI;
	if (!rc)
		rc = mw_map_scan(m->imei, sizeof(__u64), vs, u64_fn, &w);
	w.kind = MW_LIVE_IP;
	if (!rc)
		rc = mw_ip4_scan(m, gen, u64_fn, &w);
	w.layout = K_IP6;
	if (!rc)
		rc = mw_map_scan(m->ip6, sizeof(struct mw_ip6_key), vs, ip_fn, &w);
	w.layout = K_LPM4;
	if (!rc)
		rc = mw_map_scan(m->lpm4, sizeof(struct mw_lpm4_key), vs, ip_fn, &w);
	w.layout = K_LPM6;
	if (!rc)
		rc = mw_map_scan(m->lpm6, sizeof(struct mw_lpm6_key), vs, ip_fn, &w);
	w.kind = MW_LIVE_PREFIX;
	if (!rc)
		rc = mw_map_scan(m->oui, sizeof(__u64), vs, u64_fn, &w);
	return rc;
}

_Static_assert(offsetof(struct mw_allow4_key, scope) == offsetof(struct mw_allow6_key, scope),
	       "one scope offset for both allow-list keys");

struct allow_count {
	unsigned gen;
	unsigned *counts;
};

/* allow4 and allow6 keys both hold their scope (gen << 16 | policy) after the prefix length */
static int allow_fn(const void *key, const void *val, void *ctx)
{
	struct allow_count *c = ctx;
	__u32 scope;

	(void)val;
	memcpy(&scope, (const char *)key + offsetof(struct mw_allow4_key, scope), sizeof(scope));
	if ((scope >> 16) == c->gen)
		c->counts[scope & (MW_MAX_POLICIES - 1)]++;
	return 0;
}

static int value_size(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? -1 : (int)info.value_size;
}

int mw_live_allow_counts(const struct mw_maps *m, unsigned gen, unsigned *counts)
{
	struct allow_count c = { gen, counts };
	int v4 = value_size(m->allow4), v6 = value_size(m->allow6), rc;

	if (v4 < 0 || v6 < 0)
		return -EIO;
	rc = mw_map_scan(m->allow4, sizeof(struct mw_allow4_key), (size_t)v4, allow_fn, &c);
	return rc ? rc : mw_map_scan(m->allow6, sizeof(struct mw_allow6_key), (size_t)v6,
				     allow_fn, &c);
}
