// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The flow table: read, take, miss counters, text of keys. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "flows.h"
#include "observe.h"

static int key_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct mw_flow_rec *)a)->k, &((const struct mw_flow_rec *)b)->k,
		      sizeof(struct mw_flow_key));
}

ssize_t mw_flows_read(const struct mw_maps *m, uint32_t subject, struct mw_flow_rec **out)
{
	struct mw_flow_rec *v = NULL;
	ssize_t n = mw_map_collect(m->flows, sizeof(v->k), sizeof(v->v), sizeof(*v),
				   offsetof(struct mw_flow_rec, v), (void **)&v);
	size_t i, w;

	*out = NULL;
	if (n < 0)
		return n;
	/* one subject's; a walk under insertions may meet a key twice: keep the later copy */
	for (i = w = 0; i < (size_t)n; i++)
		if (subject == MW_FLOWS_ALL || v[i].k.subject == subject)
			v[w++] = v[i];
	n = (ssize_t)w;
	qsort(v, (size_t)n, sizeof(*v), key_cmp);
	for (i = w = 0; i < (size_t)n; i++) {
		if (w && !key_cmp(&v[w - 1], &v[i]))
			w--;
		v[w++] = v[i];
	}
	if (!w) {
		free(v);
		v = NULL;
	}
	*out = v;
	return (ssize_t)w;
}

int mw_flow_take(const struct mw_maps *m, const struct mw_flow_key *k, struct mw_flow *out)
{
	return bpf_map_lookup_and_delete_elem(m->flows, k, out) ? -errno : 0;
}

struct forget {
	const struct mw_subject_info *tab;
	uint32_t n;
	struct mw_flow_key *keys;
	size_t nk, cap;
};

static int forget_one(const void *key, const void *val, void *ctx)
{
	const struct mw_flow_key *k = key;
	struct forget *f = ctx;

	(void)val;
	if (k->subject < f->n && f->tab[k->subject].kind != MW_KIND_FREE)
		return 0;
	if (f->nk == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 256;
		struct mw_flow_key *nk = realloc(f->keys, cap * sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		f->keys = nk;
		f->cap = cap;
	}
	f->keys[f->nk++] = *k;
	return 0;
}

int mw_flows_forget(const struct mw_maps *m, const struct mw_subject_info *tab, uint32_t n)
{
	struct forget f = { .tab = tab, .n = n };
	size_t i;
	int rc;

	rc = mw_map_scan(m->flows, sizeof(struct mw_flow_key), sizeof(struct mw_flow), forget_one,
			 &f);
	for (i = 0; i < f.nk; i++)
		bpf_map_delete_elem(m->flows, &f.keys[i]);
	free(f.keys);
	return rc < 0 ? rc : 0;
}

int mw_flowmiss_read(const struct mw_maps *m, struct mw_counter *out)
{
	return mw_read_array(m->flowmiss, m->max_subjects, sizeof(*out), out);
}

int mw_flowstats_read(const struct mw_maps *m, uint64_t out[MW_FS_NR])
{
	uint64_t *v = calloc((size_t)m->ncpus, sizeof(*v));
	__u32 k;
	int c;

	if (!v)
		return -ENOMEM;
	for (k = 0; k < MW_FS_NR; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(m->flowstats, &k, v)) {
			int e = -errno;

			free(v);
			return e;
		}
		for (c = 0; c < m->ncpus; c++)
			out[k] += v[c];
	}
	free(v);
	return 0;
}

void mw_flows_per_subject(const struct mw_flow_rec *recs, size_t n, uint32_t *count,
			  uint32_t max_subjects)
{
	size_t i;

	memset(count, 0, max_subjects * sizeof(*count));
	for (i = 0; i < n; i++)
		if (recs[i].k.subject < max_subjects)
			count[recs[i].k.subject]++;
}

void mw_flow_remote(const struct mw_flow_key *k, char *buf, size_t len)
{
	if (k->family == AF_INET || k->family == AF_INET6) {
		if (!inet_ntop(k->family, k->addr, buf, (socklen_t)len))
			snprintf(buf, len, "?");
	} else {
		snprintf(buf, len, "0x%04x", k->port);
	}
}

void mw_flow_proto(const struct mw_flow_key *k, char *buf, size_t len)
{
	const char *n;
	char et[8];

	if (!k->family) {
		snprintf(buf, len, "%s", mw_ethertype_name(k->port, et));
		return;
	}
	n = mw_proto_name(k->proto);
	if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "%u", k->proto);
}

void mw_flow_member(const struct mw_flow_key *k, char *buf, size_t len)
{
	uint64_t a = k->member;

	if (!a) {
		if (len)
			buf[0] = 0;
		return;
	}
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(a >> 40) & 0xff,
		 (unsigned)(a >> 32) & 0xff, (unsigned)(a >> 24) & 0xff,
		 (unsigned)(a >> 16) & 0xff, (unsigned)(a >> 8) & 0xff, (unsigned)a & 0xff);
}
