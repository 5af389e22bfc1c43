// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpbench: what modwall's XDP data path costs, side by side with anchor
 * programs, through BPF_PROG_TEST_RUN. tests/bench/run.sh (make bench)
 * runs it; it needs root.
 *
 *   xdpbench cost  --bare BARE.o
 *	in-kernel ns per frame over thousands of distinct frames (one test
 *	run per frame, a modest repeat each, the kernel's average): every
 *	modwall case, a bare XDP_DROP, xdp-bench's drop and xdp-filter
 *   xdpbench scale --bare BARE.o [--rotate ROTATE.o] [--ref REF.o] [--mem FILE]
 *	tagged and unknown frames with 1 / 10k / 1M tagged devices and
 *	0 / 1k / the whole registry of vendor prefixes, measured as cost does
 *	and with every run from another device (rotate.bpf.c in front), the
 *	latter beside a reference program behind the same driver (REF.o,
 *	ref_miss.bpf.c: one random line of a 128 MiB array per frame); then
 *	the map memory of the 1M-device load (to FILE)
 *   xdpbench live  --bare BARE.o --drop-if IF --allow-if IF --stack-if IF --stack-ip ADDR
 *	packets per second on one core with BPF_F_TEST_XDP_LIVE_FRAMES:
 *	frames come from a page_pool as from a driver, and XDP_PASS frames
 *	enter the stack on the interface of the context
 *   xdpbench nft   --drop-if IF --allow-if IF
 *	the nftables ruleset doing the live jobs, on stdout
 *   xdpbench flows --bare BARE.o --bare-tc BARE_TC.o --rotate ROTATE.o
 *	flows off and on side by side, warm and with many flows; the tc
 *	egress program beside a bare tc program (flowbench.c)
 *   xdpbench flowmem --rotate ROTATE.o
 *	the memory of a real 1M-flow table, filled through the data path
 *
 * Numbers are medians over interleaved rounds after a warm-up round. A
 * case that cannot run prints N/A and the reason; nothing fails on time.
 * With SCALE_ROWS set, cost, scale and live also append their rows of
 * make bench's table of scale goals to that file (scale_row()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "modwall.skel.h"
#include "entry.skel.h"
#include "modwall.h"
#include "load.h"
#include "fixture.h"
#include "addr.h"
#include "apply.h"
#include "compile.h"
#include "ieee.h"
#include "policy.h"
#include "state.h"
#include "xdpbench.h"

#define LIVE_BATCH	64		/* frames per batch: a NAPI budget */
#define XDP_BENCH_BIN	"/usr/sbin/xdp-bench"
#ifndef MULTIARCH
#define MULTIARCH	"x86_64-linux-gnu"	/* gcc -dumpmachine */
#endif

/* xdp-filter's map value flags (xdp-tools, xdp-filter/common_kern_user.h) */
#define XF_SRC		(1u << 0)
#define XF_DST		(1u << 1)
#define XF_TCP		(1u << 2)
#define XF_UDP		(1u << 3)


struct xb_opt opt = {
	.rounds = 5, .passes = 2, .devices = 4096, .cpu = 0,
};

int ncpus;

/* ---- small helpers ---------------------------------------------------- */

void __attribute__((format(printf, 2, 3))) sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap ? b->cap * 2 : 65536;
		while (b->cap < b->len + (size_t)n + 1)
			b->cap *= 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
}

/*
 * One row of make bench's closing table of scale goals (run.sh, section 9):
 * "SCALE|KEY|VALUE|GOAL|VERDICT|NOTE" appended to the file $SCALE_ROWS
 * names; nothing without it. @met: 1 met, 0 missed, -1 not measured
 * (VALUE N/A, NOTE says why). A row whose goal is for 1M devices but
 * measured at @ndev others says so, and its verdict is N/A. A run with
 * --only (the perf profiles) writes none: it leaves cases out.
 */
void scale_row(const char *key, uint32_t ndev, const char *value, const char *goal, int met,
	       const char *note)
{
	const char *path = getenv("SCALE_ROWS");
	const char *verdict = met < 0 ? "N/A" : met ? "MET" : "MISSED";
	FILE *f;

	if (opt.only || !path || !*path || !(f = fopen(path, "a")))
		return;
	if (ndev && ndev != 1000000 && met >= 0)
		fprintf(f, "SCALE|%s|%s|%s|N/A|at %u devices, not 1M (would be %s)%s%s\n", key,
			value, goal, ndev, verdict, note && *note ? "; " : "", note ? note : "");
	else
		fprintf(f, "SCALE|%s|%s|%s|%s|%s\n", key, met < 0 ? "N/A" : value, goal, verdict,
			note ? note : "");
	fclose(f);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median(const double *v, int n)
{
	double s[MAX_ROUNDS];

	if (n <= 0)
		return -1;
	memcpy(s, v, sizeof(*v) * (size_t)n);
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double vmin(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

double vmax(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/* libbpf's messages are kept and shown only when something fails. */
char bpf_log[16384];

static int bpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t l = strlen(bpf_log);

	if (level == LIBBPF_DEBUG || l >= sizeof(bpf_log) - 1)
		return 0;
	return vsnprintf(bpf_log + l, sizeof(bpf_log) - l, fmt, ap);
}

/* The last line libbpf printed, as a short reason. */
const char *bpf_last(void)
{
	static char line[200];
	char *s = bpf_log, *e;
	size_t l = strlen(s);

	while (l && s[l - 1] == '\n')
		s[--l] = 0;
	e = strrchr(s, '\n');
	snprintf(line, sizeof(line), "%s", e ? e + 1 : s);
	return line;
}

/*
 * BPF_PROG_TEST_RUN with a repeat adds the program to the kernel's XDP
 * dispatcher for the run and takes it out after, waiting for an RCU grace
 * period each time unless something else keeps it there. A program
 * attached to an interface stays in the dispatcher, so each run is cheap
 * to start and the program is reached as a driver reaches it: a direct
 * call. hold() attaches @fd (generic mode) to a veth of its own.
 */
static int nheld;

static void unhold(void)
{
	char cmd[96];
	int i;

	for (i = 0; i < nheld; i++) {
		snprintf(cmd, sizeof(cmd), "ip link del xbh%d_%d 2>/dev/null",
			 (int)getpid() % 100000, i);
		if (system(cmd))
			continue;
	}
}

int hold(int fd, char *why, size_t wl)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = XDP_FLAGS_SKB_MODE);
	char cmd[128], name[IF_NAMESIZE];
	unsigned idx;
	int link;

	if (!nheld)
		atexit(unhold);
	snprintf(name, sizeof(name), "xbh%d_%d", (int)getpid() % 100000, nheld++);
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name %sp", name, name);
	if (system(cmd) != 0 || !(idx = if_nametoindex(name))) {
		snprintf(why, wl, "creating %s to attach to", name);
		return -1;
	}
	link = bpf_link_create(fd, (int)idx, BPF_XDP, &lo);
	if (link < 0) {
		snprintf(why, wl, "attaching to %s: %s", name, strerror(errno));
		return -1;
	}
	return 0;	/* the link goes with the process */
}

/* ---- frames ----------------------------------------------------------- */

uint8_t *frame(const struct frames *fs, uint32_t i)
{
	return fs->d + (size_t)i * fs->len;
}

void frames_alloc(struct frames *fs, uint32_t n)
{
	fs->n = n;
	fs->len = FRAME_LEN;
	fs->d = calloc(n, FRAME_LEN);
	if (!fs->d)
		abort();
}

/* The i-th MAC of a family: two fixed octets, then a bijection of i. */
uint64_t mac_of(uint16_t fam, uint32_t i)
{
	return ((uint64_t)fam << 32) | (uint32_t)((i * 0x9E3779B1u) ^ 0x5bd1e995u);
}

void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Set the IPv4 addresses of a frame and its header checksum. */
void frame_saddr(uint8_t *f, uint32_t saddr, uint32_t daddr)
{
	uint8_t *ip = f + 14;
	uint32_t sum = 0;
	int i;

	put32(ip + 12, saddr);
	put32(ip + 16, daddr);
	put16(ip + 10, 0);
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, (uint16_t)~sum);
}

/* A UDP/IPv4 frame of FRAME_LEN bytes, valid IP checksum, UDP checksum 0. */
void frame_set(uint8_t *f, uint64_t dmac, uint64_t smac, uint32_t saddr, uint32_t daddr,
		      uint16_t sport, uint16_t dport)
{
	uint8_t *ip = f + 14, *udp = f + 34;

	memset(f, 0, FRAME_LEN);
	fx_mac_put(f, dmac);
	fx_mac_put(f + 6, smac);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, FRAME_LEN - 14);
	put16(ip + 6, 0x4000);		/* DF */
	ip[8] = 64;
	ip[9] = 17;
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, FRAME_LEN - 34);
	frame_saddr(f, saddr, daddr);
}

/* n frames from the MACs of @fam (devices 0..ndev-1 in turn) to @daddr:9. */
void frames_family(struct frames *fs, uint32_t n, uint16_t fam, uint32_t ndev,
			  uint32_t net, uint64_t dmac, uint32_t daddr)
{
	uint32_t i;

	frames_alloc(fs, n);
	for (i = 0; i < n; i++) {
		uint32_t d = i % ndev;

		frame_set(frame(fs, i), dmac, mac_of(fam, d), net | (d & 0xffff), daddr,
			  (uint16_t)(1024 + i % 60000), 9);
	}
}

/*
 * Each frame of @in inside a G-PDU from a base station (10.99.0.1) to the
 * core (10.99.0.2), UDP 2152 both ways, no optional fields: what an n3
 * interface sees of the same device's uplink.
 */
static void frames_gtp(struct frames *out, const struct frames *in)
{
	uint32_t i;

	out->n = in->n;
	out->len = GTP_FRAME_LEN;
	out->d = calloc(in->n, GTP_FRAME_LEN);
	if (!out->d)
		abort();
	for (i = 0; i < in->n; i++) {
		uint8_t *f = frame(out, i), *g = f + 42;

		frame_set(f, DST_MAC, 0x02aa00000001ull, 0x0a630001, 0x0a630002, 2152, 2152);
		put16(f + 14 + 2, GTP_FRAME_LEN - 14);
		frame_saddr(f, 0x0a630001, 0x0a630002);
		put16(f + 34 + 4, GTP_FRAME_LEN - 34);
		g[0] = 0x30;			/* version 1, PT 1 */
		g[1] = 255;			/* G-PDU */
		put16(g + 2, FRAME_LEN - 14);
		put32(g + 4, 0x1000 + i);	/* TEID */
		memcpy(g + 8, frame(in, i) + 14, FRAME_LEN - 14);
	}
}

/* ---- modwall instances -------------------------------------------------- */

/*
 * Open and load as the loader does (see mw_load), sized for @maxs subjects
 * and @maxf flows (0: the object's default, MW_DEFAULT_FLOWS).
 */
int inst_open_flows(struct inst *in, uint32_t maxs, uint32_t maxf, char *why, size_t wl)
{
	char err[512] = "";
	int rc;

	memset(in, 0, sizeof(*in));
	in->fd = -1;
	in->maxs = maxs;
	in->skel = modwall_bpf__open();
	if (!in->skel) {
		snprintf(why, wl, "opening the modwall object: %s", strerror(errno));
		return -1;
	}
	mw_load_size_maps(in->skel, maxs, maxf);	/* as `modwall load` sizes them */
	/* lan's program only; its attach type stays the object's, as rotate.bpf.c's (tail calls) */
	bpf_program__set_autoload(in->skel->progs.modwall_xdp_n3, false);
	bpf_log[0] = 0;
	rc = modwall_bpf__load(in->skel);
	if (rc) {
		snprintf(why, wl, "loading modwall (%u subjects): %s", maxs, bpf_last());
		goto fail;
	}
	rc = mw_maps_from_skel(&in->m, in->skel, err, sizeof(err));
	if (!rc)
		rc = mw_maps_init(&in->m, maxs);
	if (!rc)
		rc = mw_set_event_rate(&in->m, MW_EVENT_RATE_DEFAULT, MW_EVENT_BURST_DEFAULT);
	if (rc) {
		snprintf(why, wl, "initialising maps: %s", err[0] ? err : strerror(-rc));
		mw_maps_close(&in->m);
		goto fail;
	}
	in->fd = bpf_program__fd(in->skel->progs.modwall_xdp);
	return 0;
fail:
	modwall_bpf__destroy(in->skel);
	in->skel = NULL;
	return -1;
}

static int inst_open(struct inst *in, uint32_t maxs, char *why, size_t wl)
{
	return inst_open_flows(in, maxs, 0, why, wl);
}

void inst_close(struct inst *in)
{
	if (!in->skel)
		return;
	mw_maps_close(&in->m);
	modwall_bpf__destroy(in->skel);
	in->skel = NULL;
	in->fd = -1;
}

/* Compile and apply a policy text; on error the first diagnostics go to @why. */
int inst_apply(struct inst *in, const char *text, const struct mw_ieee *db,
		      const struct mw_bindings *b, char *why, size_t wl)
{
	struct mw_policy pol;
	struct mw_plan plan;
	struct mw_apply_result res;
	char err[512];
	int rc;

	rc = mw_policy_load_string(&pol, "bench.mwp", text);
	if (!rc)
		rc = mw_compile(&plan, &pol, db, b);
	else
		memset(&plan, 0, sizeof(plan));
	if (rc) {
		snprintf(why, wl, "policy: %s", pol.errors.n ? pol.errors.msg[0] : "rejected");
		mw_plan_free(&plan);
		mw_policy_free(&pol);
		return -1;
	}
	rc = mw_apply(&in->m, &plan, &res, err, sizeof(err));
	if (rc)
		snprintf(why, wl, "apply: %s", err);
	else
		mw_apply_result_free(&res);
	mw_plan_free(&plan);
	mw_policy_free(&pol);
	return rc ? -1 : 0;
}

/* ---- anchor programs ---------------------------------------------------- */

void prog_na(struct prog *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	if (p->obj)
		bpf_object__close(p->obj);
	p->obj = NULL;
	p->fd = -1;
}

/* An anchor object's program @name; @option names the object's option. */
static void load_anchor(struct prog *p, const char *path, const char *name, const char *option)
{
	struct bpf_program *bp;

	memset(p, 0, sizeof(*p));
	if (!path)
		return prog_na(p, "no %s object given", option);
	bpf_log[0] = 0;
	p->obj = bpf_object__open_file(path, NULL);
	if (!p->obj) {
		p->obj = NULL;
		return prog_na(p, "%s: %s", path, strerror(errno));
	}
	if (bpf_object__load(p->obj))
		return prog_na(p, "loading %s: %s", path, bpf_last());
	bp = bpf_object__find_program_by_name(p->obj, name);
	if (!bp)
		return prog_na(p, "%s has no program %s", path, name);
	p->fd = bpf_program__fd(bp);
}

/* The bare anchor: XDP_DROP with one per-CPU counter (bare_drop.bpf.c). */
void load_bare(struct prog *p, const char *path)
{
	load_anchor(p, path, "bare_drop", "--bare");
}

/* The scale reference: one random line of a 128 MiB array per frame (ref_miss.bpf.c). */
static void load_ref_miss(struct prog *p, const char *path)
{
	load_anchor(p, path, "ref_miss", "--ref");
}

/* XDP_PASS and nothing else: what the live cases pass to the stack with. */
static void load_pass(struct prog *p)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_XDP);
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	memset(p, 0, sizeof(*p));
	p->fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "bare_pass", "GPL", insns, 2, &o);
	if (p->fd < 0)
		prog_na(p, "loading an XDP_PASS program: %s", strerror(errno));
}

/* Write a variable of an object's .rodata by its BTF name. */
int set_rodata(struct bpf_object *obj, const char *var, const void *val, size_t len)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	struct bpf_map *map = NULL, *m;
	const void *init;
	size_t sz;
	int id, i;

	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);

		if (strlen(n) >= 7 && !strcmp(n + strlen(n) - 7, ".rodata"))
			map = m;
	}
	if (!btf || !map)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, (__u32)id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *t = btf__type_by_id(btf, vs->type);
		uint8_t *copy;
		int rc;

		if (strcmp(btf__name_by_offset(btf, t->name_off), var))
			continue;
		init = bpf_map__initial_value(map, &sz);
		if (!init || vs->offset + len > sz || len != vs->size)
			return -EINVAL;
		copy = malloc(sz);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, init, sz);
		memcpy(copy + vs->offset, val, len);
		rc = bpf_map__set_initial_value(map, copy, sz);
		free(copy);
		return rc;
	}
	return -ENOENT;
}

/*
 * The rotating driver (rotate.bpf.c) in front of @target: every run gives
 * the frame the source MAC of another of @n devices of family @fam, or
 * with @daddr, the IPv4 destination @daddr | i of another of @n remotes.
 */
static void load_rotate_any(struct prog *p, const char *path, struct prog *target, uint16_t fam,
			    uint32_t daddr, uint32_t n)
{
	struct bpf_program *bp;
	uint32_t fam32 = fam, k = 0;
	int map, tfd = target->fd;

	memset(p, 0, sizeof(*p));
	if (!path)
		return prog_na(p, "no --rotate object given");
	if (tfd < 0)
		return prog_na(p, "%s", target->why);
	bpf_log[0] = 0;
	p->obj = bpf_object__open_file(path, NULL);
	if (!p->obj) {
		p->obj = NULL;
		return prog_na(p, "%s: %s", path, strerror(errno));
	}
	if (set_rodata(p->obj, "rot_n", &n, 4) || set_rodata(p->obj, "rot_family", &fam32, 4) ||
	    set_rodata(p->obj, "rot_daddr", &daddr, 4))
		return prog_na(p, "%s: unexpected .rodata layout", path);
	if (bpf_object__load(p->obj))
		return prog_na(p, "loading %s: %s", path, bpf_last());
	bp = bpf_object__find_program_by_name(p->obj, "rotate");
	map = bpf_object__find_map_fd_by_name(p->obj, "rot_target");
	if (!bp || map < 0)
		return prog_na(p, "%s is not the rotating driver", path);
	if (bpf_map_update_elem(map, &k, &tfd, BPF_ANY))
		return prog_na(p, "tail call to the program under test: %s", strerror(errno));
	p->fd = bpf_program__fd(bp);
}

static void load_rotate(struct prog *p, const char *path, struct prog *target, uint16_t fam,
			uint32_t n)
{
	load_rotate_any(p, path, target, fam, 0, n);
}

void load_rotate_to(struct prog *p, const char *path, struct prog *target, uint32_t daddr,
		    uint32_t n)
{
	load_rotate_any(p, path, target, 0, daddr, n);
}

/*
 * xdp-bench's programs are compiled into the xdp-bench binary as BPF ELF
 * objects (skeletons). Find the one holding xdp_basic_prog (xdp-bench
 * drop/pass/tx) and load it as `xdp-bench drop` would: action XDP_DROP,
 * the per-CPU rx counters, and optionally reading the Ethernet header.
 */
static void load_xdpbench(struct prog *p, int read_data)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "xdp_basic");
	struct bpf_program *bp, *keep = NULL;
	FILE *f = fopen(XDP_BENCH_BIN, "rb");
	uint8_t *bin = NULL;
	long size;
	size_t off;

	memset(p, 0, sizeof(*p));
	if (!f)
		return prog_na(p, "%s: %s (install xdp-tools)", XDP_BENCH_BIN, strerror(errno));
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	bin = malloc((size_t)size);
	if (!bin || fread(bin, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(bin);
		return prog_na(p, "reading %s", XDP_BENCH_BIN);
	}
	fclose(f);
	for (off = 0; off + 64 <= (size_t)size; off++) {
		uint64_t shoff;
		uint16_t mach, shentsize, shnum;
		size_t len;

		if (memcmp(bin + off, "\177ELF\2\1", 6))
			continue;
		memcpy(&mach, bin + off + 18, 2);
		memcpy(&shoff, bin + off + 0x28, 8);
		memcpy(&shentsize, bin + off + 0x3a, 2);
		memcpy(&shnum, bin + off + 0x3c, 2);
		len = shoff + (size_t)shentsize * shnum;
		if (mach != 247 /* EM_BPF */ || !shoff || off + len > (size_t)size)
			continue;
		p->obj = bpf_object__open_mem(bin + off, len, &oo);
		if (!p->obj) {
			p->obj = NULL;
			continue;
		}
		keep = bpf_object__find_program_by_name(p->obj, "xdp_basic_prog");
		if (keep)
			break;
		bpf_object__close(p->obj);
		p->obj = NULL;
	}
	free(bin);
	if (!keep)
		return prog_na(p, "no xdp_basic_prog object inside %s", XDP_BENCH_BIN);
	bpf_object__for_each_program(bp, p->obj)
		bpf_program__set_autoload(bp, bp == keep);
	/* xdp-bench sizes its counter arrays by the CPUs at run time */
	{
		struct bpf_map *m;

		bpf_object__for_each_map(m, p->obj)
			if (!bpf_map__max_entries(m))
				bpf_map__set_max_entries(m, 64u * (unsigned)ncpus);
	}
	{
		uint32_t action = XDP_DROP, nr = (uint32_t)ncpus;
		uint8_t rd = (uint8_t)!!read_data;

		if (set_rodata(p->obj, "action", &action, 4) ||
		    set_rodata(p->obj, "read_data", &rd, 1) ||
		    set_rodata(p->obj, "nr_cpus", &nr, 4))
			return prog_na(p, "xdp_basic_prog: unexpected .rodata layout");
	}
	bpf_log[0] = 0;
	if (bpf_object__load(p->obj))
		return prog_na(p, "loading xdp_basic_prog: %s", bpf_last());
	p->fd = bpf_program__fd(keep);
}

static int percpu_u64_update(int fd, const void *key, uint64_t v)
{
	uint64_t vals[ncpus];
	int i;

	for (i = 0; i < ncpus; i++)
		vals[i] = v;
	return bpf_map_update_elem(fd, key, vals, BPF_ANY);
}

/*
 * xdp-filter's all-features program (xdp-tools, xdpfilt_{alw,dny}_all.o),
 * loaded with plain libbpf and not pinned. "alw" passes by default and
 * drops what its maps list; "dny" drops by default and passes what they
 * list. @macs go in filter_ethernet as sources; the other maps get entries
 * that the benchmark frames do not match, so every lookup is a real one.
 */
static void load_xdpfilter(struct prog *p, const char *mode, const uint64_t *macs, uint32_t nmac)
{
	char path[256];
	struct bpf_program *bp;
	struct bpf_map *m;
	uint32_t i;
	int fd;

	static const char *const dirs[] = {	/* where xdp-tools installs its objects */
		"/usr/lib/" MULTIARCH "/bpf", "/usr/lib/bpf", "/usr/local/lib/bpf",
		"/usr/share/xdp-tools",
	};
	size_t d;

	memset(p, 0, sizeof(*p));
	for (d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		snprintf(path, sizeof(path), "%s/xdpfilt_%s_all.o", dirs[d], mode);
		if (!access(path, R_OK))
			break;
	}
	if (d == sizeof(dirs) / sizeof(dirs[0]))
		return prog_na(p, "no xdpfilt_%s_all.o in %s and the like (install xdp-tools)",
			       mode, dirs[0]);
	bpf_log[0] = 0;
	p->obj = bpf_object__open_file(path, NULL);
	if (!p->obj) {
		p->obj = NULL;
		return prog_na(p, "%s: %s", path, bpf_last());
	}
	bpf_object__for_each_map(m, p->obj)
		bpf_map__set_pin_path(m, NULL);
	if (bpf_object__load(p->obj))
		return prog_na(p, "loading %s: %s", path, bpf_last());
	bp = bpf_object__next_program(p->obj, NULL);
	if (!bp)
		return prog_na(p, "%s has no program", path);
	fd = bpf_object__find_map_fd_by_name(p->obj, "filter_ethernet");
	for (i = 0; fd >= 0 && i < nmac; i++) {
		uint8_t k[6];

		fx_mac_put(k, macs[i]);
		if (percpu_u64_update(fd, k, XF_SRC))
			return prog_na(p, "filling filter_ethernet: %s", strerror(errno));
	}
	fd = bpf_object__find_map_fd_by_name(p->obj, "filter_ipv4");
	for (i = 0; fd >= 0 && i < 4096; i++) {
		uint32_t a = htonl(0xac100000u | i);	/* 172.16.0.0/20 */

		if (percpu_u64_update(fd, &a, XF_SRC | XF_DST))
			return prog_na(p, "filling filter_ipv4: %s", strerror(errno));
	}
	fd = bpf_object__find_map_fd_by_name(p->obj, "filter_ipv6");
	for (i = 0; fd >= 0 && i < 1024; i++) {
		uint8_t a[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

		put32(a + 12, i + 1);
		if (percpu_u64_update(fd, a, XF_SRC | XF_DST))
			return prog_na(p, "filling filter_ipv6: %s", strerror(errno));
	}
	fd = bpf_object__find_map_fd_by_name(p->obj, "filter_ports");
	{
		static const uint16_t ports[] = { 23, 445, 2323, 5555, 7547 };

		for (i = 0; fd >= 0 && i < sizeof(ports) / sizeof(ports[0]); i++) {
			uint32_t k = htons(ports[i]);

			if (percpu_u64_update(fd, &k, XF_DST | XF_TCP | XF_UDP))
				return prog_na(p, "filling filter_ports: %s", strerror(errno));
		}
	}
	p->fd = bpf_program__fd(bp);
}

/*
 * The program's line table: for every BTF line-info record, the kernel
 * address of its JIT code and the source line, one "ADDR FILE:LINE TEXT"
 * a line. With perf samples (absolute addresses) it gives a profile by
 * source line, without a disassembler.
 */
void dump_lines(int fd, const char *path)
{
	struct bpf_prog_info info = { 0 }, li = { 0 };
	__u32 len = sizeof(info), n, rs, k;
	struct btf *btf = NULL;
	uint8_t *recs = NULL;
	__u64 *addr = NULL;
	FILE *f;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.nr_line_info ||
	    info.nr_jited_line_info != info.nr_line_info)
		return;
	n = info.nr_line_info;
	rs = info.line_info_rec_size;
	recs = calloc(n, rs);
	addr = calloc(n, sizeof(*addr));
	f = fopen(path, "w");
	if (!recs || !addr || !f)
		goto out;
	li.nr_line_info = n;
	li.line_info_rec_size = rs;
	li.line_info = (__u64)(uintptr_t)recs;
	li.nr_jited_line_info = n;
	li.jited_line_info_rec_size = sizeof(__u64);
	li.jited_line_info = (__u64)(uintptr_t)addr;
	len = sizeof(li);
	if (bpf_obj_get_info_by_fd(fd, &li, &len))
		goto out;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		goto out;
	for (k = 0; k < n; k++) {
		const struct bpf_line_info *l = (const void *)(recs + (size_t)k * rs);
		const char *file = btf__name_by_offset(btf, l->file_name_off);
		const char *src = btf__name_by_offset(btf, l->line_off);
		const char *base = file ? strrchr(file, '/') : NULL;

		while (src && (*src == ' ' || *src == '\t'))
			src++;
		fprintf(f, "%llx %s:%u %s\n", (unsigned long long)addr[k],
			base ? base + 1 : file ? file : "?", BPF_LINE_INFO_LINE_NUM(l->line_col),
			src ? src : "");
	}
out:
	btf__free(btf);
	if (f)
		fclose(f);
	free(recs);
	free(addr);
}

/* Size of each program of an object: translated and JIT code, verifier work. */
static void prog_sizes(struct bpf_object *obj)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		printf("  %-14s %6u insns translated, %6u bytes JIT, %8u insns verified\n",
		       bpf_program__name(p), info.xlated_prog_len / 8, info.jited_prog_len,
		       info.verified_insns);
	}
}

/* ---- measuring ----------------------------------------------------------- */

/* Mean of the kernel's per-repeat average over every frame of @fs. */
double run_cost(struct bcase *c)
{
	uint64_t sum = 0, n = 0;
	unsigned pass;
	uint32_t i;

	for (pass = 0; pass < opt.passes; pass++)
		for (i = 0; i < c->fs->n; i++) {
			__u32 verdict, ns;
			int err = fx_run(c->prog->fd, frame(c->fs, i), c->fs->len,
					 c->repeat ? c->repeat : opt.repeat, &verdict, &ns);

			if (err) {
				snprintf(c->why, sizeof(c->why), "test run: %s", strerror(-err));
				return -1;
			}
			if (c->expect >= 0 && verdict != (uint32_t)c->expect)
				c->wrong++;
			sum += ns;
			n++;
		}
	return n ? (double)sum / (double)n : -1;
}

/*
 * Live frames: each frame of @fs @repeat times from the page_pool, in
 * batches, on the interface c->ifindex. Returns ns per frame (the kernel's
 * average, weighted by frames).
 */
static double run_live(struct bcase *c)
{
	struct xdp_md ctx = { .data_end = FRAME_LEN, .ingress_ifindex = c->ifindex };
	uint64_t sum = 0, n = 0;
	uint32_t i;

	for (i = 0; i < c->fs->n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame(c->fs, i),
			    .data_size_in = FRAME_LEN, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .repeat = (int)opt.repeat, .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = LIVE_BATCH);

		if (bpf_prog_test_run_opts(c->prog->fd, &o)) {
			snprintf(c->why, sizeof(c->why), "live test run: %s", strerror(errno));
			return -1;
		}
		sum += (uint64_t)o.duration * opt.repeat;
		n += opt.repeat;
	}
	return n ? (double)sum / (double)n : -1;
}

void mkcase(struct bcase *c, const char *label, const char *group, struct prog *p,
		   const struct frames *fs, int expect, int evrate, struct inst *in, int ref)
{
	memset(c, 0, sizeof(*c));
	c->label = label;
	c->group = group;
	c->prog = p;
	c->fs = fs;
	c->expect = expect;
	c->evrate = evrate;
	c->in = in;
	c->ref = ref;
}

static int case_ready(struct bcase *c)
{
	if (c->why[0])
		return 0;
	if (opt.only && !strstr(c->label, opt.only)) {
		snprintf(c->why, sizeof(c->why), "left out (--only)");
		return 0;
	}
	if (!c->prog || c->prog->fd < 0) {
		snprintf(c->why, sizeof(c->why), "%s", c->prog ? c->prog->why : "no program");
		return 0;
	}
	if (!c->fs || !c->fs->n) {
		snprintf(c->why, sizeof(c->why), "no frames");
		return 0;
	}
	if (!c->prog->held) {
		if (hold(c->prog->fd, c->prog->why, sizeof(c->prog->why))) {
			c->prog->fd = -1;
			snprintf(c->why, sizeof(c->why), "%s", c->prog->why);
			return 0;
		}
		c->prog->held = 1;
	}
	return 1;
}

static void case_prepare(struct bcase *c)
{
	if (c->in && c->evrate >= 0)
		mw_set_event_rate(&c->in->m, (uint64_t)c->evrate,
				  c->evrate ? MW_EVENT_BURST_DEFAULT : 0);
}

/*
 * Rounds: a warm-up, then opt.rounds in which every case runs once; the
 * order rotates from round to round so no case always follows the same one.
 */
void run_rounds(struct bcase *cs, int nc, double (*run)(struct bcase *))
{
	unsigned r;
	int k;

	for (r = 0; r <= opt.rounds; r++)
		for (k = 0; k < nc; k++) {
			struct bcase *c = &cs[(k + (int)r) % nc];
			double v;

			if (!case_ready(c))
				continue;
			case_prepare(c);
			v = run(c);
			if (v < 0)
				continue;
			if (r == 0) {
				c->wrong = 0;	/* the warm-up's verdicts count too, once */
				continue;
			}
			if (c->nv < MAX_ROUNDS)
				c->v[c->nv++] = v;
		}
}

const char *verdict_name(int v)
{
	switch (v) {
	case XDP_DROP:
		return "drop";
	case XDP_PASS:
		return "pass";
	case XDP_ABORTED:
		return "aborted";
	case XDP_TX:
		return "tx";
	}
	return "-";
}

void ratio(char *buf, size_t len, double a, double b)
{
	if (a > 0 && b > 0)
		snprintf(buf, len, "%.2fx", a / b);
	else
		snprintf(buf, len, "-");
}

/*
 * modwall's libxdp component as the dispatcher calls it: the entry
 * program tail-calling @target through its own prog array (slot 0).
 */
static struct entry_bpf *entry_skel;

static void load_entry(struct prog *p, int target)
{
	__u32 k = 0;
	int pfd;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (target < 0)
		return prog_na(p, "modwall did not load");
	entry_skel = entry_bpf__open();
	if (!entry_skel)
		return prog_na(p, "opening the entry object: %s", strerror(errno));
	if (entry_bpf__load(entry_skel)) {
		prog_na(p, "loading the entry: %s", bpf_last());
		entry_bpf__destroy(entry_skel);
		entry_skel = NULL;
		return;
	}
	pfd = bpf_map__fd(entry_skel->maps.mw_progs);
	if (bpf_map_update_elem(pfd, &k, &target, BPF_ANY))
		return prog_na(p, "mw_progs[0]: %s", strerror(errno));
	p->fd = bpf_program__fd(entry_skel->progs.modwall_entry);
}

/* ---- cost ---------------------------------------------------------------- */

static const char *cost_policy_head =
	"policy site {\n"
	"	allow udp to 198.18.0.1 port 9\n"
	"	allow tcp to 192.0.2.0/24 port 443\n"
	"	allow udp to 10.53.0.0/16 port 53\n"
	"}\n"
	"policy metered { rate 100000 pps burst 64 100 mbit burst 64 kbyte }\n";

void devices_by_mac(struct sbuf *b, const char *tag, uint16_t fam, uint32_t n,
			   const char *policy)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		char mac[18];

		mw_format_mac(mac_of(fam, i), mac);
		sb_printf(b, "device %s%07u mac %s policy %s\n", tag, i, mac, policy);
	}
}

/* A closing-table row: case @c against case @r, met when c / r <= @goal. */
static void ratio_row(const char *key, const struct bcase *c, const struct bcase *r,
		      double goal, const char *note)
{
	char value[64], g[32];
	double m, b;

	snprintf(g, sizeof(g), "<= %gx", goal);
	if (!c->nv || !r->nv || c->wrong) {
		snprintf(value, sizeof(value), "%s did not run",
			 !c->nv || c->wrong ? c->label : r->label);
		scale_row(key, 0, "N/A", g, -1, c->wrong ? "wrong verdicts" : !c->nv ?
			  (c->why[0] ? c->why : value) : (r->why[0] ? r->why : value));
		return;
	}
	m = median(c->v, c->nv);
	b = median(r->v, r->nv);
	snprintf(value, sizeof(value), "%.2fx (%.1f / %.1f ns)", m / b, m, b);
	scale_row(key, 0, value, g, m / b <= goal, note);
}

static int cmd_cost(void)
{
	enum { C_BARE, C_XB, C_XBR, C_XF_MACDROP, C_XF_MACPASS, C_XF_WALK,
	       C_PASS, C_ENTRY, C_DROP_EV, C_DROP_NOEV, C_VENDOR, C_UNKNOWN, C_IP, C_GTP, C_ALLOW,
	       C_RATE, C_N };
	static struct bcase cs[C_N];
	struct prog bare, xb, xbr, xf_alw, xf_dny, mwp = { .fd = -1 }, mwe, mwn3 = { .fd = -1 };
	struct modwall_bpf *n3 = NULL;
	struct frames f_gtp = { 0 };
	struct frames f_pass = { 0 }, f_drop = { 0 }, f_vendor = { 0 }, f_unknown = { 0 };
	struct frames f_ip = { 0 }, f_allow = { 0 }, f_rate = { 0 };
	struct mw_ieee db;
	struct mw_bindings binds = { 0 };
	struct sbuf pol = { 0 };
	struct inst in;
	char why[600] = "", vwhy[600] = "";
	const struct mw_ieee_entry **qv = NULL;
	ssize_t nq = 0;
	uint64_t *dmacs, *pmacs;
	uint32_t nd = opt.devices, i;
	int have_db, have_inst, k;

	have_db = mw_ieee_load(&db, NULL, why, sizeof(why)) == 0;
	if (!have_db)
		snprintf(vwhy, sizeof(vwhy), "IEEE registry: %.400s", why);
	else {
		size_t norgs = 0;

		nq = mw_ieee_find_vendor(&db, "Quectel", &qv, &norgs);
		if (nq <= 0)
			snprintf(vwhy, sizeof(vwhy), "no Quectel assignment in the IEEE registry");
	}

	sb_printf(&pol, "%s", cost_policy_head);
	devices_by_mac(&pol, "p", FAM_PASS, nd, "pass");
	devices_by_mac(&pol, "d", FAM_DROP, nd, "drop");
	devices_by_mac(&pol, "a", FAM_ALLOW, nd, "site");
	devices_by_mac(&pol, "r", FAM_RATE, nd, "metered");
	for (i = 0; i < nd; i++) {
		struct mw_prefix px = { .family = AF_INET, .len = 32 };
		struct mw_loc loc = { .file = "bench", .line = (int)i + 1, .col = 1 };
		char imei[16];

		mw_format_imei(IMEI_BASE + i, imei);
		sb_printf(&pol, "device i%07u imei %s policy pass\n", i, imei);
		put32(px.addr, NET_BOUND | i);
		mw_bindings_add(&binds, IMEI_BASE + i, &px, &loc);
	}
	if (nq > 0)
		/* observe without flows: the flows' cost has its own table (flows) */
		sb_printf(&pol, "policy watch { observe }\n"
			  "class modules vendor \"Quectel\" policy watch\n");
	sb_printf(&pol, "default pass\n");

	have_inst = inst_open(&in, 8 * 1024 + 5 * nd, why, sizeof(why)) == 0 &&
		    inst_apply(&in, pol.p, have_db ? &db : NULL, &binds, why, sizeof(why)) == 0;
	if (!have_inst)
		fprintf(stderr, "xdpbench: modwall: %s\n", why);
	else if (opt.lines)
		dump_lines(in.fd, opt.lines);

	frames_family(&f_pass, opt.frames, FAM_PASS, nd, NET_DEV, DST_MAC, ADDR_SERVER);
	frames_family(&f_drop, opt.frames, FAM_DROP, nd, NET_DEV, DST_MAC, ADDR_SERVER);
	frames_family(&f_allow, opt.frames, FAM_ALLOW, nd, NET_DEV, DST_MAC, ADDR_SERVER);
	frames_family(&f_rate, opt.frames, FAM_RATE, nd, NET_DEV, DST_MAC, ADDR_SERVER);
	frames_family(&f_unknown, opt.frames, FAM_UNKNOWN, opt.frames, NET_UNKNOWN, DST_MAC,
		      ADDR_SERVER);
	/* IMEI devices: unknown MACs, bound source addresses */
	frames_family(&f_ip, opt.frames, FAM_IPDEV, opt.frames, 0, DST_MAC, ADDR_SERVER);
	for (i = 0; i < opt.frames; i++)
		frame_saddr(frame(&f_ip, i), NET_BOUND | (i % nd), ADDR_SERVER);
	if (nq > 0) {
		frames_alloc(&f_vendor, opt.frames);
		for (i = 0; i < opt.frames; i++) {
			const struct mw_ieee_entry *e = qv[i % (uint32_t)nq];
			uint32_t j = i / (uint32_t)nq;
			uint64_t host = (j * 0x9E3779B1u) & ((1ull << (48 - e->bits)) - 1);

			frame_set(frame(&f_vendor, i), DST_MAC, e->prefix | host, NET_DEV | i,
				  ADDR_SERVER, (uint16_t)(1024 + i), 9);
		}
	}

	dmacs = calloc(nd, sizeof(*dmacs));
	pmacs = calloc(nd, sizeof(*pmacs));
	for (i = 0; i < nd; i++) {
		dmacs[i] = mac_of(FAM_DROP, i);
		pmacs[i] = mac_of(FAM_PASS, i);
	}
	load_bare(&bare, opt.bare);
	load_xdpbench(&xb, 0);
	load_xdpbench(&xbr, 1);
	load_xdpfilter(&xf_alw, "alw", dmacs, nd);
	load_xdpfilter(&xf_dny, "dny", pmacs, nd);

	mwp.fd = have_inst ? in.fd : -1;
	if (!have_inst)
		snprintf(mwp.why, sizeof(mwp.why), "%.190s", why);
	load_entry(&mwe, mwp.fd);
	/* the same maps through a program loaded with --role n3 (interface slot 1) */
	frames_gtp(&f_gtp, &f_ip);
	if (have_inst) {
		const struct fx_prog n3cfg = { 1, MW_ROLE_N3, MW_ACT_PASS, MW_ACT_DROP };

		n3 = fx_load(&n3cfg, in.skel, mwn3.why, sizeof(mwn3.why));
		mwn3.fd = n3 ? fx_prog_fd(n3) : -1;
	} else {
		snprintf(mwn3.why, sizeof(mwn3.why), "%.190s", why);
	}
	{
		struct inst *ip = have_inst ? &in : NULL;
		const int ev = MW_EVENT_RATE_DEFAULT;

		mkcase(&cs[C_BARE], "bare XDP_DROP + per-CPU counter", "anchors", &bare, &f_drop,
		       XDP_DROP, -1, NULL, -1);
		mkcase(&cs[C_XB], "xdp-bench drop (xdp_basic, no-touch)", NULL, &xb, &f_drop,
		       XDP_DROP, -1, NULL, -1);
		mkcase(&cs[C_XBR], "xdp-bench drop -p read-data", NULL, &xbr, &f_drop, XDP_DROP, -1,
		       NULL, -1);
		mkcase(&cs[C_XF_MACDROP], "xdp-filter all: src MAC listed, drop", NULL, &xf_alw,
		       &f_drop, XDP_DROP, -1, NULL, -1);
		mkcase(&cs[C_XF_MACPASS], "xdp-filter all (deny): src MAC listed, pass", NULL,
		       &xf_dny, &f_pass, XDP_PASS, -1, NULL, -1);
		mkcase(&cs[C_XF_WALK], "xdp-filter all: no match, every lookup", NULL, &xf_alw,
		       &f_unknown, XDP_PASS, -1, NULL, -1);
		mkcase(&cs[C_PASS], "tagged device by MAC, pass", "modwall", &mwp, &f_pass,
		       XDP_PASS, ev, ip, C_XF_MACPASS);
		mkcase(&cs[C_ENTRY], "the same, through the libxdp entry", NULL, &mwe,
		       &f_pass, XDP_PASS, ev, ip, C_XF_MACPASS);
		mkcase(&cs[C_DROP_EV], "tagged device by MAC, drop, events 100/s", NULL, &mwp,
		       &f_drop, XDP_DROP, ev, ip, C_XF_MACDROP);
		mkcase(&cs[C_DROP_NOEV], "tagged device by MAC, drop, events off", NULL, &mwp,
		       &f_drop, XDP_DROP, 0, ip, C_XF_MACDROP);
		mkcase(&cs[C_VENDOR], "vendor class (Quectel), observe + discovery", NULL, &mwp,
		       &f_vendor, XDP_PASS, ev, ip, C_XF_WALK);
		mkcase(&cs[C_UNKNOWN], "unknown device, default pass", NULL, &mwp, &f_unknown,
		       XDP_PASS, ev, ip, C_XF_WALK);
		mkcase(&cs[C_IP], "IMEI device by bound IPv4, pass", NULL, &mwp, &f_ip, XDP_PASS,
		       ev, ip, C_XF_WALK);
		mkcase(&cs[C_GTP], "the same inside GTP-U (n3), pass", NULL, &mwn3, &f_gtp,
		       XDP_PASS, ev, ip, C_XF_WALK);
		mkcase(&cs[C_ALLOW], "allow-listed device, allowed (3 rules)", NULL, &mwp,
		       &f_allow, XDP_PASS, ev, ip, C_XF_WALK);
		mkcase(&cs[C_RATE], "rate-limited device, under pps+bit limits", NULL, &mwp,
		       &f_rate, XDP_PASS, ev, ip, C_XF_WALK);
		if (nq <= 0)
			snprintf(cs[C_VENDOR].why, sizeof(cs[C_VENDOR].why), "%.190s", vwhy);
	}

	run_rounds(cs, C_N, run_cost);

	printf("In-kernel cost per frame: BPF_PROG_TEST_RUN, %u distinct frames x %u passes, "
	       "repeat %u each;\nmedian of %u interleaved rounds (min-max). 'vs xdp-filter': "
	       "its all-features program doing the same job\n(MAC listed: the tagged rows; no "
	       "match, every lookup: the others).\n\n", opt.frames, opt.passes, opt.repeat,
	       opt.rounds);
	printf("%-46s %-5s %8s %13s %8s %13s\n", "program / frames", "verd.", "ns/pkt", "min-max",
	       "vs bare", "vs xdp-filter");
	for (k = 0; k < C_N; k++) {
		struct bcase *c = &cs[k];
		double m = median(c->v, c->nv), b = median(cs[C_BARE].v, cs[C_BARE].nv);
		char rb[16], rx[16], mm[32];

		if (c->group)
			printf("%s:\n", c->group);
		if (!c->nv) {
			printf("  %-44s %-5s %8s   %s\n", c->label, verdict_name(c->expect), "N/A",
			       c->why[0] ? c->why : "did not run");
			continue;
		}
		ratio(rb, sizeof(rb), m, b);
		if (c->ref >= 0)
			ratio(rx, sizeof(rx), m, median(cs[c->ref].v, cs[c->ref].nv));
		else
			snprintf(rx, sizeof(rx), "-");
		snprintf(mm, sizeof(mm), "%.1f-%.1f", vmin(c->v, c->nv), vmax(c->v, c->nv));
		printf("  %-44s %-5s %8.1f %13s %8s %13s%s\n", c->label, verdict_name(c->expect), m,
		       mm, rb, rx, c->wrong ? "  WRONG VERDICTS" : "");
		if (c->wrong)
			printf("  %-44s %llu frames got another verdict\n", "",
			       (unsigned long long)c->wrong);
	}
	printf("\nThe kernel truncates each run's average to whole ns, so every figure reads "
	       "about 0.5 ns low.\n");
	{
		char note[160] = "";
		double b = median(cs[C_BARE].v, cs[C_BARE].nv);

		if (cs[C_BARE].nv && cs[C_DROP_NOEV].nv && cs[C_PASS].nv)
			snprintf(note, sizeof(note), "drop, events 100/s (the default); events off "
				 "%.2fx, pass %.2fx", median(cs[C_DROP_NOEV].v, cs[C_DROP_NOEV].nv) / b,
				 median(cs[C_PASS].v, cs[C_PASS].nv) / b);
		ratio_row("tagged", &cs[C_DROP_EV], &cs[C_BARE], 1.5, note);
		ratio_row("vendor", &cs[C_VENDOR], &cs[C_XF_WALK], 0.6,
			  "xdp-filter all features, no match (every lookup)");
		ratio_row("unknown", &cs[C_UNKNOWN], &cs[C_BARE], 1.6, "default pass");
	}
	if (have_inst) {
		unsigned long long ev[MW_EV_NR] = { 0 };
		uint64_t pc[ncpus];
		__u32 key;
		int c;

		for (key = 0; key < MW_EV_NR; key++)
			if (!bpf_map_lookup_elem(in.m.evstats, &key, pc))
				for (c = 0; c < ncpus; c++)
					ev[key] += pc[c];
		printf("Drop events while measuring: %llu emitted, %llu over the rate cap, "
		       "%llu ring full.\n", ev[MW_EV_EMITTED], ev[MW_EV_SUPPRESSED],
		       ev[MW_EV_RING_FULL]);
		printf("modwall's program (emit_event is a subprogram, shown with it):\n");
		prog_sizes(in.skel->obj);
		if (n3) {
			printf("The same with --role n3 (the GTP-U parse included):\n");
			prog_sizes(n3->obj);
		}
		modwall_bpf__destroy(n3);
		inst_close(&in);
	}
	free(f_gtp.d);
	entry_bpf__destroy(entry_skel);
	entry_skel = NULL;
	free(dmacs);
	free(pmacs);
	free(qv);
	free(pol.p);
	mw_bindings_free(&binds);
	if (have_db)
		mw_ieee_free(&db);
	return 0;
}

/* ---- scale and memory ------------------------------------------------------ */

/* A registry prefix as the policy language reads it: hex digits, 4 bits each. */
static void prefix_word(const struct mw_ieee_entry *e, char buf[16])
{
	unsigned long long p = e->prefix >> (48 - e->bits);

	snprintf(buf, 16, "%0*llX", e->bits / 4, p);
}

/* Distinct (prefix, length) pairs of the registry, in registry order. */
static size_t registry_prefixes(const struct mw_ieee *db, const struct mw_ieee_entry ***out)
{
	const struct mw_ieee_entry **v = calloc(db->n ? db->n : 1, sizeof(*v));
	size_t i, n = 0;

	for (i = 0; v && i < db->n; i++) {
		const struct mw_ieee_entry *e = &db->v[i];

		if (n && v[n - 1]->prefix == e->prefix && v[n - 1]->bits == e->bits)
			continue;
		v[n++] = e;
	}
	*out = v;
	return v ? n : 0;
}

uint64_t fdinfo_memlock(int fd)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static const char *map_type_name(__u32 t)
{
	switch (t) {
	case BPF_MAP_TYPE_HASH:
		return "hash";
	case BPF_MAP_TYPE_ARRAY:
		return "array";
	case BPF_MAP_TYPE_PERCPU_HASH:
		return "percpu_hash";
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return "percpu_array";
	case BPF_MAP_TYPE_LRU_HASH:
		return "lru_hash";
	case BPF_MAP_TYPE_LPM_TRIE:
		return "lpm_trie";
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		return "array_of_maps";
	case BPF_MAP_TYPE_RINGBUF:
		return "ringbuf";
	}
	return "other";
}

static int is_percpu(__u32 t)
{
	return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/*
 * Map memory of a loaded instance: the kernel's memlock figure per map
 * (what `bpftool map show` prints) at this machine's CPU count, and the
 * same computed for 64 CPUs: per-CPU maps keep one value per possible CPU
 * for every entry (preallocated), the rest do not depend on CPUs.
 */
static uint64_t mem_table(FILE *out, struct inst *in, const char *what)
{
	uint64_t tot = 0, tot64 = 0;
	struct bpf_map *m;

	fprintf(out, "Map memory, %s: memlock measured at %d possible CPUs, computed for 64\n\n",
		what, ncpus);
	fprintf(out, "%-16s %-13s %11s %6s %13s %13s\n", "map", "type", "max_entries", "value",
		"MiB @ this", "MiB @ 64 CPUs");
	bpf_object__for_each_map(m, in->skel->obj) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_map__fd(m);
		uint64_t ml, ml64;

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		ml = fdinfo_memlock(fd);
		ml64 = ml;
		if (is_percpu(info.type) && ncpus < 64)
			ml64 += (uint64_t)info.max_entries * ((info.value_size + 7) & ~7u) *
				(uint64_t)(64 - ncpus);
		tot += ml;
		tot64 += ml64;
		fprintf(out, "%-16s %-13s %11u %6u %13.2f %13.2f\n", info.name,
			map_type_name(info.type), info.max_entries, info.value_size,
			(double)ml / 1048576.0, (double)ml64 / 1048576.0);
	}
	fprintf(out, "%-16s %-13s %11s %6s %13.2f %13.2f\n", "total", "", "", "",
		(double)tot / 1048576.0, (double)tot64 / 1048576.0);
	fprintf(out, "\nGoal: under 512 MiB at 64 CPUs: %s (%.0f MiB).\n",
		tot64 <= 512ull << 20 ? "met" : "MISSED", (double)tot64 / 1048576.0);
	return tot64;
}

#define SCALE_N		3
#define SCALE_V		3

/* With --only, only the loads whose cases are asked for (and only all prefixes). */
static int scale_wanted(uint32_t ndev)
{
	static const char *const name[] = { "", "rotating " };
	char l[48];
	int r, t;

	if (!opt.only)
		return 1;
	for (r = 0; r < 2; r++)
		for (t = 0; t < 2; t++) {
			snprintf(l, sizeof(l), "%s%s %u", name[r], t ? "unknown" : "tagged", ndev);
			if (strstr(l, opt.only))
				return 1;
		}
	return 0;
}

#define ROT_UNKNOWN	(1u << 20)	/* unknown MACs the driver walks over */

/* Rows of the scale table: a method (A, B) by frames (tagged, unknown). */
enum { S_TAG, S_UNK, S_ROT_TAG, S_ROT_UNK, S_K };

static void scale_rows(const char *title, int k0, const uint32_t *ndev, const size_t *nvend,
		       double res[SCALE_V][SCALE_N][S_K], double bare_ns[SCALE_V][2], int have_db,
		       const char *vwhy)
{
	int v, j, k;

	printf("%s\n", title);
	printf("%-9s %-8s", "prefixes", "frames");
	for (j = 0; j < SCALE_N; j++) {
		char h[24];

		snprintf(h, sizeof(h), "%u dev", ndev[j]);
		printf(" %11s", h);
	}
	printf(" %10s %7s %9s\n", "1 -> max", "bare", "max/bare");
	for (v = 0; v < SCALE_V; v++)
		for (k = k0; k < k0 + 2; k++) {
			double a = res[v][0][k], z = res[v][SCALE_N - 1][k], b = bare_ns[v][k0 / 2];
			char g[16] = "-", rb[16] = "-";

			if (v > 0 && !have_db) {
				printf("%-9s %-8s N/A: %s\n", v == 1 ? "1000" : "all",
				       k == k0 ? "tagged" : "unknown", vwhy);
				continue;
			}
			printf("%-9zu %-8s", nvend[v], k == k0 ? "tagged" : "unknown");
			for (j = 0; j < SCALE_N; j++) {
				if (res[v][j][k] < 0)
					printf(" %11s", "N/A");
				else
					printf(" %11.1f", res[v][j][k]);
			}
			if (a > 0 && z > 0)
				snprintf(g, sizeof(g), "%+.1f%%", 100.0 * (z - a) / a);
			ratio(rb, sizeof(rb), z, b);
			if (b > 0)
				printf(" %10s %7.1f %9s\n", g, b, rb);
			else
				printf(" %10s %7s %9s\n", g, "-", rb);
		}
}

static void scale_verdict(const char *what, double res[SCALE_V][SCALE_N][S_K], int k,
			  size_t nvend)
{
	double a = res[SCALE_V - 1][0][k], z = res[SCALE_V - 1][SCALE_N - 1][k];

	if (a > 0 && z > 0)
		printf("  %s, %zu prefixes: %+.1f%%%s\n", what, nvend, 100.0 * (z - a) / a,
		       k == S_TAG || k == S_ROT_TAG ? (z <= a * 1.15 ? ": met" : ": MISSED") : "");
	else
		printf("  %s: N/A\n", what);
}

/*
 * Every frame from another of @ndev devices: modwall (@mw ns, whole
 * registry) against the reference program (@ref ns: one random line of a
 * 128 MiB array), both behind the same driver, whose cost with a bare drop
 * behind it (@drv ns) is taken out of both.
 */
static void ref_verdict(double mw, double ref, double drv, uint32_t ndev, size_t nvend,
			const char *refwhy)
{
	char value[96];

	if (mw <= 0 || ref <= 0 || drv <= 0 || ref <= drv) {
		const char *why = ref <= 0 ? (refwhy && refwhy[0] ? refwhy : "did not run") :
				  mw <= 0 ? "modwall's rotating 1M row did not run" :
				  drv <= 0 ? "the rotating bare drop did not run" :
				  "the reference costs no more than the driver";

		printf("  B, tagged, against the reference: N/A: %s\n", why);
		scale_row("rotate", 0, "N/A", "<= 2x", -1, why);
		return;
	}
	printf("  B, tagged %u, against the reference (tests/bench/ref_miss.bpf.c: one random\n"
	       "    64-byte line of a 128 MiB array per frame) behind the same driver: %.1f vs "
	       "%.1f ns;\n    the driver's cost taken out: %.1f vs %.1f ns: %.2fx (goal <= 2x): "
	       "%s\n", ndev, mw, ref, mw - drv, ref - drv, (mw - drv) / (ref - drv),
	       (mw - drv) / (ref - drv) <= 2 ? "met" : "MISSED");
	snprintf(value, sizeof(value), "%.2fx (%.1f / %.1f ns)", (mw - drv) / (ref - drv),
		 mw - drv, ref - drv);
	{
		char note[128];

		snprintf(note, sizeof(note), "%zu vendor prefixes; with the driver's %.1f ns: "
			 "%.1f / %.1f ns = %.2fx", nvend, drv, mw, ref, mw / ref);
		scale_row("rotate", ndev, value, "<= 2x", (mw - drv) / (ref - drv) <= 2, note);
	}
}

static int cmd_scale(void)
{
	enum { NC = 3 + 4 * SCALE_N, C_REF = NC - 1 };
	uint32_t ndev[SCALE_N] = { 1, 10000, 1000000 };
	size_t nvend[SCALE_V] = { 0, 1000, 0 };
	static struct inst in[SCALE_N];
	static struct bcase cs[NC];
	static char labels[SCALE_N][S_K][48];
	static double res[SCALE_V][SCALE_N][S_K];
	struct frames tagged[SCALE_N], unknown = { 0 }, rotf;
	struct prog bare, rbare, ref, rref, mwp[SCALE_N], rot[SCALE_N][2];
	const struct mw_ieee_entry **pv = NULL;
	double bare_ns[SCALE_V][2], applied[SCALE_V][SCALE_N], ref_ns = -1;
	char vwhy[600] = "", why[600];
	struct mw_ieee db;
	size_t npv = 0;
	FILE *memf = stdout;
	int have_db, v, j, k, have_mem = 0;
	uint32_t i;

	if (opt.quick)
		ndev[2] = 100000;
	have_db = mw_ieee_load(&db, NULL, why, sizeof(why)) == 0;
	if (have_db) {
		npv = registry_prefixes(&db, &pv);
		nvend[2] = npv;
	} else {
		snprintf(vwhy, sizeof(vwhy), "IEEE registry: %.400s", why);
	}
	if (opt.mem) {
		memf = fopen(opt.mem, "w");
		if (!memf) {
			fprintf(stderr, "xdpbench: %s: %s\n", opt.mem, strerror(errno));
			memf = stdout;
		}
	}

	load_bare(&bare, opt.bare);
	frames_family(&unknown, opt.frames, FAM_UNKNOWN, opt.frames, NET_UNKNOWN, DST_MAC,
		      ADDR_SERVER);
	for (j = 0; j < SCALE_N; j++) {
		uint32_t maxs = 1024;

		while (maxs < ndev[j] + 2)
			maxs *= 2;
		memset(&mwp[j], 0, sizeof(mwp[j]));
		mwp[j].fd = -1;
		if (!scale_wanted(ndev[j]))
			snprintf(mwp[j].why, sizeof(mwp[j].why), "left out (--only)");
		else if (inst_open(&in[j], maxs, mwp[j].why, sizeof(mwp[j].why)) == 0)
			mwp[j].fd = in[j].fd;
		load_rotate(&rot[j][0], opt.rotate, &mwp[j], FAM_SCALE, ndev[j]);
		load_rotate(&rot[j][1], opt.rotate, &mwp[j], FAM_UNKNOWN, ROT_UNKNOWN);
		frames_alloc(&tagged[j], opt.frames);
		for (i = 0; i < opt.frames; i++) {
			uint32_t d = ndev[j] >= opt.frames ?
				(uint32_t)((uint64_t)i * ndev[j] / opt.frames) : i % ndev[j];

			frame_set(frame(&tagged[j], i), DST_MAC, mac_of(FAM_SCALE, d),
				  NET_DEV | (i & 0xffff), ADDR_SERVER, (uint16_t)(1024 + i), 9);
		}
	}
	load_rotate(&rbare, opt.rotate, &bare, FAM_SCALE, ndev[SCALE_N - 1]);
	load_ref_miss(&ref, opt.ref);
	load_rotate(&rref, opt.rotate, &ref, FAM_SCALE, ndev[SCALE_N - 1]);
	rotf.n = opt.frames < ROT_FRAMES ? opt.frames : ROT_FRAMES;
	rotf.d = tagged[SCALE_N - 1].d;
	rotf.len = FRAME_LEN;

	for (v = 0; v < SCALE_V; v++) {
		struct sbuf cls = { 0 };

		bare_ns[v][0] = bare_ns[v][1] = -1;
		for (j = 0; j < SCALE_N; j++) {
			applied[v][j] = -1;
			for (k = 0; k < S_K; k++)
				res[v][j][k] = -1;
		}
		if ((v > 0 && !have_db) || (opt.only && v < SCALE_V - 1))
			continue;
		if (nvend[v]) {
			size_t step = npv / nvend[v], n = 0, x;

			sb_printf(&cls, "class vendors");
			for (x = 0; x < npv && n < nvend[v]; x += step ? step : 1, n++) {
				char w[16];

				prefix_word(pv[x], w);
				sb_printf(&cls, "%s prefix %s", n % 8 ? "" : "\n   ", w);
			}
			sb_printf(&cls, "\n    policy observe\n");
		}
		for (j = 0; j < SCALE_N; j++) {
			struct sbuf pol = { 0 };
			double t0;

			if (!in[j].skel)
				continue;
			devices_by_mac(&pol, "s", FAM_SCALE, ndev[j], "drop");
			if (cls.p)
				sb_printf(&pol, "%s", cls.p);
			sb_printf(&pol, "default pass\n");
			t0 = now_s();
			if (inst_apply(&in[j], pol.p, NULL, NULL, why, sizeof(why))) {
				fprintf(stderr, "xdpbench: %u devices, %zu prefixes: %s\n", ndev[j],
					nvend[v], why);
				snprintf(mwp[j].why, sizeof(mwp[j].why), "%.190s", why);
			} else {
				applied[v][j] = now_s() - t0;
				if (opt.lines)
					dump_lines(in[j].fd, opt.lines);
			}
			free(pol.p);
		}
		free(cls.p);

		mkcase(&cs[0], "bare", NULL, &bare, &tagged[SCALE_N - 1], XDP_DROP, -1, NULL, -1);
		mkcase(&cs[1], "rotating bare", NULL, &rbare, &rotf, XDP_DROP, -1, NULL, -1);
		cs[1].repeat = ROT_REPEAT;
		mkcase(&cs[C_REF], "rotating reference", NULL, &rref, &rotf, XDP_DROP, -1, NULL,
		       -1);
		cs[C_REF].repeat = ROT_REPEAT;
		for (j = 0; j < SCALE_N; j++) {
			static const char *const name[S_K] = {
				"tagged", "unknown", "rotating tagged", "rotating unknown",
			};
			struct prog *p[S_K] = { &mwp[j], &mwp[j], &rot[j][0], &rot[j][1] };
			const struct frames *f[S_K] = { &tagged[j], &unknown, &rotf, &rotf };
			const int verdict[S_K] = { XDP_DROP, XDP_PASS, XDP_DROP, XDP_PASS };

			for (k = 0; k < S_K; k++) {
				struct bcase *c = &cs[2 + S_K * j + k];

				snprintf(labels[j][k], sizeof(labels[j][k]), "%s %u", name[k],
					 ndev[j]);
				mkcase(c, labels[j][k], NULL, p[k], f[k], verdict[k], 0, &in[j],
				       -1);
				c->repeat = k >= S_ROT_TAG ? ROT_REPEAT : 0;
				if (applied[v][j] < 0)
					snprintf(c->why, sizeof(c->why), "%s", mwp[j].why);
			}
		}
		run_rounds(cs, NC, run_cost);
		bare_ns[v][0] = cs[0].nv ? median(cs[0].v, cs[0].nv) : -1;
		bare_ns[v][1] = cs[1].nv ? median(cs[1].v, cs[1].nv) : -1;
		ref_ns = cs[C_REF].nv && !cs[C_REF].wrong ? median(cs[C_REF].v, cs[C_REF].nv) : -1;
		for (j = 0; j < SCALE_N; j++)
			for (k = 0; k < S_K; k++) {
				struct bcase *c = &cs[2 + S_K * j + k];

				res[v][j][k] = c->nv && !c->wrong ? median(c->v, c->nv) : -1;
				if (c->wrong)
					printf("%s: %llu frames got another verdict\n", c->label,
					       (unsigned long long)c->wrong);
			}
		if (v == SCALE_V - 1 && in[SCALE_N - 1].skel && applied[v][SCALE_N - 1] >= 0) {
			char what[128];

			snprintf(what, sizeof(what), "%u tagged devices (max_subjects %u) and %zu "
				 "vendor prefixes applied", ndev[SCALE_N - 1], in[SCALE_N - 1].maxs,
				 nvend[v]);
			uint64_t t64 = mem_table(memf, &in[SCALE_N - 1], what);
			char value[48];

			snprintf(value, sizeof(value), "%.0f MiB", (double)t64 / 1048576.0);
			scale_row("mem", ndev[SCALE_N - 1], value, "<= 512 MiB", t64 <= 512ull << 20,
				  "memlock per map, per-CPU maps computed for 64 CPUs");
			have_mem = 1;
		}
	}

	printf("Scale: ns/pkt in the kernel (BPF_PROG_TEST_RUN), median of %u interleaved "
	       "rounds. Tagged devices\nby MAC, policy drop, events off; unknown: MACs in no "
	       "table, default pass. Vendor prefixes:\none class with that many registry "
	       "prefixes.\n\n", opt.rounds);
	scale_rows("A. As in table 1: 4096 distinct frames, one run each with a repeat of "
		   "32 (later repeats\n   of a frame find its device in the cache).", S_TAG, ndev,
		   nvend, res, bare_ns, have_db, vwhy);
	if (cs[1].why[0])
		printf("\nB. Every run from another device: N/A: %s\n", cs[1].why);
	else {
		char t[400];

		snprintf(t, sizeof(t), "\nB. Every run from another device: "
			 "tests/bench/rotate.bpf.c rewrites the source\n   MAC (a walk over all "
			 "the devices, or %u unknown MACs) and tail-calls\n   the program; %u "
			 "frames x repeat %u. 'bare' is the driver before a bare drop.",
			 ROT_UNKNOWN, rotf.n, ROT_REPEAT);
		scale_rows(t, S_ROT_TAG, ndev, nvend, res, bare_ns, have_db, vwhy);
	}
	for (j = 0; j < SCALE_N; j++)
		if (!in[j].skel)
			printf("%u devices: N/A: %s\n", ndev[j], mwp[j].why);
	printf("\nTarget: tagged device cost from 1 to %u devices grows by at most 15%%, with the "
	       "whole registry:\n", ndev[SCALE_N - 1]);
	scale_verdict("A, tagged", res, S_TAG, nvend[SCALE_V - 1]);
	scale_verdict("A, unknown", res, S_UNK, nvend[SCALE_V - 1]);
	scale_verdict("B, tagged", res, S_ROT_TAG, nvend[SCALE_V - 1]);
	scale_verdict("B, unknown", res, S_ROT_UNK, nvend[SCALE_V - 1]);
	{
		double b = bare_ns[SCALE_V - 1][1];
		double a = res[SCALE_V - 1][0][S_ROT_TAG];
		double z = res[SCALE_V - 1][SCALE_N - 1][S_ROT_TAG];

		if (a > 0 && z > 0 && b > 0 && a > b)
			printf("  B, tagged, the driver's cost taken out: %.1f -> %.1f ns: "
			       "%+.1f%%\n", a - b, z - b, 100.0 * (z - a) / (a - b));
		ref_verdict(z, ref_ns, b, ndev[SCALE_N - 1], nvend[SCALE_V - 1],
			    cs[C_REF].why[0] ? cs[C_REF].why : rref.why);
	}
	printf("Apply times (s, compile + apply through the library):");
	for (v = 0; v < SCALE_V; v++)
		for (j = 0; j < SCALE_N; j++)
			if (applied[v][j] >= 0)
				printf(" %zu/%u: %.1f", nvend[v], ndev[j], applied[v][j]);
	printf("\n");
	if (!have_mem) {
		fprintf(memf, "Map memory: N/A: the %u-device load did not run\n",
			ndev[SCALE_N - 1]);
		scale_row("mem", 0, "N/A", "<= 512 MiB", -1, !have_db ? vwhy :
			  "the 1M-device load with the whole registry did not run");
	}
	if (memf != stdout)
		fclose(memf);
	for (j = 0; j < SCALE_N; j++)
		inst_close(&in[j]);
	free(pv);
	if (have_db)
		mw_ieee_free(&db);
	return 0;
}

/* ---- live frames and nftables ----------------------------------------------- */

static uint64_t if_mac(const char *ifname)
{
	struct ifreq ifr = { 0 };
	uint64_t mac = 0;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), i;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd >= 0 && !ioctl(fd, SIOCGIFHWADDR, &ifr))
		for (i = 0; i < 6; i++)
			mac = mac << 8 | (uint8_t)ifr.ifr_hwaddr.sa_data[i];
	if (fd >= 0)
		close(fd);
	return mac;
}

static void nft_set(const char *name, uint16_t fam)
{
	uint32_t i;

	printf("\tset %s {\n\t\ttype ether_addr\n\t\telements = {", name);
	for (i = 0; i < opt.devices; i++) {
		char mac[18];

		mw_format_mac(mac_of(fam, i), mac);
		printf("%s%s%s", i ? "," : "", i % 4 ? " " : "\n\t\t\t", mac);
	}
	printf("\n\t\t}\n\t}\n");
}

/*
 * The live jobs in nftables, at the netdev ingress hook (the first place
 * a passed frame meets nftables): drop the tagged devices' MACs; and for
 * the allow-listed devices, modwall's "site" policy as rules.
 */
static int cmd_nft(void)
{
	if (!opt.drop_if || !opt.allow_if)
		return fprintf(stderr, "xdpbench nft: --drop-if and --allow-if are needed\n"), 2;
	printf("table netdev mwbench {\n");
	nft_set("tagged", FAM_DROP);
	nft_set("sites", FAM_ALLOW);
	printf("\tchain drop_job {\n"
	       "\t\ttype filter hook ingress device \"%s\" priority 0; policy accept;\n"
	       "\t\tether saddr @tagged drop\n"
	       "\t}\n"
	       "\tchain allow_job {\n"
	       "\t\ttype filter hook ingress device \"%s\" priority 0; policy accept;\n"
	       "\t\tether saddr @sites jump site\n"
	       "\t}\n"
	       "\tchain site {\n"
	       "\t\tip daddr 198.18.0.1 udp dport 9 accept\n"
	       "\t\tip daddr 192.0.2.0/24 tcp dport 443 accept\n"
	       "\t\tip daddr 10.53.0.0/16 udp dport 53 accept\n"
	       "\t\tdrop\n"
	       "\t}\n"
	       "}\n", opt.drop_if, opt.allow_if);
	return 0;
}

static uint64_t drops_counted(struct inst *in, int reason)
{
	struct mw_counter c[MW_NR_REASONS];

	if (mw_read_counters(&in->m, in->m.ifcounters, MW_NR_REASONS, c))
		return 0;
	return c[reason].packets;
}

static int cmd_live(void)
{
	enum { L_BARE, L_MW, L_MW_NOEV, L_NFT, L_STACK, L_MW_ALLOW, L_NFT_ALLOW, L_N };
	static struct bcase cs[L_N];
	static const int ref[L_N] = { -1, L_NFT, L_NFT, -1, -1, L_NFT_ALLOW, -1 };
	struct frames f_drop = { 0 }, f_viol = { 0 }, f_stack = { 0 };
	struct prog bare, pass, mwp = { .fd = -1 };
	uint32_t if_drop, if_allow, if_stack, stack_ip = 0, i;
	uint64_t stack_mac, before[2] = { 0 }, after[2];
	struct sbuf pol = { 0 };
	struct in_addr a;
	struct inst in;
	cpu_set_t set;
	int k;

	if (!opt.drop_if || !opt.allow_if || !opt.stack_if || !opt.stack_ip)
		return fprintf(stderr, "xdpbench live: --drop-if, --allow-if, --stack-if and "
			       "--stack-ip are needed\n"), 2;
	if_drop = if_nametoindex(opt.drop_if);
	if_allow = if_nametoindex(opt.allow_if);
	if_stack = if_nametoindex(opt.stack_if);
	stack_mac = if_mac(opt.stack_if);
	if (inet_pton(AF_INET, opt.stack_ip, &a) == 1)
		stack_ip = ntohl(a.s_addr);
	if (!if_drop || !if_allow || !if_stack || !stack_mac || !stack_ip) {
		printf("Live frames: N/A: interfaces %s/%s/%s or address %s not found\n",
		       opt.drop_if, opt.allow_if, opt.stack_if, opt.stack_ip);
		scale_row("live", 0, "N/A", ">= 0.8x", -1, "the interfaces were not found");
		return 0;
	}
	CPU_ZERO(&set);
	CPU_SET(opt.cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "xdpbench: pinning to CPU %d: %s\n", opt.cpu, strerror(errno));

	sb_printf(&pol, "%s", cost_policy_head);
	devices_by_mac(&pol, "d", FAM_DROP, opt.devices, "drop");
	devices_by_mac(&pol, "a", FAM_ALLOW, opt.devices, "site");
	sb_printf(&pol, "default pass\n");
	if (inst_open(&in, 1024 + 2 * opt.devices, mwp.why, sizeof(mwp.why)) == 0) {
		if (inst_apply(&in, pol.p, NULL, NULL, mwp.why, sizeof(mwp.why)) == 0)
			mwp.fd = in.fd;
		if (opt.lines)
			dump_lines(in.fd, opt.lines);
	}
	free(pol.p);

	frames_family(&f_drop, opt.frames, FAM_DROP, opt.devices, NET_DEV, DST_MAC, ADDR_SERVER);
	frames_family(&f_viol, opt.frames, FAM_ALLOW, opt.devices, NET_DEV, DST_MAC, ADDR_OTHER);
	frames_alloc(&f_stack, opt.frames);
	for (i = 0; i < opt.frames; i++)
		frame_set(frame(&f_stack, i), stack_mac, mac_of(FAM_UNKNOWN, i),
			  (stack_ip & ~0xffu) | (2 + i % 250), stack_ip, (uint16_t)(1024 + i), 9);
	load_bare(&bare, opt.bare);
	load_pass(&pass);

	mkcase(&cs[L_BARE], "bare XDP_DROP + per-CPU counter", "drop job: tagged devices' MACs",
	       &bare, &f_drop, -1, -1, NULL, -1);
	mkcase(&cs[L_MW], "modwall, events 100/s", NULL, &mwp, &f_drop, -1,
	       MW_EVENT_RATE_DEFAULT, &in, L_NFT);
	mkcase(&cs[L_MW_NOEV], "modwall, events off", NULL, &mwp, &f_drop, -1, 0, &in, L_NFT);
	mkcase(&cs[L_NFT], "XDP_PASS + nftables netdev ingress set drop", NULL, &pass, &f_drop,
	       -1, -1, NULL, -1);
	mkcase(&cs[L_STACK], "XDP_PASS, bare stack (UDP to a closed port)", NULL, &pass,
	       &f_stack, -1, -1, NULL, -1);
	mkcase(&cs[L_MW_ALLOW], "modwall, not allowed: drop, events 100/s",
	       "allow job: allow-listed devices, destination not allowed", &mwp, &f_viol, -1,
	       MW_EVENT_RATE_DEFAULT, &in, L_NFT_ALLOW);
	mkcase(&cs[L_NFT_ALLOW], "XDP_PASS + nftables set, jump, 3 rules, drop", NULL, &pass,
	       &f_viol, -1, -1, NULL, -1);
	cs[L_BARE].ifindex = cs[L_MW].ifindex = cs[L_MW_NOEV].ifindex = if_drop;
	cs[L_NFT].ifindex = if_drop;
	cs[L_STACK].ifindex = if_stack;
	cs[L_MW_ALLOW].ifindex = cs[L_NFT_ALLOW].ifindex = if_allow;
	for (k = 0; k < L_N; k++)
		cs[k].ref = ref[k];
	if (opt.no_nft) {
		snprintf(cs[L_NFT].why, sizeof(cs[L_NFT].why), "%.190s", opt.no_nft);
		snprintf(cs[L_NFT_ALLOW].why, sizeof(cs[L_NFT_ALLOW].why), "%.190s", opt.no_nft);
	}

	if (mwp.fd >= 0) {
		before[0] = drops_counted(&in, MW_R_DROP);
		before[1] = drops_counted(&in, MW_R_NOT_ALLOWED);
	}
	run_rounds(cs, L_N, run_live);

	printf("Live frames: BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES on CPU %d, "
	       "%u distinct frames x repeat %u,\nbatches of %d; median of %u interleaved rounds "
	       "(min-max Mpps). XDP_PASS frames enter the stack\non a veth in a private netns "
	       "(ingress_ifindex).\n\n", opt.cpu, opt.frames, opt.repeat, LIVE_BATCH,
	       opt.rounds);
	printf("%-46s %8s %7s %13s %8s %9s\n", "program", "Mpps", "ns/pkt", "min-max", "vs bare",
	       "vs nft");
	for (k = 0; k < L_N; k++) {
		struct bcase *c = &cs[k];
		double m = median(c->v, c->nv), b = median(cs[L_BARE].v, cs[L_BARE].nv);
		char rb[16] = "-", rn[16] = "-", mm[32];

		if (c->group)
			printf("%s:\n", c->group);
		if (!c->nv) {
			printf("  %-44s %8s   %s\n", c->label, "N/A",
			       c->why[0] ? c->why : "did not run");
			continue;
		}
		if (k != L_STACK && k < L_MW_ALLOW)
			ratio(rb, sizeof(rb), b, m);
		if (c->ref >= 0 && cs[c->ref].nv)
			ratio(rn, sizeof(rn), median(cs[c->ref].v, cs[c->ref].nv), m);
		snprintf(mm, sizeof(mm), "%.2f-%.2f", 1e3 / vmax(c->v, c->nv),
			 1e3 / vmin(c->v, c->nv));
		printf("  %-44s %8.2f %7.1f %13s %8s %9s\n", c->label, 1e3 / m, m, mm, rb, rn);
	}
	{
		double b = median(cs[L_BARE].v, cs[L_BARE].nv), m = median(cs[L_MW].v, cs[L_MW].nv);
		double n = median(cs[L_NFT].v, cs[L_NFT].nv);

		printf("\nTargets, drop job (events 100/s, the default): ");
		if (cs[L_BARE].nv && cs[L_MW].nv) {
			char value[64];

			printf(">= 0.8x bare drop: %.2fx %s; ", b / m,
			       b / m >= 0.8 ? "met" : "MISSED");
			snprintf(value, sizeof(value), "%.2fx (%.2f / %.2f Mpps)", b / m, 1e3 / m,
				 1e3 / b);
			scale_row("live", 0, value, ">= 0.8x", b / m >= 0.8,
				  "drop job, events 100/s (the default), one core");
		} else {
			printf(">= 0.8x bare drop: N/A; ");
			scale_row("live", 0, "N/A", ">= 0.8x", -1,
				  !cs[L_MW].nv ? (cs[L_MW].why[0] ? cs[L_MW].why : "modwall did not run")
				  : (cs[L_BARE].why[0] ? cs[L_BARE].why : "the bare drop did not run"));
		}
		if (cs[L_NFT].nv && cs[L_MW].nv)
			printf(">= 4x nftables: %.2fx %s\n", n / m, n / m >= 4 ? "met" : "MISSED");
		else
			printf(">= 4x nftables: N/A\n");
	}
	if (mwp.fd >= 0) {
		after[0] = drops_counted(&in, MW_R_DROP);
		after[1] = drops_counted(&in, MW_R_NOT_ALLOWED);
		uint64_t per = (uint64_t)(opt.rounds + 1) * opt.frames * opt.repeat;

		printf("Check: modwall counted %llu drops (%llu expected) and %llu not_allowed "
		       "(%llu expected).\n", (unsigned long long)(after[0] - before[0]),
		       (unsigned long long)(per * (!!cs[L_MW].nv + !!cs[L_MW_NOEV].nv)),
		       (unsigned long long)(after[1] - before[1]),
		       (unsigned long long)(per * !!cs[L_MW_ALLOW].nv));
		inst_close(&in);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xdpbench cost  --bare BARE.o [options]\n"
		"       xdpbench scale --bare BARE.o [--rotate ROTATE.o] [--ref REF.o] [--mem FILE] "
		"[options]\n"
		"       xdpbench live  --bare BARE.o --drop-if IF --allow-if IF --stack-if IF "
		"--stack-ip ADDR [options]\n"
		"       xdpbench nft   --drop-if IF --allow-if IF\n"
		"       xdpbench flows --bare BARE.o --bare-tc BARE_TC.o --rotate ROTATE.o "
		"[options]\n"
		"       xdpbench flowmem --rotate ROTATE.o [options]\n"
		"options: --frames N --repeat N --rounds N --passes N --devices N --cpu N --quick\n"
		"         --only TEXT (only the cases whose label contains TEXT)\n"
		"         --lines FILE (modwall's JIT address -> source line table, for perf)\n"
		"         --no-nft REASON (live: the nftables rules could not be set up)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "bare", required_argument, NULL, 'b' },
		{ "rotate", required_argument, NULL, 'R' },
		{ "ref", required_argument, NULL, 'F' },
		{ "bare-tc", required_argument, NULL, 'T' },
		{ "mem", required_argument, NULL, 'm' },
		{ "drop-if", required_argument, NULL, 'D' },
		{ "allow-if", required_argument, NULL, 'A' },
		{ "stack-if", required_argument, NULL, 'S' },
		{ "stack-ip", required_argument, NULL, 'I' },
		{ "frames", required_argument, NULL, 'f' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "rounds", required_argument, NULL, 'n' },
		{ "passes", required_argument, NULL, 'p' },
		{ "devices", required_argument, NULL, 'd' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "quick", no_argument, NULL, 'q' },
		{ "only", required_argument, NULL, 'o' },
		{ "lines", required_argument, NULL, 'L' },
		{ "no-nft", required_argument, NULL, 'N' },
		{ 0 },
	};
	const char *cmd;
	int c;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'b':
			opt.bare = optarg;
			break;
		case 'R':
			opt.rotate = optarg;
			break;
		case 'F':
			opt.ref = optarg;
			break;
		case 'T':
			opt.bare_tc = optarg;
			break;
		case 'm':
			opt.mem = optarg;
			break;
		case 'D':
			opt.drop_if = optarg;
			break;
		case 'A':
			opt.allow_if = optarg;
			break;
		case 'S':
			opt.stack_if = optarg;
			break;
		case 'I':
			opt.stack_ip = optarg;
			break;
		case 'f':
			opt.frames = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			opt.repeat = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'n':
			opt.rounds = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'p':
			opt.passes = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'd':
			opt.devices = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'c':
			opt.cpu = atoi(optarg);
			break;
		case 'q':
			opt.quick = 1;
			break;
		case 'o':
			opt.only = optarg;
			break;
		case 'L':
			opt.lines = optarg;
			break;
		case 'N':
			opt.no_nft = optarg;
			break;
		default:
			usage();
		}
	}
	if (!opt.frames)
		opt.frames = strcmp(cmd, "live") ? 4096 : 1024;
	if (!opt.repeat)
		opt.repeat = strcmp(cmd, "live") ? 32 : 1024;
	if (!opt.passes || !opt.devices)
		usage();
	if (opt.rounds < 1 || opt.rounds >= MAX_ROUNDS)
		opt.rounds = 5;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 1) {
		fprintf(stderr, "xdpbench: cannot count the possible CPUs\n");
		return 1;
	}
	libbpf_set_print(bpf_print);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* cost and scale run in a netns of their own: hold()'s veths go with it */
	if (strcmp(cmd, "live") && strcmp(cmd, "nft") && unshare(CLONE_NEWNET)) {
		fprintf(stderr, "xdpbench: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 1;
	}
	if (!strcmp(cmd, "cost"))
		return cmd_cost();
	if (!strcmp(cmd, "scale"))
		return cmd_scale();
	if (!strcmp(cmd, "live"))
		return cmd_live();
	if (!strcmp(cmd, "nft"))
		return cmd_nft();
	if (!strcmp(cmd, "flows"))
		return cmd_flows();
	if (!strcmp(cmd, "flowmem"))
		return cmd_flowmem();
	usage();
	return 2;
}
