/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Reference model of the flow table (struct mw_flow_key in modwall.h),
 * for frames judged on a lan interface: which frames make a flow, under
 * which key, and what a table of a given size then holds: the flows it
 * created, in the order their first frames came, and what found it full.
 * Written from the specification in modwall.h, like ref.c; a plain hash
 * table in userspace.
 */
#ifndef MW_REF_FLOWS_H
#define MW_REF_FLOWS_H

#include <stddef.h>
#include <stdint.h>
#include "modwall.h"
#include "ref.h"

struct ref_flow {
	struct mw_flow_key k;
	uint64_t packets[2], bytes[2], dropped[2];	/* by enum mw_fdir */
	int used;
};

struct ref_flows {
	struct ref_flow *v;		/* open addressing, cap a power of two */
	size_t cap, n;
	uint32_t max;			/* the table's size */
	uint64_t full;			/* frames that found it full */
	struct mw_counter *miss;	/* by subject: what those frames carried */
	uint32_t nsubj;
};

int ref_flows_init(struct ref_flows *t, uint32_t max, uint32_t nsubj);
void ref_flows_free(struct ref_flows *t);

/*
 * The key of a frame judged @res on a lan interface (@f, @len its bytes)
 * whose subject keeps flows. Returns 1 when the frame makes a flow (the
 * subject keeps flows, the frame is not malformed and was judged under a
 * policy), 0 when it does not.
 */
int ref_flow_key(const struct ref_result *res, int keeps, const uint8_t *f, size_t len,
		 struct mw_flow_key *k);

/* Add a frame of @bytes in direction @dir (dropped or not): to its flow, or to the misses. */
int ref_flows_add(struct ref_flows *t, const struct mw_flow_key *k, int dir, int dropped,
		  uint64_t bytes);

/* The model's flow for @k, or NULL. */
const struct ref_flow *ref_flows_find(const struct ref_flows *t, const struct mw_flow_key *k);

#endif /* MW_REF_FLOWS_H */
