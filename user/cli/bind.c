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
	struct mw_prefix *pfx = NULL, *bound = NULL;
	struct mw_maps m;
	uint64_t imei;
	char err[1024], s[16], a[64];
	int i, npfx = 0, nbound = 0, ndel = 0, k, x, e, rc = MW_EXIT_USAGE, lock;

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
	rc = MW_EXIT_FAIL;
	lock = mw_lock(mw_opts.pin_dir);
	if (lock < 0) {
		mw_err("unbind: locking %s: %s", mw_opts.pin_dir, strerror(-lock));
		goto out_maps;
	}
	e = mw_bindings_of(&m, imei, &bound, &nbound);
	if (e) {
		mw_err("unbind: reading %s: %s", MW_MAP_BINDS, strerror(-e));
		goto out;
	}
	mw_format_imei(imei, s);
	if (!nbound) {
		mw_err("unbind: nothing is bound to IMEI %s", s);
		goto out;
	}
	/* every address given must be one of the IMEI's bindings, exactly */
	for (k = 0; k < npfx; k++) {
		for (x = 0; x < nbound; x++)
			if (bound[x].family == pfx[k].family && bound[x].len == pfx[k].len &&
			    !memcmp(bound[x].addr, pfx[k].addr, 16))
				break;
		if (x == nbound) {
			char list[256] = "";
			size_t l = 0;

			for (x = 0; x < nbound && l < sizeof(list) - 64; x++) {
				mw_format_prefix(&bound[x], a, sizeof(a));
				l += (size_t)snprintf(list + l, sizeof(list) - l, "%s%s",
						      x ? ", " : "", a);
			}
			mw_format_prefix(&pfx[k], a, sizeof(a));
			mw_err("unbind: %s is not bound to IMEI %s (bound: %s%s); nothing was "
			       "removed", a, s, list, x < nbound ? ", ..." : "");
			goto out;
		}
	}
	for (k = 0; k < (npfx ? npfx : nbound); k++) {
		e = mw_unbind_apply(&m, imei, npfx ? &pfx[k] : &bound[k], -1, err, sizeof(err));
		if (e && e != -ENOENT) {	/* gone meanwhile: fine */
			mw_err("unbind: %s", err);
			goto out;
		}
		ndel++;
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
	close(lock);
	free(bound);
out_maps:
	mw_maps_close(&m);
out_free:
	free(pfx);
	return rc;
}
