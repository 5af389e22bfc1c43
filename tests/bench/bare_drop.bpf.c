// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Benchmark anchor: XDP_DROP with one per-CPU packet counter. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bare_count SEC(".maps");

SEC("xdp")
int bare_drop(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&bare_count, &k);

	(void)ctx;
	if (c)
		(*c)++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
