// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Exact counting under a flood from every CPU. A device's counters are one
 * line shared by all CPUs (atomic adds), its rate_limited and malformed
 * frames go to its bucket line, and classes and the unattributed subject
 * are counted per CPU (see "Counters" in modwall.h). Here one sender
 * thread per CPU, each pinned to its CPU, runs the same frames through
 * the program with BPF_PROG_TEST_RUN at the same time, and every counter
 * must equal the frames sent, packet for packet and byte for byte.
 *
 * The policy goes through the real compile and apply, so the devices get
 * the ids apply gives (from MW_PCPU_IDS up) and the class a per-CPU one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "maps.h"
#include "policy.h"
#include "compile.h"
#include "apply.h"
#include "modwall.skel.h"

#define MAC_GW		0x02ffffffff01ull
#define MAC_METER	0x020000000001ull	/* device, drop */
#define MAC_CAM		0x020000000002ull	/* device, pass */
#define MAC_SLOW	0x020000000003ull	/* device, 1 pps */
#define MAC_MEMBER	0x001bc5000042ull	/* in class "modules" */
#define MAC_NOBODY	0x02aaaaaaaa01ull	/* in no table */

#define REPEAT		20000	/* frames per BPF_PROG_TEST_RUN call */
#define CALLS		25	/* calls per thread */

static const char *const policy_text =
	"policy slow { rate 1 pps burst 1 packets }\n"
	"class modules prefix 00:1b:c5/24 policy observe\n"
	"device meter mac 02:00:00:00:00:01 policy drop\n"
	"device cam mac 02:00:00:00:00:02 policy pass\n"
	"device slow mac 02:00:00:00:00:03 policy slow\n"
	"default pass\n";

static struct {
	struct modwall_bpf *skel;
	struct mw_maps m;
	struct mw_plan plan;
	int prog_fd;
	int ncpus;		/* online CPUs the senders run on (at most 4) */
} w;

static uint32_t id_of(const char *name)
{
	uint32_t i;

	for (i = 0; i < w.plan.nsubj; i++)
		if (!strcmp(w.plan.subj[i].name, name))
			return w.plan.subj[i].id;
	fail_msg("no subject '%s'", name);
	return 0;
}

static struct mw_counter cell(uint32_t id, uint32_t reason)
{
	struct mw_counter c[MW_NR_REASONS];

	assert_int_equal(mw_read_subject_counters(&w.m, id, 1, c), 0);
	return c[reason];
}

static struct mw_counter ifcell(uint32_t reason)
{
	struct mw_counter c;

	assert_int_equal(fx_read_counters(w.m.ifcounters, reason, 1, &c), 0);	/* slot 0 */
	return c;
}

/* ---- senders ---------------------------------------------------------- */

/* Every CPU sends @f CALLS x REPEAT times, all at once; returns the frames sent. */
static uint64_t flood(const struct fx_frame *f, __u32 want_verdict)
{
	struct fx_sender s[4];
	int i;

	for (i = 0; i < w.ncpus; i++)
		s[i] = (struct fx_sender){ .cpu = i, .f = f };
	assert_int_equal(fx_run_on_cpus(w.prog_fd, s, w.ncpus, REPEAT, CALLS), 0);
	for (i = 0; i < w.ncpus; i++) {
		assert_int_equal(s[i].err, 0);
		if (want_verdict != (__u32)-1)
			assert_int_equal(s[i].verdict, want_verdict);
	}
	return (uint64_t)w.ncpus * CALLS * REPEAT;
}

static void udp_from(struct fx_frame *f, uint64_t src)
{
	memset(f, 0, sizeof(*f));
	fx_eth(f, MAC_GW, src, ETH_P_IP);
	fx_ipv4(f, fx_addr4("198.18.0.2"), fx_addr4("198.18.1.1"), IPPROTO_UDP, 5);
	fx_udp(f, 40000, 5683, 64);
	fx_fin(f);
}

/* ---- tests ------------------------------------------------------------ */

/* A device (one shared line): every frame from every CPU, once. */
static void test_device_line(void **state)
{
	uint32_t meter = id_of("meter"), cam = id_of("cam");
	struct mw_counter d0 = cell(meter, MW_R_DROP), c0 = cell(cam, MW_R_PASS);
	struct mw_counter i0 = ifcell(MW_R_DROP), u0 = cell(0, MW_R_PASS);
	struct fx_frame f;
	uint64_t n;

	(void)state;
	assert_true(meter >= MW_PCPU_IDS);
	udp_from(&f, MAC_METER);
	n = flood(&f, XDP_DROP);
	assert_int_equal(cell(meter, MW_R_DROP).packets - d0.packets, n);
	assert_int_equal(cell(meter, MW_R_DROP).bytes - d0.bytes, n * f.len);
	assert_int_equal(ifcell(MW_R_DROP).packets - i0.packets, n);
	/* nothing strays into a neighbour's line or the unattributed cells */
	assert_int_equal(cell(cam, MW_R_PASS).packets, c0.packets);
	assert_int_equal(cell(0, MW_R_PASS).packets, u0.packets);
}

/* The per-CPU subjects: the unattributed one and a class. */
static void test_percpu_subjects(void **state)
{
	uint32_t cls = id_of("modules");
	struct mw_counter u0 = cell(0, MW_R_PASS), k0 = cell(cls, MW_R_OBSERVE);
	struct fx_frame f;
	uint64_t n;

	(void)state;
	assert_true(cls < MW_PCPU_IDS);
	udp_from(&f, MAC_NOBODY);
	n = flood(&f, XDP_PASS);
	assert_int_equal(cell(0, MW_R_PASS).packets - u0.packets, n);
	assert_int_equal(cell(0, MW_R_PASS).bytes - u0.bytes, n * f.len);
	udp_from(&f, MAC_MEMBER);
	n = flood(&f, XDP_PASS);
	assert_int_equal(cell(cls, MW_R_OBSERVE).packets - k0.packets, n);
	assert_int_equal(cell(cls, MW_R_OBSERVE).bytes - k0.bytes, n * f.len);
}

/* Over the limit: pass + rate_limited (its bucket line) == frames sent. */
static void test_rate_limited_in_bucket(void **state)
{
	uint32_t slow = id_of("slow");
	struct mw_counter p0 = cell(slow, MW_R_PASS), l0 = cell(slow, MW_R_RATE_LIMITED);
	struct fx_frame f;
	uint64_t n, passed, limited;

	(void)state;
	assert_true(slow >= MW_PCPU_IDS);
	udp_from(&f, MAC_SLOW);
	n = flood(&f, (__u32)-1);
	passed = cell(slow, MW_R_PASS).packets - p0.packets;
	limited = cell(slow, MW_R_RATE_LIMITED).packets - l0.packets;
	assert_int_equal(passed + limited, n);
	assert_true(limited >= n - 100);	/* 1 pps: a handful pass in the run */
	assert_int_equal(cell(slow, MW_R_RATE_LIMITED).bytes - l0.bytes, limited * f.len);
	assert_int_equal(w.m.buckets_m[slow].limited.packets, cell(slow, MW_R_RATE_LIMITED).packets);
}

/* Malformed frames from a device's MAC: its bucket line's malformed cell. */
static void test_malformed_in_bucket(void **state)
{
	uint32_t cam = id_of("cam");
	struct mw_counter m0 = cell(cam, MW_R_MALFORMED), p0 = cell(cam, MW_R_PASS);
	struct fx_frame f;
	uint64_t n;

	(void)state;
	udp_from(&f, MAC_CAM);
	fx_chop(&f, ETH_HLEN + 10);	/* the IPv4 header cut short */
	n = flood(&f, XDP_DROP);
	assert_int_equal(cell(cam, MW_R_MALFORMED).packets - m0.packets, n);
	assert_int_equal(cell(cam, MW_R_MALFORMED).bytes - m0.bytes, n * f.len);
	assert_int_equal(cell(cam, MW_R_PASS).packets, p0.packets);
}

/* An id given back: every one of its counters is zero again. */
static void test_zero_subject(void **state)
{
	uint32_t cam = id_of("cam");
	struct mw_counter c[MW_NR_REASONS];
	int r;

	(void)state;
	assert_true(cell(cam, MW_R_MALFORMED).packets > 0);
	assert_int_equal(mw_zero_subject(&w.m, cam), 0);
	assert_int_equal(mw_read_subject_counters(&w.m, cam, 1, c), 0);
	for (r = 0; r < MW_NR_REASONS; r++) {
		assert_int_equal(c[r].packets, 0);
		assert_int_equal(c[r].bytes, 0);
	}
}

/* ---- setup ------------------------------------------------------------ */

static int group_setup(void **state)
{
	const struct fx_prog cfg = { 0, MW_ROLE_LAN, MW_ACT_PASS, MW_ACT_DROP };
	struct mw_apply_result res;
	struct mw_policy pol;
	char err[512] = "";
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	(void)state;
	fx_libbpf_quiet();
	w.ncpus = online < 2 ? 1 : online > 4 ? 4 : (int)online;
	w.skel = fx_load(&cfg, NULL, err, sizeof(err));
	if (!w.skel) {
		fprintf(stderr, "fx_load: %s\n", err);
		return -1;
	}
	w.prog_fd = fx_prog_fd(w.skel);
	if (mw_maps_from_skel(&w.m, w.skel, err, sizeof(err)) ||
	    mw_maps_init(&w.m, w.m.max_subjects)) {
		fprintf(stderr, "maps: %s\n", err);
		return -1;
	}
	if (mw_policy_load_string(&pol, "flood.mwp", policy_text) ||
	    mw_compile(&w.plan, &pol, NULL, NULL)) {
		fprintf(stderr, "the policy does not compile\n");
		return -1;
	}
	mw_policy_free(&pol);
	if (mw_apply(&w.m, &w.plan, &res, err, sizeof(err))) {
		fprintf(stderr, "mw_apply: %s\n", err);
		return -1;
	}
	mw_apply_result_free(&res);
	if (w.ncpus < 2)
		fprintf(stderr, "test_flood: one CPU online: the flood comes from it alone\n");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	mw_plan_free(&w.plan);
	mw_maps_close(&w.m);
	modwall_bpf__destroy(w.skel);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_line),
		cmocka_unit_test(test_percpu_subjects),
		cmocka_unit_test(test_rate_limited_in_bucket),
		cmocka_unit_test(test_malformed_in_bucket),
		cmocka_unit_test(test_zero_subject),
	};

	return cmocka_run_group_tests_name("modwall_flood", tests, group_setup, group_teardown);
}
