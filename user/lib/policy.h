/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The policy language: lexer, parser and the checks that need no outside
 * data. See modwall.policy(5) for the grammar. Every diagnostic carries
 * FILE:LINE:COL. Resolving vendor names and IMEI bindings into map
 * contents is the compiler's job (compile.h).
 */
#ifndef MW_POLICY_H
#define MW_POLICY_H

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

struct mw_allow_rule {
	struct mw_loc loc;
	struct mw_prefix pfx;	/* remote prefix */
	uint8_t proto;		/* IPPROTO_*, 0 for any */
	uint8_t has_range;	/* port (TCP/UDP) or type (ICMP) range given */
	uint16_t lo, hi;
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
 * Add a message; @loc NULL: no location, a @loc with line 0: "FILE: " only.
 * Control characters and bytes that are not UTF-8 in the message (quoted
 * file text) are escaped as \xNN. Past @d->max messages, only a count is
 * kept, in a last message "N more errors not shown".
 */
void mw_diag_add(struct mw_diag *d, const struct mw_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void mw_diag_free(struct mw_diag *d);

#endif /* MW_POLICY_H */
