/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One identity entry of an address or prefix, read, added or removed in a
 * generation that may be live (bindings, RADIUS, learned neighbours):
 * exact IPv4 addresses in the mw_ip4tab table with mw_ip4 for what does
 * not fit their window (see "Exact-match tables" in modwall.h), the rest
 * in their maps. Writers hold mw_lock() and the read-write maps.
 *
 * In the live IPv4 half, a removed address leaves a tombstone: a valid
 * slot keyed MW_SLOT_GONE | mw_ctl.tomb_epoch, which matches no address,
 * so probes go on past it. An added address takes an empty slot of its
 * window; else a tombstone of an earlier epoch; else, when the window has
 * only tombstones of this epoch, the writer waits for an RCU grace period,
 * bumps the epoch (every tombstone is then of an earlier one: no frame
 * still reads the entry it replaced) and takes one; else, in a window of
 * live entries, it goes to mw_ip4 and marks the window's overflow. The
 * value is written before the key, and the data path takes a matching
 * slot whose subject id is 0 (an address always belongs to a device) for
 * a miss: a fresh slot's value is zero. The next apply rebuilds the half
 * without tombstones.
 */
#ifndef MW_IDENT_H
#define MW_IDENT_H

#include <stdint.h>
#include "addr.h"
#include "maps.h"

/* The entry of exactly @p in generation @gen: 0 with *@out, -ENOENT, or another -errno. */
int mw_ident_get(const struct mw_maps *m, unsigned gen, const struct mw_prefix *p,
		 struct mw_subject *out);
/*
 * Add @p -> @v to generation @gen (-EEXIST when @p has an entry), then
 * turn on the lookup that finds it: a frame that sees the lookup finds
 * the entry. 0 or a negative errno.
 */
int mw_ident_add(const struct mw_maps *m, unsigned gen, const struct mw_prefix *p,
		 const struct mw_subject *v);
/* Remove the entry of exactly @p from generation @gen. 0, -ENOENT or another -errno. */
int mw_ident_del(const struct mw_maps *m, unsigned gen, const struct mw_prefix *p);

/*
 * Every exact IPv4 entry of generation @gen, the table's (through its
 * mapping, or read in chunks from a read-only opening) then mw_ip4's, to
 * @fn as mw_map_scan hands out mw_ip4's: the key MW_IP4_KEY(@gen, addr),
 * the value a struct mw_subject; until @fn returns non-zero. 0 or -errno.
 */
int mw_ip4_scan(const struct mw_maps *m, unsigned gen, mw_scan_fn fn, void *ctx);

/*
 * The mapped table slot that holds IPv4 address @addr (network order) in
 * generation @gen, or NULL: in mw_ip4, absent, or the table is not mapped.
 */
struct mw_slot *mw_ip4tab_slot(const struct mw_maps *m, unsigned gen, uint32_t addr);

#endif /* MW_IDENT_H */
