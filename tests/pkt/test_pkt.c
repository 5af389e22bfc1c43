// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Packet tests: crafted frames through the real XDP program with
 * BPF_PROG_TEST_RUN.
 *
 * Each fixture names a program instance (slot, role, fail and malformed
 * actions are load-time constants, so each combination is its own loaded
 * skeleton), a policy written straight into the maps at ABI level, a frame
 * builder, and the expected outcome: verdict, subject and reason. The run
 * snapshots every counter cell of the subjects in use and of every interface
 * slot before and after, and requires that exactly one mw_counters cell
 * (subject x reason) and one mw_ifcounters cell (slot x reason) moved, by
 * one packet and the frame's length in bytes.
 *
 * Needs root (or CAP_BPF + CAP_PERFMON) and a kernel with XDP test runs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "modwall.skel.h"
#include "modwall.h"
#define FX_CMOCKA
#include "fixture.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD	0x88A8
#endif

/* IPv4 frag_off: more-fragments flag; the low 13 bits are the offset in 8-byte units. */
#define IP4_MF		0x2000

/* IPv6 next-header values used below. */
#define NH_HOPOPTS	0
#define NH_TCP		6
#define NH_UDP		17
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_AH		51
#define NH_ICMPV6	58
#define NH_NONE		59
#define NH_DSTOPTS	60

/* ------------------------------------------------------------------ */
/* Test world: addresses and subjects                                  */
/* ------------------------------------------------------------------ */

/* Other end of every frame (router / server): never in any policy. */
#define MAC_GW		0x02ffffffff01ull
#define IP4_SERVER	"192.0.2.1"
#define IP6_SERVER	"2001:db8:ffff::1"

/* Device side when a fixture does not name one: in no policy either. */
#define MAC_HOST	0x02aabbccddeeull
#define IP4_HOST	"198.51.100.7"
#define IP6_HOST	"2001:db8:ffff::7"

/* Tagged devices, exact MAC. */
#define MAC_DEV_PASS	0x021122334401ull
#define MAC_DEV_DROP	0x021122334402ull
#define MAC_DEV_OBS	0x021122334403ull
#define MAC_DEV_CLASH	0x02112233440dull	/* also sends from IP4_DEV */

/* Devices bound by address. */
#define IP4_DEV		"10.0.0.4"		/* exact /32 */
#define IP4_LPM_NET	"10.1.0.0"		/* /16 prefix */
#define IP4_IN_LPM	"10.1.2.3"
#define IP4_EXACT_IN_LPM "10.1.0.9"		/* exact entry inside the /16 */
#define IP6_DEV		"2001:db8::6"		/* exact /128 */
#define IP6_LPM_NET	"2001:db8:7::"		/* /48 prefix */
#define IP6_IN_LPM	"2001:db8:7:1::1"
#define IP6_EXACT_IN_LPM "2001:db8:7::9"
#define IP4_LPM_LONG	"10.3.0.0"		/* /31: every address bit but one */
#define IP4_IN_LPM_LONG	"10.3.0.1"
#define IP4_NEXT_TO_LONG "10.3.0.2"		/* just outside the /31 */
#define IP6_LPM_LONG	"2001:db8:9::"		/* /127 */
#define IP6_IN_LPM_LONG	"2001:db8:9::1"
#define IP6_NEXT_TO_LONG "2001:db8:9::2"

/* Vendor /24 class (no flags); a /28 entry inside it is never probed. */
#define OUI_VENDOR	0x001bc5000000ull
#define MAC_VENDOR	0x001bc5012345ull
/* Registration Authority block: /24 container (id 0) with /28 and /36 inside. */
#define OUI_RA		0x70b3d5000000ull
#define MAM_RA		0x70b3d5a00000ull	/* 70:b3:d5:a/28 */
#define MAS_RA		0x70b3d5a12000ull	/* 70:b3:d5:a1:2/36 */
#define MAC_IN_MAS	0x70b3d5a12345ull
#define MAC_IN_MAM	0x70b3d5a50001ull
#define MAC_IN_RA	0x70b3d5330001ull
/* Vendor /24 with its own id and a /28 assignment inside it. */
#define OUI_V24		0x0050c2000000ull
#define MAM_V24		0x0050c2500000ull	/* 00:50:c2:5/28 */
#define MAC_V24_IN28	0x0050c25abcdeull
#define MAC_V24_OUT28	0x0050c2112233ull

enum {
	S_NONE = MW_SUBJECT_NONE,
	S_DEV_PASS = 1,
	S_DEV_DROP = 2,
	S_DEV_OBS = 3,
	S_IP4 = 4,
	S_LPM4 = 5,
	S_IP6 = 6,
	S_LPM6 = 7,
	S_VENDOR = 8,
	S_MAM = 9,
	S_MAS = 10,
	S_V24 = 11,
	S_V28 = 12,
	S_CLASH = 13,
	S_IP4_IN_LPM = 14,
	S_IP6_IN_LPM = 15,
	S_VENDOR28 = 16,
	S_LPM4_LONG = 17,
	S_LPM6_LONG = 18,
	/* generation 1 only */
	S_G1_MAC = 20,
	S_G1_IP4 = 21,
	S_G1_LPM4 = 22,
	S_G1_IP6 = 23,
	S_G1_LPM6 = 24,
	S_G1_OUI = 25,
	S_SNAP = 32,	/* subjects 0..S_SNAP-1 are snapshotted */
};

#define LK_ALL	(MW_LK_MAC | MW_LK_IP4 | MW_LK_IP6 | MW_LK_LPM4 | MW_LK_LPM6 | MW_LK_OUI)

/* ------------------------------------------------------------------ */
/* Program instances                                                   */
/* ------------------------------------------------------------------ */

enum inst_id {
	I_LAN,		/* lan, fail open, malformed dropped */
	I_FAILDROP,	/* lan, fail closed */
	I_WAN,		/* wan: the device is the destination */
	I_MALPASS,	/* lan, malformed frames passed */
	I_NR,
};

struct inst {
	const char *name;
	__u32 slot;
	__u8 role;
	__u8 fail_action;
	__u8 malformed_action;
	struct modwall_bpf *skel;
	int prog_fd;
};

static struct inst insts[I_NR] = {
	[I_LAN]      = { "lan",      3,  MW_ROLE_LAN, MW_ACT_PASS, MW_ACT_DROP, NULL, -1 },
	[I_FAILDROP] = { "faildrop", 7,  MW_ROLE_LAN, MW_ACT_DROP, MW_ACT_DROP, NULL, -1 },
	[I_WAN]      = { "wan",      12, MW_ROLE_WAN, MW_ACT_PASS, MW_ACT_DROP, NULL, -1 },
	[I_MALPASS]  = { "malpass",  63, MW_ROLE_LAN, MW_ACT_PASS, MW_ACT_PASS, NULL, -1 },
};

/* ------------------------------------------------------------------ */
/* Frames                                                              */
/* ------------------------------------------------------------------ */

struct pkt_args {
	uint64_t mac;		/* device MAC (MAC_HOST when 0) */
	const char *ip;		/* device address (IP4_HOST/IP6_HOST when NULL) */
	int n;			/* builder-specific */
};

struct pkt_case;
typedef void (*build_fn)(struct fx_frame *f, const struct pkt_case *c);
typedef void (*policy_fn)(struct inst *in, unsigned int arg);

struct pkt_case {
	const char *desc;
	enum inst_id inst;
	policy_fn policy;
	unsigned int parg;
	build_fn build;
	struct pkt_args a;
	int verdict;		/* XDP_PASS or XDP_DROP */
	__u32 subject;
	__u32 reason;		/* enum mw_reason */
};

/* ------------------------------------------------------------------ */
/* Role-aware pieces: the device is the source on lan, destination on wan */
/* ------------------------------------------------------------------ */

static int is_wan(const struct pkt_case *c)
{
	return insts[c->inst].role == MW_ROLE_WAN;
}

static uint64_t dev_mac(const struct pkt_case *c)
{
	return c->a.mac ? c->a.mac : MAC_HOST;
}

static void dev_eth(struct fx_frame *f, const struct pkt_case *c, uint16_t proto)
{
	if (is_wan(c))
		fx_eth(f, dev_mac(c), MAC_GW, proto);
	else
		fx_eth(f, MAC_GW, dev_mac(c), proto);
}

static struct iphdr *dev_ipv4(struct fx_frame *f, const struct pkt_case *c,
			      uint8_t proto, unsigned int ihl)
{
	uint32_t dev = fx_addr4(c->a.ip ? c->a.ip : IP4_HOST);
	uint32_t peer = fx_addr4(IP4_SERVER);

	if (is_wan(c))
		return fx_ipv4(f, peer, dev, proto, ihl);
	return fx_ipv4(f, dev, peer, proto, ihl);
}

static struct ipv6hdr *dev_ipv6(struct fx_frame *f, const struct pkt_case *c,
				uint8_t nexthdr)
{
	uint8_t dev[16], peer[16];

	fx_addr6(c->a.ip ? c->a.ip : IP6_HOST, dev);
	fx_addr6(IP6_SERVER, peer);
	if (is_wan(c))
		return fx_ipv6(f, peer, dev, nexthdr);
	return fx_ipv6(f, dev, peer, nexthdr);
}

/* ------------------------------------------------------------------ */
/* Frame builders                                                      */
/* ------------------------------------------------------------------ */

/* IPv4/UDP (DNS query sized). */
static void b_udp4(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_UDP, 5);
	fx_udp(f, 40000, 53, 12);
	fx_fin(f);
}

static void b_tcp4(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_TCP, 5);
	fx_tcp(f, 40000, 443);
	fx_fin(f);
}

/* TCP with a.n words of data offset: (n - 5) * 4 bytes of NOP options. */
static void b_tcp4_opts(struct fx_frame *f, const struct pkt_case *c)
{
	struct tcphdr *th;

	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_TCP, 5);
	th = fx_tcp(f, 40000, 443);
	th->doff = c->a.n;
	fx_pad(f, (c->a.n - 5) * 4, 1 /* TCPOPT_NOP */);
	fx_fin(f);
}

static void b_icmp4(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_ICMP, 5);
	fx_icmp4(f, ICMP_ECHO, 0);
	fx_fin(f);
}

/* IPv4 with IHL a.n (options are NOPs), then TCP ending the frame. */
static void b_ip4_opts(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_TCP, c->a.n);
	fx_tcp(f, 40000, 443);
	fx_fin(f);
}

/* IPv4 protocol a.n with no L4 parser (GRE, SCTP, ...), 16 bytes of payload. */
static void b_ip4_proto(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, c->a.n, 5);
	fx_pad(f, 16, 0);
	fx_fin(f);
}

/* First fragment: MF set, offset 0, full TCP header. */
static void b_ip4_frag_first(struct fx_frame *f, const struct pkt_case *c)
{
	struct iphdr *ip;

	dev_eth(f, c, ETH_P_IP);
	ip = dev_ipv4(f, c, IPPROTO_TCP, 5);
	ip->frag_off = htons(IP4_MF | 0);
	fx_tcp(f, 40000, 443);
	fx_pad(f, 32, 'd');
	fx_fin(f);
}

/* First fragment whose TCP header is cut to a.n bytes. */
static void b_ip4_frag_first_cut(struct fx_frame *f, const struct pkt_case *c)
{
	struct iphdr *ip;

	dev_eth(f, c, ETH_P_IP);
	ip = dev_ipv4(f, c, IPPROTO_TCP, 5);
	ip->frag_off = htons(IP4_MF | 0);
	fx_tcp(f, 40000, 443);
	fx_chop(f, sizeof(struct tcphdr) - c->a.n);
	fx_fin(f);
}

/*
 * Non-first fragment (offset 185 * 8 = 1480, last one) of a TCP datagram
 * with a.n bytes of payload (0xff: nothing that looks like a TCP header).
 */
static void b_ip4_frag_later(struct fx_frame *f, const struct pkt_case *c)
{
	struct iphdr *ip;

	dev_eth(f, c, ETH_P_IP);
	ip = dev_ipv4(f, c, IPPROTO_TCP, 5);
	ip->frag_off = htons(185);
	fx_pad(f, c->a.n, 0xff);
	fx_fin(f);
}

/* Middle fragment: MF set and offset != 0, 3 bytes of payload. */
static void b_ip4_frag_middle(struct fx_frame *f, const struct pkt_case *c)
{
	struct iphdr *ip;

	dev_eth(f, c, ETH_P_IP);
	ip = dev_ipv4(f, c, IPPROTO_UDP, 5);
	ip->frag_off = htons(IP4_MF | 185);
	fx_pad(f, 3, 0xff);
	fx_fin(f);
}

/* 802.1Q tag (VID 100), IPv4/TCP inside. */
static void b_vlan4(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_8021Q);
	fx_vlan(f, 100, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_TCP, 5);
	fx_tcp(f, 40000, 443);
	fx_fin(f);
}

/* 802.1ad S-tag (VID 10) + 802.1Q C-tag (VID 100), IPv4/TCP inside. */
static void b_qinq4(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_8021AD);
	fx_vlan(f, 10, ETH_P_8021Q);
	fx_vlan(f, 100, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_TCP, 5);
	fx_tcp(f, 40000, 443);
	fx_fin(f);
}

/* 802.1Q tag, IPv6/UDP inside. */
static void b_vlan6(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_8021Q);
	fx_vlan(f, 100, ETH_P_IPV6);
	dev_ipv6(f, c, NH_UDP);
	fx_udp(f, 40000, 53, 12);
	fx_fin(f);
}

/* ARP request from the device (who-has the gateway). */
static void b_arp(struct fx_frame *f, const struct pkt_case *c)
{
	if (is_wan(c)) {
		fx_eth(f, dev_mac(c), MAC_GW, ETH_P_ARP);
		fx_arp(f, ARPOP_REPLY, MAC_GW, fx_addr4(IP4_SERVER), dev_mac(c), fx_addr4(IP4_HOST));
	} else {
		fx_eth(f, 0xffffffffffffull, dev_mac(c), ETH_P_ARP);
		fx_arp(f, ARPOP_REQUEST, dev_mac(c), fx_addr4(IP4_HOST), 0, fx_addr4(IP4_SERVER));
	}
}

/* IPv4/UDP with 4 bytes of payload, then a.n bytes of trailing padding. */
static void b_padded4(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_UDP, 5);
	fx_udp(f, 40000, 53, 4);
	fx_fin(f);
	fx_pad(f, c->a.n, 0);
}

static void b_tcp6(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_TCP);
	fx_tcp(f, 40000, 443);
	fx_fin(f);
}

static void b_udp6(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_UDP);
	fx_udp(f, 40000, 53, 12);
	fx_fin(f);
}

static void b_icmp6(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_ICMPV6);
	fx_icmp6(f, ICMPV6_ECHO_REQUEST, 0);
	fx_fin(f);
}

/*
 * Hop-by-hop (8 bytes) + routing (24 bytes) + destination options (16
 * bytes) + TCP ending the frame. The zero-filled bodies read as a TCP header
 * with data offset 0, so a walk that lands anywhere but the real TCP header
 * sees a malformed frame.
 */
static void b_ext_chain6(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_HOPOPTS);
	fx_ext6(f, NH_ROUTING, 0);
	fx_ext6(f, NH_DSTOPTS, 2);
	fx_ext6(f, NH_TCP, 1);
	fx_tcp(f, 40000, 443);
	fx_fin(f);
}

/* AH with payload length 4 ((4 + 2) * 4 = 24 bytes), then TCP ending the frame. */
static void b_ah6(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_AH);
	fx_ah6(f, NH_TCP, 4);
	fx_tcp(f, 40000, 443);
	fx_fin(f);
}

/* AH claiming 24 bytes with only a.n of them present. */
static void b_ah6_cut(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_AH);
	fx_ah6(f, NH_TCP, 4);
	fx_chop(f, 24 - c->a.n);
	fx_fin(f);
}

/* Fragment header, offset 0 with M set, then TCP. */
static void b_frag6_first(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_FRAGMENT);
	fx_frag6(f, NH_TCP, 0, 1);
	fx_tcp(f, 40000, 443);
	fx_pad(f, 32, 'd');
	fx_fin(f);
}

/* First fragment whose TCP header is cut to a.n bytes. */
static void b_frag6_first_cut(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_FRAGMENT);
	fx_frag6(f, NH_TCP, 0, 1);
	fx_tcp(f, 40000, 443);
	fx_chop(f, sizeof(struct tcphdr) - c->a.n);
	fx_fin(f);
}

/* Non-first fragment header with only a.n of its 8 bytes present. */
static void m_frag6_cut(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_FRAGMENT);
	fx_frag6(f, NH_TCP, 185, 0);
	fx_chop(f, 8 - c->a.n);
	fx_fin(f);
}

/* Fragment header, offset 185 (1480 bytes), last fragment, a.n bytes of 0xff. */
static void b_frag6_later(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_FRAGMENT);
	fx_frag6(f, NH_TCP, 185, 0);
	fx_pad(f, c->a.n, 0xff);
	fx_fin(f);
}

/* Next header 59 directly after the fixed header; a.n trailing bytes. */
static void b_nonext6(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_NONE);
	fx_pad(f, c->a.n, 0xff);
	fx_fin(f);
}

/* Hop-by-hop, then next header 59, 4 bytes of 0xff. */
static void b_hbh_nonext6(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_HOPOPTS);
	fx_ext6(f, NH_NONE, 0);
	fx_pad(f, 4, 0xff);
	fx_fin(f);
}

/* a.n extension headers (hop-by-hop, then destination options), then TCP. */
static void b_ext_n6(struct fx_frame *f, const struct pkt_case *c)
{
	int i;

	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, c->a.n ? NH_HOPOPTS : NH_TCP);
	for (i = 0; i < c->a.n; i++)
		fx_ext6(f, i + 1 < c->a.n ? NH_DSTOPTS : NH_TCP, 0);
	fx_tcp(f, 40000, 443);
	fx_fin(f);
}

/* --- malformed --- */

/* 802.1Q ethertype with only the TCI (2 of 4 tag bytes) present. */
static void m_vlan_cut(struct fx_frame *f, const struct pkt_case *c)
{
	uint16_t *tci;

	dev_eth(f, c, ETH_P_8021Q);
	tci = fx_put(f, 2);
	*tci = htons(100);
}

/* Three tags: 802.1ad, 802.1Q, 802.1Q, then IPv4/TCP. */
static void m_vlan3(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_8021AD);
	fx_vlan(f, 10, ETH_P_8021Q);
	fx_vlan(f, 100, ETH_P_8021Q);
	fx_vlan(f, 200, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_TCP, 5);
	fx_tcp(f, 40000, 443);
	fx_fin(f);
}

/* IPv4 header with only a.n of its 20 bytes. */
static void m_ip4_cut(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_TCP, 5);
	fx_fin(f);
	fx_chop(f, 20 - c->a.n);
}

/* Version field a.n in an otherwise sound IPv4/TCP packet. */
static void m_ip4_version(struct fx_frame *f, const struct pkt_case *c)
{
	struct iphdr *ip;

	dev_eth(f, c, ETH_P_IP);
	ip = dev_ipv4(f, c, IPPROTO_TCP, 5);
	ip->version = c->a.n;
	fx_tcp(f, 40000, 443);
	fx_fin(f);
}

/*
 * IHL a.n (< 5) with a 20-byte header and UDP after it: wherever a parser
 * that trusted the IHL put the UDP header, 8 bytes are there.
 */
static void m_ip4_ihl(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_UDP, c->a.n);
	fx_udp(f, 40000, 53, 12);
	fx_fin(f);
}

/* IHL 6 (24 bytes) with tot_len a.n, shorter than the header. */
static void m_ip4_tot_short(struct fx_frame *f, const struct pkt_case *c)
{
	struct iphdr *ip;

	dev_eth(f, c, ETH_P_IP);
	ip = dev_ipv4(f, c, IPPROTO_TCP, 6);
	fx_tcp(f, 40000, 443);
	fx_fin(f);
	ip->tot_len = htons(c->a.n);
}

/* tot_len a.n bytes longer than what the frame holds. */
static void m_ip4_tot_long(struct fx_frame *f, const struct pkt_case *c)
{
	struct iphdr *ip;

	dev_eth(f, c, ETH_P_IP);
	ip = dev_ipv4(f, c, IPPROTO_TCP, 5);
	fx_tcp(f, 40000, 443);
	fx_fin(f);
	ip->tot_len = htons(ntohs(ip->tot_len) + c->a.n);
}

/* IHL a.n with the options running past the end of the frame. */
static void m_ip4_opts_cut(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_TCP, c->a.n);
	fx_fin(f);
	fx_chop(f, 4);
}

/* TCP header with only a.n of its 20 bytes; tot_len matches the frame. */
static void m_tcp4_cut(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_TCP, 5);
	fx_tcp(f, 40000, 443);
	fx_chop(f, 20 - c->a.n);
	fx_fin(f);
}

/* TCP data offset a.n with a 20-byte header and 20 more bytes of data. */
static void m_tcp4_doff(struct fx_frame *f, const struct pkt_case *c)
{
	struct tcphdr *th;

	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_TCP, 5);
	th = fx_tcp(f, 40000, 443);
	th->doff = c->a.n;
	fx_pad(f, 20, 'd');
	fx_fin(f);
}

/* TCP data offset a.n (> 5) with the frame ending after 20 bytes of TCP. */
static void m_tcp4_doff_past(struct fx_frame *f, const struct pkt_case *c)
{
	struct tcphdr *th;

	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_TCP, 5);
	th = fx_tcp(f, 40000, 443);
	th->doff = c->a.n;
	fx_fin(f);
}

static void m_udp4_cut(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_UDP, 5);
	fx_udp(f, 40000, 53, 0);
	fx_chop(f, 8 - c->a.n);
	fx_fin(f);
}

static void m_icmp4_cut(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IP);
	dev_ipv4(f, c, IPPROTO_ICMP, 5);
	fx_icmp4(f, ICMP_ECHO, 0);
	fx_chop(f, 8 - c->a.n);
	fx_fin(f);
}

/* IPv6 header with only a.n of its 40 bytes. */
static void m_ip6_cut(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_NONE);
	fx_fin(f);
	fx_chop(f, 40 - c->a.n);
}

static void m_ip6_version(struct fx_frame *f, const struct pkt_case *c)
{
	struct ipv6hdr *ip6;

	dev_eth(f, c, ETH_P_IPV6);
	ip6 = dev_ipv6(f, c, NH_TCP);
	ip6->version = c->a.n;
	fx_tcp(f, 40000, 443);
	fx_fin(f);
}

static void m_ip6_plen(struct fx_frame *f, const struct pkt_case *c)
{
	struct ipv6hdr *ip6;

	dev_eth(f, c, ETH_P_IPV6);
	ip6 = dev_ipv6(f, c, NH_TCP);
	fx_tcp(f, 40000, 443);
	fx_fin(f);
	ip6->payload_len = htons(ntohs(ip6->payload_len) + c->a.n);
}

/* Hop-by-hop header with only a.n of its first 8 bytes present. */
static void m_ext6_cut(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_HOPOPTS);
	fx_ext6(f, NH_TCP, 0);
	fx_chop(f, 8 - c->a.n);
	fx_fin(f);
}

/* Destination options claiming (a.n + 1) * 8 bytes with only 8 present. */
static void m_ext6_len_past(struct fx_frame *f, const struct pkt_case *c)
{
	uint8_t *e;

	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, NH_DSTOPTS);
	e = fx_ext6(f, NH_NONE, 0);
	e[1] = c->a.n;
	fx_fin(f);
}

/* L4 header (a.n: TCP, UDP or ICMPv6) after a plain IPv6 header, cut by 1 byte. */
static void m_l4_6_cut(struct fx_frame *f, const struct pkt_case *c)
{
	dev_eth(f, c, ETH_P_IPV6);
	dev_ipv6(f, c, c->a.n);
	if (c->a.n == NH_TCP)
		fx_tcp(f, 40000, 443);
	else if (c->a.n == NH_UDP)
		fx_udp(f, 40000, 53, 0);
	else
		fx_icmp6(f, ICMPV6_ECHO_REQUEST, 0);
	fx_chop(f, c->a.n == NH_ICMPV6 ? 5 : 1);	/* ICMPv6: 3 of the 4 bytes checked */
	fx_fin(f);
}

/* a.mac / a.ip at the source whatever the role; nothing known at the destination. */
static void b_src_only(struct fx_frame *f, const struct pkt_case *c)
{
	fx_eth(f, MAC_HOST, dev_mac(c), ETH_P_IP);
	fx_ipv4(f, fx_addr4(c->a.ip ? c->a.ip : IP4_HOST), fx_addr4(IP4_SERVER), IPPROTO_UDP, 5);
	fx_udp(f, 40000, 53, 12);
	fx_fin(f);
}

/* a.mac / a.ip at the destination whatever the role; nothing known at the source. */
static void b_dst_only(struct fx_frame *f, const struct pkt_case *c)
{
	fx_eth(f, dev_mac(c), MAC_HOST, ETH_P_IP);
	fx_ipv4(f, fx_addr4(IP4_HOST), fx_addr4(c->a.ip ? c->a.ip : IP4_SERVER), IPPROTO_UDP, 5);
	fx_udp(f, 40000, 53, 12);
	fx_fin(f);
}

/* ------------------------------------------------------------------ */
/* Map setup (ABI level)                                               */
/* ------------------------------------------------------------------ */

static int map_fd(struct bpf_map *m)
{
	int fd = bpf_map__fd(m);

	assert_true(fd >= 0);
	return fd;
}

static void map_clear(struct bpf_map *m)
{
	int fd = map_fd(m);
	uint8_t key[64];

	assert_true(bpf_map__key_size(m) <= sizeof(key));
	while (bpf_map_get_next_key(fd, NULL, key) == 0)
		assert_int_equal(bpf_map_delete_elem(fd, key), 0);
}

static void set_ctl(struct inst *in, __u32 gen, __u32 applied)
{
	struct mw_ctl ctl = {
		.gen = gen,
		.applied = applied,
		.schema = MW_SCHEMA_VERSION,
		.max_subjects = MW_DEFAULT_SUBJECTS,
		.seq = applied,
	};
	__u32 zero = 0;

	assert_int_equal(bpf_map_update_elem(map_fd(in->skel->maps.mw_ctl), &zero, &ctl, BPF_ANY), 0);
}

struct if_override {
	int slot;	/* -1: none */
	__u8 action;
};

static void set_cfg(struct inst *in, __u32 gen, __u8 def, __u8 lookups,
		    struct if_override ov)
{
	struct mw_config cfg = {
		.default_action = def,
		.lookups = lookups,
		.nsubjects = S_SNAP,
	};

	memset(cfg.if_default, MW_ACT_INHERIT, sizeof(cfg.if_default));
	if (ov.slot >= 0)
		cfg.if_default[ov.slot] = ov.action;
	assert_int_equal(bpf_map_update_elem(map_fd(in->skel->maps.mw_config), &gen, &cfg, BPF_ANY), 0);
}

static const struct if_override NO_OVERRIDE = { -1, 0 };

static struct mw_subject subj(__u32 id, __u8 action, __u8 flags)
{
	struct mw_subject s = { .id = id, .action = action, .flags = flags, .policy = 0 };

	return s;
}

static void add_mac(struct inst *in, __u32 gen, uint64_t mac, __u32 id, __u8 act)
{
	__u64 key = MW_MAC_KEY((__u64)gen, mac);
	struct mw_subject s = subj(id, act, 0);

	assert_int_equal(bpf_map_update_elem(map_fd(in->skel->maps.mw_mac), &key, &s, BPF_NOEXIST), 0);
}

static void add_oui(struct inst *in, __u32 gen, unsigned int bits, uint64_t mac,
		    __u32 id, __u8 act, __u8 flags)
{
	__u64 key = MW_OUI_KEY((__u64)gen, bits, mac);
	struct mw_subject s = subj(id, act, flags);

	assert_int_equal(bpf_map_update_elem(map_fd(in->skel->maps.mw_oui), &key, &s, BPF_NOEXIST), 0);
}

static void add_ip4(struct inst *in, __u32 gen, const char *ip, __u32 id, __u8 act)
{
	__u64 key = MW_IP4_KEY((__u64)gen, fx_addr4(ip));
	struct mw_subject s = subj(id, act, 0);

	assert_int_equal(bpf_map_update_elem(map_fd(in->skel->maps.mw_ip4), &key, &s, BPF_NOEXIST), 0);
}

static void add_lpm4(struct inst *in, __u32 gen, const char *net, unsigned int plen,
		     __u32 id, __u8 act)
{
	struct mw_lpm4_key key = { .prefixlen = 32 + plen, .gen = gen, .addr = fx_addr4(net) };
	struct mw_subject s = subj(id, act, 0);

	assert_int_equal(bpf_map_update_elem(map_fd(in->skel->maps.mw_lpm4), &key, &s, BPF_NOEXIST), 0);
}

static void add_ip6(struct inst *in, __u32 gen, const char *ip, __u32 id, __u8 act)
{
	struct mw_ip6_key key = { .gen = gen };
	struct mw_subject s = subj(id, act, 0);

	fx_addr6(ip, key.addr);
	assert_int_equal(bpf_map_update_elem(map_fd(in->skel->maps.mw_ip6), &key, &s, BPF_NOEXIST), 0);
}

static void add_lpm6(struct inst *in, __u32 gen, const char *net, unsigned int plen,
		     __u32 id, __u8 act)
{
	struct mw_lpm6_key key = { .prefixlen = 32 + plen, .gen = gen };
	struct mw_subject s = subj(id, act, 0);

	fx_addr6(net, key.addr);
	assert_int_equal(bpf_map_update_elem(map_fd(in->skel->maps.mw_lpm6), &key, &s, BPF_NOEXIST), 0);
}

/* Empty both generations: no identities, no policy applied. */
static void reset(struct inst *in)
{
	struct modwall_bpf *sk = in->skel;

	map_clear(sk->maps.mw_mac);
	map_clear(sk->maps.mw_oui);
	map_clear(sk->maps.mw_ip4);
	map_clear(sk->maps.mw_ip6);
	map_clear(sk->maps.mw_lpm4);
	map_clear(sk->maps.mw_lpm6);
	set_cfg(in, 0, MW_ACT_PASS, 0, NO_OVERRIDE);
	set_cfg(in, 1, MW_ACT_PASS, 0, NO_OVERRIDE);
	set_ctl(in, 0, 0);
}

/* The identities every policy below starts from. */
static void base_identities(struct inst *in, __u32 gen)
{
	add_mac(in, gen, MAC_DEV_PASS, S_DEV_PASS, MW_ACT_PASS);
	add_mac(in, gen, MAC_DEV_DROP, S_DEV_DROP, MW_ACT_DROP);
	add_mac(in, gen, MAC_DEV_OBS, S_DEV_OBS, MW_ACT_OBSERVE);
	add_mac(in, gen, MAC_DEV_CLASH, S_CLASH, MW_ACT_PASS);

	add_ip4(in, gen, IP4_DEV, S_IP4, MW_ACT_DROP);
	add_ip4(in, gen, IP4_EXACT_IN_LPM, S_IP4_IN_LPM, MW_ACT_PASS);
	add_lpm4(in, gen, IP4_LPM_NET, 16, S_LPM4, MW_ACT_OBSERVE);
	add_lpm4(in, gen, IP4_LPM_LONG, 31, S_LPM4_LONG, MW_ACT_DROP);
	add_ip6(in, gen, IP6_DEV, S_IP6, MW_ACT_DROP);
	add_ip6(in, gen, IP6_EXACT_IN_LPM, S_IP6_IN_LPM, MW_ACT_PASS);
	add_lpm6(in, gen, IP6_LPM_NET, 48, S_LPM6, MW_ACT_OBSERVE);
	add_lpm6(in, gen, IP6_LPM_LONG, 127, S_LPM6_LONG, MW_ACT_DROP);

	/* plain vendor class; its /28 entry is stale: no flag says to probe it */
	add_oui(in, gen, 24, OUI_VENDOR, S_VENDOR, MW_ACT_DROP, 0);
	add_oui(in, gen, 28, MAC_VENDOR, S_VENDOR28, MW_ACT_PASS, 0);
	/* Registration Authority block: container only */
	add_oui(in, gen, 24, OUI_RA, MW_SUBJECT_NONE, MW_ACT_PASS,
		MW_SF_HAS_MAM | MW_SF_HAS_MAS);
	add_oui(in, gen, 28, MAM_RA, S_MAM, MW_ACT_OBSERVE, 0);
	add_oui(in, gen, 36, MAS_RA, S_MAS, MW_ACT_DROP, 0);
	/* vendor /24 with its own class and a /28 assignment inside */
	add_oui(in, gen, 24, OUI_V24, S_V24, MW_ACT_DROP, MW_SF_HAS_MAM);
	add_oui(in, gen, 28, MAM_V24, S_V28, MW_ACT_PASS, 0);
}

/* Applied policy in generation 0, default action @arg, every lookup on. */
static void pol_base(struct inst *in, unsigned int arg)
{
	reset(in);
	base_identities(in, 0);
	set_cfg(in, 0, arg, LK_ALL, NO_OVERRIDE);
	set_ctl(in, 0, 1);
}

/* Per-interface default: IFD(slot, slot action, global default). */
#define IFD(slot, act, def)	(((slot) << 16) | ((act) << 8) | (def))

static void pol_ifdef(struct inst *in, unsigned int arg)
{
	struct if_override ov = { (int)(arg >> 16), (arg >> 8) & 0xff };

	reset(in);
	base_identities(in, 0);
	set_cfg(in, 0, arg & 0xff, LK_ALL, ov);
	set_ctl(in, 0, 1);
}

/* Base policy with the lookup bits in @arg cleared (entries still present). */
static void pol_lookups_off(struct inst *in, unsigned int arg)
{
	reset(in);
	base_identities(in, 0);
	set_cfg(in, 0, MW_ACT_PASS, LK_ALL & ~arg, NO_OVERRIDE);
	set_ctl(in, 0, 1);
}

/* Base identities and configuration present, but never applied. */
static void pol_unapplied(struct inst *in, unsigned int arg)
{
	(void)arg;
	reset(in);
	base_identities(in, 0);
	set_cfg(in, 0, MW_ACT_DROP, LK_ALL, NO_OVERRIDE);
	set_ctl(in, 0, 0);
}

/*
 * Two generations: gen 0 holds only MAC_DEV_DROP, default pass; gen 1 holds
 * one entry in every identity map, default drop. @arg is the live one.
 */
static void gens_fill(struct inst *in)
{
	reset(in);
	add_mac(in, 0, MAC_DEV_DROP, S_DEV_DROP, MW_ACT_DROP);
	set_cfg(in, 0, MW_ACT_PASS, LK_ALL, NO_OVERRIDE);

	add_mac(in, 1, MAC_DEV_PASS, S_G1_MAC, MW_ACT_OBSERVE);
	add_ip4(in, 1, IP4_DEV, S_G1_IP4, MW_ACT_OBSERVE);
	add_lpm4(in, 1, IP4_LPM_NET, 16, S_G1_LPM4, MW_ACT_OBSERVE);
	add_ip6(in, 1, IP6_DEV, S_G1_IP6, MW_ACT_OBSERVE);
	add_lpm6(in, 1, IP6_LPM_NET, 48, S_G1_LPM6, MW_ACT_OBSERVE);
	add_oui(in, 1, 24, OUI_VENDOR, S_G1_OUI, MW_ACT_OBSERVE, 0);
	set_cfg(in, 1, MW_ACT_DROP, LK_ALL, NO_OVERRIDE);
}

static void pol_gens(struct inst *in, unsigned int arg)
{
	gens_fill(in);
	set_ctl(in, arg, 1);
}

/* ------------------------------------------------------------------ */
/* Counters                                                            */
/* ------------------------------------------------------------------ */

#define SUBJ_CELLS	(S_SNAP * MW_NR_REASONS)
#define IF_CELLS	(MW_MAX_IFACES * MW_NR_REASONS)

struct snap {
	struct mw_counter subj[SUBJ_CELLS];
	struct mw_counter ifc[IF_CELLS];
};

static void read_cells(struct bpf_map *m, struct mw_counter *out, __u32 n)
{
	assert_int_equal(bpf_map__value_size(m), sizeof(*out));
	assert_int_equal(fx_read_counters(map_fd(m), 0, n, out), 0);
}

static void take_snap(struct inst *in, struct snap *s)
{
	read_cells(in->skel->maps.mw_counters, s->subj, SUBJ_CELLS);
	read_cells(in->skel->maps.mw_ifcounters, s->ifc, IF_CELLS);
}

static const char *const reason_names[MW_NR_REASONS] = {
	"pass", "drop", "observe", "malformed", "no-policy",
	"not-allowed", "rate-limited", "tunnel-signal",
};

/*
 * Compare one counter array: cell @want moved by (1, @bytes), every other
 * cell did not move. Returns the number of mismatches, each printed.
 */
static int diff_cells(const char *what, const struct mw_counter *a,
		      const struct mw_counter *b, __u32 n, long want, __u64 bytes)
{
	int bad = 0;
	__u32 i;

	for (i = 0; i < n; i++) {
		__u64 dp = b[i].packets - a[i].packets;
		__u64 db = b[i].bytes - a[i].bytes;
		__u64 ep = (long)i == want ? 1 : 0;
		__u64 eb = (long)i == want ? bytes : 0;

		if (dp == ep && db == eb)
			continue;
		print_error("%s[%u] (%u, %s): +%llu packets +%llu bytes, expected +%llu +%llu\n",
			    what, i, i / MW_NR_REASONS, reason_names[i % MW_NR_REASONS],
			    (unsigned long long)dp, (unsigned long long)db,
			    (unsigned long long)ep, (unsigned long long)eb);
		bad++;
	}
	return bad;
}

static int run_frame(struct inst *in, const struct fx_frame *f, __u32 *retval)
{
	return fx_run(in->prog_fd, f->d, f->len, 1, retval, NULL);
}

/* Run @f through @in; check verdict and that only the expected cells moved. */
static void expect(struct inst *in, const struct fx_frame *f, int verdict,
		   __u32 subject, __u32 reason)
{
	struct snap *before = calloc(1, sizeof(*before));
	struct snap *after = calloc(1, sizeof(*after));
	__u32 retval = ~0u;
	int err, bad = 0;

	assert_non_null(before);
	assert_non_null(after);
	assert_true(subject < S_SNAP);
	assert_true(reason < MW_NR_REASONS);

	take_snap(in, before);
	err = run_frame(in, f, &retval);
	take_snap(in, after);

	if (err) {
		print_error("%s: BPF_PROG_TEST_RUN on a %zu-byte frame: %s\n",
			    in->name, f->len, strerror(-err));
		bad++;
	} else if ((int)retval != verdict) {
		print_error("%s: verdict %s, expected %s\n", in->name,
			    fx_verdict_name(retval), fx_verdict_name(verdict));
		bad++;
	}
	bad += diff_cells("mw_counters", before->subj, after->subj, SUBJ_CELLS,
			  (long)(subject * MW_NR_REASONS + reason), f->len);
	bad += diff_cells("mw_ifcounters", before->ifc, after->ifc, IF_CELLS,
			  (long)(in->slot * MW_NR_REASONS + reason), f->len);
	free(before);
	free(after);
	if (bad)
		fail_msg("%d mismatch(es); expected %s, subject %u, reason %s, %zu bytes",
			 bad, fx_verdict_name(verdict), subject, reason_names[reason], f->len);
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                            */
/* ------------------------------------------------------------------ */

#define PASS	XDP_PASS
#define DROP	XDP_DROP
#define R_PASS	MW_R_PASS
#define R_DROP	MW_R_DROP
#define R_OBS	MW_R_OBSERVE
#define R_BAD	MW_R_MALFORMED
#define R_NOPOL	MW_R_NO_POLICY

#define A_MAC(m)	{ .mac = (m) }
#define A_IP(s)		{ .ip = (s) }
#define A_MAC_N(m, x)	{ .mac = (m), .n = (x) }

static struct pkt_case cases[] = {
	/* --- identity: exact MAC --- */
	{ "mac: tagged device, action pass", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_MAC(MAC_DEV_PASS), PASS, S_DEV_PASS, R_PASS },
	{ "mac: tagged device, action drop", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_MAC(MAC_DEV_DROP), DROP, S_DEV_DROP, R_DROP },
	{ "mac: tagged device, action observe", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_MAC(MAC_DEV_OBS), PASS, S_DEV_OBS, R_OBS },
	{ "mac: tagged device under default drop keeps its action", I_LAN, pol_base, MW_ACT_DROP,
	  b_udp4, A_MAC(MAC_DEV_PASS), PASS, S_DEV_PASS, R_PASS },
	{ "mac: untagged, default pass", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_MAC(MAC_HOST), PASS, S_NONE, R_PASS },
	{ "mac: untagged, default drop", I_LAN, pol_base, MW_ACT_DROP,
	  b_udp4, A_MAC(MAC_HOST), DROP, S_NONE, R_DROP },
	{ "mac: untagged, default observe", I_LAN, pol_base, MW_ACT_OBSERVE,
	  b_udp4, A_MAC(MAC_HOST), PASS, S_NONE, R_OBS },
	{ "lan: tagged destination MAC is not the device", I_LAN, pol_base, MW_ACT_PASS,
	  b_dst_only, A_MAC(MAC_DEV_DROP), PASS, S_NONE, R_PASS },
	{ "lan: tagged destination IP is not the device", I_LAN, pol_base, MW_ACT_PASS,
	  b_dst_only, A_IP(IP4_DEV), PASS, S_NONE, R_PASS },

	/* --- per-interface default --- */
	{ "if_default: slot drop beats global pass", I_LAN, pol_ifdef,
	  IFD(3, MW_ACT_DROP, MW_ACT_PASS),
	  b_udp4, A_MAC(MAC_HOST), DROP, S_NONE, R_DROP },
	{ "if_default: slot pass beats global drop", I_LAN, pol_ifdef,
	  IFD(3, MW_ACT_PASS, MW_ACT_DROP),
	  b_udp4, A_MAC(MAC_HOST), PASS, S_NONE, R_PASS },
	{ "if_default: slot observe beats global drop", I_LAN, pol_ifdef,
	  IFD(3, MW_ACT_OBSERVE, MW_ACT_DROP),
	  b_udp4, A_MAC(MAC_HOST), PASS, S_NONE, R_OBS },
	{ "if_default: another slot's override does not apply", I_LAN, pol_ifdef,
	  IFD(4, MW_ACT_DROP, MW_ACT_PASS),
	  b_udp4, A_MAC(MAC_HOST), PASS, S_NONE, R_PASS },
	{ "if_default: tagged device keeps its own action", I_LAN, pol_ifdef,
	  IFD(3, MW_ACT_DROP, MW_ACT_DROP),
	  b_udp4, A_MAC(MAC_DEV_PASS), PASS, S_DEV_PASS, R_PASS },
	{ "if_default: slot 63 override on the slot 63 instance", I_MALPASS, pol_ifdef,
	  IFD(63, MW_ACT_DROP, MW_ACT_PASS),
	  b_udp4, A_MAC(MAC_HOST), DROP, S_NONE, R_DROP },

	/* --- identity: addresses --- */
	{ "ip4: exact /32", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_IP(IP4_DEV), DROP, S_IP4, R_DROP },
	{ "ip4: prefix via LPM (/16)", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_IP(IP4_IN_LPM), PASS, S_LPM4, R_OBS },
	{ "ip4: exact entry beats the covering prefix", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_IP(IP4_EXACT_IN_LPM), PASS, S_IP4_IN_LPM, R_PASS },
	{ "ip4: /31 prefix (every address bit compared)", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_IP(IP4_IN_LPM_LONG), DROP, S_LPM4_LONG, R_DROP },
	{ "ip4: next to the /31 prefix -> default", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_IP(IP4_NEXT_TO_LONG), PASS, S_NONE, R_PASS },
	{ "ip4: address outside every entry -> default", I_LAN, pol_base, MW_ACT_DROP,
	  b_udp4, A_IP("10.2.0.1"), DROP, S_NONE, R_DROP },
	{ "ip6: exact /128", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp6, A_IP(IP6_DEV), DROP, S_IP6, R_DROP },
	{ "ip6: prefix via LPM (/48)", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp6, A_IP(IP6_IN_LPM), PASS, S_LPM6, R_OBS },
	{ "ip6: exact entry beats the covering prefix", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp6, A_IP(IP6_EXACT_IN_LPM), PASS, S_IP6_IN_LPM, R_PASS },
	{ "ip6: /127 prefix (every address bit compared)", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp6, A_IP(IP6_IN_LPM_LONG), DROP, S_LPM6_LONG, R_DROP },
	{ "ip6: next to the /127 prefix -> default", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp6, A_IP(IP6_NEXT_TO_LONG), PASS, S_NONE, R_PASS },
	{ "ip6: address outside every entry -> default", I_LAN, pol_base, MW_ACT_DROP,
	  b_udp6, A_IP("2001:db8:8::1"), DROP, S_NONE, R_DROP },
	{ "precedence: MAC beats IP (different subjects)", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, { .mac = MAC_DEV_CLASH, .ip = IP4_DEV }, PASS, S_CLASH, R_PASS },
	{ "precedence: IP prefix beats vendor class", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, { .mac = MAC_VENDOR, .ip = IP4_IN_LPM }, PASS, S_LPM4, R_OBS },

	/* --- identity: vendor prefixes --- */
	{ "vendor: /24 class (no flags: its /28 entry is not probed)", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_MAC(MAC_VENDOR), DROP, S_VENDOR, R_DROP },
	{ "vendor: /24 class on ARP", I_LAN, pol_base, MW_ACT_PASS,
	  b_arp, A_MAC(MAC_VENDOR), DROP, S_VENDOR, R_DROP },
	{ "vendor: container /24, MAC in the /36 -> /36 class", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_MAC(MAC_IN_MAS), DROP, S_MAS, R_DROP },
	{ "vendor: container /24, MAC in the /28 only -> /28 class", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_MAC(MAC_IN_MAM), PASS, S_MAM, R_OBS },
	{ "vendor: container /24, MAC outside both -> untagged default", I_LAN, pol_base, MW_ACT_DROP,
	  b_udp4, A_MAC(MAC_IN_RA), DROP, S_NONE, R_DROP },
	{ "vendor: /24 with id, MAC in its /28 -> /28 class", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_MAC(MAC_V24_IN28), PASS, S_V28, R_PASS },
	{ "vendor: /24 with id, MAC outside its /28 -> /24 class", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_MAC(MAC_V24_OUT28), DROP, S_V24, R_DROP },

	/* --- lookup bits: entry present, bit off -> map not consulted --- */
	{ "lookups: MAC bit off", I_LAN, pol_lookups_off, MW_LK_MAC,
	  b_udp4, A_MAC(MAC_DEV_DROP), PASS, S_NONE, R_PASS },
	{ "lookups: IP4 bit off", I_LAN, pol_lookups_off, MW_LK_IP4,
	  b_udp4, A_IP(IP4_DEV), PASS, S_NONE, R_PASS },
	{ "lookups: IP4 bit off, LPM4 still on", I_LAN, pol_lookups_off, MW_LK_IP4,
	  b_udp4, A_IP(IP4_EXACT_IN_LPM), PASS, S_LPM4, R_OBS },
	{ "lookups: LPM4 bit off", I_LAN, pol_lookups_off, MW_LK_LPM4,
	  b_udp4, A_IP(IP4_IN_LPM), PASS, S_NONE, R_PASS },
	{ "lookups: IP6 bit off", I_LAN, pol_lookups_off, MW_LK_IP6,
	  b_udp6, A_IP(IP6_DEV), PASS, S_NONE, R_PASS },
	{ "lookups: LPM6 bit off", I_LAN, pol_lookups_off, MW_LK_LPM6,
	  b_udp6, A_IP(IP6_IN_LPM), PASS, S_NONE, R_PASS },
	{ "lookups: OUI bit off", I_LAN, pol_lookups_off, MW_LK_OUI,
	  b_udp4, A_MAC(MAC_VENDOR), PASS, S_NONE, R_PASS },
	{ "lookups: all bits off", I_LAN, pol_lookups_off, LK_ALL,
	  b_udp4, { .mac = MAC_DEV_DROP, .ip = IP4_DEV }, PASS, S_NONE, R_PASS },

	/* --- generations --- */
	{ "gen: gen-1 MAC not seen while gen 0 is live", I_LAN, pol_gens, 0,
	  b_udp4, A_MAC(MAC_DEV_PASS), PASS, S_NONE, R_PASS },
	{ "gen: gen-1 IPv4 /32 not seen while gen 0 is live", I_LAN, pol_gens, 0,
	  b_udp4, A_IP(IP4_DEV), PASS, S_NONE, R_PASS },
	{ "gen: gen-1 IPv4 prefix not seen while gen 0 is live", I_LAN, pol_gens, 0,
	  b_udp4, A_IP(IP4_IN_LPM), PASS, S_NONE, R_PASS },
	{ "gen: gen-1 IPv6 /128 not seen while gen 0 is live", I_LAN, pol_gens, 0,
	  b_udp6, A_IP(IP6_DEV), PASS, S_NONE, R_PASS },
	{ "gen: gen-1 IPv6 prefix not seen while gen 0 is live", I_LAN, pol_gens, 0,
	  b_udp6, A_IP(IP6_IN_LPM), PASS, S_NONE, R_PASS },
	{ "gen: gen-1 vendor not seen while gen 0 is live", I_LAN, pol_gens, 0,
	  b_udp4, A_MAC(MAC_VENDOR), PASS, S_NONE, R_PASS },
	{ "gen: gen-0 MAC seen while gen 0 is live", I_LAN, pol_gens, 0,
	  b_udp4, A_MAC(MAC_DEV_DROP), DROP, S_DEV_DROP, R_DROP },
	{ "gen: gen-1 MAC seen once gen 1 is live", I_LAN, pol_gens, 1,
	  b_udp4, A_MAC(MAC_DEV_PASS), PASS, S_G1_MAC, R_OBS },
	{ "gen: gen-1 IPv4 /32 seen once gen 1 is live", I_LAN, pol_gens, 1,
	  b_udp4, A_IP(IP4_DEV), PASS, S_G1_IP4, R_OBS },
	{ "gen: gen-1 IPv4 prefix seen once gen 1 is live", I_LAN, pol_gens, 1,
	  b_udp4, A_IP(IP4_IN_LPM), PASS, S_G1_LPM4, R_OBS },
	{ "gen: gen-1 IPv6 /128 seen once gen 1 is live", I_LAN, pol_gens, 1,
	  b_udp6, A_IP(IP6_DEV), PASS, S_G1_IP6, R_OBS },
	{ "gen: gen-1 IPv6 prefix seen once gen 1 is live", I_LAN, pol_gens, 1,
	  b_udp6, A_IP(IP6_IN_LPM), PASS, S_G1_LPM6, R_OBS },
	{ "gen: gen-1 vendor seen once gen 1 is live", I_LAN, pol_gens, 1,
	  b_udp4, A_MAC(MAC_VENDOR), PASS, S_G1_OUI, R_OBS },
	{ "gen: gen-0 MAC not seen once gen 1 is live (gen-1 default drop)", I_LAN, pol_gens, 1,
	  b_udp4, A_MAC(MAC_DEV_DROP), DROP, S_NONE, R_DROP },

	/* --- no policy applied --- */
	{ "no policy: tagged drop device, fail open", I_LAN, pol_unapplied, 0,
	  b_udp4, A_MAC(MAC_DEV_DROP), PASS, S_NONE, R_NOPOL },
	{ "no policy: untagged, fail open", I_LAN, pol_unapplied, 0,
	  b_udp4, A_MAC(MAC_HOST), PASS, S_NONE, R_NOPOL },
	{ "no policy: tagged pass device, fail closed", I_FAILDROP, pol_unapplied, 0,
	  b_udp4, A_MAC(MAC_DEV_PASS), DROP, S_NONE, R_NOPOL },
	{ "no policy: untagged ARP, fail closed", I_FAILDROP, pol_unapplied, 0,
	  b_arp, A_MAC(MAC_HOST), DROP, S_NONE, R_NOPOL },
	{ "no policy: malformed frame is malformed, not no_policy (fail open)", I_LAN, pol_unapplied, 0,
	  m_tcp4_cut, A_MAC(MAC_DEV_DROP), DROP, S_NONE, R_BAD },
	{ "no policy: malformed frame follows the malformed action (pass)", I_MALPASS, pol_unapplied, 0,
	  m_tcp4_cut, A_MAC(MAC_HOST), PASS, S_NONE, R_BAD },
	{ "malformed: vendor-class MAC attributes a malformed frame", I_LAN, pol_base, MW_ACT_PASS,
	  m_tcp4_cut, A_MAC(MAC_VENDOR), DROP, S_VENDOR, R_BAD },
	{ "no policy: fail-closed instance once applied follows policy", I_FAILDROP, pol_base, MW_ACT_PASS,
	  b_udp4, A_MAC(MAC_DEV_PASS), PASS, S_DEV_PASS, R_PASS },

	/* --- wan role: the device is the destination --- */
	{ "wan: destination MAC tagged drop", I_WAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_MAC(MAC_DEV_DROP), DROP, S_DEV_DROP, R_DROP },
	{ "wan: destination MAC tagged observe", I_WAN, pol_base, MW_ACT_PASS,
	  b_tcp4, A_MAC(MAC_DEV_OBS), PASS, S_DEV_OBS, R_OBS },
	{ "wan: destination IPv4 /32", I_WAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_IP(IP4_DEV), DROP, S_IP4, R_DROP },
	{ "wan: destination IPv4 prefix", I_WAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_IP(IP4_IN_LPM), PASS, S_LPM4, R_OBS },
	{ "wan: destination IPv6 /128", I_WAN, pol_base, MW_ACT_PASS,
	  b_udp6, A_IP(IP6_DEV), DROP, S_IP6, R_DROP },
	{ "wan: destination IPv6 prefix", I_WAN, pol_base, MW_ACT_PASS,
	  b_udp6, A_IP(IP6_IN_LPM), PASS, S_LPM6, R_OBS },
	{ "wan: destination vendor /36 class", I_WAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_MAC(MAC_IN_MAS), DROP, S_MAS, R_DROP },
	{ "wan: ARP to a tagged MAC", I_WAN, pol_base, MW_ACT_PASS,
	  b_arp, A_MAC(MAC_DEV_DROP), DROP, S_DEV_DROP, R_DROP },
	{ "wan: tagged source MAC is not the device", I_WAN, pol_base, MW_ACT_PASS,
	  b_src_only, A_MAC(MAC_DEV_DROP), PASS, S_NONE, R_PASS },
	{ "wan: tagged source IP is not the device", I_WAN, pol_base, MW_ACT_PASS,
	  b_src_only, A_IP(IP4_DEV), PASS, S_NONE, R_PASS },
	{ "wan: untagged destination, default drop", I_WAN, pol_base, MW_ACT_DROP,
	  b_udp4, A_MAC(MAC_HOST), DROP, S_NONE, R_DROP },
	{ "wan: malformed frame to a tagged MAC", I_WAN, pol_base, MW_ACT_PASS,
	  m_tcp4_cut, A_MAC_N(MAC_DEV_PASS, 12), DROP, S_DEV_PASS, R_BAD },

	/* --- protocol paths (device known by source IP only: drop) --- */
	{ "proto: IPv4 TCP", I_LAN, pol_base, MW_ACT_PASS,
	  b_tcp4, A_IP(IP4_DEV), DROP, S_IP4, R_DROP },
	{ "proto: IPv4 TCP with options (doff 15, frame ends there)", I_LAN, pol_base, MW_ACT_PASS,
	  b_tcp4_opts, { .ip = IP4_DEV, .n = 15 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 UDP", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp4, A_IP(IP4_DEV), DROP, S_IP4, R_DROP },
	{ "proto: IPv4 ICMP", I_LAN, pol_base, MW_ACT_PASS,
	  b_icmp4, A_IP(IP4_DEV), DROP, S_IP4, R_DROP },
	{ "proto: IPv4 options IHL 6", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_opts, { .ip = IP4_DEV, .n = 6 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 options IHL 7", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_opts, { .ip = IP4_DEV, .n = 7 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 options IHL 8", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_opts, { .ip = IP4_DEV, .n = 8 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 options IHL 9", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_opts, { .ip = IP4_DEV, .n = 9 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 options IHL 10", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_opts, { .ip = IP4_DEV, .n = 10 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 options IHL 11", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_opts, { .ip = IP4_DEV, .n = 11 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 options IHL 12", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_opts, { .ip = IP4_DEV, .n = 12 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 options IHL 13", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_opts, { .ip = IP4_DEV, .n = 13 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 options IHL 14", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_opts, { .ip = IP4_DEV, .n = 14 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 options IHL 15", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_opts, { .ip = IP4_DEV, .n = 15 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 GRE (no L4 parser)", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_proto, { .ip = IP4_DEV, .n = 47 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 first fragment (MF, offset 0)", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_frag_first, A_IP(IP4_DEV), DROP, S_IP4, R_DROP },
	{ "proto: IPv4 non-first fragment, no L4 bytes", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_frag_later, { .ip = IP4_DEV, .n = 0 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 non-first fragment, 3 garbage bytes", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_frag_later, { .ip = IP4_DEV, .n = 3 }, DROP, S_IP4, R_DROP },
	{ "proto: IPv4 middle fragment (MF + offset), UDP", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_frag_middle, A_IP(IP4_DEV), DROP, S_IP4, R_DROP },
	{ "proto: IPv6 TCP", I_LAN, pol_base, MW_ACT_PASS,
	  b_tcp6, A_IP(IP6_DEV), DROP, S_IP6, R_DROP },
	{ "proto: IPv6 UDP", I_LAN, pol_base, MW_ACT_PASS,
	  b_udp6, A_IP(IP6_DEV), DROP, S_IP6, R_DROP },
	{ "proto: IPv6 ICMPv6", I_LAN, pol_base, MW_ACT_PASS,
	  b_icmp6, A_IP(IP6_DEV), DROP, S_IP6, R_DROP },
	{ "proto: IPv6 hop-by-hop + routing + dest opts + TCP", I_LAN, pol_base, MW_ACT_PASS,
	  b_ext_chain6, A_IP(IP6_DEV), DROP, S_IP6, R_DROP },
	{ "proto: IPv6 AH + TCP", I_LAN, pol_base, MW_ACT_PASS,
	  b_ah6, A_IP(IP6_DEV), DROP, S_IP6, R_DROP },
	{ "proto: IPv6 fragment header, first fragment", I_LAN, pol_base, MW_ACT_PASS,
	  b_frag6_first, A_IP(IP6_DEV), DROP, S_IP6, R_DROP },
	{ "proto: IPv6 fragment header, non-first, no L4 bytes", I_LAN, pol_base, MW_ACT_PASS,
	  b_frag6_later, { .ip = IP6_DEV, .n = 0 }, DROP, S_IP6, R_DROP },
	{ "proto: IPv6 fragment header, non-first, 3 garbage bytes", I_LAN, pol_base, MW_ACT_PASS,
	  b_frag6_later, { .ip = IP6_DEV, .n = 3 }, DROP, S_IP6, R_DROP },
	{ "proto: IPv6 no next header (59), nothing after", I_LAN, pol_base, MW_ACT_PASS,
	  b_nonext6, { .ip = IP6_DEV, .n = 0 }, DROP, S_IP6, R_DROP },
	{ "proto: IPv6 no next header (59), trailing bytes", I_LAN, pol_base, MW_ACT_PASS,
	  b_nonext6, { .ip = IP6_DEV, .n = 3 }, DROP, S_IP6, R_DROP },
	{ "proto: IPv6 hop-by-hop then no next header", I_LAN, pol_base, MW_ACT_PASS,
	  b_hbh_nonext6, A_IP(IP6_DEV), DROP, S_IP6, R_DROP },
	{ "proto: IPv6 exactly MW_MAX_IPV6_EXT extension headers", I_LAN, pol_base, MW_ACT_PASS,
	  b_ext_n6, { .ip = IP6_DEV, .n = MW_MAX_IPV6_EXT }, DROP, S_IP6, R_DROP },
	{ "proto: 802.1Q, IPv4 TCP inside", I_LAN, pol_base, MW_ACT_PASS,
	  b_vlan4, A_IP(IP4_DEV), DROP, S_IP4, R_DROP },
	{ "proto: 802.1ad + 802.1Q (QinQ), IPv4 TCP inside", I_LAN, pol_base, MW_ACT_PASS,
	  b_qinq4, A_IP(IP4_DEV), DROP, S_IP4, R_DROP },
	{ "proto: 802.1Q, IPv6 UDP inside", I_LAN, pol_base, MW_ACT_PASS,
	  b_vlan6, A_IP(IP6_DEV), DROP, S_IP6, R_DROP },
	{ "proto: QinQ from a tagged MAC", I_LAN, pol_base, MW_ACT_PASS,
	  b_qinq4, A_MAC(MAC_DEV_OBS), PASS, S_DEV_OBS, R_OBS },
	{ "proto: ARP from a tagged drop MAC", I_LAN, pol_base, MW_ACT_PASS,
	  b_arp, A_MAC(MAC_DEV_DROP), DROP, S_DEV_DROP, R_DROP },
	{ "proto: ARP from a tagged observe MAC", I_LAN, pol_base, MW_ACT_PASS,
	  b_arp, A_MAC(MAC_DEV_OBS), PASS, S_DEV_OBS, R_OBS },

	/* --- bytes: the whole frame is counted, not the IP length --- */
	{ "bytes: padded to the 60-byte Ethernet minimum", I_LAN, pol_base, MW_ACT_PASS,
	  b_padded4, { .mac = MAC_DEV_OBS, .n = 14 }, PASS, S_DEV_OBS, R_OBS },
	{ "bytes: 1000 bytes of trailing padding", I_LAN, pol_base, MW_ACT_PASS,
	  b_padded4, { .mac = MAC_DEV_DROP, .n = 1000 }, DROP, S_DEV_DROP, R_DROP },

	/* --- malformed: attributed to the device MAC (tagged pass) --- */
	{ "malformed: VLAN tag cut short", I_LAN, pol_base, MW_ACT_PASS,
	  m_vlan_cut, A_MAC(MAC_DEV_PASS), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: three VLAN tags", I_LAN, pol_base, MW_ACT_PASS,
	  m_vlan3, A_MAC(MAC_DEV_PASS), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv4 header cut (19 of 20 bytes)", I_LAN, pol_base, MW_ACT_PASS,
	  m_ip4_cut, A_MAC_N(MAC_DEV_PASS, 19), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv4 ethertype, no header at all", I_LAN, pol_base, MW_ACT_PASS,
	  m_ip4_cut, A_MAC_N(MAC_DEV_PASS, 0), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv4 version 6", I_LAN, pol_base, MW_ACT_PASS,
	  m_ip4_version, A_MAC_N(MAC_DEV_PASS, 6), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv4 version 0", I_LAN, pol_base, MW_ACT_PASS,
	  m_ip4_version, A_MAC_N(MAC_DEV_PASS, 0), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv4 IHL 4", I_LAN, pol_base, MW_ACT_PASS,
	  m_ip4_ihl, A_MAC_N(MAC_DEV_PASS, 4), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv4 IHL 0", I_LAN, pol_base, MW_ACT_PASS,
	  m_ip4_ihl, A_MAC_N(MAC_DEV_PASS, 0), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv4 tot_len 23 < IHL*4 (24)", I_LAN, pol_base, MW_ACT_PASS,
	  m_ip4_tot_short, A_MAC_N(MAC_DEV_PASS, 23), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv4 tot_len 0", I_LAN, pol_base, MW_ACT_PASS,
	  m_ip4_tot_short, A_MAC_N(MAC_DEV_PASS, 0), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv4 tot_len one byte past the frame", I_LAN, pol_base, MW_ACT_PASS,
	  m_ip4_tot_long, A_MAC_N(MAC_DEV_PASS, 1), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv4 options (IHL 15) past the frame", I_LAN, pol_base, MW_ACT_PASS,
	  m_ip4_opts_cut, A_MAC_N(MAC_DEV_PASS, 15), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: TCP header cut (19 of 20 bytes)", I_LAN, pol_base, MW_ACT_PASS,
	  m_tcp4_cut, A_MAC_N(MAC_DEV_PASS, 19), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv4 TCP, no L4 bytes at all", I_LAN, pol_base, MW_ACT_PASS,
	  m_tcp4_cut, A_MAC_N(MAC_DEV_PASS, 0), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: TCP doff 4", I_LAN, pol_base, MW_ACT_PASS,
	  m_tcp4_doff, A_MAC_N(MAC_DEV_PASS, 4), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: TCP doff 0", I_LAN, pol_base, MW_ACT_PASS,
	  m_tcp4_doff, A_MAC_N(MAC_DEV_PASS, 0), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: TCP doff 6 past the end", I_LAN, pol_base, MW_ACT_PASS,
	  m_tcp4_doff_past, A_MAC_N(MAC_DEV_PASS, 6), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: TCP doff 15 past the end", I_LAN, pol_base, MW_ACT_PASS,
	  m_tcp4_doff_past, A_MAC_N(MAC_DEV_PASS, 15), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: UDP header cut (7 of 8 bytes)", I_LAN, pol_base, MW_ACT_PASS,
	  m_udp4_cut, A_MAC_N(MAC_DEV_PASS, 7), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: ICMP header cut (3 of 4 bytes)", I_LAN, pol_base, MW_ACT_PASS,
	  m_icmp4_cut, A_MAC_N(MAC_DEV_PASS, 3), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv4 first fragment with TCP cut", I_LAN, pol_base, MW_ACT_PASS,
	  b_ip4_frag_first_cut, A_MAC_N(MAC_DEV_PASS, 10), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv6 header cut (39 of 40 bytes)", I_LAN, pol_base, MW_ACT_PASS,
	  m_ip6_cut, A_MAC_N(MAC_DEV_PASS, 39), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv6 version 4", I_LAN, pol_base, MW_ACT_PASS,
	  m_ip6_version, A_MAC_N(MAC_DEV_PASS, 4), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv6 payload_len one byte past the frame", I_LAN, pol_base, MW_ACT_PASS,
	  m_ip6_plen, A_MAC_N(MAC_DEV_PASS, 1), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv6 ext header cut (7 of 8 bytes)", I_LAN, pol_base, MW_ACT_PASS,
	  m_ext6_cut, A_MAC_N(MAC_DEV_PASS, 7), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv6 fragment header cut (7 of 8 bytes)", I_LAN, pol_base, MW_ACT_PASS,
	  m_frag6_cut, A_MAC_N(MAC_DEV_PASS, 7), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv6 ext header length past the frame", I_LAN, pol_base, MW_ACT_PASS,
	  m_ext6_len_past, A_MAC_N(MAC_DEV_PASS, 1), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv6 AH length past the frame", I_LAN, pol_base, MW_ACT_PASS,
	  b_ah6_cut, A_MAC_N(MAC_DEV_PASS, 16), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv6 MW_MAX_IPV6_EXT + 1 extension headers", I_LAN, pol_base, MW_ACT_PASS,
	  b_ext_n6, A_MAC_N(MAC_DEV_PASS, MW_MAX_IPV6_EXT + 1), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv6 TCP cut", I_LAN, pol_base, MW_ACT_PASS,
	  m_l4_6_cut, A_MAC_N(MAC_DEV_PASS, NH_TCP), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv6 UDP cut", I_LAN, pol_base, MW_ACT_PASS,
	  m_l4_6_cut, A_MAC_N(MAC_DEV_PASS, NH_UDP), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv6 ICMPv6 cut", I_LAN, pol_base, MW_ACT_PASS,
	  m_l4_6_cut, A_MAC_N(MAC_DEV_PASS, NH_ICMPV6), DROP, S_DEV_PASS, R_BAD },
	{ "malformed: IPv6 first fragment with TCP cut", I_LAN, pol_base, MW_ACT_PASS,
	  b_frag6_first_cut, A_MAC_N(MAC_DEV_PASS, 10), DROP, S_DEV_PASS, R_BAD },

	/* --- malformed: attribution and action --- */
	{ "malformed: untagged MAC -> subject 0", I_LAN, pol_base, MW_ACT_PASS,
	  m_tcp4_cut, A_MAC_N(MAC_HOST, 12), DROP, S_NONE, R_BAD },
	{ "malformed: tagged drop MAC keeps malformed reason", I_LAN, pol_base, MW_ACT_PASS,
	  m_vlan3, A_MAC(MAC_DEV_DROP), DROP, S_DEV_DROP, R_BAD },
	{ "malformed: malformed action pass, tagged MAC", I_MALPASS, pol_base, MW_ACT_PASS,
	  m_ip6_plen, A_MAC_N(MAC_DEV_DROP, 1), PASS, S_DEV_DROP, R_BAD },
	{ "malformed: malformed action pass, untagged MAC", I_MALPASS, pol_base, MW_ACT_DROP,
	  m_tcp4_doff, A_MAC_N(MAC_HOST, 4), PASS, S_NONE, R_BAD },
	{ "malformed: malformed action pass, sound frame follows policy", I_MALPASS, pol_base, MW_ACT_PASS,
	  b_udp4, A_MAC(MAC_DEV_DROP), DROP, S_DEV_DROP, R_DROP },
};

static void run_case(void **state)
{
	const struct pkt_case *c = *state;
	struct inst *in = &insts[c->inst];
	struct fx_frame *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	c->policy(in, c->parg);
	c->build(f, c);
	expect(in, f, c->verdict, c->subject, c->reason);
	free(f);
}

/* ------------------------------------------------------------------ */
/* Sequences that do not fit one fixture                               */
/* ------------------------------------------------------------------ */

/*
 * The kernel refuses XDP test frames shorter than ETH_HLEN, so the "< 14
 * bytes" malformed class cannot be fed through BPF_PROG_TEST_RUN: check
 * that it is refused and that nothing was counted.
 */
static void test_short_frame_refused(void **state)
{
	static const size_t lens[] = { 0, 1, 6, 12, 13 };
	struct inst *in = &insts[I_LAN];
	struct snap *before = calloc(1, sizeof(*before));
	struct snap *after = calloc(1, sizeof(*after));
	struct fx_frame *f = calloc(1, sizeof(*f));
	size_t i;

	(void)state;
	assert_non_null(before);
	assert_non_null(after);
	assert_non_null(f);
	pol_base(in, MW_ACT_PASS);
	fx_eth(f, MAC_GW, MAC_DEV_PASS, ETH_P_802_EX1);

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct fx_frame *g = calloc(1, sizeof(*g));
		__u32 retval;
		int err;

		assert_non_null(g);
		memcpy(g->d, f->d, lens[i]);
		g->len = lens[i];
		take_snap(in, before);
		err = run_frame(in, g, &retval);
		take_snap(in, after);
		if (err != -EINVAL)
			fail_msg("%zu-byte frame: BPF_PROG_TEST_RUN returned %d, expected %d",
				 lens[i], err, -EINVAL);
		assert_int_equal(diff_cells("mw_counters", before->subj, after->subj,
					    SUBJ_CELLS, -1, 0), 0);
		assert_int_equal(diff_cells("mw_ifcounters", before->ifc, after->ifc,
					    IF_CELLS, -1, 0), 0);
		free(g);
	}

	/* 14 bytes, a bare Ethernet header (local experimental ethertype): fine */
	f->len = ETH_HLEN;
	expect(in, f, XDP_PASS, S_DEV_PASS, MW_R_PASS);
	free(f);
	free(before);
	free(after);
}

/*
 * Apply as the loader does: fill generation 1 while 0 is live, flip
 * mw_ctl.gen with one store through the mmap'ed map, then flip back. The
 * maps are not touched between frames.
 */
static void test_gen_flip_mmap(void **state)
{
	struct inst *in = &insts[I_LAN];
	long page = sysconf(_SC_PAGESIZE);
	struct pkt_case c = { .inst = I_LAN, .a = { .mac = MAC_DEV_PASS } };
	struct fx_frame *f = calloc(1, sizeof(*f));
	struct mw_ctl *ctl;

	(void)state;
	assert_non_null(f);
	pol_gens(in, 0);
	b_udp4(f, &c);

	ctl = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED,
		   map_fd(in->skel->maps.mw_ctl), 0);
	assert_true(ctl != MAP_FAILED);
	assert_int_equal(ctl->gen, 0);
	assert_int_equal(ctl->applied, 1);

	expect(in, f, XDP_PASS, S_NONE, MW_R_PASS);
	__atomic_store_n(&ctl->gen, 1, __ATOMIC_RELEASE);
	expect(in, f, XDP_PASS, S_G1_MAC, MW_R_OBSERVE);
	expect(in, f, XDP_PASS, S_G1_MAC, MW_R_OBSERVE);
	__atomic_store_n(&ctl->gen, 0, __ATOMIC_RELEASE);
	expect(in, f, XDP_PASS, S_NONE, MW_R_PASS);

	/* withdrawing the policy: fail action again */
	__atomic_store_n(&ctl->applied, 0, __ATOMIC_RELEASE);
	expect(in, f, XDP_PASS, S_NONE, MW_R_NO_POLICY);

	munmap(ctl, page);
	free(f);
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

static int group_setup(void **state)
{
	char err[256];
	int i;

	(void)state;
	fx_libbpf_quiet();
	for (i = 0; i < I_NR; i++) {
		struct inst *in = &insts[i];
		const struct fx_prog cfg = {
			in->slot, in->role, in->fail_action, in->malformed_action,
		};

		in->skel = fx_load(&cfg, NULL, err, sizeof(err));
		if (!in->skel) {
			fprintf(stderr, "%s: %s\n", in->name, err);
			return -1;
		}
		in->prog_fd = fx_prog_fd(in->skel);
		if (in->prog_fd < 0)
			return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < I_NR; i++) {
		modwall_bpf__destroy(insts[i].skel);
		insts[i].skel = NULL;
		insts[i].prog_fd = -1;
	}
	return 0;
}

int main(void)
{
	size_t ncases = sizeof(cases) / sizeof(cases[0]);
	size_t n = 0, i;
	struct CMUnitTest *tests = calloc(ncases + 2, sizeof(*tests));
	int rc;

	if (!tests)
		return 1;
	for (i = 0; i < ncases; i++) {
		tests[n].name = cases[i].desc;
		tests[n].test_func = run_case;
		tests[n].initial_state = &cases[i];
		n++;
	}
	tests[n].name = "short frames are refused by BPF_PROG_TEST_RUN";
	tests[n++].test_func = test_short_frame_refused;
	tests[n].name = "gen: flip through the mmap'ed mw_ctl and back";
	tests[n++].test_func = test_gen_flip_mmap;

	rc = _cmocka_run_group_tests("modwall_pkt", tests, n, group_setup, group_teardown);
	free(tests);
	return rc;
}
