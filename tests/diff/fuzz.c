// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target over the differential harness: every input is one frame
 * judged by the XDP program (BPF_PROG_TEST_RUN) and by the reference
 * classifier; any disagreement in verdict, subject or reason abort()s.
 *
 * Input layout:
 *   byte 0   bits 0-2: program instance (modulo H_NINST), bit 3: live
 *            generation, bit 4: policy applied (0: fail-open/closed rules)
 *   byte 1   aim: bits 0-1 put a policy MAC on the device side
 *            (1: an exact device MAC, 2: a MAC inside a vendor block),
 *            bits 2-3 a policy address (1: exact, 2: inside a prefix),
 *            bit 4 aims at the other side of the frame instead
 *   byte 2   which table entry to aim at
 *   rest     the frame, from the destination MAC on
 * Aiming rewrites the frame before both sides see it, so that random
 * frames hit policy entries as often as they miss them.
 *
 * Both generations hold a fixed random policy (subject ids below 64, so a
 * full counter read is cheap). After each frame the two counter cells the
 * model names must have moved by one packet and the frame's length; every
 * 64 frames, and at exit, every cell is compared with the model's totals
 * (a frame that counted twice would show there).
 *
 * Environment: MW_FUZZ_ICMP_ANY=1 selects ref_icmp_any_family.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined ...; run as root:
 *   build/tests/diff-fuzz -max_total_time=60 CORPUS_DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "harness.h"
#include "ref.h"

#define FUZZ_IDS	64
#define FUZZ_MAX	3000	/* below what BPF_PROG_TEST_RUN takes for XDP */
#define FULL_EVERY	64

static struct h_policy pol[2];
static struct h_counters want[H_NINST], have;
static uint32_t ctl_gen[H_NINST], ctl_applied[H_NINST];
static unsigned long long inputs, compared, skipped;

static void __attribute__((noreturn)) fatal(const char *what, int err)
{
	fprintf(stderr, "diff-fuzz: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(2);
}

static void full_check(void)
{
	size_t i;
	int err;

	for (i = 0; i < H_NINST; i++) {
		err = h_counters_read(&h_insts[i], &have);
		if (err)
			fatal("read counters", err);
		if (h_counters_cmp(&want[i], &have)) {
			fprintf(stderr, "diff-fuzz: instance %s: counters differ from the "
				"model's totals (a frame among the last %d counted "
				"more than once)\n",
				h_insts[i].name, FULL_EVERY);
			abort();
		}
	}
}

static void at_exit(void)
{
	if (!inputs)
		return;
	full_check();
	fprintf(stderr, "diff-fuzz: %llu inputs, %llu frames compared, %llu skipped "
		"(shorter than 14 bytes), 0 disagreements\n", inputs, compared, skipped);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct h_policy_shape shape = { .id_space = FUZZ_IDS, .max_subjects = 63, .scale = 2 };
	const char *env = getenv("MW_FUZZ_ICMP_ANY");
	struct rng r = { .s = 0x4d5746757a7aull };
	size_t i;
	int g, err;

	(void)argc;
	(void)argv;
	ref_icmp_any_family = env && *env == '1';
	if (h_policy_alloc(&pol[0]) || h_policy_alloc(&pol[1]) ||
	    h_counters_alloc(&have, FUZZ_IDS))
		fatal("alloc", ENOMEM);
	h_policy_random(&pol[0], &r, &shape);
	h_policy_random(&pol[1], &r, &shape);
	for (i = 0; i < H_NINST; i++) {
		err = h_inst_load(&h_insts[i]);
		if (err)
			fatal("load the skeleton (root?)", err);
		for (g = 0; g < 2; g++) {
			err = h_policy_write(&h_insts[i], g, &pol[g]);
			if (err)
				fatal("write policy", err);
		}
		err = h_set_ctl(&h_insts[i], 0, 1);
		if (err)
			fatal("set mw_ctl", err);
		ctl_applied[i] = 1;
		if (h_counters_alloc(&want[i], FUZZ_IDS))
			fatal("alloc", ENOMEM);
		err = h_counters_read(&h_insts[i], &want[i]);
		if (err)
			fatal("read counters", err);
	}
	atexit(at_exit);
	return 0;
}

static void put_mac(uint8_t *p, uint64_t mac)
{
	int i;

	for (i = 0; i < 6; i++)
		p[i] = mac >> (40 - 8 * i);
}

static uint64_t get_mac(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v = v << 8 | p[i];
	return v;
}

/* Rewrite a MAC and an address of @f towards the entries of @p. */
static void aim(uint8_t *f, size_t len, uint8_t how, uint8_t idx,
		const struct ref_policy *p, int wan)
{
	int dst = wan ^ !!(how & 0x10);
	struct ref_pkt pkt;

	if (len >= 12) {
		uint8_t *m = f + (dst ? 0 : 6);

		if ((how & 3) == 1 && p->nmac) {
			put_mac(m, p->mac[idx % p->nmac].mac);
		} else if ((how & 3) == 2 && p->noui) {
			const struct ref_oui *o = &p->oui[idx % p->noui];
			uint64_t host = (0xffffffffffffull >> o->bits);

			put_mac(m, o->prefix | (get_mac(m) & host));
		}
	}
	if (!(how & 0xc))
		return;
	ref_parse(f, len, &pkt);
	if (pkt.l3 == 4 || pkt.l3 == 6) {
		int bytes = pkt.l3 == 4 ? 4 : 16;
		uint8_t *a = f + pkt.l3_off + (pkt.l3 == 4 ? 12 : 8) + (dst ? bytes : 0);
		const struct ref_ip *t = pkt.l3 == 4 ? p->ip4 : p->ip6;
		const struct ref_ip *pt = pkt.l3 == 4 ? p->pfx4 : p->pfx6;
		size_t n = pkt.l3 == 4 ? p->nip4 : p->nip6;
		size_t np = pkt.l3 == 4 ? p->npfx4 : p->npfx6;
		unsigned int b;

		if ((how & 0xc) == 4 && n) {
			memcpy(a, t[idx % n].addr, bytes);
		} else if ((how & 0xc) == 8 && np) {
			const struct ref_ip *e = &pt[idx % np];

			for (b = 0; b < e->len; b++) {
				uint8_t m = 0x80 >> (b % 8);

				a[b / 8] = (a[b / 8] & ~m) | (e->addr[b / 8] & m);
			}
		}
	}
}

/*
 * Print both judgements and abort. The model's totals do not include this
 * frame yet, so the cells that differ from them are where the program
 * counted it.
 */
static void __attribute__((noreturn))
disagree(int idx, const struct ref_result *m, uint32_t verdict, const uint8_t *f, size_t len,
	 uint32_t gen, uint32_t applied)
{
	struct h_inst *in = &h_insts[idx];
	size_t i;

	fprintf(stderr, "diff-fuzz: disagreement, instance %s (slot %u, %s), %s\n", in->name,
		in->ref.slot, in->ref.role == MW_ROLE_WAN ? "wan" : in->ref.role == MW_ROLE_N3 ? "n3" : "lan",
		!applied ? "no policy applied" : gen ? "generation 1 live" : "generation 0 live");
	fprintf(stderr, "  model: verdict %s, subject %u, reason %s, via %s; parse %s%s%s\n",
		m->verdict == XDP_DROP ? "DROP" : "PASS", m->subject,
		ref_reason_names[m->reason], ref_via_names[m->via],
		m->pkt.status == REF_OK ? "ok" : "malformed", m->pkt.why ? ": " : "",
		m->pkt.why ? m->pkt.why : "");
	fprintf(stderr, "  bpf:   verdict %s", verdict == XDP_DROP ? "DROP" :
		verdict == XDP_PASS ? "PASS" : "?");
	if (!h_counters_read(in, &have)) {
		for (i = 0; i < (size_t)FUZZ_IDS * MW_NR_REASONS; i++)
			if (have.cnt[i].packets != want[idx].cnt[i].packets)
				fprintf(stderr, ", counted subject %zu reason %s",
					i / MW_NR_REASONS, ref_reason_names[i % MW_NR_REASONS]);
		for (i = 0; i < H_IFCELLS; i++)
			if (have.ifcnt[i].packets != want[idx].ifcnt[i].packets)
				fprintf(stderr, ", interface slot %zu reason %s", i / MW_NR_REASONS,
					ref_reason_names[i % MW_NR_REASONS]);
	}
	fprintf(stderr, "\n");
	h_hexdump(stderr, f, len);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t f[FUZZ_MAX];
	struct ref_result res;
	struct mw_counter c, ic;
	struct h_inst *in;
	uint32_t gen, applied, verdict, cell, ifcell;
	size_t len;
	int idx, err;

	if (size < 3 || size - 3 > FUZZ_MAX)
		return 0;
	idx = (data[0] & 7) % H_NINST;
	gen = (data[0] >> 3) & 1;
	applied = (data[0] >> 4) & 1;
	in = &h_insts[idx];
	len = size - 3;
	memcpy(f, data + 3, len);
	aim(f, len, data[1], data[2], &pol[gen].p, in->ref.role == MW_ROLE_WAN);

	if (ctl_gen[idx] != gen || ctl_applied[idx] != applied) {
		err = h_set_ctl(in, gen, applied);
		if (err)
			fatal("set mw_ctl", err);
		ctl_gen[idx] = gen;
		ctl_applied[idx] = applied;
	}
	inputs++;
	err = h_run(in, f, len, &verdict);
	if (len < 14) {
		if (err != -EINVAL) {
			fprintf(stderr, "diff-fuzz: %zu-byte frame: expected EINVAL, got %d\n",
				len, err);
			abort();
		}
		skipped++;
		return 0;
	}
	if (err)
		fatal("test run", err);
	compared++;
	ref_judge(&in->ref, applied ? &pol[gen].p : NULL, f, len, &res);

	/* the two cells the model names, with this frame added */
	cell = res.subject * MW_NR_REASONS + res.reason;
	ifcell = (in->ref.slot % MW_MAX_IFACES) * MW_NR_REASONS + res.reason;
	if (h_cell_read(in, HM_COUNTERS, cell, &c) || h_cell_read(in, HM_IFCOUNTERS, ifcell, &ic))
		fatal("read counter", errno);
	if (verdict != (uint32_t)res.verdict ||
	    c.packets != want[idx].cnt[cell].packets + 1 ||
	    c.bytes != want[idx].cnt[cell].bytes + len ||
	    ic.packets != want[idx].ifcnt[ifcell].packets + 1 ||
	    ic.bytes != want[idx].ifcnt[ifcell].bytes + len)
		disagree(idx, &res, verdict, f, len, gen, applied);
	h_counters_add(&want[idx], in->ref.slot, res.subject, res.reason, len);

	if (inputs % FULL_EVERY == 0)
		full_check();
	return 0;
}
