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

#define NIL	UINT32_MAX

struct link {
	uint32_t prev, next;
};

struct list {
	uint32_t head, tail;
};

struct name_e {
	char *s;		/* NULL: free slot */
	uint32_t len;
	uint32_t refs;		/* pairs and asked records naming it */
	uint64_t hash;
	struct link bucket;	/* free slots: the free list through .next */
	struct list pairs;	/* its pairs, most recently answered first */
};

struct pair_e {
	uint32_t name;		/* NIL: free slot */
	uint32_t heap;		/* position in c->heap */
	uint8_t family;
	uint8_t addr[16];
	uint64_t expires, leaves, seen;
	struct link bucket;	/* by (name, address) */
	struct link by_addr;	/* by address, most recently answered first */
	struct link by_name;	/* in its name's list */
};

struct dev_e {
	uint32_t id;
	uint32_t n;		/* 0: free slot */
	struct link bucket;
	struct list names;	/* asked records, most recent first */
};

struct asked_e {
	uint32_t dev;		/* NIL: free slot */
	uint32_t name;
	uint32_t count;
	uint64_t first, last;
	struct link bucket;	/* by (device, name) */
	struct link in_dev;
	struct link lru;	/* all records, most recent first */
};

struct mw_namecache {
	struct mw_nc_cfg cfg;
	uint64_t seed;
	struct mw_nc_stats st;

	struct name_e *names;
	uint32_t names_cap, names_free;
	struct list *name_b;
	uint32_t name_mask;

	struct pair_e *pairs;
	uint32_t pairs_free;
	uint32_t *heap;
	struct list *pair_b, *addr_b;
	uint32_t pair_mask;

	struct dev_e *devs;
	uint32_t devs_free;
	struct asked_e *asked;
	uint32_t asked_free;
	struct list *dev_b, *asked_b;
	uint32_t asked_mask;
	struct list lru;
};

/* ---- index-linked lists ---- */

/* Where the struct link of entry i sits: entries of @stride bytes, link at @off. */
struct chain {
	void *base;
	size_t stride, off;
};

#define CHAIN(arr, field) \
	((struct chain){ (arr), sizeof(*(arr)), offsetof(__typeof__(*(arr)), field) })

static struct link *L(struct chain ch, uint32_t i)
{
	return (struct link *)((char *)ch.base + (size_t)i * ch.stride + ch.off);
}

static void push_head(struct chain ch, struct list *l, uint32_t i)
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

static void unlink_(struct chain ch, struct list *l, uint32_t i)
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

static void to_head(struct chain ch, struct list *l, uint32_t i)
{
	if (l->head == i)
		return;
	unlink_(ch, l, i);
	push_head(ch, l, i);
}

static void list_init(struct list *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		l[i].head = l[i].tail = NIL;
}

/* ---- hashing (seeded: names come from the network) ---- */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 31);
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t v;

	for (; n >= 8; n -= 8, b += 8) {
		memcpy(&v, b, 8);
		h = mix(h, v);
	}
	v = 0;
	memcpy(&v, b, n);
	return mix(mix(h, v), n);
}

static uint64_t addr_hash(const struct mw_namecache *c, int family, const uint8_t *addr)
{
	return hash_bytes(mix(c->seed, 0xad00 + family), addr, family == AF_INET ? 4 : 16);
}

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n && p < (1u << 31))
		p <<= 1;
	return p;
}

/* ---- names ---- */

int mw_name_norm(const char *name, char out[MW_DNS_NAME_MAX + 1])
{
	size_t n = strlen(name), i;

	if (n && name[n - 1] == '.')
		n--;
	if (n == 0 || n > MW_DNS_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		if (ch == '.') {
			if (i == 0 || out[i - 1] == '.' || i == n - 1)
				return -EINVAL;
		} else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			     ch == '-' || ch == '_')) {
			return -EINVAL;
		}
		out[i] = ch;
	}
	out[n] = '\0';
	return 0;
}

int mw_name_pattern_valid(const char *p)
{
	char buf[MW_DNS_NAME_MAX + 1];

	if (p[0] == '*' && p[1] == '.')
		p += 2;
	return mw_name_norm(p, buf) == 0;
}

static size_t len_nodot(const char *s)
{
	size_t n = strlen(s);

	return n && s[n - 1] == '.' ? n - 1 : n;
}

int mw_name_match(const char *pattern, const char *name)
{
	size_t pl = len_nodot(pattern), nl = len_nodot(name);

	if (pl >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* the ".b.c" of "*.b.c" ends the name, with a label before it */
		const char *suffix = pattern + 1;
		size_t sl = pl - 1;

		return nl > sl && strncasecmp(name + nl - sl, suffix, sl) == 0;
	}
	return pl == nl && strncasecmp(pattern, name, pl) == 0;
}

static uint32_t name_find(const struct mw_namecache *c, const char *s, size_t len, uint64_t h)
{
	uint32_t i;

	for (i = c->name_b[h & c->name_mask].head; i != NIL; i = c->names[i].bucket.next)
		if (c->names[i].hash == h && c->names[i].len == len && !memcmp(c->names[i].s, s, len))
			return i;
	return NIL;
}

/* @s normalised; a new reference to it, or NIL when out of memory */
static uint32_t name_get(struct mw_namecache *c, const char *s)
{
	size_t len = strlen(s);
	uint64_t h = hash_bytes(c->seed, s, len);
	uint32_t i = name_find(c, s, len, h);
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
	push_head(CHAIN(c->names, bucket), &c->name_b[h & c->name_mask], i);
	c->st.names++;
	return i;
}

static void name_put(struct mw_namecache *c, uint32_t i)
{
	struct name_e *e = &c->names[i];

	if (--e->refs)
		return;
	unlink_(CHAIN(c->names, bucket), &c->name_b[e->hash & c->name_mask], i);
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
	return mix(addr_hash(c, family, addr), name);
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
	unlink_(CHAIN(c->pairs, bucket),
		&c->pair_b[pair_hash(c, p->name, p->family, p->addr) & c->pair_mask], i);
	unlink_(CHAIN(c->pairs, by_addr),
		&c->addr_b[addr_hash(c, p->family, p->addr) & c->pair_mask], i);
	unlink_(CHAIN(c->pairs, by_name), &c->names[p->name].pairs, i);
	if (pos != last) {
		heap_swap(c, pos, last);
		c->st.pairs--;
		heap_down(c, pos);
		heap_up(c, pos);
	} else {
		c->st.pairs--;
	}
	name_put(c, p->name);
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
	uint32_t ni = name_find(c, name, len, hash_bytes(c->seed, name, len));
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
		to_head(CHAIN(c->pairs, by_name), &c->names[ni].pairs, i);
		to_head(CHAIN(c->pairs, by_addr),
			&c->addr_b[addr_hash(c, family, addr) & c->pair_mask], i);
		c->st.refreshed++;
		return 0;
	}
	if (c->st.pairs == c->cfg.max_pairs) {
		pair_remove(c, c->heap[0], MW_NC_EVICTED, cb, ctx);
		c->st.evicted++;
	}
	ni = name_get(c, name);
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
	push_head(CHAIN(c->pairs, bucket),
		  &c->pair_b[pair_hash(c, ni, family, addr) & c->pair_mask], i);
	push_head(CHAIN(c->pairs, by_addr), &c->addr_b[addr_hash(c, family, addr) & c->pair_mask], i);
	push_head(CHAIN(c->pairs, by_name), &c->names[ni].pairs, i);
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
	ni = name_find(c, n, len, hash_bytes(c->seed, n, len));
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
		ni = name_find(c, n, len, hash_bytes(c->seed, n, len));
		return ni == NIL ? 0 : match_name(c, ni, now, cb, ctx);
	}
	for (ni = 0; ni < c->names_cap; ni++)
		if (c->names[ni].s && c->names[ni].pairs.head != NIL &&
		    mw_name_match(pattern, c->names[ni].s))
			cnt += match_name(c, ni, now, cb, ctx);
	return cnt;
}

/* ---- what devices asked for ---- */

static uint32_t dev_find(const struct mw_namecache *c, uint32_t id)
{
	uint32_t i;

	for (i = c->dev_b[mix(c->seed, id) & c->asked_mask].head; i != NIL;
	     i = c->devs[i].bucket.next)
		if (c->devs[i].id == id)
			return i;
	return NIL;
}

static uint64_t asked_hash(const struct mw_namecache *c, uint32_t dev_id, uint32_t name)
{
	return mix(mix(c->seed ^ 0xa5, dev_id), name);
}

static uint32_t asked_find(const struct mw_namecache *c, uint32_t dev, uint32_t name)
{
	uint32_t id = c->devs[dev].id, i;

	for (i = c->asked_b[asked_hash(c, id, name) & c->asked_mask].head; i != NIL;
	     i = c->asked[i].bucket.next)
		if (c->asked[i].dev == dev && c->asked[i].name == name)
			return i;
	return NIL;
}

static void asked_remove(struct mw_namecache *c, uint32_t i)
{
	struct asked_e *a = &c->asked[i];
	struct dev_e *d = &c->devs[a->dev];

	unlink_(CHAIN(c->asked, bucket),
		&c->asked_b[asked_hash(c, d->id, a->name) & c->asked_mask], i);
	unlink_(CHAIN(c->asked, in_dev), &d->names, i);
	unlink_(CHAIN(c->asked, lru), &c->lru, i);
	name_put(c, a->name);
	c->st.asked--;
	if (--d->n == 0) {
		unlink_(CHAIN(c->devs, bucket), &c->dev_b[mix(c->seed, d->id) & c->asked_mask],
			a->dev);
		d->bucket.next = c->devs_free;
		c->devs_free = a->dev;
		c->st.devices--;
	}
	a->dev = NIL;
	a->bucket.next = c->asked_free;
	c->asked_free = i;
}

int mw_namecache_asked(struct mw_namecache *c, uint32_t device, const char *name, uint64_t now)
{
	char n[MW_DNS_NAME_MAX + 1];
	uint32_t d, ni, i;
	size_t len;
	struct asked_e *a;

	if (mw_name_norm(name, n))
		return -EINVAL;
	len = strlen(n);
	d = dev_find(c, device);
	ni = name_find(c, n, len, hash_bytes(c->seed, n, len));
	i = d == NIL || ni == NIL ? NIL : asked_find(c, d, ni);
	if (i != NIL) {
		a = &c->asked[i];
		a->last = now;
		a->count++;
		to_head(CHAIN(c->asked, in_dev), &c->devs[d].names, i);
		to_head(CHAIN(c->asked, lru), &c->lru, i);
		return 0;
	}
	if (d != NIL && c->devs[d].n >= c->cfg.max_asked_per_device) {
		asked_remove(c, c->devs[d].names.tail);
		c->st.asked_evicted++;
	} else if (c->st.asked >= c->cfg.max_asked) {
		asked_remove(c, c->lru.tail);
		c->st.asked_evicted++;
	}
	d = dev_find(c, device);	/* it may have left with its last name */
	ni = name_get(c, n);
	if (ni == NIL)
		return -ENOMEM;
	if (d == NIL) {
		/* devices <= records < max_asked here: a slot is free */
		d = c->devs_free;
		c->devs_free = c->devs[d].bucket.next;
		c->devs[d].id = device;
		c->devs[d].n = 0;
		c->devs[d].names.head = c->devs[d].names.tail = NIL;
		push_head(CHAIN(c->devs, bucket), &c->dev_b[mix(c->seed, device) & c->asked_mask], d);
		c->st.devices++;
	}
	i = c->asked_free;
	a = &c->asked[i];
	c->asked_free = a->bucket.next;
	memset(a, 0, sizeof(*a));
	a->dev = d;
	a->name = ni;
	a->first = a->last = now;
	a->count = 1;
	push_head(CHAIN(c->asked, bucket), &c->asked_b[asked_hash(c, device, ni) & c->asked_mask], i);
	push_head(CHAIN(c->asked, in_dev), &c->devs[d].names, i);
	push_head(CHAIN(c->asked, lru), &c->lru, i);
	c->devs[d].n++;
	c->st.asked++;
	return 0;
}

size_t mw_namecache_device_names(const struct mw_namecache *c, uint32_t device,
				 struct mw_nc_asked *out, size_t max)
{
	uint32_t d = dev_find(c, device), i;
	size_t cnt = 0;

	if (d == NIL)
		return 0;
	for (i = c->devs[d].names.head; i != NIL; i = c->asked[i].in_dev.next) {
		const struct asked_e *a = &c->asked[i];

		if (cnt < max) {
			strcpy(out[cnt].name, c->names[a->name].s);
			out[cnt].first = a->first;
			out[cnt].last = a->last;
			out[cnt].count = a->count;
		}
		cnt++;
	}
	return cnt;
}

void mw_namecache_forget_device(struct mw_namecache *c, uint32_t device)
{
	uint32_t d = dev_find(c, device);

	/* the device's slot is freed with its last record */
	while (d != NIL && c->devs[d].n)
		asked_remove(c, c->devs[d].names.head);
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
	return mix((uint64_t)ts.tv_nsec, (uintptr_t)&s) | 1;
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
