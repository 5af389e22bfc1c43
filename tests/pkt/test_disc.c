// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Discovery tests: untagged MACs of vendor classes in the discovery table
 * (mw_disctab) and its LRU overflow (mw_discovered), through
 * BPF_PROG_TEST_RUN and read back with the library's readers
 * (mw_read_discovered, mw_disc_lookup), as `discovered`, the metrics and
 * the flow export read them.
 *
 * The policy goes through the real path (mw_policy_load_string,
 * mw_compile, mw_apply). Every test starts from an empty table and LRU
 * map. Counts are exact: packets and bytes per MAC equal what was sent,
 * also when a window of the table is full (the MACs that find no slot go
 * to the LRU map) and when two CPUs send at once (BPF_PROG_TEST_RUN from
 * two threads pinned to CPUs 0 and 1).
 *
 * Needs root (or CAP_BPF + CAP_PERFMON).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "modwall.skel.h"
#include "modwall.h"
#define FX_CMOCKA
#include "fixture.h"
#include "apply.h"
#include "compile.h"
#include "maps.h"
#include "observe.h"
#include "policy.h"

#define LAN_SLOT	3
#define WAN_SLOT	4
#define MAC_GW		0x02ffffffff01ull
#define OUI_MOD		0x001bc5000000ull	/* class "modules" */
#define OUI_CAM		0x3c5ab4000000ull	/* class "cameras" */
#define MAC_TAGGED	0x001bc5aa0001ull	/* in the modules prefix, but a tagged device */
#define LO_IFINDEX	1			/* test runs arrive on the loopback device */

static const char pol_text[] =
	"device meter mac 00:1b:c5:aa:00:01 policy observe\n"
	"class modules prefix 00:1b:c5/24 policy observe\n"
	"class cameras prefix 3c:5a:b4/24 policy drop\n"
	"default pass\n";

static struct modwall_bpf *lan_skel, *wan_skel;
static int lan_fd = -1, wan_fd = -1;
static struct mw_maps m;
static struct mw_plan plan;
static struct mw_disc_slot *tab_map;	/* m.disctab_m, which a test may hide */

/* ------------------------------------------------------------------ */
/* Frames and runs                                                     */
/* ------------------------------------------------------------------ */

enum { F_V4, F_V6, F_ARP, F_V6_UNSPEC };

/* A frame from @mac (to it with @to) of @kind, @payload bytes of UDP data. */
static void frame(struct fx_frame *f, uint64_t mac, int kind, const char *addr, size_t payload,
		  int to)
{
	uint8_t a6[16], r6[16];

	memset(f, 0, sizeof(*f));
	switch (kind) {
	case F_V4:
		fx_eth(f, to ? mac : MAC_GW, to ? MAC_GW : mac, ETH_P_IP);
		fx_ipv4(f, to ? fx_addr4("198.51.100.7") : fx_addr4(addr),
			to ? fx_addr4(addr) : fx_addr4("198.51.100.7"), IPPROTO_UDP, 5);
		fx_udp(f, 40000, 53, payload);
		break;
	case F_V6:
	case F_V6_UNSPEC:
		fx_addr6(kind == F_V6 ? addr : "::", a6);
		fx_addr6("2001:db8:ff::7", r6);
		fx_eth(f, MAC_GW, mac, ETH_P_IPV6);
		fx_ipv6(f, a6, r6, IPPROTO_UDP);
		fx_udp(f, 40000, 53, payload);
		break;
	default:
		fx_eth(f, MAC_GW, mac, ETH_P_ARP);
		fx_arp(f, ARPOP_REQUEST, mac, fx_addr4(addr), 0, fx_addr4("100.64.0.1"));
		fx_pad(f, payload, 0);
		return;
	}
	fx_fin(f);
}

/* Run @f @n times through @prog_fd; the verdict must be @verdict each time. */
static void run(int prog_fd, const struct fx_frame *f, __u32 n, __u32 verdict)
{
	__u32 v = ~0u;
	int err = fx_run(prog_fd, f->d, f->len, n, &v, NULL);

	if (err)
		fail_msg("test run (%zu bytes): %s", f->len, strerror(-err));
	assert_int_equal(v, verdict);
}

/* Send @n frames of @kind from @mac on the lan side; the frame's length. */
static size_t send_n(uint64_t mac, int kind, const char *addr, size_t payload, __u32 n,
		     __u32 verdict)
{
	struct fx_frame f;

	frame(&f, mac, kind, addr, payload, 0);
	run(lan_fd, &f, n, verdict);
	return f.len;
}

/* ------------------------------------------------------------------ */
/* Reading back                                                        */
/* ------------------------------------------------------------------ */

static __u32 id_of(const char *name)
{
	uint32_t i;

	for (i = 0; i < plan.nsubj; i++)
		if (!strcmp(plan.subj[i].name, name))
			return plan.subj[i].id;
	fail_msg("no subject '%s' in the applied policy", name);
	return 0;
}

/* Everything discovered: the readers' merged list. */
static size_t read_all(struct mw_disc_entry **v)
{
	ssize_t n = mw_read_discovered(&m, v);

	if (n < 0)
		fail_msg("mw_read_discovered: %s", strerror((int)-n));
	return (size_t)n;
}

static int cmp_mac(const void *key, const void *e)
{
	uint64_t a = *(const uint64_t *)key, b = ((const struct mw_disc_entry *)e)->mac;

	return a < b ? -1 : a > b;
}

/* @mac's entry in @v (sorted by MAC, as the reader returns it), or NULL. */
static const struct mw_disc_entry *find(const struct mw_disc_entry *v, size_t n, uint64_t mac)
{
	return n ? bsearch(&mac, v, n, sizeof(*v), cmp_mac) : NULL;
}

/* Slots of the table in use, and entries of the LRU map. */
static size_t table_used(void)
{
	size_t i, n = 0;

	for (i = 0; i < MW_DISCTAB_SLOTS; i++)
		n += !!(m.disctab_m[i].key & MW_SLOT_VALID);
	return n;
}

static size_t lru_entries(void)
{
	__u64 k, nk;
	size_t n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(m.discovered, prev, &nk) == 0) {
		k = nk;
		prev = &k;
		n++;
	}
	return n;
}

static int in_lru(uint64_t mac)
{
	struct mw_disc_val v;
	__u64 k = mac;

	return bpf_map_lookup_elem(m.discovered, &k, &v) == 0;
}

/* @mac's entry must hold exactly @packets and @bytes of class @cls. */
static void expect_mac(const struct mw_disc_entry *v, size_t n, uint64_t mac, __u64 packets,
		       __u64 bytes, const char *cls)
{
	const struct mw_disc_entry *e = find(v, n, mac);
	struct mw_disc_val one;
	uint64_t now = mw_mono_ns();

	if (!e)
		fail_msg("%012llx: not discovered", (unsigned long long)mac);
	if (e->v.packets != packets || e->v.bytes != bytes)
		fail_msg("%012llx: %llu packets %llu bytes, expected %llu %llu",
			 (unsigned long long)mac, (unsigned long long)e->v.packets,
			 (unsigned long long)e->v.bytes, (unsigned long long)packets,
			 (unsigned long long)bytes);
	assert_int_equal(e->v.subject, id_of(cls));
	assert_int_equal(e->v.ifindex, LO_IFINDEX);
	assert_true(e->v.first_ns > 0);
	assert_true(e->v.first_ns <= e->v.last_ns);
	assert_true(e->v.last_ns <= now);
	/* the flow export's lookup finds the same */
	assert_int_equal(mw_disc_lookup(&m, mac, &one), 0);
	assert_int_equal(one.packets, packets);
	assert_int_equal(one.bytes, bytes);
}

/* ------------------------------------------------------------------ */
/* MACs by window                                                      */
/* ------------------------------------------------------------------ */

static __u32 home(uint64_t mac)
{
	return MW_TAB_HASH(mac, MW_DISCTAB_BITS);
}

/* @n MACs of prefix @oui whose home slot is the same, from host number @from on. */
static void same_home(uint64_t oui, uint32_t from, uint64_t *out, size_t n)
{
	uint32_t host;
	size_t k = 0;
	__u32 h = 0;

	for (host = from; host < (1u << 24) && k < n; host++) {
		uint64_t mac = oui | host;

		if (k == 0)
			h = home(mac);
		if (home(mac) == h)
			out[k++] = mac;
	}
	assert_int_equal(k, n);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static void reset(void)
{
	__u64 k;

	m.disctab_m = tab_map;
	memset(m.disctab_m, 0, (size_t)MW_DISCTAB_SLOTS * sizeof(struct mw_disc_slot));
	while (bpf_map_get_next_key(m.discovered, NULL, &k) == 0)
		assert_int_equal(bpf_map_delete_elem(m.discovered, &k), 0);
}

static int setup_test(void **state)
{
	(void)state;
	reset();
	return 0;
}

/* N frames from M MACs of two classes: exactly those packets and bytes per MAC, all in the table. */
static void test_exact(void **state)
{
	enum { M = 24 };
	uint64_t mac[M];
	__u64 packets[M], bytes[M];
	struct mw_disc_entry *v;
	size_t n, i;

	(void)state;
	for (i = 0; i < M; i++) {
		char a[32];
		size_t len;

		mac[i] = (i % 2 ? OUI_CAM : OUI_MOD) | (0x100000 + i * 7919);
		snprintf(a, sizeof(a), "100.64.1.%zu", i + 1);
		len = send_n(mac[i], F_V4, a, i * 3, (__u32)(i + 1), i % 2 ? XDP_DROP : XDP_PASS);
		packets[i] = i + 1;
		bytes[i] = (i + 1) * len;
		/* a second size, through another frame of the same MAC */
		len = send_n(mac[i], F_V4, a, 200 + i, 2, i % 2 ? XDP_DROP : XDP_PASS);
		packets[i] += 2;
		bytes[i] += 2 * len;
	}
	/* a tagged device in a class's prefix is no discovery */
	send_n(MAC_TAGGED, F_V4, "100.64.2.1", 0, 5, XDP_PASS);
	n = read_all(&v);
	assert_int_equal(n, M);
	for (i = 0; i < M; i++)
		expect_mac(v, n, mac[i], packets[i], bytes[i], i % 2 ? "cameras" : "modules");
	assert_null(find(v, n, MAC_TAGGED));
	assert_int_equal(table_used(), M);
	assert_int_equal(lru_entries(), 0);
	free(v);
}

/* The last address: IPv4, IPv6, kept across ARP and the unspecified address; wan: the destination. */
static void test_address(void **state)
{
	const uint64_t mac = OUI_MOD | 0x42;
	struct mw_disc_entry *v;
	struct fx_frame f;
	uint8_t a6[16];
	__u32 a4 = fx_addr4("100.64.3.9");
	size_t n;

	(void)state;
	send_n(mac, F_ARP, "100.64.3.1", 0, 1, XDP_PASS);
	n = read_all(&v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].v.family, 0);		/* nothing but ARP yet */
	free(v);

	send_n(mac, F_V4, "100.64.3.9", 0, 1, XDP_PASS);
	send_n(mac, F_ARP, "100.64.3.1", 0, 1, XDP_PASS);
	n = read_all(&v);
	assert_int_equal(v[0].v.family, AF_INET);
	assert_memory_equal(v[0].v.addr, &a4, 4);
	assert_int_equal(v[0].v.packets, 3);
	free(v);

	send_n(mac, F_V6, "2001:db8:5::9", 0, 1, XDP_PASS);
	send_n(mac, F_V6_UNSPEC, NULL, 0, 1, XDP_PASS);
	fx_addr6("2001:db8:5::9", a6);
	n = read_all(&v);
	assert_int_equal(v[0].v.family, AF_INET6);
	assert_memory_equal(v[0].v.addr, a6, 16);
	assert_int_equal(v[0].v.packets, 5);
	free(v);

	/* on a wan interface the device is the destination */
	frame(&f, mac, F_V4, "100.64.3.10", 0, 1);
	run(wan_fd, &f, 1, XDP_PASS);
	a4 = fx_addr4("100.64.3.10");
	n = read_all(&v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].v.family, AF_INET);
	assert_memory_equal(v[0].v.addr, &a4, 4);
	assert_int_equal(v[0].v.packets, 6);
	free(v);
}

/* First seen stays, last seen moves on with the clock. */
static void test_times(void **state)
{
	const uint64_t mac = OUI_MOD | 0x77;
	const struct timespec pause = { 0, 30 * 1000 * 1000 };
	struct mw_disc_entry *v;
	uint64_t first, last, t0 = mw_mono_ns();

	(void)state;
	send_n(mac, F_V4, "100.64.4.1", 0, 1, XDP_PASS);
	assert_int_equal(read_all(&v), 1);
	first = v[0].v.first_ns;
	last = v[0].v.last_ns;
	free(v);
	assert_true(first == last);
	/* the coarse clock lags CLOCK_MONOTONIC by at most a tick (10 ms at HZ=100) */
	assert_true(first + 10 * 1000 * 1000 >= t0);
	nanosleep(&pause, NULL);
	send_n(mac, F_V4, "100.64.4.1", 0, 1, XDP_PASS);
	assert_int_equal(read_all(&v), 1);
	assert_true(v[0].v.first_ns == first);
	assert_true(v[0].v.last_ns > last);
	free(v);
}

/*
 * A full window: of 12 MACs with the same home slot, the first 8 fill the
 * window and the other 4 go to the LRU map, each counted exactly.
 */
static void test_window_full(void **state)
{
	enum { M = 12 };
	uint64_t mac[M];
	__u64 bytes[M];
	struct mw_disc_entry *v;
	size_t n, i, len;
	__u32 h;

	(void)state;
	same_home(OUI_MOD, 0x1000, mac, M);
	h = home(mac[0]);
	for (i = 0; i < M; i++) {
		len = send_n(mac[i], F_V4, "100.64.5.1", i, (__u32)(10 + i), XDP_PASS);
		bytes[i] = (10 + i) * len;
	}
	/* and again, now that each has its place */
	for (i = 0; i < M; i++) {
		len = send_n(mac[i], F_V6, "2001:db8:5::1", i, 3, XDP_PASS);
		bytes[i] += 3 * len;
	}
	for (i = 0; i < MW_TAB_PROBES; i++) {
		const struct mw_disc_slot *sl = &m.disctab_m[(h + i) & (MW_DISCTAB_SLOTS - 1)];

		assert_int_equal(sl->key, MW_SLOT_VALID | mac[i]);
	}
	for (i = 0; i < M; i++)
		assert_int_equal(in_lru(mac[i]), i >= MW_TAB_PROBES);
	assert_int_equal(table_used(), MW_TAB_PROBES);
	assert_int_equal(lru_entries(), M - MW_TAB_PROBES);
	n = read_all(&v);
	assert_int_equal(n, M);
	for (i = 0; i < M; i++)
		expect_mac(v, n, mac[i], 10 + i + 3, bytes[i], "modules");
	free(v);
}

/* The table read through its mmap and in batches (read-only callers): the same entries. */
static void test_readers_agree(void **state)
{
	uint64_t mac[MW_TAB_PROBES + 3];
	struct mw_disc_slot *map = tab_map;
	struct mw_disc_entry *a, *b;
	struct mw_disc_val x, y;
	size_t na, nb, i;

	(void)state;
	same_home(OUI_CAM, 0x2000, mac, MW_TAB_PROBES + 3);
	for (i = 0; i < MW_TAB_PROBES + 3; i++)
		send_n(mac[i], i % 2 ? F_V6 : F_V4, i % 2 ? "2001:db8:6::1" : "100.64.6.1", i,
		       (__u32)(1 + i), XDP_DROP);
	na = read_all(&a);
	m.disctab_m = NULL;
	nb = read_all(&b);
	for (i = 0; i < MW_TAB_PROBES + 3; i++) {
		assert_int_equal(mw_disc_lookup(&m, mac[i], &y), 0);
		m.disctab_m = map;
		assert_int_equal(mw_disc_lookup(&m, mac[i], &x), 0);
		m.disctab_m = NULL;
		assert_memory_equal(&x, &y, sizeof(x));
		assert_int_equal(x.packets, 1 + i);
	}
	assert_int_equal(mw_disc_lookup(&m, OUI_CAM | 0xfffffe, &y), -ENOENT);
	m.disctab_m = map;
	assert_int_equal(mw_disc_lookup(&m, OUI_CAM | 0xfffffe, &y), -ENOENT);
	assert_int_equal(na, MW_TAB_PROBES + 3);
	assert_int_equal(nb, na);
	assert_memory_equal(a, b, na * sizeof(*a));
	free(a);
	free(b);
}

/* A MAC in both the table and the LRU map (not made by the data path): the reader adds them up. */
static void test_merge(void **state)
{
	const uint64_t mac = OUI_MOD | 0x99;
	struct mw_disc_val lv = { .first_ns = 1, .last_ns = 2, .packets = 5, .bytes = 500,
				  .subject = 0, .ifindex = LO_IFINDEX, .family = AF_INET };
	struct mw_disc_entry *v;
	size_t len;
	__u64 k = mac;

	(void)state;
	len = send_n(mac, F_V4, "100.64.6.1", 0, 4, XDP_PASS);
	assert_int_equal(bpf_map_update_elem(m.discovered, &k, &lv, BPF_NOEXIST), 0);
	assert_int_equal(read_all(&v), 1);
	assert_int_equal(v[0].v.packets, 4 + 5);
	assert_int_equal(v[0].v.bytes, 4 * len + 500);
	assert_int_equal(v[0].v.first_ns, 1);
	assert_int_equal(v[0].v.subject, id_of("modules"));	/* the fresher reading's */
	free(v);
}

/* ---- two CPUs at once ---- */

/* Frames @fa on CPU 0 and @fb on CPU 1, @repeat runs each, started together. */
static void race2(const struct fx_frame *fa, const struct fx_frame *fb, __u32 repeat)
{
	struct fx_sender r[2] = { { .cpu = 0, .f = fa }, { .cpu = 1, .f = fb } };
	int i;

	assert_int_equal(fx_run_on_cpus(fx_prog_fd(lan_skel), r, 2, repeat, 1), 0);
	for (i = 0; i < 2; i++) {
		if (r[i].err)
			fail_msg("CPU %d: %s", r[i].cpu, strerror(r[i].err));
		assert_int_equal(r[i].verdict, XDP_PASS);
	}
}

static int two_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) || !CPU_ISSET(0, &set) || !CPU_ISSET(1, &set)) {
		print_message("CPUs 0 and 1 are not both available: skipped\n");
		return 0;
	}
	return 1;
}

#define RACE_REPEAT	20000
#define RACE_ROUNDS	8

/*
 * One frame from two CPUs: exactly 2R, in one slot. Each round has a new
 * MAC, so both CPUs race to claim its slot as well.
 */
static void test_two_cpus(void **state)
{
	struct mw_disc_entry *v;
	struct fx_frame f;
	size_t n;
	int k;

	(void)state;
	if (!two_cpus())
		skip();
	for (k = 0; k < RACE_ROUNDS; k++) {
		uint64_t mac = OUI_MOD | (0x200000 + (uint64_t)k);

		frame(&f, mac, F_V4, "100.64.7.1", 10, 0);
		race2(&f, &f, RACE_REPEAT);
		n = read_all(&v);
		assert_int_equal(n, (size_t)k + 1);
		expect_mac(v, n, mac, 2 * RACE_REPEAT, 2 * RACE_REPEAT * (__u64)f.len, "modules");
		free(v);
	}
	assert_int_equal(table_used(), RACE_ROUNDS);
	assert_int_equal(lru_entries(), 0);
}

/* Two MACs with one home slot from two CPUs: they claim two slots, each counted exactly. */
static void test_two_cpus_one_window(void **state)
{
	uint64_t mac[2 * RACE_ROUNDS];
	struct mw_disc_entry *v;
	struct fx_frame fa, fb;
	size_t n;
	int k;

	(void)state;
	if (!two_cpus())
		skip();
	same_home(OUI_MOD, 0x300000, mac, 2 * RACE_ROUNDS);
	for (k = 0; k < RACE_ROUNDS; k++) {
		/* round k: MACs 2k and 2k+1, in a window with 2k taken */
		frame(&fa, mac[2 * k], F_V4, "100.64.8.1", 0, 0);
		frame(&fb, mac[2 * k + 1], F_V4, "100.64.8.2", 30, 0);
		race2(&fa, &fb, RACE_REPEAT);
	}
	n = read_all(&v);
	assert_int_equal(n, 2 * RACE_ROUNDS);
	for (k = 0; k < 2 * RACE_ROUNDS; k++)
		expect_mac(v, n, mac[k], RACE_REPEAT, RACE_REPEAT * (__u64)(k % 2 ? fb.len : fa.len),
			   "modules");
	/* the first 8 in the window, the rest in the LRU map */
	assert_int_equal(table_used(), MW_TAB_PROBES);
	assert_int_equal(lru_entries(), 2 * RACE_ROUNDS - MW_TAB_PROBES);
	free(v);
}

/*
 * Claims racing: CPU 0 sends the first frame of CLAIM_PAIRS MACs, one
 * after the other; CPU 1 follows it, sending for each step CPU 0 is at
 * the frame of another MAC with the same home slot, so now and then both
 * find the home slot free at once and one must move on. CPU 1 sends what
 * it did not catch up with at the end. Each MAC: exactly its CLAIM_REPEAT
 * frames, in one slot. Neither CPU waits for the other: a busy machine
 * only makes the races rarer.
 */
#define CLAIM_PAIRS	20000
#define CLAIM_REPEAT	1	/* more would swap the program into the XDP dispatcher each time */

struct claims {
	const uint64_t *mac[2];	/* CLAIM_PAIRS MACs for each CPU */
	unsigned pos;		/* the step CPU 0 is at; CLAIM_PAIRS when done */
	uint8_t *sent;		/* CPU 1: which of its MACs it sent */
	unsigned raced;		/* CPU 1: steps it sent while CPU 0 was at them */
	size_t len[2];		/* of the frames each CPU sent */
	int err[2];
};

struct claimer {
	struct claims *c;
	int cpu;
};

static int claim_send(struct claims *c, int cpu, struct fx_frame *f, unsigned i)
{
	__u32 v;

	frame(f, c->mac[cpu][i], F_V4, "100.64.10.1", cpu * 20, 0);
	c->len[cpu] = f->len;
	return -fx_run(fx_prog_fd(lan_skel), f->d, f->len, CLAIM_REPEAT, &v, NULL);
}

static void *claim_run(void *arg)
{
	struct claimer *me = arg;
	struct claims *c = me->c;
	struct fx_frame *f = calloc(1, sizeof(*f));
	int cpu = me->cpu;
	cpu_set_t set;
	unsigned i;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	c->err[cpu] = f ? pthread_setaffinity_np(pthread_self(), sizeof(set), &set) : ENOMEM;
	if (cpu == 0) {
		for (i = 0; i < CLAIM_PAIRS && !c->err[0]; i++) {
			__atomic_store_n(&c->pos, i, __ATOMIC_SEQ_CST);
			c->err[0] = claim_send(c, 0, f, i);
		}
		__atomic_store_n(&c->pos, CLAIM_PAIRS, __ATOMIC_SEQ_CST);
	} else {
		while (!c->err[1] && (i = __atomic_load_n(&c->pos, __ATOMIC_SEQ_CST)) < CLAIM_PAIRS) {
			if (c->sent[i])
				continue;
			c->sent[i] = 1;
			c->raced++;
			c->err[1] = claim_send(c, 1, f, i);
		}
		for (i = 0; i < CLAIM_PAIRS && !c->err[1]; i++)
			if (!c->sent[i]) {
				c->sent[i] = 1;
				c->err[1] = claim_send(c, 1, f, i);
			}
	}
	free(f);
	return NULL;
}

static void test_two_cpus_claims(void **state)
{
	uint64_t *first = calloc(MW_DISCTAB_SLOTS, sizeof(*first));
	uint64_t *a = calloc(CLAIM_PAIRS, sizeof(*a)), *b = calloc(CLAIM_PAIRS, sizeof(*b));
	struct claims c = { .mac = { a, b }, .sent = calloc(CLAIM_PAIRS, 1) };
	struct claimer who[2] = { { &c, 0 }, { &c, 1 } };
	struct mw_disc_entry *v;
	uint32_t host, k = 0;
	pthread_t t[2];
	size_t n;
	int i;

	(void)state;
	if (!two_cpus())
		skip();
	assert_true(first && a && b && c.sent);
	/* pairs of MACs with one home slot, each home once */
	for (host = 1; host < (1u << 24) && k < CLAIM_PAIRS; host++) {
		uint64_t mac = OUI_MOD | host;
		__u32 h = home(mac);

		if (!first[h]) {
			first[h] = mac;
		} else if (first[h] != ~0ull) {
			a[k] = first[h];
			b[k++] = mac;
			first[h] = ~0ull;
		}
	}
	assert_int_equal(k, CLAIM_PAIRS);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, claim_run, &who[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 2; i++)
		if (c.err[i])
			fail_msg("CPU %d: %s", i, strerror(c.err[i]));
	print_message("CPU 1 followed CPU 0 in %u of %d steps\n", c.raced, CLAIM_PAIRS);
	n = read_all(&v);
	assert_int_equal(n, 2 * CLAIM_PAIRS);
	for (k = 0; k < CLAIM_PAIRS; k++) {
		const struct mw_disc_entry *ea = find(v, n, a[k]), *eb = find(v, n, b[k]);

		if (!ea || !eb || ea->v.packets != CLAIM_REPEAT || eb->v.packets != CLAIM_REPEAT ||
		    ea->v.bytes != CLAIM_REPEAT * c.len[0] || eb->v.bytes != CLAIM_REPEAT * c.len[1])
			fail_msg("pair %u (%012llx, %012llx): %llu and %llu packets, expected %d each",
				 k, (unsigned long long)a[k], (unsigned long long)b[k],
				 ea ? (unsigned long long)ea->v.packets : 0ull,
				 eb ? (unsigned long long)eb->v.packets : 0ull, CLAIM_REPEAT);
	}
	assert_int_equal(table_used(), 2 * CLAIM_PAIRS);
	free(v);
	free(c.sent);
	free(first);
	free(a);
	free(b);
}

/* A full window, then one MAC more from two CPUs: the LRU map counts exactly 2R. */
static void test_two_cpus_lru(void **state)
{
	uint64_t mac[MW_TAB_PROBES + 1];
	struct mw_disc_entry *v;
	struct fx_frame f;
	size_t n, i;

	(void)state;
	if (!two_cpus())
		skip();
	same_home(OUI_MOD, 0x400000, mac, MW_TAB_PROBES + 1);
	for (i = 0; i < MW_TAB_PROBES; i++)
		send_n(mac[i], F_V4, "100.64.9.1", 0, 1, XDP_PASS);
	frame(&f, mac[MW_TAB_PROBES], F_V4, "100.64.9.2", 5, 0);
	race2(&f, &f, RACE_REPEAT);
	assert_true(in_lru(mac[MW_TAB_PROBES]));
	n = read_all(&v);
	assert_int_equal(n, MW_TAB_PROBES + 1);
	expect_mac(v, n, mac[MW_TAB_PROBES], 2 * RACE_REPEAT, 2 * RACE_REPEAT * (__u64)f.len,
		   "modules");
	free(v);
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

static void print_diags(const struct mw_diag *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		print_error("%s\n", d->msg[i]);
}

/* The policy is applied inside a test, where a failure is reported as one. */
static void test_apply(void **state)
{
	struct mw_apply_result res;
	struct mw_policy pol;
	char err[512] = "";
	int rc;

	(void)state;
	rc = mw_policy_load_string(&pol, "disc.mwp", pol_text);
	print_diags(&pol.errors);
	assert_int_equal(rc, 0);
	rc = mw_compile(&plan, &pol, NULL, NULL);
	print_diags(&pol.errors);
	assert_int_equal(rc, 0);
	mw_policy_free(&pol);
	rc = mw_apply(&m, &plan, &res, err, sizeof(err));
	if (rc)
		fail_msg("mw_apply: %s (%d)", err, rc);
	mw_apply_result_free(&res);
}

static int group_setup(void **state)
{
	const struct fx_prog lan = { LAN_SLOT, MW_ROLE_LAN, MW_ACT_PASS, MW_ACT_DROP };
	const struct fx_prog wan = { WAN_SLOT, MW_ROLE_WAN, MW_ACT_PASS, MW_ACT_DROP };
	char err[256] = "";
	int rc;

	(void)state;
	fx_libbpf_quiet();
	lan_skel = fx_load(&lan, NULL, err, sizeof(err));
	if (lan_skel)
		wan_skel = fx_load(&wan, lan_skel, err, sizeof(err));
	if (!lan_skel || !wan_skel) {
		fprintf(stderr, "load: %s\n", err);
		return -1;
	}
	lan_fd = fx_prog_fd(lan_skel);
	wan_fd = fx_prog_fd(wan_skel);
	rc = mw_maps_from_skel(&m, lan_skel, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "mw_maps_from_skel: %s\n", err);
		return -1;
	}
	rc = mw_maps_init(&m, m.max_subjects);
	if (rc || !m.disctab_m) {
		fprintf(stderr, "mw_maps_init: %s\n", strerror(-rc));
		return -1;
	}
	tab_map = m.disctab_m;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	mw_plan_free(&plan);
	m.disctab_m = tab_map;
	mw_maps_close(&m);
	modwall_bpf__destroy(wan_skel);
	modwall_bpf__destroy(lan_skel);
	return 0;
}

#define T(fn)	cmocka_unit_test_setup(fn, setup_test)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply),
		T(test_exact),
		T(test_address),
		T(test_times),
		T(test_window_full),
		T(test_merge),
		T(test_readers_agree),
		T(test_two_cpus),
		T(test_two_cpus_one_window),
		T(test_two_cpus_lru),
		T(test_two_cpus_claims),
	};

	return cmocka_run_group_tests_name("discovery", tests, group_setup, group_teardown);
}
