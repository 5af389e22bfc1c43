// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What sharing a device's counter line costs when its frames arrive on
 * several CPUs at once. A device is counted in one 64-byte line that all
 * CPUs add to atomically; classes and the unattributed subject keep per-CPU
 * cells (see "Counters" in modwall.h). For each case one sender thread per
 * CPU, pinned, runs BPF_PROG_TEST_RUN in a loop; the table gives ns per
 * frame as the kernel measured it on each CPU (mean over the senders),
 * with one sender alone beside all of them together, medians of rounds.
 *
 *   contention [--rounds N]
 *
 * A benchmark: prints a table, never fails on time. Exits non-zero only
 * when it cannot run (not root, no BPF).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "maps.h"
#include "policy.h"
#include "compile.h"
#include "apply.h"
#include "modwall.skel.h"

#define REPEAT	200000
#define MAXCPU	8

static const char *const policy_text =
	"class modules prefix 00:1b:c5/24 policy observe\n"
	"device d0 mac 02:00:00:00:00:10 policy drop\n"
	"device d1 mac 02:00:00:00:00:11 policy drop\n"
	"device d2 mac 02:00:00:00:00:12 policy drop\n"
	"device d3 mac 02:00:00:00:00:13 policy drop\n"
	"device d4 mac 02:00:00:00:00:14 policy drop\n"
	"device d5 mac 02:00:00:00:00:15 policy drop\n"
	"device d6 mac 02:00:00:00:00:16 policy drop\n"
	"device d7 mac 02:00:00:00:00:17 policy drop\n"
	"default pass\n";

static int prog_fd;

static void frame_from(struct fx_frame *f, uint64_t src)
{
	memset(f, 0, sizeof(*f));
	fx_eth(f, 0x02ffffffff01ull, src, ETH_P_IP);
	fx_ipv4(f, fx_addr4("198.18.0.2"), fx_addr4("198.18.1.1"), IPPROTO_UDP, 5);
	fx_udp(f, 40000, 5683, 64);
	fx_fin(f);
}

/* @n senders on CPUs 0..n-1, sender i from MAC @src(i); mean ns/frame, or -1. */
static double run_case(int n, uint64_t (*src)(int))
{
	struct fx_frame f[MAXCPU];
	struct fx_sender s[MAXCPU];
	double sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		frame_from(&f[i], src(i));
		s[i] = (struct fx_sender){ .cpu = i, .f = &f[i] };
	}
	if (fx_run_on_cpus(prog_fd, s, n, REPEAT, 1))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i].err)
			return -1;
		sum += s[i].ns;
	}
	return sum / n;
}

static uint64_t same_device(int i) { (void)i; return 0x020000000010ull; }
static uint64_t own_device(int i) { return 0x020000000010ull + (uint64_t)i; }
static uint64_t same_member(int i) { (void)i; return 0x001bc5000042ull; }
static uint64_t nobody(int i) { (void)i; return 0x02aaaaaaaa01ull; }

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(int rounds, int n, uint64_t (*src)(int))
{
	double v[64];
	int r;

	for (r = 0; r < rounds; r++)
		v[r] = run_case(n, src);
	qsort(v, (size_t)rounds, sizeof(v[0]), cmp_double);
	return v[rounds / 2];
}

int main(int argc, char **argv)
{
	const struct fx_prog cfg = { 0, MW_ROLE_LAN, MW_ACT_PASS, MW_ACT_DROP };
	static const struct {
		const char *what;
		uint64_t (*src)(int);
	} cases[] = {
		{ "one device from every CPU (one shared line)", same_device },
		{ "a device per CPU (a line each)", own_device },
		{ "one class member from every CPU (per-CPU cells)", same_member },
		{ "unattributed from every CPU (per-CPU cells)", nobody },
	};
	struct mw_apply_result res;
	struct modwall_bpf *skel;
	struct mw_policy pol;
	struct mw_plan plan;
	struct mw_maps m;
	char err[512] = "";
	int rounds = 5, ncpu, c, i;
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	while ((c = getopt_long(argc, argv, "r:", (const struct option[]){
			{ "rounds", required_argument, NULL, 'r' }, { 0 } }, NULL)) != -1) {
		if (c != 'r' || (rounds = atoi(optarg)) < 1 || rounds > 64) {
			fprintf(stderr, "usage: contention [--rounds 1..64]\n");
			return 2;
		}
	}
	ncpu = online < 1 ? 1 : online > MAXCPU ? MAXCPU : (int)online;
	fx_libbpf_quiet();
	skel = fx_load(&cfg, NULL, err, sizeof(err));
	if (!skel || mw_maps_from_skel(&m, skel, err, sizeof(err)) ||
	    mw_maps_init(&m, m.max_subjects)) {
		fprintf(stderr, "contention: loading modwall: %s\n", err);
		return 1;
	}
	prog_fd = fx_prog_fd(skel);
	if (mw_policy_load_string(&pol, "contention.mwp", policy_text) ||
	    mw_compile(&plan, &pol, NULL, NULL) || mw_apply(&m, &plan, &res, err, sizeof(err))) {
		fprintf(stderr, "contention: applying the policy: %s\n", err);
		return 1;
	}
	printf("Counter contention: ns/frame per sender (BPF_PROG_TEST_RUN, repeat %d, median of "
	       "%d rounds), one sender on CPU 0 alone, then one on each of CPUs 0-%d at once\n\n",
	       REPEAT, rounds, ncpu - 1);
	printf("%-50s %9s %9s %8s\n", "frames", "1 CPU", "all", "all/1");
	for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
		double one = median(rounds, 1, cases[i].src);
		double all = median(rounds, ncpu, cases[i].src);

		if (one < 0 || all < 0) {
			printf("%-50s N/A: a test run failed\n", cases[i].what);
			continue;
		}
		printf("%-50s %9.1f %9.1f %7.2fx\n", cases[i].what, one, all, one > 0 ? all / one : 0);
	}
	if (ncpu < 2)
		printf("\nOne CPU online: nothing to contend with.\n");
	mw_apply_result_free(&res);
	mw_plan_free(&plan);
	mw_policy_free(&pol);
	mw_maps_close(&m);
	modwall_bpf__destroy(skel);
	return 0;
}
