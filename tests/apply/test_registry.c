// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Apply against the real IEEE registry: a policy naming eleven module
 * makers (whole MA-L, MA-M and MA-S assignments, resolved from Debian's
 * ieee-data) and 10,002 devices by MAC goes through the real parser,
 * compiler and mw_apply into a loaded (not attached) skeleton; frames then
 * run through the program with BPF_PROG_TEST_RUN.
 *
 * Every frame checks its verdict and that exactly one mw_counters cell
 * (subject x reason) and one mw_ifcounters cell moved, by one packet and
 * the frame's bytes; every other cell of both maps is compared too.
 *
 * Three policies are applied in turn, and every frame runs under each:
 *   A  the first apply
 *   B  the same names with other actions (and another default): ids are
 *      kept, counters are kept
 *   C  B without one device: its id leaves the live generation
 *
 * Needs root (or CAP_BPF + CAP_PERFMON) and /usr/share/ieee-data; without
 * the registry every test is skipped.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "modwall.skel.h"
#include "modwall.h"
#define FX_CMOCKA
#include "fixture.h"
#include "addr.h"
#include "apply.h"
#include "compile.h"
#include "ieee.h"
#include "policy.h"
#include "state.h"

#define NDEV		10000		/* generated devices dev-00000 .. dev-09999 */
#define DEV_MAC_BASE	0x024d57000000ull	/* dev-N has DEV_MAC_BASE + N */
#define GONE_DEV	4242		/* the device policy C leaves out */
#define MAC_GW		0x02ffffffff01ull	/* frames' destination: in no policy */
#define RA_ORG		"IEEE Registration Authority"

enum phase { PH_A, PH_B, PH_C, PH_N };

static const char *const phase_name[PH_N] = { "A", "B", "C" };

/* ------------------------------------------------------------------ */
/* The policies                                                         */
/* ------------------------------------------------------------------ */

/* Named policies: pol_action() knows what they do. */
static const char pol_defs[] =
	"policy quarantine { drop }\n"
	"policy watch { observe }\n"
	"policy lenient { pass }\n";

struct cls {
	const char *name;
	const char *vendor;		/* as written in the policy */
	const char *pol[2];		/* policy in A, in B and C */
	size_t n24, n28, n36;		/* what the vendor resolves to (registry 2022-08) */
};

/*
 * Each name matches one organization only (no ambiguity warning). Xirgo
 * (vehicle telematics) has no MA-L: one MA-M and four MA-S blocks, all in
 * /24s of the IEEE Registration Authority, like the MA-M blocks of Neoway,
 * Gosuncn and LongSung.
 */
static const struct cls classes[] = {
	{ "quectel",	"Quectel",			{ "quarantine",	"watch" },	20, 0, 0 },
	{ "fibocom",	"Fibocom Wireless",		{ "watch",	"lenient" },	3, 0, 0 },
	{ "cmiot",	"China Mobile IOT Company",	{ "pass",	"drop" },	24, 0, 0 },
	{ "simcom",	"SIMCom Wireless Solutions Co",	{ "drop",	"pass" },	2, 0, 0 },
	{ "neoway",	"Neoway",			{ "observe",	"drop" },	1, 1, 0 },
	{ "ublox",	"u-blox",			{ "lenient",	"observe" },	7, 0, 0 },
	{ "telit",	"Telit Communication",		{ "quarantine",	"pass" },	2, 0, 0 },
	{ "sierra",	"Sierra Wireless",		{ "watch",	"quarantine" },	5, 0, 0 },
	{ "gosuncn",	"Gosuncn",			{ "drop",	"observe" },	1, 1, 0 },
	{ "longsung",	"LongSung",			{ "observe",	"pass" },	1, 3, 0 },
	{ "xirgo",	"Xirgo",			{ "quarantine",	"watch" },	0, 1, 4 },
};
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

/* Default: A observes unattributed frames, B and C drop them. */
static const char *const default_pol[2] = { "watch", "drop" };

/* Devices beside the generated ones: MACs inside vendor assignments. */
struct special_dev {
	const char *name;
	uint64_t mac;
	const char *pol[2];
};

static const struct special_dev specials[] = {
	{ "meter-quectel",	0x50e9dfaabbccull, { "pass", "drop" } },	/* Quectel MA-L */
	{ "tracker-xirgo",	0x70b3d5ca0042ull, { "observe", "pass" } },	/* Xirgo MA-S */
};
#define NSPECIALS (sizeof(specials) / sizeof(specials[0]))

static int pol_action(const char *pol)
{
	if (!strcmp(pol, "quarantine") || !strcmp(pol, "drop"))
		return MW_ACT_DROP;
	if (!strcmp(pol, "watch") || !strcmp(pol, "observe"))
		return MW_ACT_OBSERVE;
	if (!strcmp(pol, "lenient") || !strcmp(pol, "pass"))
		return MW_ACT_PASS;
	fail_msg("unknown policy %s", pol);
	return -1;
}

/* Generated devices cycle through the built-in policies; B shifts the cycle. */
static const char *dev_pol(unsigned int i, enum phase ph)
{
	static const char *const p[3] = { "pass", "drop", "observe" };

	return p[(i + (ph == PH_A ? 0 : 1)) % 3];
}

static int g(enum phase ph)
{
	return ph == PH_A ? 0 : 1;
}

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if (b->len + (size_t)n < b->cap)
			break;
		b->cap = b->cap * 2 + (size_t)n + 1;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
	b->len += (size_t)n;
}

static char *policy_text(enum phase ph)
{
	struct sbuf b = { NULL, 0, 0 };
	char mac[18];
	size_t i;

	b.cap = 1 << 20;
	b.s = malloc(b.cap);
	assert_non_null(b.s);
	b.s[0] = 0;
	sb_printf(&b, "# policy %s\n%s", phase_name[ph], pol_defs);
	for (i = 0; i < NCLASSES; i++)
		sb_printf(&b, "class %s vendor \"%s\" policy %s\n", classes[i].name,
			  classes[i].vendor, classes[i].pol[g(ph)]);
	for (i = 0; i < NSPECIALS; i++) {
		mw_format_mac(specials[i].mac, mac);
		sb_printf(&b, "device %s mac %s policy %s\n", specials[i].name, mac,
			  specials[i].pol[g(ph)]);
	}
	for (i = 0; i < NDEV; i++) {
		if (ph == PH_C && i == GONE_DEV)
			continue;
		mw_format_mac(DEV_MAC_BASE + i, mac);
		sb_printf(&b, "device dev-%05zu mac %s policy %s\n", i, mac,
			  dev_pol((unsigned int)i, ph));
	}
	sb_printf(&b, "default %s\n", default_pol[g(ph)]);
	return b.s;
}

/* ------------------------------------------------------------------ */
/* The world: one loaded skeleton, its maps, the registry, the plan      */
/* ------------------------------------------------------------------ */

static struct {
	int skip;			/* no registry installed */
	struct modwall_bpf *skel;
	int prog_fd;
	struct mw_maps m;
	struct mw_ieee db;
	uint32_t ncells;		/* mw_counters max_entries */
	enum phase ph;			/* the policy live now */
	struct mw_plan plan;		/* the live policy's plan (ids filled by apply) */
	int applied;
	uint32_t ids_a[NDEV + NSPECIALS + NCLASSES];	/* ids after A, by plan index */
} w = { .prog_fd = -1 };

static const struct mw_plan_subj *plan_subj(const struct mw_plan *p, const char *name)
{
	uint32_t i;

	for (i = 0; i < p->nsubj; i++)
		if (!strcmp(p->subj[i].name, name))
			return &p->subj[i];
	return NULL;
}

static int compile_apply(enum phase ph, struct mw_apply_result *res)
{
	struct mw_policy pol;
	struct mw_plan plan;
	char *text = policy_text(ph), name[32], err[1024] = "";
	int i, rc;

	snprintf(name, sizeof(name), "registry-%s.mwp", phase_name[ph]);
	rc = mw_policy_load_string(&pol, name, text);
	free(text);
	for (i = 0; i < pol.errors.n; i++)
		print_error("%s\n", pol.errors.msg[i]);
	assert_int_equal(rc, 0);
	rc = mw_compile(&plan, &pol, &w.db, NULL);
	for (i = 0; i < pol.errors.n; i++)
		print_error("%s\n", pol.errors.msg[i]);
	for (i = 0; i < pol.warnings.n; i++)
		print_error("warning: %s\n", pol.warnings.msg[i]);
	assert_int_equal(rc, 0);
	/* every vendor name is unambiguous: no warning */
	assert_int_equal(pol.warnings.n, 0);
	mw_policy_free(&pol);

	rc = mw_apply(&w.m, &plan, res, err, sizeof(err));
	if (rc)
		fail_msg("mw_apply (policy %s): %d: %s", phase_name[ph], rc, err);
	mw_plan_free(&w.plan);
	w.plan = plan;
	w.ph = ph;
	w.applied = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Counters                                                             */
/* ------------------------------------------------------------------ */

struct snap {
	struct mw_counter *subj;	/* w.ncells, summed over CPUs */
	struct mw_counter ifc[MW_MAX_IFACES * MW_NR_REASONS];
};

static void read_percpu(int fd, uint32_t n, struct mw_counter *out)
{
	assert_int_equal(fx_read_counters(fd, 0, n, out), 0);
}

/* Every subject's counters, wherever they are kept (modwall.h "Counters"). */
static void read_subjects(uint32_t ncells, struct mw_counter *out)
{
	assert_int_equal(mw_read_subject_counters(&w.m, 0, ncells / MW_NR_REASONS, out), 0);
}

static struct snap *take_snap(void)
{
	struct snap *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->subj = calloc(w.ncells, sizeof(*s->subj));
	assert_non_null(s->subj);
	read_subjects(w.ncells, s->subj);
	read_percpu(w.m.ifcounters, MW_MAX_IFACES * MW_NR_REASONS, s->ifc);
	return s;
}

static void free_snap(struct snap *s)
{
	if (s)
		free(s->subj);
	free(s);
}

/*
 * Every cell but @want must be unchanged; @want must have moved by @pkts
 * packets and @bytes bytes. Returns the number of wrong cells (printed).
 */
static int diff_cells(const char *what, const char *unit, const struct mw_counter *a,
		      const struct mw_counter *b, uint32_t n, int64_t want, uint64_t pkts,
		      uint64_t bytes)
{
	uint32_t i;
	int bad = 0;

	for (i = 0; i < n; i++) {
		uint64_t dp = b[i].packets - a[i].packets, db = b[i].bytes - a[i].bytes;
		uint64_t ep = (int64_t)i == want ? pkts : 0, eb = (int64_t)i == want ? bytes : 0;

		if (dp == ep && db == eb)
			continue;
		if (bad++ < 8)
			print_error("%s[%u] (%s %u, %s): +%llu packets +%llu bytes, expected "
				    "+%llu +%llu\n", what, i, unit, i / MW_NR_REASONS,
				    mw_reason_name((int)(i % MW_NR_REASONS)),
				    (unsigned long long)dp, (unsigned long long)db,
				    (unsigned long long)ep, (unsigned long long)eb);
	}
	return bad;
}

/* ------------------------------------------------------------------ */
/* Frames                                                               */
/* ------------------------------------------------------------------ */

#define FRAME_LEN (ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr) + 12)

/* IPv4/UDP (a DNS query's size) from @src, 198.51.100.7 to 192.0.2.1. */
static void build_frame(struct fx_frame *f, uint64_t src)
{
	memset(f, 0, sizeof(*f));
	fx_eth(f, MAC_GW, src, ETH_P_IP);
	fx_ipv4(f, htonl(0xc6336407), htonl(0xc0000201), IPPROTO_UDP, 5);
	fx_udp(f, 40000, 53, 12);
	fx_fin(f);
	assert_int_equal(f->len, FRAME_LEN);
}

static __u32 reason_of(int action)
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
 * A frame case: a source MAC, the subject it must be counted under (NULL:
 * unattributed) and what the registry must say about the MAC, so that a
 * registry that moved on fails here with a clear message rather than
 * further down.
 */
struct fcase {
	const char *desc;
	uint64_t mac;
	const char *subj;		/* device or class name; NULL: unattributed */
	const char *registry;		/* most specific assignment: "MA-L", ...; NULL: any */
	const char *org;		/* its organization contains this; NULL: any */
	int ra24;			/* the MAC's /24 belongs to the Registration Authority */
};

#define DEV(i)	(DEV_MAC_BASE + (i))

static const struct fcase fcases[] = {
	/* MA-L: one MAC of every vendor that has one */
	{ "MA-L Quectel 50:e9:df", 0x50e9df123456ull, "quectel", "MA-L", "Quectel", 0 },
	{ "MA-L Fibocom 64:f6:bb", 0x64f6bb000001ull, "fibocom", "MA-L", "Fibocom", 0 },
	{ "MA-L China Mobile IoT 48:21:6c", 0x48216cabcdefull, "cmiot", "MA-L", "China Mobile", 0 },
	{ "MA-L SIMCom 38:1c:4a", 0x381c4a000102ull, "simcom", "MA-L", "SIMCom", 0 },
	{ "MA-L Neoway b4:77:48", 0xb47748fffffeull, "neoway", "MA-L", "Neoway", 0 },
	{ "MA-L u-blox 00:12:f3", 0x0012f3010203ull, "ublox", "MA-L", "u-blox", 0 },
	{ "MA-L Telit 00:21:7e", 0x00217e445566ull, "telit", "MA-L", "Telit", 0 },
	{ "MA-L Sierra Wireless 00:a0:d5", 0x00a0d5778899ull, "sierra", "MA-L", "Sierra", 0 },
	{ "MA-L Gosuncn e0:46:e5, first address", 0xe046e5000000ull, "gosuncn", "MA-L",
	  "Gosuncn", 0 },
	{ "MA-L LongSung 14:00:20, last address", 0x140020ffffffull, "longsung", "MA-L",
	  "LongSung", 0 },

	/* MA-M and MA-S blocks: all inside /24s of the Registration Authority */
	{ "MA-M LongSung dc:4a:9e:a0/28", 0xdc4a9ea12345ull, "longsung", "MA-M", "LongSung", 1 },
	{ "MA-M LongSung 60:d7:e3:90/28, first address", 0x60d7e3900000ull, "longsung",
	  "MA-M", "LongSung", 1 },
	{ "MA-M Neoway 28:2c:02:80/28, last address", 0x282c028fffffull, "neoway", "MA-M",
	  "Neoway", 1 },
	{ "MA-M Gosuncn 18:fd:cb:40/28", 0x18fdcb4abcdeull, "gosuncn", "MA-M", "Gosuncn", 1 },
	{ "MA-M Xirgo e8:6c:c7:20/28", 0xe86cc7212345ull, "xirgo", "MA-M", "Xirgo", 1 },
	{ "MA-S Xirgo 70:b3:d5:1a:20/36", 0x70b3d51a2abcull, "xirgo", "MA-S", "Xirgo", 1 },
	{ "MA-S Xirgo 70:b3:d5:ce:b0/36, last address", 0x70b3d5cebfffull, "xirgo", "MA-S",
	  "Xirgo", 1 },
	{ "MA-S Xirgo 70:b3:d5:64:60/36, first address", 0x70b3d5646000ull, "xirgo", "MA-S",
	  "Xirgo", 1 },

	/* the same Registration Authority /24s, outside every listed block */
	{ "RA /24 28:2c:02, next MA-M block (not listed)", 0x282c02900001ull, NULL, "MA-M",
	  NULL, 1 },
	{ "RA /24 28:2c:02, just below Neoway's /28", 0x282c027fffffull, NULL, NULL, NULL, 1 },
	{ "RA /24 dc:4a:9e, TATTILE's /28 beside LongSung's", 0xdc4a9e600001ull, NULL, "MA-M",
	  "TATTILE", 1 },
	{ "RA /24 70:b3:d5, just below Xirgo's /36", 0x70b3d51a1fffull, NULL, NULL, NULL, 1 },
	{ "RA /24 70:b3:d5, just above Xirgo's /36", 0x70b3d51a3000ull, NULL, NULL, NULL, 1 },
	{ "RA /24 e8:6c:c7, outside Xirgo's /28", 0xe86cc7300000ull, NULL, NULL, NULL, 1 },
	{ "RA /24 8c:1f:64, no listed block in it", 0x8c1f64000001ull, NULL, NULL, NULL, 1 },

	/* tagged devices: the exact MAC beats every class */
	{ "device dev-07777 among 10,000", DEV(7777), "dev-07777", NULL, NULL, 0 },
	{ "device dev-00000 (first)", DEV(0), "dev-00000", NULL, NULL, 0 },
	{ "device dev-09999 (last)", DEV(9999), "dev-09999", NULL, NULL, 0 },
	{ "device dev-04242 (left out of policy C)", DEV(GONE_DEV), "dev-04242", NULL, NULL, 0 },
	{ "device inside Quectel's MA-L", 0x50e9dfaabbccull, "meter-quectel", "MA-L",
	  "Quectel", 0 },
	{ "device inside Xirgo's MA-S", 0x70b3d5ca0042ull, "tracker-xirgo", "MA-S", "Xirgo", 1 },

	/* untagged, no class */
	{ "untagged MAC next to the devices", DEV(NDEV), NULL, NULL, NULL, 0 },
	{ "untagged locally administered MAC", 0x024d57ffffffull, NULL, NULL, NULL, 0 },
	{ "untagged MAC of an unlisted vendor (MA-L)", 0x001b21000001ull, NULL, "MA-L", NULL, 0 },
};
#define NFCASES (sizeof(fcases) / sizeof(fcases[0]))

/* What the registry says about @c: the test's premises. */
static void check_registry(const struct fcase *c)
{
	const struct mw_ieee_entry *e = mw_ieee_lookup(&w.db, c->mac);
	char mac[18];

	mw_format_mac(c->mac, mac);
	if (c->registry) {
		if (!e)
			fail_msg("%s: no assignment in the registry (expected %s)", mac, c->registry);
		if (strcmp(e->registry, c->registry))
			fail_msg("%s: most specific assignment is %s (%s), expected %s", mac,
				 e->registry, e->org, c->registry);
		if (c->org && !strcasestr(e->org, c->org))
			fail_msg("%s: assigned to '%s', expected '%s'", mac, e->org, c->org);
	}
	if (c->ra24) {
		const struct mw_ieee_entry *r = mw_ieee_lookup_prefix(&w.db, c->mac, 24);

		if (!r || r->bits != 24 || strcmp(r->org, RA_ORG))
			fail_msg("%s: its /24 is %s, expected the %s", mac, r ? r->org : "unassigned",
				 RA_ORG);
	}
}

/* The action @name has in the live phase; -1 when not in it. */
static int expected_action(const char *name)
{
	size_t i;
	unsigned int n;

	for (i = 0; i < NCLASSES; i++)
		if (!strcmp(classes[i].name, name))
			return pol_action(classes[i].pol[g(w.ph)]);
	for (i = 0; i < NSPECIALS; i++)
		if (!strcmp(specials[i].name, name))
			return pol_action(specials[i].pol[g(w.ph)]);
	if (sscanf(name, "dev-%u", &n) == 1) {
		if (w.ph == PH_C && n == GONE_DEV)
			return -1;
		return pol_action(dev_pol(n, w.ph));
	}
	return -1;
}

/* Run @c through the program; check verdict and exact counters. */
static void run_fcase(const struct fcase *c)
{
	struct fx_frame *frame = calloc(1, sizeof(*frame));
	struct snap *before, *after;
	const struct mw_plan_subj *s = c->subj ? plan_subj(&w.plan, c->subj) : NULL;
	int action = c->subj ? expected_action(c->subj) : -1;
	__u32 id, reason;
	int verdict, bad;
	__u32 retval = ~0u;
	char mac[18];

	assert_non_null(frame);
	assert_true(w.applied);
	if (action < 0) {
		/* unattributed: the default of the live phase */
		assert_null(s);
		id = MW_SUBJECT_NONE;
		action = pol_action(default_pol[g(w.ph)]);
	} else {
		assert_non_null(s);
		id = s->id;
		assert_int_not_equal(id, MW_SUBJECT_NONE);
		assert_int_equal(s->action, action);
	}
	reason = reason_of(action);
	verdict = action == MW_ACT_DROP ? XDP_DROP : XDP_PASS;

	build_frame(frame, c->mac);
	before = take_snap();
	assert_int_equal(fx_run(w.prog_fd, frame->d, frame->len, 1, &retval, NULL), 0);
	after = take_snap();

	mw_format_mac(c->mac, mac);
	bad = diff_cells("mw_counters", "id", before->subj, after->subj, w.ncells,
			 (int64_t)id * MW_NR_REASONS + reason, 1, FRAME_LEN);
	bad += diff_cells("mw_ifcounters", "slot", before->ifc, after->ifc,
			  MW_MAX_IFACES * MW_NR_REASONS, (int64_t)reason, 1, FRAME_LEN);	/* slot 0 */
	free_snap(before);
	free_snap(after);
	free(frame);
	if (bad || retval != (__u32)verdict)
		fail_msg("%s (policy %s): verdict %u, expected %d; expected one packet under "
			 "id %u (%s) reason %s: %d counter cell(s) wrong", mac, phase_name[w.ph],
			 retval, verdict, id, c->subj && s ? c->subj : "unattributed",
			 mw_reason_name((int)reason), bad);
}

static void test_frame(void **state)
{
	const struct fcase *c = *state;

	if (w.skip)
		skip();
	check_registry(c);
	run_fcase(c);
}

/* ------------------------------------------------------------------ */
/* Map contents                                                         */
/* ------------------------------------------------------------------ */

/*
 * MACs and vendor prefixes live in open-addressing tables (one half per
 * generation, written through mmap) and, when a probe window is full, in
 * the hash maps mw_mac / mw_oui. The helpers below read both, the way the
 * data path does.
 */

static struct mw_slot *tab_half(int map, unsigned int gen, unsigned int *bits)
{
	*bits = map == MW_PM_MAC ? w.m.mac_bits : w.m.oui_bits;
	return (map == MW_PM_MAC ? w.m.mactab_m : w.m.ouitab_m) + ((size_t)gen << *bits);
}

static uint64_t hash_key(int map, unsigned int gen, uint64_t mac, unsigned int bits)
{
	return map == MW_PM_MAC ? MW_MAC_KEY((uint64_t)gen, mac)
				: MW_OUI_KEY((uint64_t)gen, bits, mac);
}

/* Find @mac (a MAC, or a @bits-long vendor prefix) in generation @gen. */
static int find_entry(int map, unsigned int gen, uint64_t mac, unsigned int bits,
		      struct mw_subject *out)
{
	unsigned int tbits;
	const struct mw_slot *half = tab_half(map, gen, &tbits);
	uint64_t key = map == MW_PM_MAC ? mac : ((uint64_t)bits << 48) | mac;
	uint32_t mask = (1u << tbits) - 1, h = MW_TAB_HASH(key, tbits), i;
	__u64 hk;

	for (i = 0; i < MW_TAB_PROBES; i++) {
		const struct mw_slot *sl = &half[(h + i) & mask];

		if (!(sl->key & MW_SLOT_VALID))
			return 0;
		if ((sl->key & MW_SLOT_KEY) == key) {
			*out = sl->v;
			return 1;
		}
		if (i == MW_TAB_PROBES - 1 && !(sl->key & MW_SLOT_OVERFLOW))
			return 0;
	}
	hk = hash_key(map, gen, mac, bits);
	return bpf_map_lookup_elem(map == MW_PM_MAC ? w.m.mac : w.m.oui, &hk, out) == 0;
}

/*
 * Entries of generation @gen in the table half and the hash map of @map;
 * calls @fn on each.
 */
static size_t walk_gen(int map, unsigned int gen,
		       void (*fn)(const struct mw_subject *v, void *arg), void *arg)
{
	int fd = map == MW_PM_MAC ? w.m.mac : w.m.oui;
	unsigned int bits;
	const struct mw_slot *half = tab_half(map, gen, &bits);
	__u64 k, next;
	void *prev = NULL;
	size_t n = 0, i;

	for (i = 0; i < (size_t)1 << bits; i++) {
		if (!(half[i].key & MW_SLOT_VALID))
			continue;
		n++;
		if (fn)
			fn(&half[i].v, arg);
	}
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct mw_subject v;
		unsigned int kg = map == MW_PM_MAC ? (unsigned int)(next >> 48)
						   : (unsigned int)(next >> 63);

		k = next;
		prev = &k;
		if (kg != gen)
			continue;
		n++;
		if (fn) {
			assert_int_equal(bpf_map_lookup_elem(fd, &k, &v), 0);
			fn(&v, arg);
		}
	}
	assert_int_equal(errno, ENOENT);
	return n;
}

/* Every plan entry is in the live generation with its subject's id and action. */
static void check_plan_in_maps(void)
{
	unsigned int live = w.m.ctlm->gen & 1;
	size_t j, nmac = 0, noui = 0;
	struct mw_config cfg;

	assert_int_equal(bpf_map_lookup_elem(w.m.config, &live, &cfg), 0);
	assert_int_equal(cfg.mac_bits, w.m.mac_bits);
	assert_int_equal(cfg.oui_bits, w.m.oui_bits);
	for (j = 0; j < w.plan.ne; j++) {
		const struct mw_plan_entry *e = &w.plan.e[j];
		struct mw_subject v;

		if (e->map == MW_PM_MAC)
			nmac++;
		else if (e->map == MW_PM_OUI)
			noui++;
		else
			fail_msg("unexpected plan entry for map %u", e->map);
		if (!find_entry(e->map, live, e->mac, e->bits, &v))
			fail_msg("plan entry %zu (map %u, %012llx/%u) missing from generation %u",
				 j, e->map, (unsigned long long)e->mac, e->bits, live);
		if (e->subj == MW_PLAN_CONTAINER) {
			assert_int_equal(v.id, MW_SUBJECT_NONE);
		} else {
			assert_int_equal(v.id, w.plan.subj[e->subj].id);
			assert_int_equal(v.action, w.plan.subj[e->subj].action);
		}
		/* vendor-prefix probe flags, and whatever the subject's policy adds */
		assert_int_equal(v.flags & (MW_SF_HAS_MAM | MW_SF_HAS_MAS), e->flags);
	}
	assert_int_equal(walk_gen(MW_PM_MAC, live, NULL, NULL), nmac);
	assert_int_equal(walk_gen(MW_PM_OUI, live, NULL, NULL), noui);
	/* the old generation is gone */
	assert_int_equal(walk_gen(MW_PM_MAC, live ^ 1, NULL, NULL), 0);
	assert_int_equal(walk_gen(MW_PM_OUI, live ^ 1, NULL, NULL), 0);
}

/* The subject table names every plan subject under its id, live in @gen. */
static void check_subject_table(void)
{
	unsigned int live = w.m.ctlm->gen & 1;
	struct mw_subject_info *tab = calloc(w.m.max_subjects, sizeof(*tab));
	uint32_t i, nlive = 0;

	assert_non_null(tab);
	assert_int_equal(mw_read_subjects(&w.m, tab), 0);
	for (i = 0; i < w.plan.nsubj; i++) {
		const struct mw_plan_subj *s = &w.plan.subj[i];
		const struct mw_subject_info *t = &tab[s->id];

		assert_string_equal(t->name, s->name);
		assert_int_equal(t->kind, s->kind);
		assert_true(t->gens & (1u << live));
		assert_int_equal(t->action[live], s->action);
	}
	for (i = 1; i < w.m.max_subjects; i++) {
		if (tab[i].kind != MW_KIND_FREE)
			nlive++;
		/* nothing is left in the old generation */
		assert_false(tab[i].gens & (1u << (live ^ 1)));
	}
	assert_int_equal(nlive, w.plan.nsubj);
	assert_int_equal(tab[0].kind, MW_KIND_UNKNOWN);
	free(tab);
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

static void test_apply_a(void **state)
{
	struct mw_apply_result res;
	size_t i, n24 = 0, n28 = 0, n36 = 0;
	uint32_t k;

	(void)state;
	if (w.skip)
		skip();
	compile_apply(PH_A, &res);

	/* what the vendors resolved to */
	for (i = 0; i < NCLASSES; i++) {
		n24 += classes[i].n24;
		n28 += classes[i].n28;
		n36 += classes[i].n36;
	}
	if (w.plan.nprefix[0] != n24 || w.plan.nprefix[1] != n28 || w.plan.nprefix[2] != n36)
		fail_msg("vendors resolved to %zu /24, %zu /28, %zu /36; expected %zu, %zu, %zu "
			 "(ieee-data of 2022-08)", w.plan.nprefix[0], w.plan.nprefix[1],
			 w.plan.nprefix[2], n24, n28, n36);
	assert_int_equal(w.plan.nsubj, NDEV + NSPECIALS + NCLASSES);
	assert_int_equal(w.plan.count[MW_PM_MAC], NDEV + NSPECIALS);
	assert_int_equal(w.plan.ndev_mac, NDEV + NSPECIALS);

	assert_int_equal(res.gen, 1);
	assert_int_equal(res.seq, 1);
	assert_int_equal(res.added, w.plan.nsubj);
	assert_int_equal(res.kept, 0);
	assert_int_equal(res.removed, 0);
	assert_int_equal(res.entries, w.plan.ne);
	mw_apply_result_free(&res);
	assert_int_equal(w.m.ctlm->gen, 1);
	assert_int_equal(w.m.ctlm->applied, 1);

	/* ids: never 0; classes below MW_PCPU_IDS (per-CPU counters), devices from it up, dense */
	for (k = 0; k < w.plan.nsubj; k++) {
		const struct mw_plan_subj *ps = &w.plan.subj[k];

		assert_int_not_equal(ps->id, MW_SUBJECT_NONE);
		if (ps->kind == MW_KIND_CLASS)
			assert_true(ps->id <= NCLASSES);
		else
			assert_true(ps->id >= MW_PCPU_IDS &&
				    ps->id < MW_PCPU_IDS + NDEV + NSPECIALS);
		w.ids_a[k] = ps->id;
	}
	check_plan_in_maps();
	check_subject_table();
}

static void all_frames(void)
{
	size_t i;

	for (i = 0; i < NFCASES; i++)
		run_fcase(&fcases[i]);
}

static void test_reapply_b(void **state)
{
	struct mw_apply_result res;
	struct snap *before, *after;
	struct mw_plan old = w.plan;
	uint32_t i;
	int bad;

	(void)state;
	if (w.skip)
		skip();
	before = take_snap();
	/* the A frames did count */
	for (i = 0, bad = 0; i < w.ncells; i++)
		bad += before->subj[i].packets != 0;
	assert_true(bad > 0);

	memset(&w.plan, 0, sizeof(w.plan));	/* keep A's plan to compare names */
	compile_apply(PH_B, &res);
	after = take_snap();

	/* same names, same ids */
	assert_int_equal(w.plan.nsubj, old.nsubj);
	for (i = 0; i < w.plan.nsubj; i++) {
		const struct mw_plan_subj *o = plan_subj(&old, w.plan.subj[i].name);

		assert_non_null(o);
		if (w.plan.subj[i].id != o->id)
			fail_msg("%s: id %u after B, %u after A", w.plan.subj[i].name,
				 w.plan.subj[i].id, o->id);
	}
	assert_int_equal(res.kept, w.plan.nsubj);
	assert_int_equal(res.added, 0);
	assert_int_equal(res.removed, 0);
	assert_int_equal(res.gen, 0);
	assert_int_equal(res.seq, 2);
	mw_apply_result_free(&res);
	mw_plan_free(&old);

	/* no counter moved, none was reset */
	bad = diff_cells("mw_counters", "id", before->subj, after->subj, w.ncells, -1, 0, 0);
	bad += diff_cells("mw_ifcounters", "slot", before->ifc, after->ifc,
			  MW_MAX_IFACES * MW_NR_REASONS, -1, 0, 0);
	free_snap(before);
	free_snap(after);
	assert_int_equal(bad, 0);

	check_plan_in_maps();
	check_subject_table();
	/* every frame again, under B's actions, counting on top of A's counts */
	all_frames();
}

struct find_id {
	uint32_t id;
	size_t hits;
};

static void count_id(const struct mw_subject *v, void *arg)
{
	struct find_id *f = arg;

	if (v->id == f->id)
		f->hits++;
}

static void test_remove_c(void **state)
{
	struct mw_apply_result res;
	const struct mw_plan_subj *gone = plan_subj(&w.plan, "dev-04242");
	struct mw_subject_info t;
	struct find_id f;
	struct mw_subject v;
	uint32_t gone_id, i;
	unsigned int gen;

	(void)state;
	if (w.skip)
		skip();
	assert_non_null(gone);
	gone_id = gone->id;
	f.id = gone_id;
	f.hits = 0;
	gen = w.m.ctlm->gen & 1;
	assert_int_equal(walk_gen(MW_PM_MAC, gen, count_id, &f), NDEV + NSPECIALS);
	assert_int_equal(f.hits, 1);

	compile_apply(PH_C, &res);
	assert_int_equal(res.removed, 1);
	assert_int_equal(res.added, 0);
	assert_int_equal(res.kept, w.plan.nsubj);
	assert_int_equal(w.plan.nsubj, NDEV - 1 + NSPECIALS + NCLASSES);
	mw_apply_result_free(&res);
	assert_null(plan_subj(&w.plan, "dev-04242"));

	/* the others keep their A ids */
	for (i = 0; i < w.plan.nsubj; i++) {
		const struct mw_plan_subj *s = &w.plan.subj[i];
		unsigned int n;

		if (sscanf(s->name, "dev-%u", &n) == 1)
			assert_int_equal(s->id, w.ids_a[NSPECIALS + n]);
		assert_int_not_equal(s->id, gone_id);
	}

	/* no entry of either generation carries its id; its MAC is in no generation */
	gen = w.m.ctlm->gen & 1;
	f.hits = 0;
	walk_gen(MW_PM_MAC, gen, count_id, &f);
	walk_gen(MW_PM_OUI, gen, count_id, &f);
	walk_gen(MW_PM_MAC, gen ^ 1, count_id, &f);
	walk_gen(MW_PM_OUI, gen ^ 1, count_id, &f);
	assert_int_equal(f.hits, 0);
	for (gen = 0; gen < 2; gen++)
		assert_false(find_entry(MW_PM_MAC, gen, DEV(GONE_DEV), 48, &v));
	/* its subject slot is free again */
	assert_int_equal(bpf_map_lookup_elem(w.m.subjects, &gone_id, &t), 0);
	assert_int_equal(t.kind, MW_KIND_FREE);
	assert_int_equal(t.gens, 0);
	assert_int_equal(w.m.ctlm->seq, 3);

	check_plan_in_maps();
	check_subject_table();
	/* dev-04242's frame is unattributed now; everything else as under B */
	all_frames();
}

/* ------------------------------------------------------------------ */
/* Setup                                                                */
/* ------------------------------------------------------------------ */

static int group_setup(void **state)
{
	char err[512] = "";
	int rc;

	(void)state;
	if (access(MW_IEEE_DIR "/oui.csv", R_OK)) {
		fprintf(stderr, "%s/oui.csv: %s: skipping (install Debian's ieee-data)\n",
			MW_IEEE_DIR, strerror(errno));
		w.skip = 1;
		return 0;
	}
	if (mw_ieee_load(&w.db, NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	fx_libbpf_quiet();
	w.skel = fx_load(NULL, NULL, err, sizeof(err));
	if (!w.skel) {
		fprintf(stderr, "modwall_bpf: %s\n", err);
		return -1;
	}
	w.prog_fd = bpf_program__fd(w.skel->progs.modwall_xdp);
	rc = mw_maps_from_skel(&w.m, w.skel, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "mw_maps_from_skel: %s\n", err);
		return -1;
	}
	rc = mw_maps_init(&w.m, w.m.max_subjects);
	if (rc) {
		fprintf(stderr, "mw_maps_init: %s\n", strerror(-rc));
		return -1;
	}
	w.ncells = w.m.max_subjects * MW_NR_REASONS;
	if (w.m.max_subjects < NDEV + NSPECIALS + NCLASSES + 1) {
		fprintf(stderr, "the skeleton's maps hold %u subjects; the test needs %zu\n",
			w.m.max_subjects, NDEV + NSPECIALS + NCLASSES + 1);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	mw_plan_free(&w.plan);
	if (w.skel) {
		mw_maps_close(&w.m);
		modwall_bpf__destroy(w.skel);
	}
	if (!w.skip)
		mw_ieee_free(&w.db);
	return 0;
}

int main(void)
{
	size_t n = 0, i, ntests = 3 + NFCASES;
	struct CMUnitTest *tests = calloc(ntests, sizeof(*tests));
	int rc;

	if (!tests)
		return 1;
	tests[n].name = "A: 11 vendor classes (whole registry) + 10,002 devices by MAC applied";
	tests[n++].test_func = test_apply_a;
	for (i = 0; i < NFCASES; i++) {
		tests[n].name = fcases[i].desc;
		tests[n].test_func = test_frame;
		tests[n++].initial_state = (void *)&fcases[i];
	}
	tests[n].name = "B: same names, new actions: ids and counters kept, every frame again";
	tests[n++].test_func = test_reapply_b;
	tests[n].name = "C: one device removed: its id leaves the live generation";
	tests[n++].test_func = test_remove_c;

	rc = _cmocka_run_group_tests("modwall_apply_registry", tests, n, group_setup,
				     group_teardown);
	free(tests);
	return rc;
}
