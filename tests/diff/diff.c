// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Differential test of the XDP data path against the reference classifier.
 *
 * Several program instances (lan and wan roles, fail-open and fail-closed,
 * different malformed actions and interface slots) are loaded from the
 * skeleton without attaching. Two random policies are written into both
 * generations of their maps at ABI level and into the model. Then batches
 * of random frames run through BPF_PROG_TEST_RUN on one instance and
 * through ref_judge(): the verdicts must match frame by frame, and the
 * counters must match the model's (subject, reason) for every frame.
 *
 * Counters are checked against a running total of what the model expects,
 * every H_CHUNK frames and at the end of every batch (every cell of the
 * subject rows in use and of the interface slots); when a check fails, the
 * chunk is replayed one frame at a time, reading the cells the model names
 * around each frame, which finds the frames the program counted elsewhere
 * (and, for the report, where it counted them).
 *
 * Between batches the harness applies a new policy to the inactive
 * generation and flips to it (the old one stays in the maps), flips back
 * and forth, and marks some batches as "no policy applied".
 *
 * Frames shorter than an Ethernet header are refused by BPF_PROG_TEST_RUN
 * (EINVAL): they are counted as skipped, not compared.
 *
 * Usage: diff [--frames N] [--seed S] [--break-reason] [--icmp-any-family]
 *             [--show N] [--corpus DIR]
 * The last line is "N passed, N failed"; exit status 0 when nothing
 * failed, 1 on disagreements, 2 when the harness itself could not run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>

#include <bpf/bpf.h>
#include "harness.h"
#include "ref.h"
#include "ref_flows.h"

#define FMAX		2048
#define H_CHUNK		1024
#define ID_SPACE	512	/* subject ids drawn from [1, ID_SPACE) ... */
#define ID_SPLIT	256	/* ... those from here up become MW_PCPU_IDS + (id - ID_SPLIT) */
#define ID_ROWS		(MW_PCPU_IDS + ID_SPACE - ID_SPLIT)	/* counter rows checked */

/* ------------------------------------------------------------------ */
/* Frame kinds (categories in the report)                              */
/* ------------------------------------------------------------------ */

enum kind {
	K_ARP, K_OTHER,
	K_IP4_TCP, K_IP4_UDP, K_IP4_ICMP, K_IP4_OTHER, K_IP4_FRAG,
	K_IP6_TCP, K_IP6_UDP, K_IP6_ICMP, K_IP6_OTHER, K_IP6_FRAG, K_IP6_NONE,
	K_GTP_IP4, K_GTP_IP6, K_GTP_SIGNAL, K_GTP_OTHER,
	K_NR,
};

static const char *const kind_names[K_NR] = {
	"arp", "other-ethertype",
	"ip4/tcp", "ip4/udp", "ip4/icmp", "ip4/other-l4", "ip4/non-first-frag",
	"ip6/tcp", "ip6/udp", "ip6/icmpv6", "ip6/other-l4", "ip6/non-first-frag",
	"ip6/no-next-header",
	"gtp-u/ip4", "gtp-u/ip6", "gtp-u/signalling", "gtp-u/other-t-pdu",
};

struct frame {
	uint8_t d[FMAX];
	size_t len;
	size_t l3;		/* IP header offset, 0: none */
	int ipver;
	size_t l4;		/* L4 header offset, 0: none */
	int l4proto;
	size_t nh_at;		/* offset of the byte naming the L4 protocol */
	size_t ext[12];		/* IPv6 extension header offsets */
	int next;
	int vlans;
	int kind;
	int mutated;
	int long_chain;		/* build more than 8 extension headers */
	/* GTP-U frames: the outer IP and UDP headers, the GTP-U header (0: none) */
	size_t ol3, udp, gtp;
	int oipver;
	size_t gext[8];		/* GTP-U extension header offsets */
	int ngext;
};

struct gen {
	struct rng *r;
	const struct ref_policy *pol[2];
};

static void *put(struct frame *f, size_t n)
{
	uint8_t *p = f->d + f->len;

	if (f->len + n > FMAX - 64) {
		fprintf(stderr, "diff: frame buffer overflow\n");
		exit(2);
	}
	memset(p, 0, n);
	f->len += n;
	return p;
}

static void fill(struct rng *r, uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rng_next(r);
}

static void *put_rand(struct gen *g, struct frame *f, size_t n)
{
	uint8_t *p = put(f, n);

	fill(g->r, p, n);
	return p;
}

static void w16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void wmac(uint8_t *p, uint64_t mac)
{
	int i;

	for (i = 0; i < 6; i++)
		p[i] = mac >> (40 - 8 * i);
}

static uint64_t mask48(unsigned int bits)
{
	return (0xffffffffffffull << (48 - bits)) & 0xffffffffffffull;
}

/* A MAC, mostly one the policies know about or one near it. */
static uint64_t pick_mac(struct gen *g)
{
	struct rng *r = g->r;
	const struct ref_policy *p = g->pol[rng_below(r, 2)];
	uint64_t rnd = rng_next(r) & 0xffffffffffffull;

	switch (rng_below(r, 12)) {
	case 0: case 1: case 2:
		if (p->nmac)
			return p->mac[rng_below(r, p->nmac)].mac;
		break;
	case 3: case 4: case 5: case 6:
		if (p->noui) {
			const struct ref_oui *o = &p->oui[rng_below(r, p->noui)];

			return o->prefix | (rnd & ~mask48(o->bits));
		}
		break;
	case 7:
		if (p->nmac)
			return (p->mac[rng_below(r, p->nmac)].mac + 1) & 0xffffffffffffull;
		break;
	case 8:
		if (p->noui) {
			/* just past the end of a block */
			const struct ref_oui *o = &p->oui[rng_below(r, p->noui)];

			return (o->prefix + (~mask48(o->bits) & 0xffffffffffffull) + 1) &
			       0xffffffffffffull;
		}
		break;
	case 9:
		return 0xffffffffffffull;
	}
	return rnd;
}

/* An address, mostly one the policies know about or one near it. */
static void pick_ip(struct gen *g, uint8_t *a, int bytes)
{
	struct rng *r = g->r;
	const struct ref_policy *p = g->pol[rng_below(r, 2)];
	const struct ref_ip *t = bytes == 4 ? p->ip4 : p->ip6;
	const struct ref_ip *pt = bytes == 4 ? p->pfx4 : p->pfx6;
	size_t n = bytes == 4 ? p->nip4 : p->nip6;
	size_t np = bytes == 4 ? p->npfx4 : p->npfx6;
	unsigned int b;

	h_rand_addr(r, a, bytes);
	switch (rng_below(r, 10)) {
	case 0: case 1: case 2:
		if (n)
			memcpy(a, t[rng_below(r, n)].addr, bytes);
		break;
	case 3: case 4: case 5: case 6:
		if (np) {
			const struct ref_ip *e = &pt[rng_below(r, np)];

			for (b = 0; b < e->len; b++) {
				uint8_t m = 0x80 >> (b % 8);

				a[b / 8] = (a[b / 8] & ~m) | (e->addr[b / 8] & m);
			}
			/* now and then, just outside it */
			if (e->len && rng_chance(r, 1, 4))
				a[(e->len - 1) / 8] ^= 0x80 >> ((e->len - 1) % 8);
		}
		break;
	case 7:
		if (n) {
			memcpy(a, t[rng_below(r, n)].addr, bytes);
			a[bytes - 1] ^= 1;
		}
		break;
	}
}

/* TCP, UDP or ICMP header (and a payload) at the end of the frame. */
static void put_l4(struct gen *g, struct frame *f, int proto)
{
	struct rng *r = g->r;
	uint8_t *h;

	f->l4 = f->len;
	f->l4proto = proto;
	if (proto == 6) {
		unsigned int doff = rng_chance(r, 1, 3) ? 5 + rng_below(r, 11) : 5;

		h = put_rand(g, f, doff * 4);
		h[12] = doff << 4 | (h[12] & 0x0f);
		memset(h + 20, 1, doff * 4 - 20);	/* NOP options */
	} else if (proto == 17) {
		h = put_rand(g, f, 8);
	} else if (proto == 1 || proto == 58) {
		h = put_rand(g, f, rng_chance(r, 1, 2) ? 4 : 8);
		h[0] = rng_chance(r, 1, 2) ? (proto == 1 ? 8 : 128) : (uint8_t)rng_next(r);
	}
	put_rand(g, f, rng_below(r, 4) ? rng_below(r, 64) : rng_below(r, 600));
}

static int pick_l4(struct rng *r, int ipver)
{
	static const uint8_t other[] = { 2, 47, 50, 132, 89, 103, 255, 1, 58 };
	unsigned int x = rng_below(r, 100);

	if (x < 32)
		return 6;
	if (x < 62)
		return 17;
	if (x < 80)
		return ipver == 4 ? 1 : 58;
	if (ipver == 6 && x < 88)
		return 59;
	return other[rng_below(r, sizeof(other))];
}

static void build_arp(struct gen *g, struct frame *f, uint64_t smac)
{
	uint8_t *a = put(f, 28);

	w16(a, 1);
	w16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	w16(a + 6, 1 + rng_below(g->r, 2));
	wmac(a + 8, smac);
	pick_ip(g, a + 14, 4);
	pick_ip(g, a + 24, 4);
	f->kind = K_ARP;
}

static void build_other(struct gen *g, struct frame *f, uint8_t *et)
{
	static const uint16_t types[] = {
		0x88cc, 0x8863, 0x8864, 0x88e5, 0x0842, 0x9000, 0x9100, 0x88f7,
		0x8847, 0x22f0, 0x0060, 0x05dc, 0x0600, 0x86dc, 0x0801, 0x8101,
	};
	uint16_t t = rng_chance(g->r, 1, 2) ?
		     types[rng_below(g->r, sizeof(types) / sizeof(types[0]))] :
		     (uint16_t)rng_next(g->r);

	/* never one of the types the parser looks into */
	if (t == 0x0800 || t == 0x86dd || t == 0x8100 || t == 0x88a8 || t == 0x0806)
		t = 0x88b5;
	w16(et, t);
	put_rand(g, f, rng_below(g->r, 100));
	f->kind = K_OTHER;
}

static void build_ip4(struct gen *g, struct frame *f, uint8_t *et)
{
	struct rng *r = g->r;
	unsigned int ihl = rng_chance(r, 7, 10) ? 5 : 6 + rng_below(r, 10);
	int proto = pick_l4(r, 4), nonfirst = 0;
	uint8_t *h;

	w16(et, 0x0800);
	f->l3 = f->len;
	f->ipver = 4;
	h = put(f, ihl * 4);
	h[0] = 0x40 | ihl;
	h[1] = (uint8_t)rng_next(r);
	w16(h + 4, (uint16_t)rng_next(r));
	h[8] = 1 + rng_below(r, 255);
	h[9] = proto;
	f->nh_at = f->l3 + 9;
	pick_ip(g, h + 12, 4);
	pick_ip(g, h + 16, 4);
	if (ihl > 5) {
		/* NOPs, or random option bytes: the parser only skips them */
		if (rng_chance(r, 1, 2))
			memset(h + 20, 1, ihl * 4 - 20);
		else
			fill(r, h + 20, ihl * 4 - 20);
	}
	if (rng_chance(r, 3, 20)) {
		if (rng_chance(r, 2, 5)) {
			w16(h + 6, 0x2000);		/* first fragment */
		} else {
			nonfirst = 1;
			w16(h + 6, (rng_chance(r, 1, 2) ? 0x2000 : 0) |
				   (1 + rng_below(r, 0x1fff)));
		}
	} else if (rng_chance(r, 1, 4)) {
		w16(h + 6, 0x4000);			/* DF */
	}
	if (nonfirst) {
		put_rand(g, f, rng_below(r, 80));
		f->kind = K_IP4_FRAG;
	} else {
		put_l4(g, f, proto);
		f->kind = proto == 6 ? K_IP4_TCP : proto == 17 ? K_IP4_UDP :
			  proto == 1 ? K_IP4_ICMP : K_IP4_OTHER;
	}
	w16(f->d + f->l3 + 2, f->len - f->l3);
}

static const uint8_t ext_types[] = { 0, 43, 44, 60, 51, 135, 139, 140 };

static void build_ip6(struct gen *g, struct frame *f, uint8_t *et)
{
	struct rng *r = g->r;
	int proto = pick_l4(r, 6), nonfirst = 0, n, i;
	uint8_t *h, *nh;

	w16(et, 0x86dd);
	f->l3 = f->len;
	f->ipver = 6;
	h = put(f, 40);
	h[0] = 0x60 | rng_below(r, 16);
	h[1] = (uint8_t)rng_next(r);
	w16(h + 2, (uint16_t)rng_next(r));
	h[7] = 1 + rng_below(r, 255);
	pick_ip(g, h + 8, 16);
	pick_ip(g, h + 24, 16);
	nh = h + 6;
	f->nh_at = f->l3 + 6;

	if (f->long_chain)
		n = 7 + rng_below(r, 4);
	else
		n = rng_chance(r, 1, 2) ? 0 : 1 + rng_below(r, 8);
	for (i = 0; i < n; i++) {
		uint8_t t = ext_types[rng_below(r, sizeof(ext_types))];
		uint8_t *e;

		*nh = t;
		f->ext[f->next++] = f->len;
		if (t == 44) {
			e = put_rand(g, f, 8);
			e[1] = 0;
			if (!nonfirst && rng_chance(r, 2, 5)) {
				nonfirst = 1;
				w16(e + 2, (1 + rng_below(r, 0x1fff)) << 3 | rng_below(r, 2));
			} else {
				w16(e + 2, 1);
			}
		} else if (t == 51) {
			unsigned int plen = rng_chance(r, 1, 8) ? 0 : 1 + rng_below(r, 5);

			e = put_rand(g, f, (plen + 2) * 4);
			e[1] = plen;
		} else {
			unsigned int hl = rng_below(r, 4);

			e = put(f, (hl + 1) * 8);
			e[1] = hl;
			if (rng_chance(r, 1, 2))
				fill(r, e + 2, (hl + 1) * 8 - 2);
		}
		nh = e;
		f->nh_at = e - f->d;
	}
	*nh = proto;
	if (proto == 59)
		put_rand(g, f, rng_below(r, 3) ? 0 : rng_below(r, 40));
	else if (nonfirst)
		put_rand(g, f, rng_below(r, 80));
	else
		put_l4(g, f, proto);
	if (nonfirst)
		f->kind = K_IP6_FRAG;
	else
		f->kind = proto == 6 ? K_IP6_TCP : proto == 17 ? K_IP6_UDP :
			  proto == 58 ? K_IP6_ICMP : proto == 59 ? K_IP6_NONE : K_IP6_OTHER;
	w16(f->d + f->l3 + 4, f->len - f->l3 - 40);
}

static const uint8_t gtp_ext_types[] = { 0x85, 0x40, 0xc0, 0x81, 0x82, 0x01, 0xff };
static const uint8_t gtp_signal[] = { 1, 2, 26, 31, 254, 253, 0, 3 };

/*
 * A GTP-U frame (bpf/gtp.h): outer IPv4 (now and then a fragment) or IPv6,
 * UDP to port 2152 (uplink), from it (downlink) or, now and then, neither;
 * a G-PDU with or without the optional fields and extension headers (up to
 * one more than the parser walks) around an IPv4 or IPv6 packet built as
 * the outer ones are, or signalling. Every length agrees; mutate() breaks them.
 */
static void build_gtp(struct gen *g, struct frame *f, uint8_t *et)
{
	struct rng *r = g->r;
	uint8_t *h, *u, *gh, dummy[2];
	unsigned int x, n, i;

	f->ol3 = f->len;
	if (rng_chance(r, 2, 3)) {
		unsigned int ihl = rng_chance(r, 9, 10) ? 5 : 6 + rng_below(r, 3);

		w16(et, 0x0800);
		f->oipver = 4;
		h = put(f, ihl * 4);
		h[0] = 0x40 | ihl;
		h[8] = 64;
		h[9] = 17;
		pick_ip(g, h + 12, 4);
		pick_ip(g, h + 16, 4);
		memset(h + 20, 1, ihl * 4 - 20);
		if (rng_chance(r, 1, 20))
			w16(h + 6, rng_chance(r, 1, 2) ? 0x2000 : 1 + rng_below(r, 0x1fff));
	} else {
		w16(et, 0x86dd);
		f->oipver = 6;
		h = put(f, 40);
		h[0] = 0x60;
		h[6] = 17;
		h[7] = 64;
		pick_ip(g, h + 8, 16);
		pick_ip(g, h + 24, 16);
	}
	f->udp = f->len;
	u = put(f, 8);
	x = rng_below(r, 20);
	if (x == 0) {
		w16(u, 2151 + rng_below(r, 3));
		w16(u + 2, 2151 + rng_below(r, 3));
	} else if (x < 7) {
		w16(u, 2152);
		w16(u + 2, rng_chance(r, 1, 4) ? 2152 : 1024 + rng_below(r, 60000));
	} else {
		w16(u, rng_chance(r, 1, 2) ? 2152 : 1024 + rng_below(r, 60000));
		w16(u + 2, 2152);
	}

	f->gtp = f->len;
	gh = put(f, 8);
	gh[0] = 0x30 | (rng_chance(r, 1, 2) ? 0 : rng_below(r, 8)) | (rng_chance(r, 1, 10) ? 0x08 : 0);
	if (rng_chance(r, 1, 20))
		gh[0] = (uint8_t)rng_next(r);
	gh[1] = rng_chance(r, 6, 7) ? 255 : gtp_signal[rng_below(r, sizeof(gtp_signal))];
	fill(r, gh + 4, 4);
	if (gh[0] & 0x07) {
		uint8_t *o = put_rand(g, f, 4);

		if (gh[0] & 0x04) {
			n = rng_chance(r, 1, 8) ? MW_MAX_GTP_EXT + rng_below(r, 2) : 1 + rng_below(r, 3);
			o[3] = gtp_ext_types[rng_below(r, sizeof(gtp_ext_types))];
			for (i = 0; i < n; i++) {
				unsigned int units = 1 + rng_below(r, 3);
				uint8_t *e = put_rand(g, f, units * 4);

				f->gext[f->ngext++] = e - f->d;
				e[0] = units;
				e[units * 4 - 1] = i == n - 1 ? 0 :
					gtp_ext_types[rng_below(r, sizeof(gtp_ext_types))];
			}
		}
	}
	if (gh[1] != 255) {
		put_rand(g, f, rng_below(r, 3) ? 0 : rng_below(r, 24));
		f->kind = K_GTP_SIGNAL;
	} else {
		x = rng_below(r, 100);
		if (x < 55) {
			build_ip4(g, f, dummy);
			f->kind = K_GTP_IP4;
		} else if (x < 95) {
			build_ip6(g, f, dummy);
			f->kind = K_GTP_IP6;
		} else {
			put_rand(g, f, rng_below(r, 40));
			f->kind = K_GTP_OTHER;
		}
	}
	w16(f->d + f->gtp + 2, f->len - f->gtp - 8);
	if (rng_chance(r, 1, 10))	/* bytes after the message, in the datagram */
		put_rand(g, f, 1 + rng_below(r, 16));
	w16(f->d + f->udp + 4, f->len - f->udp);
	if (f->oipver == 4)
		w16(f->d + f->ol3 + 2, f->len - f->ol3);
	else
		w16(f->d + f->ol3 + 4, f->len - f->ol3 - 40);
}

/* ------------------------------------------------------------------ */
/* Mutations                                                           */
/* ------------------------------------------------------------------ */

static void shift(struct frame *f, size_t at, size_t n)
{
	int i;

	memmove(f->d + at + n, f->d + at, f->len - at);
	f->len += n;
	if (f->l3)
		f->l3 += n;
	if (f->l4)
		f->l4 += n;
	if (f->nh_at)
		f->nh_at += n;
	for (i = 0; i < f->next; i++)
		f->ext[i] += n;
	if (f->ol3)
		f->ol3 += n;
	if (f->udp)
		f->udp += n;
	if (f->gtp)
		f->gtp += n;
	for (i = 0; i < f->ngext; i++)
		f->gext[i] += n;
}

/* Make the IP length field end the IP packet where the frame now ends. */
static void fix_ip_len(struct frame *f)
{
	/* in a tunnel: the outer packet and the GTP-U message as well */
	if (f->gtp) {
		if (f->oipver == 4 && f->ol3 + 4 <= f->len)
			w16(f->d + f->ol3 + 2, f->len - f->ol3);
		else if (f->oipver == 6 && f->ol3 + 6 <= f->len)
			w16(f->d + f->ol3 + 4, f->len - f->ol3 - 40);
		if (f->gtp + 8 <= f->len)
			w16(f->d + f->gtp + 2, f->len - f->gtp - 8);
	}
	if (f->ipver == 4 && f->l3 + 4 <= f->len)
		w16(f->d + f->l3 + 2, f->len - f->l3);
	else if (f->ipver == 6 && f->l3 + 40 <= f->len)
		w16(f->d + f->l3 + 4, f->len - f->l3 - 40);
}

/* A length field: random, a step or two off the true value, or a bit off. */
static uint16_t bend(struct rng *r, uint16_t v, uint16_t exact)
{
	switch (rng_below(r, 3)) {
	case 0:
		return (uint16_t)rng_next(r);
	case 1:
		return (uint16_t)(exact + rng_below(r, 5) - 2);
	}
	return (uint16_t)(v + rng_below(r, 33) - 16);
}

static void mutate(struct gen *g, struct frame *f)
{
	struct rng *r = g->r;
	int ops = 1 + rng_below(r, 3), i;
	size_t at;

	f->mutated = 1;
	for (i = 0; i < ops; i++) {
		switch (rng_below(r, f->gtp ? 21 : 17)) {
		case 0: case 1:
			/* truncate, mostly somewhere in the headers */
			at = rng_below(r, f->len + 1);
			if (f->l3 && rng_chance(r, 1, 2))
				at = f->l3 + rng_below(r, (f->l4 ? f->l4 - f->l3 : 40) + 24);
			if (at < f->len)
				f->len = at;
			break;
		case 2: {
			int k = 1 + rng_below(r, 4);
			size_t span = f->len < 96 ? f->len : 96;

			while (span && k--)
				f->d[rng_below(r, span)] ^= 1 + rng_below(r, 255);
			break;
		}
		case 3:
			if (f->ipver == 4 && f->l3 + 4 <= f->len) {
				uint16_t v = (f->d[f->l3 + 2] << 8 | f->d[f->l3 + 3]);

				w16(f->d + f->l3 + 2, bend(r, v, f->len - f->l3));
			}
			break;
		case 4:
			if (f->ipver == 4 && f->l3 < f->len)
				f->d[f->l3] = 0x40 | rng_below(r, 16);
			break;
		case 5:
			if (f->l4proto == 6 && f->l4 + 13 <= f->len)
				f->d[f->l4 + 12] = rng_below(r, 16) << 4;
			break;
		case 6:
			if (f->ipver == 6 && f->l3 + 6 <= f->len) {
				uint16_t v = (f->d[f->l3 + 4] << 8 | f->d[f->l3 + 5]);

				w16(f->d + f->l3 + 4, bend(r, v, f->len - f->l3 - 40));
			}
			break;
		case 7: {
			/* one or two more VLAN tags in front */
			int k = 1 + rng_below(r, 2), j;

			if (f->len < 14)
				break;
			for (j = 0; j < k; j++) {
				shift(f, 12, 4);
				w16(f->d + 12, rng_chance(r, 1, 2) ? 0x8100 : 0x88a8);
				w16(f->d + 14, (uint16_t)rng_next(r));
				f->vlans++;
			}
			break;
		}
		case 8:
			if (f->l3 && f->l3 < f->len)
				f->d[f->l3] = (uint8_t)rng_next(r);
			break;
		case 9:
			if (f->ipver == 4 && f->l3 + 8 <= f->len)
				w16(f->d + f->l3 + 6, (uint16_t)rng_next(r));
			break;
		case 10:
			if (f->next) {
				at = f->ext[rng_below(r, f->next)];
				if (at + 4 <= f->len) {
					if (rng_chance(r, 1, 2))
						f->d[at + 1] = (uint8_t)rng_next(r);
					else
						w16(f->d + at + 2, (uint16_t)rng_next(r));
				}
			}
			break;
		case 11:
			put_rand(g, f, 1 + rng_below(r, 64));
			break;
		case 12:
			if (f->nh_at && f->nh_at < f->len) {
				static const uint8_t p[] = { 1, 6, 17, 58, 59, 0, 44, 43, 51 };

				f->d[f->nh_at] = rng_chance(r, 1, 2) ? p[rng_below(r, sizeof(p))] :
								      (uint8_t)rng_next(r);
			}
			break;
		case 13:
			/* a VLAN-looking ethertype where the payload starts */
			if (f->len >= 14)
				w16(f->d + 12, rng_chance(r, 1, 2) ? 0x8100 : 0x88a8);
			break;
		case 14: case 15: case 16:
			/*
			 * cut inside the L4 header (or the last extension
			 * headers) with the IP length still consistent, so
			 * only the L4 rules can see it
			 */
			at = f->l4 ? f->l4 : f->next ? f->ext[f->next - 1] : 0;
			if (!at)
				break;
			at += rng_below(r, 24);
			if (at < f->len)
				f->len = at;
			fix_ip_len(f);
			break;
		case 17:
			/* GTP-U flags or message type */
			if (f->gtp + 2 <= f->len) {
				if (rng_chance(r, 3, 4))
					f->d[f->gtp] ^= 1 << rng_below(r, 8);
				else
					f->d[f->gtp + 1] = rng_chance(r, 1, 2) ?
						gtp_signal[rng_below(r, sizeof(gtp_signal))] :
						(uint8_t)rng_next(r);
			}
			break;
		case 18:
			if (f->gtp + 4 <= f->len) {
				uint16_t v = (f->d[f->gtp + 2] << 8 | f->d[f->gtp + 3]);

				w16(f->d + f->gtp + 2, bend(r, v, f->len - f->gtp - 8));
			}
			break;
		case 19:
			/* an extension header's length or next type */
			if (f->ngext) {
				at = f->gext[rng_below(r, f->ngext)];
				if (at < f->len)
					f->d[at] = rng_chance(r, 1, 2) ? 0 : (uint8_t)rng_below(r, 6);
			} else if (f->gtp + 12 <= f->len) {
				f->d[f->gtp + 11] = (uint8_t)rng_next(r);
			}
			break;
		case 20:
			/* cut in the tunnel header, every length made to agree */
			at = f->gtp + rng_below(r, 24);
			if (at < f->len)
				f->len = at;
			fix_ip_len(f);
			break;
		}
	}
}

static void build(struct gen *g, struct frame *f)
{
	struct rng *r = g->r;
	uint64_t smac = pick_mac(g), dmac = pick_mac(g);
	int mut = rng_chance(r, 7, 20);
	unsigned int x;
	uint8_t *et;
	int i;

	f->len = 0;
	f->l3 = f->l4 = f->nh_at = 0;
	f->ipver = 0;
	f->l4proto = -1;
	f->next = 0;
	f->vlans = 0;
	f->mutated = 0;
	f->ol3 = f->udp = f->gtp = 0;
	f->oipver = 0;
	f->ngext = 0;
	f->long_chain = mut && rng_chance(r, 1, 4);

	et = put(f, 14);
	wmac(et, dmac);
	wmac(et + 6, smac);
	et += 12;
	x = rng_below(r, 100);
	f->vlans = x < 60 ? 0 : x < 85 ? 1 : 2;
	for (i = 0; i < f->vlans; i++) {
		uint8_t *t = put(f, 4);

		w16(et, rng_chance(r, 1, 2) ? 0x8100 : 0x88a8);
		w16(t, (uint16_t)rng_next(r));
		et = t + 2;
	}
	x = rng_below(r, 100);
	if (rng_chance(r, 1, 5)) {
		build_gtp(g, f, et);
	} else if (x < 8) {
		w16(et, 0x0806);
		build_arp(g, f, smac);
	} else if (x < 14) {
		build_other(g, f, et);
	} else if (x < 56) {
		build_ip4(g, f, et);
	} else {
		build_ip6(g, f, et);
	}

	/* padding after the IP packet, as short Ethernet frames carry */
	if (rng_chance(r, 1, 8))
		put(f, 1 + rng_below(r, 40));
	if (mut)
		mutate(g, f);
}

/* ------------------------------------------------------------------ */
/* Run and compare                                                     */
/* ------------------------------------------------------------------ */

#define insts	h_insts
#define NINST	H_NINST

struct opts {
	unsigned long long frames;
	unsigned long long seed;
	int break_reason;
	int show;
	const char *corpus;
};

struct stats {
	unsigned long long tested, passed, failed, skipped, mutated;
	unsigned long long kind[K_NR][4];	/* frames, mutated, malformed, failed */
	unsigned long long vlans[5];
	unsigned long long reason[MW_NR_REASONS];
	unsigned long long via[REF_VIA_NR];
	unsigned long long verdict[2];		/* model: pass, drop */
	unsigned long long inst[NINST][2];	/* frames, failed */
	unsigned long long applies, flips, unapplied, batches, checks, replays;
	unsigned long long broken;		/* frames whose model reason was altered */
	unsigned long long unexplained;		/* counter mismatches no frame explains */
};

/* One compared frame, kept until its chunk's counters are checked. */
struct slot {
	struct frame f;
	struct ref_result res;
	uint32_t verdict;
	int failed;
	unsigned long long seq;
};

struct run {
	struct opts o;
	struct stats st;
	struct h_policy pol[2];
	uint32_t live;
	struct h_counters want[NINST], have, before, after;
	struct slot chunk[H_CHUNK];
	int nchunk;
	int shown;
	int applied;		/* of the current batch */
	unsigned long long seq;
	int corpus_n;
	struct ref_flows flows[NINST];	/* lan instances: the model of their flow tables */
	int flows_bad;			/* flow tables that differ from the model */
};

static const char *verdict_name(uint32_t v)
{
	return v == XDP_PASS ? "PASS" : v == XDP_DROP ? "DROP" : "?";
}

static void report(struct run *rn, struct h_inst *in, const struct slot *s,
		   const struct h_delta *d)
{
	const struct ref_result *m = &s->res;

	if (rn->shown++ >= rn->o.show)
		return;
	printf("  disagreement #%d: frame %llu (%s%s, %zu bytes, %d vlan tags), "
	       "instance %s (slot %u, %s), %s\n",
	       rn->shown, s->seq, kind_names[s->f.kind], s->f.mutated ? ", mutated" : "",
	       s->f.len, s->f.vlans, in->name, in->ref.slot,
	       in->ref.role == MW_ROLE_WAN ? "wan" : in->ref.role == MW_ROLE_N3 ? "n3" : "lan",
	       !rn->applied ? "no policy applied" : rn->live ? "generation 1 live" :
	       "generation 0 live");
	printf("    model: verdict %s, subject %u, reason %s, via %s; parse %s%s%s\n",
	       verdict_name(m->verdict), m->subject, ref_reason_names[m->reason],
	       ref_via_names[m->via], m->pkt.status == REF_OK ? "ok" : "malformed",
	       m->pkt.why ? ": " : "", m->pkt.why ? m->pkt.why : "");
	if (d->moved == 1 && d->ifmoved == 1)
		printf("    bpf:   verdict %s, subject %u, reason %s "
		       "(interface slot %u, reason %s)\n",
		       verdict_name(s->verdict), d->subject, ref_reason_names[d->reason],
		       d->slot, ref_reason_names[d->ifreason]);
	else
		printf("    bpf:   verdict %s, %zu subject cells and %zu interface cells moved "
		       "(first: subject %u reason %u)\n", verdict_name(s->verdict),
		       d->moved, d->ifmoved, d->subject, d->reason);
	h_hexdump(stdout, s->f.d, s->f.len);
}

static void __attribute__((noreturn)) die(const char *what, int err)
{
	fprintf(stderr, "diff: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(2);
}

/* Full snapshots around one more run of a frame: where did it count? */
static int locate(struct run *rn, struct h_inst *in, struct slot *s, struct h_delta *d)
{
	uint32_t v;
	int err;

	err = h_counters_read(in, &rn->before);
	if (!err)
		err = h_run(in, s->f.d, s->f.len, &v);
	if (!err)
		err = h_counters_read(in, &rn->after);
	if (err)
		die("locate", err);
	return h_counters_delta(&rn->before, &rn->after, s->f.len, d);
}

static void fail(struct run *rn, struct h_inst *in, struct slot *s)
{
	struct h_delta d;

	if (s->failed)
		return;
	s->failed = 1;
	rn->st.failed++;
	if (rn->shown < rn->o.show) {
		locate(rn, in, s, &d);
		report(rn, in, s, &d);
	}
}

/*
 * Replay the chunk one frame at a time. For each frame, the two cells the
 * model names (subject x reason, interface slot x reason) must move by one
 * packet and the frame's length; a frame where they do not has failed, and
 * a full snapshot around one more run of it shows where the program counted
 * it. When every frame passes that way, the whole arrays must also have
 * moved by exactly the model's totals; otherwise some frame counted twice,
 * and a full snapshot around each frame finds it.
 */
static void replay(struct run *rn, struct h_inst *in, int idx)
{
	struct h_counters *want = &rn->want[idx];
	int i, err, bad = 0;

	rn->st.replays++;
	err = h_counters_read(in, want);
	if (err)
		die("read counters", err);
	for (i = 0; i < rn->nchunk; i++) {
		struct slot *s = &rn->chunk[i];
		uint32_t cell = s->res.subject * MW_NR_REASONS + s->res.reason;
		uint32_t ifcell = (in->ref.slot % MW_MAX_IFACES) * MW_NR_REASONS + s->res.reason;
		struct mw_counter b1, b2, a1, a2;
		uint32_t v;

		err = h_cell_read(in, HM_COUNTERS, cell, &b1);
		if (!err)
			err = h_cell_read(in, HM_IFCOUNTERS, ifcell, &b2);
		if (!err)
			err = h_run(in, s->f.d, s->f.len, &v);
		if (!err)
			err = h_cell_read(in, HM_COUNTERS, cell, &a1);
		if (!err)
			err = h_cell_read(in, HM_IFCOUNTERS, ifcell, &a2);
		if (err)
			die("replay", err);
		h_counters_add(want, in->ref.slot, s->res.subject, s->res.reason, s->f.len);
		if (v != (uint32_t)s->res.verdict ||
		    a1.packets - b1.packets != 1 || a1.bytes - b1.bytes != s->f.len ||
		    a2.packets - b2.packets != 1 || a2.bytes - b2.bytes != s->f.len) {
			bad++;
			fail(rn, in, s);
		}
	}
	if (bad)
		return;
	err = h_counters_read(in, &rn->have);
	if (err)
		die("read counters", err);
	if (!h_counters_cmp(want, &rn->have))
		return;
	/* the named cells moved, and something else too */
	for (i = 0; i < rn->nchunk; i++) {
		struct slot *s = &rn->chunk[i];
		struct h_delta d;

		if (locate(rn, in, s, &d) || d.subject != s->res.subject ||
		    d.reason != s->res.reason) {
			bad++;
			fail(rn, in, s);
		}
	}
	if (!bad) {
		printf("  counters moved by more than the model's totals and no single "
		       "frame explains it (chunk ending at frame %llu)\n", rn->seq);
		rn->st.failed++;
		rn->st.unexplained++;
	}
}

/* Compare the chunk's counters; replay it when they differ; then resync. */
static void check_chunk(struct run *rn, struct h_inst *in, int idx)
{
	struct h_counters *want = &rn->want[idx];
	int i, err;

	if (!rn->nchunk)
		return;
	rn->st.checks++;
	err = h_counters_read(in, &rn->have);
	if (err)
		die("read counters", err);
	if (h_counters_cmp(want, &rn->have)) {
		replay(rn, in, idx);
		err = h_counters_read(in, &rn->have);
		if (err)
			die("read counters", err);
		memcpy(want->cnt, rn->have.cnt,
		       (size_t)want->rows * MW_NR_REASONS * sizeof(*want->cnt));
		memcpy(want->ifcnt, rn->have.ifcnt, sizeof(want->ifcnt));
	}
	for (i = 0; i < rn->nchunk; i++) {
		struct slot *s = &rn->chunk[i];

		if (s->failed) {
			rn->st.kind[s->f.kind][3]++;
			rn->st.inst[idx][1]++;
		} else {
			rn->st.passed++;
		}
	}
	rn->nchunk = 0;
}

static void write_corpus(struct run *rn, int idx, const struct frame *f)
{
	char path[4096];
	uint8_t hdr[3];
	FILE *fp;

	if (!rn->o.corpus || rn->corpus_n >= 2000)
		return;
	if (!rn->corpus_n && mkdir(rn->o.corpus, 0755) && errno != EEXIST)
		die(rn->o.corpus, errno);
	/* fuzz input: instance/generation byte, aim bytes, then the frame */
	hdr[0] = idx | (rn->live << 3) | (1 << 4);
	hdr[1] = (uint8_t)(rn->corpus_n * 37);
	hdr[2] = (uint8_t)rn->corpus_n;
	snprintf(path, sizeof(path), "%s/diff-%04d", rn->o.corpus, rn->corpus_n++);
	fp = fopen(path, "w");
	if (!fp)
		die(path, errno);
	if (fwrite(hdr, 1, 3, fp) != 3 || fwrite(f->d, 1, f->len, fp) != f->len)
		die(path, EIO);
	fclose(fp);
}

static void run_batch(struct run *rn, struct gen *g, int idx, int applied,
		      unsigned long long n)
{
	struct h_inst *in = &insts[idx];
	const struct ref_policy *pol = applied ? &rn->pol[rn->live].p : NULL;
	unsigned long long k;
	int err;

	err = h_set_ctl(in, rn->live, applied);
	if (err)
		die("set mw_ctl", err);
	rn->applied = applied;
	for (k = 0; k < n; k++) {
		struct slot *s = &rn->chunk[rn->nchunk];
		struct frame *f = &s->f;

		build(g, f);
		rn->seq++;
		rn->st.kind[f->kind][0]++;
		rn->st.kind[f->kind][1] += f->mutated;
		rn->st.mutated += f->mutated;
		rn->st.vlans[f->vlans < 4 ? f->vlans : 4]++;
		write_corpus(rn, idx, f);

		if (f->len < 14) {
			err = h_run(in, f->d, f->len, &s->verdict);
			if (err != -EINVAL) {
				fprintf(stderr, "diff: %zu-byte frame: expected EINVAL, got %d\n",
					f->len, err);
				exit(2);
			}
			rn->st.skipped++;
			continue;
		}

		ref_judge(&in->ref, pol, f->d, f->len, &s->res);
		if (rn->o.break_reason && s->res.via == REF_VIA_PREFIX &&
		    s->res.reason == MW_R_OBSERVE) {
			/* test mode: a deliberately wrong model */
			s->res.reason = MW_R_PASS;
			rn->st.broken++;
		}
		err = h_run(in, f->d, f->len, &s->verdict);
		if (err)
			die("test run", err);
		s->seq = rn->seq;
		s->failed = 0;
		if (s->verdict != (uint32_t)s->res.verdict)
			fail(rn, in, s);
		if (in->ref.role == MW_ROLE_LAN) {
			struct mw_flow_key fk;

			if (ref_flow_key(&s->res, h_keeps_flows(in, s->res.subject), f->d, f->len,
					 &fk) &&
			    ref_flows_add(&rn->flows[idx], &fk, MW_FDIR_OUT,
					  s->res.verdict == XDP_DROP, f->len))
				die("flow model", ENOMEM);
		}
		rn->st.tested++;
		rn->st.kind[f->kind][2] += s->res.pkt.status != REF_OK;
		rn->st.reason[s->res.reason]++;
		rn->st.via[s->res.via]++;
		rn->st.verdict[s->res.verdict == XDP_DROP]++;
		rn->st.inst[idx][0]++;
		h_counters_add(&rn->want[idx], in->ref.slot, s->res.subject, s->res.reason,
			       f->len);
		if (++rn->nchunk == H_CHUNK)
			check_chunk(rn, in, idx);
	}
	check_chunk(rn, in, idx);
}

/*
 * The flow table of every lan instance against the model: the same keys,
 * packets, bytes and drops by direction; the same misses and table counts.
 */
static void flows_check(struct run *rn)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *pc = calloc((size_t)(ncpus > 0 ? ncpus : 1), sizeof(*pc));
	size_t i;

	if (!pc || ncpus <= 0)
		die("flows", ENOMEM);
	for (i = 0; i < NINST; i++) {
		const struct ref_flows *t = &rn->flows[i];
		struct h_inst *in = &insts[i];
		struct mw_flow_key k, *prev = NULL;
		uint64_t stat[MW_FS_NR] = { 0 }, frames = 0;
		size_t n = 0, bad = 0, j;
		struct mw_flow v;
		__u32 c;

		if (in->ref.role != MW_ROLE_LAN)
			continue;
		while (bpf_map_get_next_key(in->fd[HM_FLOWS], prev, &k) == 0) {
			const struct ref_flow *m = ref_flows_find(t, &k);

			prev = &k;
			n++;
			if (bpf_map_lookup_elem(in->fd[HM_FLOWS], &k, &v))
				die("read mw_flows", errno);
			frames += v.packets[0] + v.packets[1];
			if (m && !memcmp(m->packets, v.packets, sizeof(v.packets)) &&
			    !memcmp(m->bytes, v.bytes, sizeof(v.bytes)) &&
			    !memcmp(m->dropped, v.dropped, sizeof(v.dropped)))
				continue;
			if (bad++ < (size_t)rn->o.show)
				printf("  flow of subject %u (family %u, proto %u, port %u, member "
				       "%012llx) in %s: bpf %llu packets %llu bytes %llu dropped, "
				       "model %s%llu packets %llu bytes %llu dropped\n", k.subject,
				       k.family, k.proto, k.port, (unsigned long long)k.member, in->name,
				       (unsigned long long)v.packets[0], (unsigned long long)v.bytes[0],
				       (unsigned long long)v.dropped[0], m ? "" : "(no such flow) ",
				       (unsigned long long)(m ? m->packets[0] : 0),
				       (unsigned long long)(m ? m->bytes[0] : 0),
				       (unsigned long long)(m ? m->dropped[0] : 0));
		}
		for (c = 0; c < MW_FS_NR; c++) {
			if (bpf_map_lookup_elem(in->fd[HM_FLOWSTATS], &c, pc))
				die("read mw_flowstats", errno);
			for (j = 0; j < (size_t)ncpus; j++)
				stat[c] += pc[j];
		}
		for (c = 0; c < ID_ROWS; c++) {
			struct mw_counter mc;

			if (bpf_map_lookup_elem(in->fd[HM_FLOWMISS], &c, &mc))
				die("read mw_flowmiss", errno);
			if (mc.packets != t->miss[c].packets || mc.bytes != t->miss[c].bytes)
				bad++;
		}
		if (n != t->n || stat[MW_FS_CREATED] != t->n || stat[MW_FS_FULL] != t->full)
			bad++;
		printf("  flows on %s: %zu flows of %llu frames (model %zu), %llu frames found "
		       "the table full (model %llu): %s\n", in->name, n, (unsigned long long)frames,
		       t->n, (unsigned long long)stat[MW_FS_FULL], (unsigned long long)t->full,
		       bad ? "DIFFERENT" : "same");
		rn->flows_bad += bad != 0;
	}
	free(pc);
}

/* Write a fresh random policy into the inactive generation and flip to it. */
static void apply(struct run *rn, struct rng *r)
{
	uint32_t next = !rn->live;
	struct h_policy_shape shape = {
		.id_space = ID_SPACE,
		.split = ID_SPLIT,
		.max_subjects = 1 + rng_below(r, 500),
		.scale = 1 + rng_below(r, 4),
	};
	size_t i;
	int err;

	for (i = 0; i < NINST; i++) {
		err = h_policy_erase(&insts[i], next, &rn->pol[next]);
		if (err)
			die("erase policy", err);
	}
	h_policy_random(&rn->pol[next], r, &shape);
	for (i = 0; i < NINST; i++) {
		err = h_policy_write(&insts[i], next, &rn->pol[next]);
		if (err)
			die("write policy", err);
	}
	rn->live = next;
	rn->st.applies++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: diff [--frames N] [--seed S] [--break-reason] [--icmp-any-family]\n"
		"            [--show N] [--corpus DIR]\n"
		"  --frames N         frames to generate (default 100000)\n"
		"  --seed S           random seed (default 1); a seed always gives the same run\n"
		"  --break-reason     test mode: the model reports 'pass' instead of 'observe'\n"
		"                     for frames identified by IP prefix; the run must fail\n"
		"  --icmp-any-family  model: check ICMP headers for protocol 1 and 58 under\n"
		"                     both IPv4 and IPv6\n"
		"  --show N           disagreements printed in full (default 5)\n"
		"  --corpus DIR       also write the first 2000 frames as fuzz seeds into DIR\n");
}

static void print_stats(struct run *rn, double secs)
{
	struct stats *st = &rn->st;
	size_t i;

	printf("frames by kind                 frames   mutated malformed    failed\n");
	for (i = 0; i < K_NR; i++)
		printf("  %-24s %9llu %9llu %9llu %9llu\n", kind_names[i], st->kind[i][0],
		       st->kind[i][1], st->kind[i][2], st->kind[i][3]);
	printf("vlan tags as built: 0: %llu, 1: %llu, 2: %llu, 3: %llu, 4+: %llu\n",
	       st->vlans[0], st->vlans[1], st->vlans[2], st->vlans[3], st->vlans[4]);
	printf("model reasons:");
	for (i = 0; i < MW_NR_REASONS; i++)
		if (st->reason[i])
			printf(" %s %llu", ref_reason_names[i], st->reason[i]);
	printf("\nmodel identified via:");
	for (i = 0; i < REF_VIA_NR; i++)
		printf(" %s %llu", ref_via_names[i], st->via[i]);
	printf("\nmodel verdicts: pass %llu, drop %llu\n", st->verdict[0], st->verdict[1]);
	printf("instances:");
	for (i = 0; i < NINST; i++)
		printf(" %s %llu (%llu failed)", insts[i].name, st->inst[i][0], st->inst[i][1]);
	printf("\nbatches %llu: policy applies %llu, generation flips back %llu, "
	       "no-policy batches %llu\n", st->batches, st->applies, st->flips, st->unapplied);
	printf("counter checks %llu, replayed chunks %llu\n", st->checks, st->replays);
	if (rn->o.break_reason)
		printf("--break-reason: model reason altered on %llu frames\n", st->broken);
	printf("generated %llu frames, %llu mutated; skipped %llu shorter than 14 bytes "
	       "(BPF_PROG_TEST_RUN refuses them: EINVAL)\n",
	       st->tested + st->skipped, st->mutated, st->skipped);
	printf("compared %llu frames in %.2f s: %.0f frames/s\n", st->tested, secs,
	       secs > 0 ? st->tested / secs : 0.0);
	printf("%llu passed, %llu failed\n", st->passed, st->failed);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "frames", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "break-reason", no_argument, NULL, 'b' },
		{ "icmp-any-family", no_argument, NULL, 'i' },
		{ "show", required_argument, NULL, 'S' },
		{ "corpus", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct run rn;
	struct rng r, fr;
	struct gen g;
	double t0;
	size_t i;
	int c, err;

	rn.o.frames = 100000;
	rn.o.seed = 1;
	rn.o.show = 5;
	while ((c = getopt_long(argc, argv, "n:s:bihS:c:", lopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'n':
			rn.o.frames = strtoull(optarg, &end, 0);
			if (*end)
				goto bad;
			break;
		case 's':
			rn.o.seed = strtoull(optarg, &end, 0);
			if (*end)
				goto bad;
			break;
		case 'b':
			rn.o.break_reason = 1;
			break;
		case 'i':
			ref_icmp_any_family = 1;
			break;
		case 'S':
			rn.o.show = atoi(optarg);
			break;
		case 'c':
			rn.o.corpus = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind != argc)
		goto bad;

	r.s = rn.o.seed;
	fr.s = rn.o.seed ^ 0x4d57d1ffull;	/* frames: a stream of their own */
	for (i = 0; i < NINST; i++) {
		err = h_inst_load(&insts[i]);
		if (err)
			die("load the skeleton (root? make?)", err);
		err = h_counters_alloc(&rn.want[i], ID_ROWS);
		if (err)
			die("alloc", err);
		err = h_counters_read(&insts[i], &rn.want[i]);
		if (err)
			die("read counters", err);
		if (insts[i].ref.role == MW_ROLE_LAN) {
			struct bpf_map_info info = { 0 };
			__u32 ilen = sizeof(info);

			if (bpf_obj_get_info_by_fd(insts[i].fd[HM_FLOWS], &info, &ilen))
				die("mw_flows", errno);
			err = ref_flows_init(&rn.flows[i], info.max_entries, ID_ROWS);
			if (err)
				die("alloc", err);
		}
	}
	if (h_counters_alloc(&rn.have, ID_ROWS) || h_counters_alloc(&rn.before, ID_ROWS) ||
	    h_counters_alloc(&rn.after, ID_ROWS) || h_policy_alloc(&rn.pol[0]) ||
	    h_policy_alloc(&rn.pol[1]))
		die("alloc", ENOMEM);

	/* both generations populated; generation 1 goes live first */
	apply(&rn, &r);
	apply(&rn, &r);
	rn.st.applies = 0;
	g.r = &fr;
	g.pol[0] = &rn.pol[0].p;
	g.pol[1] = &rn.pol[1].p;

	printf("modwall differential test: seed %llu, %llu frames, %d instances, %d cpus%s\n",
	       rn.o.seed, rn.o.frames, NINST, libbpf_num_possible_cpus(),
	       rn.o.break_reason ? ", --break-reason (expected to FAIL)" : "");

	t0 = now();
	while (rn.st.tested + rn.st.skipped < rn.o.frames) {
		unsigned long long left = rn.o.frames - rn.st.tested - rn.st.skipped;
		unsigned long long n = 128 + rng_below(&r, 1024);
		int idx = rng_below(&r, NINST), applied = !rng_chance(&r, 1, 10);

		if (rn.st.batches && rng_chance(&r, 1, 6)) {
			apply(&rn, &r);
		} else if (rn.st.batches && rng_chance(&r, 1, 8)) {
			rn.live = !rn.live;
			rn.st.flips++;
		}
		rn.st.batches++;
		rn.st.unapplied += !applied;
		run_batch(&rn, &g, idx, applied, n < left ? n : left);
	}
	print_stats(&rn, now() - t0);
	flows_check(&rn);

	for (i = 0; i < NINST; i++) {
		h_inst_destroy(&insts[i]);
		h_counters_free(&rn.want[i]);
		ref_flows_free(&rn.flows[i]);
	}
	return rn.st.failed || rn.flows_bad ? 1 : 0;
bad:
	usage(stderr);
	return 2;
}
