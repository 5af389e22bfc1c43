/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The tc egress side of a lan interface: modwall_tc on the clsact egress
 * hook (handle MW_TC_HANDLE, priority MW_TC_PRIO), attached through
 * libbpf's tc API (6.1 has no tcx) and pinned as tc_IFNAME so it outlives
 * the loader. Attaching again replaces the program in place.
 */
#ifndef MW_TC_EGRESS_H
#define MW_TC_EGRESS_H

#include <stddef.h>
#include <stdint.h>

/* The pin of @ifname's tc program. */
void mw_tc_pin_path(const char *pin_dir, const char *ifname, char *path, size_t len);

/*
 * Attach (or replace) @prog_fd on @ifindex's egress and pin it. Returns 0
 * with *@prog_id set, or a negative errno with @err filled.
 */
int mw_tc_attach(const char *pin_dir, const char *ifname, uint32_t ifindex, int prog_fd,
		 uint32_t *prog_id, char *err, size_t errlen);

/*
 * Remove modwall's filter from @ifindex's egress (when it is still
 * @prog_id, or any program when @prog_id is 0) and its pin. The clsact
 * qdisc stays: other filters may use it. Call within the interface's
 * network namespace. 0, or a negative errno with @err filled.
 */
int mw_tc_detach(const char *pin_dir, const char *ifname, uint32_t ifindex, uint32_t prog_id,
		 char *err, size_t errlen);

/* The id of the program modwall's filter runs on @ifindex's egress; 0: none. */
uint32_t mw_tc_prog_id(uint32_t ifindex);

#endif /* MW_TC_EGRESS_H */
