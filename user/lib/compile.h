/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Policy compiler: a parsed policy + the IEEE registry + IMEI bindings ->
 * the exact contents of the identity maps (a plan). Everything that can be
 * wrong with the input is found here, before any kernel map is touched.
 */
#ifndef MW_COMPILE_H
#define MW_COMPILE_H

#include <stdint.h>
#include "addr.h"
#include "ieee.h"
#include "policy.h"

enum mw_plan_map {
	MW_PM_MAC, MW_PM_OUI, MW_PM_IP4, MW_PM_IP6, MW_PM_LPM4, MW_PM_LPM6,
	MW_PM_IMEI,	/* userspace-only IMEI -> device index */
	MW_PM_ALLOW4, MW_PM_ALLOW6,	/* allow-lists: value in mw_plan.avals */
	MW_PM_NAME,	/* addresses learned for name rules: value in mw_plan.avals */
	MW_PM_N
};

#define MW_PLAN_CONTAINER	UINT32_MAX	/* OUI /24 entry carrying only flags */

struct mw_plan_entry {
	uint8_t map;		/* enum mw_plan_map */
	uint8_t bits;		/* OUI: 24, 28, 36 */
	uint8_t flags;		/* OUI: MW_SF_HAS_* */
	uint16_t policy;	/* allow entries: policy index */
	uint32_t subj;		/* index into mw_plan.subj or avals, or MW_PLAN_CONTAINER */
	uint64_t mac;		/* MAC or OUI prefix */
	struct mw_prefix pfx;	/* IP entries */
};

struct mw_plan_subj {
	char name[MW_NAME_LEN];
	uint8_t kind;		/* MW_KIND_DEVICE or MW_KIND_CLASS */
	uint8_t action;
	uint8_t flags;		/* MW_SF_ALLOW, MW_SF_RATE */
	uint16_t policy;
	uint32_t id;		/* assigned by apply */
};

struct mw_plan_ifdef {
	char ifname[MW_IFNAME_LEN];
	uint8_t action;
};

struct mw_plan {
	struct mw_plan_subj *subj;
	uint32_t nsubj;
	struct mw_plan_entry *e;
	size_t ne, cap;
	size_t count[MW_PM_N];
	uint8_t default_action;
	struct mw_plan_ifdef *ifd;
	int nifd;
	struct mw_policy_cfg *pcfg;	/* by policy index */
	uint32_t npcfg;
	struct mw_allow_val *avals;	/* values of allow entries */
	size_t navals;
	struct mw_namerule *nrules;	/* name rules, written to mw_namerules */
	uint32_t nnrules;
	/* summary */
	int ndev_mac, ndev_imei, ndev_ip, nunbound;
	size_t nprefix[3];	/* vendor prefixes resolved: /24, /28, /36 */
	int npolicies;
};

struct mw_binding {
	uint64_t imei;
	struct mw_prefix pfx;
	struct mw_loc loc;	/* file:line:col, or a pseudo file such as "kernel" */
};

struct mw_bindings {
	struct mw_binding *v;
	size_t n, cap;
	char **files;
	int nfiles;
};

/* Read a bindings file: lines of "IMEI ADDR[/LEN]...", '#' comments. */
int mw_bindings_load(struct mw_bindings *b, const char *path, struct mw_diag *errs,
		     struct mw_diag *notes);
int mw_bindings_add(struct mw_bindings *b, uint64_t imei, const struct mw_prefix *p,
		    const struct mw_loc *loc);
void mw_bindings_free(struct mw_bindings *b);

/* Compile. Errors and warnings go to pol->errors / pol->warnings; 0 when none. */
int mw_compile(struct mw_plan *plan, struct mw_policy *pol, const struct mw_ieee *db,
	       const struct mw_bindings *binds);
void mw_plan_free(struct mw_plan *plan);

/*
 * The hook country rules (allow ... to country "CC") compile through: the
 * prefixes of country @cc (two upper-case letters) in a malloc'd array in
 * *@out, their number in *@n. No country database is read yet, so it
 * returns -ENOENT (no database) and compiling a country rule is an error
 * that says a database is needed; a reader of one (--geoip-db FILE,
 * Debian's geoip-database) makes it return 0. Prefixes of both families
 * may come back: icmp and icmpv6 rules take those of their own.
 */
int mw_country_prefixes(const char cc[3], struct mw_prefix **out, size_t *n);
/* The country database country rules read (NULL: Debian's geoip-database). */
void mw_country_db_use(const char *path);
/* Why it could not be read ("" before the first country rule, or when it could). */
const char *mw_country_db_error(void);

/*
 * GCRA parameters of a policy's rate limits (zero when it has none);
 * -1 when a burst is too large for its rate (the tolerance is capped).
 */
int mw_rate_params(const struct mw_pol *p, struct mw_policy_cfg *cfg);

#endif /* MW_COMPILE_H */
