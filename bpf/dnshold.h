/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS answers for the learner (see MW_DNS_MARK in modwall.h): on tc egress,
 * an answer going to a device whose policy allows by name is held (copied
 * to mw_dnsq and dropped here) until the learner has installed its
 * addresses and sends it on; one to a device that keeps flows is copied.
 */
#ifndef MW_DNSHOLD_H
#define MW_DNSHOLD_H

#include <linux/in.h>
#include "maps.h"
#include "parse.h"

/* What a frame is to the learner. */
#define MW_DNS_NONE	0	/* not a DNS answer, or no learner */
#define MW_DNS_HOLD	1	/* an answer that can be held */
#define MW_DNS_COPY	2	/* an answer to copy only (too long, a fragment) */

static __always_inline void dnsstat(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&mw_dnsstats, &k);

	if (v)
		(*v)++;
}

static __always_inline int dns_kind(const struct mw_pkt *pkt, __u64 len)
{
	struct mw_dnsctl *c;
	__u32 zero = 0;

	if (pkt->l4 != IPPROTO_UDP || pkt->sport != 53 || (pkt->flags & MW_PF_NO_L4))
		return MW_DNS_NONE;
	c = bpf_map_lookup_elem(&mw_dnsctl, &zero);
	/*
	 * Signed: the learner stamps its beat with the precise clock, which
	 * runs up to a tick ahead of the coarse one read here; right after a
	 * beat the difference is negative, and the learner is alive.
	 */
	if (!c || !c->alive_ns ||
	    (__s64)(bpf_ktime_get_coarse_ns() - c->alive_ns) > (__s64)MW_DNS_ALIVE_NS)
		return MW_DNS_NONE;
	if (len > MW_DNS_SNAP || (pkt->flags & MW_PF_FRAG) || (c->flags & MW_DNSCTL_NO_HOLD))
		return MW_DNS_COPY;
	return MW_DNS_HOLD;
}

/* Queue @skb's first bytes for the learner; 0 when queued. */
static __noinline int dns_queue(struct __sk_buff *skb, __u32 subject, __u32 flags)
{
	struct mw_dnsq_rec *r;
	__u64 n;

	if (!skb)
		return -1;
	r = bpf_ringbuf_reserve(&mw_dnsq, sizeof(*r), 0);
	if (!r) {
		dnsstat(MW_DS_RING_FULL);
		return -1;
	}
	n = skb->len;
	asm volatile("" : "+r"(n));
	if (n > MW_DNS_SNAP)
		n = MW_DNS_SNAP;
	if (!n) {
		bpf_ringbuf_discard(r, 0);
		return -1;
	}
	{
		/* 1..MW_DNS_SNAP, spelled so that every verifier sees the bounds */
		__u64 m = n - 1;

		asm volatile("" : "+r"(m));
		m = (m & (MW_DNS_SNAP - 1)) + 1;
		if (bpf_skb_load_bytes(skb, 0, r->data, m)) {
			bpf_ringbuf_discard(r, 0);
			return -1;
		}
		r->len = (__u16)m;
	}
	r->ifindex = skb->ifindex;
	r->subject = subject;
	r->flags = (__u16)flags;
	r->frame_len = skb->len;
	bpf_ringbuf_submit(r, 0);
	dnsstat(flags & MW_DNSQ_HELD ? MW_DS_HELD : MW_DS_COPIED);
	return 0;
}

#endif /* MW_DNSHOLD_H */
