// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* load: attach the data path to an interface, or upgrade it in place. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "cli.h"
#include "state.h"

static const struct mw_opt load_opts[] = {
	{ "role", 'r', "lan|wan", "lan: devices are frame sources (default); wan: destinations" },
	{ "mode", 'm', "native|generic", "XDP attach mode (default native)" },
	{ "fail-open", 0, NULL, "pass traffic while no policy is applied (default)" },
	{ "fail-closed", 0, NULL, "drop traffic while no policy is applied" },
	{ "malformed", 0, "drop|pass", "verdict for truncated/malformed frames (default drop)" },
	{ "max-devices", 0, "N", "devices + classes the maps hold (first load only; default 16383)" },
	{ "event-rate", 0, "N[/BURST]", "drop events per second, 0 for none (default 100/50)" },
	{ "group", 'g', "GROUP", "let GROUP read the maps (pins 0640; readers need CAP_BPF)" },
	{ "exclusive", 'x', NULL, "own the interface's XDP hook (a bpf_link) instead of "
	  "sharing it through libxdp" },
	{ "priority", 'p', "N", "libxdp run priority, lower runs first (default 5; first "
	  "load only)" },
	{ NULL, 0, NULL, NULL },
};

static int load_opt(int idx, const char *arg, void *ctx)
{
	struct mw_load_opts *o = ctx;
	char *end;
	unsigned long v;

	switch (idx) {
	case 0:
		if (!strcmp(arg, "lan"))
			o->role = MW_ROLE_LAN;
		else if (!strcmp(arg, "wan"))
			o->role = MW_ROLE_WAN;
		else
			goto bad;
		return 0;
	case 1:
		if (!strcmp(arg, "native"))
			o->mode = MW_MODE_NATIVE;
		else if (!strcmp(arg, "generic"))
			o->mode = MW_MODE_GENERIC;
		else
			goto bad;
		return 0;
	case 2:
		o->fail_action = MW_ACT_PASS;
		return 0;
	case 3:
		o->fail_action = MW_ACT_DROP;
		return 0;
	case 4:
		if (!strcmp(arg, "drop"))
			o->malformed_action = MW_ACT_DROP;
		else if (!strcmp(arg, "pass"))
			o->malformed_action = MW_ACT_PASS;
		else
			goto bad;
		return 0;
	case 5:
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || *end || !*arg || v < 1 || v >= MW_MAX_SUBJECTS) {
			mw_err("load: --max-devices '%s': a number from 1 to %u", arg,
			       MW_MAX_SUBJECTS - 1);
			return -1;
		}
		o->max_subjects = (uint32_t)v + 1;	/* + the unattributed subject */
		return 0;
	case 6:
		errno = 0;
		v = strtoul(arg, &end, 10);
		o->event_burst = v / 2 ? v / 2 : 1;
		if (!errno && *end == '/') {
			char *b = end + 1;

			o->event_burst = strtoul(b, &end, 10);
			if (end == b || !o->event_burst)
				errno = EINVAL;
		}
		if (errno || *end || !*arg || v > 10000000 || o->event_burst > 10000000) {
			mw_err("load: --event-rate '%s': N or N/BURST, each from 0 to 10000000", arg);
			return -1;
		}
		o->event_rate = (int64_t)v;
		return 0;
	case 7:
		o->group = arg;
		return 0;
	case 8:
		o->exclusive = 1;
		return 0;
	case 9:
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || *end || !*arg || v < 1 || v > 10000) {
			mw_err("load: --priority '%s': a number from 1 to 10000", arg);
			return -1;
		}
		o->run_prio = (unsigned)v;
		return 0;
	}
bad:
	mw_err("load: --%s: what is '%s'? (expected %s)", load_opts[idx].name, arg,
	       load_opts[idx].arg);
	return -1;
}

int cmd_load(int argc, char **argv)
{
	struct mw_load_opts o = { .role = MW_ROLE_LAN, .mode = MW_MODE_NATIVE,
				  .fail_action = MW_ACT_PASS, .malformed_action = MW_ACT_DROP,
				  .event_rate = -1 };
	struct mw_load_result r;
	char err[10240];
	int i, rc;

	i = mw_getopt(argc, argv, "load IFACE [OPTIONS]", load_opts, load_opt, &o);
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
		json_object_object_add(j, "pin_dir", json_object_new_string(mw_opts.pin_dir));
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
		if (r.created)
			printf("created maps in %s\n", mw_opts.pin_dir);
		if (r.attach == MW_ATTACH_LIBXDP &&
		    mw_entry_state(r.ifindex, r.entry_id) == MW_ENTRY_ALONE)
			printf("note: libxdp runs modwall alone on %s: this kernel cannot run its "
			       "multi-program dispatcher, so no other XDP program can join\n",
			       o.ifname);
	}
	return MW_EXIT_OK;
}
