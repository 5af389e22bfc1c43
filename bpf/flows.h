/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Flows: every judged frame of a subject whose policy keeps flows goes into
 * mw_flows under (subject, member, remote address, protocol, remote port),
 * by direction; see struct mw_flow_key for what the key holds for ICMP,
 * fragments and non-IP frames. A full table sends the frame to
 * mw_flowmiss[subject] instead: no frame is lost from the accounting.
 */
#ifndef MW_FLOWS_H
#define MW_FLOWS_H

#include <linux/in.h>
#include "maps.h"
#include "parse.h"
#include "clock.h"

#ifndef AF_INET
#define AF_INET		2
#define AF_INET6	10
#endif

static __always_inline void flowstat(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&mw_flowstats, &k);

	if (v)
		(*v)++;
}

/* The remote port of @pkt, or its ICMP type with echo replies folded onto requests. */
static __always_inline __u16 flow_port(const struct mw_pkt *pkt, int remote_src)
{
	if (pkt->flags & MW_PF_NO_L4)
		return 0;
	switch (pkt->l4) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return remote_src ? pkt->sport : pkt->dport;
	case IPPROTO_ICMP:
		if (pkt->l3 == MW_L3_IP4)
			return pkt->sport == 0 ? 8 : pkt->sport;	/* echo reply -> request */
		break;
	case IPPROTO_ICMPV6:
		if (pkt->l3 == MW_L3_IP6)
			return pkt->sport == 129 ? 128 : pkt->sport;
		break;
	}
	return 0;
}

/*
 * Count @packets frames of @bytes for subject @id (member @member) in
 * direction @dir; the remote end is the frame's source when @remote_src.
 */
static __always_inline void flow_count(const struct mw_pkt *pkt, __u32 id, __u64 member,
				       int remote_src, __u32 dir, int dropped, __u64 bytes,
				       __u64 packets)
{
	struct mw_flow_key k;
	struct mw_flow *f;
	__u64 now = mw_now();

	__builtin_memset(&k, 0, sizeof(k));
	dir &= 1;
	k.subject = id;
	k.member = member;
	if (pkt->l3 == MW_L3_IP4) {
		k.family = AF_INET;
		__builtin_memcpy(k.addr, remote_src ? &pkt->saddr4 : &pkt->daddr4, 4);
		k.proto = pkt->l4;
		k.port = flow_port(pkt, remote_src);
	} else if (pkt->l3 == MW_L3_IP6) {
		k.family = AF_INET6;
		__builtin_memcpy(k.addr, MW_PICK(remote_src, &pkt->saddr6, &pkt->daddr6), 16);
		k.proto = pkt->l4;
		k.port = flow_port(pkt, remote_src);
	} else {
		k.port = pkt->ethertype;
	}

	f = bpf_map_lookup_elem(&mw_flows, &k);
	if (!f) {
		struct mw_flow nf;

		__builtin_memset(&nf, 0, sizeof(nf));
		nf.packets[dir] = packets;
		nf.bytes[dir] = bytes;
		nf.dropped[dir] = dropped ? packets : 0;
		nf.first_ns = now;
		nf.last_ns = now;
		if (bpf_map_update_elem(&mw_flows, &k, &nf, BPF_NOEXIST) == 0) {
			flowstat(MW_FS_CREATED);
			return;
		}
		f = bpf_map_lookup_elem(&mw_flows, &k);	/* another CPU was first */
		if (!f) {
			struct mw_counter *c = bpf_map_lookup_elem(&mw_flowmiss, &id);

			if (c) {
				__sync_fetch_and_add(&c->packets, packets);
				__sync_fetch_and_add(&c->bytes, bytes);
			}
			flowstat(MW_FS_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&f->packets[dir], packets);
	__sync_fetch_and_add(&f->bytes[dir], bytes);
	if (dropped)
		__sync_fetch_and_add(&f->dropped[dir], packets);
	if (f->last_ns != now)
		f->last_ns = now;
}

#endif /* MW_FLOWS_H */
