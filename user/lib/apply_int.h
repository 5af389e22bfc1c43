/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What apply.c and apply_keys.c share among themselves. Not for use elsewhere. */
#ifndef MW_APPLY_INT_H
#define MW_APPLY_INT_H

#include "apply.h"

/* The fd of plan map @map (enum in compile.h: MW_PM_*). */
int mw_apply_map_fd(const struct mw_maps *m, int map);
/* The key of plan entry @e in map @map, generation @gen (32 bytes are enough). */
void mw_apply_make_key(const struct mw_maps *m, int map, unsigned gen,
		       const struct mw_plan_entry *e, void *key);
/* Remove every key of generation @gen from the identity and allow-list maps. */
int mw_apply_purge_all(const struct mw_maps *m, unsigned gen);

#endif /* MW_APPLY_INT_H */
