/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Atomic apply: a compiled plan into the inactive generation, one flip, an
 * RCU grace period, then the old generation goes. Device ids are stable by
 * name; a failure before the flip rolls every touched map back.
 */
#ifndef MW_APPLY_H
#define MW_APPLY_H

#include <stddef.h>
#include "compile.h"
#include "state.h"

struct mw_apply_result {
	uint32_t gen;		/* the generation now live */
	uint64_t seq;
	uint32_t added, kept, removed;	/* subjects */
	size_t entries;
	char **unloaded_ifaces;	/* interface defaults naming no loaded interface */
	int nunloaded;
};

int mw_apply(struct mw_maps *m, struct mw_plan *plan, struct mw_apply_result *res,
	     char *err, size_t errlen);
void mw_apply_result_free(struct mw_apply_result *res);


/* Wait until no program run started before this call is still running. */
int mw_sync_rcu(const struct mw_maps *m);

/*
 * The identity key of an address or prefix in generation @gen: fills @key
 * (32 bytes are enough), returns the map's fd and sets *@bit to the
 * mw_config.lookups bit that makes the data path probe that map. For an
 * IPv4 host that map is mw_ip4, which only holds what did not fit the
 * table: ident.h reads and writes live entries of either.
 */
int mw_ip_key(const struct mw_maps *m, unsigned gen, const struct mw_prefix *p, void *key,
	      uint8_t *bit);
/*
 * Turn on lookup @bit in mw_config[gen] (after the entry is written: a frame
 * that sees the flag finds the entry). 0 or -errno.
 */
int mw_enable_lookup(const struct mw_maps *m, unsigned gen, uint8_t bit);

#endif /* MW_APPLY_H */
