// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What keeping flows costs (xdpbench flows, xdpbench flowmem).
 *
 *   flows    ns per frame with flows off and on, side by side in one run:
 *	    a tagged device (policy pass, or pass + flows) and a vendor-class
 *	    member (a policy observe, or the built-in observe that keeps
 *	    flows, keyed by the member's MAC); warm (a few flows) and with a
 *	    device talking to 65536 remotes in turn (rotate.bpf.c rewrites
 *	    the destination). Then the tc egress program (modwall_tc, as
 *	    SCHED_CLS) beside a bare tc program (bare_tc.bpf.c).
 *   flowmem  a real mw_flows of 1M entries, filled through the data path,
 *	    its memory (memlock in /proc/self/fdinfo) at this machine's
 *	    CPUs and computed for 64.
 *
 * Both check what they measured: the flows of the subjects that keep them
 * sum to their counters, the subjects that do not keep flows have none,
 * and the 1M table holds exactly 1M flows and counts the next one as a miss.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "modwall.skel.h"
#include "modwall.h"
#include "fixture.h"
#include "flows.h"
#include "xdpbench.h"

#define FLOW_DEVICES	16		/* warm: devices (and class members) of each kind */
#define FLOW_REMOTES	65536		/* many flows: remotes one device talks to */
#define NET_REMOTES	0x0a800000u	/* 10.128.0.0/16: those remotes */
#define FLOW_TABLE	(1u << 18)	/* mw_flows of the flows command */
#define PFX_QUIET	0x02f100ull	/* class without flows: 02:F1:00/24 */
#define PFX_MEMBERS	0x02f200ull	/* class with the built-in observe: 02:F2:00/24 */
#define GOAL		1.25		/* flows on / flows off */
#define MEM_FLOWS	(1u << 20)
#define NET_FILL	0x0a000000u	/* 10.0.0.0/12: the remotes that fill the 1M table */

static uint64_t member_mac(uint64_t pfx, uint32_t i)
{
	return pfx << 24 | (i + 1);
}

/* @n copies of one frame from @smac to @daddr:9 (the driver changes the destination). */
static void frames_one(struct frames *fs, uint32_t n, uint64_t smac, uint32_t daddr)
{
	uint32_t i;

	frames_alloc(fs, n);
	for (i = 0; i < n; i++)
		frame_set(frame(fs, i), DST_MAC, smac, NET_DEV | 1, daddr, (uint16_t)(1024 + i), 9);
}

/* Downloads: frames from the server (port 9) to @n devices or addresses, as tc egress sees them. */
static void frames_down(struct frames *fs, uint16_t fam, uint32_t net, uint32_t ndev)
{
	uint32_t i;

	frames_alloc(fs, opt.frames);
	for (i = 0; i < opt.frames; i++) {
		uint32_t d = i % ndev;

		frame_set(frame(fs, i), mac_of(fam, d), DST_MAC, ADDR_SERVER, net | (d & 0xffff), 9,
			  (uint16_t)(1024 + i % 60000));
	}
}

static void load_tc_bare(struct prog *p, const char *path)
{
	struct bpf_program *bp;

	memset(p, 0, sizeof(*p));
	if (!path)
		return prog_na(p, "no --bare-tc object given");
	bpf_log[0] = 0;
	p->obj = bpf_object__open_file(path, NULL);
	if (!p->obj) {
		p->obj = NULL;
		return prog_na(p, "%s: %s", path, strerror(errno));
	}
	if (bpf_object__load(p->obj))
		return prog_na(p, "loading %s: %s", path, bpf_last());
	bp = bpf_object__find_program_by_name(p->obj, "bare_tc");
	if (!bp)
		return prog_na(p, "%s has no program bare_tc", path);
	p->fd = bpf_program__fd(bp);
	p->held = 1;	/* tc test runs need no XDP dispatcher */
}

static double med(const struct bcase *c)
{
	return c->nv ? median(c->v, c->nv) : -1;
}

/* One row of table A: flows off and on, the ratio, with a driver's cost taken out. */
static void onoff_row(const char *label, const struct bcase *off, const struct bcase *on,
		      double driver)
{
	double a = med(off), b = med(on);

	if (a <= 0 || b <= 0) {
		printf("  %-40s N/A: %s\n", label, a <= 0 ? off->why : on->why);
		return;
	}
	printf("  %-40s %9.1f %9.1f %8.2fx", label, a, b, b / a);
	if (driver > 0 && a > driver) {
		double r = (b - driver) / (a - driver);

		printf(" %9.2fx  %s\n", r, r <= GOAL ? "met" : "MISSED");
	} else {
		printf(" %10s  %s\n", "-", b / a <= GOAL ? "met" : "MISSED");
	}
	if (off->wrong || on->wrong)
		printf("  %-40s WRONG VERDICTS: %llu and %llu frames\n", "",
		       (unsigned long long)off->wrong, (unsigned long long)on->wrong);
}

/*
 * The flows of the subjects that keep them against their counters, and
 * no flow for the subjects that do not.
 */
static void flows_check(struct inst *in)
{
	struct mw_subject_info *si = calloc(in->maxs, sizeof(*si));
	struct mw_counter *c = calloc((size_t)in->maxs * MW_NR_REASONS, sizeof(*c));
	uint64_t cp = 0, cb = 0, fp = 0, fb = 0, fs[MW_FS_NR] = { 0 };
	struct mw_flow_rec *r = NULL;
	size_t nkeep = 0, nother = 0;
	ssize_t n, i;
	uint32_t id;
	int reason;
	char *keep = calloc(in->maxs, 1);

	if (!si || !c || !keep || mw_read_subjects(&in->m, si) ||
	    mw_read_counters(&in->m, in->m.counters, in->maxs * MW_NR_REASONS, c) ||
	    mw_flowstats_read(&in->m, fs) || (n = mw_flows_read(&in->m, MW_FLOWS_ALL, &r)) < 0) {
		printf("Check: N/A: reading the maps failed\n");
		goto out;
	}
	for (id = 1; id < in->maxs; id++) {
		if (si[id].name[0] != 'k' && strcmp(si[id].name, "members"))
			continue;
		keep[id] = 1;
		for (reason = 0; reason < MW_NR_REASONS; reason++) {
			cp += c[id * MW_NR_REASONS + reason].packets;
			cb += c[id * MW_NR_REASONS + reason].bytes;
		}
	}
	for (i = 0; i < n; i++) {
		if (r[i].k.subject >= in->maxs || !keep[r[i].k.subject]) {
			nother++;
			continue;
		}
		nkeep++;
		fp += r[i].v.packets[0] + r[i].v.packets[1];
		fb += r[i].v.bytes[0] + r[i].v.bytes[1];
	}
	printf("Check: the subjects that keep flows have %zu flows of %llu packets, %llu bytes; "
	       "their counters\nsay %llu packets, %llu bytes: %s. Flows of subjects without: %zu "
	       "(0 expected); table full: %llu.\n", nkeep, (unsigned long long)fp,
	       (unsigned long long)fb, (unsigned long long)cp, (unsigned long long)cb,
	       fp == cp && fb == cb ? "exact" : "MISMATCH", nother,
	       (unsigned long long)fs[MW_FS_FULL]);
out:
	free(r);
	free(si);
	free(c);
	free(keep);
}

int cmd_flows(void)
{
	enum { F_BARE, F_TOFF, F_TON, F_COFF, F_CON, F_RBARE, F_RTOFF, F_RTON, F_RCOFF, F_RCON,
	       F_TCBARE, F_TCNONE, F_TCOFF, F_TCON, F_N };
	static struct bcase cs[F_N];
	struct frames f_toff, f_ton, f_coff, f_con, r_toff, r_ton, r_coff, r_con, r_bare;
	struct frames t_none, t_off, t_on;
	struct prog bare, mwp = { .fd = -1 }, rot, rbare, tcbare, mwtc = { .fd = -1 };
	struct sbuf pol = { 0 };
	char why[600] = "";
	struct inst in;
	uint32_t i;
	int have, k;

	sb_printf(&pol, "policy keep { pass flows }\npolicy watch { observe }\n");
	devices_by_mac(&pol, "n", FAM_PASS, FLOW_DEVICES, "pass");
	devices_by_mac(&pol, "k", FAM_FLOWS, FLOW_DEVICES, "keep");
	sb_printf(&pol, "class quiet prefix %06llX policy watch\n"
		  "class members prefix %06llX policy observe\ndefault pass\n", PFX_QUIET,
		  PFX_MEMBERS);
	have = inst_open_flows(&in, 1024, FLOW_TABLE, why, sizeof(why)) == 0 &&
	       inst_apply(&in, pol.p, NULL, NULL, why, sizeof(why)) == 0;
	free(pol.p);
	if (have) {
		mwp.fd = in.fd;
		mwtc.fd = bpf_program__fd(in.skel->progs.modwall_tc);
		mwtc.held = 1;
		if (opt.lines)
			dump_lines(in.fd, opt.lines);
	} else {
		snprintf(mwp.why, sizeof(mwp.why), "%.190s", why);
		snprintf(mwtc.why, sizeof(mwtc.why), "%.190s", why);
	}

	frames_family(&f_toff, opt.frames, FAM_PASS, FLOW_DEVICES, NET_DEV, DST_MAC, ADDR_SERVER);
	frames_family(&f_ton, opt.frames, FAM_FLOWS, FLOW_DEVICES, NET_DEV, DST_MAC, ADDR_SERVER);
	frames_alloc(&f_coff, opt.frames);
	frames_alloc(&f_con, opt.frames);
	for (i = 0; i < opt.frames; i++) {
		uint32_t d = i % FLOW_DEVICES;

		frame_set(frame(&f_coff, i), DST_MAC, member_mac(PFX_QUIET, d), NET_DEV | d,
			  ADDR_SERVER, (uint16_t)(1024 + i), 9);
		frame_set(frame(&f_con, i), DST_MAC, member_mac(PFX_MEMBERS, d), NET_DEV | d,
			  ADDR_SERVER, (uint16_t)(1024 + i), 9);
	}
	frames_one(&r_toff, ROT_FRAMES, mac_of(FAM_PASS, 0), NET_REMOTES);
	frames_one(&r_ton, ROT_FRAMES, mac_of(FAM_FLOWS, 0), NET_REMOTES);
	frames_one(&r_coff, ROT_FRAMES, member_mac(PFX_QUIET, 0), NET_REMOTES);
	frames_one(&r_con, ROT_FRAMES, member_mac(PFX_MEMBERS, 0), NET_REMOTES);
	frames_one(&r_bare, ROT_FRAMES, mac_of(FAM_FLOWS, 0), NET_REMOTES);
	frames_down(&t_none, FAM_UNKNOWN, NET_UNKNOWN, opt.frames);
	frames_down(&t_off, FAM_PASS, NET_DEV, FLOW_DEVICES);
	frames_down(&t_on, FAM_FLOWS, NET_DEV, FLOW_DEVICES);

	load_bare(&bare, opt.bare);
	load_rotate_to(&rot, opt.rotate, &mwp, NET_REMOTES, FLOW_REMOTES);
	load_rotate_to(&rbare, opt.rotate, &bare, NET_REMOTES, FLOW_REMOTES);
	load_tc_bare(&tcbare, opt.bare_tc);

	mkcase(&cs[F_BARE], "bare XDP_DROP", NULL, &bare, &f_ton, XDP_DROP, -1, NULL, -1);
	mkcase(&cs[F_TOFF], "warm tagged, flows off", NULL, &mwp, &f_toff, XDP_PASS, 0, &in, -1);
	mkcase(&cs[F_TON], "warm tagged, flows on", NULL, &mwp, &f_ton, XDP_PASS, 0, &in, -1);
	mkcase(&cs[F_COFF], "warm class member, flows off", NULL, &mwp, &f_coff, XDP_PASS, 0, &in, -1);
	mkcase(&cs[F_CON], "warm class member, flows on", NULL, &mwp, &f_con, XDP_PASS, 0, &in, -1);
	mkcase(&cs[F_RBARE], "rotating bare", NULL, &rbare, &r_bare, XDP_DROP, -1, NULL, -1);
	mkcase(&cs[F_RTOFF], "64k tagged, flows off", NULL, &rot, &r_toff, XDP_PASS, 0, &in,
	       -1);
	mkcase(&cs[F_RTON], "64k tagged, flows on", NULL, &rot, &r_ton, XDP_PASS, 0, &in, -1);
	mkcase(&cs[F_RCOFF], "64k class member, flows off", NULL, &rot, &r_coff, XDP_PASS, 0,
	       &in, -1);
	mkcase(&cs[F_RCON], "64k class member, flows on", NULL, &rot, &r_con, XDP_PASS, 0,
	       &in, -1);
	for (k = F_RBARE; k <= F_RCON; k++)
		cs[k].repeat = ROT_REPEAT;
	mkcase(&cs[F_TCBARE], "bare tc: per-CPU counter, TC_ACT_OK", NULL, &tcbare, &t_on,
	       TC_ACT_OK, -1, NULL, -1);
	/* modwall_tc passes with TC_ACT_UNSPEC (-1), which bcase reads as "any": see the check */
	mkcase(&cs[F_TCNONE], "modwall_tc: unattributed frame", NULL, &mwtc, &t_none, -1, 0, &in,
	       -1);
	mkcase(&cs[F_TCOFF], "modwall_tc: tagged device, flows off", NULL, &mwtc, &t_off, -1, 0,
	       &in, -1);
	mkcase(&cs[F_TCON], "modwall_tc: tagged device, flows on", NULL, &mwtc, &t_on, -1, 0, &in,
	       -1);

	run_rounds(cs, F_N, run_cost);

	printf("A. XDP, ns/pkt in the kernel (BPF_PROG_TEST_RUN), median of %u interleaved rounds, "
	       "events off.\n   Flows off: policy pass (tagged), a policy 'observe' (class); on: "
	       "policy 'pass flows',\n   the built-in observe (class: flows by member MAC). "
	       "Goal: flows on <= %.2fx flows off.\n\n", opt.rounds, GOAL);
	printf("  %-40s %9s %9s %9s %10s  %s\n", "case", "flows off", "flows on", "on/off",
	       "drv. out", "goal");
	printf("warm: %u devices or members, one remote each (%u flows per kind), %u frames x "
	       "repeat %u:\n", FLOW_DEVICES, FLOW_DEVICES, opt.frames, opt.repeat);
	onoff_row("tagged device by MAC", &cs[F_TOFF], &cs[F_TON], 0);
	onoff_row("vendor class member (observe)", &cs[F_COFF], &cs[F_CON], 0);
	printf("many flows: one device or member, every run to another of %u remotes\n"
	       "(rotate.bpf.c rewrites the destination; %u frames x repeat %u; the driver alone "
	       "before a\nbare drop: %.1f ns, taken out in 'drv. out', which the goal reads):\n",
	       FLOW_REMOTES, ROT_FRAMES, ROT_REPEAT, med(&cs[F_RBARE]));
	onoff_row("tagged device by MAC, 64k remotes", &cs[F_RTOFF], &cs[F_RTON], med(&cs[F_RBARE]));
	onoff_row("vendor class member, 64k remotes", &cs[F_RCOFF], &cs[F_RCON], med(&cs[F_RBARE]));
	printf("anchor: bare XDP_DROP + per-CPU counter: %.1f ns\n", med(&cs[F_BARE]));

	printf("\nB. tc egress (modwall_tc as SCHED_CLS through BPF_PROG_TEST_RUN: an skb per run "
	       "on the\n   test's loopback), downloads from 198.18.0.1:9 to devices, %u frames "
	       "x repeat %u.\n\n", opt.frames, opt.repeat);
	printf("  %-40s %9s %13s %8s\n", "program / frame", "ns/pkt", "min-max", "vs bare");
	for (k = F_TCBARE; k < F_N; k++) {
		struct bcase *c = &cs[k];
		char rb[16], mm[32];

		if (!c->nv) {
			printf("  %-40s %9s   %s\n", c->label, "N/A", c->why[0] ? c->why : "did not run");
			continue;
		}
		ratio(rb, sizeof(rb), med(c), med(&cs[F_TCBARE]));
		snprintf(mm, sizeof(mm), "%.1f-%.1f", vmin(c->v, c->nv), vmax(c->v, c->nv));
		printf("  %-40s %9.1f %13s %8s%s\n", c->label, med(c), mm, rb,
		       c->wrong ? "  WRONG VERDICTS" : "");
	}
	if (med(&cs[F_TCOFF]) > 0 && med(&cs[F_TCON]) > 0)
		printf("  flows on / off in tc: %.2fx (goal <= %.2fx: %s)\n",
		       med(&cs[F_TCON]) / med(&cs[F_TCOFF]), GOAL,
		       med(&cs[F_TCON]) / med(&cs[F_TCOFF]) <= GOAL ? "met" : "MISSED");
	printf("\n");
	if (have) {
		flows_check(&in);
		inst_close(&in);
	}
	free(f_toff.d), free(f_ton.d), free(f_coff.d), free(f_con.d);
	free(r_toff.d), free(r_ton.d), free(r_coff.d), free(r_con.d), free(r_bare.d);
	free(t_none.d), free(t_off.d), free(t_on.d);
	return 0;
}

/* ---- flowmem ---------------------------------------------------------------- */

/* memlock of a fresh hash map with mw_flows' key and value (prealloc), @n entries. */
static uint64_t htab_memlock(uint32_t n, uint32_t flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "mw_flows_size", sizeof(struct mw_flow_key),
				sizeof(struct mw_flow), n, &o);
	uint64_t v;

	if (fd < 0)
		return 0;
	v = fdinfo_memlock(fd);
	close(fd);
	return v;
}

/*
 * The same table without preallocation (BPF_F_NO_PREALLOC), filled from
 * userspace with @n keys: its memlock follows the entries in it.
 */
static uint64_t noprealloc_filled(uint32_t n, uint64_t *empty, double *secs)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	const uint32_t chunk = 65536;
	struct mw_flow_key *k = calloc(chunk, sizeof(*k));
	struct mw_flow *v = calloc(chunk, sizeof(*v));
	uint64_t ml = 0;
	uint32_t i, j;
	double t0;
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "mw_flows_np", sizeof(*k), sizeof(*v), n, &o);

	if (fd < 0 || !k || !v)
		goto out;
	*empty = fdinfo_memlock(fd);
	t0 = now_s();
	for (i = 0; i < n; i += chunk) {
		__u32 cnt = n - i < chunk ? n - i : chunk;

		for (j = 0; j < cnt; j++) {
			uint32_t a = htonl(NET_FILL | (i + j));

			k[j].subject = 1;
			k[j].family = AF_INET;
			k[j].proto = IPPROTO_UDP;
			k[j].port = 9;
			memcpy(k[j].addr, &a, 4);
			v[j].packets[0] = 1;
			v[j].bytes[0] = FRAME_LEN;
		}
		if (bpf_map_update_batch(fd, k, v, &cnt, &bo))
			goto out;
	}
	*secs = now_s() - t0;
	ml = fdinfo_memlock(fd);
out:
	if (fd >= 0)
		close(fd);
	free(k);
	free(v);
	return ml;
}

static double mib(uint64_t b)
{
	return (double)b / 1048576.0;
}

int cmd_flowmem(void)
{
	const uint32_t n = opt.quick ? MEM_FLOWS / 8 : MEM_FLOWS;
	struct prog mwp = { .fd = -1 }, rot;
	struct frames one;
	struct inst in;
	struct sbuf pol = { 0 };
	struct mw_flow_rec *recs = NULL;
	struct mw_counter miss[1024];
	uint64_t empty, full, fs[MW_FS_NR] = { 0 }, elem, np_empty = 0, np_full;
	uint64_t lock, spare, per_cpu, full64, stats, stats64, missmem, missed = 0;
	double t_fill, t_read, t_np = 0;
	char why[600] = "";
	__u32 verdict, ns;
	cpu_set_t set, old;
	ssize_t got;
	int fdflows, i;
	LIBBPF_OPTS(bpf_test_run_opts, to, .repeat = n);

	sb_printf(&pol, "policy keep { pass flows }\n");
	devices_by_mac(&pol, "k", FAM_FLOWS, 1, "keep");
	sb_printf(&pol, "default pass\n");
	if (inst_open_flows(&in, 1024, n, why, sizeof(why)) ||
	    inst_apply(&in, pol.p, NULL, NULL, why, sizeof(why))) {
		printf("Flow table memory: N/A: %s\n", why);
		free(pol.p);
		return 0;
	}
	free(pol.p);
	mwp.fd = in.fd;
	load_rotate_to(&rot, opt.rotate, &mwp, NET_FILL, n);
	if (rot.fd < 0) {
		printf("Flow table memory: N/A: %s\n", rot.why);
		inst_close(&in);
		return 0;
	}
	fdflows = bpf_map__fd(in.skel->maps.mw_flows);
	empty = fdinfo_memlock(fdflows);

	/* one CPU: the driver's walk is per CPU, so n runs there are n distinct remotes */
	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&set);
	CPU_SET(opt.cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	frames_one(&one, 1, mac_of(FAM_FLOWS, 0), NET_FILL);
	to.data_in = frame(&one, 0);
	to.data_size_in = FRAME_LEN;
	t_fill = now_s();
	if (bpf_prog_test_run_opts(rot.fd, &to)) {
		printf("Flow table memory: N/A: filling through the data path: %s\n",
		       strerror(errno));
		goto out;
	}
	t_fill = now_s() - t_fill;
	sched_setaffinity(0, sizeof(old), &old);
	full = fdinfo_memlock(fdflows);
	/* one more remote: the table is full, the frame goes to the miss counter */
	frame_saddr(frame(&one, 0), NET_DEV | 1, ADDR_SERVER);
	fx_run(in.fd, frame(&one, 0), FRAME_LEN, 1, &verdict, &ns);
	mw_flowstats_read(&in.m, fs);
	if (mw_flowmiss_read(&in.m, miss) == 0)
		for (i = 0; i < 1024; i++)
			missed += miss[i].packets;
	t_read = now_s();
	got = mw_flows_read(&in.m, MW_FLOWS_ALL, &recs);
	t_read = now_s() - t_read;
	free(recs);

	elem = htab_memlock(4098, 0) - htab_memlock(4097, 0);
	lock = 8 * sizeof(int);		/* HASHTAB_MAP_LOCK_COUNT ints of lock depth */
	spare = elem + sizeof(void *);	/* the CPU's spare element and its pointer */
	per_cpu = lock + spare;
	full64 = full + (uint64_t)(64 - ncpus) * per_cpu;
	stats = fdinfo_memlock(bpf_map__fd(in.skel->maps.mw_flowstats));
	stats64 = stats + (uint64_t)MW_FS_NR * 8 * (uint64_t)(64 - ncpus);
	missmem = fdinfo_memlock(bpf_map__fd(in.skel->maps.mw_flowmiss));
	np_full = noprealloc_filled(n, &np_empty, &t_np);

	printf("mw_flows: BPF_MAP_TYPE_HASH, one table shared by all CPUs (the data path adds "
	       "with atomic\ninstructions), key struct mw_flow_key %zu B, value struct mw_flow "
	       "%zu B, preallocated\n(no BPF_F_NO_PREALLOC: every element exists from creation). "
	       "max_entries %u here.\n\n", sizeof(struct mw_flow_key), sizeof(struct mw_flow), n);
	printf("Filled through the data path: one device with 'flows', the rotating driver "
	       "sending each run\nto another of %u remotes, one test run of repeat %u on CPU %d: "
	       "%.2f s, %.0f ns per new flow\n(driver and a program run included). Flows created: "
	       "%llu (%u expected); the next new\nremote: %llu frame counted as table full and "
	       "%llu in the device's miss counter (1 and 1\nexpected). Reading every flow back "
	       "(mw_flows_read, what 'modwall flows' does): %zd flows,\n%.2f s.\n\n", n, n,
	       opt.cpu, t_fill, to.duration ? (double)to.duration : t_fill * 1e9 / n,
	       (unsigned long long)fs[MW_FS_CREATED], n, (unsigned long long)fs[MW_FS_FULL],
	       (unsigned long long)missed, got, t_read);
	printf("%-44s %14s %14s\n", "memlock (/proc/self/fdinfo)", "MiB @ this", "MiB @ 64 CPUs");
	printf("%-44s %14.2f %14s\n", "mw_flows, created, empty", mib(empty), "");
	printf("%-44s %14.2f %14.2f\n", "mw_flows, filled", mib(full), mib(full64));
	printf("%-44s %14.2f %14.2f\n", "mw_flowstats (per-CPU array, 4 counters)", mib(stats),
	       mib(stats64));
	printf("%-44s %14.2f %14.2f\n", "mw_flowmiss (array by subject, 1024 here)", mib(missmem),
	       mib(missmem));
	printf("%-44s %14.2f %14.2f\n", "total", mib(full + stats + missmem),
	       mib(full64 + stats64 + missmem));
	if (np_full)
		printf("%-44s %14.2f %14.2f\n", "for comparison: BPF_F_NO_PREALLOC, filled",
		       mib(np_full), mib(np_full + (uint64_t)(64 - ncpus) * lock));
	printf("\nHow the 64-CPU column is computed (kernel/bpf/hashtab.c, htab_map_mem_usage):\n"
	       "  a hash map costs buckets (16 B x max_entries rounded up to a power of two) and "
	       "one element\n  per entry (%llu B here: measured as the memlock of 4098 entries "
	       "less 4097's), whatever\n  the CPUs. What the CPU count adds: per possible CPU, a "
	       "spare element the kernel keeps for\n  replacing an entry in place (%llu B and its "
	       "%zu B pointer) and %llu B of lock-depth\n  counters: %llu B a CPU, so %d CPUs "
	       "add %.1f KiB to %.1f MiB. The values are not per CPU:\n  a per-CPU hash would "
	       "keep %zu B x 64 CPUs per flow, %.1f GiB more at %u flows.\n",
	       (unsigned long long)elem, (unsigned long long)elem, sizeof(void *),
	       (unsigned long long)lock, (unsigned long long)per_cpu, 64 - ncpus,
	       (double)(64 - ncpus) * (double)per_cpu / 1024.0, mib(full),
	       sizeof(struct mw_flow), (double)n * sizeof(struct mw_flow) * 63 / (1 << 30), n);
	printf("  mw_flowstats is the one per-CPU map of the flow path (%d x 8 B a CPU). "
	       "Without\n  preallocation the table would cost %.2f MiB empty and %.2f MiB full "
	       "(its elements come\n  from the allocator as flows appear; filling it from "
	       "userspace took %.2f s).\n", MW_FS_NR, mib(np_empty), mib(np_full), t_np);
	printf("For scale: the design's budget for all of modwall's maps at 64 CPUs is 512 MiB; "
	       "the flow\ntable of %u flows takes %.0f MiB at 64 CPUs.\n", n,
	       mib(full64 + stats64 + missmem));
out:
	sched_setaffinity(0, sizeof(old), &old);
	free(one.d);
	bpf_object__close(rot.obj);
	inst_close(&in);
	return 0;
}
