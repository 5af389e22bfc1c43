/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The live policy as the kernel holds it: every identity entry of one
 * generation (MAC, vendor-prefix and IPv4 tables and their spill maps,
 * IMEIs, exact addresses, prefixes), and the allow-list sizes per policy. What
 * `show` prints, read through the map layer.
 */
#ifndef MW_LIVE_H
#define MW_LIVE_H

#include <stdint.h>
#include "addr.h"
#include "maps.h"

enum mw_live_kind { MW_LIVE_MAC, MW_LIVE_PREFIX, MW_LIVE_IMEI, MW_LIVE_IP };

struct mw_live_ident {
	int kind;		/* enum mw_live_kind */
	uint32_t id;		/* the subject */
	uint64_t mac;		/* MAC, or the vendor prefix's bits (48-bit, left-aligned) */
	int bits;		/* MW_LIVE_PREFIX: 24, 28 or 36 */
	uint64_t imei;		/* the 14-digit body */
	struct mw_prefix ip;	/* MW_LIVE_IP: a host (/32, /128) or a prefix */
};

typedef void (*mw_live_fn)(const struct mw_live_ident *e, void *ctx);

/*
 * Call @fn on every identity entry of generation @gen: the MAC and vendor
 * tables slot by slot (through their mappings, or read in batches from a
 * read-only opening), then the spill and IMEI maps, the exact IPv4
 * addresses (their table, then its spill map) and the other address maps.
 * 0 or -errno.
 */
int mw_live_idents(const struct mw_maps *m, unsigned gen, mw_live_fn fn, void *ctx);

/* Allow-list prefixes per policy index in generation @gen, added to @counts[MW_MAX_POLICIES]. */
int mw_live_allow_counts(const struct mw_maps *m, unsigned gen, unsigned *counts);

#endif /* MW_LIVE_H */
