// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Enforcement tests: destination allow-lists and rate limits.
 *
 * Policies go through the real path: mw_policy_load_string, mw_compile and
 * mw_apply into the maps of a loaded (not attached) skeleton. Two program
 * instances share one set of maps, as two interfaces of one gateway do: a
 * lan instance (slot LAN_SLOT, the device is the frame's source) and a wan
 * instance (slot WAN_SLOT, the device is its destination). Frames run
 * through BPF_PROG_TEST_RUN.
 *
 * Every frame checks its verdict and that exactly the expected counter
 * cells moved: the subject x reason cells in mw_counters (subject ids come
 * from the applied plan) and the slot x reason cells in mw_ifcounters, by
 * the expected packets and bytes; every other cell of the first SNAP_SUBJ
 * subjects and of every interface slot must stay put.
 *
 * Rate limits use rates low enough (1 pps, 1 kbit/s) that the time the
 * test itself takes refills nothing that matters, so the counts are exact;
 * where a refill is part of the test, the sleep is long and the margin wide.
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
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "modwall.skel.h"
#include "modwall.h"
#define FX_CMOCKA
#include "fixture.h"
#include "addr.h"
#include "apply.h"
#include "compile.h"
#include "ident.h"
#include "policy.h"
#include "state.h"

#define LAN_SLOT	5
#define WAN_SLOT	9
#define SNAP_SUBJ	32		/* subjects 0..31 are snapshotted */
#define SUBJ_CELLS	(SNAP_SUBJ * MW_NR_REASONS)
#define IF_CELLS	(MW_MAX_IFACES * MW_NR_REASONS)

#define MAC_GW		0x02ffffffff01ull	/* the gateway's side of every frame */
#define MAC_HOST	0x02aabbccddeeull	/* a device in no policy */
#define MAC_METER	0x024d57000001ull	/* meter-m, tagged by MAC */

#define PASS	XDP_PASS
#define DROP	XDP_DROP

/* ------------------------------------------------------------------ */
/* Program instances and the shared maps                               */
/* ------------------------------------------------------------------ */

enum { I_LAN, I_WAN, I_NR };

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
};

static struct {
	struct mw_maps m;
	struct mw_plan plan;
	char *text;		/* the policy now applied */
} w;

/* ------------------------------------------------------------------ */
/* Frames                                                              */
/* ------------------------------------------------------------------ */

enum { FR_NONE, FR_FIRST, FR_LATER };

/*
 * A frame between a device and a remote host, described from the device's
 * point of view; build() turns it around for the wan instance.
 */
struct pk {
	int inst;		/* I_LAN or I_WAN */
	const char *dev;	/* device address; NULL: a non-IP frame (ethertype) */
	const char *remote;	/* remote address, same family */
	uint8_t proto;		/* IPPROTO_*; other numbers get no L4 header */
	uint16_t rport;		/* remote port, or the ICMP/ICMPv6 type */
	uint16_t lport;		/* device port (40000 when 0) */
	uint8_t frag;		/* FR_* */
	uint16_t ethertype;	/* non-IP frames */
	uint64_t mac;		/* device MAC (MAC_HOST when 0) */
	size_t payload;		/* bytes after the L4 header */
};

static void build(struct fx_frame *f, const struct pk *p)
{
	uint64_t mac = p->mac ? p->mac : MAC_HOST;
	int wan = insts[p->inst].role == MW_ROLE_WAN;
	uint16_t lport = p->lport ? p->lport : 40000;
	uint16_t sport = wan ? p->rport : lport, dport = wan ? lport : p->rport;
	uint8_t dev[16], rem[16];
	int v6;

	memset(f, 0, sizeof(*f));
	if (!p->dev) {
		if (wan)
			fx_eth(f, mac, MAC_GW, p->ethertype);
		else
			fx_eth(f, MAC_GW, mac, p->ethertype);
		if (p->ethertype == ETH_P_ARP)	/* 100.64.0.2 asks for 100.64.0.1 */
			fx_arp(f, ARPOP_REQUEST, wan ? MAC_GW : mac, fx_addr4("100.64.0.2"), 0,
			       fx_addr4("100.64.0.1"));
		else
			fx_pad(f, 46, 0x4d);
		return;
	}
	v6 = strchr(p->dev, ':') != NULL;
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, p->dev, dev), 1);
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, p->remote, rem), 1);
	if (wan)
		fx_eth(f, mac, MAC_GW, v6 ? ETH_P_IPV6 : ETH_P_IP);
	else
		fx_eth(f, MAC_GW, mac, v6 ? ETH_P_IPV6 : ETH_P_IP);

	if (!v6) {
		uint32_t d4, r4;
		struct iphdr *ip;

		memcpy(&d4, dev, 4);
		memcpy(&r4, rem, 4);
		ip = fx_ipv4(f, wan ? r4 : d4, wan ? d4 : r4, p->proto, 5);
		if (p->frag == FR_FIRST)
			ip->frag_off = htons(0x2000);		/* MF, offset 0 */
		else if (p->frag == FR_LATER)
			ip->frag_off = htons(100);		/* offset 800, last */
	} else {
		fx_ipv6(f, wan ? rem : dev, wan ? dev : rem, p->frag ? IPPROTO_FRAGMENT : p->proto);
		if (p->frag)	/* offset 0 and more to come, or offset 800 and the last */
			fx_frag6(f, p->proto, p->frag == FR_FIRST ? 0 : 100, p->frag == FR_FIRST);
	}

	if (p->frag == FR_LATER) {
		fx_pad(f, p->payload ? p->payload : 16, 0xee);
	} else {
		switch (p->proto) {
		case IPPROTO_TCP:
			fx_tcp(f, sport, dport);
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

/* Grow a frame to exactly @len bytes with UDP payload (IPv4 or IPv6 UDP frames). */
static void build_sized(struct fx_frame *f, struct pk p, size_t len)
{
	build(f, &p);
	assert_true(len >= f->len);
	p.payload = len - f->len;
	build(f, &p);
	assert_int_equal(f->len, len);
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

/* Parse, compile and apply @text; the plan is kept for subject ids. */
static void apply_text(const char *text)
{
	struct mw_policy pol;
	struct mw_plan plan;
	struct mw_apply_result res;
	char err[512] = "";
	int rc;

	if (w.text && !strcmp(w.text, text))
		goto again;
	rc = mw_policy_load_string(&pol, "enforce.mwp", text);
	print_diags(&pol.errors, "");
	assert_int_equal(rc, 0);
	rc = mw_compile(&plan, &pol, NULL, NULL);
	print_diags(&pol.errors, "");
	print_diags(&pol.warnings, "warning: ");
	assert_int_equal(rc, 0);
	mw_policy_free(&pol);
	rc = mw_apply(&w.m, &plan, &res, err, sizeof(err));
	if (rc)
		fail_msg("mw_apply: %s (%d)\n%s", err, rc, text);
	mw_apply_result_free(&res);
	mw_plan_free(&w.plan);
	w.plan = plan;
	free(w.text);
	w.text = strdup(text);
	return;
again:
	/* the same text again: a fresh compile, applied the same way */
	free(w.text);
	w.text = NULL;
	apply_text(text);
}

/* Apply @text unless it is what is live already. */
static void use_policy(const char *text)
{
	if (w.text && !strcmp(w.text, text))
		return;
	apply_text(text);
}

static __u32 id_of(const char *name)
{
	uint32_t i;

	if (!name)
		return MW_SUBJECT_NONE;
	for (i = 0; i < w.plan.nsubj; i++)
		if (!strcmp(w.plan.subj[i].name, name)) {
			assert_true(FX_SIDX(w.plan.subj[i].id, SNAP_SUBJ) < SNAP_SUBJ);
			return w.plan.subj[i].id;
		}
	fail_msg("no subject '%s' in the applied policy", name);
	return 0;
}

static const struct mw_plan_subj *plan_subj(const char *name)
{
	uint32_t i;

	for (i = 0; i < w.plan.nsubj; i++)
		if (!strcmp(w.plan.subj[i].name, name))
			return &w.plan.subj[i];
	fail_msg("no subject '%s' in the applied policy", name);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Counters and runs                                                   */
/* ------------------------------------------------------------------ */

struct snap {
	struct mw_counter subj[SUBJ_CELLS];
	struct mw_counter ifc[IF_CELLS];
};

static void read_cells(int fd, struct mw_counter *out, __u32 n)
{
	assert_int_equal(fx_read_counters(fd, 0, n, out), 0);
}

static void take_snap(struct snap *s)
{
	assert_int_equal(fx_read_subjects(&w.m, SNAP_SUBJ, s->subj), 0);
	read_cells(w.m.ifcounters, s->ifc, IF_CELLS);
}

/* An expected move: subject (by name, NULL for unattributed) x reason, packets. */
struct mv {
	const char *subj;
	__u32 reason;
	__u64 n;
};

static int diff(const char *what, const struct mw_counter *a, const struct mw_counter *b,
		const struct mw_counter *want, __u32 n)
{
	int bad = 0;
	__u32 i;

	for (i = 0; i < n; i++) {
		__u64 dp = b[i].packets - a[i].packets, db = b[i].bytes - a[i].bytes;

		if (dp == want[i].packets && db == want[i].bytes)
			continue;
		print_error("%s[%u] (%u, %s): +%llu packets +%llu bytes, expected +%llu +%llu\n",
			    what, i, i / MW_NR_REASONS, mw_reason_name((int)(i % MW_NR_REASONS)),
			    (unsigned long long)dp, (unsigned long long)db,
			    (unsigned long long)want[i].packets, (unsigned long long)want[i].bytes);
		bad++;
	}
	return bad;
}

/*
 * Run @f @count times through @in (one BPF_PROG_TEST_RUN call each, or one
 * call with repeat @count when @batch). Every run must return @verdict
 * (with @batch: the last one), and the counters must move by @mv exactly.
 */
static void run_many(int inst, const struct fx_frame *f, __u32 count, int batch, int verdict,
		     const struct mv *mv, int nmv)
{
	struct inst *in = &insts[inst];
	struct snap *before = calloc(1, sizeof(*before)), *after = calloc(1, sizeof(*after));
	struct mw_counter *ws = calloc(SUBJ_CELLS, sizeof(*ws)), *wi = calloc(IF_CELLS, sizeof(*wi));
	__u32 i, calls = batch ? 1 : count;
	int bad = 0, k;

	assert_non_null(before);
	assert_non_null(after);
	assert_non_null(ws);
	assert_non_null(wi);
	for (k = 0; k < nmv; k++) {
		__u32 cs = FX_SIDX(id_of(mv[k].subj), SNAP_SUBJ) * MW_NR_REASONS + mv[k].reason;
		__u32 ci = in->slot * MW_NR_REASONS + mv[k].reason;

		ws[cs].packets += mv[k].n;
		ws[cs].bytes += mv[k].n * f->len;
		wi[ci].packets += mv[k].n;
		wi[ci].bytes += mv[k].n * f->len;
	}

	take_snap(before);
	for (i = 0; i < calls; i++) {
		__u32 retval = ~0u;
		int err = fx_run(in->prog_fd, f->d, f->len, batch ? count : 1, &retval, NULL);

		if (err) {
			print_error("%s: BPF_PROG_TEST_RUN (%zu bytes): %s\n", in->name, f->len,
				    strerror(-err));
			bad++;
			break;
		}
		if ((int)retval != verdict) {
			print_error("%s: run %u of %u: verdict %s, expected %s\n", in->name, i + 1,
				    calls, fx_verdict_name(retval), fx_verdict_name((__u32)verdict));
			bad++;
			break;
		}
	}
	take_snap(after);
	bad += diff("mw_counters", before->subj, after->subj, ws, SUBJ_CELLS);
	bad += diff("mw_ifcounters", before->ifc, after->ifc, wi, IF_CELLS);
	free(before);
	free(after);
	free(ws);
	free(wi);
	if (bad)
		fail_msg("%d mismatch(es) on %s, %u frame(s) of %zu bytes", bad, in->name, count,
			 f->len);
}

/* One frame: verdict, and one subject cell and one interface cell moved by one. */
static void expect1(int inst, const struct fx_frame *f, int verdict, const char *subj,
		    __u32 reason)
{
	struct mv mv = { subj, reason, 1 };

	run_many(inst, f, 1, 0, verdict, &mv, 1);
}

static void expect_pk(const struct pk *p, int verdict, const char *subj, __u32 reason)
{
	struct fx_frame *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	build(f, p);
	expect1(p->inst, f, verdict, subj, reason);
	free(f);
}

/* ------------------------------------------------------------------ */
/* The allow-list policy and its table of frames                       */
/* ------------------------------------------------------------------ */

static const char pol_allow[] =
	"policy tele {\n"
	"	allow udp to 198.51.100.53 port 53		# one host, one port\n"
	"	allow tcp to 198.51.100.0/24 port 8000-8099	# a /24 around it, a range\n"
	"	allow tcp to 198.51.100.200 port 65535\n"
	"	allow udp to 198.51.100.201 port 0-1\n"
	"	allow icmp to 198.51.100.1 type 8\n"
	"	allow icmp to 198.51.100.2 type 3-5\n"
	"	allow 47 to 198.51.100.7			# GRE, by number\n"
	"	allow udp to 10.0.0.0/8 port 53			# outer prefix ...\n"
	"	allow tcp to 10.20.0.5 port 8883		# ... and a host inside it\n"
	"	allow any to 203.0.113.0/28\n"
	"	allow udp to 192.0.2.0/24			# udp, any port\n"
	"	allow udp to 2001:db8:53::53 port 53\n"
	"	allow tcp to 2001:db8:100::/48 port 443\n"
	"	allow icmpv6 to 2001:db8:1::1 type 128-129\n"
	"	allow any to 2001:db8:ff::/64\n"
	"	allow udp to 2001:db8:77::/64\n"
	"}\n"
	"device meter-4  ip 100.64.0.2 policy tele\n"
	"device meter-4b ip 100.64.0.3 policy tele\n"
	"device meter-6  ip 2001:db8:d::2 policy tele\n"
	"device meter-m  mac 02:4d:57:00:00:01 policy tele\n"
	"device watched  ip 100.64.0.4 policy observe\n"
	"device jailed   ip 100.64.0.9 policy drop\n"
	"default pass\n";

#define D4	"100.64.0.2"
#define D4B	"100.64.0.3"
#define D6	"2001:db8:d::2"
#define DOBS	"100.64.0.4"
#define DJAIL	"100.64.0.9"
#define DHOST	"100.64.0.77"		/* bound to nothing */

#define TCP	IPPROTO_TCP
#define UDP	IPPROTO_UDP
#define ICMP	IPPROTO_ICMP
#define ICMP6	IPPROTO_ICMPV6

#define R_PASS	MW_R_PASS
#define R_DROP	MW_R_DROP
#define R_OBS	MW_R_OBSERVE
#define R_NA	MW_R_NOT_ALLOWED
#define R_RL	MW_R_RATE_LIMITED

struct acase {
	const char *desc;
	struct pk p;
	int verdict;
	const char *subj;
	__u32 reason;
};

/* lan: the remote end is the destination address and port */
#define LAN(d, r, pr, port)	{ .inst = I_LAN, .dev = (d), .remote = (r), .proto = (pr), .rport = (port) }
#define WAN(d, r, pr, port)	{ .inst = I_WAN, .dev = (d), .remote = (r), .proto = (pr), .rport = (port) }

static const struct acase acases[] = {
	/* --- IPv4: exact host --- */
	{ "v4 host: udp 53 to the listed host", LAN(D4, "198.51.100.53", UDP, 53), PASS, "meter-4", R_PASS },
	{ "v4 host: udp 54 to the listed host", LAN(D4, "198.51.100.53", UDP, 54), DROP, "meter-4", R_NA },
	{ "v4 host: udp 52 to the listed host", LAN(D4, "198.51.100.53", UDP, 52), DROP, "meter-4", R_NA },
	{ "v4 host: tcp 53 to the listed host (udp rule only)", LAN(D4, "198.51.100.53", TCP, 53), DROP, "meter-4", R_NA },
	{ "v4 host: udp 53 to the next address", LAN(D4, "198.51.100.54", UDP, 53), DROP, "meter-4", R_NA },
	{ "v4 host: the device's own port is not the remote port", { .inst = I_LAN, .dev = D4, .remote = "198.51.100.53", .proto = UDP, .rport = 5353, .lport = 53 }, DROP, "meter-4", R_NA },
	/* --- IPv4: prefix with a port range, and the host inside it --- */
	{ "v4 range: tcp 8000 (lo) in the /24", LAN(D4, "198.51.100.9", TCP, 8000), PASS, "meter-4", R_PASS },
	{ "v4 range: tcp 8099 (hi) in the /24", LAN(D4, "198.51.100.9", TCP, 8099), PASS, "meter-4", R_PASS },
	{ "v4 range: tcp 7999 (lo - 1)", LAN(D4, "198.51.100.9", TCP, 7999), DROP, "meter-4", R_NA },
	{ "v4 range: tcp 8100 (hi + 1)", LAN(D4, "198.51.100.9", TCP, 8100), DROP, "meter-4", R_NA },
	{ "v4 range: udp 8000 (tcp rule only)", LAN(D4, "198.51.100.9", UDP, 8000), DROP, "meter-4", R_NA },
	{ "v4 range: the /24's rule also covers the host inside it", LAN(D4, "198.51.100.53", TCP, 8050), PASS, "meter-4", R_PASS },
	{ "v4 range: outside the /24", LAN(D4, "198.51.101.9", TCP, 8000), DROP, "meter-4", R_NA },
	{ "v4 range: port 65535 (top edge)", LAN(D4, "198.51.100.200", TCP, 65535), PASS, "meter-4", R_PASS },
	{ "v4 range: port 65534 under a 65535-only rule", LAN(D4, "198.51.100.200", TCP, 65534), DROP, "meter-4", R_NA },
	{ "v4 range: port 0 (bottom edge)", LAN(D4, "198.51.100.201", UDP, 0), PASS, "meter-4", R_PASS },
	{ "v4 range: port 1", LAN(D4, "198.51.100.201", UDP, 1), PASS, "meter-4", R_PASS },
	{ "v4 range: port 2 past 0-1", LAN(D4, "198.51.100.201", UDP, 2), DROP, "meter-4", R_NA },
	/* --- IPv4: nested prefixes --- */
	{ "nested: udp 53 to the inner host (outer /8 rule)", LAN(D4, "10.20.0.5", UDP, 53), PASS, "meter-4", R_PASS },
	{ "nested: tcp 8883 to the inner host (its own rule)", LAN(D4, "10.20.0.5", TCP, 8883), PASS, "meter-4", R_PASS },
	{ "nested: udp 8883 to the inner host", LAN(D4, "10.20.0.5", UDP, 8883), DROP, "meter-4", R_NA },
	{ "nested: tcp 53 to the inner host", LAN(D4, "10.20.0.5", TCP, 53), DROP, "meter-4", R_NA },
	{ "nested: tcp 8883 to a neighbour of the inner host", LAN(D4, "10.20.0.6", TCP, 8883), DROP, "meter-4", R_NA },
	{ "nested: udp 53 elsewhere in the /8", LAN(D4, "10.99.1.1", UDP, 53), PASS, "meter-4", R_PASS },
	{ "nested: udp 53 outside the /8", LAN(D4, "11.0.0.1", UDP, 53), DROP, "meter-4", R_NA },
	/* --- proto any, protocol numbers --- */
	{ "any: tcp to the /28", LAN(D4, "203.0.113.1", TCP, 22), PASS, "meter-4", R_PASS },
	{ "any: udp to the /28", LAN(D4, "203.0.113.15", UDP, 9), PASS, "meter-4", R_PASS },
	{ "any: icmp to the /28", LAN(D4, "203.0.113.2", ICMP, 13), PASS, "meter-4", R_PASS },
	{ "any: GRE to the /28", LAN(D4, "203.0.113.3", 47, 0), PASS, "meter-4", R_PASS },
	{ "any: just past the /28", LAN(D4, "203.0.113.16", TCP, 22), DROP, "meter-4", R_NA },
	{ "proto 47: GRE to its host", LAN(D4, "198.51.100.7", 47, 0), PASS, "meter-4", R_PASS },
	{ "proto 47: ESP to that host", LAN(D4, "198.51.100.7", 50, 0), DROP, "meter-4", R_NA },
	{ "udp any port: high port", LAN(D4, "192.0.2.200", UDP, 61000), PASS, "meter-4", R_PASS },
	{ "udp any port: tcp is not udp", LAN(D4, "192.0.2.200", TCP, 61000), DROP, "meter-4", R_NA },
	/* --- ICMP types --- */
	{ "icmp: type 8 to its host", LAN(D4, "198.51.100.1", ICMP, 8), PASS, "meter-4", R_PASS },
	{ "icmp: type 0 to a type-8 host", LAN(D4, "198.51.100.1", ICMP, 0), DROP, "meter-4", R_NA },
	{ "icmp: type 9 to a type-8 host", LAN(D4, "198.51.100.1", ICMP, 9), DROP, "meter-4", R_NA },
	{ "icmp: type 3 (lo of 3-5)", LAN(D4, "198.51.100.2", ICMP, 3), PASS, "meter-4", R_PASS },
	{ "icmp: type 5 (hi of 3-5)", LAN(D4, "198.51.100.2", ICMP, 5), PASS, "meter-4", R_PASS },
	{ "icmp: type 2 (lo - 1)", LAN(D4, "198.51.100.2", ICMP, 2), DROP, "meter-4", R_NA },
	{ "icmp: type 6 (hi + 1)", LAN(D4, "198.51.100.2", ICMP, 6), DROP, "meter-4", R_NA },
	{ "icmp: udp 8 to the icmp host", LAN(D4, "198.51.100.1", UDP, 8), DROP, "meter-4", R_NA },
	/* --- IPv4 fragments --- */
	{ "frag4: first fragment, udp 53 (ports parsed)", { .inst = I_LAN, .dev = D4, .remote = "198.51.100.53", .proto = UDP, .rport = 53, .frag = FR_FIRST, .payload = 32 }, PASS, "meter-4", R_PASS },
	{ "frag4: first fragment, udp 54", { .inst = I_LAN, .dev = D4, .remote = "198.51.100.53", .proto = UDP, .rport = 54, .frag = FR_FIRST, .payload = 32 }, DROP, "meter-4", R_NA },
	{ "frag4: later fragment, only port rules for the host", { .inst = I_LAN, .dev = D4, .remote = "198.51.100.53", .proto = UDP, .frag = FR_LATER }, DROP, "meter-4", R_NA },
	{ "frag4: later fragment, port-less udp rule", { .inst = I_LAN, .dev = D4, .remote = "192.0.2.9", .proto = UDP, .frag = FR_LATER }, PASS, "meter-4", R_PASS },
	{ "frag4: later tcp fragment, port-less udp rule", { .inst = I_LAN, .dev = D4, .remote = "192.0.2.9", .proto = TCP, .frag = FR_LATER }, DROP, "meter-4", R_NA },
	{ "frag4: later fragment, port-less any rule", { .inst = I_LAN, .dev = D4, .remote = "203.0.113.4", .proto = TCP, .frag = FR_LATER }, PASS, "meter-4", R_PASS },
	{ "frag4: later icmp fragment, type rule", { .inst = I_LAN, .dev = D4, .remote = "198.51.100.1", .proto = ICMP, .frag = FR_LATER }, DROP, "meter-4", R_NA },
	/* --- IPv6 --- */
	{ "v6 host: udp 53", LAN(D6, "2001:db8:53::53", UDP, 53), PASS, "meter-6", R_PASS },
	{ "v6 host: udp 54", LAN(D6, "2001:db8:53::53", UDP, 54), DROP, "meter-6", R_NA },
	{ "v6 host: udp 53 to the next address", LAN(D6, "2001:db8:53::54", UDP, 53), DROP, "meter-6", R_NA },
	{ "v6 prefix: tcp 443 in the /48", LAN(D6, "2001:db8:100:ffff::1", TCP, 443), PASS, "meter-6", R_PASS },
	{ "v6 prefix: tcp 443 past the /48", LAN(D6, "2001:db8:101::1", TCP, 443), DROP, "meter-6", R_NA },
	{ "v6 prefix: tcp 442 in the /48", LAN(D6, "2001:db8:100::1", TCP, 442), DROP, "meter-6", R_NA },
	{ "v6 any: udp to the /64", LAN(D6, "2001:db8:ff::1234", UDP, 7), PASS, "meter-6", R_PASS },
	{ "v6 any: icmpv6 echo to the /64", LAN(D6, "2001:db8:ff::1", ICMP6, 128), PASS, "meter-6", R_PASS },
	{ "icmpv6: type 128 (lo of 128-129)", LAN(D6, "2001:db8:1::1", ICMP6, 128), PASS, "meter-6", R_PASS },
	{ "icmpv6: type 129 (hi of 128-129)", LAN(D6, "2001:db8:1::1", ICMP6, 129), PASS, "meter-6", R_PASS },
	{ "icmpv6: type 127 (lo - 1)", LAN(D6, "2001:db8:1::1", ICMP6, 127), DROP, "meter-6", R_NA },
	{ "icmpv6: type 130 (hi + 1)", LAN(D6, "2001:db8:1::1", ICMP6, 130), DROP, "meter-6", R_NA },
	{ "icmpv6: echo to an unlisted host", LAN(D6, "2001:db8:2::1", ICMP6, 128), DROP, "meter-6", R_NA },
	{ "v6: udp 53 to an unlisted host", LAN(D6, "2001:db8:33::1", UDP, 53), DROP, "meter-6", R_NA },
	/* --- neighbour discovery: always allowed --- */
	{ "nd: router solicitation (133)", LAN(D6, "ff02::2", ICMP6, 133), PASS, "meter-6", R_PASS },
	{ "nd: neighbour solicitation (135)", LAN(D6, "ff02::1:ff00:1", ICMP6, 135), PASS, "meter-6", R_PASS },
	{ "nd: neighbour advertisement (136)", LAN(D6, "fe80::1", ICMP6, 136), PASS, "meter-6", R_PASS },
	{ "nd: redirect (137)", LAN(D6, "fe80::1", ICMP6, 137), PASS, "meter-6", R_PASS },
	{ "nd: type 132 (MLD done) is not nd", LAN(D6, "ff02::16", ICMP6, 132), DROP, "meter-6", R_NA },
	{ "nd: type 138 is not nd", LAN(D6, "ff02::2", ICMP6, 138), DROP, "meter-6", R_NA },
	{ "nd: an IPv4 packet of protocol 58 is not neighbour discovery", LAN(D4, "198.51.100.99", ICMP6, 135), DROP, "meter-4", R_NA },
	/* --- IPv6 fragments --- */
	{ "frag6: first fragment, udp 53 (ports parsed)", { .inst = I_LAN, .dev = D6, .remote = "2001:db8:53::53", .proto = UDP, .rport = 53, .frag = FR_FIRST, .payload = 24 }, PASS, "meter-6", R_PASS },
	{ "frag6: first fragment, udp 54", { .inst = I_LAN, .dev = D6, .remote = "2001:db8:53::53", .proto = UDP, .rport = 54, .frag = FR_FIRST, .payload = 24 }, DROP, "meter-6", R_NA },
	{ "frag6: later fragment, only port rules for the host", { .inst = I_LAN, .dev = D6, .remote = "2001:db8:53::53", .proto = UDP, .frag = FR_LATER }, DROP, "meter-6", R_NA },
	{ "frag6: later fragment, port-less udp rule", { .inst = I_LAN, .dev = D6, .remote = "2001:db8:77::5", .proto = UDP, .frag = FR_LATER }, PASS, "meter-6", R_PASS },
	{ "frag6: later tcp fragment, port-less udp rule", { .inst = I_LAN, .dev = D6, .remote = "2001:db8:77::5", .proto = TCP, .frag = FR_LATER }, DROP, "meter-6", R_NA },
	{ "frag6: later fragment, port-less any rule", { .inst = I_LAN, .dev = D6, .remote = "2001:db8:ff::5", .proto = TCP, .frag = FR_LATER }, PASS, "meter-6", R_PASS },
	/* --- non-IP frames (device tagged by MAC) --- */
	{ "l2: ARP is always allowed", { .inst = I_LAN, .ethertype = ETH_P_ARP, .mac = MAC_METER }, PASS, "meter-m", R_PASS },
	{ "l2: LLDP is not allowed", { .inst = I_LAN, .ethertype = ETH_P_LLDP, .mac = MAC_METER }, DROP, "meter-m", R_NA },
	{ "l2: PPPoE discovery is not allowed", { .inst = I_LAN, .ethertype = ETH_P_PPP_DISC, .mac = MAC_METER }, DROP, "meter-m", R_NA },
	{ "l2: local experimental ethertype is not allowed", { .inst = I_LAN, .ethertype = ETH_P_802_EX1, .mac = MAC_METER }, DROP, "meter-m", R_NA },
	{ "l2: MAC-tagged device, IP to an allowed host", { .inst = I_LAN, .dev = DHOST, .remote = "198.51.100.53", .proto = UDP, .rport = 53, .mac = MAC_METER }, PASS, "meter-m", R_PASS },
	{ "l2: MAC-tagged device, IP to another host", { .inst = I_LAN, .dev = DHOST, .remote = "198.51.100.54", .proto = UDP, .rport = 53, .mac = MAC_METER }, DROP, "meter-m", R_NA },
	{ "l2: wan, ARP to the tagged MAC", { .inst = I_WAN, .ethertype = ETH_P_ARP, .mac = MAC_METER }, PASS, "meter-m", R_PASS },
	{ "l2: wan, LLDP to the tagged MAC", { .inst = I_WAN, .ethertype = ETH_P_LLDP, .mac = MAC_METER }, DROP, "meter-m", R_NA },
	{ "l2: untagged LLDP follows the default", { .inst = I_LAN, .ethertype = ETH_P_LLDP }, PASS, NULL, R_PASS },
	/* --- wan: the remote end is the source address and port --- */
	{ "wan: udp from the listed host's port 53", WAN(D4, "198.51.100.53", UDP, 53), PASS, "meter-4", R_PASS },
	{ "wan: udp from port 54, to the device's port 53", { .inst = I_WAN, .dev = D4, .remote = "198.51.100.53", .proto = UDP, .rport = 54, .lport = 53 }, DROP, "meter-4", R_NA },
	{ "wan: udp 53 from the next address", WAN(D4, "198.51.100.54", UDP, 53), DROP, "meter-4", R_NA },
	{ "wan: tcp from the /24's port 8099", WAN(D4, "198.51.100.77", TCP, 8099), PASS, "meter-4", R_PASS },
	{ "wan: tcp from the /24's port 8100", WAN(D4, "198.51.100.77", TCP, 8100), DROP, "meter-4", R_NA },
	{ "wan: nested, udp 53 from the inner host", WAN(D4, "10.20.0.5", UDP, 53), PASS, "meter-4", R_PASS },
	{ "wan: icmp type 8 from its host", WAN(D4, "198.51.100.1", ICMP, 8), PASS, "meter-4", R_PASS },
	{ "wan: icmp echo reply (0) from a type-8 host", WAN(D4, "198.51.100.1", ICMP, 0), DROP, "meter-4", R_NA },
	{ "wan: later fragment from the port-less udp /24", { .inst = I_WAN, .dev = D4, .remote = "192.0.2.9", .proto = UDP, .frag = FR_LATER }, PASS, "meter-4", R_PASS },
	{ "wan: later fragment from a port-only host", { .inst = I_WAN, .dev = D4, .remote = "198.51.100.53", .proto = UDP, .frag = FR_LATER }, DROP, "meter-4", R_NA },
	{ "wan: v6 udp from the listed host's port 53", WAN(D6, "2001:db8:53::53", UDP, 53), PASS, "meter-6", R_PASS },
	{ "wan: v6 udp from the listed host's port 54", WAN(D6, "2001:db8:53::53", UDP, 54), DROP, "meter-6", R_NA },
	{ "wan: v6 neighbour advertisement", WAN(D6, "fe80::1", ICMP6, 136), PASS, "meter-6", R_PASS },
	{ "wan: v6 later fragment from the port-less udp /64", { .inst = I_WAN, .dev = D6, .remote = "2001:db8:77::5", .proto = UDP, .frag = FR_LATER }, PASS, "meter-6", R_PASS },
	/* the device's address is the destination on wan: a device sending there is not it */
	{ "wan: the device as source is not the device", { .inst = I_LAN, .dev = "198.51.100.53", .remote = D4, .proto = UDP, .rport = 40000, .lport = 53 }, PASS, NULL, R_PASS },
	/* --- sharing, observe, drop, untagged --- */
	{ "shared: second device of the policy, allowed", LAN(D4B, "198.51.100.53", UDP, 53), PASS, "meter-4b", R_PASS },
	{ "shared: second device of the policy, not allowed", LAN(D4B, "198.51.100.54", UDP, 53), DROP, "meter-4b", R_NA },
	{ "shared: second device, wan, allowed", WAN(D4B, "10.1.1.1", UDP, 53), PASS, "meter-4b", R_PASS },
	{ "observe: a plain observe device is not filtered", LAN(DOBS, "198.51.100.54", UDP, 53), PASS, "watched", R_OBS },
	{ "drop: to a host other policies allow", LAN(DJAIL, "198.51.100.53", UDP, 53), DROP, "jailed", R_DROP },
	{ "drop: to a host nobody allows", LAN(DJAIL, "198.51.100.54", UDP, 53), DROP, "jailed", R_DROP },
	{ "drop: wan, from a host nobody allows", WAN(DJAIL, "198.51.100.54", UDP, 53), DROP, "jailed", R_DROP },
	{ "untagged: no allow-list applies", LAN(DHOST, "198.51.100.54", UDP, 53), PASS, NULL, R_PASS },
};

static void run_acase(void **state)
{
	const struct acase *c = *state;

	use_policy(pol_allow);
	expect_pk(&c->p, c->verdict, c->subj, c->reason);
}

/*
 * Give the live IPv4 table entry of @dev the allow and rate flags of tele's
 * policy (the policy of meter-4), keeping its action. The compiler never
 * writes such an entry for a drop or observe subject (the parser refuses
 * allow and rate rules in drop and observe policies); the data path has
 * rules for them anyway, tested here.
 */
static void craft_checks(const char *dev, __u8 action)
{
	struct mw_slot *sl;
	__u32 a;

	assert_int_equal(inet_pton(AF_INET, dev, &a), 1);
	sl = mw_ip4tab_slot(&w.m, w.m.ctlm->gen & 1, a);
	assert_non_null(sl);
	assert_int_equal(sl->v.action, action);
	assert_int_equal(sl->v.flags & (MW_SF_ALLOW | MW_SF_RATE), 0);
	sl->v.flags |= MW_SF_ALLOW | MW_SF_RATE;
	sl->v.policy = plan_subj("meter-4")->policy;
}

/* A drop subject skips the allow-list and the rate limit: plain drop. */
static void test_drop_skips_checks(void **state)
{
	struct pk p = LAN(DJAIL, "198.51.100.54", UDP, 53);

	(void)state;
	apply_text(pol_allow);
	craft_checks(DJAIL, MW_ACT_DROP);
	expect_pk(&p, DROP, "jailed", R_DROP);
	p.remote = "198.51.100.53";
	expect_pk(&p, DROP, "jailed", R_DROP);
	p.inst = I_WAN;
	expect_pk(&p, DROP, "jailed", R_DROP);
	free(w.text);		/* force a clean apply for whoever comes next */
	w.text = NULL;
}

/*
 * An observe subject with an allow-list: allowed frames count as observe;
 * the data path drops the rest as not_allowed (which is why the parser
 * refuses allow rules in an observe policy: observe promises to drop
 * nothing).
 */
static void test_observe_with_allow(void **state)
{
	struct pk p = LAN(DOBS, "198.51.100.53", UDP, 53);
	struct mw_policy pol;
	int rc;

	(void)state;
	rc = mw_policy_load_string(&pol, "obs.mwp",
				   "policy watch { observe allow udp to 198.51.100.53 port 53 }\n"
				   "device w ip 100.64.0.4 policy watch\n");
	assert_int_not_equal(rc, 0);
	mw_policy_free(&pol);

	apply_text(pol_allow);
	craft_checks(DOBS, MW_ACT_OBSERVE);
	expect_pk(&p, PASS, "watched", R_OBS);
	p.inst = I_WAN;
	expect_pk(&p, PASS, "watched", R_OBS);
	p.remote = "198.51.100.54";
	expect_pk(&p, DROP, "watched", R_NA);
	free(w.text);
	w.text = NULL;
}

/* MW_MAX_RULES rules may apply to one prefix (containing prefixes count); one more is an error. */
static void test_rule_limit(void **state)
{
	char text[4096];
	struct mw_policy pol;
	struct mw_plan plan;
	size_t off;
	int i, rc;

	(void)state;
	for (int extra = 0; extra < 2; extra++) {
		off = (size_t)snprintf(text, sizeof(text), "policy many {\n");
		/* 8 on the /16, 8 (+ extra) on a host inside it */
		for (i = 0; i < 8; i++)
			off += (size_t)snprintf(text + off, sizeof(text) - off,
						"allow udp to 10.9.0.0/16 port %d\n", 1000 + i);
		for (i = 0; i < 8 + extra; i++)
			off += (size_t)snprintf(text + off, sizeof(text) - off,
						"allow tcp to 10.9.1.1 port %d\n", 2000 + i);
		snprintf(text + off, sizeof(text) - off,
			 "}\ndevice many-1 ip 100.64.2.1 policy many\n");
		rc = mw_policy_load_string(&pol, "limit.mwp", text);
		print_diags(&pol.errors, "");
		assert_int_equal(rc, 0);
		rc = mw_compile(&plan, &pol, NULL, NULL);
		if (!extra) {
			print_diags(&pol.errors, "");
			assert_int_equal(rc, 0);
		} else {
			assert_int_not_equal(rc, 0);
			assert_int_equal(pol.errors.n, 1);
			assert_non_null(strstr(pol.errors.msg[0], "more than 16 rules apply to 10.9.1.1"));
		}
		mw_plan_free(&plan);
		mw_policy_free(&pol);
	}
}

/* ------------------------------------------------------------------ */
/* Rate limits                                                         */
/* ------------------------------------------------------------------ */

/* One frame from @dev (lan: upload) or to it (wan: download), UDP to 198.51.100.53:53. */
static void rate_frame(struct fx_frame *f, int inst, const char *dev, size_t len)
{
	struct pk p = { .inst = inst, .dev = dev, .remote = "198.51.100.53", .proto = UDP,
			.rport = 53 };

	if (len)
		build_sized(f, p, len);
	else
		build(f, &p);
}

/* @n frames that pass, each checked on its own, then one that is limited. */
static void burst_then_limited(int inst, const char *dev, const char *subj, int n, size_t len)
{
	struct fx_frame *f = calloc(1, sizeof(*f));
	int i;

	assert_non_null(f);
	rate_frame(f, inst, dev, len);
	for (i = 0; i < n; i++)
		expect1(inst, f, PASS, subj, R_PASS);
	expect1(inst, f, DROP, subj, R_RL);
	free(f);
}

static const char pol_rate[] =
	"policy slow { rate 1 pps burst 5 }\n"
	"device r1 ip 100.64.1.1 policy slow\n"
	"device r2 ip 100.64.1.2 policy slow\n"
	"device r3 ip 100.64.1.3 policy slow\n";

/* burst B at 1 pps: B frames back to back, then rate_limited; per device and direction. */
static void test_rate_pps_burst(void **state)
{
	(void)state;
	apply_text(pol_rate);
	burst_then_limited(I_LAN, "100.64.1.1", "r1", 5, 0);
	/* still limited: one frame costs a second */
	burst_then_limited(I_LAN, "100.64.1.1", "r1", 0, 0);
	/* devices sharing the policy have buckets of their own */
	burst_then_limited(I_LAN, "100.64.1.2", "r2", 5, 0);
	/* downloads (wan) have a bucket of their own */
	burst_then_limited(I_WAN, "100.64.1.1", "r1", 5, 0);
}

/* The same in one BPF_PROG_TEST_RUN call with repeat: 5 pass, 3 limited. */
static void test_rate_pps_repeat(void **state)
{
	struct fx_frame *f = calloc(1, sizeof(*f));
	struct mv mv[] = { { "r3", R_PASS, 5 }, { "r3", R_RL, 3 } };

	(void)state;
	assert_non_null(f);
	apply_text(pol_rate);
	rate_frame(f, I_LAN, "100.64.1.3", 0);
	run_many(I_LAN, f, 8, 1, DROP, mv, 2);
	free(f);
}

/*
 * Bit rate, burst in bytes. As modwall.policy(5) puts it, frames pass back
 * to back while the bytes already passed stay within the burst, so the
 * burst is exceeded by at most the frame that crosses it: with 1000 bytes,
 * 300-byte frames pass at 0, 300, 600 and 900 bytes already passed (four,
 * 1200 bytes); the fifth finds 1200 > 1000. At 1 kbit/s the bucket
 * refills 125 bytes a second.
 */
static void test_rate_bits_burst(void **state)
{
	(void)state;
	apply_text("policy thin { rate 1 kbit burst 1000 byte }\n"
		   "device b1 ip 100.64.1.11 policy thin\n"
		   "device b2 ip 100.64.1.12 policy thin\n");
	burst_then_limited(I_LAN, "100.64.1.11", "b1", 4, 300);
	burst_then_limited(I_WAN, "100.64.1.11", "b1", 4, 300);
	/* a frame larger than the whole burst passes when the bucket is full */
	burst_then_limited(I_LAN, "100.64.1.12", "b2", 1, 1400);
}

/*
 * Frames of different sizes draw on one byte bucket of 1000 bytes: 600
 * (0 before it), 300 (600 before), 200 (900 before) pass; then 1100 bytes
 * have passed and even a 60-byte frame is over.
 */
static void test_rate_bits_sizes(void **state)
{
	struct fx_frame *f = calloc(1, sizeof(*f));

	(void)state;
	assert_non_null(f);
	apply_text("policy thin { rate 1 kbit burst 1000 byte }\n"
		   "device b3 ip 100.64.1.13 policy thin\n");
	rate_frame(f, I_LAN, "100.64.1.13", 600);
	expect1(I_LAN, f, PASS, "b3", R_PASS);
	rate_frame(f, I_LAN, "100.64.1.13", 300);
	expect1(I_LAN, f, PASS, "b3", R_PASS);
	rate_frame(f, I_LAN, "100.64.1.13", 200);
	expect1(I_LAN, f, PASS, "b3", R_PASS);
	rate_frame(f, I_LAN, "100.64.1.13", 60);
	expect1(I_LAN, f, DROP, "b3", R_RL);
	free(f);
}

/* An allow-list miss is not_allowed and takes no token. */
static void test_rate_after_allow(void **state)
{
	struct fx_frame *f = calloc(1, sizeof(*f));
	struct pk miss = LAN("100.64.1.21", "198.51.100.54", UDP, 53);
	struct mv mv = { "a1", R_NA, 7 };

	(void)state;
	assert_non_null(f);
	apply_text("policy lim {\n"
		   "	allow udp to 198.51.100.53 port 53\n"
		   "	rate 1 pps burst 3\n"
		   "}\n"
		   "device a1 ip 100.64.1.21 policy lim\n");
	build(f, &miss);
	run_many(I_LAN, f, 7, 0, DROP, &mv, 1);
	burst_then_limited(I_LAN, "100.64.1.21", "a1", 3, 0);
	/* limited, yet a miss is still a miss */
	build(f, &miss);
	expect1(I_LAN, f, DROP, "a1", R_NA);
	free(f);
}

/*
 * A bucket survives an apply that keeps its device's limit (same policy,
 * or other changes), and starts over with a full burst when the limit
 * changes.
 */
static void test_rate_reapply(void **state)
{
	static const char p3[] =
		"policy slow { rate 1 pps burst 3 }\n"
		"device k1 ip 100.64.1.31 policy slow\n";
	static const char p3_more[] =
		"policy slow { rate 1 pps burst 3 }\n"
		"policy other { allow udp to 192.0.2.1 port 1 }\n"
		"device k1 ip 100.64.1.31 policy slow\n"
		"device k2 ip 100.64.1.32 policy other\n";
	static const char p4[] =
		"policy slow { rate 1 pps burst 4 }\n"
		"device k1 ip 100.64.1.31 policy slow\n";
	static const char p4_rate[] =
		"policy slow { rate 2 pps burst 4 }\n"
		"device k1 ip 100.64.1.31 policy slow\n";
	static const char p4_renamed[] =
		"policy slower { rate 2 pps burst 4 }\n"
		"device k1 ip 100.64.1.31 policy slower\n";

	(void)state;
	apply_text(p3);
	burst_then_limited(I_LAN, "100.64.1.31", "k1", 3, 0);
	apply_text(p3);		/* the same policy again */
	burst_then_limited(I_LAN, "100.64.1.31", "k1", 0, 0);
	apply_text(p3_more);	/* other changes, same limit */
	burst_then_limited(I_LAN, "100.64.1.31", "k1", 0, 0);
	apply_text(p4);		/* burst changed: full burst again */
	burst_then_limited(I_LAN, "100.64.1.31", "k1", 4, 0);
	apply_text(p4_rate);	/* rate changed */
	burst_then_limited(I_LAN, "100.64.1.31", "k1", 4, 0);
	apply_text(p4_renamed);	/* the same limit under another policy name: kept */
	burst_then_limited(I_LAN, "100.64.1.31", "k1", 0, 0);
}

/*
 * Packet and bit rate together: a frame the byte bucket refuses gives its
 * packet token back. 1 pps burst 4 and 100 kbit burst 2000 bytes, 1000-byte
 * frames: the byte bucket stops the burst after three frames (0, 1000 and
 * 2000 bytes before them), the fourth takes a packet token and is refused;
 * 300 ms later the byte bucket is full again (12.5 bytes a millisecond)
 * while the packet bucket has regained 0.3 of a token, so exactly one more
 * frame passes if the refused frame's packet token came back, none if not.
 */
static void test_rate_refund(void **state)
{
	struct fx_frame *f = calloc(1, sizeof(*f));
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	struct snap *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	__u32 id, n1 = 0, n2 = 0, i;

	(void)state;
	assert_non_null(f);
	assert_non_null(a);
	assert_non_null(b);
	apply_text("policy two { rate 1 pps burst 4 rate 100 kbit burst 2000 byte }\n"
		   "device t1 ip 100.64.1.41 policy two\n");
	id = id_of("t1");
	rate_frame(f, I_LAN, "100.64.1.41", 1000);
	for (i = 0; i < 6; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->d, .data_size_in = (__u32)f->len,
			    .repeat = 1);

		assert_int_equal(bpf_prog_test_run_opts(insts[I_LAN].prog_fd, &o), 0);
		if (o.retval != XDP_PASS)
			break;
		n1++;
	}
	assert_int_equal(n1, 3);
	nanosleep(&ts, NULL);
	take_snap(a);
	for (i = 0; i < 6; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->d, .data_size_in = (__u32)f->len,
			    .repeat = 1);

		assert_int_equal(bpf_prog_test_run_opts(insts[I_LAN].prog_fd, &o), 0);
		if (o.retval != XDP_PASS)
			break;
		n2++;
	}
	take_snap(b);
	if (n2 != 4 - n1)
		fail_msg("after the byte bucket refilled, %u frames passed; the packet bucket "
			 "had %u tokens left if the refused frame's token came back", n2, 4 - n1);
	assert_int_equal(b->subj[FX_SIDX(id, SNAP_SUBJ) * MW_NR_REASONS + R_PASS].packets -
			 a->subj[FX_SIDX(id, SNAP_SUBJ) * MW_NR_REASONS + R_PASS].packets, n2);
	assert_int_equal(b->subj[FX_SIDX(id, SNAP_SUBJ) * MW_NR_REASONS + R_RL].packets -
			 a->subj[FX_SIDX(id, SNAP_SUBJ) * MW_NR_REASONS + R_RL].packets, 1);
	free(a);
	free(b);
	free(f);
}

/*
 * Burst sizes at the top of what the grammar takes: the tolerance must not
 * wrap around 64 bits. 1 pps costs 16e9 time units a packet, so a burst of
 * 1152921506 packets needs a tolerance of ~1.8447e19, just past 2^64; a
 * 3 MiB burst at 1 kbit/s needs 3 * 2^20 * 8.39e12 before the shift, past
 * 2^64 too. Either the tolerance is right or mw_rate_params says no.
 */
static void test_rate_params_overflow(void **state)
{
	struct mw_pol p = { 0 };
	struct mw_policy_cfg small, big;
	int rc;

	(void)state;
	p.pps = 1;
	p.pkt_burst = 1000;
	assert_int_equal(mw_rate_params(&p, &small), 0);
	p.pkt_burst = 1152921506ull;
	rc = mw_rate_params(&p, &big);
	if (!rc && big.pkt_tau < small.pkt_tau)
		fail_msg("rate 1 pps: burst 1152921506 gives pkt_tau %llu, burst 1000 gives %llu "
			 "(wrapped)", (unsigned long long)big.pkt_tau,
			 (unsigned long long)small.pkt_tau);

	memset(&p, 0, sizeof(p));
	p.bps = 1000;
	p.byte_burst = 1048576;
	assert_int_equal(mw_rate_params(&p, &small), 0);
	p.byte_burst = 3 * 1048576;
	rc = mw_rate_params(&p, &big);
	if (!rc && big.byte_tau < small.byte_tau * 2)
		fail_msg("rate 1 kbit: burst 3 mbyte gives byte_tau %llu, 1 mbyte gives %llu "
			 "(wrapped)", (unsigned long long)big.byte_tau,
			 (unsigned long long)small.byte_tau);
}

/*
 * The same through the compiler and the data path: a burst too large for
 * its rate is refused, a large one that fits lets that many frames through.
 */
static void test_rate_huge_burst(void **state)
{
	struct fx_frame *f = calloc(1, sizeof(*f));
	struct mv mv = { "h1", R_PASS, 3 };
	struct mw_policy pol;
	struct mw_plan plan;
	int rc;

	(void)state;
	assert_non_null(f);
	rc = mw_policy_load_string(&pol, "huge.mwp", "policy huge { rate 1 pps burst 1152921506 }\n"
				   "device h1 ip 100.64.1.51 policy huge\n");
	if (!rc)
		rc = mw_compile(&plan, &pol, NULL, NULL);
	if (!rc) {
		mw_plan_free(&plan);
		fail_msg("a burst whose tolerance wraps 64 bits was accepted");
	}
	mw_plan_free(&plan);
	mw_policy_free(&pol);

	apply_text("policy huge { rate 1 pps burst 200000000 }\n"
		   "device h1 ip 100.64.1.51 policy huge\n");
	rate_frame(f, I_LAN, "100.64.1.51", 0);
	run_many(I_LAN, f, 3, 0, PASS, &mv, 1);
	free(f);
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

/* A second instance (@share) uses the first one's maps, as the loader's pins do. */
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

static int group_setup(void **state)
{
	char err[256] = "";
	int rc;

	(void)state;
	fx_libbpf_quiet();
	if (load_inst(&insts[I_LAN], NULL) || load_inst(&insts[I_WAN], insts[I_LAN].skel))
		return -1;
	rc = mw_maps_from_skel(&w.m, insts[I_LAN].skel, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "mw_maps_from_skel: %s\n", err);
		return -1;
	}
	rc = mw_maps_init(&w.m, w.m.max_subjects);
	if (rc) {
		fprintf(stderr, "mw_maps_init: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	int i;

	(void)state;
	mw_plan_free(&w.plan);
	free(w.text);
	w.text = NULL;
	mw_maps_close(&w.m);
	for (i = 0; i < I_NR; i++) {
		modwall_bpf__destroy(insts[i].skel);
		insts[i].skel = NULL;
	}
	return 0;
}

static const struct {
	const char *name;
	CMUnitTestFunction fn;
} seq[] = {
	{ "drop: a drop subject skips allow and rate checks", test_drop_skips_checks },
	{ "observe: allowed frames count as observe, the rest not_allowed", test_observe_with_allow },
	{ "allow: MW_MAX_RULES rules per prefix, one more is an error", test_rule_limit },
	{ "rate: 1 pps burst 5, per device and direction", test_rate_pps_burst },
	{ "rate: repeat 8 in one run: 5 pass, 3 limited", test_rate_pps_repeat },
	{ "rate: 1 kbit burst 1000 byte, 300- and 1400-byte frames", test_rate_bits_burst },
	{ "rate: byte bucket, frames of several sizes", test_rate_bits_sizes },
	{ "rate: allow-list misses take no token", test_rate_after_allow },
	{ "rate: re-apply keeps the bucket, a new limit resets it", test_rate_reapply },
	{ "rate: a byte-limited frame gives its packet token back", test_rate_refund },
	{ "rate: GCRA tolerance does not wrap (mw_rate_params)", test_rate_params_overflow },
	{ "rate: a burst too large is refused, a large one passes", test_rate_huge_burst },
};

int main(void)
{
	size_t na = sizeof(acases) / sizeof(acases[0]), ns = sizeof(seq) / sizeof(seq[0]);
	struct CMUnitTest *t = calloc(na + ns, sizeof(*t));
	size_t n = 0, i;
	int rc;

	if (!t)
		return 1;
	for (i = 0; i < na; i++) {
		t[n].name = acases[i].desc;
		t[n].test_func = run_acase;
		t[n].initial_state = (void *)&acases[i];
		n++;
	}
	for (i = 0; i < ns; i++) {
		t[n].name = seq[i].name;
		t[n].test_func = seq[i].fn;
		n++;
	}
	rc = _cmocka_run_group_tests("modwall_enforce", t, n, group_setup, group_teardown);
	free(t);
	return rc;
}
