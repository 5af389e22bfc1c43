// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The series cap: which subjects, vendor rows, country rows and remote
 * rows a reading shows (metrics.h gives the order in which they give way).
 *
 * Subjects are taken in rank order, busiest first, each kept when its
 * series still fit. Every subject costs SUBJ_SERIES or more, so once
 * fewer are left nothing more fits and the rest need no order: a heap
 * hands them out one at a time, and a cap that keeps hundreds of a
 * million subjects orders those hundreds, not the million. When every
 * subject and every row of theirs fits, nothing is ordered at all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "metrics_int.h"

struct rank {
	uint64_t packets, bytes;	/* summed over reasons */
	uint32_t id;
	uint32_t idx;			/* in the snapshot */
};

/* @x before @y: busiest first; ties by lower id, so the choice never depends on read order */
static int before(const struct rank *x, const struct rank *y)
{
	if (x->packets != y->packets)
		return x->packets > y->packets;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes;
	return x->id < y->id;
}

static void sift_down(struct rank *h, size_t n, size_t i)
{
	struct rank x = h[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && before(&h[c + 1], &h[c]))
			c++;
		if (!before(&h[c], &x))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

/* The subjects of @s as a heap, the first in rank order on top; NULL: no memory. */
static struct rank *rank_heap(const struct mw_msnap *s)
{
	struct rank *h = malloc((s->nsubj ? s->nsubj : 1) * sizeof(*h));
	size_t i;
	int r;

	if (!h)
		return NULL;
	for (i = 0; i < s->nsubj; i++) {
		const struct mw_counter *c = s->subj[i].c;

		h[i] = (struct rank){ .id = s->subj[i].id, .idx = (uint32_t)i };
		for (r = 0; r < MW_NR_REASONS; r++) {
			h[i].packets += c[r].packets;
			h[i].bytes += c[r].bytes;
		}
	}
	for (i = s->nsubj / 2; i-- > 0;)
		sift_down(h, s->nsubj, i);
	return h;
}

/* The next subject in rank order off heap @h of *@n; 0 when it is empty. */
static int rank_next(struct rank *h, size_t *n, uint32_t *idx)
{
	if (!*n)
		return 0;
	*idx = h[0].idx;
	h[0] = h[--*n];
	if (*n)
		sift_down(h, *n, 0);
	return 1;
}

static uint64_t subject_cost(const struct mw_msubj *o)
{
	return SUBJ_SERIES + (o->tun ? TUN_SERIES : 0) + (o->fl ? FLOW_SERIES : 0);
}

uint64_t mw_country_rows(const struct mw_msubj *o)
{
	uint64_t n = 0;
	uint32_t c;

	for (c = 0; o->fl && c < o->fl->ncc; c++)
		n += (o->fl->cc[c].bytes[0] != 0) + (o->fl->cc[c].bytes[1] != 0);
	return n;
}

static uint32_t remotes(const struct mw_msubj *o, uint32_t top)
{
	return o->fl ? (o->fl->ntop < top ? o->fl->ntop : top) : 0;
}

struct dsc {
	uint64_t devices;
	size_t idx;
};

/* Most devices first; ties in the snapshot's order (class, then vendor). */
static int cmp_disc(const void *a, const void *b)
{
	const struct dsc *x = a, *y = b;

	if (x->devices != y->devices)
		return x->devices > y->devices ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void mw_mshown_free(struct mw_mshown *w)
{
	free(w->keep);
	free(w->ckeep);
	free(w->dkeep);
	free(w->rkeep);
	free(w->kept);
	memset(w, 0, sizeof(*w));
}

int mw_metrics_choose(const struct mw_msnap *s, uint64_t budget, uint32_t top,
		      struct mw_mshown *w, uint64_t *dropped)
{
	size_t n = s->nsubj, i, left = 0, nord = 0;
	uint64_t used = 0, total = 0, rows = 0, popped = 0;
	struct dsc *dv = NULL;
	struct rank *h = NULL;
	uint32_t *order = NULL, x, pos;
	int rc = -ENOMEM;

	memset(w, 0, sizeof(*w));
	w->keep = calloc(n ? n : 1, 1);
	w->ckeep = calloc(n ? n : 1, 1);
	w->dkeep = calloc(s->ndisc ? s->ndisc : 1, 1);
	w->rkeep = calloc(n ? n : 1, sizeof(*w->rkeep));
	w->kept = malloc((n ? n : 1) * sizeof(*w->kept));
	dv = malloc((s->ndisc ? s->ndisc : 1) * sizeof(*dv));
	if (!w->keep || !w->ckeep || !w->dkeep || !w->rkeep || !w->kept || !dv)
		goto out;

	for (i = 0; i < n; i++)
		total += subject_cost(&s->subj[i]);
	if (total <= budget) {		/* every subject: no order needed yet */
		memset(w->keep, 1, n);
		used = total;
	} else {
		order = malloc((n ? n : 1) * sizeof(*order));
		h = rank_heap(s);
		if (!order || !h)
			goto out;
		left = n;
		while (budget - used >= SUBJ_SERIES && rank_next(h, &left, &x)) {
			uint64_t cost = subject_cost(&s->subj[x]);

			order[nord++] = x;
			popped += cost;
			if (used + cost <= budget) {
				w->keep[x] = 1;
				used += cost;
			} else {
				*dropped += cost;
			}
		}
		*dropped += total - popped;	/* none of the rest fits */
	}
	for (i = 0; i < n; i++)
		if (w->keep[i])
			w->kept[w->nkept++] = (uint32_t)i;

	for (i = 0; i < s->ndisc; i++)
		dv[i] = (struct dsc){ .devices = s->disc[i].devices, .idx = i };
	qsort(dv, s->ndisc, sizeof(*dv), cmp_disc);
	for (i = 0; i < s->ndisc; i++) {
		if (used + 1 <= budget) {
			w->dkeep[dv[i].idx] = 1;
			used++;
		} else {
			(*dropped)++;
		}
	}

	for (i = 0; !order && i < n; i++)
		rows += mw_country_rows(&s->subj[i]) + 2 * (uint64_t)remotes(&s->subj[i], top);
	if (!order && used + rows <= budget) {	/* every row of every subject */
		for (i = 0; i < n; i++) {
			w->ckeep[i] = mw_country_rows(&s->subj[i]) != 0;
			w->rkeep[i] = remotes(&s->subj[i], top);
		}
		rc = 0;
		goto out;
	}
	if (!order) {			/* all subjects, not all their rows: in rank order */
		order = malloc((n ? n : 1) * sizeof(*order));
		h = rank_heap(s);
		if (!order || !h)
			goto out;
		left = n;
		while (rank_next(h, &left, &x))
			order[nord++] = x;
	}
	/* country rows: a shown subject's all or none, busiest subjects first */
	for (i = 0; i < nord; i++) {
		uint64_t cost;

		x = order[i];
		cost = mw_country_rows(&s->subj[x]);
		if (!w->keep[x] || !cost)
			continue;
		if (used + cost <= budget) {
			w->ckeep[x] = 1;
			used += cost;
		} else {
			*dropped += cost;
		}
	}
	/* remote rows: every shown subject's busiest remote, then every second one, ... */
	for (pos = 0; pos < top; pos++)
		for (i = 0; i < nord; i++) {
			x = order[i];
			if (!w->keep[x] || pos >= remotes(&s->subj[x], top))
				continue;
			if (used + 2 <= budget) {
				w->rkeep[x] = pos + 1;
				used += 2;
			} else {
				*dropped += 2;
			}
		}
	rc = 0;
out:
	free(order);
	free(h);
	free(dv);
	if (rc)
		mw_mshown_free(w);
	return rc;
}
