// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * modwall data path: parse -> identify -> decide -> count -> verdict.
 * On an n3 interface (program modwall_xdp_n3) a G-PDU is judged by its
 * inner packet (bpf/gtp.h); the verdict drops or passes the whole frame.
 * On a lan interface a tc
 * egress program (modwall_tc) judges what goes to the devices: the
 * download side of their policy, after the gateway's de-NAT.
 *
 * One program instance per attached interface; the loader sets the
 * load-time constants below (interface slot, role, fail and malformed
 * actions) so the per-frame path does no lookup for them.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "modwall.h"
#include "maps.h"
#include "parse.h"
#include "gtp.h"
#include "identify.h"
#include "enforce.h"
#include "observe.h"
#include "flows.h"
#include "dnshold.h"

const volatile __u32 mw_slot = 0;			/* index into mw_ifaces */
const volatile __u8 mw_role = MW_ROLE_LAN;		/* enum mw_role */
const volatile __u8 mw_fail_action = MW_ACT_PASS;	/* no policy applied yet */
const volatile __u8 mw_malformed_action = MW_ACT_DROP;

/* Not an action: the tc program held the frame for the DNS learner (dnshold.h). */
#define MW_ACT_HELD	0xfd

/* Bytes the tc program wants in the skb's linear part before it parses. */
#define MW_TC_PULL	128

static __always_inline void count(__u32 idx, void *map, __u64 bytes, __u64 packets)
{
	struct mw_counter *c = bpf_map_lookup_elem(map, &idx);

	if (c) {
		c->packets += packets;
		c->bytes += bytes;
	}
}

/*
 * Count a frame under its subject: per CPU below MW_PCPU_IDS, else in the
 * device's shared line, or its bucket line for the two reasons the line
 * has no cell for (see "Counters" in modwall.h).
 */
static __always_inline void add_shared(struct mw_counter *c, __u64 bytes, __u64 packets)
{
	__sync_fetch_and_add(&c->packets, packets);
	__sync_fetch_and_add(&c->bytes, bytes);
}

static __always_inline void count_subject(__u32 id, __u32 reason, __u64 bytes, __u64 packets)
{
	int cell;

	if (id < MW_PCPU_IDS) {
		count(id * MW_NR_REASONS + reason, &mw_counters, bytes, packets);
		return;
	}
	cell = MW_DEV_CELL(reason);
	if (cell >= 0) {
		struct mw_devctr *d = bpf_map_lookup_elem(&mw_devcounters, &id);

		if (d)
			add_shared(&d->c[cell & (MW_DEV_CELLS - 1)], bytes, packets);
	} else {
		struct mw_bucket *b = bpf_map_lookup_elem(&mw_buckets, &id);

		if (b)
			add_shared(reason == MW_R_RATE_LIMITED ? &b->limited : &b->malformed,
				   bytes, packets);
	}
}

static __always_inline __u32 action_reason(__u8 action)
{
	switch (action) {
	case MW_ACT_DROP:
		return MW_R_DROP;
	case MW_ACT_OBSERVE:
		return MW_R_OBSERVE;
	}
	return MW_R_PASS;
}

struct mw_verdict {
	__u32 id;		/* subject */
	__u32 reason;		/* enum mw_reason */
	__u8 action;		/* enum mw_action */
};

/*
 * Identify, decide, keep the flow: everything between the parse and the
 * counters, for both programs. @wan: the device is the frame's
 * destination (role wan, or tc egress); @egress: the tc program, where a
 * frame to nobody in particular passes (the policy default was decided
 * where the frame entered) and discovery is left to the ingress side.
 * @dns (tc only): the frame is a DNS answer for the learner (MW_DNS_*);
 * a held one ends with action MW_ACT_HELD, uncounted: it is judged and
 * counted when the learner sends it on.
 */
static __always_inline void decide(struct mw_verdict *v, void *ctx, struct mw_pkt *pkt,
				   struct mw_tun *tun, int rc, int wan, int egress, int dns,
				   __u32 ifindex, __u64 bytes, __u64 packets)
{
	__u64 mac = wan ? pkt->dmac : pkt->smac, member = 0;
	struct mw_subject *s = 0;
	struct mw_config *cfg = 0;
	struct mw_ctl *ctl;
	__u32 zero = 0, gen = 0, dir;
	__u8 action;

	v->id = MW_SUBJECT_NONE;
	if (rc == MW_PARSE_BAD_L2) {
		v->reason = MW_R_MALFORMED;
		v->action = mw_malformed_action;
		return;
	}
	if (rc == MW_PARSE_OK && tun->kind == MW_TUN_SIGNAL) {
		v->reason = MW_R_TUNNEL_SIGNAL;
		v->action = MW_ACT_PASS;
		return;
	}
	ctl = bpf_map_lookup_elem(&mw_ctl, &zero);
	if (ctl && ctl->applied) {
		gen = ctl->gen & 1;
		cfg = bpf_map_lookup_elem(&mw_config, &gen);
	}
	if (!cfg) {	/* no policy yet: fail-open or fail-closed decides */
		v->reason = rc == MW_PARSE_OK ? MW_R_NO_POLICY : MW_R_MALFORMED;
		v->action = rc == MW_PARSE_OK ? mw_fail_action : mw_malformed_action;
		return;
	}

	/*
	 * identify; a malformed frame is attributed by its MAC only. The
	 * MACs of a G-PDU are the base station's and the router's: its device
	 * is found by the inner address alone, and has no MAC to discover.
	 */
	if (rc != MW_PARSE_OK || tun->kind != MW_TUN_GPDU)
		s = identify_mac(gen, cfg, mac);
	if (rc != MW_PARSE_OK) {
		if (!s)
			s = identify_vendor(gen, cfg, mac);
		v->id = s ? s->id : MW_SUBJECT_NONE;
		v->reason = MW_R_MALFORMED;
		v->action = mw_malformed_action;
		return;
	}
	if (!s)
		s = identify_ip(gen, cfg, pkt, wan);
	if (tun->kind == MW_TUN_GPDU) {
		tunnel_seen(s ? s->id : MW_SUBJECT_NONE, tun, ifindex);
	} else if (!s) {
		s = identify_vendor(gen, cfg, mac);
		if (s) {
			member = mac;
			if (!egress)
				discover(pkt, mac, s->id, ifindex, bytes, wan);
		}
	}
	if (!s) {
		action = egress ? MW_ACT_PASS : cfg->if_default[mw_slot & (MW_MAX_IFACES - 1)];
		if (action == MW_ACT_INHERIT)
			action = cfg->default_action;
		v->reason = action_reason(action);
		v->action = action;
		return;
	}

	/* decide; downloads: on wan, tc egress, or G-PDUs downlink */
	dir = wan || tun->dir == MW_DIR_DOWN ? MW_FDIR_IN : MW_FDIR_OUT;
	v->id = s->id;
	action = s->action;
	v->reason = action_reason(action);
	if (action != MW_ACT_DROP && (s->flags & (MW_SF_ALLOW | MW_SF_RATE))) {
		__u32 pidx = gen * MW_MAX_POLICIES + (s->policy & (MW_MAX_POLICIES - 1));
		struct mw_policy_cfg *pc = bpf_map_lookup_elem(&mw_policies, &pidx);

		if (!pc) {	/* never once applied: the frame is nobody's, as before a policy */
			v->id = MW_SUBJECT_NONE;
			v->reason = MW_R_NO_POLICY;
			v->action = mw_fail_action;
			return;
		} else if ((s->flags & MW_SF_ALLOW) && !allowed(gen, s->policy, pkt, wan, s->flags & MW_SF_NAMES)) {
			v->reason = MW_R_NOT_ALLOWED;
			action = MW_ACT_DROP;
		} else if (egress && dns == MW_DNS_HOLD && (s->flags & MW_SF_NAMES) &&
			   !dns_queue(ctx, s->id, MW_DNSQ_HELD)) {
			v->action = MW_ACT_HELD;
			return;
		} else if ((s->flags & MW_SF_RATE) &&
			   !rate_ok(s->id, pc, bytes, packets, dir == MW_FDIR_IN)) {
			v->reason = MW_R_RATE_LIMITED;
			action = MW_ACT_DROP;
		}
	}
	/* an answer not held (a flows device, too long, no room): copied for its names */
	if (egress && dns && action != MW_ACT_DROP && (s->flags & (MW_SF_NAMES | MW_SF_FLOWS)))
		dns_queue(ctx, s->id, 0);
	v->action = action;
	if (s->flags & MW_SF_FLOWS)
		flow_count(pkt, s->id, member, wan, dir, action == MW_ACT_DROP, bytes, packets);
}

/* Everything after the parse, for XDP: decide, count once, the verdict. */
static __always_inline int judge(struct xdp_md *ctx, struct mw_pkt *pkt, struct mw_tun *tun,
				 int rc)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct mw_verdict v;

	decide(&v, ctx, pkt, tun, rc, mw_role == MW_ROLE_WAN, 0, 0, ctx->ingress_ifindex, bytes, 1);
	/* the single exit: count under (subject, reason) and the interface */
	count_subject(v.id, v.reason, bytes, 1);
	count(mw_slot * MW_NR_REASONS + v.reason, &mw_ifcounters, bytes, 1);
	if (v.action != MW_ACT_DROP)
		return XDP_PASS;
	offer_drop(ctx, v.id, v.reason, (__u32)bytes, 0);
	return XDP_DROP;
}

/*
 * The judge as a global function, for n3: the verifier checks it once, on
 * its own, with every field of @pkt unknown, instead of once for each way
 * through the headers (tags, IPv4 options, IPv6 extension headers, GTP-U
 * and the packet inside), which would not fit in 6.1's budget of a million
 * instructions. mw_pkt holds no pointer into the frame by then.
 */
__noinline int mw_judge(struct xdp_md *ctx, struct mw_pkt *pkt, struct mw_tun *tun, int rc)
{
	if (!pkt || !tun)	/* never: the verifier asks */
		return XDP_PASS;
	return judge(ctx, pkt, tun, rc);
}

/*
 * lan and wan: the judge inline. A call and its return cost several ns a
 * frame where returns go through a mitigation thunk (SRSO), and without
 * GTP-U the program fits 6.1's verifier budget whole.
 */
SEC("xdp")
int modwall_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct mw_pkt pkt;
	struct mw_tun tun;
	int rc;

	__builtin_memset(&pkt, 0, sizeof(pkt));
	__builtin_memset(&tun, 0, sizeof(tun));
	rc = parse_frame(&pkt, data, data_end);
	pkt.l4h = 0;
	return judge(ctx, &pkt, &tun, rc);
}

/* n3: GTP-U first, then the judge as a global function (see mw_judge). */
SEC("xdp")
int modwall_xdp_n3(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct mw_pkt pkt;
	struct mw_tun tun;
	int rc;

	/* every byte written: mw_judge() reads them as memory */
	__builtin_memset(&pkt, 0, sizeof(pkt));
	__builtin_memset(&tun, 0, sizeof(tun));
	rc = parse_frame(&pkt, data, data_end);
	if (rc == MW_PARSE_OK && gtp_candidate(&pkt)) {
		rc = parse_gtp(&pkt, &tun, data, data_end);
		/* a sound G-PDU: the device is the inner destination on downlink */
		if (rc == MW_PARSE_OK && tun.kind == MW_TUN_GPDU && tun.dir == MW_DIR_DOWN)
			gtp_swap_ends(&pkt);
	}
	pkt.l4h = 0;	/* no pointer into the frame crosses the call */
	return mw_judge(ctx, &pkt, &tun, rc);
}

/* Everything after the parse, for tc egress: @bytes and @packets as on the wire. */
__noinline int mw_judge_tc(struct __sk_buff *skb, struct mw_pkt *pkt, int rc, __u64 bytes,
			   __u64 packets)
{
	struct mw_verdict v;
	struct mw_tun tun;
	int dns = MW_DNS_NONE;

	struct mw_ctl *ctl;
	__u32 zero = 0;

	if (!pkt || !skb)
		return TC_ACT_UNSPEC;
	ctl = bpf_map_lookup_elem(&mw_ctl, &zero);
	if (ctl && ctl->wan_ifaces)	/* a routed gateway: judged on the way in */
		return TC_ACT_UNSPEC;
	__builtin_memset(&tun, 0, sizeof(tun));
	if (skb->mark == MW_DNS_MARK) {	/* a held answer, sent on by the learner */
		skb->mark = 0;
		dnsstat(MW_DS_RELEASED);
	} else if (rc == MW_PARSE_OK) {
		dns = dns_kind(pkt, skb->len);
	}
	decide(&v, skb, pkt, &tun, rc, 1, 1, dns, skb->ifindex, bytes, packets);
	if (v.action == MW_ACT_HELD)
		return TC_ACT_SHOT;
	count_subject(v.id, v.reason, bytes, packets);
	count(MW_IFC_EGRESS(mw_slot) * MW_NR_REASONS + v.reason, &mw_ifcounters, bytes, packets);
	if (v.action != MW_ACT_DROP)
		return TC_ACT_UNSPEC;	/* on to the next filter, if any */
	offer_drop(skb, v.id, v.reason, (__u32)bytes, 1);
	return TC_ACT_SHOT;
}

/*
 * tc egress on a lan interface: what the gateway sends to its devices,
 * after de-NAT. A GSO aggregate is judged once and counted as the
 * segments it becomes, with their headers.
 */
SEC("tc")
int modwall_tc(struct __sk_buff *skb)
{
	void *data, *data_end;
	__u64 segs = skb->gso_segs > 1 ? skb->gso_segs : 1, bytes = skb->len;
	struct mw_pkt pkt;
	int rc;

	if (skb->data_end - skb->data < MW_TC_PULL && skb->len > skb->data_end - skb->data)
		bpf_skb_pull_data(skb, skb->len < MW_TC_PULL ? skb->len : MW_TC_PULL);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	__builtin_memset(&pkt, 0, sizeof(pkt));
	rc = parse_frame(&pkt, data, data_end);
	if (segs > 1 && rc == MW_PARSE_OK && pkt.l4h) {
		__u64 hdr = (__u64)(pkt.l4h - data) + 8;

		if (pkt.l4 == IPPROTO_TCP && pkt.l4h + sizeof(struct tcphdr) <= data_end)
			hdr = (__u64)(pkt.l4h - data) + ((struct tcphdr *)pkt.l4h)->doff * 4;
		bytes += (segs - 1) * hdr;
	}
	pkt.l4h = 0;
	return mw_judge_tc(skb, &pkt, rc, bytes, segs);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
