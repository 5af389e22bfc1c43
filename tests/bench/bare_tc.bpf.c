// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Benchmark anchor for tc: one per-CPU packet counter, then TC_ACT_OK. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bare_tc_count SEC(".maps");

SEC("tc")
int bare_tc(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&bare_tc_count, &k);

	(void)skb;
	if (c)
		(*c)++;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
