// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The name cache (see namecache.h). Entries live in arrays allocated once
 * and are linked by index: every hash bucket and every list is a doubly
 * linked chain through a struct link inside the entries, so taking an
 * entry out is O(1). Leave times are a binary min-heap of pair indices.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "namecache.h"
#include "namecache_int.h"

/* ---- index-linked lists ---- */

static struct link *L(struct chain ch, uint32_t i)
{
	return (struct link *)((char *)ch.base + (size_t)i * ch.stride + ch.off);
}

void nc_push_head(struct chain ch, struct list *l, uint32_t i)
{
	struct link *k = L(ch, i);

	k->prev = NIL;
	k->next = l->head;
	if (l->head != NIL)
		L(ch, l->head)->prev = i;
	else
		l->tail = i;
	l->head = i;
}

void nc_unlink(struct chain ch, struct list *l, uint32_t i)
{
	struct link *k = L(ch, i);

	if (k->prev != NIL)
		L(ch, k->prev)->next = k->next;
	else
		l->head = k->next;
	if (k->next != NIL)
		L(ch, k->next)->prev = k->prev;
	else
		l->tail = k->prev;
	k->prev = k->next = NIL;
}

void nc_to_head(struct chain ch, struct list *l, uint32_t i)
{
	if (l->head == i)
		return;
	nc_unlink(ch, l, i);
	nc_push_head(ch, l, i);
}

static void list_init(struct list *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		l[i].head = l[i].tail = NIL;
}

/* ---- hashing (seeded: names come from the network) ---- */

uint64_t nc_mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 31);
}

uint64_t nc_hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t v;

	for (; n >= 8; n -= 8, b += 8) {
		memcpy(&v, b, 8);
		h = nc_mix(h, v);
	}
	v = 0;
	memcpy(&v, b, n);
	return nc_mix(nc_mix(h, v), n);
}

static uint64_t addr_hash(const struct mw_namecache *c, int family, const uint8_t *addr)
{
	return nc_hash_bytes(nc_mix(c->seed, 0xad00 + family), addr, family == AF_INET ? 4 : 16);
}

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n && p < (1u << 31))
		p <<= 1;
	return p;
}

/* ---- names ---- */

uint32_t nc_name_find(const struct mw_namecache *c, const char *s, size_t len, uint64_t h)
{
	uint32_t i;

	for (i = c->name_b[h & c->name_mask].head; i != NIL; i = c->names[i].bucket.next)
		if (c->names[i].hash == h && c->names[i].len == len && !memcmp(c->names[i].s, s, len))
			return i;
	return NIL;
}

/* @s normalised; a new reference to it, or NIL when out of memory */
uint32_t nc_name_get(struct mw_namecache *c, const char *s)
{
	size_t len = strlen(s);
	uint64_t h = nc_hash_bytes(c->seed, s, len);
	uint32_t i = nc_name_find(c, s, len, h);
	struct name_e *e;

	if (i != NIL) {
		c->names[i].refs++;
		return i;
	}
	/* the table holds max_pairs + max_asked: one per reference at most */
	i = c->names_free;
	if (i == NIL)
		return NIL;
	e = &c->names[i];
	e->s = malloc(len + 1);
	if (!e->s)
		return NIL;
	c->names_free = e->bucket.next;
	memcpy(e->s, s, len + 1);
	e->len = len;
	e->hash = h;
	e->refs = 1;
	e->pairs.head = e->pairs.tail = NIL;
	nc_push_head(CHAIN(c->names, bucket), &c->name_b[h & c->name_mask], i);
	c->st.names++;
	return i;
}

void nc_name_put(struct mw_namecache *c, uint32_t i)
{
	struct name_e *e = &c->names[i];

	if (--e->refs)
		return;
	nc_unlink(CHAIN(c->names, bucket), &c->name_b[e->hash & c->name_mask], i);
	free(e->s);
	e->s = NULL;
	e->bucket.next = c->names_free;
	c->names_free = i;
	c->st.names--;
}

/* ---- the heap of leave times ---- */

static int heap_less(const struct mw_namecache *c, uint32_t a, uint32_t b)
{
	return c->pairs[c->heap[a]].leaves < c->pairs[c->heap[b]].leaves;
}

static void heap_swap(struct mw_namecache *c, uint32_t a, uint32_t b)
{
	uint32_t t = c->heap[a];

	c->heap[a] = c->heap[b];
	c->heap[b] = t;
	c->pairs[c->heap[a]].heap = a;
	c->pairs[c->heap[b]].heap = b;
}

static void heap_up(struct mw_namecache *c, uint32_t i)
{
	while (i && heap_less(c, i, (i - 1) / 2)) {
		heap_swap(c, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct mw_namecache *c, uint32_t i)
{
	uint32_t n = c->st.pairs;

	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < n && heap_less(c, l, m))
			m = l;
		if (r < n && heap_less(c, r, m))
			m = r;
		if (m == i)
			return;
		heap_swap(c, i, m);
		i = m;
	}
}

/* ---- pairs ---- */

static uint64_t pair_hash(const struct mw_namecache *c, uint32_t name, int family,
			  const uint8_t *addr)
{
	return nc_mix(addr_hash(c, family, addr), name);
}

static uint32_t pair_find(const struct mw_namecache *c, uint32_t name, int family,
			  const uint8_t *addr)
{
	size_t alen = family == AF_INET ? 4 : 16;
	uint64_t h = pair_hash(c, name, family, addr);
	uint32_t i;

	for (i = c->pair_b[h & c->pair_mask].head; i != NIL; i = c->pairs[i].bucket.next) {
		const struct pair_e *p = &c->pairs[i];

		if (p->name == name && p->family == family && !memcmp(p->addr, addr, alen))
			return i;
	}
	return NIL;
}

static void emit(mw_nc_cb cb, void *ctx, int kind, const struct mw_namecache *c,
		 const struct pair_e *p)
{
	struct mw_nc_event ev = {
		.kind = kind,
		.name = c->names[p->name].s,
		.family = p->family,
		.addr = p->addr,
		.expires = p->expires,
		.leaves = p->leaves,
	};

	if (cb)
		cb(ctx, &ev);
}

static void pair_remove(struct mw_namecache *c, uint32_t i, int kind, mw_nc_cb cb, void *ctx)
{
	struct pair_e *p = &c->pairs[i];
	uint32_t pos = p->heap, last = c->st.pairs - 1;

	emit(cb, ctx, kind, c, p);
	nc_unlink(CHAIN(c->pairs, bucket),
		&c->pair_b[pair_hash(c, p->name, p->family, p->addr) & c->pair_mask], i);
	nc_unlink(CHAIN(c->pairs, by_addr),
		&c->addr_b[addr_hash(c, p->family, p->addr) & c->pair_mask], i);
	nc_unlink(CHAIN(c->pairs, by_name), &c->names[p->name].pairs, i);
	if (pos != last) {
		heap_swap(c, pos, last);
		c->st.pairs--;
		heap_down(c, pos);
		heap_up(c, pos);
	} else {
		c->st.pairs--;
	}
	nc_name_put(c, p->name);
	p->name = NIL;
	p->bucket.next = c->pairs_free;
	c->pairs_free = i;
}

size_t mw_namecache_expire(struct mw_namecache *c, uint64_t now, mw_nc_cb cb, void *ctx)
{
	size_t n = 0;

	while (c->st.pairs && c->pairs[c->heap[0]].leaves <= now) {
		pair_remove(c, c->heap[0], MW_NC_EXPIRED, cb, ctx);
		c->st.expired++;
		n++;
	}
	return n;
}

static uint32_t clamp_ttl(const struct mw_namecache *c, uint32_t ttl)
{
	if (ttl < c->cfg.min_ttl)
		ttl = c->cfg.min_ttl;
	if (c->cfg.max_ttl && ttl > c->cfg.max_ttl)
		ttl = c->cfg.max_ttl;
	return ttl;
}

/* @name normalised */
static int add_pair(struct mw_namecache *c, const char *name, int family, const uint8_t *addr,
		    uint32_t ttl, uint64_t now, mw_nc_cb cb, void *ctx)
{
	uint64_t expires = now + clamp_ttl(c, ttl), leaves = expires + c->cfg.grace;
	size_t len = strlen(name);
	uint32_t ni = nc_name_find(c, name, len, nc_hash_bytes(c->seed, name, len));
	uint32_t i = ni == NIL ? NIL : pair_find(c, ni, family, addr);
	struct pair_e *p;

	if (leaves <= now)
		return 0;
	if (i != NIL && c->pairs[i].leaves <= now) {
		/* left, but not yet taken out: out first, then in again */
		pair_remove(c, i, MW_NC_EXPIRED, cb, ctx);
		c->st.expired++;
		i = NIL;
	}
	if (i != NIL) {
		p = &c->pairs[i];
		if (expires > p->expires) {
			p->expires = expires;
			p->leaves = leaves;
			heap_down(c, p->heap);
		}
		p->seen = now;
		nc_to_head(CHAIN(c->pairs, by_name), &c->names[ni].pairs, i);
		nc_to_head(CHAIN(c->pairs, by_addr),
			&c->addr_b[addr_hash(c, family, addr) & c->pair_mask], i);
		c->st.refreshed++;
		return 0;
	}
	if (c->st.pairs == c->cfg.max_pairs) {
		pair_remove(c, c->heap[0], MW_NC_EVICTED, cb, ctx);
		c->st.evicted++;
	}
	ni = nc_name_get(c, name);
	if (ni == NIL)
		return -ENOMEM;
	i = c->pairs_free;
	p = &c->pairs[i];
	c->pairs_free = p->bucket.next;
	memset(p, 0, sizeof(*p));
	p->name = ni;
	p->family = family;
	memcpy(p->addr, addr, family == AF_INET ? 4 : 16);
	p->expires = expires;
	p->leaves = leaves;
	p->seen = now;
	nc_push_head(CHAIN(c->pairs, bucket),
		  &c->pair_b[pair_hash(c, ni, family, addr) & c->pair_mask], i);
	nc_push_head(CHAIN(c->pairs, by_addr), &c->addr_b[addr_hash(c, family, addr) & c->pair_mask], i);
	nc_push_head(CHAIN(c->pairs, by_name), &c->names[ni].pairs, i);
	p->heap = c->st.pairs;
	c->heap[c->st.pairs++] = i;
	heap_up(c, p->heap);
	c->st.added++;
	emit(cb, ctx, MW_NC_ADDED, c, p);
	return 1;
}

int mw_namecache_add(struct mw_namecache *c, const char *name, int family, const uint8_t *addr,
		     uint32_t ttl, uint64_t now, mw_nc_cb cb, void *ctx)
{
	char n[MW_DNS_NAME_MAX + 1];

	if ((family != AF_INET && family != AF_INET6) || mw_name_norm(name, n))
		return -EINVAL;
	return add_pair(c, n, family, addr, ttl, now, cb, ctx);
}

/* The name at chain position @j of @m (0: the question name) */
static const char *chain_name(const struct mw_dns_msg *m, unsigned int j)
{
	return j == 0 ? m->qname : m->cnames[j - 1].target;
}

int mw_namecache_insert(struct mw_namecache *c, const struct mw_dns_msg *m, uint32_t device,
			uint64_t now, mw_nc_cb cb, void *ctx)
{
	uint32_t k;
	int added = 0, ret;

	mw_namecache_expire(c, now, cb, ctx);
	if (device != MW_NC_NO_DEVICE && m->qname[0]) {
		ret = mw_namecache_asked(c, device, m->qname, now);
		if (ret < 0)
			return ret;
	}
	if (!m->response)
		return 0;
	if (m->rcode != 0) {
		c->st.skipped++;
		return 0;
	}
	for (k = 0; k < m->n_addrs && k < MW_DNS_MAX_ADDRS; k++) {
		const struct mw_dns_addr *a = &m->addrs[k];
		uint32_t ttl = a->rr_ttl;
		int j;

		if (a->hop > m->n_cnames || (a->family != AF_INET && a->family != AF_INET6))
			continue;
		/* the deepest name first: the question name ends up most recent */
		for (j = a->hop; j >= 0; j--) {
			char n[MW_DNS_NAME_MAX + 1];

			if (j < a->hop && m->cnames[j].ttl < ttl)
				ttl = m->cnames[j].ttl;
			if (mw_name_norm(chain_name(m, j), n))
				continue;
			ret = add_pair(c, n, a->family, a->addr, ttl, now, cb, ctx);
			if (ret < 0)
				return ret;
			added += ret;
		}
	}
	return added;
}

static void fill_addr(struct mw_nc_addr *o, const struct pair_e *p)
{
	memset(o, 0, sizeof(*o));
	o->family = p->family;
	memcpy(o->addr, p->addr, sizeof(o->addr));
	o->expires = p->expires;
	o->leaves = p->leaves;
	o->seen = p->seen;
}

int mw_namecache_lookup(const struct mw_namecache *c, const char *name, uint64_t now,
			struct mw_nc_addr *out, size_t max)
{
	char n[MW_DNS_NAME_MAX + 1];
	size_t len, cnt = 0;
	uint32_t ni, i;

	if (mw_name_norm(name, n))
		return -EINVAL;
	len = strlen(n);
	ni = nc_name_find(c, n, len, nc_hash_bytes(c->seed, n, len));
	if (ni == NIL)
		return 0;
	for (i = c->names[ni].pairs.head; i != NIL; i = c->pairs[i].by_name.next) {
		if (c->pairs[i].leaves <= now)
			continue;
		if (cnt < max)
			fill_addr(&out[cnt], &c->pairs[i]);
		cnt++;
	}
	return cnt;
}

int mw_namecache_rlookup(const struct mw_namecache *c, int family, const uint8_t *addr,
			 uint64_t now, struct mw_nc_name *out, size_t max)
{
	size_t alen = family == AF_INET ? 4 : 16, cnt = 0;
	uint32_t i;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	for (i = c->addr_b[addr_hash(c, family, addr) & c->pair_mask].head; i != NIL;
	     i = c->pairs[i].by_addr.next) {
		const struct pair_e *p = &c->pairs[i];

		if (p->family != family || memcmp(p->addr, addr, alen) || p->leaves <= now)
			continue;
		if (cnt < max) {
			strcpy(out[cnt].name, c->names[p->name].s);
			out[cnt].expires = p->expires;
			out[cnt].leaves = p->leaves;
			out[cnt].seen = p->seen;
		}
		cnt++;
	}
	return cnt;
}

static int match_name(const struct mw_namecache *c, uint32_t ni, uint64_t now, mw_nc_cb cb,
		      void *ctx)
{
	int n = 0;
	uint32_t i;

	for (i = c->names[ni].pairs.head; i != NIL; i = c->pairs[i].by_name.next) {
		if (c->pairs[i].leaves <= now)
			continue;
		emit(cb, ctx, MW_NC_PRESENT, c, &c->pairs[i]);
		n++;
	}
	return n;
}

int mw_namecache_match(const struct mw_namecache *c, const char *pattern, uint64_t now,
		       mw_nc_cb cb, void *ctx)
{
	char n[MW_DNS_NAME_MAX + 1];
	uint32_t ni;
	size_t len;
	int cnt = 0;

	if (!mw_name_pattern_valid(pattern))
		return -EINVAL;
	if (pattern[0] != '*') {
		mw_name_norm(pattern, n);
		len = strlen(n);
		ni = nc_name_find(c, n, len, nc_hash_bytes(c->seed, n, len));
		return ni == NIL ? 0 : match_name(c, ni, now, cb, ctx);
	}
	for (ni = 0; ni < c->names_cap; ni++)
		if (c->names[ni].s && c->names[ni].pairs.head != NIL &&
		    mw_name_match(pattern, c->names[ni].s))
			cnt += match_name(c, ni, now, cb, ctx);
	return cnt;
}

void mw_namecache_stats(const struct mw_namecache *c, struct mw_nc_stats *s)
{
	*s = c->st;
}

/* ---- life cycle ---- */

static uint64_t random_seed(void)
{
	uint64_t s = 0;
	struct timespec ts;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == sizeof(s) && s)
		return s;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return nc_mix((uint64_t)ts.tv_nsec, (uintptr_t)&s) | 1;
}

struct mw_namecache *mw_namecache_new(const struct mw_nc_cfg *cfg)
{
	struct mw_namecache *c;
	uint32_t i, nb, ab;

	if (!cfg->max_pairs || !cfg->max_asked || !cfg->max_asked_per_device ||
	    cfg->max_pairs > (1u << 30) || cfg->max_asked > (1u << 30)) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = *cfg;
	c->seed = cfg->seed ? cfg->seed : random_seed();
	c->names_cap = cfg->max_pairs + cfg->max_asked;
	nb = pow2_at_least(c->names_cap);
	c->name_mask = nb - 1;
	c->pair_mask = pow2_at_least(cfg->max_pairs) - 1;
	ab = pow2_at_least(cfg->max_asked);
	c->asked_mask = ab - 1;

	c->names = calloc(c->names_cap, sizeof(*c->names));
	c->name_b = calloc(nb, sizeof(*c->name_b));
	c->pairs = calloc(cfg->max_pairs, sizeof(*c->pairs));
	c->heap = calloc(cfg->max_pairs, sizeof(*c->heap));
	c->pair_b = calloc(c->pair_mask + 1, sizeof(*c->pair_b));
	c->addr_b = calloc(c->pair_mask + 1, sizeof(*c->addr_b));
	c->devs = calloc(cfg->max_asked, sizeof(*c->devs));
	c->asked = calloc(cfg->max_asked, sizeof(*c->asked));
	c->dev_b = calloc(ab, sizeof(*c->dev_b));
	c->asked_b = calloc(ab, sizeof(*c->asked_b));
	if (!c->names || !c->name_b || !c->pairs || !c->heap || !c->pair_b || !c->addr_b ||
	    !c->devs || !c->asked || !c->dev_b || !c->asked_b) {
		mw_namecache_free(c);
		errno = ENOMEM;
		return NULL;
	}
	list_init(c->name_b, nb);
	list_init(c->pair_b, c->pair_mask + 1);
	list_init(c->addr_b, c->pair_mask + 1);
	list_init(c->dev_b, ab);
	list_init(c->asked_b, ab);
	list_init(&c->lru, 1);
	for (i = 0; i < c->names_cap; i++)
		c->names[i].bucket.next = i + 1 < c->names_cap ? i + 1 : NIL;
	for (i = 0; i < cfg->max_pairs; i++) {
		c->pairs[i].name = NIL;
		c->pairs[i].bucket.next = i + 1 < cfg->max_pairs ? i + 1 : NIL;
	}
	for (i = 0; i < cfg->max_asked; i++) {
		c->asked[i].dev = NIL;
		c->asked[i].bucket.next = i + 1 < cfg->max_asked ? i + 1 : NIL;
		c->devs[i].bucket.next = i + 1 < cfg->max_asked ? i + 1 : NIL;
	}
	return c;
}

void mw_namecache_free(struct mw_namecache *c)
{
	uint32_t i;

	if (!c)
		return;
	if (c->names)
		for (i = 0; i < c->names_cap; i++)
			free(c->names[i].s);
	free(c->names);
	free(c->name_b);
	free(c->pairs);
	free(c->heap);
	free(c->pair_b);
	free(c->addr_b);
	free(c->devs);
	free(c->asked);
	free(c->dev_b);
	free(c->asked_b);
	free(c);
}
