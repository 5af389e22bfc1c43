/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Header parsing. Every step checks bounds against data_end before it
 * reads, and every loop has a constant bound the verifier can see.
 *
 * parse_frame() fills struct mw_pkt and returns:
 *   MW_PARSE_OK         headers up to L4 (where there is one) are sound;
 *   MW_PARSE_BAD_L3     the Ethernet header is whole (the MACs are usable),
 *                       something after it is truncated or malformed;
 *   MW_PARSE_BAD_L2     not even a whole Ethernet header (14 bytes).
 *
 * What counts as malformed (all get MW_R_MALFORMED):
 *   - frame shorter than 14 bytes, or a VLAN tag cut short, or more than
 *     MW_MAX_VLAN tags;
 *   - IPv4: header cut short, version != 4, IHL < 5, total length < IHL*4 or
 *     longer than the frame;
 *   - IPv6: header cut short, version != 6, payload length longer than the
 *     frame, an extension header cut short, or more than MW_MAX_IPV6_EXT of
 *     them;
 *   - first (or only) fragment whose TCP (20 bytes, data offset >= 5 and
 *     within the frame), UDP (8) or ICMP/ICMPv6 (4) header is cut short;
 *     ICMP means protocol 1 under IPv4 and 58 under IPv6 (the other
 *     family's number is just another protocol).
 * On an n3 interface a GTP-U frame is parsed further (bpf/gtp.h, which
 * lists what is malformed there); the packet inside the tunnel follows
 * the rules above, its IP length bounded by the G-PDU as well.
 * L4 headers are checked against the end of the frame, as the kernel's
 * own L4 code would read them. Non-first fragments carry no L4 header and
 * are not inspected further.
 *
 * A malformed frame is counted as such even before a policy is applied; it
 * is attributed by MAC (exact device, then vendor class) since its
 * addresses cannot be trusted.
 * Other ethertypes (ARP, ...) and other L4 protocols are fine: they are
 * attributed by MAC only (or by IP where there is one).
 */
#ifndef MW_PARSE_H
#define MW_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "modwall.h"

#define MW_PARSE_OK	0
#define MW_PARSE_BAD_L3	1
#define MW_PARSE_BAD_L2	2

#ifndef ETH_P_8021AD
#define ETH_P_8021AD	0x88A8
#endif

/* L3 kinds in mw_pkt.l3. */
#define MW_L3_OTHER	0
#define MW_L3_IP4	4
#define MW_L3_IP6	6

/* mw_pkt.flags */
#define MW_PF_FRAG	(1u << 0)	/* a fragment (first or not) */
#define MW_PF_NO_L4	(1u << 1)	/* non-first fragment or no next header */
#define MW_PF_SYN	(1u << 2)	/* TCP SYN without ACK: an opening */

struct mw_pkt {
	__u64 smac, dmac;	/* 48-bit MACs as numbers */
	__u16 ethertype;	/* innermost, host order */
	__u8 l3;		/* MW_L3_* */
	__u8 l4;		/* IPPROTO_* (0 when none) */
	__u8 flags;		/* MW_PF_* */
	__u8 vlans;
	__u16 sport, dport;	/* host order, 0 when none */
	__be32 saddr4, daddr4;
	/*
	 * Copies, not pointers into the frame: after the parse nothing in
	 * mw_pkt depends on which path through the headers it took, so the
	 * verifier checks the stages after it once for all of them.
	 */
	struct in6_addr saddr6, daddr6;
	void *l4h;		/* the L4 header when one was parsed, else the frame */
};

/*
 * Where an IP packet must end: the frame, or for a packet inside a GTP-U
 * tunnel, the G-PDU's payload (at most 0xffff bytes, so larger means none).
 */
#define MW_NO_LIMIT	0x20000

struct mw_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/*
 * (c) ? (a) : (b) for pointers, kept as two branches. Written as an
 * expression, the compiler turns a choice between two fields into an
 * offset computed from c, and the verifier must then track c precisely
 * (states that differ only in c are no longer one): with c a direction
 * known only per frame (n3), that multiplies what it walks.
 */
#define MW_PICK(c, a, b) ({						\
	typeof(a) _p;							\
	if (c) {							\
		_p = (a);						\
		asm volatile("" : "+r"(_p));				\
	} else {							\
		_p = (b);						\
		asm volatile("" : "+r"(_p));				\
	}								\
	_p;								\
})

/* Two loads, not six: packet loads need no alignment where XDP runs. */
static __always_inline __u64 mw_mac48(const __u8 *p)
{
	__u16 hi = *(const __u16 *)p;
	__u32 lo = *(const __u32 *)(p + 2);

	return ((__u64)bpf_ntohs(hi) << 32) | bpf_ntohl(lo);
}

/*
 * The IPv6 extension headers walked (RFC 7045's list: Hop-by-Hop, Routing,
 * Fragment, Destination Options, AH, Mobility, HIP, Shim6). ESP ends the
 * walk: what follows it is encrypted, so ESP is the frame's protocol. So do
 * 253 and 254 (RFC 3692 experimental values, which RFC 7045 lists as
 * extension headers too): their format is whatever an experiment makes it,
 * no length field can be trusted, so they are taken as the upper-layer
 * protocol (l4 = 253 or 254, no port) rather than skipped.
 */
static __always_inline int ipv6_is_ext(__u8 nh)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case 135:	/* Mobility */
	case 139:	/* HIP */
	case 140:	/* Shim6 */
		return 1;
	}
	return 0;
}

/* Parse the L4 header at @l4 for protocol @proto. */
static __always_inline int parse_l4(struct mw_pkt *pkt, void *l4, void *data_end)
{
	pkt->l4h = l4;
	switch (pkt->l4) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end || th->doff < 5 ||
		    l4 + th->doff * 4 > data_end)
			return MW_PARSE_BAD_L3;
		pkt->sport = bpf_ntohs(th->source);
		pkt->dport = bpf_ntohs(th->dest);
		if (th->syn && !th->ack)
			pkt->flags |= MW_PF_SYN;
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return MW_PARSE_BAD_L3;
		pkt->sport = bpf_ntohs(uh->source);
		pkt->dport = bpf_ntohs(uh->dest);
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__u8 *ih = l4;

		/* ICMP is protocol 1 under IPv4 only, ICMPv6 58 under IPv6 only */
		if (pkt->l4 != (pkt->l3 == MW_L3_IP4 ? IPPROTO_ICMP : IPPROTO_ICMPV6))
			break;
		if ((void *)(ih + 4) > data_end)
			return MW_PARSE_BAD_L3;
		/* type and code in the port slots, as flow tables usually do */
		pkt->sport = ih[0];
		pkt->dport = ih[1];
		break;
	}
	}
	return MW_PARSE_OK;
}

/*
 * A 16-bit length from the wire, bounded so that the verifier lets it move
 * a packet pointer. Some verifiers (6.1's among them) forget the range of a
 * byte swap; the mask restores it, and the empty asm keeps the compiler from
 * dropping a mask it knows to be redundant.
 */
static __always_inline __u32 be16_len(__be16 v)
{
	__u32 x = bpf_ntohs(v);

	asm volatile("" : "+r"(x));
	return x & 0xffff;
}

static __always_inline int parse_ipv4(struct mw_pkt *pkt, void *l3, void *data_end, __u32 lim)
{
	struct iphdr *iph = l3;
	__u32 hlen, tot;
	__u16 frag;

	if ((void *)(iph + 1) > data_end || iph->version != 4 || iph->ihl < 5)
		return MW_PARSE_BAD_L3;
	hlen = iph->ihl * 4;
	tot = be16_len(iph->tot_len);
	if (tot < hlen || tot > lim || l3 + hlen > data_end || l3 + tot > data_end)
		return MW_PARSE_BAD_L3;
	pkt->l3 = MW_L3_IP4;
	pkt->saddr4 = iph->saddr;
	pkt->daddr4 = iph->daddr;
	pkt->l4 = iph->protocol;
	frag = bpf_ntohs(iph->frag_off);
	if (frag & 0x3fff) {		/* MF or offset */
		pkt->flags |= MW_PF_FRAG;
		if (frag & 0x1fff) {	/* non-first: no L4 header here */
			pkt->flags |= MW_PF_NO_L4;
			return MW_PARSE_OK;
		}
	}
	return parse_l4(pkt, l3 + hlen, data_end);
}

static __always_inline int parse_ipv6(struct mw_pkt *pkt, void *l3, void *data_end, __u32 lim)
{
	struct ipv6hdr *ip6 = l3;
	void *p;
	__u8 nh;
	int i;

	if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
		return MW_PARSE_BAD_L3;
	if ((void *)(ip6 + 1) + be16_len(ip6->payload_len) > data_end ||
	    be16_len(ip6->payload_len) + sizeof(*ip6) > lim)
		return MW_PARSE_BAD_L3;
	pkt->l3 = MW_L3_IP6;
	__builtin_memcpy(&pkt->saddr6, &ip6->saddr, 16);
	__builtin_memcpy(&pkt->daddr6, &ip6->daddr, 16);
	nh = ip6->nexthdr;
	p = ip6 + 1;

	for (i = 0; i < MW_MAX_IPV6_EXT; i++) {
		__u8 *eh = p;

		if (!ipv6_is_ext(nh))
			break;
		if ((void *)(eh + 8) > data_end)
			return MW_PARSE_BAD_L3;
		if (nh == IPPROTO_FRAGMENT) {
			__u16 off = bpf_ntohs(*(__be16 *)(eh + 2));

			pkt->flags |= MW_PF_FRAG;
			nh = eh[0];
			p += 8;
			if (off & 0xfff8) {	/* offset != 0: no L4 here */
				pkt->l4 = nh;
				pkt->flags |= MW_PF_NO_L4;
				return MW_PARSE_OK;
			}
			continue;
		}
		if (nh == IPPROTO_AH)
			p += (eh[1] + 2) * 4;
		else
			p += (eh[1] + 1) * 8;
		nh = eh[0];
		if (p > data_end)
			return MW_PARSE_BAD_L3;
	}
	if (ipv6_is_ext(nh))		/* chain longer than we walk */
		return MW_PARSE_BAD_L3;
	pkt->l4 = nh;
	if (nh == IPPROTO_NONE) {
		pkt->flags |= MW_PF_NO_L4;
		return MW_PARSE_OK;
	}
	return parse_l4(pkt, p, data_end);
}

static __always_inline int parse_frame(struct mw_pkt *pkt, void *data, void *data_end)
{
	struct ethhdr *eth = data;
	void *p;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return MW_PARSE_BAD_L2;
	pkt->l4h = data;	/* a packet pointer on every path, for the verifier */
	pkt->dmac = mw_mac48(eth->h_dest);
	pkt->smac = mw_mac48(eth->h_source);
	proto = bpf_ntohs(eth->h_proto);
	p = eth + 1;

	for (i = 0; i < MW_MAX_VLAN; i++) {
		struct mw_vlan_hdr *vh = p;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if ((void *)(vh + 1) > data_end)
			return MW_PARSE_BAD_L3;
		proto = bpf_ntohs(vh->proto);
		p = vh + 1;
		pkt->vlans++;
	}
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD)
		return MW_PARSE_BAD_L3;	/* deeper stack than we walk */
	pkt->ethertype = proto;

	if (proto == ETH_P_IP)
		return parse_ipv4(pkt, p, data_end, MW_NO_LIMIT);
	if (proto == ETH_P_IPV6)
		return parse_ipv6(pkt, p, data_end, MW_NO_LIMIT);
	return MW_PARSE_OK;
}

#endif /* MW_PARSE_H */
