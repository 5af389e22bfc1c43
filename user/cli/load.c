// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* load: attach the data path to an interface, or upgrade it in place. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "cli.h"
#include "state.h"
#include "values.h"

enum { LOAD_ROLE, LOAD_MODE, LOAD_FAIL_OPEN, LOAD_FAIL_CLOSED, LOAD_MALFORMED,
       LOAD_MAX_DEVICES, LOAD_EVENT_RATE, LOAD_GROUP, LOAD_EXCLUSIVE, LOAD_PRIORITY,
       LOAD_MAX_FLOWS, LOAD_NO_EGRESS };

static const struct mw_opt load_opts[] = {
	{ LOAD_ROLE, "role", 'r', "lan|wan|n3", "lan: devices are frame sources (default); wan: "
	  "destinations; n3: devices are inside GTP-U tunnels" },
	{ LOAD_MODE, "mode", 'm', "native|generic", "XDP attach mode (default native)" },
	{ LOAD_FAIL_OPEN, "fail-open", 0, NULL, "pass traffic while no policy is applied (default)" },
	{ LOAD_FAIL_CLOSED, "fail-closed", 0, NULL, "drop traffic while no policy is applied" },
	{ LOAD_MALFORMED, "malformed", 0, "drop|pass", "verdict for truncated/malformed frames "
	  "(default drop)" },
	{ LOAD_MAX_DEVICES, "max-devices", 0, "N", "devices + classes the maps hold (first load "
	  "only; default 16383)" },
	{ LOAD_MAX_FLOWS, "max-flows", 0, "N", "flows the flow table holds (first load only; "
	  "default 65536)" },
	{ LOAD_NO_EGRESS, "no-egress", 0, NULL, "lan: do not attach the tc egress program that "
	  "counts and judges downloads to devices" },
	{ LOAD_EVENT_RATE, "event-rate", 0, "N[/BURST]", "drop events per second, 0 for none "
	  "(default 100/50)" },
	{ LOAD_GROUP, "group", 'g', "GROUP", "let GROUP read the maps (pins 0640): its members "
	  "run status, stats, show, discovered, flows" },
	{ LOAD_EXCLUSIVE, "exclusive", 'x', NULL, "own the interface's XDP hook (a bpf_link) "
	  "instead of sharing it through libxdp" },
	{ LOAD_PRIORITY, "priority", 0, "N", "libxdp run priority, lower runs first (default 5; "
	  "first load only)" },
	{ 0, NULL, 0, NULL, NULL },
};

struct load_ctx {
	struct mw_load_opts o;
	int fail_given;
};

static int load_opt(const struct mw_opt *opt, const char *arg, void *ctx)
{
	static const char *const modes[] = { "native", "generic", NULL };
	static const char *const verdicts[] = { "drop", "pass", NULL };
	struct load_ctx *c = ctx;
	struct mw_load_opts *o = &c->o;
	uint64_t v;
	int k;

	switch (opt->id) {
	case LOAD_ROLE:
		if (mw_val_choice(opt, arg, mw_role_names, &k))
			return -1;
		o->role = k;
		return 0;
	case LOAD_MODE:
		if (mw_val_choice(opt, arg, modes, &k))
			return -1;
		o->mode = k ? MW_MODE_GENERIC : MW_MODE_NATIVE;
		return 0;
	case LOAD_FAIL_OPEN:
	case LOAD_FAIL_CLOSED:
		k = opt->id == LOAD_FAIL_CLOSED ? MW_ACT_DROP : MW_ACT_PASS;
		if (c->fail_given && o->fail_action != k) {
			mw_err("load: --fail-open and --fail-closed contradict each other");
			return -1;
		}
		c->fail_given = 1;
		o->fail_action = k;
		return 0;
	case LOAD_MALFORMED:
		if (mw_val_choice(opt, arg, verdicts, &k))
			return -1;
		o->malformed_action = k ? MW_ACT_PASS : MW_ACT_DROP;
		return 0;
	case LOAD_MAX_DEVICES:
		if (mw_val_uint(opt, arg, 1, MW_MAX_SUBJECTS - 1, &v))
			return -1;
		o->max_subjects = (uint32_t)v + 1;	/* + the unattributed subject */
		return 0;
	case LOAD_MAX_FLOWS:
		if (mw_val_uint(opt, arg, 1, MW_MAX_FLOWS, &v))
			return -1;
		o->max_flows = (uint32_t)v;
		return 0;
	case LOAD_NO_EGRESS:
		o->no_egress = 1;
		return 0;
	case LOAD_EVENT_RATE:
		if (mw_val_rate(opt, arg, &v, &o->event_burst))
			return -1;
		o->event_rate = (int64_t)v;
		return 0;
	case LOAD_GROUP:
		if (!getgrnam(arg)) {
			mw_err("load: --group: no group '%s'", arg);
			return -1;
		}
		o->group = arg;
		return 0;
	case LOAD_EXCLUSIVE:
		o->exclusive = 1;
		return 0;
	case LOAD_PRIORITY:
		if (mw_val_uint(opt, arg, 1, 10000, &v))
			return -1;
		o->run_prio = (unsigned)v;
		return 0;
	}
	return 0;
}

int cmd_load(int argc, char **argv)
{
	struct load_ctx c = { .o = { .role = MW_ROLE_LAN, .mode = MW_MODE_NATIVE,
				     .fail_action = MW_ACT_PASS, .malformed_action = MW_ACT_DROP,
				     .event_rate = -1 } };
	struct mw_load_opts o;
	struct mw_load_result r;
	char err[10240];
	int i, rc;

	i = mw_getopt(argc, argv, "load IFACE [OPTIONS]", load_opts, load_opt, &c);
	o = c.o;
	if (i < 0)
		return i == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (argc - i != 1) {
		mw_err("load: %s", argc - i ? "one interface at a time" : "which interface?");
		return MW_EXIT_USAGE;
	}
	o.ifname = argv[i];
	if (o.exclusive && o.run_prio) {
		mw_err("load: --priority orders programs sharing the interface through libxdp; "
		       "it has no meaning with --exclusive");
		return MW_EXIT_USAGE;
	}
	rc = mw_load(mw_opts.pin_dir, &o, &r, err, sizeof(err));
	if (rc) {
		mw_err("load: %s", err);
		return rc == -ENODEV ? MW_EXIT_USAGE : MW_EXIT_FAIL;
	}
	if (mw_opts.json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "interface", json_object_new_string(o.ifname));
		json_object_object_add(j, "ifindex", json_object_new_int((int)r.ifindex));
		json_object_object_add(j, "action", json_object_new_string(
			r.upgraded ? "upgraded" : "attached"));
		json_object_object_add(j, "role", json_object_new_string(mw_role_name(o.role)));
		json_object_object_add(j, "mode", json_object_new_string(
			o.mode == MW_MODE_GENERIC ? "generic" : "native"));
		json_object_object_add(j, "attach", json_object_new_string(
			r.attach == MW_ATTACH_EXCLUSIVE ? "exclusive" : "libxdp"));
		if (r.attach == MW_ATTACH_LIBXDP) {
			json_object_object_add(j, "priority", json_object_new_int((int)r.run_prio));
			json_object_object_add(j, "entry_id", json_object_new_int((int)r.entry_id));
			json_object_object_add(j, "shared", json_object_new_boolean(
				mw_entry_state(r.ifindex, r.entry_id) == MW_ENTRY_DISPATCHER));
		}
		json_object_object_add(j, "prog_id", json_object_new_int((int)r.prog_id));
		json_object_object_add(j, "link_id", json_object_new_int((int)r.link_id));
		json_object_object_add(j, "slot", json_object_new_int((int)r.slot));
		json_object_object_add(j, "tc_prog_id", json_object_new_int((int)r.tc_prog_id));
		json_object_object_add(j, "pin_dir", json_object_new_string(mw_opts.pin_dir));
		json_object_object_add(j, "repaired", json_object_new_boolean(r.repaired));
		mw_json_print(j);
	} else {
		char how[64];

		if (r.attach == MW_ATTACH_EXCLUSIVE)
			snprintf(how, sizeof(how), "exclusive, link %u", r.link_id);
		else
			snprintf(how, sizeof(how), "libxdp priority %u, entry %u", r.run_prio,
				 r.entry_id);
		printf("%s %s: role %s, %s mode, fail-%s, prog %u, %s\n",
		       r.upgraded ? "upgraded" : "attached", o.ifname, mw_role_name(o.role),
		       o.mode == MW_MODE_GENERIC ? "generic" : "native",
		       o.fail_action == MW_ACT_DROP ? "closed" : "open", r.prog_id, how);
		if (r.tc_prog_id)
			printf("tc egress on %s: prog %u (downloads to devices, after de-NAT)\n",
			       o.ifname, r.tc_prog_id);
		if (r.created)
			printf("created maps in %s\n", mw_opts.pin_dir);
		if (r.repaired)
			printf("repaired %s/%s: it is the prog array the entry on %s tail-calls "
			       "again\n", mw_opts.pin_dir, MW_MAP_PROGS, o.ifname);
		if (r.attach == MW_ATTACH_LIBXDP &&
		    mw_entry_state(r.ifindex, r.entry_id) == MW_ENTRY_ALONE)
			printf("note: libxdp runs modwall alone on %s: this kernel cannot run its "
			       "multi-program dispatcher, so no other XDP program can join\n",
			       o.ifname);
	}
	return MW_EXIT_OK;
}
