/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Identification: which subject a frame belongs to, in this order:
 *   1. exact MAC of a tagged device              (table, hash for spills)
 *   2. exact IPv4 address bound to a device       (table, hash for spills)
 *      exact IPv6 address bound to a device       (hash)
 *   3. IPv4/IPv6 prefix bound to a device         (LPM trie, only if populated)
 *   4. vendor class by MAC prefix: the /24 entry by exact hash; when its flags
 *      say longer assignments exist inside it, probe /36 then /28 (most
 *      specific wins). A /24 entry with id 0 only carries those flags (a block
 *      of the IEEE Registration Authority, not a vendor's).
 * On a lan interface the device is the frame's source (source MAC/IP); on
 * a wan interface it is the destination.
 */
#ifndef MW_IDENTIFY_H
#define MW_IDENTIFY_H

#include "maps.h"
#include "parse.h"

/*
 * Probe an open-addressing table for @key. Returns the entry, or NULL with
 * *overflow set when the window's last slot says keys spilled to the hash map.
 */
static __always_inline struct mw_subject *
tab_lookup(void *tab, __u32 gen, __u8 bits, __u64 key, int *overflow)
{
	__u32 mask, base, h, i;

	bits &= 31;
	if (bits < MW_TAB_MIN_BITS || bits > MW_TAB_MAX_BITS)
		return 0;
	mask = (1u << bits) - 1;
	base = gen << bits;
	h = MW_TAB_HASH(key, bits);
	for (i = 0; i < MW_TAB_PROBES; i++) {
		__u32 idx = base | ((h + i) & mask);
		struct mw_slot *sl = bpf_map_lookup_elem(tab, &idx);

		if (!sl || !(sl->key & MW_SLOT_VALID))
			return 0;
		if ((sl->key & MW_SLOT_KEY) == key)
			return &sl->v;
		if (i == MW_TAB_PROBES - 1)
			*overflow = !!(sl->key & MW_SLOT_OVERFLOW);
	}
	return 0;
}

static __always_inline struct mw_subject *
identify_mac(__u32 gen, const struct mw_config *cfg, __u64 mac)
{
	int overflow = 1;	/* without a table, the hash map holds everything */
	__u64 key;

	if (cfg->lookups & MW_LK_MACTAB) {
		struct mw_subject *s;

		overflow = 0;
		s = tab_lookup(&mw_mactab, gen, cfg->mac_bits, mac, &overflow);
		if (s)
			return s;
	}
	if (!overflow || !(cfg->lookups & MW_LK_MAC))
		return 0;
	key = MW_MAC_KEY(gen, mac);
	return bpf_map_lookup_elem(&mw_mac, &key);
}

static __always_inline struct mw_subject *
vendor_probe(__u32 gen, const struct mw_config *cfg, int bits, __u64 mac)
{
	int overflow = 1;
	__u64 key;

	if (cfg->lookups & MW_LK_OUITAB) {
		struct mw_subject *s;

		overflow = 0;
		key = ((__u64)bits << 48) |
		      (mac & (0xffffffffffffull << (48 - bits)) & 0xffffffffffffull);
		s = tab_lookup(&mw_ouitab, gen, cfg->oui_bits, key, &overflow);
		if (s)
			return s;
	}
	if (!overflow || !(cfg->lookups & MW_LK_OUI))
		return 0;
	key = MW_OUI_KEY(gen, bits, mac);
	return bpf_map_lookup_elem(&mw_oui, &key);
}

static __always_inline struct mw_subject *
identify_vendor(__u32 gen, const struct mw_config *cfg, __u64 mac)
{
	struct mw_subject *s24, *s;

	if (!(cfg->lookups & (MW_LK_OUI | MW_LK_OUITAB)))
		return 0;
	s24 = vendor_probe(gen, cfg, 24, mac);
	if (!s24)
		return 0;
	if (s24->flags & MW_SF_HAS_MAS) {
		s = vendor_probe(gen, cfg, 36, mac);
		if (s)
			return s;
	}
	if (s24->flags & MW_SF_HAS_MAM) {
		s = vendor_probe(gen, cfg, 28, mac);
		if (s)
			return s;
	}
	return s24->id ? s24 : 0;
}

/* Exact IPv4 address: the table, then mw_ip4 when the window overflowed. */
static __always_inline struct mw_subject *
identify_ip4(__u32 gen, const struct mw_config *cfg, __be32 addr)
{
	int overflow = 1;	/* without a table, the hash map holds everything */
	__u64 key;

	if (cfg->ip4_bits) {
		struct mw_subject *s;

		overflow = 0;
		s = tab_lookup(&mw_ip4tab, gen, cfg->ip4_bits, (__u32)addr, &overflow);
		/* id 0: the slot is being written by a runtime binding; not there yet */
		if (s && s->id)
			return s;
	}
	if (!overflow || !(cfg->lookups & MW_LK_IP4))
		return 0;
	key = MW_IP4_KEY(gen, addr);
	return bpf_map_lookup_elem(&mw_ip4, &key);
}

static __always_inline struct mw_subject *
identify_ip(__u32 gen, const struct mw_config *cfg, const struct mw_pkt *pkt, int wan)
{
	__u8 lookups = cfg->lookups;
	struct mw_subject *s = 0;

	if (pkt->l3 == MW_L3_IP4) {
		__be32 addr = wan ? pkt->daddr4 : pkt->saddr4;

		s = identify_ip4(gen, cfg, addr);
		if (s)
			return s;
		if (lookups & MW_LK_LPM4) {
			struct mw_lpm4_key lk = {
				.prefixlen = 64, .gen = gen, .addr = addr,
			};

			s = bpf_map_lookup_elem(&mw_lpm4, &lk);
		}
	} else if (pkt->l3 == MW_L3_IP6) {
		const struct in6_addr *a = MW_PICK(wan, &pkt->daddr6, &pkt->saddr6);

		if (lookups & MW_LK_IP6) {
			struct mw_ip6_key key = { .gen = gen };

			__builtin_memcpy(key.addr, a, 16);
			s = bpf_map_lookup_elem(&mw_ip6, &key);
			if (s)
				return s;
		}
		if (lookups & MW_LK_LPM6) {
			struct mw_lpm6_key lk = { .prefixlen = 160, .gen = gen };

			__builtin_memcpy(lk.addr, a, 16);
			s = bpf_map_lookup_elem(&mw_lpm6, &lk);
		}
	}
	return s;
}

#endif /* MW_IDENTIFY_H */
