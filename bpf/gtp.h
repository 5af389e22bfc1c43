/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * GTP-U (3GPP TS 29.281) on an interface loaded with --role n3: the
 * devices (UEs) are inside the tunnels, the outer addresses are the base
 * station's and the core's.
 *
 * A frame is a GTP-U frame when parse_frame() found it sound, its outer
 * packet (IPv4 or IPv6, behind up to two VLAN tags) is not a fragment, and
 * it carries UDP to port 2152 or from port 2152:
 *   - destination port 2152: uplink (base station to core); the device is
 *     the inner source, the outer source is the base station (the peer);
 *   - otherwise (source port 2152 only): downlink; the device is the inner
 *     destination, the outer destination is the peer.
 * Both ports 2152 is therefore uplink. Outer fragments are not GTP-U
 * frames (a piece alone cannot be judged): they, and every frame that is
 * not GTP-U, are judged as on a lan interface.
 *
 * Header: flags (version: 3 bits, PT, spare, E, S, PN), message type,
 * length (octets after the first 8), TEID; when E, S or PN is set, 4 more
 * octets: sequence number, N-PDU number, next extension header type (read
 * only when E is set). Each extension header: its length in 4-octet units,
 * content, and the next type as its last octet; type 0 ends the chain.
 *
 * Malformed (reason malformed, the interface's malformed verdict,
 * attributed as a malformed frame on lan: by the outer source MAC):
 *   - fewer than 8 octets after the UDP header (truncated header);
 *   - version != 1 or PT != 1 (GTP');
 *   - the length reaches beyond the end of the frame;
 * and for a G-PDU (type 255):
 *   - E, S or PN set and the length shorter than the 4 optional octets;
 *   - an extension header of length 0, or one reaching beyond the
 *     message (the length field) or the frame;
 *   - more than MW_MAX_GTP_EXT extension headers;
 *   - no T-PDU (nothing after the headers), or one whose first nibble is
 *     neither 4 nor 6 (Ethernet and unstructured PDU sessions are not
 *     supported), or an inner packet malformed by the rules of parse.h,
 *     with its IP total (IPv6: 40 + payload) length also bounded by the
 *     G-PDU's payload.
 * Every other message type (echo request 1 and response 2, error
 * indication 26, supported extension headers notification 31, end marker
 * 254, ...) with a sound 8-octet header is signalling: reason
 * tunnel_signal, subject 0, passed, whether a policy is applied or not.
 */
#ifndef MW_GTP_H
#define MW_GTP_H

#include <linux/socket.h>
#include "maps.h"
#include "clock.h"
#include "parse.h"

#ifndef AF_INET
#define AF_INET		2
#define AF_INET6	10
#endif

/* mw_tun.kind */
#define MW_TUN_NONE	0	/* not GTP-U: judged as on lan */
#define MW_TUN_GPDU	1	/* a G-PDU: pkt describes the inner packet */
#define MW_TUN_SIGNAL	2	/* any other message type */

#define GTP_VER_PT_MASK	0xf0
#define GTP_VER1_PT1	0x30	/* version 1, PT 1 (GTP, not GTP') */
#define GTP_F_E		0x04	/* extension header follows */
#define GTP_F_S		0x02	/* sequence number present */
#define GTP_F_PN	0x01	/* N-PDU number present */
#define GTP_HLEN	8	/* mandatory part */
#define GTP_OPT_LEN	4	/* sequence, N-PDU, next extension type */
#define GTP_T_GPDU	255

struct mw_tun {
	__u8 kind;		/* MW_TUN_* */
	__u8 dir;		/* enum mw_dir */
	__u8 family;		/* of the outer peer: AF_INET or AF_INET6 */
	__u32 teid;		/* host order */
	__u8 peer[16];		/* outer peer address (IPv4 in the first 4 bytes) */
};

/*
 * Offsets into the frame, bounded. Every path through the outer parser
 * (tags, IPv4 options, IPv6 extension headers) leaves its pointers with
 * their own ranges, and the verifier would walk the GTP-U and inner parse
 * once for each of them. rebase() turns a pointer into an offset the
 * verifier knows nothing about (a difference of two packet pointers),
 * bounds it, and adds it back to the frame's start: every path then
 * arrives with the same state, and one walk covers them all.
 *
 * The bounds never bind. The outer parser accepts a UDP header at most
 * 14 + 2 * 4 + 40 + 8 * 2048 octets in (16446), so the GTP-U header starts
 * by 16454 (MW_AT_GTP); its optional part and MW_MAX_GTP_EXT extension
 * headers of at most 1020 octets end it by 16454 + 12 + 4080 (MW_AT_TPDU).
 * What the inner parse adds stays below the 64 KiB the verifier allows.
 */
#define MW_AT_GTP	16454
#define MW_AT_TPDU	(MW_AT_GTP + 12 + MW_MAX_GTP_EXT * 1020)

static __always_inline __u8 *rebase(void *p, void *data, __u64 max)
{
	__u64 at = p - data;

	asm volatile("" : "+r"(at));	/* or the compiler gives p back */
	if (at > max)
		return 0;
	return data + at;
}

static __always_inline int gtp_candidate(const struct mw_pkt *pkt)
{
	return (pkt->l3 == MW_L3_IP4 || pkt->l3 == MW_L3_IP6) && pkt->l4 == IPPROTO_UDP &&
	       !(pkt->flags & MW_PF_FRAG) &&
	       (pkt->dport == MW_GTPU_PORT || pkt->sport == MW_GTPU_PORT);
}

/*
 * Parse the GTP-U message behind @pkt's UDP header (gtp_candidate() is
 * true). Fills @t; for a G-PDU, parses the inner packet into @pkt.
 * Returns MW_PARSE_OK or MW_PARSE_BAD_L3.
 */
static __always_inline int parse_gtp(struct mw_pkt *pkt, struct mw_tun *t, void *data,
				     void *data_end)
{
	__u8 *g, *in;
	__u32 len, off, lim;
	__u8 flags, nt;
	int i;

	t->dir = pkt->dport == MW_GTPU_PORT ? MW_DIR_UP : MW_DIR_DOWN;
	if (pkt->l3 == MW_L3_IP4) {
		t->family = AF_INET;
		*(__be32 *)t->peer = t->dir == MW_DIR_UP ? pkt->saddr4 : pkt->daddr4;
	} else {
		t->family = AF_INET6;
		__builtin_memcpy(t->peer, t->dir == MW_DIR_UP ? &pkt->saddr6 : &pkt->daddr6, 16);
	}
	g = rebase((__u8 *)pkt->l4h + sizeof(struct udphdr), data, MW_AT_GTP);
	/* no pointer of the outer parse's survives: see rebase() */
	pkt->l4h = data;
	if (!g || (void *)(g + GTP_HLEN) > data_end)
		return MW_PARSE_BAD_L3;
	flags = g[0];
	if ((flags & GTP_VER_PT_MASK) != GTP_VER1_PT1)
		return MW_PARSE_BAD_L3;
	len = be16_len(*(__be16 *)(g + 2));
	if ((void *)(g + GTP_HLEN) + len > data_end)
		return MW_PARSE_BAD_L3;
	t->teid = bpf_ntohl(*(__be32 *)(g + 4));
	if (g[1] != GTP_T_GPDU) {
		t->kind = MW_TUN_SIGNAL;
		return MW_PARSE_OK;
	}
	t->kind = MW_TUN_GPDU;

	off = GTP_HLEN;
	if (flags & (GTP_F_E | GTP_F_S | GTP_F_PN)) {
		if (len < GTP_OPT_LEN || (void *)(g + GTP_HLEN + GTP_OPT_LEN) > data_end)
			return MW_PARSE_BAD_L3;
		nt = (flags & GTP_F_E) ? g[GTP_HLEN + GTP_OPT_LEN - 1] : 0;
		off = GTP_HLEN + GTP_OPT_LEN;
		for (i = 0; i < MW_MAX_GTP_EXT; i++) {
			__u8 *eh = g + off, *last;
			__u32 m;

			if (!nt)
				break;
			if ((void *)(eh + 1) > data_end || !eh[0])
				return MW_PARSE_BAD_L3;
			/*
			 * Length - 1 in 4-octet units, masked so that even a
			 * verifier that learns nothing from "!= 0" (6.1's)
			 * sees 0..254 rather than a possible -1.
			 */
			m = eh[0] - 1;
			asm volatile("" : "+r"(m));
			m &= 0xff;
			if (off + m * 4 + 4 > GTP_HLEN + len)
				return MW_PARSE_BAD_L3;	/* beyond the message */
			last = eh + m * 4 + 3;	/* the next type: the last octet */
			if ((void *)(last + 1) > data_end)
				return MW_PARSE_BAD_L3;
			nt = *last;
			off += m * 4 + 4;
		}
		if (nt)				/* longer chain than we walk */
			return MW_PARSE_BAD_L3;
	}

	/* the T-PDU: from here on pkt describes the inner packet */
	lim = GTP_HLEN + len - off;
	in = rebase(g + off, data, MW_AT_TPDU);
	pkt->l3 = MW_L3_OTHER;
	pkt->l4 = 0;
	pkt->flags = 0;
	pkt->sport = 0;
	pkt->dport = 0;
	if (!in || !lim || (void *)(in + 1) > data_end)
		return MW_PARSE_BAD_L3;
	if ((in[0] >> 4) == 4)
		return parse_ipv4(pkt, in, data_end, lim);
	if ((in[0] >> 4) == 6)
		return parse_ipv6(pkt, in, data_end, lim);
	return MW_PARSE_BAD_L3;
}

/*
 * A downlink G-PDU's device is its inner destination. Rather than judge it
 * as on a wan interface, swap the ends: the stages after the parse then
 * see every G-PDU as sent by its device (source address, remote port in
 * dport; ICMP type and code stay where they are) and the verifier checks
 * them once for both directions. Only the rate limit asks the direction.
 */
static __always_inline void gtp_swap_ends(struct mw_pkt *pkt)
{
	struct in6_addr a6 = pkt->saddr6;
	__be32 a4 = pkt->saddr4;
	__u16 port = pkt->sport;

	pkt->saddr6 = pkt->daddr6;
	pkt->daddr6 = a6;
	pkt->saddr4 = pkt->daddr4;
	pkt->daddr4 = a4;
	if (pkt->l4 == IPPROTO_TCP || pkt->l4 == IPPROTO_UDP) {
		pkt->sport = pkt->dport;
		pkt->dport = port;
	}
}

/*
 * Count a G-PDU under its subject and remember the outer peer. The cell is
 * per CPU: no cache line is shared, so writing it on every frame costs a
 * few stores.
 */
static __always_inline int same16(const __u8 *a, const __u8 *b)
{
	__u64 a0, a1, b0, b1;

	__builtin_memcpy(&a0, a, 8);
	__builtin_memcpy(&a1, a + 8, 8);
	__builtin_memcpy(&b0, b, 8);
	__builtin_memcpy(&b1, b + 8, 8);
	return a0 == b0 && a1 == b1;
}

static __always_inline void tunnel_seen(__u32 id, const struct mw_tun *t, __u32 ifindex)
{
	struct mw_tunnel *v = bpf_map_lookup_elem(&mw_tunnels, &id);

	__u64 now;

	if (!v)
		return;
	__sync_fetch_and_add(&v->frames, 1);
	/* shared by all CPUs: store only what changed, so a steady tunnel only reads */
	now = mw_now();
	if (v->seen_ns != now)
		v->seen_ns = now;
	if (v->teid != t->teid || v->ifindex != ifindex || v->dir != t->dir ||
	    v->family != t->family || !same16(v->peer, t->peer)) {
		v->teid = t->teid;
		v->ifindex = ifindex;
		v->dir = t->dir;
		v->family = t->family;
		__builtin_memcpy(v->peer, t->peer, 16);
	}
}

#endif /* MW_GTP_H */
