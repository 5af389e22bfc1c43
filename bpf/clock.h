/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The time flows, discovery and tunnels are stamped with: the coarse
 * clock (CLOCK_MONOTONIC, a tick's resolution), read once per tick per CPU.
 */
#ifndef MW_CLOCK_H
#define MW_CLOCK_H

#include "maps.h"

/* bpf_ktime_get_coarse_ns(), read at most once per tick per CPU (struct mw_clock). */
static __always_inline __u64 mw_now(void)
{
	__u32 zero = 0;
	struct mw_clock *c = bpf_map_lookup_elem(&mw_clock, &zero);
	__u64 j = bpf_jiffies64();

	if (!c)
		return bpf_ktime_get_coarse_ns();
	if (c->jiffy != j) {
		c->jiffy = j;
		c->ns = bpf_ktime_get_coarse_ns();
	}
	return c->ns;
}

#endif /* MW_CLOCK_H */
