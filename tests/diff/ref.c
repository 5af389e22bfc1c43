// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reference classifier (see ref.h). Each rule below cites the piece of the
 * specification it models; where the specification leaves a choice open
 * the comment says which reading is taken.
 */
#include <string.h>
#include <linux/bpf.h>

#include "ref.h"

const char *const ref_via_names[REF_VIA_NR] = {
	[REF_VIA_NONE]		= "none",
	[REF_VIA_MAC]		= "mac",
	[REF_VIA_IP]		= "ip",
	[REF_VIA_PREFIX]	= "prefix",
	[REF_VIA_VENDOR]	= "vendor",
	[REF_VIA_IFDEFAULT]	= "if-default",
	[REF_VIA_DEFAULT]	= "default",
};

/* The ABI's reason names (include/modwall.h), as stats and metrics print them. */
#define REF_REASON_NAME(e, v, n)	[v] = n,
const char *const ref_reason_names[MW_NR_REASONS] = { MW_REASONS(REF_REASON_NAME) };

/* Protocol numbers, spelled out here rather than taken from the BPF side. */
#define ET_IPV4		0x0800
#define ET_IPV6		0x86DD
#define ET_8021Q	0x8100
#define ET_8021AD	0x88A8

#define P_ICMP		1
#define P_TCP		6
#define P_UDP		17
#define P_ICMPV6	58
#define P_NONE		59

#define GTPU_PORT	2152
#define GTP_GPDU	255

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t rd48(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v = v << 8 | p[i];
	return v;
}

static int bad(struct ref_pkt *pkt, const char *why)
{
	pkt->status = REF_BAD_L3;
	pkt->why = why;
	return REF_BAD_L3;
}

/*
 * IPv6 extension headers the parser walks, and their length:
 * AH (n + 2) * 4 bytes, fragment 8, the others (n + 1) * 8.
 */
static int v6_is_ext(int nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 ||
	       nh == 135 || nh == 139 || nh == 140;
}

/*
 * "first (or only) fragment whose TCP (20 bytes, data offset >= 5 and within
 * the frame), UDP (8) or ICMP/ICMPv6 (4) header is cut short", checked
 * against the end of the frame (not the IP length).
 *
 * ICMP is taken as the protocol of the L3 family (1 under IPv4, 58 under
 * IPv6): the spec ties the check to "the kernel's own L4 code", and neither
 * stack treats the other family's ICMP number as ICMP. REF_ICMP_ANY_FAMILY
 * selects the other reading (both numbers under both families).
 */
int ref_icmp_any_family;

static int parse_l4(struct ref_pkt *pkt, const uint8_t *f, size_t len, size_t off)
{
	size_t need = 0;
	int icmp = pkt->l3 == 4 ? P_ICMP : P_ICMPV6;

	pkt->l4_off = off;
	if (pkt->l4 == P_TCP) {
		if (off + 20 > len)
			return bad(pkt, "tcp header cut short");
		if ((f[off + 12] >> 4) < 5)
			return bad(pkt, "tcp data offset < 5");
		if (off + (size_t)(f[off + 12] >> 4) * 4 > len)
			return bad(pkt, "tcp data offset beyond the frame");
		pkt->sport = rd16(f + off);
		pkt->dport = rd16(f + off + 2);
		return REF_OK;
	}
	if (pkt->l4 == P_UDP)
		need = 8;
	else if (pkt->l4 == icmp ||
		 (ref_icmp_any_family && (pkt->l4 == P_ICMP || pkt->l4 == P_ICMPV6)))
		need = 4;
	if (off + need > len)
		return bad(pkt, pkt->l4 == P_UDP ? "udp header cut short" :
						    "icmp header cut short");
	if (pkt->l4 == P_UDP) {
		pkt->sport = rd16(f + off);
		pkt->dport = rd16(f + off + 2);
	}
	return REF_OK;
}

/*
 * IPv4: header cut short, version != 4, IHL < 5, total length < IHL * 4 or
 * longer than the frame (or, inside a tunnel, than the G-PDU's payload:
 * @lim). A fragment with a non-zero offset has no L4 header.
 */
static int parse_ip4(struct ref_pkt *pkt, const uint8_t *f, size_t len, size_t off, size_t lim)
{
	unsigned int ihl, tot, frag;

	if (off + 20 > len)
		return bad(pkt, "ipv4 header cut short");
	if (f[off] >> 4 != 4)
		return bad(pkt, "ipv4 version");
	ihl = f[off] & 0xf;
	if (ihl < 5)
		return bad(pkt, "ipv4 ihl < 5");
	tot = rd16(f + off + 2);
	if (tot < ihl * 4)
		return bad(pkt, "ipv4 total length < header length");
	if (tot > lim)
		return bad(pkt, "inner ipv4 total length beyond the g-pdu");
	if (off + tot > len)
		return bad(pkt, "ipv4 total length beyond the frame");
	pkt->l3 = 4;
	pkt->l3_off = off;
	memcpy(pkt->saddr, f + off + 12, 4);
	memcpy(pkt->daddr, f + off + 16, 4);
	pkt->l4 = f[off + 9];
	frag = rd16(f + off + 6);
	if (frag & 0x2000 || frag & 0x1fff)
		pkt->frag = 1;
	if (frag & 0x1fff) {
		pkt->no_l4 = 1;
		return REF_OK;
	}
	return parse_l4(pkt, f, len, off + ihl * 4);
}

/*
 * IPv6: header cut short, version != 6, payload length longer than the
 * frame, an extension header cut short (by the end of the frame), or a
 * ninth extension header. A fragment header with a non-zero offset, or
 * next header 59, ends the walk with no L4 header.
 */
static int parse_ip6(struct ref_pkt *pkt, const uint8_t *f, size_t len, size_t off, size_t lim)
{
	size_t p, hl;
	int nh;

	if (off + 40 > len)
		return bad(pkt, "ipv6 header cut short");
	if (f[off] >> 4 != 6)
		return bad(pkt, "ipv6 version");
	if (off + 40 + rd16(f + off + 4) > len)
		return bad(pkt, "ipv6 payload length beyond the frame");
	if (40 + (size_t)rd16(f + off + 4) > lim)
		return bad(pkt, "inner ipv6 length beyond the g-pdu");
	pkt->l3 = 6;
	pkt->l3_off = off;
	memcpy(pkt->saddr, f + off + 8, 16);
	memcpy(pkt->daddr, f + off + 24, 16);
	nh = f[off + 6];
	p = off + 40;

	while (v6_is_ext(nh)) {
		if (pkt->ext == MW_MAX_IPV6_EXT)
			return bad(pkt, "more than 8 ipv6 extension headers");
		pkt->ext++;
		if (nh == 44) {
			if (p + 8 > len)
				return bad(pkt, "ipv6 fragment header cut short");
			pkt->frag = 1;
			nh = f[p];
			if (rd16(f + p + 2) >> 3) {
				pkt->l4 = nh;
				pkt->no_l4 = 1;
				return REF_OK;
			}
			p += 8;
			continue;
		}
		if (p + 2 > len)
			return bad(pkt, "ipv6 extension header cut short");
		hl = nh == 51 ? ((size_t)f[p + 1] + 2) * 4 : ((size_t)f[p + 1] + 1) * 8;
		if (p + hl > len)
			return bad(pkt, "ipv6 extension header cut short");
		nh = f[p];
		p += hl;
	}
	pkt->l4 = nh;
	if (nh == P_NONE) {
		pkt->no_l4 = 1;
		return REF_OK;
	}
	return parse_l4(pkt, f, len, p);
}

void ref_parse(const uint8_t *f, size_t len, struct ref_pkt *pkt)
{
	size_t off = 14;
	uint16_t et;

	memset(pkt, 0, sizeof(*pkt));
	pkt->l4 = -1;
	if (len < 14) {
		pkt->status = REF_BAD_L2;
		pkt->why = "shorter than an ethernet header";
		return;
	}
	pkt->dmac = rd48(f);
	pkt->smac = rd48(f + 6);
	et = rd16(f + 12);

	/* up to MW_MAX_VLAN tags, 802.1Q or 802.1ad in any order */
	while (et == ET_8021Q || et == ET_8021AD) {
		if (pkt->vlans == MW_MAX_VLAN) {
			bad(pkt, "more than 2 vlan tags");
			return;
		}
		if (off + 4 > len) {
			bad(pkt, "vlan tag cut short");
			return;
		}
		et = rd16(f + off + 2);
		off += 4;
		pkt->vlans++;
	}
	pkt->ethertype = et;
	if (et == ET_IPV4)
		parse_ip4(pkt, f, len, off, SIZE_MAX);
	else if (et == ET_IPV6)
		parse_ip6(pkt, f, len, off, SIZE_MAX);
}

/*
 * GTP-U (bpf/gtp.h). A sound outer packet that is no fragment and carries
 * UDP to or from port 2152; destination port 2152 is uplink (the device is
 * the inner source), else downlink. Header: 8 octets (version 1 and PT 1 in
 * the top nibble of the flags), its length field (octets after those 8)
 * within the frame; a G-PDU with E, S or PN set has 4 more octets (next
 * extension type in the last, read only with E), then extension headers of
 * 4 * n octets (n = 0 is malformed) ending with the next type, at most
 * MW_MAX_GTP_EXT of them, all within the message. What is left of the
 * message is the T-PDU: not empty, IPv4 or IPv6 by its first nibble, its IP
 * length within the T-PDU, then the rules of an outer packet. Any other
 * message type with a sound header is signalling.
 */
static void parse_gtp(struct ref_pkt *pkt, const uint8_t *f, size_t len)
{
	size_t g = pkt->l4_off + 8, msg, off, hl, lim;
	int nt;

	pkt->down = pkt->dport != GTPU_PORT;
	pkt->peer_l3 = pkt->l3;
	memcpy(pkt->peer, pkt->down ? pkt->daddr : pkt->saddr, 16);
	if (g + 8 > len) {
		bad(pkt, "gtp-u header cut short");
		return;
	}
	if ((f[g] & 0xf0) != 0x30) {
		bad(pkt, "gtp-u version != 1 or PT != 1");
		return;
	}
	msg = rd16(f + g + 2);
	if (g + 8 + msg > len) {
		bad(pkt, "gtp-u length beyond the frame");
		return;
	}
	if (f[g + 1] != GTP_GPDU) {
		pkt->tun = REF_TUN_SIGNAL;
		return;
	}
	pkt->tun = REF_TUN_GPDU;
	off = 8;
	if (f[g] & 0x07) {
		if (msg < 4) {
			bad(pkt, "gtp-u optional fields beyond the message");
			return;
		}
		nt = (f[g] & 0x04) ? f[g + 11] : 0;
		off = 12;
		while (nt) {
			if (pkt->gtp_ext == MW_MAX_GTP_EXT) {
				bad(pkt, "more than 4 gtp-u extension headers");
				return;
			}
			pkt->gtp_ext++;
			if (off + 1 > 8 + msg) {
				bad(pkt, "gtp-u extension header beyond the message");
				return;
			}
			hl = (size_t)f[g + off] * 4;
			if (!hl) {
				bad(pkt, "gtp-u extension header of length 0");
				return;
			}
			if (off + hl > 8 + msg) {
				bad(pkt, "gtp-u extension header beyond the message");
				return;
			}
			nt = f[g + off + hl - 1];
			off += hl;
		}
	}
	lim = 8 + msg - off;
	off += g;
	pkt->l3 = 0;
	pkt->l4 = -1;
	pkt->frag = pkt->no_l4 = pkt->ext = 0;
	pkt->sport = pkt->dport = 0;
	if (!lim) {
		bad(pkt, "empty t-pdu");
		return;
	}
	if (f[off] >> 4 == 4)
		parse_ip4(pkt, f, len, off, lim);
	else if (f[off] >> 4 == 6)
		parse_ip6(pkt, f, len, off, lim);
	else
		bad(pkt, "t-pdu neither ipv4 nor ipv6");
}

void ref_parse_role(const uint8_t *f, size_t len, int role, struct ref_pkt *pkt)
{
	ref_parse(f, len, pkt);
	if (role != MW_ROLE_N3 || pkt->status != REF_OK || !pkt->l3 || pkt->l4 != P_UDP ||
	    pkt->frag || (pkt->sport != GTPU_PORT && pkt->dport != GTPU_PORT))
		return;
	parse_gtp(pkt, f, len);
}

/* ------------------------------------------------------------------ */
/* Identification                                                      */
/* ------------------------------------------------------------------ */

const struct ref_entry *ref_find_mac(const struct ref_policy *pol, uint64_t mac)
{
	size_t i;

	for (i = 0; i < pol->nmac; i++)
		if (pol->mac[i].mac == mac)
			return &pol->mac[i].e;
	return NULL;
}

static const struct ref_entry *find_oui(const struct ref_policy *pol, uint64_t mac,
					unsigned int bits)
{
	uint64_t mask = (0xffffffffffffull << (48 - bits)) & 0xffffffffffffull;
	size_t i;

	for (i = 0; i < pol->noui; i++)
		if (pol->oui[i].bits == bits && pol->oui[i].prefix == (mac & mask))
			return &pol->oui[i].e;
	return NULL;
}

/*
 * Vendor class: the /24 entry; when its flags say so, the /36 and then the
 * /28 (most specific wins); a /24 entry with id 0 only carries the flags.
 */
const struct ref_entry *ref_find_vendor(const struct ref_policy *pol, uint64_t mac)
{
	const struct ref_entry *e24, *e;

	e24 = find_oui(pol, mac, 24);
	if (!e24)
		return NULL;
	if (e24->flags & MW_SF_HAS_MAS) {
		e = find_oui(pol, mac, 36);
		if (e)
			return e;
	}
	if (e24->flags & MW_SF_HAS_MAM) {
		e = find_oui(pol, mac, 28);
		if (e)
			return e;
	}
	return e24->id ? e24 : NULL;
}

static int prefix_match(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole))
		return 0;
	if (!rest)
		return 1;
	return ((a[whole] ^ b[whole]) & (0xff00 >> rest) & 0xff) == 0;
}

/* Exact entry (@exact) or the longest prefix containing @addr. */
const struct ref_entry *ref_find_ip(const struct ref_ip *tab, size_t n,
				    const uint8_t *addr, int bytes, int exact)
{
	const struct ref_entry *best = NULL;
	int best_len = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (exact) {
			if (tab[i].len == bytes * 8 && !memcmp(tab[i].addr, addr, bytes))
				return &tab[i].e;
			continue;
		}
		if (tab[i].len > best_len && prefix_match(tab[i].addr, addr, tab[i].len)) {
			best = &tab[i].e;
			best_len = tab[i].len;
		}
	}
	return best;
}

/* ------------------------------------------------------------------ */
/* Decision                                                            */
/* ------------------------------------------------------------------ */

static int verdict_of(uint8_t action)
{
	return action == MW_ACT_DROP ? XDP_DROP : XDP_PASS;
}

static uint32_t reason_of(uint8_t action)
{
	if (action == MW_ACT_DROP)
		return MW_R_DROP;
	if (action == MW_ACT_OBSERVE)
		return MW_R_OBSERVE;
	return MW_R_PASS;
}

static int set(struct ref_result *res, uint32_t subject, uint32_t reason,
	       uint8_t action, int via)
{
	res->subject = subject;
	res->reason = reason;
	res->verdict = verdict_of(action);
	res->via = via;
	return res->verdict;
}

int ref_judge(const struct ref_inst *in, const struct ref_policy *pol,
	       const uint8_t *f, size_t len, struct ref_result *res)
{
	const struct ref_pkt *pkt = &res->pkt;
	const struct ref_entry *e = NULL;
	int wan = in->role == MW_ROLE_WAN;
	uint64_t mac;
	const uint8_t *addr;
	uint8_t action;
	int via = REF_VIA_NONE, gpdu;

	ref_parse_role(f, len, in->role, &res->pkt);

	/* not even an Ethernet header: malformed, unattributed, always */
	if (pkt->status == REF_BAD_L2)
		return set(res, MW_SUBJECT_NONE, MW_R_MALFORMED, in->malformed_action,
			   REF_VIA_NONE);

	/* GTP-U signalling: counted and passed, policy or not */
	if (pkt->status == REF_OK && pkt->tun == REF_TUN_SIGNAL)
		return set(res, MW_SUBJECT_NONE, MW_R_TUNNEL_SIGNAL, MW_ACT_PASS, REF_VIA_NONE);

	/* before the first apply: malformed stays malformed, the rest no_policy */
	if (!pol) {
		if (pkt->status != REF_OK)
			return set(res, MW_SUBJECT_NONE, MW_R_MALFORMED,
				   in->malformed_action, REF_VIA_NONE);
		return set(res, MW_SUBJECT_NONE, MW_R_NO_POLICY, in->fail_action,
			   REF_VIA_NONE);
	}

	mac = wan ? pkt->dmac : pkt->smac;
	/* a sound G-PDU: by the inner address only; downlink's device is its destination */
	gpdu = pkt->status == REF_OK && pkt->tun == REF_TUN_GPDU;
	if (gpdu)
		wan = pkt->down;

	/* 1. exact MAC */
	if (!gpdu && (pol->lookups & MW_LK_MAC)) {
		e = ref_find_mac(pol, mac);
		if (e)
			via = REF_VIA_MAC;
	}

	/* malformed: by MAC only (exact device, then vendor class) */
	if (pkt->status != REF_OK) {
		if (!e && (pol->lookups & MW_LK_OUI)) {
			e = ref_find_vendor(pol, mac);
			if (e)
				via = REF_VIA_VENDOR;
		}
		return set(res, e ? e->id : MW_SUBJECT_NONE, MW_R_MALFORMED,
			   in->malformed_action, via);
	}

	/* 2. exact address, 3. prefix */
	if (!e && pkt->l3 == 4) {
		addr = wan ? pkt->daddr : pkt->saddr;
		if (pol->lookups & MW_LK_IP4) {
			e = ref_find_ip(pol->ip4, pol->nip4, addr, 4, 1);
			via = REF_VIA_IP;
		}
		if (!e && (pol->lookups & MW_LK_LPM4)) {
			e = ref_find_ip(pol->pfx4, pol->npfx4, addr, 4, 0);
			via = REF_VIA_PREFIX;
		}
	} else if (!e && pkt->l3 == 6) {
		addr = wan ? pkt->daddr : pkt->saddr;
		if (pol->lookups & MW_LK_IP6) {
			e = ref_find_ip(pol->ip6, pol->nip6, addr, 16, 1);
			via = REF_VIA_IP;
		}
		if (!e && (pol->lookups & MW_LK_LPM6)) {
			e = ref_find_ip(pol->pfx6, pol->npfx6, addr, 16, 0);
			via = REF_VIA_PREFIX;
		}
	}

	/* 4. vendor class */
	if (!e && !gpdu && (pol->lookups & MW_LK_OUI)) {
		e = ref_find_vendor(pol, mac);
		via = REF_VIA_VENDOR;
	}

	if (e)
		return set(res, e->id, reason_of(e->action), e->action, via);

	/* nothing matched: the interface's override, else the policy default */
	action = pol->if_default[in->slot % MW_MAX_IFACES];
	via = REF_VIA_IFDEFAULT;
	if (action == MW_ACT_INHERIT) {
		action = pol->default_action;
		via = REF_VIA_DEFAULT;
	}
	return set(res, MW_SUBJECT_NONE, reason_of(action), action, via);
}
