// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * modwall's component in a libxdp dispatcher.
 *
 * libxdp runs several XDP programs on one interface through a dispatcher
 * that calls each component in priority order. Replacing a component means
 * building a new dispatcher, and frames that arrive between the two swaps
 * would meet neither modwall nor its successor. So the component libxdp
 * holds is this stable entry, which only tail-calls the interface's real
 * program from mw_progs[slot]: `modwall load` again replaces that array
 * element (one atomic store) and never touches the dispatcher or the
 * other programs on the interface.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "modwall.h"

const volatile __u32 mw_entry_slot = 0;		/* index into mw_progs and mw_ifaces */
const volatile __u32 mw_entry_fallback = XDP_PASS;	/* verdict if mw_progs is empty */

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, MW_MAX_IFACES);
	__type(key, __u32);
	__type(value, __u32);
} mw_progs SEC(".maps");

SEC("xdp")
int modwall_entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &mw_progs, mw_entry_slot);
	/*
	 * Only reached when the array lost its element: modwall's pins were
	 * removed by hand (the kernel empties a prog array with its last pin).
	 */
	return mw_entry_fallback;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
