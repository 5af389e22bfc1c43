/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the operator sees beyond counters: drop events (ring buffer, rate
 * capped, see struct mw_evctl) and discovery of untagged vendor-class MACs
 * (a table, overflowing to an LRU map: see struct mw_disc_slot).
 */
#ifndef MW_OBSERVE_H
#define MW_OBSERVE_H

#include <linux/socket.h>
#include "maps.h"
#include "parse.h"
#include "enforce.h"
#include "clock.h"

#ifndef AF_INET
#define AF_INET		2
#define AF_INET6	10
#endif

static __always_inline void evstat(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&mw_evstats, &k);

	if (v)
		(*v)++;
}

/*
 * One drop event with the frame's first bytes; @ctx is an xdp_md, or an
 * __sk_buff when @tc (a constant at every call site).
 */
static __always_inline int emit_event(void *ctx, struct mw_evctl *c, __u32 id, __u32 reason,
				      __u32 len, __u32 ifindex, int tc)
{
	struct mw_event *e;
	__u64 cap;

	if (!c)
		return 0;
	if (!gcra(&c->tat, bpf_ktime_get_ns() << MW_RATE_SHIFT, c->cost, c->tau)) {
		evstat(MW_EV_SUPPRESSED);
		return 0;
	}
	e = bpf_ringbuf_reserve(&mw_events, sizeof(*e), 0);
	if (!e) {
		evstat(MW_EV_RING_FULL);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->ifindex = ifindex;
	e->subject = id;
	e->reason = (__u16)reason;
	e->len = len;
	cap = len;
	asm volatile("" : "+r"(cap));	/* clamp the register that is passed */
	if (cap > MW_EVENT_SNAP)
		cap = MW_EVENT_SNAP;
	if (cap) {
		/*
		 * Spelled so that the verifier sees 1..MW_EVENT_SNAP: some
		 * (6.1's) learn nothing from "cap != 0" about the lower bound.
		 */
		__u64 n = cap - 1;

		asm volatile("" : "+r"(n));
		n = (n & (MW_EVENT_SNAP - 1)) + 1;
		if (tc ? bpf_skb_load_bytes(ctx, 0, e->data, n) :
			 bpf_xdp_load_bytes(ctx, 0, e->data, n))
			cap = 0;
	}
	e->caplen = (__u16)cap;
	bpf_ringbuf_submit(e, 0);
	evstat(MW_EV_EMITTED);
	return 0;
}

/* A MAC whose window in mw_disctab is full: the LRU map, as before the table. */
static __always_inline void discover_lru(const struct mw_pkt *pkt, __u64 mac, __u32 class_id,
					 __u32 ifindex, __u64 bytes, int wan, __u64 now)
{
	struct mw_disc_val *v, nv = {};

	v = bpf_map_lookup_elem(&mw_discovered, &mac);
	if (!v) {
		nv.first_ns = now;
		nv.last_ns = now;
		nv.packets = 1;
		nv.bytes = bytes;
		nv.subject = class_id;
		nv.ifindex = ifindex;
		if (pkt->l3 == MW_L3_IP4) {
			nv.family = AF_INET;
			__builtin_memcpy(nv.addr, wan ? &pkt->daddr4 : &pkt->saddr4, 4);
		} else if (pkt->l3 == MW_L3_IP6) {
			nv.family = AF_INET6;
			__builtin_memcpy(nv.addr, MW_PICK(wan, &pkt->daddr6, &pkt->saddr6), 16);
		}
		if (bpf_map_update_elem(&mw_discovered, &mac, &nv, BPF_NOEXIST) == 0)
			return;
		v = bpf_map_lookup_elem(&mw_discovered, &mac);	/* another CPU was first */
		if (!v)
			return;
	}
	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, bytes);
	v->last_ns = now;
	v->subject = class_id;
	v->ifindex = ifindex;
	if (pkt->l3 == MW_L3_IP4) {
		v->family = AF_INET;
		__builtin_memcpy(v->addr, wan ? &pkt->daddr4 : &pkt->saddr4, 4);
	} else if (pkt->l3 == MW_L3_IP6) {
		v->family = AF_INET6;
		__builtin_memcpy(v->addr, MW_PICK(wan, &pkt->daddr6, &pkt->saddr6), 16);
	}
}

/*
 * @mac's slot in mw_disctab: the one of its window that holds it, or the
 * first free one, claimed (first_ns set to @now). NULL when the window is
 * full of other MACs.
 */
static __always_inline struct mw_disc_slot *disc_slot(__u64 mac, __u64 now)
{
	__u64 want = MW_SLOT_VALID | mac;
	__u32 h = MW_TAB_HASH(mac, MW_DISCTAB_BITS), i;

	for (i = 0; i < MW_TAB_PROBES; i++) {
		__u32 idx = (h + i) & (MW_DISCTAB_SLOTS - 1);
		struct mw_disc_slot *sl = bpf_map_lookup_elem(&mw_disctab, &idx);
		__u64 k;

		if (!sl)
			return 0;
		k = sl->key;
		if (k == want)
			return sl;
		if (k)
			continue;
		k = __sync_val_compare_and_swap(&sl->key, 0, want);
		if (k == 0) {
			sl->first_ns = now;
			return sl;
		}
		if (k == want)	/* another CPU claimed it for the same MAC */
			return sl;
	}
	return 0;
}

/*
 * Discovery of an untagged MAC of a vendor class: its slot in mw_disctab
 * (struct mw_disc_slot), or the LRU map when the table has no room for it.
 * On the table, a frame of a MAC seen before costs two atomic adds; the
 * time, class, interface and address are compared and written only when
 * they change.
 */
static __always_inline void discover(const struct mw_pkt *pkt, __u64 mac, __u32 class_id,
				     __u32 ifindex, __u64 bytes, int wan)
{
	union {
		__u8 b[16];
		__u64 w[2];
	} a = { .w = { 0, 0 } }, cur;
	__u64 now = mw_now();
	struct mw_disc_slot *sl = disc_slot(mac, now);

	if (!sl) {
		discover_lru(pkt, mac, class_id, ifindex, bytes, wan, now);
		return;
	}
	__sync_fetch_and_add(&sl->packets, 1);
	__sync_fetch_and_add(&sl->bytes, bytes);
	if (sl->last_ns < now)
		sl->last_ns = now;
	if (sl->subject != class_id)
		sl->subject = class_id;
	if (sl->ifindex != ifindex)
		sl->ifindex = ifindex;
	if (pkt->l3 == MW_L3_IP4) {
		a.b[10] = 0xff;
		a.b[11] = 0xff;
		__builtin_memcpy(&a.b[12], wan ? &pkt->daddr4 : &pkt->saddr4, 4);
	} else if (pkt->l3 == MW_L3_IP6) {
		__builtin_memcpy(a.b, MW_PICK(wan, &pkt->daddr6, &pkt->saddr6), 16);
	} else {
		return;
	}
	if (!(a.w[0] | a.w[1]))
		return;
	__builtin_memcpy(cur.b, sl->addr, 16);
	if (cur.w[0] != a.w[0] || cur.w[1] != a.w[1])
		__builtin_memcpy(sl->addr, a.b, 16);
}

/* Out of line: only drops get here, and it keeps finish() small. */
static __noinline int emit_event_xdp(struct xdp_md *ctx, struct mw_evctl *c, __u32 id,
				     __u32 reason, __u32 len)
{
	return emit_event(ctx, c, id, reason, len, ctx->ingress_ifindex, 0);
}

static __noinline int emit_event_tc(struct __sk_buff *skb, struct mw_evctl *c, __u32 id,
				    __u32 reason, __u32 len)
{
	return emit_event(skb, c, id, reason, len, skb->ifindex, 1);
}

/*
 * Offer a drop to the event stream. At most ev->per_tick drops per CPU
 * per clock tick are offered to the cap: the precise clock the cap needs
 * costs more than the rest of the drop path, and a flood should not pay
 * it for every frame.
 */
static __always_inline void offer_drop(void *ctx, __u32 id, __u32 reason, __u32 len, int tc)
{
	struct mw_evctl *ev;
	struct mw_evgate *g;
	__u32 zero = 0;
	__u64 j;

	ev = bpf_map_lookup_elem(&mw_evctl, &zero);
	if (!ev || !ev->cost)
		return;
	g = bpf_map_lookup_elem(&mw_evgate, &zero);
	j = bpf_jiffies64();
	if (g && g->jiffy == j && g->offered >= ev->per_tick) {
		evstat(MW_EV_SUPPRESSED);
		return;
	}
	if (g) {
		if (g->jiffy != j) {
			g->jiffy = j;
			g->offered = 0;
		}
		g->offered++;
	}
	if (tc)
		emit_event_tc(ctx, ev, id, reason, len);
	else
		emit_event_xdp(ctx, ev, id, reason, len);
}

#endif /* MW_OBSERVE_H */
