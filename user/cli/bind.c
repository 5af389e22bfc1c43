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
#include "bindings.h"
#include "state.h"

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
	char err[1024], s[64];
	int i, j, npfx = 0, k, rc = MW_EXIT_USAGE, live = 0, lock = -1;

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
	live = mw_bind_device(&m, imei, &dev, &info);

	/* validate everything first: nothing is stored unless every address can be */
	for (k = 0; k < npfx; k++) {
		for (j = 0; j < k; j++)
			if (mw_prefix_overlap(&pfx[j], &pfx[k])) {
				mw_format_prefix(&pfx[k], s, sizeof(s));
				mw_err("bind: %s overlaps %s given before it", s, argv[i + 1 + j]);
				rc = MW_EXIT_USAGE;
				goto out;
			}
		rc = mw_bind_check(&m, imei, &pfx[k], err, sizeof(err));
		if (rc < 0) {
			mw_err("bind: %s", err);
			rc = rc == -EEXIST ? MW_EXIT_USAGE : MW_EXIT_FAIL;
			goto out;
		}
	}
	for (k = 0; k < npfx; k++)
		if (mw_bind_store(&m, imei, &pfx[k], MW_BIND_CLI, err, sizeof(err))) {
			mw_err("bind: %s", err);
			rc = MW_EXIT_FAIL;
			goto out;
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
	char err[1024], s[16];
	int i, npfx = 0, ndel = 0, cap = 0, k, e, rc = MW_EXIT_USAGE, lock = -1;
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

		memcpy(p.addr, del[k].addr, 16);
		e = mw_unbind_apply(&m, imei, &p, -1, err, sizeof(err));
		if (e && e != -ENOENT) {	/* gone meanwhile: fine */
			mw_err("unbind: %s", err);
			rc = MW_EXIT_FAIL;
			goto out;
		}
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
