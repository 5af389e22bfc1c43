// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * modwall data path: parse -> identify -> decide -> count -> verdict.
 * On an n3 interface a G-PDU is judged by its inner packet (bpf/gtp.h);
 * the verdict drops or passes the whole frame.
 *
 * One program instance per attached interface; the loader sets the
 * load-time constants below (interface slot, role, fail and malformed
 * actions) so the per-frame path does no lookup for them.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "modwall.h"
#include "maps.h"
#include "parse.h"
#include "gtp.h"
#include "identify.h"
#include "enforce.h"
#include "observe.h"

const volatile __u32 mw_slot = 0;			/* index into mw_ifaces */
const volatile __u8 mw_role = MW_ROLE_LAN;		/* enum mw_role */
const volatile __u8 mw_fail_action = MW_ACT_PASS;	/* no policy applied yet */
const volatile __u8 mw_malformed_action = MW_ACT_DROP;

static __always_inline void count(__u32 idx, void *map, __u64 bytes)
{
	struct mw_counter *c = bpf_map_lookup_elem(map, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/*
 * The single exit: count under (subject, reason) and the interface, offer
 * a drop to the event stream, return the verdict.
 */
static __always_inline int finish(struct xdp_md *ctx, __u32 id, __u32 reason, __u8 action,
				  __u64 bytes)
{
	struct mw_evctl *ev;
	__u32 zero = 0;

	count(id * MW_NR_REASONS + reason, &mw_counters, bytes);
	count(mw_slot * MW_NR_REASONS + reason, &mw_ifcounters, bytes);
	if (action != MW_ACT_DROP)
		return XDP_PASS;
	ev = bpf_map_lookup_elem(&mw_evctl, &zero);
	if (ev && ev->cost) {
		/*
		 * At most ev->per_tick drops per CPU per clock tick are
		 * offered to the cap: the precise clock the cap needs costs
		 * more than the rest of the drop path, and a flood should not
		 * pay it for every frame.
		 */
		struct mw_evgate *g = bpf_map_lookup_elem(&mw_evgate, &zero);
		__u64 j = bpf_jiffies64();

		if (g && g->jiffy == j && g->offered >= ev->per_tick) {
			evstat(MW_EV_SUPPRESSED);
		} else {
			if (g) {
				if (g->jiffy != j) {
					g->jiffy = j;
					g->offered = 0;
				}
				g->offered++;
			}
			emit_event(ctx, ev, id, reason, (__u32)bytes);
		}
	}
	return XDP_DROP;
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

/*
 * Everything after the parse: identify, decide, count. A global function,
 * so the verifier checks it once, on its own, with every field of @pkt
 * unknown, instead of once for each way through the headers (tags, IPv4
 * options, IPv6 extension headers, GTP-U and the packet inside): the n3
 * program would not fit in 6.1's budget of a million instructions
 * otherwise. mw_pkt holds no pointer into the frame by then.
 */
__noinline int mw_judge(struct xdp_md *ctx, struct mw_pkt *pkt, struct mw_tun *tun, int rc)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct mw_subject *s = 0;
	struct mw_config *cfg;
	struct mw_ctl *ctl;
	__u32 zero = 0, gen = 0;
	__u8 action;
	int wan = mw_role == MW_ROLE_WAN;

	if (!pkt || !tun)	/* never: the verifier asks */
		return XDP_PASS;
	if (rc == MW_PARSE_BAD_L2)
		return finish(ctx, MW_SUBJECT_NONE, MW_R_MALFORMED, mw_malformed_action, bytes);
	if (rc == MW_PARSE_OK && tun->kind == MW_TUN_SIGNAL)
		return finish(ctx, MW_SUBJECT_NONE, MW_R_TUNNEL_SIGNAL, MW_ACT_PASS, bytes);

	ctl = bpf_map_lookup_elem(&mw_ctl, &zero);
	cfg = 0;
	if (ctl && ctl->applied) {
		gen = ctl->gen & 1;
		cfg = bpf_map_lookup_elem(&mw_config, &gen);
	}
	if (!cfg)	/* no policy yet: fail-open or fail-closed decides */
		return finish(ctx, MW_SUBJECT_NONE, rc == MW_PARSE_OK ? MW_R_NO_POLICY : MW_R_MALFORMED,
			      rc == MW_PARSE_OK ? mw_fail_action : mw_malformed_action, bytes);

	/*
	 * identify; a malformed frame is attributed by its MAC only. The
	 * MACs of a G-PDU are the base station's and the router's: its device
	 * is found by the inner address alone, and has no MAC to discover.
	 */
	if (rc != MW_PARSE_OK || tun->kind != MW_TUN_GPDU)
		s = identify_mac(gen, cfg, wan ? pkt->dmac : pkt->smac);
	if (rc != MW_PARSE_OK) {
		if (!s)
			s = identify_vendor(gen, cfg, wan ? pkt->dmac : pkt->smac);
		return finish(ctx, s ? s->id : MW_SUBJECT_NONE, MW_R_MALFORMED,
			      mw_malformed_action, bytes);
	}
	if (!s)
		s = identify_ip(gen, cfg->lookups, pkt, wan);
	if (tun->kind == MW_TUN_GPDU)
		tunnel_seen(s ? s->id : MW_SUBJECT_NONE, tun, ctx->ingress_ifindex);
	else if (!s) {
		s = identify_vendor(gen, cfg, wan ? pkt->dmac : pkt->smac);
		if (s)
			discover(pkt, wan ? pkt->dmac : pkt->smac, s->id, ctx->ingress_ifindex,
				 bytes, wan);
	}

	/* decide */
	if (s) {
		action = s->action;
		if (action != MW_ACT_DROP && (s->flags & (MW_SF_ALLOW | MW_SF_RATE))) {
			__u32 pidx = gen * MW_MAX_POLICIES + (s->policy & (MW_MAX_POLICIES - 1));
			struct mw_policy_cfg *pc = bpf_map_lookup_elem(&mw_policies, &pidx);

			if (!pc)
				return finish(ctx, s->id, MW_R_NO_POLICY, mw_fail_action, bytes);
			if ((s->flags & MW_SF_ALLOW) && !allowed(gen, s->policy, pkt, wan))
				return finish(ctx, s->id, MW_R_NOT_ALLOWED, MW_ACT_DROP, bytes);
			/* downloads: on wan, or G-PDUs downlink */
			if ((s->flags & MW_SF_RATE) &&
			    !rate_ok(s->id, pc, bytes, wan || tun->dir == MW_DIR_DOWN))
				return finish(ctx, s->id, MW_R_RATE_LIMITED, MW_ACT_DROP, bytes);
		}
		return finish(ctx, s->id, action_reason(action), action, bytes);
	}
	action = cfg->if_default[mw_slot & (MW_MAX_IFACES - 1)];
	if (action == MW_ACT_INHERIT)
		action = cfg->default_action;
	return finish(ctx, MW_SUBJECT_NONE, action_reason(action), action, bytes);
}

SEC("xdp")
int modwall_xdp(struct xdp_md *ctx)
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
	/* mw_role is a load-time constant: the verifier drops this on lan and wan */
	if (mw_role == MW_ROLE_N3 && rc == MW_PARSE_OK && gtp_candidate(&pkt)) {
		rc = parse_gtp(&pkt, &tun, data, data_end);
		/* a sound G-PDU: the device is the inner destination on downlink */
		if (rc == MW_PARSE_OK && tun.kind == MW_TUN_GPDU && tun.dir == MW_DIR_DOWN)
			gtp_swap_ends(&pkt);
	}
	pkt.l4h = 0;	/* no pointer into the frame crosses the call */
	return mw_judge(ctx, &pkt, &tun, rc);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
