/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the metrics_*.c files share with each other and nobody else. */
#ifndef MW_METRICS_INT_H
#define MW_METRICS_INT_H

#include <stdint.h>
#include "metrics.h"

#define SUBJ_SERIES	14	/* packets and bytes for each of the 7 exported reasons */
#define TUN_SERIES	2	/* G-PDUs and the last peer: subjects seen in tunnels */
#define FLOW_SERIES	6	/* flows, remotes, packets x 2, bytes x 2 */

/*
 * What a reading shows under the series cap: @keep[i] for subject i, @kept
 * the kept subjects in snapshot order, @ckeep[i] its country rows,
 * @rkeep[i] how many of its busiest remotes, @dkeep[i] discovered row i.
 */
struct mw_mshown {
	uint8_t *keep, *ckeep, *dkeep;
	uint32_t *rkeep;
	uint32_t *kept, nkept;
};

/* metrics_cap.c */
/* Rows of modwall_flow_country_bytes of @o: one per country and direction with bytes. */
uint64_t mw_country_rows(const struct mw_msubj *o);
/*
 * Choose what of @s fits in @budget series, with @top remotes a subject at
 * most; the series left out are added to *@dropped. 0 or -ENOMEM.
 */
int mw_metrics_choose(const struct mw_msnap *s, uint64_t budget, uint32_t top,
		      struct mw_mshown *w, uint64_t *dropped);
void mw_mshown_free(struct mw_mshown *w);

#endif /* MW_METRICS_INT_H */
