// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benchmark reference: the least a program that looks every frame's
 * source up in a table far larger than the caches can cost. Per frame it
 * reads one 64-byte line at a pseudo-random place of a 128 MiB array
 * (2M lines), adds a word of it to a per-CPU counter and drops the frame.
 *
 * The line is picked from the source MAC's low four octets, the ones
 * tests/bench/rotate.bpf.c rewrites for every run, mixed by a
 * multiplicative hash (the top 21 bits of the product): with the driver
 * in front, every run reads another line, as a cold table probe would.
 * The array is zero-filled, so the counter counts frames.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define REF_LINES_LOG2	21			/* 2M lines of 64 bytes: 128 MiB */

struct ref_line {
	__u64 w[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1u << REF_LINES_LOG2);
	__type(key, __u32);
	__type(value, struct ref_line);
} ref_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ref_count SEC(".maps");

SEC("xdp")
int ref_miss(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 k = 0, low, idx;
	struct ref_line *l;
	__u64 *c;

	if (p + 12 > (__u8 *)end)
		return XDP_ABORTED;
	low = (__u32)p[8] << 24 | (__u32)p[9] << 16 | (__u32)p[10] << 8 | p[11];
	idx = (low * 2654435761u) >> (32 - REF_LINES_LOG2);
	l = bpf_map_lookup_elem(&ref_table, &idx);
	c = bpf_map_lookup_elem(&ref_count, &k);
	if (l && c)
		*c += 1 + l->w[0];
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
