// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Differential harness, program side: loading instances, writing a policy
 * into the identity maps at ABI level (include/modwall.h), running frames
 * and reading counters; and random policies for the model and the maps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "modwall.skel.h"
#include "fixture.h"
#include "harness.h"
#include "maps.h"

static const uint8_t actions[] = { MW_ACT_PASS, MW_ACT_DROP, MW_ACT_OBSERVE };

static uint8_t rand_action(struct rng *r)
{
	return actions[rng_below(r, sizeof(actions))];
}

/* ------------------------------------------------------------------ */
/* Random policies                                                     */
/* ------------------------------------------------------------------ */

int h_policy_alloc(struct h_policy *hp)
{
	struct ref_policy *p = &hp->p;

	memset(hp, 0, sizeof(*hp));
	p->mac = calloc(H_MAX_MAC, sizeof(*p->mac));
	p->oui = calloc(H_MAX_OUI, sizeof(*p->oui));
	p->ip4 = calloc(H_MAX_IP, sizeof(*p->ip4));
	p->ip6 = calloc(H_MAX_IP, sizeof(*p->ip6));
	p->pfx4 = calloc(H_MAX_PFX, sizeof(*p->pfx4));
	p->pfx6 = calloc(H_MAX_PFX, sizeof(*p->pfx6));
	if (!p->mac || !p->oui || !p->ip4 || !p->ip6 || !p->pfx4 || !p->pfx6) {
		h_policy_free(hp);
		return -ENOMEM;
	}
	return 0;
}

void h_policy_free(struct h_policy *hp)
{
	struct ref_policy *p = &hp->p;

	free(p->mac);
	free(p->oui);
	free(p->ip4);
	free(p->ip6);
	free(p->pfx4);
	free(p->pfx6);
	memset(hp, 0, sizeof(*hp));
}

struct subjects {
	uint32_t n;
	struct ref_entry s[1024];
};

static struct ref_entry pick_subject(struct rng *r, const struct subjects *ss)
{
	return ss->s[rng_below(r, ss->n)];
}

/* How many entries of a table: often some, sometimes none. */
static size_t table_size(struct rng *r, size_t max, int scale)
{
	if (rng_chance(r, 1, 6))
		return 0;
	return 1 + rng_below(r, max * scale / 4);
}

static uint64_t mask48(unsigned int bits)
{
	return (0xffffffffffffull << (48 - bits)) & 0xffffffffffffull;
}

static int oui_has(const struct ref_policy *p, uint64_t prefix, unsigned int bits)
{
	size_t i;

	for (i = 0; i < p->noui; i++)
		if (p->oui[i].bits == bits && p->oui[i].prefix == prefix)
			return 1;
	return 0;
}

static int oui_add(struct ref_policy *p, uint64_t mac, unsigned int bits, struct ref_entry e)
{
	uint64_t prefix = mac & mask48(bits);

	if (p->noui == H_MAX_OUI || oui_has(p, prefix, bits))
		return -1;
	p->oui[p->noui].prefix = prefix;
	p->oui[p->noui].bits = bits;
	p->oui[p->noui].e = e;
	p->noui++;
	return 0;
}

/* A few real IEEE blocks and random ones. */
static uint64_t rand_oui24(struct rng *r)
{
	static const uint32_t known[] = {
		0x70b3d5, 0x001bc5, 0x0050c2, 0x40d855, 0x8c1f64, 0xd8e0e1,
		0x2c3341, 0x50c7bf, 0x00a0c6, 0x18c8e7,
	};

	if (rng_chance(r, 1, 3))
		return (uint64_t)known[rng_below(r, sizeof(known) / sizeof(known[0]))] << 24;
	return (rng_next(r) & 0xffffff000000ull);
}

static void gen_vendors(struct ref_policy *p, struct rng *r, const struct subjects *ss,
			int scale)
{
	size_t n24 = table_size(r, 40, scale), i;
	int k, j;

	for (i = 0; i < n24; i++) {
		uint64_t oui = rand_oui24(r);
		struct ref_entry e = pick_subject(r, ss);
		uint64_t mam[6];
		int kind = rng_below(r, 4), nmam = 0, nmas = 0;

		if (oui_has(p, oui, 24) || p->noui + 16 > H_MAX_OUI)
			continue;
		e.flags = 0;
		if (kind == 2)
			e.id = 0;	/* a registry block: flags only */
		if (kind == 1 || kind == 2 || (kind == 3 && rng_chance(r, 1, 2)))
			nmam = 1 + rng_below(r, 4);
		if (kind == 2 || kind == 3)
			nmas = 1 + rng_below(r, 6);
		for (k = 0; k < nmam; k++) {
			struct ref_entry c = pick_subject(r, ss);

			mam[k] = oui | (rng_next(r) & 0xffffff);
			c.flags = 0;
			if (oui_add(p, mam[k], 28, c))
				mam[k] = mam[0];
		}
		for (k = 0; k < nmas; k++) {
			struct ref_entry c = pick_subject(r, ss);
			uint64_t mac = oui | (rng_next(r) & 0xffffff);

			/* half of them nested in a /28 of the same block */
			if (nmam && rng_chance(r, 1, 2))
				mac = (mam[rng_below(r, nmam)] & mask48(28)) |
				      (rng_next(r) & 0xfffff);
			c.flags = 0;
			oui_add(p, mac, 36, c);
		}
		/* flags usually tell the truth; sometimes one is missing or stale */
		if (nmam && !rng_chance(r, 1, 8))
			e.flags |= MW_SF_HAS_MAM;
		if (nmas && !rng_chance(r, 1, 8))
			e.flags |= MW_SF_HAS_MAS;
		if (rng_chance(r, 1, 8))
			e.flags |= rng_below(r, 4);
		oui_add(p, oui, 24, e);
	}
	/* orphans: /28 and /36 blocks with no /24 entry, never probed */
	for (j = rng_below(r, 3); j > 0; j--) {
		uint64_t mac = rand_oui24(r) | (rng_next(r) & 0xffffff);
		struct ref_entry c = pick_subject(r, ss);

		if (oui_has(p, mac & mask48(24), 24))
			continue;
		c.flags = 0;
		oui_add(p, mac, rng_chance(r, 1, 2) ? 28 : 36, c);
	}
}

static void gen_macs(struct ref_policy *p, struct rng *r, const struct subjects *ss, int scale)
{
	size_t n = table_size(r, H_MAX_MAC, scale), i, j;

	for (i = 0; i < n; i++) {
		uint64_t mac = rng_next(r) & 0xffffffffffffull;
		int dup = 0;

		/* half of the tagged devices sit inside a vendor block */
		if (p->noui && rng_chance(r, 1, 2)) {
			const struct ref_oui *o = &p->oui[rng_below(r, p->noui)];

			mac = o->prefix | (mac & ~mask48(o->bits) & 0xffffffffffffull);
		} else if (rng_chance(r, 1, 2)) {
			mac = (mac & ~0x030000000000ull) | 0x020000000000ull;	/* local unicast */
		}
		for (j = 0; j < p->nmac; j++)
			dup |= p->mac[j].mac == mac;
		if (dup)
			continue;
		p->mac[p->nmac].mac = mac;
		p->mac[p->nmac].e = pick_subject(r, ss);
		p->mac[p->nmac].e.flags = 0;
		p->nmac++;
	}
}

/* Keep the first @len bits of @a (@bytes long). */
static void clear_host(uint8_t *a, int bytes, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < (unsigned int)bytes; i++) {
		if (len >= (i + 1) * 8)
			continue;
		if (len <= i * 8)
			a[i] = 0;
		else
			a[i] &= 0xff00 >> (len - i * 8);
	}
}

/* A random address near the ones a policy would use. */
void h_rand_addr(struct rng *r, uint8_t *a, int bytes)
{
	uint64_t x = rng_next(r), y = rng_next(r);

	memcpy(a, &x, 8);
	if (bytes == 16)
		memcpy(a + 8, &y, 8);
	switch (rng_below(r, 4)) {
	case 0:
		if (bytes == 4) {
			a[0] = 10;
		} else {
			a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8;
		}
		break;
	case 1:
		if (bytes == 4) {
			a[0] = 198; a[1] = 18 | (a[1] & 1);
		} else {
			a[0] = 0xfd; a[1] = 0x00; a[2] = 0x4d; a[3] = 0x57;
		}
		break;
	case 2:
		if (bytes == 4) {
			a[0] = 10; a[1] = 1;
		} else {
			a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8;
			memset(a + 4, 0, 4);
		}
		break;
	}
}

static int ip_has(const struct ref_ip *t, size_t n, const uint8_t *a, unsigned int len, int bytes)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].len == len && !memcmp(t[i].addr, a, bytes))
			return 1;
	return 0;
}

static void gen_prefixes(struct ref_ip *t, size_t *nt, struct rng *r, const struct subjects *ss,
			 int bytes, int scale)
{
	size_t n = table_size(r, H_MAX_PFX, scale), i;
	unsigned int bits = bytes * 8;

	*nt = 0;
	for (i = 0; i < n; i++) {
		struct ref_ip e = { .len = 0 };
		unsigned int len;

		if (*nt && rng_chance(r, 1, 3)) {
			/* nested in an existing prefix, a few bits longer */
			const struct ref_ip *o = &t[rng_below(r, *nt)];
			uint8_t tmp[16];
			unsigned int b;

			len = o->len + 1 + rng_below(r, 8);
			if (len >= bits)
				len = bits - 1;
			/* the parent's bits, then random ones */
			h_rand_addr(r, tmp, bytes);
			memcpy(e.addr, o->addr, bytes);
			for (b = o->len; b < bits; b++) {
				uint8_t m = 0x80 >> (b % 8);

				e.addr[b / 8] = (e.addr[b / 8] & ~m) | (tmp[b / 8] & m);
			}
		} else {
			h_rand_addr(r, e.addr, bytes);
			if (rng_chance(r, 1, 50))
				len = 0;
			else if (rng_chance(r, 1, 4))
				len = bits - 1 - rng_below(r, 4);
			else
				len = 1 + rng_below(r, bits - 1);
		}
		clear_host(e.addr, bytes, len);
		e.len = len;
		if (ip_has(t, *nt, e.addr, len, bytes))
			continue;
		e.e = pick_subject(r, ss);
		e.e.flags = 0;
		t[(*nt)++] = e;
	}
}

static void gen_exact(struct ref_ip *t, size_t *nt, struct rng *r, const struct subjects *ss,
		      const struct ref_ip *pfx, size_t npfx, int bytes, int scale)
{
	size_t n = table_size(r, H_MAX_IP, scale), i;
	unsigned int bits = bytes * 8;

	*nt = 0;
	for (i = 0; i < n; i++) {
		struct ref_ip e = { .len = bits };

		h_rand_addr(r, e.addr, bytes);
		if (npfx && rng_chance(r, 2, 5)) {
			/* inside a prefix: the exact entry must win */
			const struct ref_ip *o = &pfx[rng_below(r, npfx)];
			unsigned int b;

			for (b = 0; b < o->len; b++) {
				uint8_t m = 0x80 >> (b % 8);

				e.addr[b / 8] = (e.addr[b / 8] & ~m) | (o->addr[b / 8] & m);
			}
		}
		if (ip_has(t, *nt, e.addr, bits, bytes))
			continue;
		e.e = pick_subject(r, ss);
		e.e.flags = 0;
		t[(*nt)++] = e;
	}
}

void h_policy_random(struct h_policy *hp, struct rng *r, const struct h_policy_shape *shape)
{
	struct ref_policy *p = &hp->p;
	struct subjects ss;
	uint32_t i, j;
	int scale = shape->scale;

	p->nmac = p->noui = p->nip4 = p->nip6 = p->npfx4 = p->npfx6 = 0;
	hp->max_id = 0;

	/* subjects: distinct ids, one action each */
	ss.n = 1 + rng_below(r, shape->max_subjects < 1024 ? shape->max_subjects : 1024);
	if (ss.n > shape->id_space - 1)
		ss.n = shape->id_space - 1;
	for (i = 0; i < ss.n; i++) {
		uint32_t id;
		int dup;

		do {
			id = 1 + rng_below(r, shape->id_space - 1);
			if (shape->split && id >= shape->split)
				id = MW_PCPU_IDS + (id - shape->split);
			dup = 0;
			for (j = 0; j < i; j++)
				dup |= ss.s[j].id == id;
		} while (dup);
		ss.s[i].id = id;
		ss.s[i].action = rand_action(r);
		ss.s[i].flags = 0;
		if (id > hp->max_id)
			hp->max_id = id;
	}

	gen_vendors(p, r, &ss, scale);
	gen_macs(p, r, &ss, scale);
	gen_prefixes(p->pfx4, &p->npfx4, r, &ss, 4, scale);
	gen_prefixes(p->pfx6, &p->npfx6, r, &ss, 16, scale);
	gen_exact(p->ip4, &p->nip4, r, &ss, p->pfx4, p->npfx4, 4, scale);
	gen_exact(p->ip6, &p->nip6, r, &ss, p->pfx6, p->npfx6, 16, scale);

	p->default_action = rand_action(r);
	for (i = 0; i < MW_MAX_IFACES; i++)
		p->if_default[i] = rng_chance(r, 3, 4) ? MW_ACT_INHERIT : rand_action(r);

	/* lookups: the tables that hold entries, and now and then a stale bit */
	p->lookups = 0;
	if (p->nmac)
		p->lookups |= MW_LK_MAC;
	if (p->nip4)
		p->lookups |= MW_LK_IP4;
	if (p->nip6)
		p->lookups |= MW_LK_IP6;
	if (p->npfx4)
		p->lookups |= MW_LK_LPM4;
	if (p->npfx6)
		p->lookups |= MW_LK_LPM6;
	if (p->noui)
		p->lookups |= MW_LK_OUI;
	if (rng_chance(r, 1, 8))
		p->lookups |= 1u << rng_below(r, 6);
	/* and now and then a table that holds entries is not flagged: not probed */
	if (p->lookups && rng_chance(r, 1, 3)) {
		unsigned int set[6], n = 0, b;

		for (b = 0; b < 6; b++)
			if (p->lookups & (1u << b))
				set[n++] = b;
		p->lookups &= ~(1u << set[rng_below(r, n)]);
	}
}

/* ------------------------------------------------------------------ */
/* Instances and maps                                                  */
/* ------------------------------------------------------------------ */

struct h_inst h_insts[H_NINST] = {
	{ .name = "lan",	 .ref = { 3,  MW_ROLE_LAN, MW_ACT_PASS,	   MW_ACT_DROP } },
	{ .name = "wan",	 .ref = { 12, MW_ROLE_WAN, MW_ACT_PASS,	   MW_ACT_DROP } },
	/* a small flow table, which fills: its misses are checked too */
	{ .name = "lan-closed",	 .ref = { 63, MW_ROLE_LAN, MW_ACT_DROP,	   MW_ACT_PASS },
	  .max_flows = 512 },
	{ .name = "wan-closed",	 .ref = { 0,  MW_ROLE_WAN, MW_ACT_DROP,	   MW_ACT_OBSERVE } },
	{ .name = "lan-observe", .ref = { 40, MW_ROLE_LAN, MW_ACT_OBSERVE, MW_ACT_DROP } },
	{ .name = "n3",		 .ref = { 9,  MW_ROLE_N3,  MW_ACT_PASS,	   MW_ACT_DROP } },
	{ .name = "n3-closed",	 .ref = { 21, MW_ROLE_N3,  MW_ACT_DROP,	   MW_ACT_PASS } },
};

int h_inst_load(struct h_inst *in)
{
	const struct fx_prog cfg = {
		in->ref.slot, in->ref.role, in->ref.fail_action, in->ref.malformed_action,
	};
	struct modwall_bpf *skel;
	char err[256];

	fx_libbpf_quiet();
	skel = fx_load_flows(&cfg, NULL, in->max_flows, err, sizeof(err));
	if (!skel) {
		fprintf(stderr, "%s: %s\n", in->name, err);
		return -EINVAL;
	}
	in->skel = skel;
	in->prog_fd = fx_prog_fd(skel);
	in->fd[HM_CTL] = bpf_map__fd(skel->maps.mw_ctl);
	in->fd[HM_CONFIG] = bpf_map__fd(skel->maps.mw_config);
	in->fd[HM_MAC] = bpf_map__fd(skel->maps.mw_mac);
	in->fd[HM_OUI] = bpf_map__fd(skel->maps.mw_oui);
	in->fd[HM_IP4] = bpf_map__fd(skel->maps.mw_ip4);
	in->fd[HM_IP6] = bpf_map__fd(skel->maps.mw_ip6);
	in->fd[HM_LPM4] = bpf_map__fd(skel->maps.mw_lpm4);
	in->fd[HM_LPM6] = bpf_map__fd(skel->maps.mw_lpm6);
	in->fd[HM_COUNTERS] = bpf_map__fd(skel->maps.mw_counters);
	in->fd[HM_IFCOUNTERS] = bpf_map__fd(skel->maps.mw_ifcounters);
	in->fd[HM_FLOWS] = bpf_map__fd(skel->maps.mw_flows);
	in->fd[HM_FLOWMISS] = bpf_map__fd(skel->maps.mw_flowmiss);
	in->fd[HM_FLOWSTATS] = bpf_map__fd(skel->maps.mw_flowstats);
	return 0;
}

void h_inst_destroy(struct h_inst *in)
{
	modwall_bpf__destroy(in->skel);
	in->skel = NULL;
	in->prog_fd = -1;
}

static struct mw_subject subject_of(const struct h_inst *in, const struct ref_entry *e)
{
	struct mw_subject s = {
		.id = e->id, .action = e->action, .flags = e->flags, .policy = 0,
	};

	if (h_keeps_flows(in, e->id))
		s.flags |= MW_SF_FLOWS;
	return s;
}

/* Update (@val) or delete (!@val) one key; a failure names the map. */
static int put(struct h_inst *in, int map, const void *key, const void *val)
{
	int err;

	if (val)
		err = bpf_map_update_elem(in->fd[map], key, val, BPF_NOEXIST);
	else
		err = bpf_map_delete_elem(in->fd[map], key);
	if (err) {
		err = -errno;
		fprintf(stderr, "diff: %s: map %d %s: %s\n", in->name, map,
			val ? "update" : "delete", strerror(-err));
	}
	return err;
}

static int policy_keys(struct h_inst *in, uint32_t gen, const struct h_policy *hp, int add)
{
	const struct ref_policy *p = &hp->p;
	struct mw_subject s;
	size_t i;
	int err = 0;

	for (i = 0; i < p->nmac && !err; i++) {
		__u64 key = MW_MAC_KEY((__u64)gen, p->mac[i].mac);

		s = subject_of(in, &p->mac[i].e);
		err = put(in, HM_MAC, &key, add ? &s : NULL);
	}
	for (i = 0; i < p->noui && !err; i++) {
		__u64 key = MW_OUI_KEY((__u64)gen, p->oui[i].bits, p->oui[i].prefix);

		s = subject_of(in, &p->oui[i].e);
		err = put(in, HM_OUI, &key, add ? &s : NULL);
	}
	for (i = 0; i < p->nip4 && !err; i++) {
		__u32 addr;
		__u64 key;

		memcpy(&addr, p->ip4[i].addr, 4);
		key = MW_IP4_KEY((__u64)gen, addr);
		s = subject_of(in, &p->ip4[i].e);
		err = put(in, HM_IP4, &key, add ? &s : NULL);
	}
	for (i = 0; i < p->nip6 && !err; i++) {
		struct mw_ip6_key key = { .gen = gen };

		memcpy(key.addr, p->ip6[i].addr, 16);
		s = subject_of(in, &p->ip6[i].e);
		err = put(in, HM_IP6, &key, add ? &s : NULL);
	}
	for (i = 0; i < p->npfx4 && !err; i++) {
		struct mw_lpm4_key key = { .prefixlen = 32 + p->pfx4[i].len, .gen = gen };

		memcpy(&key.addr, p->pfx4[i].addr, 4);
		s = subject_of(in, &p->pfx4[i].e);
		err = put(in, HM_LPM4, &key, add ? &s : NULL);
	}
	for (i = 0; i < p->npfx6 && !err; i++) {
		struct mw_lpm6_key key = { .prefixlen = 32 + p->pfx6[i].len, .gen = gen };

		memcpy(key.addr, p->pfx6[i].addr, 16);
		s = subject_of(in, &p->pfx6[i].e);
		err = put(in, HM_LPM6, &key, add ? &s : NULL);
	}
	return err;
}

int h_policy_write(struct h_inst *in, uint32_t gen, const struct h_policy *hp)
{
	struct mw_config cfg = {
		.default_action = hp->p.default_action,
		.lookups = hp->p.lookups,
		.nsubjects = hp->max_id + 1,
	};
	int err;

	err = policy_keys(in, gen, hp, 1);
	if (err)
		return err;
	memcpy(cfg.if_default, hp->p.if_default, sizeof(cfg.if_default));
	if (bpf_map_update_elem(in->fd[HM_CONFIG], &gen, &cfg, BPF_ANY))
		return -errno;
	return 0;
}

int h_policy_erase(struct h_inst *in, uint32_t gen, const struct h_policy *hp)
{
	return policy_keys(in, gen, hp, 0);
}

int h_set_ctl(struct h_inst *in, uint32_t gen, uint32_t applied)
{
	struct mw_ctl ctl = {
		.gen = gen,
		.applied = applied,
		.schema = MW_SCHEMA_VERSION,
		.max_subjects = MW_DEFAULT_SUBJECTS,
		.seq = applied,
	};
	__u32 zero = 0;

	if (bpf_map_update_elem(in->fd[HM_CTL], &zero, &ctl, BPF_ANY))
		return -errno;
	return 0;
}

int h_run(struct h_inst *in, const uint8_t *frame, size_t len, uint32_t *verdict)
{
	return fx_run(in->prog_fd, frame, len, 1, verdict, NULL);
}

/* ------------------------------------------------------------------ */
/* Counters                                                            */
/* ------------------------------------------------------------------ */

int h_counters_alloc(struct h_counters *c, uint32_t rows)
{
	memset(c, 0, sizeof(*c));
	c->rows = rows;
	c->cnt = calloc((size_t)rows * MW_NR_REASONS, sizeof(*c->cnt));
	if (!c->cnt)
		return -ENOMEM;
	return 0;
}

void h_counters_free(struct h_counters *c)
{
	free(c->cnt);
	c->cnt = NULL;
}

/* The subject counters' maps, for the library's reader (copies: no views). */
static void subject_maps(struct h_inst *in, struct mw_maps *m)
{
	memset(m, 0, sizeof(*m));
	m->counters = in->fd[HM_COUNTERS];
	m->devcounters = bpf_map__fd(in->skel->maps.mw_devcounters);
	m->buckets = bpf_map__fd(in->skel->maps.mw_buckets);
	m->ncpus = libbpf_num_possible_cpus();
	m->max_subjects = bpf_map__max_entries(in->skel->maps.mw_subjects);
	m->pcpu_ids = bpf_map__max_entries(in->skel->maps.mw_counters) / MW_NR_REASONS;
}

int h_counters_read(struct h_inst *in, struct h_counters *c)
{
	struct mw_maps m;
	int err;

	subject_maps(in, &m);
	err = mw_read_subject_counters(&m, 0, c->rows, c->cnt);
	if (!err)
		err = fx_read_counters(in->fd[HM_IFCOUNTERS], 0, H_IFCELLS, c->ifcnt);
	return err;
}

int h_cell_read(struct h_inst *in, int map, uint32_t idx, struct mw_counter *out)
{
	struct mw_counter row[MW_NR_REASONS];
	struct mw_maps m;
	int err;

	if (map != HM_COUNTERS)
		return fx_read_counters(in->fd[map], idx, 1, out);
	subject_maps(in, &m);
	err = mw_read_subject_counters(&m, idx / MW_NR_REASONS, 1, row);
	if (!err)
		*out = row[idx % MW_NR_REASONS];
	return err;
}

void h_counters_add(struct h_counters *c, uint32_t slot, uint32_t subject, uint32_t reason,
		    uint64_t bytes)
{
	if (subject < c->rows) {
		c->cnt[subject * MW_NR_REASONS + reason].packets++;
		c->cnt[subject * MW_NR_REASONS + reason].bytes += bytes;
	}
	c->ifcnt[(slot % MW_MAX_IFACES) * MW_NR_REASONS + reason].packets++;
	c->ifcnt[(slot % MW_MAX_IFACES) * MW_NR_REASONS + reason].bytes += bytes;
}

size_t h_counters_cmp(const struct h_counters *a, const struct h_counters *b)
{
	size_t i, n = 0;

	for (i = 0; i < (size_t)a->rows * MW_NR_REASONS; i++)
		n += a->cnt[i].packets != b->cnt[i].packets || a->cnt[i].bytes != b->cnt[i].bytes;
	for (i = 0; i < H_IFCELLS; i++)
		n += a->ifcnt[i].packets != b->ifcnt[i].packets ||
		     a->ifcnt[i].bytes != b->ifcnt[i].bytes;
	return n;
}

int h_counters_delta(const struct h_counters *before, const struct h_counters *after,
		     uint64_t bytes, struct h_delta *d)
{
	int exact = 1;
	size_t i;

	memset(d, 0, sizeof(*d));
	d->subject = d->reason = d->slot = d->ifreason = ~0u;
	for (i = 0; i < (size_t)before->rows * MW_NR_REASONS; i++) {
		uint64_t dp = after->cnt[i].packets - before->cnt[i].packets;
		uint64_t db = after->cnt[i].bytes - before->cnt[i].bytes;

		if (!dp && !db)
			continue;
		if (!d->moved++) {
			d->subject = i / MW_NR_REASONS;
			d->reason = i % MW_NR_REASONS;
		}
		exact &= dp == 1 && db == bytes;
	}
	for (i = 0; i < H_IFCELLS; i++) {
		uint64_t dp = after->ifcnt[i].packets - before->ifcnt[i].packets;
		uint64_t db = after->ifcnt[i].bytes - before->ifcnt[i].bytes;

		if (!dp && !db)
			continue;
		if (!d->ifmoved++) {
			d->slot = i / MW_NR_REASONS;
			d->ifreason = i % MW_NR_REASONS;
		}
		exact &= dp == 1 && db == bytes;
	}
	return exact && d->moved == 1 && d->ifmoved == 1 ? 0 : -1;
}

void h_hexdump(FILE *out, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(out, "%s%02x%s", i % 16 ? "" : "      ", p[i],
			i % 16 == 15 || i + 1 == len ? "\n" : " ");
}
