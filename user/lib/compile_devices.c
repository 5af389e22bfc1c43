// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy compiler: devices. MACs, IMEIs (with their bound addresses) and
 * static addresses become identity entries; no MAC, IMEI or address may
 * belong to two devices.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "compile_int.h"

/* ---- device identities ---- */

struct id_item {
	uint64_t key;
	uint32_t dev;
	const struct mw_loc *loc;
	uint32_t order;
};

static int cmp_id(const void *a, const void *b)
{
	const struct id_item *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

struct ip_item {
	struct mw_prefix pfx;
	uint32_t subj;
	uint32_t dev;
	const struct mw_loc *loc;
	uint32_t order;
	uint64_t imei;		/* 0 for a static address */
};

static int cmp_ip(const void *a, const void *b)
{
	const struct ip_item *x = a, *y = b;
	int c;

	if (x->pfx.family != y->pfx.family)
		return x->pfx.family - y->pfx.family;
	c = memcmp(x->pfx.addr, y->pfx.addr, 16);
	if (c)
		return c;
	if (x->pfx.len != y->pfx.len)
		return x->pfx.len - y->pfx.len;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int is_device_imei(const struct id_item *imeis, size_t n, uint64_t imei)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (imeis[mid].key < imei)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && imeis[lo].key == imei;
}

static int cmp_bind_imei(const void *a, const void *b)
{
	const struct mw_binding *x = *(const struct mw_binding *const *)a;
	const struct mw_binding *y = *(const struct mw_binding *const *)b;

	return x->imei < y->imei ? -1 : x->imei > y->imei;
}

/* Last address of @p (network order bytes) into @out. */
static void prefix_last(const struct mw_prefix *p, uint8_t out[16])
{
	int max = p->family == AF_INET ? 32 : 128, i;

	memcpy(out, p->addr, 16);
	for (i = p->len; i < max; i++)
		out[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

/*
 * Where an address came from: "FILE:LINE:COL", or for a binding made at
 * run time (its location has no line; its file names the source)
 * "runtime binding IMEI ADDR (SOURCE)".
 */
static void origin(const struct ip_item *it, char *buf, size_t len)
{
	char a[64], im[16];

	if (it->loc->line) {
		snprintf(buf, len, "%s:%d:%d", it->loc->file, it->loc->line, it->loc->col);
		return;
	}
	mw_format_prefix(&it->pfx, a, sizeof(a));
	mw_format_imei(it->imei, im);
	snprintf(buf, len, "runtime binding %s %s (%s)", im, a, it->loc->file);
}

/* An error about @it, at its location, or led by its origin when it has none. */
static void __attribute__((format(printf, 3, 4)))
report(struct mw_policy *pol, const struct ip_item *it, const char *fmt, ...)
{
	char msg[512], o[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (it->loc->line) {
		mw_diag_add(&pol->errors, it->loc, "%s", msg);
		return;
	}
	origin(it, o, sizeof(o));
	mw_diag_add(&pol->errors, NULL, "%s: %s", o, msg);
}

void compile_devices(struct mw_plan *plan, struct mw_policy *pol,
		     const struct mw_bindings *binds)
{
	struct id_item *macs = NULL, *imeis = NULL;
	struct ip_item *ips = NULL;
	const struct mw_binding **bs = NULL;
	size_t nmac = 0, nimei = 0, nip = 0, cip = 0, i, j;
	uint32_t order = 0;
	int d, k;

	for (d = 0; d < pol->ndevs; d++) {
		nmac += 0;
		for (k = 0; k < pol->devs[d].nids; k++) {
			int t = pol->devs[d].ids[k].type;

			if (t == MW_IDENT_MAC)
				nmac++;
			else if (t == MW_IDENT_IMEI)
				nimei++;
			else
				cip++;
		}
	}
	macs = compile_xrealloc(NULL, (nmac + 1) * sizeof(*macs));
	imeis = compile_xrealloc(NULL, (nimei + 1) * sizeof(*imeis));
	cip += binds ? binds->n : 0;
	ips = compile_xrealloc(NULL, (cip + 1) * sizeof(*ips));
	nmac = nimei = 0;

	/* bindings sorted by IMEI, to find a device's addresses */
	if (binds && binds->n) {
		bs = compile_xrealloc(NULL, binds->n * sizeof(*bs));
		for (i = 0; i < binds->n; i++)
			bs[i] = &binds->v[i];
		qsort(bs, binds->n, sizeof(*bs), cmp_bind_imei);
	}

	for (d = 0; d < pol->ndevs; d++) {
		const struct mw_dev *dev = &pol->devs[d];
		int has_mac = 0, has_imei = 0, has_ip = 0;

		for (k = 0; k < dev->nids; k++) {
			const struct mw_ident *id = &dev->ids[k];

			if (id->type == MW_IDENT_MAC) {
				macs[nmac++] = (struct id_item){ id->mac, (uint32_t)d, &id->loc, order++ };
				has_mac = 1;
			} else if (id->type == MW_IDENT_IP) {
				ips[nip++] = (struct ip_item){ id->pfx, (uint32_t)d, (uint32_t)d,
							       &id->loc, order++, 0 };
				has_ip = 1;
			} else {
				size_t lo = 0, hi = binds ? binds->n : 0, nb = 0;

				imeis[nimei++] = (struct id_item){ id->imei, (uint32_t)d, &id->loc,
								   order++ };
				has_imei = 1;
				while (lo < hi) {
					size_t mid = (lo + hi) / 2;

					if (bs[mid]->imei < id->imei)
						lo = mid + 1;
					else
						hi = mid;
				}
				for (; binds && lo < binds->n && bs[lo]->imei == id->imei; lo++, nb++)
					ips[nip++] = (struct ip_item){ bs[lo]->pfx, (uint32_t)d,
								       (uint32_t)d, &bs[lo]->loc,
								       order++, id->imei };
				if (!nb)
					plan->nunbound++;
			}
		}
		plan->ndev_mac += has_mac;
		plan->ndev_imei += has_imei;
		plan->ndev_ip += has_ip;
	}

	/* one device per MAC, per IMEI */
	qsort(macs, nmac, sizeof(*macs), cmp_id);
	for (i = 1; i < nmac; i++)
		if (macs[i].key == macs[i - 1].key) {
			char s[18];

			for (j = i - 1; j > 0 && macs[j - 1].key == macs[i].key; j--)
				;
			mw_format_mac(macs[i].key, s);
			mw_diag_add(&pol->errors, macs[i].loc, "MAC %s already belongs to device "
				    "'%s' (%s:%d:%d)", s, pol->devs[macs[j].dev].name,
				    macs[j].loc->file, macs[j].loc->line, macs[j].loc->col);
		}
	qsort(imeis, nimei, sizeof(*imeis), cmp_id);
	for (i = 1; i < nimei; i++)
		if (imeis[i].key == imeis[i - 1].key) {
			char s[16];

			for (j = i - 1; j > 0 && imeis[j - 1].key == imeis[i].key; j--)
				;
			mw_format_imei(imeis[i].key, s);
			mw_diag_add(&pol->errors, imeis[i].loc, "IMEI %s already belongs to device "
				    "'%s' (%s:%d:%d)", s, pol->devs[imeis[j].dev].name,
				    imeis[j].loc->file, imeis[j].loc->line, imeis[j].loc->col);
		}

	/* no address may be bound to two IMEIs, whether or not devices name them */
	if (binds && binds->n > 1) {
		struct ip_item *all = compile_xrealloc(NULL, binds->n * sizeof(*all));

		for (i = 0; i < binds->n; i++)
			all[i] = (struct ip_item){ binds->v[i].pfx, 0, 0, &binds->v[i].loc,
						   (uint32_t)i, binds->v[i].imei };
		qsort(all, binds->n, sizeof(*all), cmp_ip);
		for (i = 0; i < binds->n; i++) {
			uint8_t last[16];

			prefix_last(&all[i].pfx, last);
			for (j = i + 1; j < binds->n && all[j].pfx.family == all[i].pfx.family &&
					memcmp(all[j].pfx.addr, last, 16) <= 0; j++) {
				const struct ip_item *later = all[j].order > all[i].order ? &all[j] : &all[i];
				const struct ip_item *first = later == &all[j] ? &all[i] : &all[j];
				char a[64], b[64], im[16], o[160];

				if (all[j].imei == all[i].imei ||
				    (is_device_imei(imeis, nimei, all[i].imei) &&
				     is_device_imei(imeis, nimei, all[j].imei)))
					continue;	/* the device check below names both */
				mw_format_prefix(&later->pfx, a, sizeof(a));
				mw_format_prefix(&first->pfx, b, sizeof(b));
				mw_format_imei(first->imei, im);
				origin(first, o, sizeof(o));
				report(pol, later, "%s overlaps %s, bound to IMEI %s (%s)", a, b, im, o);
			}
		}
		free(all);
	}

	/* addresses: no address may belong to two devices (nor twice to one) */
	qsort(ips, nip, sizeof(*ips), cmp_ip);
	for (i = 0; i < nip; i++) {
		uint8_t last[16];

		if (ips[i].subj == UINT32_MAX)
			continue;	/* dropped duplicate */
		prefix_last(&ips[i].pfx, last);
		for (j = i + 1; j < nip && ips[j].pfx.family == ips[i].pfx.family &&
				memcmp(ips[j].pfx.addr, last, 16) <= 0; j++) {
			const struct ip_item *later, *first;
			char a[64], b[64], o[160];

			if (ips[j].subj == UINT32_MAX)
				continue;
			/*
			 * The same binding from two sources, or a device's own address
			 * bound to its IMEI too: it counts once. (Same length and
			 * overlapping: the same prefix.)
			 */
			if (ips[j].pfx.len == ips[i].pfx.len && ips[j].dev == ips[i].dev &&
			    (ips[j].imei == ips[i].imei ? ips[j].imei != 0 : !ips[j].imei || !ips[i].imei)) {
				ips[ips[j].imei ? j : i].subj = UINT32_MAX;
				if (ips[i].subj == UINT32_MAX)
					break;
				continue;
			}
			later = ips[j].order > ips[i].order ? &ips[j] : &ips[i];
			first = later == &ips[j] ? &ips[i] : &ips[j];
			mw_format_prefix(&later->pfx, a, sizeof(a));
			mw_format_prefix(&first->pfx, b, sizeof(b));
			origin(first, o, sizeof(o));
			report(pol, later, "%s overlaps %s of device '%s' (%s)", a, b,
			       pol->devs[first->dev].name, o);
		}
	}

	if (!pol->errors.n) {
		for (i = 0; i < nmac; i++)
			compile_plan_add(plan, MW_PM_MAC, macs[i].dev)->mac = macs[i].key;
		for (i = 0; i < nimei; i++)
			compile_plan_add(plan, MW_PM_IMEI, imeis[i].dev)->mac = imeis[i].key;
		for (i = 0; i < nip; i++) {
			const struct mw_prefix *p = &ips[i].pfx;
			int host = p->len == (p->family == AF_INET ? 32 : 128);
			int map = p->family == AF_INET ? (host ? MW_PM_IP4 : MW_PM_LPM4)
						       : (host ? MW_PM_IP6 : MW_PM_LPM6);

			if (ips[i].subj == UINT32_MAX)
				continue;
			compile_plan_add(plan, map, ips[i].subj)->pfx = *p;
		}
	}
	free(bs);
	free(macs);
	free(imeis);
	free(ips);
}
