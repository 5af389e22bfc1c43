/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Reference classifier: a plain userspace model of the data path
 * (parse -> identify -> decide), written from the specification in
 * bpf/parse.h, bpf/identify.h, include/modwall.h and the README section
 * "How a frame is judged". It shares nothing with bpf/ but the ABI header:
 * tables are plain arrays searched linearly, the parser reads the frame
 * with explicit offsets.
 *
 * The differential test and the fuzz target feed the same frames and the
 * same policy to the XDP program and to this model and require the same
 * verdict, subject and reason.
 */
#ifndef MW_REF_H
#define MW_REF_H

#include <stddef.h>
#include <stdint.h>
#include "modwall.h"

/* Outcome of parsing. */
enum ref_status {
	REF_OK = 0,	/* headers up to L4 (where there is one) are sound */
	REF_BAD_L3,	/* Ethernet header whole, something after it is not */
	REF_BAD_L2,	/* not even 14 bytes */
};

struct ref_pkt {
	int status;		/* enum ref_status */
	const char *why;	/* what is malformed (static string), or NULL */
	uint64_t smac, dmac;	/* 48-bit MACs as numbers */
	uint16_t ethertype;	/* innermost */
	int vlans;		/* tags walked */
	int l3;			/* 0, 4 or 6 */
	size_t l3_off;		/* offset of the IP header */
	uint8_t saddr[16];	/* IPv4 in the first 4 bytes, wire order */
	uint8_t daddr[16];
	int l4;			/* protocol number, -1 when none was reached */
	int frag;		/* a fragment (first or not) */
	int no_l4;		/* non-first fragment or next header 59 */
	int ext;		/* IPv6 extension headers walked */
	size_t l4_off;		/* offset of the L4 header, when one was reached */
	uint16_t sport, dport;	/* TCP/UDP ports, when the header is whole */
	/* on an n3 interface (bpf/gtp.h): what the tunnel header said */
	int tun;		/* enum ref_tun; l3 .. l4_off then describe the inner packet */
	int down;		/* downlink: the device is the inner destination */
	int gtp_ext;		/* extension headers walked */
	uint8_t peer[16];	/* outer peer (base station) address */
	int peer_l3;		/* 4 or 6 */
};

enum ref_tun {
	REF_TUN_NONE = 0,	/* not GTP-U (or its header is malformed): judged as on lan */
	REF_TUN_GPDU,
	REF_TUN_SIGNAL,
};

/* What an identity table entry says. */
struct ref_entry {
	uint32_t id;		/* subject id (counter row) */
	uint8_t action;		/* enum mw_action */
	uint8_t flags;		/* MW_SF_* on /24 vendor entries */
};

struct ref_mac {
	uint64_t mac;
	struct ref_entry e;
};

/* Vendor block: the top @bits bits of @prefix (the rest zero). */
struct ref_oui {
	uint64_t prefix;
	uint8_t bits;		/* 24, 28 or 36 */
	struct ref_entry e;
};

/* Address or prefix: the first @len bits of @addr (the rest zero). */
struct ref_ip {
	uint8_t addr[16];	/* IPv4 in the first 4 bytes, wire order */
	uint8_t len;		/* 32/128 for exact entries */
	struct ref_entry e;
};

/* One generation's policy, as the model sees it. */
struct ref_policy {
	uint8_t default_action;
	uint8_t if_default[MW_MAX_IFACES];	/* MW_ACT_INHERIT: follow the default */
	uint8_t lookups;			/* MW_LK_*: which tables are probed */
	struct ref_mac *mac;
	size_t nmac;
	struct ref_oui *oui;
	size_t noui;
	struct ref_ip *ip4, *pfx4, *ip6, *pfx6;
	size_t nip4, npfx4, nip6, npfx6;
};

/* A program instance: its load-time constants. */
struct ref_inst {
	uint32_t slot;
	uint8_t role;			/* enum mw_role */
	uint8_t fail_action;		/* no policy applied */
	uint8_t malformed_action;
};

/* How the subject was found. */
enum ref_via {
	REF_VIA_NONE = 0,	/* no policy, or malformed and unattributed */
	REF_VIA_MAC,
	REF_VIA_IP,
	REF_VIA_PREFIX,
	REF_VIA_VENDOR,
	REF_VIA_IFDEFAULT,	/* interface override */
	REF_VIA_DEFAULT,	/* policy default */
	REF_VIA_NR,
};

struct ref_result {
	int verdict;		/* XDP_PASS or XDP_DROP */
	uint32_t subject;
	uint32_t reason;	/* enum mw_reason */
	int via;		/* enum ref_via */
	struct ref_pkt pkt;
};

extern const char *const ref_via_names[REF_VIA_NR];
extern const char *const ref_reason_names[MW_NR_REASONS];

/*
 * Reading of an open point: ICMP header checks apply to protocol 1 under
 * IPv4 and 58 under IPv6 (0, the default), or to both numbers under both
 * families (1).
 */
extern int ref_icmp_any_family;

void ref_parse(const uint8_t *f, size_t len, struct ref_pkt *pkt);
/* The same, as an interface of @role parses it (n3: GTP-U inside). */
void ref_parse_role(const uint8_t *f, size_t len, int role, struct ref_pkt *pkt);

/*
 * Judge one frame; @pol is the live policy, NULL when none is applied.
 * Returns the verdict (also in @res).
 */
int ref_judge(const struct ref_inst *in, const struct ref_policy *pol,
	       const uint8_t *f, size_t len, struct ref_result *res);

/* Lookup helpers, also used by generators to aim at or around entries. */
const struct ref_entry *ref_find_mac(const struct ref_policy *pol, uint64_t mac);
const struct ref_entry *ref_find_vendor(const struct ref_policy *pol, uint64_t mac);
const struct ref_entry *ref_find_ip(const struct ref_ip *tab, size_t n,
				    const uint8_t *addr, int bytes, int exact);

#endif /* MW_REF_H */
