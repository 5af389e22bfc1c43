// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* check and apply: validate a policy file; apply also swaps it in atomically. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "apply.h"
#include "cli.h"
#include "compile.h"
#include "ieee.h"
#include "policy.h"
#include "state.h"

struct pol_ctx {
	const char *bindings[16];
	int nbindings;
};

enum { POL_BINDINGS };

static const struct mw_opt pol_opts[] = {
	{ POL_BINDINGS, "bindings", 'b', "FILE", "IMEI bindings file (lines of IMEI "
	  "ADDR[/LEN]...); repeatable" },
	{ 0, NULL, 0, NULL, NULL },
};

static int pol_opt(const struct mw_opt *opt, const char *arg, void *ctx)
{
	struct pol_ctx *c = ctx;

	switch (opt->id) {
	case POL_BINDINGS:
		if (c->nbindings == 16) {
			mw_err("%s: at most 16 --bindings files", mw_getopt_cmd);
			return -1;
		}
		c->bindings[c->nbindings++] = arg;
		break;
	}
	return 0;
}

static void print_diag(const struct mw_diag *d, const char *kind)
{
	int i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "modwall: %s%s\n", kind, d->msg[i]);
}

static int needs_registry(const struct mw_policy *pol)
{
	int i, k;

	for (i = 0; i < pol->nclasses + pol->nsets; i++) {
		const struct mw_class *c = i < pol->nclasses ? &pol->classes[i]
							     : &pol->sets[i - pol->nclasses];

		for (k = 0; k < c->nmem; k++)
			if (c->mem[k].type == MW_MEMBER_VENDOR)
				return 1;
	}
	return 0;
}

/*
 * Parse, resolve and compile. Returns MW_EXIT_OK with @plan filled, or an
 * exit code after printing every error. @m, when open, adds the runtime
 * bindings.
 */
static int build_plan(const char *cmd, const char *file, struct pol_ctx *c, struct mw_maps *m,
		      struct mw_policy *pol, struct mw_plan *plan, struct mw_bindings *b)
{
	struct mw_ieee db = { 0 };
	int have_db = 0, i, rc;

	memset(b, 0, sizeof(*b));
	if (mw_policy_load(pol, file)) {
		print_diag(&pol->errors, "");
		if (mw_opts.json)
			mw_err("%s: %s: %d error(s)", cmd, file, pol->errors.n);
		return MW_EXIT_USAGE;
	}
	for (i = 0; i < c->nbindings; i++)
		mw_bindings_load(b, c->bindings[i], &pol->errors, &pol->warnings);
	if (m && mw_bindings_from_map(m, b))
		mw_diag_add(&pol->errors, NULL, "reading runtime bindings: %s", strerror(errno));
	if (!pol->errors.n && needs_registry(pol)) {
		char err[512];

		if (mw_ieee_load(&db, mw_opts.ieee_dir, err, sizeof(err)))
			mw_diag_add(&pol->errors, NULL, "%s", err);
		else
			have_db = 1;
	}
	if (!pol->errors.n)
		mw_compile(plan, pol, have_db ? &db : NULL, b);
	if (have_db)
		mw_ieee_free(&db);
	print_diag(&pol->warnings, "warning: ");
	if (pol->errors.n) {
		print_diag(&pol->errors, "");
		if (mw_opts.json)
			mw_err("%s: %s: %d error(s)", cmd, file, pol->errors.n);
		rc = MW_EXIT_USAGE;
	} else {
		rc = MW_EXIT_OK;
	}
	return rc;
}

static struct json_object *summary_json(const struct mw_policy *pol, const struct mw_plan *p)
{
	struct json_object *j = json_object_new_object(), *e = json_object_new_object();
	static const char *const names[] = { "mac", "vendor_prefix", "ip4", "ip6", "ip4_prefix",
					     "ip6_prefix", "imei", "allow4", "allow6" };
	_Static_assert(sizeof(names) / sizeof(names[0]) == MW_PM_N, "a name per plan map");
	int i;

	json_object_object_add(j, "devices", json_object_new_int(pol->ndevs));
	json_object_object_add(j, "devices_by_mac", json_object_new_int(p->ndev_mac));
	json_object_object_add(j, "devices_by_imei", json_object_new_int(p->ndev_imei));
	json_object_object_add(j, "devices_by_ip", json_object_new_int(p->ndev_ip));
	json_object_object_add(j, "imei_unbound", json_object_new_int(p->nunbound));
	json_object_object_add(j, "classes", json_object_new_int(pol->nclasses));
	json_object_object_add(j, "prefixes_24", json_object_new_int64((int64_t)p->nprefix[0]));
	json_object_object_add(j, "prefixes_28", json_object_new_int64((int64_t)p->nprefix[1]));
	json_object_object_add(j, "prefixes_36", json_object_new_int64((int64_t)p->nprefix[2]));
	json_object_object_add(j, "policies", json_object_new_int(p->npolicies));
	json_object_object_add(j, "default", json_object_new_string(
		mw_action_name(p->default_action)));
	for (i = 0; i < MW_PM_N; i++)
		json_object_object_add(e, names[i], json_object_new_int64((int64_t)p->count[i]));
	json_object_object_add(j, "entries", e);
	return j;
}

static void summary_text(const struct mw_policy *pol, const struct mw_plan *p)
{
	printf("%d device(s): %d by MAC, %d by IMEI (%d without a bound address), %d by IP\n",
	       pol->ndevs, p->ndev_mac, p->ndev_imei, p->nunbound, p->ndev_ip);
	printf("%d class(es): %zu vendor prefixes (%zu MA-L /24, %zu MA-M /28, %zu MA-S /36)\n",
	       pol->nclasses, p->nprefix[0] + p->nprefix[1] + p->nprefix[2], p->nprefix[0],
	       p->nprefix[1], p->nprefix[2]);
	printf("%d policies, default %s, %d interface default(s)\n", p->npolicies,
	       mw_action_name(p->default_action), p->nifd);
	printf("map entries: %zu MAC, %zu vendor prefix, %zu IPv4, %zu IPv6, %zu IPv4 prefix, "
	       "%zu IPv6 prefix\n", p->count[MW_PM_MAC], p->count[MW_PM_OUI],
	       p->count[MW_PM_IP4], p->count[MW_PM_IP6], p->count[MW_PM_LPM4],
	       p->count[MW_PM_LPM6]);
}

static int policy_cmd(int argc, char **argv, int do_apply)
{
	struct pol_ctx c = { .nbindings = 0 };
	struct mw_policy pol;
	struct mw_plan plan = { 0 };
	struct mw_bindings b;
	struct mw_maps m;
	int have_maps = 0, i, rc, lock = -1;
	char err[1024];

	i = mw_getopt(argc, argv, do_apply ? "apply FILE [--bindings FILE]..." :
			 "check FILE [--bindings FILE]...", pol_opts, pol_opt, &c);
	if (i < 0)
		return i == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (argc - i != 1) {
		mw_err("%s: %s", argv[0], argc - i ? "one policy file at a time" :
		       "which policy file?");
		return MW_EXIT_USAGE;
	}
	rc = mw_maps_open(&m, mw_opts.pin_dir, err, sizeof(err));
	if (rc == 0) {
		have_maps = 1;
	} else if (do_apply || rc != -ENOENT) {
		mw_err("%s: %s", argv[0], err);
		return MW_EXIT_FAIL;
	}
	/* apply holds the lock from reading the runtime bindings to the flip */
	if (do_apply && (lock = mw_lock(mw_opts.pin_dir)) < 0) {
		mw_err("apply: locking %s: %s", mw_opts.pin_dir, strerror(-lock));
		mw_maps_close(&m);
		return MW_EXIT_FAIL;
	}
	rc = build_plan(argv[0], argv[i], &c, have_maps ? &m : NULL, &pol, &plan, &b);
	if (rc)
		goto out;
	if (do_apply) {
		struct mw_apply_result res;
		int k;

		if (mw_apply(&m, &plan, &res, err, sizeof(err))) {
			mw_err("apply: %s; the live policy is unchanged", err);
			rc = MW_EXIT_FAIL;
			goto out;
		}
		for (k = 0; k < res.nunloaded; k++)
			mw_warn("interface %s is not loaded: its default takes effect when it is "
				"loaded and the policy applied again", res.unloaded_ifaces[k]);
		if (mw_opts.json) {
			struct json_object *j = summary_json(&pol, &plan);

			json_object_object_add(j, "file", json_object_new_string(argv[i]));
			json_object_object_add(j, "generation", json_object_new_int((int)res.gen));
			json_object_object_add(j, "apply", json_object_new_int64((int64_t)res.seq));
			json_object_object_add(j, "added", json_object_new_int((int)res.added));
			json_object_object_add(j, "kept", json_object_new_int((int)res.kept));
			json_object_object_add(j, "removed", json_object_new_int((int)res.removed));
			mw_json_print(j);
		} else {
			summary_text(&pol, &plan);
			printf("applied %s: generation %u (apply #%llu), %u added, %u kept, "
			       "%u removed\n", argv[i], res.gen, (unsigned long long)res.seq,
			       res.added, res.kept, res.removed);
		}
		mw_apply_result_free(&res);
	} else if (mw_opts.json) {
		struct json_object *j = summary_json(&pol, &plan);

		json_object_object_add(j, "file", json_object_new_string(argv[i]));
		json_object_object_add(j, "ok", json_object_new_boolean(1));
		mw_json_print(j);
	} else {
		printf("%s: OK\n", argv[i]);
		summary_text(&pol, &plan);
	}
out:
	mw_plan_free(&plan);
	mw_bindings_free(&b);
	mw_policy_free(&pol);
	if (lock >= 0)
		close(lock);
	if (have_maps)
		mw_maps_close(&m);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	return policy_cmd(argc, argv, 0);
}

int cmd_apply(int argc, char **argv)
{
	return policy_cmd(argc, argv, 1);
}
