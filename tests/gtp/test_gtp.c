// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * GTP-U packet tests: frames built with scapy's GTP layer
 * (tests/gtp/frames.py, run at build time into build/tests/gtp_frames.txt)
 * through the real XDP program with BPF_PROG_TEST_RUN.
 *
 * Each line of the frames file names an instance (n3 with a policy
 * applied, n3 before any apply, or lan), the verdict, subject and reason,
 * and whether the subject's mw_tunnels cell moves (with the direction and
 * outer peer it must then hold). The run snapshots every counter cell of
 * the subjects in use and of every interface slot, and every tunnel cell,
 * before and after: exactly the expected cells move, by one frame (and
 * the frame's length in bytes for counters).
 *
 * Usage: test_gtp [FRAMES]  (default: gtp_frames.txt beside the binary)
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "modwall.skel.h"
#include "modwall.h"
#include "maps.h"
#include "names.h"
#define FX_CMOCKA
#include "fixture.h"

/* The test world of tests/gtp/frames.py. */
#define GNB1_MAC	0x020000000b01ull	/* subject 5 by MAC */
#define UE_TAGGED	"198.18.10.1"		/* subject 1, drop */
#define UE_ALLOWED	"198.18.10.2"		/* subject 2, allow-list */
#define UE_ALLOWED6	"fd00:10::2"
#define UE_OBSERVED6	"fd00:10::3"		/* subject 3, observe */
#define UE_PREFIX	"198.18.11.0"		/* subject 4, /24 */
#define ALLOW_NET	"198.18.20.0"		/* subject 2's allow-list: /24 and /64 */
#define ALLOW_NET6	"fd00:20::"
#define ALLOW_POLICY	1

#define NSUBJ		8
#define SUBJ_CELLS	(NSUBJ * MW_NR_REASONS)
#define IF_CELLS	(MW_MAX_IFACES * MW_NR_REASONS)

enum { I_N3, I_LAN, I_NR };

/* Two programs, each with its own maps: the n3 interface and a lan one. */
struct inst {
	const char *name;
	struct fx_prog cfg;	/* slot, role, fail and malformed actions */
	struct modwall_bpf *skel;
	int prog_fd;
};

static struct inst insts[I_NR] = {
	[I_N3]	= { "n3",  { 9, MW_ROLE_N3, MW_ACT_PASS, MW_ACT_DROP },  NULL, -1 },
	[I_LAN]	= { "lan", { 3, MW_ROLE_LAN, MW_ACT_PASS, MW_ACT_DROP }, NULL, -1 },
};

struct gcase {
	char desc[160];
	int inst;		/* I_* */
	int applied;
	int verdict;
	__u32 subject, reason;
	int tunnel;		/* the subject's mw_tunnels cell moves */
	__u8 dir, family;
	__u8 peer[16];
	uint8_t frame[FX_FRAME_MAX];
	size_t len;
};

static struct gcase *cases;
static size_t ncases;
static int ncpus;

/* ------------------------------------------------------------------ */
/* The frames file                                                     */
/* ------------------------------------------------------------------ */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_tunnel(struct gcase *c, const char *s)
{
	const char *slash = strchr(s, '/');
	char dir[16];

	if (!strcmp(s, "-"))
		return 0;
	if (!slash || (size_t)(slash - s) >= sizeof(dir))
		return -1;
	memcpy(dir, s, slash - s);
	dir[slash - s] = 0;
	c->tunnel = 1;
	if (!strcmp(dir, "uplink"))
		c->dir = MW_DIR_UP;
	else if (!strcmp(dir, "downlink"))
		c->dir = MW_DIR_DOWN;
	else
		return -1;
	if (inet_pton(AF_INET, slash + 1, c->peer) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, slash + 1, c->peer) == 1)
		c->family = AF_INET6;
	else
		return -1;
	return 0;
}

/* One line: description, instance, verdict, subject, reason, tunnel, hex. */
static int parse_line(struct gcase *c, char *line)
{
	char *f[7], *save = NULL;
	size_t i, n;
	int r;

	for (i = 0; i < 7; i++) {
		f[i] = strtok_r(i ? NULL : line, "\t\n", &save);
		if (!f[i])
			return -1;
	}
	snprintf(c->desc, sizeof(c->desc), "%s", f[0]);
	c->applied = strcmp(f[1], "n3-unapplied") != 0;
	c->inst = !strcmp(f[1], "lan") ? I_LAN : I_N3;
	c->verdict = !strcmp(f[2], "DROP") ? XDP_DROP : XDP_PASS;
	c->subject = (__u32)strtoul(f[3], NULL, 10);
	r = mw_reason_parse(f[4]);
	if (r < 0 || c->subject >= NSUBJ || parse_tunnel(c, f[5]))
		return -1;
	c->reason = (__u32)r;
	n = strlen(f[6]);
	if (n % 2 || n / 2 > sizeof(c->frame))
		return -1;
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(f[6][2 * i]), lo = hexval(f[6][2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		c->frame[i] = (uint8_t)(hi << 4 | lo);
	}
	c->len = n / 2;
	return 0;
}

static int load_cases(const char *path)
{
	static char line[2 * FX_FRAME_MAX + 512];
	FILE *fp = fopen(path, "r");
	size_t cap = 0;
	int lineno = 0;

	if (!fp) {
		fprintf(stderr, "test_gtp: %s: %s (make builds it from tests/gtp/frames.py)\n",
			path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		lineno++;
		if (ncases == cap) {
			cap = cap ? 2 * cap : 64;
			cases = realloc(cases, cap * sizeof(*cases));
			if (!cases)
				return -1;
		}
		memset(&cases[ncases], 0, sizeof(cases[0]));
		if (parse_line(&cases[ncases], line)) {
			fprintf(stderr, "%s:%d:1: not a test case line\n", path, lineno);
			fclose(fp);
			return -1;
		}
		ncases++;
	}
	fclose(fp);
	return ncases ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Policy, at ABI level                                                */
/* ------------------------------------------------------------------ */

static int map_fd(struct bpf_map *m)
{
	int fd = bpf_map__fd(m);

	assert_true(fd >= 0);
	return fd;
}

static void put(struct bpf_map *m, const void *k, const void *v)
{
	assert_int_equal(bpf_map_update_elem(map_fd(m), k, v, BPF_ANY), 0);
}

static void set_ctl(struct inst *in, __u32 applied)
{
	struct mw_ctl ctl = { .gen = 0, .applied = applied, .schema = MW_SCHEMA_VERSION,
			      .max_subjects = MW_DEFAULT_SUBJECTS, .seq = applied };
	__u32 zero = 0;

	put(in->skel->maps.mw_ctl, &zero, &ctl);
}

static void add_ip4(struct inst *in, const char *ip, struct mw_subject s)
{
	__u64 key = MW_IP4_KEY(0ull, fx_addr4(ip));

	put(in->skel->maps.mw_ip4, &key, &s);
}

static void add_ip6(struct inst *in, const char *ip, struct mw_subject s)
{
	struct mw_ip6_key key = { .gen = 0 };

	fx_addr6(ip, key.addr);
	put(in->skel->maps.mw_ip6, &key, &s);
}

/* The policy frames.py assumes, in generation 0, then applied. */
static void write_policy(struct inst *in)
{
	struct mw_config cfg = { .default_action = MW_ACT_PASS, .nsubjects = NSUBJ,
				 .lookups = MW_LK_MAC | MW_LK_IP4 | MW_LK_IP6 | MW_LK_LPM4 };
	struct mw_subject tagged = { 1, MW_ACT_DROP, 0, 0 };
	struct mw_subject allowed = { 2, MW_ACT_PASS, MW_SF_ALLOW, ALLOW_POLICY };
	struct mw_subject observed = { 3, MW_ACT_OBSERVE, 0, 0 };
	struct mw_subject prefix = { 4, MW_ACT_PASS, 0, 0 };
	struct mw_subject gnb = { 5, MW_ACT_PASS, 0, 0 };
	struct mw_lpm4_key lk = { .prefixlen = 32 + 24, .gen = 0, .addr = fx_addr4(UE_PREFIX) };
	struct mw_allow4_key a4 = { .prefixlen = 32 + 24, .scope = MW_SCOPE(0, ALLOW_POLICY),
				    .addr = fx_addr4(ALLOW_NET) };
	struct mw_allow6_key a6 = { .prefixlen = 32 + 64, .scope = MW_SCOPE(0, ALLOW_POLICY) };
	struct mw_allow_val any = { .n = 1 };	/* one rule: any protocol, any port */
	struct mw_policy_cfg pc = { 0 };	/* no rate limit */
	__u64 mk = MW_MAC_KEY(0ull, GNB1_MAC);
	__u32 k = 0;

	memset(cfg.if_default, MW_ACT_INHERIT, sizeof(cfg.if_default));
	put(in->skel->maps.mw_config, &k, &cfg);
	add_ip4(in, UE_TAGGED, tagged);
	add_ip4(in, UE_ALLOWED, allowed);
	add_ip6(in, UE_ALLOWED6, allowed);
	add_ip6(in, UE_OBSERVED6, observed);
	put(in->skel->maps.mw_lpm4, &lk, &prefix);
	put(in->skel->maps.mw_mac, &mk, &gnb);
	fx_addr6(ALLOW_NET6, a6.addr);
	put(in->skel->maps.mw_allow4, &a4, &any);
	put(in->skel->maps.mw_allow6, &a6, &any);
	k = ALLOW_POLICY;
	put(in->skel->maps.mw_policies, &k, &pc);
	set_ctl(in, 1);
}

/* ------------------------------------------------------------------ */
/* Snapshots                                                           */
/* ------------------------------------------------------------------ */

struct snap {
	struct mw_counter subj[SUBJ_CELLS];
	struct mw_counter ifc[IF_CELLS];
	struct mw_tunnel tun[NSUBJ];
};

static void take_snap(struct inst *in, struct snap *s)
{
	assert_int_equal(fx_read_counters(map_fd(in->skel->maps.mw_counters), 0, SUBJ_CELLS,
					  s->subj), 0);
	assert_int_equal(fx_read_counters(map_fd(in->skel->maps.mw_ifcounters), 0, IF_CELLS,
					  s->ifc), 0);
	assert_int_equal(mw_read_array(map_fd(in->skel->maps.mw_tunnels), NSUBJ, sizeof(s->tun[0]),
				       s->tun), 0);
}

static int diff_cells(const char *what, const struct mw_counter *a, const struct mw_counter *b,
		      __u32 n, __u32 want, __u64 bytes)
{
	int bad = 0;
	__u32 i;

	for (i = 0; i < n; i++) {
		__u64 dp = b[i].packets - a[i].packets, db = b[i].bytes - a[i].bytes;
		__u64 ep = i == want, eb = i == want ? bytes : 0;

		if (dp == ep && db == eb)
			continue;
		print_error("%s[%u] (%u, %s): +%llu packets +%llu bytes, expected +%llu +%llu\n",
			    what, i, i / MW_NR_REASONS, mw_reason_name(i % MW_NR_REASONS),
			    (unsigned long long)dp, (unsigned long long)db,
			    (unsigned long long)ep, (unsigned long long)eb);
		bad++;
	}
	return bad;
}

static int diff_tunnels(const struct gcase *c, const struct snap *a, const struct snap *b)
{
	char want[INET6_ADDRSTRLEN], have[INET6_ADDRSTRLEN];
	const struct mw_tunnel *t = &b->tun[c->subject];
	int bad = 0;
	__u32 i;

	for (i = 0; i < NSUBJ; i++) {
		__u64 d = b->tun[i].frames - a->tun[i].frames;
		__u64 e = c->tunnel && i == c->subject;

		if (d != e) {
			print_error("mw_tunnels[%u]: +%llu frames, expected +%llu\n", i,
				    (unsigned long long)d, (unsigned long long)e);
			bad++;
		}
	}
	if (!c->tunnel)
		return bad;
	if (t->family != c->family || t->dir != c->dir ||
	    memcmp(t->peer, c->peer, c->family == AF_INET ? 4 : 16) ||
	    t->ifindex != 1 /* BPF_PROG_TEST_RUN's ingress: loopback */) {
		inet_ntop(c->family, c->peer, want, sizeof(want));
		inet_ntop(t->family == AF_INET6 ? AF_INET6 : AF_INET, t->peer, have, sizeof(have));
		print_error("mw_tunnels[%u]: %s %s on ifindex %u, expected %s %s on 1\n",
			    c->subject, t->dir ? "downlink" : "uplink", have, t->ifindex,
			    c->dir ? "downlink" : "uplink", want);
		bad++;
	}
	return bad;
}

static void run_case(void **state)
{
	const struct gcase *c = *state;
	struct inst *in = &insts[c->inst];
	struct snap *before = calloc(1, sizeof(*before)), *after = calloc(1, sizeof(*after));
	__u32 retval = ~0u;
	int err, bad = 0;

	assert_non_null(before);
	assert_non_null(after);
	if (!c->applied)
		set_ctl(in, 0);
	take_snap(in, before);
	err = fx_run(in->prog_fd, c->frame, c->len, 1, &retval, NULL);
	take_snap(in, after);
	if (!c->applied)
		set_ctl(in, 1);
	if (err) {
		print_error("BPF_PROG_TEST_RUN: %s\n", strerror(-err));
		bad++;
	} else if ((int)retval != c->verdict) {
		print_error("verdict %s, expected %s\n", fx_verdict_name(retval),
			    fx_verdict_name(c->verdict));
		bad++;
	}
	bad += diff_cells("mw_counters", before->subj, after->subj, SUBJ_CELLS,
			  c->subject * MW_NR_REASONS + c->reason, c->len);
	bad += diff_cells("mw_ifcounters", before->ifc, after->ifc, IF_CELLS,
			  in->cfg.slot * MW_NR_REASONS + c->reason, c->len);
	bad += diff_tunnels(c, before, after);
	free(before);
	free(after);
	if (bad)
		fail_msg("%d mismatch(es); expected %s, subject %u, reason %s, %zu bytes", bad,
			 fx_verdict_name(c->verdict), c->subject, mw_reason_name(c->reason), c->len);
}

static int group_setup(void **state)
{
	char err[256];
	cpu_set_t one;
	int cpu = sched_getcpu();
	int i;

	(void)state;
	/* one CPU: the tunnel cell a frame moves is the one read back as the latest */
	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	sched_setaffinity(0, sizeof(one), &one);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return -1;
	fx_libbpf_quiet();
	for (i = 0; i < I_NR; i++) {
		struct inst *in = &insts[i];

		in->skel = fx_load(&in->cfg, NULL, err, sizeof(err));
		if (!in->skel) {
			fprintf(stderr, "%s: %s\n", in->name, err);
			return -1;
		}
		in->prog_fd = fx_prog_fd(in->skel);
		write_policy(in);
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	modwall_bpf__destroy(insts[I_N3].skel);
	modwall_bpf__destroy(insts[I_LAN].skel);
	return 0;
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	struct CMUnitTest *tests;
	ssize_t n;
	size_t i;
	int rc;

	if (argc > 1) {
		snprintf(path, sizeof(path), "%s", argv[1]);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return 1;
		self[n] = 0;
		snprintf(path, sizeof(path), "%s/gtp_frames.txt", dirname(self));
	}
	if (load_cases(path))
		return 1;
	tests = calloc(ncases, sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < ncases; i++) {
		tests[i].name = cases[i].desc;
		tests[i].test_func = run_case;
		tests[i].initial_state = &cases[i];
	}
	rc = _cmocka_run_group_tests("modwall_gtp", tests, ncases, group_setup, group_teardown);
	free(tests);
	free(cases);
	return rc;
}
