// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The one way modwall reads its maps: array maps in batches through a
 * sink, per-CPU counters summed over CPUs in the same pass, hash maps
 * walked in batches. stats, show, /metrics and the tests all read here.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "maps.h"

#ifndef ENOTSUPP
#define ENOTSUPP	524	/* the kernel's "operation not supported" for map ops */
#endif

int mw_map_read(int fd, uint32_t n, size_t vsz, mw_sink_fn sink, void *ctx)
{
	return mw_map_read_range(fd, 0, n, vsz, sink, ctx);
}

int mw_map_read_range(int fd, uint32_t first, uint32_t n, size_t vsz, mw_sink_fn sink,
		      void *ctx)
{
	uint32_t chunk = (uint32_t)((1u << 20) / vsz), done = 0, in, out, i;
	__u32 *keys;
	char *vals;
	int batch = 1, rc = 0;

	if (!chunk)
		chunk = 1;
	if (chunk > n)
		chunk = n ? n : 1;
	keys = calloc(chunk, sizeof(*keys));
	vals = calloc(chunk, vsz);
	if (!keys || !vals) {
		rc = -ENOMEM;
		goto out;
	}
	while (done < n && batch) {
		__u32 cnt = n - done < chunk ? n - done : chunk;
		int r;

		/* the batch resumes after key @in: a position is the last key read */
		in = first + done - 1;
		r = bpf_map_lookup_batch(fd, first + done ? &in : NULL, &out, keys, vals, &cnt,
					 NULL);
		if (r < 0 && errno != ENOENT) {
			if (done || (errno != EINVAL && errno != ENOTSUPP && errno != EOPNOTSUPP)) {
				rc = -errno;
				goto out;
			}
			batch = 0;
			break;
		}
		for (i = 0; i < cnt; i++)
			if (keys[i] != first + done + i) {
				rc = -EIO;
				goto out;
			}
		if (cnt)
			sink(ctx, done, cnt, vals);
		done += cnt;
		if (r < 0 || !cnt)
			break;
	}
	for (; done < n && !batch; done++) {
		__u32 key = first + done;

		if (bpf_map_lookup_elem(fd, &key, vals)) {
			rc = -errno;
			goto out;
		}
		sink(ctx, done, 1, vals);
	}
	if (done < n)
		rc = -EIO;
out:
	free(keys);
	free(vals);
	return rc;
}

/*
 * Large reads of arrays whose sink writes each cell's own place (copies,
 * per-CPU sums, tunnel folds) are split among threads: the kernel copies
 * every cell one by one (about 0.3 us each), so a million subjects'
 * counters are seconds on one CPU. Below MW_PAR_MIN cells a part, or on
 * one CPU, it stays one read.
 */
#define MW_PAR_MIN	32768u
#define MW_PAR_MAX	4

struct part {
	pthread_t t;
	int started;		/* in a thread of its own */
	int fd;
	uint32_t first, n, off;	/* cells [first, first + n), at @off in the whole read */
	size_t vsz;
	mw_sink_fn sink;
	void *ctx;
	int rc;
};

static void part_sink(void *ctx, uint32_t first, uint32_t cnt, const void *vals)
{
	struct part *p = ctx;

	p->sink(p->ctx, p->off + first, cnt, vals);
}

static void *part_run(void *arg)
{
	struct part *p = arg;

	p->rc = mw_map_read_range(p->fd, p->first, p->n, p->vsz, part_sink, p);
	return NULL;
}

/* mw_map_read_range for a sink that may run in several threads at once, on disjoint cells */
static int read_par(int fd, uint32_t first, uint32_t n, size_t vsz, mw_sink_fn sink, void *ctx)
{
	struct part p[MW_PAR_MAX];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t k, np = n / MW_PAR_MIN, off = 0;
	int rc = 0;

	if (cpus > 0 && np > (uint32_t)cpus)
		np = (uint32_t)cpus;
	if (np > MW_PAR_MAX)
		np = MW_PAR_MAX;
	if (np < 2)
		return mw_map_read_range(fd, first, n, vsz, sink, ctx);
	for (k = 0; k < np; k++) {
		uint32_t cnt = n / np + (k < n % np);

		p[k] = (struct part){ .fd = fd, .first = first + off, .n = cnt, .off = off,
				      .vsz = vsz, .sink = sink, .ctx = ctx };
		off += cnt;
	}
	/* part 0 in this thread; a part whose thread cannot start runs here too */
	for (k = 1; k < np; k++) {
		p[k].started = !pthread_create(&p[k].t, NULL, part_run, &p[k]);
		if (!p[k].started)
			part_run(&p[k]);
	}
	part_run(&p[0]);
	for (k = 0; k < np; k++) {
		if (p[k].started)
			pthread_join(p[k].t, NULL);
		if (!rc)
			rc = p[k].rc;
	}
	return rc;
}

struct copy_ctx {
	void *out;
	size_t vsz;
};

static void copy_sink(void *ctx, uint32_t first, uint32_t cnt, const void *vals)
{
	struct copy_ctx *c = ctx;

	memcpy((char *)c->out + (size_t)first * c->vsz, vals, (size_t)cnt * c->vsz);
}

int mw_read_array(int fd, uint32_t n, size_t vsz, void *out)
{
	return mw_read_array_range(fd, 0, n, vsz, out);
}

int mw_read_array_range(int fd, uint32_t first, uint32_t n, size_t vsz, void *out)
{
	struct copy_ctx c = { out, vsz };

	return read_par(fd, first, n, vsz, copy_sink, &c);
}

struct sum_ctx {
	struct mw_counter *out;
	int ncpus;
};

static void sum_sink(void *ctx, uint32_t first, uint32_t cnt, const void *vals)
{
	const struct sum_ctx *c = ctx;
	const struct mw_counter *v = vals;
	uint32_t i;
	int k;

	for (i = 0; i < cnt; i++) {
		struct mw_counter *o = &c->out[first + i];

		o->packets = o->bytes = 0;
		for (k = 0; k < c->ncpus; k++, v++) {
			o->packets += v->packets;
			o->bytes += v->bytes;
		}
	}
}

int mw_read_counters(const struct mw_maps *m, int fd, uint32_t n, struct mw_counter *out)
{
	return mw_sum_percpu(fd, m->ncpus, 0, n, out);
}

int mw_sum_percpu(int fd, int ncpus, uint32_t first, uint32_t n, struct mw_counter *out)
{
	struct sum_ctx c = { out, ncpus };

	return read_par(fd, first, n, (size_t)ncpus * sizeof(struct mw_counter), sum_sink, &c);
}

size_t mw_array_bytes(uint32_t n, size_t vsz)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return ((size_t)n * vsz + page - 1) / page * page;
}

/*
 * The same, read-only, for readers. The kernel maps only a writable fd
 * (a shared mapping of a read-only file is not shared), so this takes one
 * by the map's id, which root may; anyone else gets NULL and the readers
 * copy instead (batched lookups: about 0.15 us a value).
 */
static void *map_subject_array_ro(int fd, uint32_t n, size_t vsz)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *p;
	int wfd;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return NULL;
	wfd = bpf_map_get_fd_by_id(info.id);
	if (wfd < 0)
		return NULL;
	p = mmap(NULL, mw_array_bytes(n, vsz), PROT_READ, MAP_SHARED, wfd, 0);
	close(wfd);
	return p == MAP_FAILED ? NULL : p;
}

void mw_maps_view(const struct mw_maps *cm)
{
	struct mw_maps *m = (struct mw_maps *)cm;	/* a cache of views, not state */

	if (!m->readonly || m->viewed)
		return;
	m->viewed = 1;
	m->subjects_m = map_subject_array_ro(m->subjects, m->max_subjects, sizeof(*m->subjects_m));
	m->devctr_m = map_subject_array_ro(m->devcounters, m->max_subjects, sizeof(*m->devctr_m));
	m->buckets_m = map_subject_array_ro(m->buckets, m->max_subjects, sizeof(*m->buckets_m));
}

int mw_read_tunnels(const struct mw_maps *m, uint32_t first, uint32_t n, struct mw_tunnel *out)
{
	return mw_read_array_range(m->tunnels, first, n, sizeof(*out), out);
}

/* Shared device counters of ids [first, first + n) into @out (all >= pcpu_ids). */
#define DEV_CHUNK	65536u

static int read_dev_counters(const struct mw_maps *m, uint32_t first, uint32_t n,
			     struct mw_counter *out)
{
	struct mw_devctr *dc;
	struct mw_bucket *bk;
	struct mw_devctr *dbuf = NULL;
	struct mw_bucket *bbuf = NULL;
	uint32_t done, i;
	int rc = 0, r;

	mw_maps_view(m);
	dc = m->devctr_m ? m->devctr_m + first : NULL;
	bk = m->buckets_m ? m->buckets_m + first : NULL;
	if (!dc || !bk) {	/* no view: copies, a chunk at a time */
		dbuf = malloc((size_t)(n < DEV_CHUNK ? n : DEV_CHUNK) * sizeof(*dbuf));
		bbuf = malloc((size_t)(n < DEV_CHUNK ? n : DEV_CHUNK) * sizeof(*bbuf));
		if (!dbuf || !bbuf) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (done = 0; done < n; done += DEV_CHUNK) {
		uint32_t cnt = n - done < DEV_CHUNK ? n - done : DEV_CHUNK;
		const struct mw_devctr *d = dc ? dc + done : dbuf;
		const struct mw_bucket *b = bk ? bk + done : bbuf;

		if (!dc) {
			rc = mw_read_array_range(m->devcounters, first + done, cnt, sizeof(*dbuf),
						 dbuf);
			if (!rc)
				rc = mw_read_array_range(m->buckets, first + done, cnt,
							 sizeof(*bbuf), bbuf);
			if (rc)
				goto out;
		}
		for (i = 0; i < cnt; i++) {
			struct mw_counter *o = out + (size_t)(done + i) * MW_NR_REASONS;

			memset(o, 0, MW_NR_REASONS * sizeof(*o));
			for (r = 0; r < MW_NR_REASONS; r++) {
				int cell = MW_DEV_CELL(r);

				if (cell >= 0)
					o[r] = d[i].c[cell];
			}
			o[MW_R_RATE_LIMITED] = b[i].limited;
			o[MW_R_MALFORMED] = b[i].malformed;
		}
	}
out:
	free(dbuf);
	free(bbuf);
	return rc;
}

int mw_read_subject_counters(const struct mw_maps *m, uint32_t first, uint32_t n,
			     struct mw_counter *out)
{
	uint32_t end = first + n, pend = end < m->pcpu_ids ? end : m->pcpu_ids;
	int rc = 0;

	if (end < first || end > m->max_subjects)
		return -EINVAL;
	if (first < pend)
		rc = mw_sum_percpu(m->counters, m->ncpus, first * MW_NR_REASONS,
				   (pend - first) * MW_NR_REASONS, out);
	if (!rc && end > (first > pend ? first : pend)) {
		uint32_t s = first > pend ? first : pend;

		rc = read_dev_counters(m, s, end - s, out + (size_t)(s - first) * MW_NR_REASONS);
	}
	return rc;
}

int mw_zero_subject(const struct mw_maps *m, uint32_t id)
{
	struct mw_counter none = { 0 };
	struct mw_tunnel tnone = { 0 };
	int rc = 0;

	if (id >= m->max_subjects)
		return -EINVAL;
	if (id < m->pcpu_ids) {
		rc = mw_zero_percpu(m, m->counters, id * MW_NR_REASONS, MW_NR_REASONS);
	} else if (m->devctr_m && m->buckets_m && !m->readonly) {
		memset(&m->devctr_m[id], 0, sizeof(m->devctr_m[id]));
		memset(&m->buckets_m[id].limited, 0, sizeof(m->buckets_m[id].limited));
		memset(&m->buckets_m[id].malformed, 0, sizeof(m->buckets_m[id].malformed));
	} else {
		return -EPERM;
	}
	if (!rc && bpf_map_update_elem(m->flowmiss, &id, &none, BPF_ANY))
		rc = -errno;
	if (!rc && bpf_map_update_elem(m->tunnels, &id, &tnone, BPF_ANY))
		rc = -errno;
	return rc;
}

int mw_read_subjects(const struct mw_maps *m, struct mw_subject_info *out)
{
	mw_maps_view(m);
	if (m->subjects_m) {
		memcpy(out, m->subjects_m, (size_t)m->max_subjects * sizeof(*out));
		return 0;
	}
	return mw_read_array(m->subjects, m->max_subjects, sizeof(*out), out);
}

int mw_zero_percpu(const struct mw_maps *m, int fd, uint32_t from, uint32_t n)
{
	struct mw_counter *z = calloc((size_t)m->ncpus, sizeof(*z));
	uint32_t i;
	int rc = 0;

	if (!z)
		return -ENOMEM;
	for (i = from; i < from + n; i++)
		if (bpf_map_update_elem(fd, &i, z, BPF_ANY)) {
			rc = -errno;
			break;
		}
	free(z);
	return rc;
}

int mw_map_scan(int fd, size_t ksz, size_t vsz, mw_scan_fn fn, void *ctx)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint64_t in[8], out[8];		/* batch position: 4 bytes for hash maps */
	unsigned char k[512], nk[512], v[256];
	__u32 chunk = 256;
	void *keys = NULL, *vals = NULL, *prev = NULL;
	int first = 1, rc = 0, stop = 0;

	if (ksz > sizeof(k) || vsz > sizeof(v))
		return -EINVAL;
	for (;;) {
		__u32 n = chunk, i;
		int e = 0;

		if (!keys) {
			keys = malloc(ksz * chunk);
			vals = malloc(vsz * chunk);
			if (!keys || !vals) {
				rc = -ENOMEM;
				break;
			}
		}
		if (bpf_map_lookup_batch(fd, first ? NULL : in, out, keys, vals, &n, &opts))
			e = errno;
		if (e == ENOSPC && chunk < 65536) {	/* a bucket larger than the chunk */
			chunk *= 4;
			free(keys);
			free(vals);
			keys = vals = NULL;
			continue;
		}
		if (e && e != ENOENT) {
			if (first && (e == EINVAL || e == ENOTSUPP || e == EOPNOTSUPP))
				goto by_key;
			rc = -e;
			break;
		}
		for (i = 0; i < n && !stop; i++)
			stop = fn((char *)keys + (size_t)i * ksz, (char *)vals + (size_t)i * vsz, ctx);
		if (stop || e == ENOENT)
			break;
		memcpy(in, out, sizeof(in));
		first = 0;
	}
	free(keys);
	free(vals);
	return rc;

by_key:
	free(keys);
	free(vals);
	{
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		uint64_t left;

		/* under churn a deleted key restarts the walk: never run forever */
		left = bpf_obj_get_info_by_fd(fd, &info, &len) ? UINT64_MAX :
		       4 * (uint64_t)info.max_entries + 16;
		while (left-- && bpf_map_get_next_key(fd, prev, nk) == 0) {
			memcpy(k, nk, ksz);
			prev = k;
			if (bpf_map_lookup_elem(fd, k, v))
				continue;	/* removed meanwhile */
			if (fn(k, v, ctx))
				return 0;
		}
		return left == UINT64_MAX || errno == ENOENT ? 0 : -errno;
	}
}

struct collect {
	size_t ksz, vsz, rsz, voff, n, cap;
	unsigned char *v;
};

static int collect_one(const void *key, const void *val, void *ctx)
{
	struct collect *c = ctx;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		unsigned char *nv = realloc(c->v, cap * c->rsz);

		if (!nv)
			return -ENOMEM;
		c->v = nv;
		c->cap = cap;
	}
	memcpy(c->v + c->n * c->rsz, key, c->ksz);
	memcpy(c->v + c->n * c->rsz + c->voff, val, c->vsz);
	c->n++;
	return 0;
}

ssize_t mw_map_collect(int fd, size_t ksz, size_t vsz, size_t rsz, size_t voff, void **out)
{
	struct collect c = { .ksz = ksz, .vsz = vsz, .rsz = rsz, .voff = voff };
	int rc = mw_map_scan(fd, ksz, vsz, collect_one, &c);

	*out = NULL;
	if (rc < 0) {
		free(c.v);
		return rc;
	}
	if (!c.n) {
		free(c.v);
		return 0;
	}
	*out = c.v;
	return (ssize_t)c.n;
}
