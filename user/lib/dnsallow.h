/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Allow rules by DNS name (see struct mw_name_key in modwall.h): the name
 * rules of a generation (mw_namerules), the names learned from answers
 * (mw_dns), and the allow-list entries (mw_names) that follow from the two.
 *
 * An address enters a policy's allow-list when any device modwall watches
 * receives an answer that maps a name matching one of the policy's name
 * rules to it, and leaves it when the last such answer's TTL plus the
 * grace has run out. Patterns are matched by mw_name_match() (namecache.h).
 */
#ifndef MW_DNSALLOW_H
#define MW_DNSALLOW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "compile.h"
#include "maps.h"

struct mw_learned {
	struct mw_dns_key k;
	struct mw_dns_val v;
};

/* The whole mw_dns map (malloc'd into *@out, NULL when empty): count or -errno. */
ssize_t mw_dns_read(const struct mw_maps *m, struct mw_learned **out);

/*
 * The allow value of (@policy, an address whose names are @names): the
 * rules of the policy's name rules that match one of them, each once.
 * Returns the number of rules (0: the address is not allowed by name);
 * rules past MW_MAX_RULES are left out and *@truncated set.
 */
int mw_name_value(const struct mw_namerule *rules, size_t nrules, uint16_t policy,
		  const char *const *names, size_t nnames, struct mw_allow_val *out,
		  int *truncated);

/*
 * Add to @plan the MW_PM_NAME entries of its name rules (plan->nrules) for
 * the learned names in @l still valid at @now (CLOCK_MONOTONIC ns), and
 * flag the subjects whose policy has name rules MW_SF_NAMES. 0 or -ENOMEM.
 */
int mw_plan_add_names(struct mw_plan *plan, const struct mw_learned *l, size_t n,
		      uint64_t now);

/* Write @n name rules as generation @gen's (the rest of its slots cleared). */
int mw_namerules_write(const struct mw_maps *m, unsigned gen, const struct mw_namerule *r,
		       uint32_t n);
/* Generation @gen's name rules into @out (MW_MAX_NAMERULES slots): count or -errno. */
int mw_namerules_read(const struct mw_maps *m, unsigned gen, struct mw_namerule *out);

#endif /* MW_DNSALLOW_H */
