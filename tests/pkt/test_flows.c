// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Flow tests: the flow table (mw_flows, mw_flowmiss, mw_flowstats) and the
 * tc egress program, through BPF_PROG_TEST_RUN.
 *
 * Policies go through the real path (mw_policy_load_string, mw_compile,
 * mw_apply), so a subject keeps flows because its policy says `flows` (or
 * is the built-in observe policy), as in production. Three XDP instances
 * share one set of maps, as three interfaces of one gateway do: lan
 * (LAN_SLOT), wan (WAN_SLOT) and n3 (N3_SLOT); the lan instance's tc
 * program (modwall_tc) stands for its egress hook. A fourth skeleton with
 * maps of its own and a four-entry flow table tests a full table.
 *
 * Every frame checks its verdict and that exactly one subject x reason
 * cell of mw_counters and one cell of mw_ifcounters (the XDP slot, or
 * MW_IFC_EGRESS(slot) for tc) moved, by the expected packets and bytes.
 * Flows are then compared key by key with what was sent: packets and
 * bytes by direction, dropped packets, and the number of flows. Each test
 * starts from an empty flow table and zero miss and table counters.
 *
 * Needs root (or CAP_BPF + CAP_PERFMON).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "modwall.skel.h"
#include "modwall.h"
#define FX_CMOCKA
#include "fixture.h"
#include "apply.h"
#include "compile.h"
#include "flows.h"
#include "names.h"
#include "policy.h"
#include "state.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD	0x88A8
#endif

#define LAN_SLOT	5
#define WAN_SLOT	9
#define N3_SLOT		13
#define SNAP_SUBJ	32		/* subjects 0..31 are snapshotted */
#define SUBJ_CELLS	(SNAP_SUBJ * MW_NR_REASONS)
#define IF_CELLS	(2 * MW_MAX_IFACES * MW_NR_REASONS)	/* XDP and tc egress */

#define MAC_GW		0x02ffffffff01ull	/* the gateway's side of every frame */
#define MAC_HOST	0x02aabbccddeeull	/* a device MAC in no policy */
#define MAC_METER	0x024d57000001ull	/* meter-m, tagged by MAC */
#define MAC_MOD1	0x001bc5000001ull	/* members of class "modules" */
#define MAC_MOD2	0x001bc5000002ull
#define MAC_GNB		0x02600d000001ull	/* base station (n3) */
#define MAC_CORE	0x02600d000002ull
#define IP_GNB		"192.0.2.10"
#define IP_CORE		"192.0.2.1"

/* ------------------------------------------------------------------ */
/* The policy                                                          */
/* ------------------------------------------------------------------ */

static const char pol_text[] =
	"policy tele {\n"
	"	allow udp to 198.51.100.53 port 53\n"
	"	allow tcp to 198.51.100.0/24 port 443\n"
	"	flows\n"
	"}\n"
	"policy slow { rate 1 pps burst 2 flows }\n"
	"policy jail { drop flows }\n"
	"policy quiet { pass }\n"
	"device meter-m mac 02:4d:57:00:00:01 policy observe\n"
	"device meter-4 ip 100.64.0.2 policy observe\n"
	"device meter-6 ip 2001:db8:d::2 policy observe\n"
	"device tele-4  ip 100.64.0.5 policy tele\n"
	"device quiet-4 ip 100.64.0.6 policy quiet\n"
	"device slow-4  ip 100.64.0.7 policy slow\n"
	"device slow-t  ip 100.64.0.8 policy slow\n"
	"device jail-4  ip 100.64.0.9 policy jail\n"
	"class modules prefix 00:1b:c5/24 policy observe\n"
	"default drop\n";

#define D_M4	"100.64.0.2"
#define D_M6	"2001:db8:d::2"
#define D_TELE	"100.64.0.5"
#define D_QUIET	"100.64.0.6"
#define D_SLOW	"100.64.0.7"
#define D_SLOWT	"100.64.0.8"
#define D_JAIL	"100.64.0.9"
#define D_NONE	"100.64.0.77"	/* bound to nothing */
#define D_MOD1	"100.64.0.50"	/* class members' addresses: bound to nothing */
#define D_MOD2	"100.64.0.51"
#define D_MAC	"100.64.0.60"	/* meter-m's address: bound to nothing */

#define TCP	IPPROTO_TCP
#define UDP	IPPROTO_UDP
#define ICMP	IPPROTO_ICMP
#define ICMP6	IPPROTO_ICMPV6

#define R_PASS	MW_R_PASS
#define R_DROP	MW_R_DROP
#define R_OBS	MW_R_OBSERVE
#define R_MAL	MW_R_MALFORMED
#define R_NA	MW_R_NOT_ALLOWED
#define R_RL	MW_R_RATE_LIMITED

/* ------------------------------------------------------------------ */
/* Program instances, worlds                                           */
/* ------------------------------------------------------------------ */

enum { I_LAN, I_WAN, I_N3, I_NR };

struct inst {
	const char *name;
	__u32 slot;
	__u8 role;
	struct modwall_bpf *skel;
	int prog_fd;
};

static struct inst insts[I_NR] = {
	[I_LAN] = { "lan", LAN_SLOT, MW_ROLE_LAN, NULL, -1 },
	[I_WAN] = { "wan", WAN_SLOT, MW_ROLE_WAN, NULL, -1 },
	[I_N3] = { "n3", N3_SLOT, MW_ROLE_N3, NULL, -1 },
};

/* A set of maps with a policy applied to it. */
struct world {
	struct mw_maps m;
	struct mw_plan plan;
	int applied;
};

static struct world w;		/* the instances above */
static struct world small;	/* a four-entry flow table of its own */
static struct modwall_bpf *small_skel;
static int tc_fd = -1;		/* the lan instance's tc egress program */

/* ------------------------------------------------------------------ */
/* Frames                                                              */
/* ------------------------------------------------------------------ */

/* Where a frame goes through, and so which way it travels. */
enum where {
	W_LAN,		/* lan XDP: from the device */
	W_WAN,		/* wan XDP: to the device */
	W_N3UP,		/* n3 XDP, a G-PDU uplink: from the device inside the tunnel */
	W_N3DOWN,	/* n3 XDP, a G-PDU downlink: to the device */
	W_TC,		/* lan tc egress: to the device */
};

enum { FR_NONE, FR_FIRST, FR_LATER };

/*
 * A frame between a device and a remote host, described from the device's
 * point of view; build() turns it around where the device is the
 * destination.
 */
struct pk {
	int where;		/* enum where */
	const char *dev;	/* device address; NULL: a non-IP frame (ethertype) */
	const char *remote;	/* remote address, same family */
	uint8_t proto;		/* IPPROTO_*; other numbers get no L4 header */
	uint16_t rport;		/* remote port, or the ICMP/ICMPv6 type */
	uint16_t lport;		/* device port (40000 when 0) */
	uint8_t frag;		/* FR_* */
	uint8_t vlans;		/* 0, 1 (802.1Q) or 2 (802.1ad + 802.1Q) */
	uint16_t ethertype;	/* non-IP frames */
	uint64_t mac;		/* device MAC (MAC_HOST when 0) */
	size_t payload;		/* bytes after the L4 header */
	uint8_t doff;		/* TCP data offset (5 when 0): options are NOPs */
};

static int to_dev(int where)
{
	return where == W_WAN || where == W_N3DOWN || where == W_TC;
}

/* The frame as it travels on the device's own link. */
static void build_plain(struct fx_frame *f, const struct pk *p)
{
	uint64_t mac = p->mac ? p->mac : MAC_HOST;
	int down = to_dev(p->where);
	uint16_t lport = p->lport ? p->lport : 40000;
	uint16_t sport = down ? p->rport : lport, dport = down ? lport : p->rport;
	uint16_t l3 = p->dev ? (strchr(p->dev, ':') ? ETH_P_IPV6 : ETH_P_IP) : p->ethertype;
	uint8_t dev[16], rem[16];
	int v6 = l3 == ETH_P_IPV6;

	memset(f, 0, sizeof(*f));
	if (p->vlans == 0) {
		fx_eth(f, down ? mac : MAC_GW, down ? MAC_GW : mac, l3);
	} else if (p->vlans == 1) {
		fx_eth(f, down ? mac : MAC_GW, down ? MAC_GW : mac, ETH_P_8021Q);
		fx_vlan(f, 100, l3);
	} else {
		fx_eth(f, down ? mac : MAC_GW, down ? MAC_GW : mac, ETH_P_8021AD);
		fx_vlan(f, 10, ETH_P_8021Q);
		fx_vlan(f, 100, l3);
	}
	if (!p->dev) {
		if (p->ethertype == ETH_P_ARP)	/* 100.64.0.2 asks for 100.64.0.1 */
			fx_arp(f, ARPOP_REQUEST, down ? MAC_GW : mac, fx_addr4("100.64.0.2"), 0,
			       fx_addr4("100.64.0.1"));
		else
			fx_pad(f, 46, 0x4d);
		fx_pad(f, p->payload, 0x4d);
		return;
	}
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, p->dev, dev), 1);
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, p->remote, rem), 1);
	if (!v6) {
		uint32_t d4, r4;
		struct iphdr *ip;

		memcpy(&d4, dev, 4);
		memcpy(&r4, rem, 4);
		ip = fx_ipv4(f, down ? r4 : d4, down ? d4 : r4, p->proto, 5);
		if (p->frag == FR_FIRST)
			ip->frag_off = htons(0x2000);		/* MF, offset 0 */
		else if (p->frag == FR_LATER)
			ip->frag_off = htons(100);		/* offset 800, last */
	} else {
		fx_ipv6(f, down ? rem : dev, down ? dev : rem, p->frag ? IPPROTO_FRAGMENT : p->proto);
		if (p->frag)	/* offset 0 and more to come, or offset 800 and the last */
			fx_frag6(f, p->proto, p->frag == FR_FIRST ? 0 : 100, p->frag == FR_FIRST);
	}
	if (p->frag == FR_LATER) {
		fx_pad(f, p->payload ? p->payload : 16, 0xee);
	} else {
		struct tcphdr *th;

		switch (p->proto) {
		case IPPROTO_TCP:
			th = fx_tcp(f, sport, dport);
			if (p->doff > 5) {
				th->doff = p->doff;
				fx_pad(f, (p->doff - 5) * 4u, 1 /* TCPOPT_NOP */);
			}
			break;
		case IPPROTO_UDP:
			fx_udp(f, sport, dport, 0);
			break;
		case IPPROTO_ICMP:
			fx_icmp4(f, (uint8_t)p->rport, 0);	/* rport: the type */
			break;
		case IPPROTO_ICMPV6:
			fx_icmp6(f, (uint8_t)p->rport, 0);
			break;
		}
		fx_pad(f, p->payload, 'm');
		if (p->proto == IPPROTO_UDP) {
			struct udphdr *uh = (struct udphdr *)(f->d + f->len - p->payload -
							       sizeof(*uh));

			uh->len = htons((uint16_t)(sizeof(*uh) + p->payload));
		}
	}
	fx_fin(f);
}

/*
 * The frame, as @p->where sees it: on n3, the device's packet inside a
 * G-PDU between the base station and the core (uplink to port 2152,
 * downlink from port 2152 only).
 */
static void build(struct fx_frame *f, const struct pk *p)
{
	int up = p->where == W_N3UP;
	struct fx_frame *in;
	struct udphdr *uh;
	uint8_t *g;
	size_t ilen;
	uint16_t glen;

	if (p->where != W_N3UP && p->where != W_N3DOWN) {
		build_plain(f, p);
		return;
	}
	assert_int_equal(p->vlans, 0);
	in = calloc(1, sizeof(*in));
	assert_non_null(in);
	build_plain(in, p);
	ilen = in->len - ETH_HLEN;
	memset(f, 0, sizeof(*f));
	fx_eth(f, up ? MAC_CORE : MAC_GNB, up ? MAC_GNB : MAC_CORE, ETH_P_IP);
	fx_ipv4(f, fx_addr4(up ? IP_GNB : IP_CORE), fx_addr4(up ? IP_CORE : IP_GNB), IPPROTO_UDP, 5);
	fx_udp(f, MW_GTPU_PORT, up ? MW_GTPU_PORT : 40000, 0);
	uh = (struct udphdr *)(f->d + f->len - sizeof(*uh));
	uh->len = htons((uint16_t)(sizeof(*uh) + 8 + ilen));
	g = fx_put(f, 8);
	g[0] = 0x30;		/* version 1, PT 1, no optional fields */
	g[1] = 0xff;		/* G-PDU */
	glen = htons((uint16_t)ilen);
	memcpy(g + 2, &glen, 2);
	g[7] = 0x17;		/* TEID 0x17 */
	memcpy(fx_put(f, ilen), in->d + ETH_HLEN, ilen);
	fx_fin(f);
	free(in);
}

/* ------------------------------------------------------------------ */
/* Policies                                                            */
/* ------------------------------------------------------------------ */

static void print_diags(const struct mw_diag *d, const char *what)
{
	int i;

	for (i = 0; i < d->n; i++)
		print_error("%s%s\n", what, d->msg[i]);
}

static void apply_to(struct world *x, const char *text)
{
	struct mw_policy pol;
	struct mw_apply_result res;
	char err[512] = "";
	int rc;

	rc = mw_policy_load_string(&pol, "flows.mwp", text);
	print_diags(&pol.errors, "");
	assert_int_equal(rc, 0);
	rc = mw_compile(&x->plan, &pol, NULL, NULL);
	print_diags(&pol.errors, "");
	assert_int_equal(rc, 0);
	mw_policy_free(&pol);
	rc = mw_apply(&x->m, &x->plan, &res, err, sizeof(err));
	if (rc)
		fail_msg("mw_apply: %s (%d)", err, rc);
	mw_apply_result_free(&res);
	x->applied = 1;
}

static __u32 id_in(const struct world *x, const char *name)
{
	uint32_t i;

	if (!name)
		return MW_SUBJECT_NONE;
	for (i = 0; i < x->plan.nsubj; i++)
		if (!strcmp(x->plan.subj[i].name, name)) {
			assert_true(FX_SIDX(x->plan.subj[i].id, SNAP_SUBJ) < SNAP_SUBJ);
			return x->plan.subj[i].id;
		}
	fail_msg("no subject '%s' in the applied policy", name);
	return 0;
}

static __u32 id_of(const char *name)
{
	return id_in(&w, name);
}

/* ------------------------------------------------------------------ */
/* Counters and runs                                                   */
/* ------------------------------------------------------------------ */

struct snap {
	struct mw_counter subj[SUBJ_CELLS];
	struct mw_counter ifc[IF_CELLS];
};

static void take_snap(const struct world *x, struct snap *s)
{
	assert_int_equal(fx_read_subjects(&x->m, SNAP_SUBJ, s->subj), 0);
	assert_int_equal(fx_read_counters(x->m.ifcounters, 0, IF_CELLS, s->ifc), 0);
}

static int diff(const char *what, const struct mw_counter *a, const struct mw_counter *b,
		__u32 n, __u32 want, __u64 packets, __u64 bytes)
{
	int bad = 0;
	__u32 i;

	for (i = 0; i < n; i++) {
		__u64 dp = b[i].packets - a[i].packets, db = b[i].bytes - a[i].bytes;
		__u64 ep = i == want ? packets : 0, eb = i == want ? bytes : 0;

		if (dp == ep && db == eb)
			continue;
		print_error("%s[%u] (%u, %s): +%llu packets +%llu bytes, expected +%llu +%llu\n",
			    what, i, i / MW_NR_REASONS, mw_reason_name((int)(i % MW_NR_REASONS)),
			    (unsigned long long)dp, (unsigned long long)db,
			    (unsigned long long)ep, (unsigned long long)eb);
		bad++;
	}
	return bad;
}

enum { V_PASS, V_DROP };

static int prog_of(int where)
{
	switch (where) {
	case W_LAN:
		return insts[I_LAN].prog_fd;
	case W_WAN:
		return insts[I_WAN].prog_fd;
	case W_TC:
		return tc_fd;
	}
	return insts[I_N3].prog_fd;
}

static __u32 ifslot_of(int where)
{
	switch (where) {
	case W_LAN:
		return LAN_SLOT;
	case W_WAN:
		return WAN_SLOT;
	case W_TC:
		return MW_IFC_EGRESS(LAN_SLOT);
	}
	return N3_SLOT;
}

/* One run of @f through @prog_fd (tc with @ctx, or XDP); the verdict as V_PASS/V_DROP, or -1. */
static int run_raw(int where, int prog_fd, const struct fx_frame *f, const struct __sk_buff *ctx)
{
	int err, v = 0;
	__u32 xv = ~0u;

	if (where == W_TC) {
		err = fx_run_tc(prog_fd, f->d, f->len, ctx, &v);
		if (err)
			fail_msg("tc test run (%zu bytes): %s", f->len, strerror(-err));
		if (v == TC_ACT_UNSPEC)
			return V_PASS;
		if (v == TC_ACT_SHOT)
			return V_DROP;
		print_error("tc verdict %d\n", v);
		return -1;
	}
	err = fx_run(prog_fd, f->d, f->len, 1, &xv, NULL);
	if (err)
		fail_msg("XDP test run (%zu bytes): %s", f->len, strerror(-err));
	if (xv == XDP_PASS)
		return V_PASS;
	if (xv == XDP_DROP)
		return V_DROP;
	print_error("XDP verdict %s\n", fx_verdict_name(xv));
	return -1;
}

/*
 * Run @f once where @where says, in world @x through @prog_fd: the verdict
 * must be @verdict, and exactly the subject cell (@subj, @reason) and the
 * interface cell of @where must move, by @packets and @bytes.
 */
static void run_in(struct world *x, int prog_fd, int where, const struct fx_frame *f,
		   const struct __sk_buff *ctx, int verdict, const char *subj, __u32 reason,
		   __u64 packets, __u64 bytes)
{
	struct snap *before = calloc(1, sizeof(*before)), *after = calloc(1, sizeof(*after));
	__u32 id = id_in(x, subj);
	int bad = 0, v;

	assert_non_null(before);
	assert_non_null(after);
	take_snap(x, before);
	v = run_raw(where, prog_fd, f, ctx);
	take_snap(x, after);
	if (v != verdict) {
		print_error("verdict %s, expected %s\n", v == V_PASS ? "pass" : v == V_DROP ?
			    "drop" : "?", verdict == V_PASS ? "pass" : "drop");
		bad++;
	}
	bad += diff("mw_counters", before->subj, after->subj, SUBJ_CELLS,
		    FX_SIDX(id, SNAP_SUBJ) * MW_NR_REASONS + reason, packets, bytes);
	bad += diff("mw_ifcounters", before->ifc, after->ifc, IF_CELLS,
		    ifslot_of(where) * MW_NR_REASONS + reason, packets, bytes);
	free(before);
	free(after);
	if (bad)
		fail_msg("%d mismatch(es), a %zu-byte frame", bad, f->len);
}

/* Build @p, run it once in the shared world, check; the frame's length. */
static size_t send_pk(const struct pk *p, int verdict, const char *subj, __u32 reason)
{
	struct fx_frame *f = calloc(1, sizeof(*f));
	size_t len;

	assert_non_null(f);
	build(f, p);
	run_in(&w, prog_of(p->where), p->where, f, NULL, verdict, subj, reason, 1, f->len);
	len = f->len;
	free(f);
	return len;
}

/* ------------------------------------------------------------------ */
/* Flows                                                               */
/* ------------------------------------------------------------------ */

/* The key of a flow of @subj (a tagged device or class, @member its MAC). */
static struct mw_flow_key fkey_in(const struct world *x, const char *subj, uint64_t member,
				  const char *remote, uint8_t proto, uint16_t port)
{
	struct mw_flow_key k;

	memset(&k, 0, sizeof(k));
	k.subject = id_in(x, subj);
	k.member = member;
	k.port = port;
	if (!remote)
		return k;	/* not IP: family 0, proto 0, port = EtherType */
	k.family = strchr(remote, ':') ? AF_INET6 : AF_INET;
	k.proto = proto;
	assert_int_equal(inet_pton(k.family, remote, k.addr), 1);
	return k;
}

static struct mw_flow_key fkey(const char *subj, const char *remote, uint8_t proto,
			       uint16_t port)
{
	return fkey_in(&w, subj, 0, remote, proto, port);
}

static void key_text(const struct mw_flow_key *k, char *buf, size_t len)
{
	char rem[64], pr[16], mem[24];

	mw_flow_remote(k, rem, sizeof(rem));
	mw_flow_proto(k, pr, sizeof(pr));
	mw_flow_member(k, mem, sizeof(mem));
	snprintf(buf, len, "subject %u%s%s %s %s port %u", k->subject, *mem ? " member " : "",
		 mem, rem, pr, k->port);
}

/* What a flow must hold. */
struct fexp {
	__u64 p_out, b_out, p_in, b_in, d_out, d_in;
};

static void flow_is_in(const struct world *x, struct mw_flow_key k, struct fexp e)
{
	struct mw_flow v;
	char kt[160];

	key_text(&k, kt, sizeof(kt));
	if (bpf_map_lookup_elem(x->m.flows, &k, &v))
		fail_msg("no flow %s", kt);
	if (v.packets[MW_FDIR_OUT] != e.p_out || v.bytes[MW_FDIR_OUT] != e.b_out ||
	    v.packets[MW_FDIR_IN] != e.p_in || v.bytes[MW_FDIR_IN] != e.b_in ||
	    v.dropped[MW_FDIR_OUT] != e.d_out || v.dropped[MW_FDIR_IN] != e.d_in)
		fail_msg("flow %s: out %llu/%llu dropped %llu, in %llu/%llu dropped %llu; expected "
			 "out %llu/%llu dropped %llu, in %llu/%llu dropped %llu", kt,
			 (unsigned long long)v.packets[0], (unsigned long long)v.bytes[0],
			 (unsigned long long)v.dropped[0], (unsigned long long)v.packets[1],
			 (unsigned long long)v.bytes[1], (unsigned long long)v.dropped[1],
			 (unsigned long long)e.p_out, (unsigned long long)e.b_out,
			 (unsigned long long)e.d_out, (unsigned long long)e.p_in,
			 (unsigned long long)e.b_in, (unsigned long long)e.d_in);
	assert_true(v.first_ns > 0 && v.first_ns <= v.last_ns);
}

static void flow_is(struct mw_flow_key k, struct fexp e)
{
	flow_is_in(&w, k, e);
}

#define OUT(p, b)	((struct fexp){ .p_out = (p), .b_out = (b) })
#define IN(p, b)	((struct fexp){ .p_in = (p), .b_in = (b) })

/* Flows of @subject (MW_FLOWS_ALL: all) in @x's table; each printed when @show. */
static size_t nflows_in(const struct world *x, uint32_t subject, int show)
{
	struct mw_flow_rec *r = NULL;
	ssize_t n = mw_flows_read(&x->m, subject, &r);
	ssize_t i;

	assert_true(n >= 0);
	for (i = 0; show && i < n; i++) {
		char kt[160];

		key_text(&r[i].k, kt, sizeof(kt));
		print_message("  flow %s: %llu out, %llu in\n", kt,
			      (unsigned long long)r[i].v.packets[0],
			      (unsigned long long)r[i].v.packets[1]);
	}
	free(r);
	return (size_t)n;
}

#define assert_nflows(subj, n) do {						\
	size_t got_ = nflows_in(&w, (subj), 0);					\
	if (got_ != (size_t)(n)) {						\
		nflows_in(&w, (subj), 1);					\
		fail_msg("%zu flows, expected %zu", got_, (size_t)(n));		\
	}									\
} while (0)

static struct mw_counter miss_of(const struct world *x, __u32 id)
{
	struct mw_counter c;

	assert_int_equal(bpf_map_lookup_elem(x->m.flowmiss, &id, &c), 0);
	return c;
}

/* Empty the flow table, zero the miss and table counters. */
static void flows_reset(struct world *x)
{
	struct mw_flow_key k;
	struct mw_counter zc = { 0, 0 };
	uint64_t *zs = calloc((size_t)x->m.ncpus, sizeof(*zs));
	__u32 i;

	assert_non_null(zs);
	while (bpf_map_get_next_key(x->m.flows, NULL, &k) == 0)
		assert_int_equal(bpf_map_delete_elem(x->m.flows, &k), 0);
	for (i = 0; i < SNAP_SUBJ; i++) {
		__u32 dev = MW_PCPU_IDS + i;

		assert_int_equal(bpf_map_update_elem(x->m.flowmiss, &i, &zc, BPF_ANY), 0);
		assert_int_equal(bpf_map_update_elem(x->m.flowmiss, &dev, &zc, BPF_ANY), 0);
	}
	for (i = 0; i < MW_FS_NR; i++)
		assert_int_equal(bpf_map_update_elem(x->m.flowstats, &i, zs, BPF_ANY), 0);
	free(zs);
}

static int setup_test(void **state)
{
	(void)state;
	flows_reset(&w);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Keys                                                                */
/* ------------------------------------------------------------------ */

#define LAN(d, r, pr, port, pl)	{ .where = W_LAN, .dev = (d), .remote = (r), .proto = (pr), .rport = (port), .payload = (pl) }
#define WAN(d, r, pr, port, pl)	{ .where = W_WAN, .dev = (d), .remote = (r), .proto = (pr), .rport = (port), .payload = (pl) }
#define TC(d, r, pr, port, pl)	{ .where = W_TC, .dev = (d), .remote = (r), .proto = (pr), .rport = (port), .payload = (pl) }

/* IPv4: TCP and UDP by remote port, ICMP by type with echo replies folded onto requests. */
static void test_keys_ipv4(void **state)
{
	const struct pk tcp1 = LAN(D_M4, "198.51.100.10", TCP, 443, 10);
	const struct pk tcp2 = { .where = W_LAN, .dev = D_M4, .remote = "198.51.100.10",
				 .proto = TCP, .rport = 443, .lport = 51000, .payload = 30 };
	const struct pk udp = LAN(D_M4, "198.51.100.53", UDP, 53, 12);
	const struct pk echo = LAN(D_M4, "198.51.100.1", ICMP, 8, 0);
	const struct pk reply = LAN(D_M4, "198.51.100.1", ICMP, 0, 20);
	const struct pk unreach = LAN(D_M4, "198.51.100.1", ICMP, 3, 4);
	const struct pk ttl = LAN(D_M4, "198.51.100.1", ICMP, 11, 8);
	const struct pk gre = LAN(D_M4, "198.51.100.7", 47, 0, 16);
	const struct pk udp_dev53 = { .where = W_LAN, .dev = D_M4, .remote = "198.51.100.53",
				      .proto = UDP, .rport = 5353, .lport = 53 };
	size_t t1, t2, u, e, r, un, tt, g, u2;

	(void)state;
	t1 = send_pk(&tcp1, V_PASS, "meter-4", R_OBS);
	t2 = send_pk(&tcp2, V_PASS, "meter-4", R_OBS);
	u = send_pk(&udp, V_PASS, "meter-4", R_OBS);
	e = send_pk(&echo, V_PASS, "meter-4", R_OBS);
	r = send_pk(&reply, V_PASS, "meter-4", R_OBS);
	un = send_pk(&unreach, V_PASS, "meter-4", R_OBS);
	tt = send_pk(&ttl, V_PASS, "meter-4", R_OBS);
	g = send_pk(&gre, V_PASS, "meter-4", R_OBS);
	u2 = send_pk(&udp_dev53, V_PASS, "meter-4", R_OBS);

	/* the device's own port is not part of the key: one flow for both TCP frames */
	flow_is(fkey("meter-4", "198.51.100.10", TCP, 443), OUT(2, t1 + t2));
	flow_is(fkey("meter-4", "198.51.100.53", UDP, 53), OUT(1, u));
	/* from the device's port 53 to the remote's 5353: the remote port */
	flow_is(fkey("meter-4", "198.51.100.53", UDP, 5353), OUT(1, u2));
	flow_is(fkey("meter-4", "198.51.100.1", ICMP, 8), OUT(2, e + r));
	flow_is(fkey("meter-4", "198.51.100.1", ICMP, 3), OUT(1, un));
	flow_is(fkey("meter-4", "198.51.100.1", ICMP, 11), OUT(1, tt));
	flow_is(fkey("meter-4", "198.51.100.7", 47, 0), OUT(1, g));
	assert_nflows(id_of("meter-4"), 7);
	assert_nflows(MW_FLOWS_ALL, 7);
}

/* IPv6: the same rules, ICMPv6 echo reply (129) folded onto the request (128). */
static void test_keys_ipv6(void **state)
{
	const struct pk tcp = LAN(D_M6, "2001:db8:100::1", TCP, 443, 7);
	const struct pk udp = LAN(D_M6, "2001:db8:53::53", UDP, 53, 12);
	const struct pk echo = LAN(D_M6, "2001:db8:1::1", ICMP6, 128, 0);
	const struct pk reply = LAN(D_M6, "2001:db8:1::1", ICMP6, 129, 24);
	const struct pk unreach = LAN(D_M6, "2001:db8:1::1", ICMP6, 1, 4);
	const struct pk ns = LAN(D_M6, "2001:db8:1::1", ICMP6, 135, 20);
	size_t t, u, e, r, un, n1, n2;

	(void)state;
	t = send_pk(&tcp, V_PASS, "meter-6", R_OBS);
	u = send_pk(&udp, V_PASS, "meter-6", R_OBS);
	e = send_pk(&echo, V_PASS, "meter-6", R_OBS);
	r = send_pk(&reply, V_PASS, "meter-6", R_OBS);
	un = send_pk(&unreach, V_PASS, "meter-6", R_OBS);
	n1 = send_pk(&ns, V_PASS, "meter-6", R_OBS);
	n2 = send_pk(&ns, V_PASS, "meter-6", R_OBS);

	flow_is(fkey("meter-6", "2001:db8:100::1", TCP, 443), OUT(1, t));
	flow_is(fkey("meter-6", "2001:db8:53::53", UDP, 53), OUT(1, u));
	flow_is(fkey("meter-6", "2001:db8:1::1", ICMP6, 128), OUT(2, e + r));
	flow_is(fkey("meter-6", "2001:db8:1::1", ICMP6, 1), OUT(1, un));
	flow_is(fkey("meter-6", "2001:db8:1::1", ICMP6, 135), OUT(2, n1 + n2));
	assert_nflows(MW_FLOWS_ALL, 5);
}

/* 802.1Q and QinQ frames land in the flow of the untagged ones. */
static void test_keys_vlan(void **state)
{
	struct pk p4 = LAN(D_M4, "198.51.100.20", TCP, 8080, 3);
	struct pk p6 = LAN(D_M6, "2001:db8:53::53", UDP, 53, 5);
	size_t b4 = 0, b6 = 0;
	int tags;

	(void)state;
	for (tags = 0; tags <= 2; tags++) {
		p4.vlans = p6.vlans = (uint8_t)tags;
		p4.payload += 10;
		p6.payload += 10;
		b4 += send_pk(&p4, V_PASS, "meter-4", R_OBS);
		b6 += send_pk(&p6, V_PASS, "meter-6", R_OBS);
	}
	flow_is(fkey("meter-4", "198.51.100.20", TCP, 8080), OUT(3, b4));
	flow_is(fkey("meter-6", "2001:db8:53::53", UDP, 53), OUT(3, b6));
	assert_nflows(MW_FLOWS_ALL, 2);
}

/*
 * Fragments: a first fragment carries its port; a later one has no L4
 * header, so its key is (protocol, port 0), the documented key for it.
 */
static void test_keys_fragments(void **state)
{
	struct pk first4 = { .where = W_LAN, .dev = D_M4, .remote = "198.51.100.53", .proto = UDP,
			     .rport = 53, .frag = FR_FIRST, .payload = 32 };
	struct pk later4 = first4, tcp_later4 = first4;
	struct pk first6 = first4, later6;
	size_t f4, l4a, l4b, tl4, f6, l6;

	(void)state;
	later4.frag = FR_LATER;
	later4.payload = 24;
	tcp_later4.frag = FR_LATER;
	tcp_later4.proto = TCP;
	first6.dev = D_M6;
	first6.remote = "2001:db8:53::53";
	later6 = first6;
	later6.frag = FR_LATER;

	f4 = send_pk(&first4, V_PASS, "meter-4", R_OBS);
	l4a = send_pk(&later4, V_PASS, "meter-4", R_OBS);
	l4b = send_pk(&later4, V_PASS, "meter-4", R_OBS);
	tl4 = send_pk(&tcp_later4, V_PASS, "meter-4", R_OBS);
	f6 = send_pk(&first6, V_PASS, "meter-6", R_OBS);
	l6 = send_pk(&later6, V_PASS, "meter-6", R_OBS);

	flow_is(fkey("meter-4", "198.51.100.53", UDP, 53), OUT(1, f4));
	flow_is(fkey("meter-4", "198.51.100.53", UDP, 0), OUT(2, l4a + l4b));
	flow_is(fkey("meter-4", "198.51.100.53", TCP, 0), OUT(1, tl4));
	flow_is(fkey("meter-6", "2001:db8:53::53", UDP, 53), OUT(1, f6));
	flow_is(fkey("meter-6", "2001:db8:53::53", UDP, 0), OUT(1, l6));
	assert_nflows(MW_FLOWS_ALL, 5);
}

/* Not IP: family 0, protocol 0, the EtherType as the port; both directions. */
static void test_keys_non_ip(void **state)
{
	const struct pk arp_out = { .where = W_LAN, .ethertype = ETH_P_ARP, .mac = MAC_METER };
	const struct pk arp_in = { .where = W_WAN, .ethertype = ETH_P_ARP, .mac = MAC_METER };
	const struct pk lldp = { .where = W_LAN, .ethertype = 0x88cc, .mac = MAC_METER,
				 .payload = 10 };
	size_t ao, ai, l;

	(void)state;
	ao = send_pk(&arp_out, V_PASS, "meter-m", R_OBS);
	ai = send_pk(&arp_in, V_PASS, "meter-m", R_OBS);
	l = send_pk(&lldp, V_PASS, "meter-m", R_OBS);
	flow_is(fkey("meter-m", NULL, 0, 0x0806),
		((struct fexp){ .p_out = 1, .b_out = ao, .p_in = 1, .b_in = ai }));
	flow_is(fkey("meter-m", NULL, 0, 0x88cc), OUT(1, l));
	assert_nflows(MW_FLOWS_ALL, 2);
}

/* A class keeps flows per member (its MAC); a tagged device's member is 0. */
static void test_keys_members(void **state)
{
	struct pk m1 = LAN(D_MOD1, "198.51.100.53", UDP, 53, 4);
	struct pk m2 = LAN(D_MOD2, "198.51.100.53", UDP, 53, 9);
	struct pk m1in = WAN(D_MOD1, "198.51.100.53", UDP, 53, 40);
	struct pk tagged = LAN(D_MAC, "198.51.100.53", UDP, 53, 2);
	size_t a, b, c, d;

	(void)state;
	m1.mac = m1in.mac = MAC_MOD1;
	m2.mac = MAC_MOD2;
	tagged.mac = MAC_METER;
	a = send_pk(&m1, V_PASS, "modules", R_OBS);
	b = send_pk(&m2, V_PASS, "modules", R_OBS);
	c = send_pk(&m1in, V_PASS, "modules", R_OBS);
	d = send_pk(&tagged, V_PASS, "meter-m", R_OBS);
	flow_is(fkey_in(&w, "modules", MAC_MOD1, "198.51.100.53", UDP, 53),
		((struct fexp){ .p_out = 1, .b_out = a, .p_in = 1, .b_in = c }));
	flow_is(fkey_in(&w, "modules", MAC_MOD2, "198.51.100.53", UDP, 53), OUT(1, b));
	flow_is(fkey("meter-m", "198.51.100.53", UDP, 53), OUT(1, d));
	assert_nflows(id_of("modules"), 2);
	assert_nflows(MW_FLOWS_ALL, 3);
}

/*
 * Direction: on lan the remote is the destination (out), on wan the source
 * (in); on n3 the device is inside the tunnel: uplink out, downlink in.
 * Both directions of one conversation are one flow.
 */
static void test_direction(void **state)
{
	const struct pk up = LAN(D_M4, "198.51.100.10", TCP, 443, 100);
	const struct pk down = WAN(D_M4, "198.51.100.10", TCP, 443, 1000);
	struct pk gup = up, gdown = down, gup6 = LAN(D_M6, "2001:db8:100::1", UDP, 4500, 33);
	struct pk gdown6 = WAN(D_M6, "2001:db8:100::1", UDP, 4500, 77);
	size_t u, d, gu, gd, gu6, gd6;

	(void)state;
	gup.where = gup6.where = W_N3UP;
	gdown.where = gdown6.where = W_N3DOWN;
	u = send_pk(&up, V_PASS, "meter-4", R_OBS);
	d = send_pk(&down, V_PASS, "meter-4", R_OBS);
	gu = send_pk(&gup, V_PASS, "meter-4", R_OBS);
	gd = send_pk(&gdown, V_PASS, "meter-4", R_OBS);
	gu6 = send_pk(&gup6, V_PASS, "meter-6", R_OBS);
	gd6 = send_pk(&gdown6, V_PASS, "meter-6", R_OBS);
	/* n3 counts the whole G-PDU, outer headers included, as its counters do */
	assert_true(gu > u);
	flow_is(fkey("meter-4", "198.51.100.10", TCP, 443),
		((struct fexp){ .p_out = 2, .b_out = u + gu, .p_in = 2, .b_in = d + gd }));
	flow_is(fkey("meter-6", "2001:db8:100::1", UDP, 4500),
		((struct fexp){ .p_out = 1, .b_out = gu6, .p_in = 1, .b_in = gd6 }));
	assert_nflows(MW_FLOWS_ALL, 2);
}

/* ------------------------------------------------------------------ */
/* Exact counts                                                        */
/* ------------------------------------------------------------------ */

/* dropped[] counts exactly the frames modwall dropped, by direction. */
static void test_dropped(void **state)
{
	const struct pk ok53 = LAN(D_TELE, "198.51.100.53", UDP, 53, 10);
	const struct pk no54 = LAN(D_TELE, "198.51.100.53", UDP, 54, 11);
	const struct pk ok443 = LAN(D_TELE, "198.51.100.9", TCP, 443, 12);
	const struct pk no443 = LAN(D_TELE, "203.0.113.9", TCP, 443, 13);
	const struct pk in53 = WAN(D_TELE, "198.51.100.53", UDP, 53, 50);
	const struct pk in443 = WAN(D_TELE, "203.0.113.9", TCP, 443, 60);
	const struct pk jail = LAN(D_JAIL, "198.51.100.53", UDP, 53, 1);
	const struct pk jail_in = WAN(D_JAIL, "198.51.100.53", UDP, 53, 2);
	size_t a = 0, b = 0, c, d, e, f, j = 0, ji;
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		a += send_pk(&ok53, V_PASS, "tele-4", R_PASS);
	for (i = 0; i < 2; i++)
		b += send_pk(&no54, V_DROP, "tele-4", R_NA);
	c = send_pk(&ok443, V_PASS, "tele-4", R_PASS);
	d = send_pk(&no443, V_DROP, "tele-4", R_NA);
	/* on wan the remote is the source: allowed by the source address and port */
	e = send_pk(&in53, V_PASS, "tele-4", R_PASS);
	f = send_pk(&in443, V_DROP, "tele-4", R_NA);
	for (i = 0; i < 2; i++)
		j += send_pk(&jail, V_DROP, "jail-4", R_DROP);
	ji = send_pk(&jail_in, V_DROP, "jail-4", R_DROP);

	flow_is(fkey("tele-4", "198.51.100.53", UDP, 53),
		((struct fexp){ .p_out = 3, .b_out = a, .p_in = 1, .b_in = e }));
	flow_is(fkey("tele-4", "198.51.100.53", UDP, 54),
		((struct fexp){ .p_out = 2, .b_out = b, .d_out = 2 }));
	flow_is(fkey("tele-4", "198.51.100.9", TCP, 443), OUT(1, c));
	flow_is(fkey("tele-4", "203.0.113.9", TCP, 443),
		((struct fexp){ .p_out = 1, .b_out = d, .d_out = 1, .p_in = 1, .b_in = f,
				.d_in = 1 }));
	flow_is(fkey("jail-4", "198.51.100.53", UDP, 53),
		((struct fexp){ .p_out = 2, .b_out = j, .d_out = 2, .p_in = 1, .b_in = ji,
				.d_in = 1 }));
	assert_nflows(id_of("tele-4"), 4);
	assert_nflows(MW_FLOWS_ALL, 5);
}

/* Packets and bytes of @id's counters over every reason but malformed. */
static struct mw_counter judged(const struct snap *a, const struct snap *b, __u32 id)
{
	struct mw_counter t = { 0, 0 };
	__u32 r;

	for (r = 0; r < MW_NR_REASONS; r++) {
		if (r == MW_R_MALFORMED)
			continue;
		__u32 c = FX_SIDX(id, SNAP_SUBJ) * MW_NR_REASONS + r;

		t.packets += b->subj[c].packets - a->subj[c].packets;
		t.bytes += b->subj[c].bytes - a->subj[c].bytes;
	}
	return t;
}

/* The sum of @id's flows in @x's table, both directions. */
static struct mw_counter flow_sum(const struct world *x, __u32 id)
{
	struct mw_flow_rec *r = NULL;
	struct mw_counter t = { 0, 0 };
	ssize_t n = mw_flows_read(&x->m, id, &r), i;

	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		t.packets += r[i].v.packets[0] + r[i].v.packets[1];
		t.bytes += r[i].v.bytes[0] + r[i].v.bytes[1];
	}
	free(r);
	return t;
}

/* sum(flows) + mw_flowmiss == counters over every reason but malformed, for @id. */
static void check_invariant(const struct world *x, const struct snap *a, const struct snap *b,
			    const char *name, __u64 min_packets)
{
	__u32 id = id_in(x, name);
	struct mw_counter c = judged(a, b, id), s = flow_sum(x, id), m = miss_of(x, id);

	if (s.packets + m.packets != c.packets || s.bytes + m.bytes != c.bytes)
		fail_msg("%s: flows %llu/%llu + missed %llu/%llu != counted %llu/%llu", name,
			 (unsigned long long)s.packets, (unsigned long long)s.bytes,
			 (unsigned long long)m.packets, (unsigned long long)m.bytes,
			 (unsigned long long)c.packets, (unsigned long long)c.bytes);
	/* the batch did reach this subject */
	assert_true(c.packets >= min_packets);
}

/* A malformed frame: an IPv4 header cut to 12 bytes, from @mac. */
static void malformed(struct fx_frame *f, uint64_t mac)
{
	memset(f, 0, sizeof(*f));
	fx_eth(f, MAC_GW, mac, ETH_P_IP);
	fx_ipv4(f, fx_addr4("100.64.0.60"), fx_addr4("198.51.100.1"), UDP, 5);
	fx_fin(f);
	fx_chop(f, 8);
}

/*
 * A mixed batch over every way through: passed, observed, dropped by
 * policy, not allowed, rate-limited, malformed, on lan, wan, n3 and tc.
 * Afterwards, per subject, flows + misses == counters but malformed.
 */
static void test_invariant(void **state)
{
	static const char *const subjects[] = { "meter-m", "meter-4", "meter-6", "tele-4",
						"slow-4", "jail-4", "modules" };
	struct pk batch[] = {
		LAN(D_M4, "198.51.100.10", TCP, 443, 100),
		WAN(D_M4, "198.51.100.10", TCP, 443, 1200),
		TC(D_M4, "198.51.100.11", UDP, 123, 48),
		{ .where = W_N3UP, .dev = D_M4, .remote = "198.51.100.12", .proto = UDP, .rport = 53 },
		{ .where = W_N3DOWN, .dev = D_M4, .remote = "198.51.100.12", .proto = UDP, .rport = 53,
		  .payload = 90 },
		{ .where = W_LAN, .dev = D_M4, .remote = "198.51.100.53", .proto = UDP, .rport = 53,
		  .frag = FR_LATER },
		LAN(D_M6, "2001:db8:1::1", ICMP6, 128, 56),
		WAN(D_M6, "2001:db8:1::1", ICMP6, 129, 56),
		{ .where = W_LAN, .ethertype = ETH_P_ARP, .mac = MAC_METER },
		{ .where = W_TC, .dev = D_MAC, .remote = "198.51.100.10", .proto = TCP, .rport = 443,
		  .mac = MAC_METER, .payload = 1400 },
		LAN(D_TELE, "198.51.100.53", UDP, 53, 30),
		LAN(D_TELE, "198.51.100.53", UDP, 5353, 30),
		TC(D_TELE, "203.0.113.9", TCP, 443, 300),
		TC(D_TELE, "198.51.100.9", TCP, 443, 300),
		LAN(D_SLOW, "198.51.100.80", UDP, 9000, 500),
		LAN(D_SLOW, "198.51.100.80", UDP, 9000, 501),
		LAN(D_SLOW, "198.51.100.80", UDP, 9000, 502),
		LAN(D_SLOW, "198.51.100.80", UDP, 9000, 503),
		LAN(D_JAIL, "198.51.100.1", ICMP, 8, 0),
		{ .where = W_LAN, .dev = D_MOD1, .remote = "198.51.100.53", .proto = UDP, .rport = 53,
		  .mac = MAC_MOD1 },
		{ .where = W_WAN, .dev = D_MOD2, .remote = "198.51.100.53", .proto = UDP, .rport = 53,
		  .mac = MAC_MOD2, .payload = 400 },
	};
	struct snap *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct fx_frame *f = calloc(1, sizeof(*f));
	size_t i, k;
	int v, drops = 0;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(f);
	take_snap(&w, a);
	for (k = 0; k < 3; k++) {
		for (i = 0; i < sizeof(batch) / sizeof(batch[0]); i++) {
			build(f, &batch[i]);
			v = run_raw(batch[i].where, prog_of(batch[i].where), f, NULL);
			assert_true(v == V_PASS || v == V_DROP);
			drops += v == V_DROP;
		}
		malformed(f, MAC_METER);
		assert_int_equal(run_raw(W_LAN, prog_of(W_LAN), f, NULL), V_DROP);
		malformed(f, MAC_MOD1);
		assert_int_equal(run_raw(W_LAN, prog_of(W_LAN), f, NULL), V_DROP);
	}
	take_snap(&w, b);
	/* tele: 2 refused per round; slow: 2 over the limit in the first round, 4 after; jail 1 */
	assert_true(drops >= 3 * 2 + 2 + 3);
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++)
		check_invariant(&w, a, b, subjects[i], 3);
	/* the malformed frames were counted, and made no flow of their own */
	assert_int_equal(b->subj[FX_SIDX(id_of("meter-m"), SNAP_SUBJ) * MW_NR_REASONS + R_MAL].packets -
			 a->subj[FX_SIDX(id_of("meter-m"), SNAP_SUBJ) * MW_NR_REASONS + R_MAL].packets, 3);
	assert_int_equal(b->subj[FX_SIDX(id_of("modules"), SNAP_SUBJ) * MW_NR_REASONS + R_MAL].packets -
			 a->subj[FX_SIDX(id_of("modules"), SNAP_SUBJ) * MW_NR_REASONS + R_MAL].packets, 3);
	assert_nflows(id_of("meter-m"), 2);	/* arp, tc download, nothing malformed */
	free(a);
	free(b);
	free(f);
}

/* Malformed frames of a subject that keeps flows make none. */
static void test_malformed_no_flow(void **state)
{
	struct fx_frame *f = calloc(1, sizeof(*f));
	__u32 id = id_of("meter-m");

	(void)state;
	assert_non_null(f);
	malformed(f, MAC_METER);
	run_in(&w, prog_of(W_LAN), W_LAN, f, NULL, V_DROP, "meter-m", R_MAL, 1, f->len);
	build(f, &(struct pk){ .where = W_LAN, .dev = D_MAC, .remote = "198.51.100.10",
			       .proto = TCP, .rport = 443, .mac = MAC_METER });
	fx_chop(f, 6);		/* a TCP header of 14 bytes */
	fx_fin(f);
	run_in(&w, prog_of(W_LAN), W_LAN, f, NULL, V_DROP, "meter-m", R_MAL, 1, f->len);
	/* one tag announced, half of it there */
	memset(f, 0, sizeof(*f));
	fx_eth(f, MAC_GW, MAC_METER, ETH_P_8021Q);
	fx_put(f, 2);
	run_in(&w, prog_of(W_LAN), W_LAN, f, NULL, V_DROP, "meter-m", R_MAL, 1, f->len);
	/*
	 * and on tc: a download to the device's MAC with a cut TCP header (a
	 * test run refuses an skb whose IPv4 header is cut short)
	 */
	build(f, &(struct pk){ .where = W_TC, .dev = D_MAC, .remote = "198.51.100.10",
			       .proto = TCP, .rport = 443, .mac = MAC_METER });
	fx_chop(f, 6);
	fx_fin(f);
	run_in(&w, tc_fd, W_TC, f, NULL, V_DROP, "meter-m", R_MAL, 1, f->len);
	assert_nflows(MW_FLOWS_ALL, 0);
	assert_int_equal(miss_of(&w, id).packets, 0);
	free(f);
}

/* A subject whose policy does not keep flows makes none, in any direction. */
static void test_no_flows_policy(void **state)
{
	const struct pk out = LAN(D_QUIET, "198.51.100.10", TCP, 443, 5);
	const struct pk in = WAN(D_QUIET, "198.51.100.10", TCP, 443, 5);
	const struct pk tc = TC(D_QUIET, "198.51.100.10", TCP, 443, 5);
	const struct pk none = LAN(D_NONE, "198.51.100.10", TCP, 443, 5);
	uint64_t fs[MW_FS_NR];

	(void)state;
	send_pk(&out, V_PASS, "quiet-4", R_PASS);
	send_pk(&in, V_PASS, "quiet-4", R_PASS);
	send_pk(&tc, V_PASS, "quiet-4", R_PASS);
	/* nor does the unattributed subject (default drop here) */
	send_pk(&none, V_DROP, NULL, R_DROP);
	assert_nflows(MW_FLOWS_ALL, 0);
	assert_int_equal(miss_of(&w, id_of("quiet-4")).packets, 0);
	assert_int_equal(miss_of(&w, 0).packets, 0);
	assert_int_equal(mw_flowstats_read(&w.m, fs), 0);
	assert_int_equal(fs[MW_FS_CREATED], 0);
	assert_int_equal(fs[MW_FS_FULL], 0);
}

/*
 * A full table: four entries, ten remotes. The first four remotes get
 * flows; every frame to the others goes to mw_flowmiss, packet for packet
 * and byte for byte, and counts once in MW_FS_FULL. Frames of the flows
 * that exist still go to them.
 */
static void test_table_full(void **state)
{
	struct fx_frame *f = calloc(1, sizeof(*f));
	struct snap *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	size_t in_flow[10] = { 0 }, missed_bytes = 0, missed = 0;
	struct mw_counter m;
	uint64_t fs[MW_FS_NR];
	char remote[32];
	int i, prog = fx_prog_fd(small_skel);

	(void)state;
	assert_non_null(f);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(small.m.max_flows, 4);
	flows_reset(&small);
	take_snap(&small, a);
	for (i = 0; i < 13; i++) {
		/* remotes 1..10, then 1 twice more and 10 once more */
		int r = i < 10 ? i + 1 : i < 12 ? 1 : 10;
		struct pk p = LAN(D_M4, remote, UDP, 53, (size_t)(3 * i + 1));

		snprintf(remote, sizeof(remote), "198.51.100.%d", r);
		build(f, &p);
		run_in(&small, prog, W_LAN, f, NULL, V_PASS, "meter-4", R_OBS, 1, f->len);
		if (r <= 4) {
			in_flow[r - 1] += f->len;
		} else {
			missed++;
			missed_bytes += f->len;
		}
	}
	take_snap(&small, b);
	assert_int_equal(nflows_in(&small, MW_FLOWS_ALL, 0), 4);
	for (i = 0; i < 4; i++) {
		snprintf(remote, sizeof(remote), "198.51.100.%d", i + 1);
		flow_is_in(&small, fkey_in(&small, "meter-4", 0, remote, UDP, 53),
			   OUT(i == 0 ? 3 : 1, in_flow[i]));
	}
	m = miss_of(&small, id_in(&small, "meter-4"));
	assert_int_equal(missed, 7);
	assert_int_equal(m.packets, missed);
	assert_int_equal(m.bytes, missed_bytes);
	assert_int_equal(mw_flowstats_read(&small.m, fs), 0);
	assert_int_equal(fs[MW_FS_FULL], missed);
	assert_int_equal(fs[MW_FS_CREATED], 4);
	check_invariant(&small, a, b, "meter-4", 13);
	free(a);
	free(b);
	free(f);
}

/* ------------------------------------------------------------------ */
/* tc egress                                                           */
/* ------------------------------------------------------------------ */

/* A download to a device tagged by MAC: its subject, direction in, the source as remote. */
static void test_tc_mac(void **state)
{
	struct pk p = TC(D_MAC, "198.51.100.10", TCP, 443, 200);
	size_t n;

	(void)state;
	p.mac = MAC_METER;
	n = send_pk(&p, V_PASS, "meter-m", R_OBS);
	flow_is(fkey("meter-m", "198.51.100.10", TCP, 443), IN(1, n));
	assert_nflows(MW_FLOWS_ALL, 1);
}

/* A download to a device bound by address (its MAC unknown): by destination address. */
static void test_tc_ip(void **state)
{
	const struct pk p4 = TC(D_M4, "198.51.100.53", UDP, 53, 80);
	const struct pk p6 = TC(D_M6, "2001:db8:53::53", UDP, 53, 81);
	size_t a, b;

	(void)state;
	a = send_pk(&p4, V_PASS, "meter-4", R_OBS);
	b = send_pk(&p6, V_PASS, "meter-6", R_OBS);
	flow_is(fkey("meter-4", "198.51.100.53", UDP, 53), IN(1, a));
	flow_is(fkey("meter-6", "2001:db8:53::53", UDP, 53), IN(1, b));
	assert_nflows(MW_FLOWS_ALL, 2);
}

/* The allow-list judges downloads by their source: refused ones are shot. */
static void test_tc_allow(void **state)
{
	const struct pk ok = TC(D_TELE, "198.51.100.53", UDP, 53, 10);
	const struct pk bad = TC(D_TELE, "203.0.113.9", UDP, 53, 10);
	const struct pk badport = TC(D_TELE, "198.51.100.53", UDP, 54, 10);
	size_t a, b, c;

	(void)state;
	a = send_pk(&ok, V_PASS, "tele-4", R_PASS);
	b = send_pk(&bad, V_DROP, "tele-4", R_NA);
	c = send_pk(&badport, V_DROP, "tele-4", R_NA);
	flow_is(fkey("tele-4", "198.51.100.53", UDP, 53), IN(1, a));
	flow_is(fkey("tele-4", "203.0.113.9", UDP, 53),
		((struct fexp){ .p_in = 1, .b_in = b, .d_in = 1 }));
	flow_is(fkey("tele-4", "198.51.100.53", UDP, 54),
		((struct fexp){ .p_in = 1, .b_in = c, .d_in = 1 }));
}

static struct mw_bucket bucket_of(__u32 id)
{
	struct mw_bucket bk;

	assert_int_equal(bpf_map_lookup_elem(w.m.buckets, &id, &bk), 0);
	return bk;
}

/*
 * Download rate: 1 pps, burst 2. Two downloads pass, the third is shot as
 * rate_limited; they use the download bucket (pkt_tat[1]) alone, so an
 * upload right after still passes.
 */
static void test_tc_rate(void **state)
{
	const struct pk down = TC(D_SLOWT, "198.51.100.80", UDP, 9000, 64);
	const struct pk up = LAN(D_SLOWT, "198.51.100.80", UDP, 9000, 64);
	__u32 id = id_of("slow-t");
	struct mw_bucket bk;
	size_t d = 0, u;
	int i;

	(void)state;
	bk = bucket_of(id);
	assert_int_equal(bk.pkt_tat[0], 0);
	assert_int_equal(bk.pkt_tat[1], 0);
	for (i = 0; i < 2; i++)
		d += send_pk(&down, V_PASS, "slow-t", R_PASS);
	d += send_pk(&down, V_DROP, "slow-t", R_RL);
	bk = bucket_of(id);
	assert_int_equal(bk.pkt_tat[0], 0);
	assert_int_not_equal(bk.pkt_tat[1], 0);
	u = send_pk(&up, V_PASS, "slow-t", R_PASS);
	bk = bucket_of(id);
	assert_int_not_equal(bk.pkt_tat[0], 0);
	flow_is(fkey("slow-t", "198.51.100.80", UDP, 9000),
		((struct fexp){ .p_out = 1, .b_out = u, .p_in = 3, .b_in = d, .d_in = 1 }));
}

/*
 * A download to nobody passes on tc, whatever the default (drop here: the
 * default was applied where the frame came in), under subject 0, pass.
 */
static void test_tc_unattributed(void **state)
{
	const struct pk down = TC(D_NONE, "198.51.100.10", TCP, 443, 20);
	const struct pk down6 = TC("2001:db8:d::99", "2001:db8:100::1", TCP, 443, 20);
	const struct pk arp = { .where = W_TC, .ethertype = ETH_P_ARP };
	const struct pk up = LAN(D_NONE, "198.51.100.10", TCP, 443, 20);

	(void)state;
	send_pk(&down, V_PASS, NULL, R_PASS);
	send_pk(&down6, V_PASS, NULL, R_PASS);
	send_pk(&arp, V_PASS, NULL, R_PASS);
	send_pk(&up, V_DROP, NULL, R_DROP);
	assert_nflows(MW_FLOWS_ALL, 0);
}

/* A GSO aggregate on tc counts as the segments it becomes, each with its headers. */
static void test_tc_gso(void **state)
{
	struct fx_frame *f = calloc(1, sizeof(*f));
	struct __sk_buff ctx;
	struct pk tcp = TC(D_M4, "198.51.100.10", TCP, 443, 1400);
	struct pk udp6 = TC(D_M6, "2001:db8:53::53", UDP, 4433, 1200);
	size_t hdr, t, u;

	(void)state;
	assert_non_null(f);
	tcp.doff = 8;		/* 12 bytes of options: every segment carries them */
	build(f, &tcp);
	memset(&ctx, 0, sizeof(ctx));
	ctx.gso_segs = 4;
	ctx.gso_size = 350;
	hdr = ETH_HLEN + 20 + 32;
	t = f->len + 3 * hdr;
	run_in(&w, tc_fd, W_TC, f, &ctx, V_PASS, "meter-4", R_OBS, 4, t);

	build(f, &udp6);
	ctx.gso_segs = 3;
	ctx.gso_size = 400;
	hdr = ETH_HLEN + 40 + 8;
	u = f->len + 2 * hdr;
	run_in(&w, tc_fd, W_TC, f, &ctx, V_PASS, "meter-6", R_OBS, 3, u);

	/* gso_segs 1 (or 0): one packet, its own length */
	ctx.gso_segs = 1;
	run_in(&w, tc_fd, W_TC, f, &ctx, V_PASS, "meter-6", R_OBS, 1, f->len);
	u += f->len;

	flow_is(fkey("meter-4", "198.51.100.10", TCP, 443), IN(4, t));
	flow_is(fkey("meter-6", "2001:db8:53::53", UDP, 4433), IN(4, u));
	free(f);
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

static int load_inst(struct inst *in, struct modwall_bpf *share)
{
	const struct fx_prog cfg = { in->slot, in->role, MW_ACT_PASS, MW_ACT_DROP };
	char err[256];

	in->skel = fx_load(&cfg, share, err, sizeof(err));
	if (!in->skel) {
		fprintf(stderr, "%s: %s\n", in->name, err);
		return -1;
	}
	in->prog_fd = fx_prog_fd(in->skel);
	return in->prog_fd < 0 ? -1 : 0;
}

static int world_open(struct world *x, struct modwall_bpf *skel)
{
	char err[256] = "";
	int rc = mw_maps_from_skel(&x->m, skel, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "mw_maps_from_skel: %s\n", err);
		return -1;
	}
	rc = mw_maps_init(&x->m, x->m.max_subjects);
	if (rc) {
		fprintf(stderr, "mw_maps_init: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

static int group_setup(void **state)
{
	const struct fx_prog small_cfg = { LAN_SLOT, MW_ROLE_LAN, MW_ACT_PASS, MW_ACT_DROP };
	char err[256];

	(void)state;
	fx_libbpf_quiet();
	if (load_inst(&insts[I_LAN], NULL) || load_inst(&insts[I_WAN], insts[I_LAN].skel) ||
	    load_inst(&insts[I_N3], insts[I_LAN].skel))
		return -1;
	tc_fd = fx_tc_prog_fd(insts[I_LAN].skel);
	if (tc_fd < 0)
		return -1;
	small_skel = fx_load_flows(&small_cfg, NULL, 4, err, sizeof(err));
	if (!small_skel) {
		fprintf(stderr, "small: %s\n", err);
		return -1;
	}
	if (world_open(&w, insts[I_LAN].skel) || world_open(&small, small_skel))
		return -1;
	return 0;
}

/* The policy is applied inside a test, where a failure is reported as one. */
static void test_apply(void **state)
{
	(void)state;
	apply_to(&w, pol_text);
	apply_to(&small, pol_text);
}

static int group_teardown(void **state)
{
	int i;

	(void)state;
	mw_plan_free(&w.plan);
	mw_plan_free(&small.plan);
	mw_maps_close(&w.m);
	mw_maps_close(&small.m);
	for (i = 0; i < I_NR; i++) {
		modwall_bpf__destroy(insts[i].skel);
		insts[i].skel = NULL;
	}
	modwall_bpf__destroy(small_skel);
	small_skel = NULL;
	return 0;
}

#define T(fn)	cmocka_unit_test_setup(fn, setup_test)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply),
		T(test_keys_ipv4),
		T(test_keys_ipv6),
		T(test_keys_vlan),
		T(test_keys_fragments),
		T(test_keys_non_ip),
		T(test_keys_members),
		T(test_direction),
		T(test_dropped),
		T(test_malformed_no_flow),
		T(test_no_flows_policy),
		T(test_invariant),
		T(test_table_full),
		T(test_tc_mac),
		T(test_tc_ip),
		T(test_tc_allow),
		T(test_tc_rate),
		T(test_tc_unattributed),
		T(test_tc_gso),
	};

	return cmocka_run_group_tests_name("flows", tests, group_setup, group_teardown);
}
