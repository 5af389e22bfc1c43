// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The open-addressing MAC table, through the real compile and apply path:
 * keys that share one home slot fill its probe window, the rest spill to
 * the hash map, and every one of them is still found; a MAC with the same
 * home that is in no policy is not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "modwall.skel.h"
#include "modwall.h"
#define FX_CMOCKA
#include "fixture.h"
#include "apply.h"
#include "compile.h"
#include "policy.h"
#include "state.h"

#define NCOLLIDE	(MW_TAB_PROBES + 3)	/* three more than a window holds */

static struct modwall_bpf *skel;
static struct mw_maps maps;
static uint64_t macs[NCOLLIDE + 1];	/* the last one is in no policy */

/* MACs whose home slot is the same as the first one's. */
static void colliding_macs(unsigned bits)
{
	uint64_t m = 0x020000000001ull;
	uint32_t home = MW_TAB_HASH(m, bits);
	int n = 0;

	for (; n < NCOLLIDE + 1; m++)
		if (MW_TAB_HASH(m, bits) == home)
			macs[n++] = m;
}

/* A 64-byte ARP frame from @src: attributed by MAC alone. */
static int run(uint64_t src, __u32 *verdict)
{
	struct fx_frame f = { .len = 0 };

	fx_eth(&f, 0x020202020202ull, src, ETH_P_ARP);
	fx_pad(&f, 64 - ETH_HLEN, 0);
	return fx_run(fx_prog_fd(skel), f.d, f.len, 1, verdict, NULL);
}

static uint64_t packets(uint32_t id, uint32_t reason)
{
	struct mw_counter *all = calloc(MW_NR_REASONS, sizeof(*all));
	uint64_t v = UINT64_MAX;

	if (all && !mw_read_subject_counters(&maps, id, 1, all))
		v = all[reason].packets;
	free(all);
	return v;
}

static void test_spill(void **state)
{
	char text[4096], *p = text, err[512];
	struct mw_policy pol;
	struct mw_plan plan;
	struct mw_apply_result res;
	struct mw_config cfg;
	__u32 verdict, gen;
	int i;

	(void)state;
	colliding_macs(maps.mac_bits);
	for (i = 0; i < NCOLLIDE; i++)
		p += sprintf(p, "device d%d mac %02x:%02x:%02x:%02x:%02x:%02x policy drop\n", i,
			     (unsigned)(macs[i] >> 40) & 0xff, (unsigned)(macs[i] >> 32) & 0xff,
			     (unsigned)(macs[i] >> 24) & 0xff, (unsigned)(macs[i] >> 16) & 0xff,
			     (unsigned)(macs[i] >> 8) & 0xff, (unsigned)macs[i] & 0xff);
	p += sprintf(p, "default pass\n");
	assert_int_equal(mw_policy_load_string(&pol, "t.mwp", text), 0);
	assert_int_equal(mw_compile(&plan, &pol, NULL, NULL), 0);
	assert_int_equal(mw_apply(&maps, &plan, &res, err, sizeof(err)), 0);

	gen = maps.ctlm->gen;
	assert_int_equal(bpf_map_lookup_elem(maps.config, &gen, &cfg), 0);
	/* the window held MW_TAB_PROBES keys; the rest went to the hash map */
	assert_true(cfg.lookups & MW_LK_MACTAB);
	assert_true(cfg.lookups & MW_LK_MAC);

	for (i = 0; i < NCOLLIDE; i++) {
		uint32_t id = plan.subj[i].id;
		uint64_t before = packets(id, MW_R_DROP);

		assert_int_equal(run(macs[i], &verdict), 0);
		assert_int_equal(verdict, XDP_DROP);
		assert_int_equal(packets(id, MW_R_DROP), before + 1);
	}
	{
		uint64_t before = packets(MW_SUBJECT_NONE, MW_R_PASS);

		assert_int_equal(run(macs[NCOLLIDE], &verdict), 0);
		assert_int_equal(verdict, XDP_PASS);
		assert_int_equal(packets(MW_SUBJECT_NONE, MW_R_PASS), before + 1);
	}
	mw_apply_result_free(&res);
	mw_plan_free(&plan);
	mw_policy_free(&pol);
}

static int setup(void **state)
{
	char err[512];

	(void)state;
	skel = modwall_bpf__open();
	if (!skel)
		return -1;
	bpf_map__set_max_entries(skel->maps.mw_mactab, 2u << mw_tab_bits(64));
	bpf_map__set_max_entries(skel->maps.mw_subjects, 64);
	bpf_map__set_max_entries(skel->maps.mw_buckets, 64);
	bpf_map__set_max_entries(skel->maps.mw_counters, 64 * MW_NR_REASONS);
	if (modwall_bpf__load(skel) || mw_maps_from_skel(&maps, skel, err, sizeof(err)) ||
	    mw_maps_init(&maps, 64)) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mw_maps_close(&maps);
	modwall_bpf__destroy(skel);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spill),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
