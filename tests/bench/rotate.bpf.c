// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benchmark driver: every run gives the frame the source MAC of another
 * device, then tail-calls the program under test (rot_target[0]). The
 * devices are numbered as xdpbench numbers them: MAC = family << 32 |
 * (i * 0x9E3779B1 ^ 0x5bd1e995), i a pseudo-random walk over 0..rot_n-1.
 * With a large repeat, each frame comes from another device, as in
 * traffic from many devices at once, and the tables are probed cold.
 *
 * With rot_daddr set, the frame keeps its source and goes to another
 * remote instead: IPv4 destination rot_daddr | i (an untagged IPv4
 * frame; the header checksum is left as it was, the data path does not
 * check it). One device then talks to rot_n remotes: rot_n flows.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 rot_n = 1;		/* devices */
const volatile __u32 rot_family = 0;	/* first two octets */
const volatile __u32 rot_daddr = 0;	/* nonzero: rewrite the destination address */

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} rot_target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rot_seq SEC(".maps");

SEC("xdp")
int rotate(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 k = 0, i, low;
	__u64 *seq = bpf_map_lookup_elem(&rot_seq, &k);

	if (!seq || p + 12 > (__u8 *)end || !rot_n)
		return XDP_ABORTED;
	i = ((__u32)(*seq)++ * 2654435761u) % rot_n;
	if (rot_daddr) {
		__u32 a = rot_daddr | i;

		if (p + 34 > (__u8 *)end)
			return XDP_ABORTED;
		p[30] = (__u8)(a >> 24);
		p[31] = (__u8)(a >> 16);
		p[32] = (__u8)(a >> 8);
		p[33] = (__u8)a;
		bpf_tail_call(ctx, &rot_target, 0);
		return XDP_ABORTED;
	}
	low = (i * 0x9E3779B1u) ^ 0x5bd1e995u;
	p[6] = (__u8)(rot_family >> 8);
	p[7] = (__u8)rot_family;
	p[8] = (__u8)(low >> 24);
	p[9] = (__u8)(low >> 16);
	p[10] = (__u8)(low >> 8);
	p[11] = (__u8)low;
	bpf_tail_call(ctx, &rot_target, 0);
	return XDP_ABORTED;	/* the tail call failed */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
