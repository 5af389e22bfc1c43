/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Runtime IMEI -> address bindings in the pinned mw_binds map: the one
 * module that `modwall bind` / `unbind`, apply and RADIUS accounting use to
 * check, store and remove a binding and its live identity entry.
 */
#ifndef MW_BINDINGS_H
#define MW_BINDINGS_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "compile.h"
#include "state.h"



/*
 * The live device with IMEI @imei: returns 1 and fills @dev (and @info when
 * not NULL), or 0 when the live policy has none (or nothing is applied).
 */
int mw_bind_device(const struct mw_maps *m, uint64_t imei, struct mw_subject *dev,
		   struct mw_subject_info *info);

/*
 * Would binding @p to @imei be accepted by the next apply? Refused (-EEXIST,
 * @err names the other party) when @p overlaps a binding of another IMEI,
 * a binding of the same IMEI with another length, or an address of another
 * device in the live policy (or, for an IMEI of the live policy, any
 * address of the live policy but its own bindings). Returns 0 when it may
 * be bound, 1 when exactly this binding exists already, another negative
 * errno on a map error. The caller holds mw_lock().
 */
int mw_bind_check(const struct mw_maps *m, uint64_t imei, const struct mw_prefix *p,
		  char *err, size_t errlen);

/*
 * Store the binding (source: enum mw_bind_source) and, when the live policy
 * has a device with @imei, add @p to the live generation (entry first, then
 * the lookup bit). No checks: see mw_bind_check. An existing binding keeps
 * its creation time and its source, except that MW_BIND_CLI replaces
 * MW_BIND_RADIUS (an operator's binding is not ended by a Stop). Returns 0
 * or a negative errno.
 */
int mw_bind_store(const struct mw_maps *m, uint64_t imei, const struct mw_prefix *p,
		  int source, char *err, size_t errlen);

/* mw_bind_check, then mw_bind_store when it returned 0. Same returns as the check. */
int mw_bind_apply(const struct mw_maps *m, uint64_t imei, const struct mw_prefix *p,
		  int source, char *err, size_t errlen);

/*
 * Remove the binding of exactly @p to @imei, and its live entry when it
 * belongs to that IMEI's device. @source >= 0 removes it only when it came
 * from that source. Returns 0, -ENOENT (no such binding, or of another
 * source), or another negative errno.
 */
int mw_unbind_apply(const struct mw_maps *m, uint64_t imei, const struct mw_prefix *p,
		    int source, char *err, size_t errlen);

/* Add the runtime bindings kept in the pinned mw_binds map to @b. 0 or -errno. */
int mw_bindings_from_map(const struct mw_maps *m, struct mw_bindings *b);

/* The addresses bound to @imei, in *@out (the caller frees it). 0 or -errno. */
int mw_bindings_of(const struct mw_maps *m, uint64_t imei, struct mw_prefix **out, int *n);

#endif /* MW_BINDINGS_H */
