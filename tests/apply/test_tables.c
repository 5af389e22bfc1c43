// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The open-addressing MAC and IPv4 tables, through the real compile and
 * apply path: keys that share one home slot fill its probe window, the
 * rest spill to the hash map, and every one of them is still found; a key
 * with the same home that is in no policy is not. The IPv4 table also
 * through the runtime writers (ident.h): placement, tombstones, their
 * reuse after a grace period, spills, in the live generation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "modwall.skel.h"
#include "modwall.h"
#define FX_CMOCKA
#include "fixture.h"
#include "apply.h"
#include "compile.h"
#include "ident.h"
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

/* ---- IPv4 ---- */

static uint32_t ips[NCOLLIDE + 1];	/* network order; the last one is in no policy */

/* Addresses in 198.18.0.0/15 whose home slot is the same as the first one's. */
static void colliding_ips(unsigned bits)
{
	uint32_t host = 0xc6120001u, home = MW_TAB_HASH((uint64_t)htonl(host), bits);
	int n = 0;

	for (; n < NCOLLIDE + 1; host++)
		if (MW_TAB_HASH((uint64_t)htonl(host), bits) == home)
			ips[n++] = htonl(host);
}

static const char *ip_str(uint32_t a, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* A UDP frame from @src (network order) and an untagged MAC: attributed by address alone. */
static int run4(uint32_t src, __u32 *verdict)
{
	struct fx_frame f = { .len = 0 };

	fx_eth(&f, 0x020202020202ull, 0x02aaaaaaaaa1ull, ETH_P_IP);
	fx_ipv4(&f, src, fx_addr4("198.51.100.1"), IPPROTO_UDP, 5);
	fx_udp(&f, 1000, 53, 8);
	fx_fin(&f);
	return fx_run(fx_prog_fd(skel), f.d, f.len, 1, verdict, NULL);
}

/* One frame from @src: its verdict, and one more packet under (@id, @reason). */
static void expect4(uint32_t src, __u32 want, uint32_t id, uint32_t reason)
{
	uint64_t before = packets(id, reason);
	__u32 verdict;

	assert_int_equal(run4(src, &verdict), 0);
	assert_int_equal(verdict, want);
	assert_int_equal(packets(id, reason), before + 1);
}

static struct mw_slot *ip4_half(unsigned gen)
{
	return maps.ip4tab_m + ((size_t)gen << maps.ip4_bits);
}

static struct mw_slot *ip4_window(unsigned gen, unsigned i)
{
	uint32_t home = MW_TAB_HASH((uint64_t)ips[0], maps.ip4_bits);

	return &ip4_half(gen)[(home + i) & ((1u << maps.ip4_bits) - 1)];
}

/* Entries of generation @gen in mw_ip4. */
static unsigned ip4_hash_count(unsigned gen)
{
	__u64 k, next;
	void *prev = NULL;
	unsigned n = 0;

	while (bpf_map_get_next_key(maps.ip4, prev, &next) == 0) {
		k = next;
		prev = &k;
		n += (unsigned)(k >> 32) == gen;
	}
	return n;
}

static void apply_text(const char *text, struct mw_plan *plan)
{
	struct mw_policy pol;
	struct mw_apply_result res;
	char err[512] = "";

	assert_int_equal(mw_policy_load_string(&pol, "t.mwp", text), 0);
	assert_int_equal(mw_compile(plan, &pol, NULL, NULL), 0);
	if (mw_apply(&maps, plan, &res, err, sizeof(err)))
		fail_msg("apply: %s", err);
	mw_apply_result_free(&res);
	mw_policy_free(&pol);
}

/* Devices i0..i(NCOLLIDE-1), one colliding address each, under @policy. */
static void ip4_policy(char *text, const char *policy)
{
	char a[INET_ADDRSTRLEN];
	int i;

	for (i = 0; i < NCOLLIDE; i++)
		text += sprintf(text, "device i%d ip %s policy %s\n", i, ip_str(ips[i], a), policy);
	sprintf(text, "default pass\n");
}

/* The plan's IPv4 devices' ids, in the order apply places their entries. */
static void ip4_order(const struct mw_plan *plan, uint32_t *addr, uint32_t *id)
{
	size_t j;
	int n = 0;

	for (j = 0; j < plan->ne; j++) {
		const struct mw_plan_entry *e = &plan->e[j];

		if (e->map != MW_PM_IP4)
			continue;
		assert_true(n < NCOLLIDE);
		memcpy(&addr[n], e->pfx.addr, 4);
		id[n++] = plan->subj[e->subj].id;
	}
	assert_int_equal(n, NCOLLIDE);
}

/* The first MW_TAB_PROBES entries fill the window in order, the rest are in mw_ip4. */
static void check_placement(unsigned gen, const struct mw_plan *plan)
{
	uint32_t addr[NCOLLIDE], id[NCOLLIDE];
	unsigned i, used = 0;
	struct mw_config cfg;

	ip4_order(plan, addr, id);
	assert_int_equal(bpf_map_lookup_elem(maps.config, &gen, &cfg), 0);
	assert_int_equal(cfg.ip4_bits, maps.ip4_bits);
	assert_true(cfg.lookups & MW_LK_IP4);
	for (i = 0; i < MW_TAB_PROBES; i++) {
		const struct mw_slot *sl = ip4_window(gen, i);
		uint64_t want = MW_SLOT_VALID | addr[i] |
				(i == MW_TAB_PROBES - 1 ? MW_SLOT_OVERFLOW : 0);

		assert_int_equal(sl->key, want);
		assert_int_equal(sl->v.id, id[i]);
	}
	for (i = 0; i < 1u << maps.ip4_bits; i++)
		used += !!(ip4_half(gen)[i].key & MW_SLOT_VALID);
	assert_int_equal(used, MW_TAB_PROBES);
	for (i = MW_TAB_PROBES; i < NCOLLIDE; i++) {
		__u64 k = MW_IP4_KEY(gen, addr[i]);
		struct mw_subject v;

		assert_int_equal(bpf_map_lookup_elem(maps.ip4, &k, &v), 0);
		assert_int_equal(v.id, id[i]);
	}
	assert_int_equal(ip4_hash_count(gen), NCOLLIDE - MW_TAB_PROBES);
}

/* Nothing of generation @gen is left: its half zero, no mw_ip4 keys. */
static void check_gone(unsigned gen)
{
	unsigned i;

	for (i = 0; i < 1u << maps.ip4_bits; i++) {
		assert_int_equal(ip4_half(gen)[i].key, 0);
		assert_int_equal(ip4_half(gen)[i].v.id, 0);
	}
	assert_int_equal(ip4_hash_count(gen), 0);
}

static uint32_t ip4_id(const struct mw_plan *plan, int dev)
{
	char name[16];
	uint32_t i;

	snprintf(name, sizeof(name), "i%d", dev);
	for (i = 0; i < plan->nsubj; i++)
		if (!strcmp(plan->subj[i].name, name))
			return plan->subj[i].id;
	fail_msg("no device %s", name);
	return 0;
}

static void test_ip4_spill(void **state)
{
	char text[4096];
	struct mw_plan plan, plan2;
	unsigned gen;
	int i;

	(void)state;
	colliding_ips(maps.ip4_bits);
	ip4_policy(text, "drop");
	apply_text(text, &plan);
	gen = maps.ctlm->gen;
	check_placement(gen, &plan);
	for (i = 0; i < NCOLLIDE; i++)
		expect4(ips[i], XDP_DROP, ip4_id(&plan, i), MW_R_DROP);
	expect4(ips[NCOLLIDE], XDP_PASS, MW_SUBJECT_NONE, MW_R_PASS);

	/* the other generation: the same addresses observed; the first one's half is cleared */
	ip4_policy(text, "observe");
	apply_text(text, &plan2);
	assert_int_equal(maps.ctlm->gen, gen ^ 1);
	check_placement(gen ^ 1, &plan2);
	check_gone(gen);
	for (i = 0; i < NCOLLIDE; i++) {
		assert_int_equal(ip4_id(&plan2, i), ip4_id(&plan, i));
		expect4(ips[i], XDP_PASS, ip4_id(&plan2, i), MW_R_OBSERVE);
	}
	expect4(ips[NCOLLIDE], XDP_PASS, MW_SUBJECT_NONE, MW_R_PASS);
	mw_plan_free(&plan2);
	mw_plan_free(&plan);
}

static void add4(unsigned gen, int i, const struct mw_subject *v)
{
	struct mw_prefix p = { .family = AF_INET, .len = 32 };

	memcpy(p.addr, &ips[i], 4);
	assert_int_equal(mw_ident_add(&maps, gen, &p, v), 0);
	assert_int_equal(mw_ident_add(&maps, gen, &p, v), -EEXIST);
}

static void del4(unsigned gen, int i)
{
	struct mw_prefix p = { .family = AF_INET, .len = 32 };
	struct mw_subject v;

	memcpy(p.addr, &ips[i], 4);
	assert_int_equal(mw_ident_del(&maps, gen, &p), 0);
	assert_int_equal(mw_ident_get(&maps, gen, &p, &v), -ENOENT);
	assert_int_equal(mw_ident_del(&maps, gen, &p), -ENOENT);
}

static void assert_slot(unsigned gen, unsigned i, uint64_t key)
{
	assert_int_equal(ip4_window(gen, i)->key, key);
}

static uint64_t tomb(uint32_t epoch)
{
	return MW_SLOT_VALID | MW_SLOT_GONE | epoch;
}

static int count_fn(const void *key, const void *val, void *ctx)
{
	(void)key;
	(void)val;
	(*(unsigned *)ctx)++;
	return 0;
}

static void test_ip4_runtime(void **state)
{
	struct mw_plan plan;
	struct mw_subject dev = { 0 };
	struct mw_config cfg;
	unsigned gen, n = 0;
	uint32_t e0;
	__u64 hk;
	int i;

	(void)state;
	colliding_ips(maps.ip4_bits);
	apply_text("device r mac 02:00:00:00:00:99 policy drop\ndefault pass\n", &plan);
	gen = maps.ctlm->gen;
	check_gone(gen);
	assert_int_equal(bpf_map_lookup_elem(maps.config, &gen, &cfg), 0);
	assert_int_equal(cfg.ip4_bits, 0);
	assert_false(cfg.lookups & MW_LK_IP4);
	dev.id = plan.subj[0].id;
	dev.action = MW_ACT_DROP;
	dev.policy = plan.subj[0].policy;
	expect4(ips[0], XDP_PASS, MW_SUBJECT_NONE, MW_R_PASS);

	/* into empty slots, in window order; the table is probed from then on */
	add4(gen, 0, &dev);
	assert_int_equal(bpf_map_lookup_elem(maps.config, &gen, &cfg), 0);
	assert_int_equal(cfg.ip4_bits, maps.ip4_bits);
	assert_false(cfg.lookups & MW_LK_IP4);
	add4(gen, 1, &dev);
	add4(gen, 2, &dev);
	for (i = 0; i < 3; i++) {
		assert_slot(gen, (unsigned)i, MW_SLOT_VALID | ips[i]);
		expect4(ips[i], XDP_DROP, dev.id, MW_R_DROP);
	}

	/* a tombstone: the address is gone, the ones behind it are still found */
	e0 = maps.ctlm->tomb_epoch;
	del4(gen, 0);
	assert_slot(gen, 0, tomb(e0));
	expect4(ips[0], XDP_PASS, MW_SUBJECT_NONE, MW_R_PASS);
	expect4(ips[1], XDP_DROP, dev.id, MW_R_DROP);
	expect4(ips[2], XDP_DROP, dev.id, MW_R_DROP);

	/* an empty slot before a tombstone; then the window fills */
	add4(gen, 0, &dev);
	assert_slot(gen, 3, MW_SLOT_VALID | ips[0]);
	for (i = 3; i < 7; i++)
		add4(gen, i, &dev);
	for (i = 4; i < 8; i++)
		assert_slot(gen, (unsigned)i, MW_SLOT_VALID | ips[i - 1]);
	assert_int_equal(maps.ctlm->tomb_epoch, e0);

	/* only a tombstone of this epoch: a grace period, then it is taken */
	add4(gen, 7, &dev);
	assert_int_equal(maps.ctlm->tomb_epoch, e0 + 1);
	assert_slot(gen, 0, MW_SLOT_VALID | ips[7]);

	/* two tombstones of epoch e0 + 1: the first costs a grace period, the second not */
	del4(gen, 1);
	del4(gen, 2);
	assert_slot(gen, 1, tomb(e0 + 1));
	assert_slot(gen, 2, tomb(e0 + 1));
	add4(gen, 8, &dev);
	assert_int_equal(maps.ctlm->tomb_epoch, e0 + 2);
	assert_slot(gen, 1, MW_SLOT_VALID | ips[8]);
	del4(gen, 3);	/* an earlier slot of epoch e0 + 2 is passed over for the ripe one */
	assert_slot(gen, 4, tomb(e0 + 2));
	add4(gen, 9, &dev);
	assert_int_equal(maps.ctlm->tomb_epoch, e0 + 2);
	assert_slot(gen, 2, MW_SLOT_VALID | ips[9]);
	add4(gen, 3, &dev);	/* the window's last tombstone: a grace period again */
	assert_int_equal(maps.ctlm->tomb_epoch, e0 + 3);
	assert_slot(gen, 4, MW_SLOT_VALID | ips[3]);

	/* a full window without tombstones: mw_ip4, the window's mark, the lookup bit */
	add4(gen, 10, &dev);
	hk = MW_IP4_KEY(gen, ips[10]);
	assert_int_equal(bpf_map_lookup_elem(maps.ip4, &hk, &dev), 0);
	assert_int_equal(ip4_hash_count(gen), 1);
	assert_slot(gen, MW_TAB_PROBES - 1, MW_SLOT_VALID | MW_SLOT_OVERFLOW | ips[6]);
	assert_int_equal(bpf_map_lookup_elem(maps.config, &gen, &cfg), 0);
	assert_true(cfg.lookups & MW_LK_IP4);
	/* all of it through the program: 1 and 2 were removed, the rest are there */
	for (i = 0; i <= NCOLLIDE; i++) {
		if (i == 1 || i == 2 || i == NCOLLIDE)
			expect4(ips[i], XDP_PASS, MW_SUBJECT_NONE, MW_R_PASS);
		else
			expect4(ips[i], XDP_DROP, dev.id, MW_R_DROP);
	}
	assert_int_equal(mw_ip4_scan(&maps, gen, count_fn, &n), 0);
	assert_int_equal(n, NCOLLIDE - 2);

	del4(gen, 10);
	assert_int_equal(ip4_hash_count(gen), 0);
	expect4(ips[10], XDP_PASS, MW_SUBJECT_NONE, MW_R_PASS);
	expect4(ips[6], XDP_DROP, dev.id, MW_R_DROP);
	n = 0;
	assert_int_equal(mw_ip4_scan(&maps, gen, count_fn, &n), 0);
	assert_int_equal(n, NCOLLIDE - 3);

	/* the next apply rebuilds both halves without any of it */
	mw_plan_free(&plan);
	apply_text("device r mac 02:00:00:00:00:99 policy drop\ndefault pass\n", &plan);
	check_gone(gen);
	check_gone(gen ^ 1);
	expect4(ips[1], XDP_PASS, MW_SUBJECT_NONE, MW_R_PASS);
	mw_plan_free(&plan);
}

static int setup(void **state)
{
	char err[512];

	(void)state;
	skel = modwall_bpf__open();
	if (!skel)
		return -1;
	bpf_map__set_max_entries(skel->maps.mw_mactab, 2u << mw_tab_bits(64));
	bpf_map__set_max_entries(skel->maps.mw_ip4tab, 2u << mw_tab_bits(64));
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
		cmocka_unit_test(test_ip4_spill),
		cmocka_unit_test(test_ip4_runtime),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
