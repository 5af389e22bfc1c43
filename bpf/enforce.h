/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Enforcement for subjects flagged MW_SF_ALLOW / MW_SF_RATE.
 *
 * Allow-list: the remote end of the frame (destination on a lan interface,
 * source on a wan interface) must fall in a prefix of the subject's policy,
 * and one of that prefix's rules must match the protocol and, where the
 * rule has one, the port (TCP/UDP: the remote port) or ICMP type range,
 * and a TCP opening (SYN without ACK) must come from an end the rule lets
 * open (MW_RF_INIT_*). A subject whose policy has name rules
 * (MW_SF_NAMES) is also allowed what mw_names holds for the remote address.
 * A frame without an L4 header (a non-first fragment) matches only rules
 * without a port range. ARP, and IPv6 neighbour discovery (ICMPv6 133-137)
 * whose remote end is link-local (fe80::/10, ff02::/16: never forwarded),
 * are always allowed, or the device could not reach its gateway; any other
 * non-IP frame is not allowed.
 *
 * Rate limit: GCRA per device and direction (see struct mw_bucket), checked
 * after the allow-list, so allowed traffic is limited too. A tc frame that
 * is a GSO aggregate costs as many packets as it has segments.
 */
#ifndef MW_ENFORCE_H
#define MW_ENFORCE_H

#include <linux/if_ether.h>
#include <linux/in.h>
#include "maps.h"
#include "parse.h"

#ifndef AF_INET
#define AF_INET		2
#define AF_INET6	10
#endif

#define MW_CAS_TRIES	8

/*
 * @refuse: the MW_RF_INIT_* flag that makes a rule refuse this frame (a
 * TCP opening from the end that flag forbids), or 0. A global function:
 * the verifier walks the rule loop once, not at every call site with
 * every state of the caller.
 */
__noinline int rules_match(const struct mw_allow_val *v, __u32 proto, __u32 port, __u32 has_port,
			   __u32 refuse)
{
	__u32 i, n;

	if (!v)
		return 0;
	n = v->n;

	for (i = 0; i < MW_MAX_RULES; i++) {
		const struct mw_rule *r = &v->rule[i];

		if (i >= n)
			break;
		if (r->proto && r->proto != proto)
			continue;
		if (r->flags & refuse)
			continue;
		if (!(r->flags & MW_RF_PORTS))
			return 1;
		if (has_port && port >= r->lo && port <= r->hi)
			return 1;
	}
	return 0;
}

/* Link-local unicast (fe80::/10) or link-local multicast (ff02::/16): never forwarded. */
static __always_inline int nd_scope(const struct in6_addr *a)
{
	const __u8 *b = (const __u8 *)a;

	return (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || (b[0] == 0xff && b[1] == 0x02);
}

static __always_inline int allowed(__u32 gen, __u16 policy, const struct mw_pkt *pkt, int wan,
				   int names)
{
	struct mw_name_key nk;
	const struct mw_allow_val *v = 0;
	__u16 port = 0;
	int has_port = 0;
	__u8 refuse = 0;

	if (pkt->l3 == MW_L3_OTHER)
		return pkt->ethertype == ETH_P_ARP;
	if (!(pkt->flags & MW_PF_NO_L4)) {
		switch (pkt->l4) {
		case IPPROTO_TCP:
			if (pkt->flags & MW_PF_SYN)	/* an opening: by the remote end on wan */
				refuse = wan ? MW_RF_INIT_DEVICE : MW_RF_INIT_REMOTE;
			/* fall through */
		case IPPROTO_UDP:
			port = wan ? pkt->sport : pkt->dport;
			has_port = 1;
			break;
		case IPPROTO_ICMP:
			if (pkt->l3 != MW_L3_IP4)
				break;
			port = pkt->sport;	/* type */
			has_port = 1;
			break;
		case IPPROTO_ICMPV6:
			if (pkt->l3 != MW_L3_IP6)
				break;
			port = pkt->sport;
			has_port = 1;
			if (port >= 133 && port <= 137 && nd_scope(MW_PICK(wan, &pkt->saddr6, &pkt->daddr6)))
				return 1;	/* neighbour discovery on the link */
			break;
		}
	}
	if (pkt->l3 == MW_L3_IP4) {
		struct mw_allow4_key k = {
			.prefixlen = 64,
			.scope = MW_SCOPE(gen, policy),
			.addr = wan ? pkt->saddr4 : pkt->daddr4,
		};

		v = bpf_map_lookup_elem(&mw_allow4, &k);
	} else {
		struct mw_allow6_key k = { .prefixlen = 160, .scope = MW_SCOPE(gen, policy) };

		__builtin_memcpy(k.addr, MW_PICK(wan, &pkt->saddr6, &pkt->daddr6), 16);
		v = bpf_map_lookup_elem(&mw_allow6, &k);
	}
	if (v && rules_match(v, pkt->l4, port, has_port, refuse))
		return 1;
	if (!names)
		return 0;
	/* learned from DNS: the rules of the names this address answers to */
	__builtin_memset(&nk, 0, sizeof(nk));
	nk.scope = MW_SCOPE(gen, policy);
	if (pkt->l3 == MW_L3_IP4) {
		nk.family = AF_INET;
		__builtin_memcpy(nk.addr, wan ? &pkt->saddr4 : &pkt->daddr4, 4);
	} else {
		nk.family = AF_INET6;
		__builtin_memcpy(nk.addr, MW_PICK(wan, &pkt->saddr6, &pkt->daddr6), 16);
	}
	v = bpf_map_lookup_elem(&mw_names, &nk);
	return v && rules_match(v, pkt->l4, port, has_port, refuse);
}

/* One GCRA step: 1 when the frame conforms (and the time moved), else 0. */
static __always_inline int gcra(__u64 *tat, __u64 now, __u64 cost, __u64 tau)
{
	int i;

	for (i = 0; i < MW_CAS_TRIES; i++) {
		__u64 old = *(volatile __u64 *)tat;
		__u64 base = old > now ? old : now;

		if (base - now > tau)
			return 0;
		if (__sync_val_compare_and_swap(tat, old, base + cost) == old)
			return 1;
	}
	return 0;	/* contended beyond reason: treat as over the limit */
}

static __always_inline int rate_ok(__u32 id, const struct mw_policy_cfg *pc, __u64 bytes,
				   __u64 packets, int wan)
{
	struct mw_bucket *b = bpf_map_lookup_elem(&mw_buckets, &id);
	__u64 now = bpf_ktime_get_ns() << MW_RATE_SHIFT;
	__u64 *pt, *bt;

	if (!b)
		return 0;
	pt = MW_PICK(wan, &b->pkt_tat[1], &b->pkt_tat[0]);
	bt = MW_PICK(wan, &b->byte_tat[1], &b->byte_tat[0]);
	if (pc->pkt_cost && !gcra(pt, now, pc->pkt_cost * packets, pc->pkt_tau))
		return 0;
	if (pc->byte_cost &&
	    !gcra(bt, now, (bytes * pc->byte_cost) >> MW_BYTE_COST_SHIFT, pc->byte_tau)) {
		if (pc->pkt_cost)	/* give the packet token back */
			__sync_fetch_and_sub(pt, pc->pkt_cost * packets);
		return 0;
	}
	return 1;
}

#endif /* MW_ENFORCE_H */
