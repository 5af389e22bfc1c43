// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The name cache: what each device asked for, bounded per device and in total. */
#include <errno.h>
#include <string.h>
#include "namecache_int.h"

static uint32_t dev_find(const struct mw_namecache *c, uint32_t id)
{
	uint32_t i;

	for (i = c->dev_b[nc_mix(c->seed, id) & c->asked_mask].head; i != NIL;
	     i = c->devs[i].bucket.next)
		if (c->devs[i].id == id)
			return i;
	return NIL;
}

static uint64_t asked_hash(const struct mw_namecache *c, uint32_t dev_id, uint32_t name)
{
	return nc_mix(nc_mix(c->seed ^ 0xa5, dev_id), name);
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

	nc_unlink(CHAIN(c->asked, bucket),
		&c->asked_b[asked_hash(c, d->id, a->name) & c->asked_mask], i);
	nc_unlink(CHAIN(c->asked, in_dev), &d->names, i);
	nc_unlink(CHAIN(c->asked, lru), &c->lru, i);
	nc_name_put(c, a->name);
	c->st.asked--;
	if (--d->n == 0) {
		nc_unlink(CHAIN(c->devs, bucket), &c->dev_b[nc_mix(c->seed, d->id) & c->asked_mask],
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
	ni = nc_name_find(c, n, len, nc_hash_bytes(c->seed, n, len));
	i = d == NIL || ni == NIL ? NIL : asked_find(c, d, ni);
	if (i != NIL) {
		a = &c->asked[i];
		a->last = now;
		a->count++;
		nc_to_head(CHAIN(c->asked, in_dev), &c->devs[d].names, i);
		nc_to_head(CHAIN(c->asked, lru), &c->lru, i);
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
	ni = nc_name_get(c, n);
	if (ni == NIL)
		return -ENOMEM;
	if (d == NIL) {
		/* devices <= records < max_asked here: a slot is free */
		d = c->devs_free;
		c->devs_free = c->devs[d].bucket.next;
		c->devs[d].id = device;
		c->devs[d].n = 0;
		c->devs[d].names.head = c->devs[d].names.tail = NIL;
		nc_push_head(CHAIN(c->devs, bucket), &c->dev_b[nc_mix(c->seed, device) & c->asked_mask], d);
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
	nc_push_head(CHAIN(c->asked, bucket), &c->asked_b[asked_hash(c, device, ni) & c->asked_mask], i);
	nc_push_head(CHAIN(c->asked, in_dev), &c->devs[d].names, i);
	nc_push_head(CHAIN(c->asked, lru), &c->lru, i);
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
