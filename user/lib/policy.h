/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The policy language: lexer, parser and the checks that need no outside
 * data. See modwall.policy(5) for the grammar. Every diagnostic carries
 * FILE:LINE:COL. Resolving vendor names and IMEI bindings into map
 * contents is the compiler's job (compile.h).
 */
#ifndef MW_POLICY_H
#define MW_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "modwall.h"

struct mw_loc {
	const char *file;	/* owned by struct mw_policy */
	int line, col;		/* 1-based */
};

struct mw_diag {
	char **msg;		/* "FILE:LINE:COL: text" */
	int n, cap;
	int max;		/* 0: no limit; else messages kept, then one "N more ... not shown" */
	int dropped;		/* messages past @max */
};

enum mw_ident_type { MW_IDENT_MAC, MW_IDENT_IMEI, MW_IDENT_IP };

struct mw_ident {
	int type;
	struct mw_loc loc;
	uint64_t mac;		/* MW_IDENT_MAC */
	uint64_t imei;		/* MW_IDENT_IMEI: 14-digit body */
	struct mw_prefix pfx;	/* MW_IDENT_IP */
};

enum mw_member_type { MW_MEMBER_VENDOR, MW_MEMBER_PREFIX, MW_MEMBER_SET };

struct mw_member {
	int type;
	struct mw_loc loc;
	char *vendor;		/* MW_MEMBER_VENDOR */
	uint64_t prefix;	/* MW_MEMBER_PREFIX */
	int bits;
	char set[MW_NAME_LEN];	/* MW_MEMBER_SET */
};

/* What an allow rule names as the remote end. */
enum mw_allow_kind {
	MW_ALLOW_PREFIX,	/* to ADDR[/LEN]: pfx */
	MW_ALLOW_SET,		/* to addrset NAME: each prefix of the set */
	MW_ALLOW_NAME,		/* to name "PATTERN": the addresses learned for the name */
	MW_ALLOW_COUNTRY,	/* to country "CC": the prefixes a country database gives */
};

struct mw_allow_rule {
	struct mw_loc loc;	/* of 'allow' */
	struct mw_loc dst_loc;	/* of the address, set name, pattern or country */
	struct mw_prefix pfx;	/* MW_ALLOW_PREFIX: remote prefix */
	uint8_t kind;		/* enum mw_allow_kind */
	uint8_t proto;		/* IPPROTO_*, 0 for any */
	uint8_t has_range;	/* port (TCP/UDP) or type (ICMP) range given */
	uint8_t init;		/* TCP: 0, MW_RF_INIT_DEVICE or MW_RF_INIT_REMOTE (initiated-by) */
	uint16_t lo, hi;
	char country[3];	/* MW_ALLOW_COUNTRY: two upper-case ASCII letters */
	int name;		/* MW_ALLOW_NAME: the pattern, MW_ALLOW_SET: the set's name;
				 * index into mw_policy.names; -1 for other kinds */
	int set;		/* MW_ALLOW_SET: index into mw_policy.addrsets, set by the
				 * checks after parsing; -1 before */
};

/* addrset NAME { PREFIX... }: remote prefixes allow rules name together. */
struct mw_addrset {
	char name[MW_NAME_LEN];
	struct mw_loc loc;
	struct mw_prefix *pfx;
	int npfx;
};

struct mw_pol {
	char name[MW_NAME_LEN];
	struct mw_loc loc;
	int action;		/* enum mw_action */
	int builtin;
	struct mw_allow_rule *allow;	/* destinations; none: no allow-list */
	int nallow;
	uint64_t pps, pkt_burst;	/* 0: no packet-rate limit */
	uint64_t bps, byte_burst;	/* bits/s, bytes; 0: no bit-rate limit */
	struct mw_loc rate_loc;
	int flows;		/* keep the flows of its devices (always for observe) */
};

struct mw_ref {			/* a reference to a policy by name */
	char name[MW_NAME_LEN];
	struct mw_loc loc;
	int idx;		/* into mw_policy.pols after resolution */
};

struct mw_dev {
	char name[MW_NAME_LEN];
	struct mw_loc loc;
	struct mw_ident *ids;
	int nids;
	struct mw_ref pol;
};

struct mw_class {
	char name[MW_NAME_LEN];
	struct mw_loc loc;
	struct mw_member *mem;
	int nmem;
	struct mw_ref pol;	/* unused for vendor sets */
	int expanded;		/* vendor sets: reached from a class by the compiler */
};

struct mw_ifdef {
	char ifname[MW_IFNAME_LEN];
	struct mw_loc loc;
	struct mw_ref pol;
};

struct mw_policy {
	struct mw_pol *pols;
	int npols;
	struct mw_dev *devs;
	int ndevs;
	struct mw_class *classes;
	int nclasses;
	struct mw_class *sets;	/* vendor sets: named member lists */
	int nsets;
	struct mw_addrset *addrsets;
	int naddrsets;
	char **names;		/* strings allow rules refer to (mw_allow_rule.name), once each */
	int nnames;
	struct mw_ifdef *ifdefs;
	int nifdefs;
	struct mw_ref deflt;	/* default policy; idx -1 when absent (pass) */
	int has_default;
	char **files;		/* every file read, for locations */
	int nfiles;
	struct mw_diag errors, warnings;
};

/* Parse @path and its includes and check what needs no outside data. 0 when no errors. */
int mw_policy_load(struct mw_policy *p, const char *path);
/* The same from a string (tests); @name is used in locations. */
int mw_policy_load_string(struct mw_policy *p, const char *name, const char *text);
void mw_policy_free(struct mw_policy *p);

/* Is @s a name the language takes for something new: its shape, no keyword, short enough? */
int mw_policy_name_ok(const char *s);

/*
 * A name rule (allow ... to name "PATTERN") as the code that installs
 * learned addresses needs it: the rule that applies to each address learned
 * for a name the pattern matches, as struct mw_rule would carry it.
 */
struct mw_name_rule {
	const char *pattern;	/* "broker.example.com" or "*.example.com"; owned by the policy */
	const struct mw_loc *loc;	/* of the rule */
	uint8_t proto;		/* IPPROTO_*, 0 for any */
	uint8_t flags;		/* MW_RF_PORTS, MW_RF_INIT_DEVICE, MW_RF_INIT_REMOTE */
	uint16_t lo, hi;	/* with MW_RF_PORTS: the port or ICMP type range */
};

/*
 * The name rules of policy @pi (an index into @pol->pols), in file order:
 * their number, with a malloc'd array in *@out (NULL when there are none;
 * the caller frees it). -1 when @pi is out of range.
 */
int mw_policy_name_rules(const struct mw_policy *pol, int pi, struct mw_name_rule **out);

/* Name patterns are matched by mw_name_match() (namecache.h). */

/*
 * Validate a DNS name pattern as a name rule takes it and write its
 * normal form (lower case, no trailing dot) to @out (@len >= 254). On
 * error, @e has the 0-based offset into @s and the message.
 */
int mw_parse_name_pattern(const char *s, char *out, size_t len, struct mw_perr *e);

/*
 * Add a message; @loc NULL: no location, a @loc with line 0: "FILE: " only.
 * Control characters and bytes that are not UTF-8 in the message (quoted
 * file text) are escaped as \xNN. Past @d->max messages, only a count is
 * kept, in a last message "N more errors not shown".
 */
void mw_diag_add(struct mw_diag *d, const struct mw_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void mw_diag_free(struct mw_diag *d);

#endif /* MW_POLICY_H */
