// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Atomic apply (see apply.h): subject ids, the tables and maps of the
 * inactive generation, the flip, the grace period, the old generation's
 * removal, and the rollback of a failure before the flip.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "apply.h"
#include "apply_int.h"
#include "dnsallow.h"
#include "flows.h"
#include "nameset.h"

#define SETERR(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); } while (0)

int mw_sync_rcu(const struct mw_maps *m)
{
	__u32 k = 0;
	int inner, rc = 0;

	/* updating an array of maps returns only after synchronize_rcu() */
	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mw_sync_inner", sizeof(__u32), sizeof(__u32),
			       1, NULL);
	if (inner < 0)
		return -errno;
	if (bpf_map_update_elem(m->sync, &k, &inner, BPF_ANY))
		rc = -errno;
	bpf_map_delete_elem(m->sync, &k);
	close(inner);
	return rc;
}

/* ---- open-addressing tables (see struct mw_slot) ---- */

static struct mw_slot *tab_half(struct mw_slot *tab, unsigned bits, unsigned gen)
{
	return tab + ((size_t)gen << bits);
}

static void tab_clear(struct mw_slot *tab, unsigned bits, unsigned gen)
{
	memset(tab_half(tab, bits, gen), 0, sizeof(*tab) << bits);
}

/* 0 when placed; -1 when the window is full (the caller uses the hash map). */
static int tab_insert(struct mw_slot *half, unsigned bits, uint64_t key,
		      const struct mw_subject *v)
{
	uint32_t mask = (1u << bits) - 1, h = MW_TAB_HASH(key, bits), i;

	for (i = 0; i < MW_TAB_PROBES; i++) {
		struct mw_slot *sl = &half[(h + i) & mask];

		if (sl->key & MW_SLOT_VALID)
			continue;
		sl->v = *v;
		sl->key = MW_SLOT_VALID | key;
		return 0;
	}
	half[(h + MW_TAB_PROBES - 1) & mask].key |= MW_SLOT_OVERFLOW;
	return -1;
}

/* Every table's half of generation @gen emptied. */
static void tabs_clear(const struct mw_maps *m, unsigned gen)
{
	tab_clear(m->mactab_m, m->mac_bits, gen);
	tab_clear(m->ouitab_m, m->oui_bits, gen);
	tab_clear(m->ip4tab_m, m->ip4_bits, gen);
}

/* The table of plan map @map and its log2 slots per generation; NULL: a map without one. */
static struct mw_slot *plan_tab(const struct mw_maps *m, int map, unsigned *bits)
{
	switch (map) {
	case MW_PM_MAC: *bits = m->mac_bits; return m->mactab_m;
	case MW_PM_OUI: *bits = m->oui_bits; return m->ouitab_m;
	case MW_PM_IP4: *bits = m->ip4_bits; return m->ip4tab_m;
	}
	return NULL;
}

static uint64_t tab_key(const struct mw_plan_entry *e)
{
	uint32_t a;

	if (e->map == MW_PM_IP4) {	/* the address as the data path loads it */
		memcpy(&a, e->pfx.addr, 4);
		return a;
	}
	return e->map == MW_PM_MAC ? e->mac : ((uint64_t)e->bits << 48) | e->mac;
}

/* ---- subject ids ---- */

static int assign_ids(const struct mw_maps *m, struct mw_plan *plan,
		      const struct mw_subject_info *tab, uint8_t *fresh, uint32_t *kept,
		      char *err, size_t errlen)
{
	struct mw_nameset live;
	/* classes below pcpu_ids (counted per CPU), devices from there up (shared lines) */
	uint32_t i, next_class = 1;
	uint32_t next_free = m->pcpu_ids < m->max_subjects ? m->pcpu_ids : 1;

	if (mw_nameset_init(&live, m->max_subjects))
		return -ENOMEM;
	for (i = 1; i < m->max_subjects; i++)
		if (tab[i].kind == MW_KIND_DEVICE || tab[i].kind == MW_KIND_CLASS)
			mw_nameset_add(&live, tab[i].name, i, NULL);
	*kept = 0;
	for (i = 0; i < plan->nsubj; i++) {
		struct mw_plan_subj *s = &plan->subj[i];
		uint32_t id;

		if (mw_nameset_get(&live, s->name, &id) && tab[id].kind == s->kind) {
			s->id = id;
			(*kept)++;
			continue;
		}
		s->id = 0;
	}
	for (i = 0; i < plan->nsubj; i++) {
		struct mw_plan_subj *s = &plan->subj[i];
		uint32_t *next = s->kind == MW_KIND_CLASS ? &next_class : &next_free;
		uint32_t end = s->kind == MW_KIND_CLASS ? m->pcpu_ids : m->max_subjects;

		if (s->id)
			continue;
		while (*next < end && (tab[*next].kind != MW_KIND_FREE || fresh[*next]))
			(*next)++;
		/* devices past the end of the map take what classes left below MW_PCPU_IDS */
		if (*next >= end && next == &next_free && m->pcpu_ids < m->max_subjects) {
			next = &next_class;
			end = m->pcpu_ids;
			while (*next < end && (tab[*next].kind != MW_KIND_FREE || fresh[*next]))
				(*next)++;
		}
		if (*next >= end && s->kind == MW_KIND_CLASS && m->pcpu_ids < m->max_subjects) {
			SETERR("the policy has more vendor classes than the %u ids counted per CPU "
			       "leave room for", m->pcpu_ids - 1);
			mw_nameset_free(&live);
			return -ENOSPC;
		}
		if (*next >= end) {
			uint32_t nfree = 0, nnew = 0, k;

			for (k = 1; k < m->max_subjects; k++)
				nfree += tab[k].kind == MW_KIND_FREE;
			for (k = 0; k < plan->nsubj; k++)
				nnew += !plan->subj[k].id || fresh[plan->subj[k].id];
			SETERR("the policy brings %u new devices and classes, and %u ids are free "
			       "of the %u modwall was loaded with (--max-devices): ids of the live "
			       "policy stay taken until the flip, so renaming needs room for both",
			       nnew, nfree, m->max_subjects - 1);
			mw_nameset_free(&live);
			return -ENOSPC;
		}
		s->id = *next;
		fresh[*next] = 1;
	}
	mw_nameset_free(&live);
	return 0;
}

/*
 * A bucket is kept while its device's limit stays the same; a new device,
 * or a changed limit, starts with a full burst.
 */
static int reset_buckets(const struct mw_maps *m, const struct mw_plan *plan,
			 const struct mw_subject_info *old, const uint8_t *fresh, unsigned live)
{
	uint32_t i;

	for (i = 0; i < plan->nsubj; i++) {
		const struct mw_plan_subj *s = &plan->subj[i];
		struct mw_policy_cfg was;
		__u32 k;

		if (!(s->flags & MW_SF_RATE))
			continue;
		if (!fresh[s->id] && (old[s->id].gens & (1u << live))) {
			k = live * MW_MAX_POLICIES + old[s->id].policy[live];
			if (bpf_map_lookup_elem(m->policies, &k, &was) == 0 &&
			    !memcmp(&was, &plan->pcfg[s->policy], sizeof(was)))
				continue;
		}
		/* the state only, through the mmap: the bucket line's counters stay */
		memset(m->buckets_m[s->id].pkt_tat, 0, sizeof(m->buckets_m[s->id].pkt_tat));
		memset(m->buckets_m[s->id].byte_tat, 0, sizeof(m->buckets_m[s->id].byte_tat));
	}
	return 0;
}

/* Subject @id's entry, written only when it changed: through mmap, or one update. */
static int put_subject(const struct mw_maps *m, uint32_t id, const struct mw_subject_info *t)
{
	/* read-write maps: mw_maps_open and mw_maps_from_skel map the array */
	if (memcmp(&m->subjects_m[id], t, sizeof(*t)))
		memcpy(&m->subjects_m[id], t, sizeof(*t));
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int mw_apply(struct mw_maps *m, struct mw_plan *plan, struct mw_apply_result *res,
	     char *err, size_t errlen)
{
	struct mw_subject_info *tab = NULL, *saved = NULL;
	uint8_t *fresh = NULL;
	struct mw_config cfg, old_cfg;
	unsigned live, nxt;
	size_t spilled[MW_PM_N] = { 0 };
	uint32_t i, maxid = 0;
	size_t j;
	int rc, map;
	static const char *const map_what[MW_PM_N] = {
		"MAC", "vendor prefix", "IPv4 address", "IPv6 address", "IPv4 prefix",
		"IPv6 prefix", "IMEI", "IPv4 allow-list", "IPv6 allow-list", "learned name",
	};

	memset(res, 0, sizeof(*res));
	live = m->ctlm->gen & 1;
	nxt = live ^ 1;

	/* capacity, before anything is written */
	for (map = 0; map < MW_PM_N; map++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		__u32 cap;

		if (bpf_obj_get_info_by_fd(mw_apply_map_fd(m, map), &info, &len))
			return -errno;
		/* MACs and IPv4 addresses live in tables (half full at most); hashes take spills */
		cap = map == MW_PM_MAC || map == MW_PM_IP4 ? m->max_subjects : info.max_entries / 2;
		if (plan->count[map] > cap) {
			SETERR("the policy has %zu %s entries; the loaded maps hold %u per "
			       "generation (--max-devices)", plan->count[map], map_what[map], cap);
			return -ENOSPC;
		}
	}

	tab = calloc(m->max_subjects, sizeof(*tab));
	saved = calloc(m->max_subjects, sizeof(*saved));
	fresh = calloc(m->max_subjects, 1);
	if (!tab || !saved || !fresh) {
		rc = -ENOMEM;
		goto out;
	}
	rc = mw_read_subjects(m, tab);
	if (rc) {
		SETERR("reading %s: %s", MW_MAP_SUBJECTS, strerror(-rc));
		goto out;
	}
	memcpy(saved, tab, m->max_subjects * sizeof(*tab));
	/*
	 * Leftovers of an apply that did not finish: subjects written for the
	 * inactive generation that never went live are not live; ones left
	 * only in it by a cleanup that could not run are gone. Both are freed
	 * (their counters zeroed) before ids are assigned.
	 */
	for (i = 1; i < m->max_subjects; i++) {
		struct mw_subject_info *t = &tab[i];

		if (t->kind == MW_KIND_FREE || !(t->gens & (1u << nxt)))
			continue;
		t->gens &= (uint8_t)~(1u << nxt);
		if (!t->gens) {
			memset(t, 0, sizeof(*t));
			mw_zero_subject(m, i);
		}
		put_subject(m, i, t);
		memcpy(&saved[i], t, sizeof(*t));
	}
	rc = assign_ids(m, plan, tab, fresh, &res->kept, err, errlen);
	if (rc)
		goto out;
	if (bpf_map_lookup_elem(m->config, &nxt, &old_cfg)) {
		rc = -errno;
		SETERR("reading %s: %s", MW_MAP_CONFIG, strerror(-rc));
		goto out;
	}

	/* leftovers of an interrupted apply */
	tabs_clear(m, nxt);
	rc = mw_apply_purge_all(m, nxt);
	if (rc) {
		SETERR("clearing generation %u: %s", nxt, strerror(-rc));
		goto out;
	}

	/* fill the inactive generation */
	for (i = 0; i < plan->npcfg; i++) {
		__u32 k = nxt * MW_MAX_POLICIES + i;

		if (bpf_map_update_elem(m->policies, &k, &plan->pcfg[i], BPF_ANY)) {
			rc = -errno;
			SETERR("writing %s: %s", MW_MAP_POLICIES, strerror(-rc));
			goto rollback;
		}
	}
	for (j = 0; j < plan->ne; j++) {
		const struct mw_plan_entry *e = &plan->e[j];
		struct mw_subject v = { 0 };
		unsigned char key[32];
		const void *val = &v;
		struct mw_slot *tab;
		unsigned bits;

		if (e->map == MW_PM_ALLOW4 || e->map == MW_PM_ALLOW6 || e->map == MW_PM_NAME) {
			val = &plan->avals[e->subj];
		} else if (e->subj != MW_PLAN_CONTAINER) {
			v.id = plan->subj[e->subj].id;
			v.action = plan->subj[e->subj].action;
			v.policy = plan->subj[e->subj].policy;
			v.flags = plan->subj[e->subj].flags;
		}
		v.flags |= e->flags;
		tab = plan_tab(m, e->map, &bits);
		if (tab) {
			if (!tab_insert(tab_half(tab, bits, nxt), bits, tab_key(e), &v))
				continue;
			spilled[e->map]++;	/* window full: into the hash map */
		}
		mw_apply_make_key(m, e->map, nxt, e, key);
		if (bpf_map_update_elem(mw_apply_map_fd(m, e->map), key, val, BPF_NOEXIST)) {
			rc = -errno;
			SETERR("writing a %s entry: %s", map_what[e->map], strerror(-rc));
			goto rollback;
		}
	}
	for (i = 0; i < plan->nsubj; i++) {
		const struct mw_plan_subj *s = &plan->subj[i];
		struct mw_subject_info *t = &tab[s->id];

		if (fresh[s->id])
			memset(t, 0, sizeof(*t));
		memcpy(t->name, s->name, MW_NAME_LEN);
		t->kind = s->kind;
		t->gens |= (uint8_t)(1u << nxt);
		t->action[nxt] = s->action;
		t->policy[nxt] = s->policy;
		rc = put_subject(m, s->id, t);
		if (rc) {
			SETERR("writing %s: %s", MW_MAP_SUBJECTS, strerror(-rc));
			goto rollback;
		}
		if (s->id > maxid)
			maxid = s->id;
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.default_action = plan->default_action;
	memset(cfg.if_default, MW_ACT_INHERIT, sizeof(cfg.if_default));
	cfg.nsubjects = maxid + 1;
	cfg.mac_bits = (__u8)m->mac_bits;
	cfg.oui_bits = (__u8)m->oui_bits;
	if (plan->count[MW_PM_IP4])
		cfg.ip4_bits = (__u8)m->ip4_bits;
	if (plan->count[MW_PM_MAC])
		cfg.lookups |= MW_LK_MACTAB;
	if (plan->count[MW_PM_OUI])
		cfg.lookups |= MW_LK_OUITAB;
	if (spilled[MW_PM_MAC])
		cfg.lookups |= MW_LK_MAC;
	if (spilled[MW_PM_OUI])
		cfg.lookups |= MW_LK_OUI;
	if (spilled[MW_PM_IP4])
		cfg.lookups |= MW_LK_IP4;
	if (plan->count[MW_PM_IP6])
		cfg.lookups |= MW_LK_IP6;
	if (plan->count[MW_PM_LPM4])
		cfg.lookups |= MW_LK_LPM4;
	if (plan->count[MW_PM_LPM6])
		cfg.lookups |= MW_LK_LPM6;
	for (i = 0; i < (uint32_t)plan->nifd; i++) {
		__u32 k;
		int found = 0;

		for (k = 0; k < MW_MAX_IFACES; k++) {
			struct mw_iface ifv;

			if (bpf_map_lookup_elem(m->ifaces, &k, &ifv) || !ifv.ifindex ||
			    strcmp(ifv.name, plan->ifd[i].ifname))
				continue;
			cfg.if_default[k] = plan->ifd[i].action;
			found = 1;
		}
		if (!found) {
			res->unloaded_ifaces = realloc(res->unloaded_ifaces,
						       sizeof(char *) * (size_t)(res->nunloaded + 1));
			if (res->unloaded_ifaces)
				res->unloaded_ifaces[res->nunloaded++] = strdup(plan->ifd[i].ifname);
		}
	}
	rc = mw_namerules_write(m, nxt, plan->nrules, plan->nnrules);
	if (rc) {
		SETERR("writing %s: %s", MW_MAP_NAMERULES, strerror(-rc));
		goto rollback;
	}
	if (bpf_map_update_elem(m->config, &nxt, &cfg, BPF_ANY)) {
		rc = -errno;
		SETERR("writing %s: %s", MW_MAP_CONFIG, strerror(-rc));
		goto rollback;
	}
	/* new ids start from zero: counters are zeroed when an id is freed */
	rc = reset_buckets(m, plan, saved, fresh, live);
	if (rc) {
		SETERR("resetting rate-limit buckets: %s", strerror(-rc));
		goto rollback;
	}

	/* the flip: one aligned store */
	m->ctlm->seq++;
	m->ctlm->applied_ns = now_ns();
	__atomic_store_n(&m->ctlm->gen, nxt, __ATOMIC_SEQ_CST);
	__atomic_store_n(&m->ctlm->applied, 1, __ATOMIC_SEQ_CST);
	res->gen = nxt;
	res->seq = m->ctlm->seq;
	res->entries = plan->ne;

	/* no frame still sees the old generation after this */
	rc = mw_sync_rcu(m);
	if (rc) {
		/* without a grace period, keep the old generation: the next apply clears it */
		fprintf(stderr, "modwall: warning: waiting for running programs: %s; old "
			"entries are left for the next apply\n", strerror(-rc));
		rc = 0;
		goto out;
	}
	mw_apply_purge_all(m, live);
	mw_namerules_write(m, live, NULL, 0);
	tabs_clear(m, live);
	for (i = 1; i < m->max_subjects; i++) {
		struct mw_subject_info *t = &tab[i];

		if (t->kind == MW_KIND_FREE || !(t->gens & (1u << live)))
			continue;
		t->gens &= (uint8_t)~(1u << live);
		if (!t->gens) {
			memset(t, 0, sizeof(*t));
			mw_zero_subject(m, i);	/* nothing counts under it any more */
			res->removed++;
		}
		put_subject(m, i, t);
	}
	res->added = plan->nsubj - res->kept;
	/* the flows of subjects that are gone go with them (ids are reused) */
	if (res->removed)
		mw_flows_forget(m, tab, m->max_subjects);
	rc = 0;
	goto out;

rollback:
	bpf_map_update_elem(m->config, &nxt, &old_cfg, BPF_ANY);
	mw_apply_purge_all(m, nxt);
	mw_namerules_write(m, nxt, NULL, 0);
	tabs_clear(m, nxt);
	for (i = 0; i < m->max_subjects; i++)
		if (memcmp(&tab[i], &saved[i], sizeof(*tab)))
			put_subject(m, i, &saved[i]);
out:
	free(tab);
	free(saved);
	free(fresh);
	return rc;
}

void mw_apply_result_free(struct mw_apply_result *res)
{
	int i;

	for (i = 0; i < res->nunloaded; i++)
		free(res->unloaded_ifaces[i]);
	free(res->unloaded_ifaces);
	memset(res, 0, sizeof(*res));
}
