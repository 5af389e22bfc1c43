/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdpbench's shared parts: options, frames, modwall instances, anchor
 * programs and the measuring loop (xdpbench.c), used by the commands in
 * xdpbench.c (cost, scale, live, nft) and flowbench.c (flows, flowmem).
 */
#ifndef MW_XDPBENCH_H
#define MW_XDPBENCH_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "maps.h"

struct mw_ieee;
struct mw_bindings;
struct bpf_object;

#define FRAME_LEN	60		/* minimum Ethernet frame without the FCS */
/* A G-PDU: outer IPv4/UDP, 8-octet GTP-U header, the FRAME_LEN frame's IP packet inside */
#define GTP_FRAME_LEN	(14 + 20 + 8 + 8 + FRAME_LEN - 14)
#define MAX_ROUNDS	32

/* First two octets of each family of MACs (locally administered, unicast). */
#define FAM_PASS	0x0250
#define FAM_DROP	0x02d0
#define FAM_IPDEV	0x0266
#define FAM_ALLOW	0x02a0
#define FAM_RATE	0x02e0
#define FAM_UNKNOWN	0x0277
#define FAM_SCALE	0x024d
#define FAM_FLOWS	0x02f0	/* tagged devices whose policy keeps flows */
#define DST_MAC		0x020000000001ull

#define NET_DEV		0x0a000000u	/* 10.0.0.0/16: sources of MAC-tagged devices */
#define NET_UNKNOWN	0x0a010000u	/* 10.1.0.0/16 */
#define NET_BOUND	0x0a400000u	/* 10.64.0.0/16: IMEI bindings */
#define ADDR_SERVER	0xc6120001u	/* 198.18.0.1: allowed destination */
#define ADDR_OTHER	0xc6120002u	/* 198.18.0.2: not allowed */
#define IMEI_BASE	35693803000000ull

/* The rotating driver: frames per case and the repeat of each. */
#define ROT_FRAMES	64
#define ROT_REPEAT	8192

struct xb_opt {
	const char *bare;
	const char *bare_tc;	/* bare_tc.bpf.c's object */
	const char *rotate;	/* rotate.bpf.c's object */
	const char *ref;	/* ref_miss.bpf.c's object */
	const char *mem;
	const char *drop_if, *allow_if, *stack_if, *stack_ip;
	const char *only;	/* run only the cases whose label contains this */
	const char *lines;	/* write modwall's line table here */
	const char *no_nft;	/* live: why the nftables rules are not there */
	unsigned frames, repeat, rounds, passes, devices;
	int cpu, quick;
};

extern struct xb_opt opt;
extern int ncpus;		/* possible CPUs */
extern char bpf_log[16384];	/* libbpf's messages since the last reset */

/* ---- small helpers ---- */

struct sbuf {
	char *p;
	size_t len, cap;
};

void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void scale_row(const char *key, uint32_t ndev, const char *value, const char *goal, int met,
	       const char *note);
double now_s(void);
double median(const double *v, int n);
double vmin(const double *v, int n);
double vmax(const double *v, int n);
const char *bpf_last(void);
void ratio(char *buf, size_t len, double a, double b);
const char *verdict_name(int v);
uint64_t fdinfo_memlock(int fd);

/* ---- frames ---- */

struct frames {
	uint32_t n;
	uint8_t *d;		/* n * len bytes */
	size_t len;		/* of every frame: FRAME_LEN but for G-PDUs */
};

uint8_t *frame(const struct frames *fs, uint32_t i);
void frames_alloc(struct frames *fs, uint32_t n);
uint64_t mac_of(uint16_t fam, uint32_t i);
void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);
void frame_saddr(uint8_t *f, uint32_t saddr, uint32_t daddr);
void frame_set(uint8_t *f, uint64_t dmac, uint64_t smac, uint32_t saddr, uint32_t daddr,
	       uint16_t sport, uint16_t dport);
void frames_family(struct frames *fs, uint32_t n, uint16_t fam, uint32_t ndev, uint32_t net,
		   uint64_t dmac, uint32_t daddr);

/* ---- modwall instances ---- */

struct inst {
	struct modwall_bpf *skel;
	struct mw_maps m;
	int fd;			/* the XDP program */
	uint32_t maxs;
};

int inst_open_flows(struct inst *in, uint32_t maxs, uint32_t maxf, char *why, size_t wl);
void inst_close(struct inst *in);
int inst_apply(struct inst *in, const char *text, const struct mw_ieee *db,
	       const struct mw_bindings *b, char *why, size_t wl);
void devices_by_mac(struct sbuf *b, const char *tag, uint16_t fam, uint32_t n,
		    const char *policy);
void dump_lines(int fd, const char *path);

/* ---- programs ---- */

struct prog {
	int fd;			/* -1: not available, see why */
	int held;		/* attached by hold(), or needs no holding (tc) */
	struct bpf_object *obj;
	char why[200];
};

void prog_na(struct prog *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void load_bare(struct prog *p, const char *path);
void load_rotate_to(struct prog *p, const char *path, struct prog *target, uint32_t daddr,
		    uint32_t n);
int set_rodata(struct bpf_object *obj, const char *var, const void *val, size_t len);
int hold(int fd, char *why, size_t wl);

/* ---- measuring ---- */

struct bcase {
	const char *label;
	const char *group;	/* heading printed before it, or NULL */
	struct prog *prog;	/* hold() marks it held */
	const struct frames *fs;
	int expect;		/* XDP_* verdict every frame must get; -1 any */
	int evrate;		/* modwall: event rate to set first; -1 leave */
	struct inst *in;	/* modwall instance (event rate), or NULL */
	int ref;		/* case doing the same job in xdp-filter, or -1 */
	uint32_t ifindex;	/* live: ingress interface */
	unsigned repeat;	/* 0: opt.repeat */
	double v[MAX_ROUNDS];
	int nv;
	uint64_t wrong;		/* frames with another verdict */
	char why[200];		/* N/A: why */
};

double run_cost(struct bcase *c);
void mkcase(struct bcase *c, const char *label, const char *group, struct prog *p,
	    const struct frames *fs, int expect, int evrate, struct inst *in, int ref);
void run_rounds(struct bcase *cs, int nc, double (*run)(struct bcase *));

/* flowbench.c */
int cmd_flows(void);
int cmd_flowmem(void);

#endif /* MW_XDPBENCH_H */
