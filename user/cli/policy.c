// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* check and apply: validate a policy file; apply also swaps it in atomically. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "apply.h"
#include "pipeline.h"
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

static const char *proto_word(uint8_t proto, char buf[8])
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	}
	snprintf(buf, 8, "%u", proto);
	return buf;
}

static const char *initiator(const struct mw_name_rule *r)
{
	return r->flags & MW_RF_INIT_DEVICE ? "device" :
	       r->flags & MW_RF_INIT_REMOTE ? "remote" : NULL;
}

/* The name rules of every policy: text lines, or JSON objects added to @arr. */
static int name_rules(const struct mw_policy *pol, struct json_object *arr)
{
	int i, k, n, total = 0;

	for (i = 0; i < pol->npols; i++) {
		struct mw_name_rule *v;

		n = mw_policy_name_rules(pol, i, &v);
		for (k = 0; k < n; k++) {
			const struct mw_name_rule *r = &v[k];
			const char *kw = r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP ? "port"
											     : "type";
			char pb[8];

			if (arr) {
				struct json_object *o = json_object_new_object();

				json_object_object_add(o, "policy",
						       json_object_new_string(pol->pols[i].name));
				json_object_object_add(o, "name", json_object_new_string(r->pattern));
				json_object_object_add(o, "proto", json_object_new_int(r->proto));
				if (r->flags & MW_RF_PORTS) {
					json_object_object_add(o, kw, json_object_new_int(r->lo));
					json_object_object_add(o, kw[0] == 'p' ? "port_hi" : "type_hi",
							       json_object_new_int(r->hi));
				}
				json_object_object_add(o, "initiated_by", initiator(r) ?
						       json_object_new_string(initiator(r)) : NULL);
				json_object_array_add(arr, o);
				continue;
			}
			if (!total++)
				printf("name rules (they allow nothing until addresses are learned for "
				       "their names):\n");
			printf("  policy %s: allow %s%sto name \"%s\"", pol->pols[i].name,
			       r->proto ? proto_word(r->proto, pb) : "", r->proto ? " " : "",
			       r->pattern);
			if ((r->flags & MW_RF_PORTS) && r->lo == r->hi)
				printf(" %s %u", kw, r->lo);
			else if (r->flags & MW_RF_PORTS)
				printf(" %s %u-%u", kw, r->lo, r->hi);
			if (initiator(r))
				printf(" initiated-by %s", initiator(r));
			putchar('\n');
		}
		free(v);
	}
	return total;
}

static struct json_object *summary_json(const struct mw_policy *pol, const struct mw_plan *p)
{
	struct json_object *j = json_object_new_object(), *e = json_object_new_object();
	static const char *const names[] = { "mac", "vendor_prefix", "ip4", "ip6", "ip4_prefix",
					     "ip6_prefix", "imei", "allow4", "allow6",
					     "names" };
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
	e = json_object_new_array();
	name_rules(pol, e);
	json_object_object_add(j, "name_rules", e);
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
	name_rules(pol, NULL);
}

static int policy_cmd(int argc, char **argv, int do_apply)
{
	struct pol_ctx c = { .nbindings = 0 };
	struct mw_pipeline_opts po = {
		.bindings = c.bindings, .pin_dir = mw_opts.pin_dir, .ieee_dir = mw_opts.ieee_dir,
		.apply = do_apply,
	};
	struct mw_pipeline p;
	struct json_object *j;
	int i, k, rc;

	i = mw_getopt(argc, argv, do_apply ? "apply FILE [--bindings FILE]..." :
			 "check FILE [--bindings FILE]...", pol_opts, pol_opt, &c);
	if (i < 0)
		return i == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (argc - i != 1) {
		mw_err("%s: %s", argv[0], argc - i ? "one policy file at a time" :
		       "which policy file?");
		return MW_EXIT_USAGE;
	}
	po.file = argv[i];
	po.nbindings = c.nbindings;
	rc = mw_pipeline_run(&p, &po);
	mw_print_diag(&p.pol.warnings, "warning: ");
	if (rc == MW_PIPE_INVALID) {
		mw_print_diag(&p.pol.errors, "");
		if (mw_opts.json)
			mw_err("%s: %s: %d error(s)", argv[0], argv[i], p.pol.errors.n);
		rc = MW_EXIT_USAGE;
		goto out;
	}
	if (rc == MW_PIPE_FAILED) {
		mw_err("%s: %s", argv[0], p.err);
		rc = MW_EXIT_FAIL;
		goto out;
	}
	rc = MW_EXIT_OK;
	for (k = 0; do_apply && k < p.res.nunloaded; k++)
		mw_warn("interface %s is not loaded: its default takes effect when it is "
			"loaded and the policy applied again", p.res.unloaded_ifaces[k]);
	if (mw_opts.json) {
		j = summary_json(&p.pol, &p.plan);
		json_object_object_add(j, "file", json_object_new_string(argv[i]));
		if (do_apply) {
			json_object_object_add(j, "generation", json_object_new_int((int)p.res.gen));
			json_object_object_add(j, "apply", json_object_new_int64((int64_t)p.res.seq));
			json_object_object_add(j, "added", json_object_new_int((int)p.res.added));
			json_object_object_add(j, "kept", json_object_new_int((int)p.res.kept));
			json_object_object_add(j, "removed",
					       json_object_new_int((int)p.res.removed));
		} else {
			json_object_object_add(j, "ok", json_object_new_boolean(1));
		}
		mw_json_print(j);
	} else if (do_apply) {
		summary_text(&p.pol, &p.plan);
		printf("applied %s: generation %u (apply #%llu), %u added, %u kept, %u removed\n",
		       argv[i], p.res.gen, (unsigned long long)p.res.seq, p.res.added,
		       p.res.kept, p.res.removed);
	} else {
		printf("%s: OK\n", argv[i]);
		summary_text(&p.pol, &p.plan);
	}
out:
	mw_pipeline_free(&p);
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
