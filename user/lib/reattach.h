/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Re-attach: an interface modwall was loaded on was deleted and has come
 * back (same name, new ifindex). The loader puts the same slot, settings
 * and, for libxdp, the already verified program back on it, keeps the
 * slot's interface counters, and removes what the old attachment left.
 * The link watch decides when; this decides how.
 */
#ifndef MW_REATTACH_H
#define MW_REATTACH_H

#include <stddef.h>
#include <stdint.h>
#include "load.h"

/*
 * The attachment pin of @ifname, if it no longer holds a live attachment
 * of @ifname (its interface is gone or was re-created): unpinned, and its
 * fd kept in *@keep_fd (when not NULL) so the caller can pin it back
 * (bpf_obj_pin) if what it does next fails. Returns 1 when unpinned, 0
 * when there is nothing stale, or a negative errno with @err filled.
 * Call under the pin directory lock.
 */
int mw_link_unpin_stale(const char *pin_dir, const char *ifname, uint32_t was, int *keep_fd,
			int *attach, char *err, size_t errlen);

/* The pin directory lock (as mw_lock()), without waiting: -EAGAIN when held. */
int mw_trylock(const char *pin_dir);

struct mw_reattach_result {
	struct mw_load_result load;
	uint32_t old_ifindex;
	int role, mode;		/* the slot's settings, now in force again */
	int stale_err;		/* the failure was in removing the old pin (no retry due) */
};

/*
 * Re-attach slot @slot (loaded on @ifname) to @ifindex, the interface of
 * that name now. Returns 1 when re-attached, 0 when there is nothing to do
 * (nothing loaded, the slot was unloaded or re-attached by someone else),
 * -EAGAIN when another command holds the pin directory lock (try again
 * soon), or another negative errno with @err filled (try again later; the
 * old attachment pin is back in place).
 */
int mw_reattach(const char *pin_dir, const char *ifname, uint32_t slot, uint32_t ifindex,
		struct mw_reattach_result *res, char *err, size_t errlen);

#endif /* MW_REATTACH_H */
