// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bind / unbind: runtime IMEI -> address bindings. A binding is kept in the
 * pinned mw_binds map (so the next apply keeps it) and, when the live policy
 * has a device with that IMEI, enforced at once by adding its addresses to
 * the live generation (single-key inserts: each is atomic for the data path).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cli.h"
#include "compile.h"
#include "state.h"

static int ip_key(const struct mw_prefix *p, unsigned gen, int *fd, const struct mw_maps *m,
		  void *key)
{
	int host = p->len == (p->family == AF_INET ? 32 : 128);

	if (p->family == AF_INET && host) {
		__u32 a;
		__u64 k;

		memcpy(&a, p->addr, 4);
		k = MW_IP4_KEY(gen, a);
		memcpy(key, &k, sizeof(k));
		*fd = m->ip4;
	} else if (p->family == AF_INET) {
		struct mw_lpm4_key k = { .prefixlen = 32 + (unsigned)p->len, .gen = gen };

		memcpy(&k.addr, p->addr, 4);
		memcpy(key, &k, sizeof(k));
		*fd = m->lpm4;
	} else if (host) {
		struct mw_ip6_key k = { .gen = gen };

		memcpy(k.addr, p->addr, 16);
		memcpy(key, &k, sizeof(k));
		*fd = m->ip6;
	} else {
		struct mw_lpm6_key k = { .prefixlen = 32 + (unsigned)p->len, .gen = gen };

		memcpy(k.addr, p->addr, 16);
		memcpy(key, &k, sizeof(k));
		*fd = m->lpm6;
	}
	return 0;
}

/*
 * The data path only probes maps flagged in mw_config.lookups; a binding
 * may be the first entry of its map in the live generation. The entry is
 * written before the flag, so a frame that sees the flag finds the entry.
 */
static int enable_lookup(const struct mw_maps *m, unsigned gen, int fd)
{
	struct mw_config cfg;
	__u8 bit = fd == m->ip4 ? MW_LK_IP4 : fd == m->ip6 ? MW_LK_IP6 :
		   fd == m->lpm4 ? MW_LK_LPM4 : MW_LK_LPM6;

	if (bpf_map_lookup_elem(m->config, &gen, &cfg))
		return -1;
	if (cfg.lookups & bit)
		return 0;
	cfg.lookups |= bit;
	return bpf_map_update_elem(m->config, &gen, &cfg, BPF_ANY);
}

static void bind_key(struct mw_bind_key *k, uint64_t imei, const struct mw_prefix *p)
{
	memset(k, 0, sizeof(*k));
	k->imei = imei;
	k->family = (__u8)p->family;
	k->len = (__u8)p->len;
	memcpy(k->addr, p->addr, 16);
}

static int parse_args(const char *cmd, int argc, char **argv, uint64_t *imei,
		      struct mw_prefix **pfx, int *npfx)
{
	struct mw_perr e;
	int sv, k;

	if (mw_parse_imei(argv[0], imei, &sv, &e)) {
		mw_err("%s: bad IMEI '%s' (column %d): %s", cmd, argv[0], e.col + 1, e.msg);
		return -1;
	}
	if (sv) {
		char s[16];

		mw_format_imei(*imei, s);
		mw_warn("%s: IMEISV %s taken as IMEI %s", cmd, argv[0], s);
	}
	*pfx = calloc((size_t)argc, sizeof(**pfx));
	*npfx = argc - 1;
	for (k = 1; k < argc; k++)
		if (mw_parse_prefix(argv[k], &(*pfx)[k - 1], &e)) {
			mw_err("%s: bad address '%s' (column %d): %s", cmd, argv[k], e.col + 1,
			       e.msg);
			return -1;
		}
	return 0;
}

int cmd_bind(int argc, char **argv)
{
	struct mw_prefix *pfx = NULL;
	struct mw_subject dev;
	struct mw_subject_info info = { 0 };
	struct mw_maps m;
	uint64_t imei;
	unsigned gen;
	__u64 ik;
	char err[1024], s[64];
	int i, npfx = 0, k, rc = MW_EXIT_USAGE, live = 0, lock = -1;

	i = mw_getopt(argc, argv, "bind IMEI ADDR[/LEN]...", NULL, NULL, NULL);
	if (i < 0)
		return i == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (argc - i < 2) {
		mw_err("bind: needs an IMEI and at least one address");
		return MW_EXIT_USAGE;
	}
	if (parse_args("bind", argc - i, argv + i, &imei, &pfx, &npfx))
		goto out_free;
	if (mw_maps_open(&m, mw_opts.pin_dir, err, sizeof(err))) {
		mw_err("bind: %s", err);
		rc = MW_EXIT_FAIL;
		goto out_free;
	}
	lock = mw_lock(mw_opts.pin_dir);
	gen = m.ctlm->gen & 1;
	ik = MW_IMEI_KEY(gen, imei);
	if (m.ctlm->applied && bpf_map_lookup_elem(m.imei, &ik, &dev) == 0) {
		live = 1;
		bpf_map_lookup_elem(m.subjects, &dev.id, &info);
	}

	/* validate everything first: no address bound to another IMEI or device */
	for (k = 0; k < npfx; k++) {
		struct mw_bind_key bk, nk;
		void *prev = NULL;
		unsigned char key[32];
		struct mw_subject v;
		int fd;

		mw_format_prefix(&pfx[k], s, sizeof(s));
		while (bpf_map_get_next_key(m.binds, prev, &nk) == 0) {
			struct mw_prefix q = { .family = nk.family, .len = nk.len };

			memcpy(q.addr, nk.addr, 16);
			bk = nk;
			prev = &bk;
			if (nk.imei != imei && mw_prefix_overlap(&q, &pfx[k])) {
				char o[16];

				mw_format_imei(nk.imei, o);
				mw_err("bind: %s overlaps an address bound to IMEI %s", s, o);
				rc = MW_EXIT_USAGE;
				goto out;
			}
		}
		ip_key(&pfx[k], gen, &fd, &m, key);
		if (m.ctlm->applied && bpf_map_lookup_elem(fd, key, &v) == 0 &&
		    (!live || v.id != dev.id)) {
			struct mw_subject_info o = { 0 };

			bpf_map_lookup_elem(m.subjects, &v.id, &o);
			mw_err("bind: %s already belongs to device '%s' in the live policy", s,
			       o.name);
			rc = MW_EXIT_USAGE;
			goto out;
		}
	}
	for (k = 0; k < npfx; k++) {
		struct mw_bind_key bk;
		struct mw_bind_val bv = { .source = MW_BIND_CLI };
		struct timespec ts;
		unsigned char key[32];
		int fd;

		clock_gettime(CLOCK_REALTIME, &ts);
		bv.created_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		bind_key(&bk, imei, &pfx[k]);
		if (bpf_map_update_elem(m.binds, &bk, &bv, BPF_ANY)) {
			mw_err("bind: storing the binding: %s", strerror(errno));
			rc = MW_EXIT_FAIL;
			goto out;
		}
		if (live) {
			ip_key(&pfx[k], gen, &fd, &m, key);
			if (bpf_map_update_elem(fd, key, &dev, BPF_ANY) ||
			    enable_lookup(&m, gen, fd)) {
				mw_err("bind: adding to the live policy: %s", strerror(errno));
				rc = MW_EXIT_FAIL;
				goto out;
			}
		}
	}
	mw_format_imei(imei, s);
	if (mw_opts.json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "imei", json_object_new_string(s));
		json_object_object_add(j, "addresses", json_object_new_int(npfx));
		json_object_object_add(j, "device", live ? json_object_new_string(info.name) : NULL);
		json_object_object_add(j, "enforced", json_object_new_boolean(live));
		mw_json_print(j);
	} else if (live) {
		printf("bound %d address(es) to IMEI %s: device '%s', enforced now\n", npfx, s,
		       info.name);
	} else {
		printf("bound %d address(es) to IMEI %s: no device has this IMEI in the live "
		       "policy; kept for the next apply\n", npfx, s);
	}
	rc = MW_EXIT_OK;
out:
	if (lock >= 0)
		close(lock);
	mw_maps_close(&m);
out_free:
	free(pfx);
	return rc;
}

int cmd_unbind(int argc, char **argv)
{
	struct mw_prefix *pfx = NULL;
	struct mw_maps m;
	struct mw_bind_key *del = NULL;
	uint64_t imei;
	unsigned gen;
	char err[1024], s[16];
	int i, npfx = 0, ndel = 0, cap = 0, k, rc = MW_EXIT_USAGE, lock = -1;
	struct mw_bind_key bk, nk;
	void *prev = NULL;

	i = mw_getopt(argc, argv, "unbind IMEI [ADDR[/LEN]...]", NULL, NULL, NULL);
	if (i < 0)
		return i == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (argc - i < 1) {
		mw_err("unbind: which IMEI?");
		return MW_EXIT_USAGE;
	}
	if (parse_args("unbind", argc - i, argv + i, &imei, &pfx, &npfx))
		goto out_free;
	if (mw_maps_open(&m, mw_opts.pin_dir, err, sizeof(err))) {
		mw_err("unbind: %s", err);
		rc = MW_EXIT_FAIL;
		goto out_free;
	}
	lock = mw_lock(mw_opts.pin_dir);
	gen = m.ctlm->gen & 1;
	while (bpf_map_get_next_key(m.binds, prev, &nk) == 0) {
		bk = nk;
		prev = &bk;
		if (nk.imei != imei)
			continue;
		if (npfx) {
			for (k = 0; k < npfx; k++)
				if (nk.family == pfx[k].family && nk.len == pfx[k].len &&
				    !memcmp(nk.addr, pfx[k].addr, 16))
					break;
			if (k == npfx)
				continue;
		}
		if (ndel == cap) {
			cap = cap ? cap * 2 : 8;
			del = realloc(del, sizeof(*del) * (size_t)cap);
		}
		del[ndel++] = nk;
	}
	mw_format_imei(imei, s);
	if (!ndel || (npfx && ndel != npfx)) {
		mw_err("unbind: %s bound to IMEI %s", ndel ? "not every address given is" :
		       "nothing is", s);
		rc = MW_EXIT_FAIL;
		goto out;
	}
	for (k = 0; k < ndel; k++) {
		struct mw_prefix p = { .family = del[k].family, .len = del[k].len };
		__u64 ik = MW_IMEI_KEY(gen, imei);
		struct mw_subject dev, v;
		unsigned char key[32];
		int fd;

		memcpy(p.addr, del[k].addr, 16);
		if (bpf_map_lookup_elem(m.imei, &ik, &dev) == 0) {
			ip_key(&p, gen, &fd, &m, key);
			if (bpf_map_lookup_elem(fd, key, &v) == 0 && v.id == dev.id)
				bpf_map_delete_elem(fd, key);
		}
		bpf_map_delete_elem(m.binds, &del[k]);
	}
	if (mw_opts.json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "imei", json_object_new_string(s));
		json_object_object_add(j, "removed", json_object_new_int(ndel));
		mw_json_print(j);
	} else {
		printf("removed %d binding(s) of IMEI %s\n", ndel, s);
	}
	rc = MW_EXIT_OK;
out:
	if (lock >= 0)
		close(lock);
	free(del);
	mw_maps_close(&m);
out_free:
	free(pfx);
	return rc;
}
