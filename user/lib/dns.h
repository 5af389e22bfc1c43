/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One DNS message (a UDP payload, or a TCP message without its 2-byte
 * length) read with ldns: whether it is a response, its rcode, the question
 * name, the CNAME hops that lead from the question name, and the A/AAAA
 * answers reachable from it through them. What modwall learns names from.
 *
 * Names are lower-case text without the trailing dot, made of letters,
 * digits, '-' and '_' only: a name with any other byte (a dot inside a
 * label, a blank, a control character) cannot be told apart from another
 * name once written as text, so a message that puts one where modwall
 * would read it is refused (MW_DNS_E_NAME).
 *
 * Only CNAMEs are followed: a resolver answering through a DNAME sends
 * the CNAME it synthesised too (RFC 6672).
 *
 * The walk from the question name is bounded: MW_DNS_MAX_CHAIN CNAME hops,
 * MW_DNS_MAX_ADDRS addresses; what is left over is flagged, not an error.
 */
#ifndef MW_DNS_H
#define MW_DNS_H

#include <stddef.h>
#include <stdint.h>

#define MW_DNS_NAME_MAX		253	/* text length of the longest name */
#define MW_DNS_MAX_ADDRS	64	/* addresses kept from one message */
#define MW_DNS_MAX_CHAIN	8	/* CNAME hops followed */

/*
 * Results of mw_dns_parse, one per kind of refusal so the daemon can count
 * them: X(ENUMERATOR, VALUE, "name"). Names are stable (metrics use them).
 */
#define MW_DNS_RESULTS(X)						\
	X(MW_DNS_OK,		0, "ok")				\
	/* shorter than the 12-byte header */				\
	X(MW_DNS_E_SHORT,	1, "short")				\
	/* a section holds fewer records than its count says */	\
	X(MW_DNS_E_TRUNCATED,	2, "truncated")				\
	/* a compression pointer that loops or points past the end */	\
	X(MW_DNS_E_POINTER,	3, "bad_pointer")			\
	/* a label over 63 bytes or past the end, a name over 255 \
	 * (as a pointer loop through a label makes) */			\
	X(MW_DNS_E_LABEL,	4, "bad_label")				\
	/* record data that does not fit its type */			\
	X(MW_DNS_E_RDATA,	5, "bad_rdata")				\
	/* anything else ldns refuses */				\
	X(MW_DNS_E_MALFORMED,	6, "malformed")				\
	/* the question count is not 1 */				\
	X(MW_DNS_E_QDCOUNT,	7, "qdcount")				\
	/* the question, or an answer, is not of class IN */		\
	X(MW_DNS_E_CLASS,	8, "class")				\
	/* opcode other than QUERY (NOTIFY, UPDATE, ...) */		\
	X(MW_DNS_E_OPCODE,	9, "opcode")				\
	/* a name modwall reads is not letters, digits, '-', '_' \
	 * (or is the root) */						\
	X(MW_DNS_E_NAME,	10, "bad_name")				\
	/* out of memory */						\
	X(MW_DNS_E_NOMEM,	11, "nomem")

enum mw_dns_result {
#define MW_DNS_ENUM(e, v, n) e = v,
	MW_DNS_RESULTS(MW_DNS_ENUM)
#undef MW_DNS_ENUM
	MW_DNS_RESULT_NR,
};

/* "ok", "truncated", ...; "?" for a value outside the list. */
const char *mw_dns_result_name(int result);

/* mw_dns_msg.flags */
#define MW_DNS_F_TC		0x1	/* the TC bit: the answer was cut by the server */
#define MW_DNS_F_CHAIN_CUT	0x2	/* more than MW_DNS_MAX_CHAIN CNAME hops */
#define MW_DNS_F_LOOP		0x4	/* a CNAME led back to a name of the chain */
#define MW_DNS_F_ADDRS_CUT	0x8	/* more than MW_DNS_MAX_ADDRS addresses */

/*
 * Hop i of the chain: alias -> target. cnames[0].alias is the question
 * name; cnames[i].target is cnames[i + 1].alias.
 */
struct mw_dns_cname {
	char alias[MW_DNS_NAME_MAX + 1];
	char target[MW_DNS_NAME_MAX + 1];
	uint32_t ttl;			/* this record's own TTL */
};

struct mw_dns_addr {
	char name[MW_DNS_NAME_MAX + 1];	/* the record's owner */
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t hop;			/* CNAME hops from the question name to @name */
	uint8_t addr[16];		/* network order; IPv4 in the first 4 bytes */
	uint32_t rr_ttl;		/* this record's own TTL */
	uint32_t ttl;			/* effective: the least TTL from the question name on */
};

struct mw_dns_msg {
	uint8_t response;		/* QR bit */
	uint8_t rcode;			/* 0 NOERROR, 3 NXDOMAIN, ... */
	uint16_t qtype;
	uint32_t flags;			/* MW_DNS_F_* */
	uint16_t id;
	char qname[MW_DNS_NAME_MAX + 1];
	uint32_t n_cnames;
	struct mw_dns_cname cnames[MW_DNS_MAX_CHAIN];
	uint32_t n_addrs;
	struct mw_dns_addr addrs[MW_DNS_MAX_ADDRS];
};

/*
 * Parse the message of @len bytes at @buf into @m. A query is parsed for its
 * question only (no chain, no addresses). TTLs with the top bit set read as
 * 0 (RFC 2181, 8). Returns MW_DNS_OK or an MW_DNS_E_* kind; on error @m
 * holds nothing to use. Thread-safe; @m is about 22 KiB, so not for a
 * small stack.
 */
int mw_dns_parse(const uint8_t *buf, size_t len, struct mw_dns_msg *m);

#endif /* MW_DNS_H */
