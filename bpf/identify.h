/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Identification: which subject a frame belongs to, in this order:
 *   1. exact MAC of a tagged device              (hash)
 *   2. exact IPv4/IPv6 address bound to a device  (hash)
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

static __always_inline struct mw_subject *
identify_mac(__u32 gen, __u8 lookups, __u64 mac)
{
	struct mw_subject *s;
	__u64 key;

	if (!(lookups & MW_LK_MAC))
		return 0;
	key = MW_MAC_KEY(gen, mac);
	s = bpf_map_lookup_elem(&mw_mac, &key);
	return s;
}

static __always_inline struct mw_subject *
identify_vendor(__u32 gen, __u8 lookups, __u64 mac)
{
	struct mw_subject *s24, *s;
	__u64 key;

	if (!(lookups & MW_LK_OUI))
		return 0;
	key = MW_OUI_KEY(gen, 24, mac);
	s24 = bpf_map_lookup_elem(&mw_oui, &key);
	if (!s24)
		return 0;
	if (s24->flags & MW_SF_HAS_MAS) {
		key = MW_OUI_KEY(gen, 36, mac);
		s = bpf_map_lookup_elem(&mw_oui, &key);
		if (s)
			return s;
	}
	if (s24->flags & MW_SF_HAS_MAM) {
		key = MW_OUI_KEY(gen, 28, mac);
		s = bpf_map_lookup_elem(&mw_oui, &key);
		if (s)
			return s;
	}
	return s24->id ? s24 : 0;
}

static __always_inline struct mw_subject *
identify_ip(__u32 gen, __u8 lookups, const struct mw_pkt *pkt, int wan)
{
	struct mw_subject *s = 0;

	if (pkt->l3 == MW_L3_IP4) {
		__be32 addr = wan ? pkt->daddr4 : pkt->saddr4;

		if (lookups & MW_LK_IP4) {
			__u64 key = MW_IP4_KEY(gen, addr);

			s = bpf_map_lookup_elem(&mw_ip4, &key);
			if (s)
				return s;
		}
		if (lookups & MW_LK_LPM4) {
			struct mw_lpm4_key lk = {
				.prefixlen = 64, .gen = gen, .addr = addr,
			};

			s = bpf_map_lookup_elem(&mw_lpm4, &lk);
		}
	} else if (pkt->l3 == MW_L3_IP6) {
		struct in6_addr *a = wan ? pkt->daddr6 : pkt->saddr6;

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
