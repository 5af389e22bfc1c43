/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Suggest: an allow-list learned from what a device (or the members of a
 * class) was seen doing, read from its flows (flows.h).
 *
 * One allow rule per distinct (remote end, protocol, remote port or ICMP
 * type) the subject sent to with at least one packet passed. The remote
 * end is the DNS name the address was learned as (remote_info.h), so the
 * addresses of one name become one name rule, or else the address. An
 * echo flow (ICMP type 8, ICMPv6 128: replies are folded onto requests)
 * gives the request type, and the reply type (0, 129) when frames came
 * back: the data path judges the type of each frame, both ways. A frame
 * without an L4 header (a non-first fragment) has no port: its rule has
 * none, and covers the port rules of its remote end and protocol.
 *
 * Left out, and reported: flows whose every outgoing packet was dropped
 * (allowing them would widen what the device may do today), flows the
 * device sent nothing on, ARP (always allowed), IPv6 neighbour discovery
 * on the link (always allowed), other non-IP frames (no allow rule can
 * name them).
 *
 * At most MW_MAX_RULES rules may apply to one remote end: past that, the
 * rules of a remote end are merged, first consecutive ports into ranges
 * (nothing more is allowed), then each protocol's ports into one range
 * from the lowest to the highest, then all into one rule for any protocol
 * (both widen, and are marked so).
 *
 * Rules come sorted: IPv4 addresses, IPv6 addresses, then names; within a
 * remote end by protocol number, a rule without a range first, then by range.
 * Nothing here prints: the text of a policy block (suggest_text.c) and a
 * MUD file (suggest_mud.c) are built as values.
 */
#ifndef MW_SUGGEST_H
#define MW_SUGGEST_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "flows.h"

#define MW_SUG_NAME_MAX	254	/* a DNS name pattern, NUL included */
#define MW_SUG_FAM4	1
#define MW_SUG_FAM6	2

enum mw_sug_kind {
	MW_SUG_ADDR,		/* to ADDRESS (/32 or /128) */
	MW_SUG_NAME,		/* to name "NAME" */
};

/* How a rule came to be. */
enum mw_sug_how {
	MW_SUG_SEEN,		/* exactly what the flows show */
	MW_SUG_REPLY,		/* the echo reply type of an echo flow with frames back */
	MW_SUG_NO_PORT,		/* frames without an L4 header (fragments): no port */
	MW_SUG_MERGED,		/* consecutive ports merged into a range: nothing more allowed */
	MW_SUG_WIDENED,		/* merged to stay within MW_MAX_RULES: allows more than seen */
};

struct mw_sug_addr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];
};

struct mw_sug_rule {
	int kind;		/* enum mw_sug_kind */
	struct mw_sug_addr to;	/* MW_SUG_ADDR */
	char name[MW_SUG_NAME_MAX];	/* MW_SUG_NAME: normal form (mw_parse_name_pattern) */
	struct mw_sug_addr *addrs;	/* MW_SUG_NAME: the addresses seen under the name, sorted */
	size_t naddrs;
	int proto;		/* IPPROTO_*; -1: any protocol */
	int has_range;		/* port (TCP, UDP) or type (ICMP, ICMPv6) range */
	uint16_t lo, hi;
	int fams;		/* MW_SUG_FAM4 | MW_SUG_FAM6: families of the addresses seen */
	int how;		/* enum mw_sug_how */
	uint32_t flows;		/* flows behind it */
	uint64_t packets_out, bytes_out, packets_in, bytes_in;
};

/* Why a flow gave no rule. */
enum mw_sug_why {
	MW_SUG_DROPPED,		/* every packet the device sent was dropped */
	MW_SUG_INBOUND,		/* the device sent nothing */
	MW_SUG_ARP,		/* always allowed */
	MW_SUG_ND,		/* ICMPv6 neighbour discovery on the link: always allowed */
	MW_SUG_NOT_IP,		/* neither IP nor ARP: no allow rule names it */
	MW_SUG_ODD,		/* ICMP over IPv6 or ICMPv6 over IPv4: no allow rule names it */
};

struct mw_sug_left {
	int why;		/* enum mw_sug_why */
	struct mw_flow_rec f;
};

struct mw_suggestion {
	struct mw_sug_rule *rules;
	size_t nrules;
	struct mw_sug_left *left;	/* in flow key order */
	size_t nleft;
	size_t nflows;		/* flows learned from (the subject's, since from_ns) */
	size_t nmembers;	/* class subjects: distinct members among them */
	uint64_t first_ns;	/* the earliest first_ns and the latest last_ns of those */
	uint64_t last_ns;
};

/* The DNS name @addr (of @family) was learned as, or NULL. */
typedef const char *(*mw_sug_name_fn)(void *ctx, int family, const uint8_t *addr);

struct mw_suggest_opts {
	uint32_t subject;	/* whose flows: the others in the input are skipped */
	uint64_t from_ns;	/* only flows whose last_ns is at or after it; 0: all */
	mw_sug_name_fn name;	/* NULL: addresses only */
	void *name_ctx;
};

/* Learn from @n flow records. 0, or -ENOMEM (then @s holds nothing). */
int mw_suggest(struct mw_suggestion *s, const struct mw_flow_rec *recs, size_t n,
	       const struct mw_suggest_opts *o);
void mw_suggestion_free(struct mw_suggestion *s);

/*
 * The rule as the policy language writes it (and `modwall mud import`):
 * "allow udp to 198.18.0.1 port 53", "allow icmp to name \"ntp.example\" type 8",
 * "allow to fd00::1". @len: 400 is always enough.
 */
void mw_sug_rule_text(const struct mw_sug_rule *r, char *buf, size_t len);
/* The rule's remote end: "198.18.0.1", "ntp.example". */
void mw_sug_rule_to(const struct mw_sug_rule *r, char *buf, size_t len);
/* "tcp", "udp", "icmp", "icmpv6", the number, or NULL for any protocol. @buf: 8 bytes. */
const char *mw_sug_proto(int proto, char *buf, size_t len);

/* What the text and the MUD file say besides the rules. */
struct mw_suggest_meta {
	const char *subject;	/* the device or class */
	int is_class;
	const char *policy;	/* the policy block's name (a valid policy name) */
	const char *since;	/* the --since text, or NULL */
	int64_t clock_off;	/* CLOCK_REALTIME - CLOCK_MONOTONIC (observe.h), for times */
	const char *mud_url;	/* MUD: its URL */
	uint64_t now_real_ns;	/* MUD: last-update */
};

/* The policy block with its comments (malloc'd), or NULL when out of memory. */
char *mw_suggest_text(const struct mw_suggestion *s, const struct mw_suggest_meta *m);

/*
 * An RFC 8520 MUD file of the rules: one from-device ACL named after the
 * policy, one accept ace per rule and family (ietf-acldns:dst-dnsname for
 * names). NULL when out of memory.
 */
struct json_object *mw_suggest_mud(const struct mw_suggestion *s, const struct mw_suggest_meta *m);

#endif /* MW_SUGGEST_H */
