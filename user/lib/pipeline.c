// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The policy pipeline: see pipeline.h for the order and why. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bindings.h"
#include "maps.h"
#include "dnsallow.h"
#include "observe.h"
#include "pins.h"
#include "pipeline.h"

static int names_vendor(const struct mw_policy *pol)
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

/* Step 2: everything read from files, validated before any map is looked at. */
static void read_inputs(struct mw_pipeline *p, const struct mw_pipeline_opts *o)
{
	int i, want_db;

	if (mw_policy_load(&p->pol, o->file))
		return;
	for (i = 0; i < o->nbindings; i++)
		mw_bindings_load(&p->binds, o->bindings[i], &p->pol.errors, &p->pol.warnings);
	if (p->pol.errors.n)
		return;
	want_db = names_vendor(&p->pol);
	if (!want_db && !o->keep_registry)
		return;
	if (mw_ieee_load(&p->db, o->ieee_dir, p->dberr, sizeof(p->dberr)) == 0)
		p->have_db = 1;
	else if (want_db)
		mw_diag_add(&p->pol.errors, NULL, "%s", p->dberr);
}

int mw_pipeline_run(struct mw_pipeline *p, const struct mw_pipeline_opts *o)
{
	struct mw_maps m;
	int have_maps = 0, lock = -1, rc, status = MW_PIPE_INVALID;

	memset(p, 0, sizeof(*p));
	if (o->apply) {
		rc = mw_maps_open(&m, o->pin_dir, p->err, sizeof(p->err));
		if (rc)
			return MW_PIPE_FAILED;
		have_maps = 1;
	}
	read_inputs(p, o);
	if (p->pol.errors.n)
		goto out;
	if (o->apply) {
		lock = mw_lock(o->pin_dir);
		if (lock < 0) {
			snprintf(p->err, sizeof(p->err), "locking %s: %s", o->pin_dir,
				 strerror(-lock));
			status = MW_PIPE_FAILED;
			goto out;
		}
	} else {
		rc = mw_maps_open_ro(&m, o->pin_dir, p->err, sizeof(p->err));
		if (rc == -ENOENT) {
			p->err[0] = 0;	/* nothing loaded: checked without runtime bindings */
		} else if (rc) {
			status = MW_PIPE_FAILED;	/* a mismatched or unreadable pin */
			goto out;
		} else {
			have_maps = 1;
		}
	}
	if (have_maps) {
		if (mw_bindings_from_map(&m, &p->binds)) {
			mw_diag_add(&p->pol.errors, NULL, "reading runtime bindings: %s",
				    strerror(errno));
			goto out;
		}
		p->runtime_bindings = 1;
	}
	if (mw_compile(&p->plan, &p->pol, p->have_db ? &p->db : NULL, &p->binds) ||
	    p->pol.errors.n)
		goto out;
	if (have_maps) {
		/* what the names of the name rules resolve to now */
		struct mw_learned *l = NULL;
		ssize_t nl = mw_dns_read(&m, &l);

		if (nl < 0 || mw_plan_add_names(&p->plan, l, nl > 0 ? (size_t)nl : 0,
						mw_mono_ns())) {
			mw_diag_add(&p->pol.errors, NULL, "reading learned names: %s",
				    strerror(nl < 0 ? (int)-nl : ENOMEM));
			free(l);
			goto out;
		}
		free(l);
	} else if (mw_plan_add_names(&p->plan, NULL, 0, 0)) {
		goto out;
	}
	if (o->apply) {
		if (mw_apply(&m, &p->plan, &p->res, p->err, sizeof(p->err) - 32)) {
			strcat(p->err, "; the live policy is unchanged");
			status = MW_PIPE_FAILED;
			goto out;
		}
		p->applied = 1;
	}
	status = MW_PIPE_OK;
out:
	if (lock >= 0)
		close(lock);
	if (have_maps)
		mw_maps_close(&m);
	return status;
}

int mw_pipeline_take_registry(struct mw_pipeline *p, struct mw_ieee *db)
{
	if (!p->have_db)
		return 0;
	*db = p->db;
	p->have_db = 0;
	return 1;
}

void mw_pipeline_free(struct mw_pipeline *p)
{
	if (p->applied)
		mw_apply_result_free(&p->res);
	if (p->have_db)
		mw_ieee_free(&p->db);
	mw_plan_free(&p->plan);
	mw_bindings_free(&p->binds);
	mw_policy_free(&p->pol);
	p->applied = p->have_db = 0;
}
