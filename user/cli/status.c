// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* status: interfaces, roles, modes, program ids, policy generation. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "cli.h"
#include "state.h"

static void fmt_time(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	if (!ns) {
		snprintf(buf, len, "never");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cmd_status(int argc, char **argv)
{
	struct json_object *j, *arr;
	struct mw_maps m;
	char err[1024], ts[32];
	__u32 k;
	int i, rc, n = 0;

	i = mw_getopt(argc, argv, "status", NULL, NULL, NULL);
	if (i < 0)
		return i == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (argc - i) {
		mw_err("status: takes no arguments");
		return MW_EXIT_USAGE;
	}
	rc = mw_maps_open_ro(&m, mw_opts.pin_dir, err, sizeof(err));
	if (rc) {
		mw_err("status: %s", err);
		return MW_EXIT_FAIL;
	}
	j = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(j, "schema", json_object_new_int((int)m.ctlm->schema));
	json_object_object_add(j, "pin_dir", json_object_new_string(mw_opts.pin_dir));
	json_object_object_add(j, "policy_applied", json_object_new_boolean(m.ctlm->applied));
	json_object_object_add(j, "generation", json_object_new_int((int)m.ctlm->gen));
	json_object_object_add(j, "applies", json_object_new_int64((int64_t)m.ctlm->seq));
	fmt_time(m.ctlm->applied_ns, ts, sizeof(ts));
	json_object_object_add(j, "applied_at", json_object_new_string(ts));
	json_object_object_add(j, "max_devices", json_object_new_int((int)m.max_subjects - 1));
	if (!mw_opts.json) {
		printf("schema %u, pins in %s, room for %u devices and classes\n", m.ctlm->schema,
		       mw_opts.pin_dir, m.max_subjects - 1);
		if (m.ctlm->applied)
			printf("policy: generation %u, applied %llu time(s), last %s\n",
			       m.ctlm->gen, (unsigned long long)m.ctlm->seq, ts);
		else
			printf("policy: none applied (interfaces follow their fail mode)\n");
		printf("\n%-16s %-7s %-4s %-8s %-11s %-9s %-8s %s\n", "INTERFACE", "IFINDEX",
		       "ROLE", "MODE", "NO-POLICY", "MALFORMED", "PROG", "ATTACHED");
	}
	for (k = 0; k < MW_MAX_IFACES; k++) {
		struct mw_iface v;
		int st;
		struct json_object *o;

		if (bpf_map_lookup_elem(m.ifaces, &k, &v) || !v.ifindex)
			continue;
		n++;
		o = json_object_new_object();
		json_object_object_add(o, "interface", json_object_new_string(v.name));
		json_object_object_add(o, "ifindex", json_object_new_int((int)v.ifindex));
		json_object_object_add(o, "slot", json_object_new_int((int)k));
		json_object_object_add(o, "role", json_object_new_string(mw_role_name(v.role)));
		json_object_object_add(o, "mode", json_object_new_string(
			v.xdp_mode == MW_MODE_GENERIC ? "generic" : "native"));
		json_object_object_add(o, "fail", json_object_new_string(
			v.fail_action == MW_ACT_DROP ? "closed" : "open"));
		json_object_object_add(o, "malformed", json_object_new_string(
			mw_action_name(v.malformed_action)));
		json_object_object_add(o, "attach", json_object_new_string(
			v.attach == MW_ATTACH_EXCLUSIVE ? "exclusive" : "libxdp"));
		st = v.attach != MW_ATTACH_LIBXDP ? 0 :
		     mw_iface_foreign(&v) ? -1 :
		     mw_entry_state(v.ifindex, v.entry_id);
		if (v.attach == MW_ATTACH_LIBXDP) {
			json_object_object_add(o, "priority", json_object_new_int((int)v.run_prio));
			json_object_object_add(o, "entry_id", json_object_new_int((int)v.entry_id));
			json_object_object_add(o, "libxdp", json_object_new_string(
				st == MW_ENTRY_DISPATCHER ? "dispatcher" :
				st == MW_ENTRY_ALONE ? "alone" : st < 0 ? "other-netns" : "gone"));
		}
		json_object_object_add(o, "prog_id", json_object_new_int((int)v.prog_id));
		json_object_object_add(o, "link_id", json_object_new_int((int)v.link_id));
		fmt_time(v.loaded_ns, ts, sizeof(ts));
		json_object_object_add(o, "loaded_at", json_object_new_string(ts));
		json_object_array_add(arr, o);
		if (!mw_opts.json) {
			char how[64];

			if (v.attach == MW_ATTACH_EXCLUSIVE)
				snprintf(how, sizeof(how), "link %u", v.link_id);
			else
				snprintf(how, sizeof(how), "libxdp prio %u, entry %u%s", v.run_prio,
					 v.entry_id, st == MW_ENTRY_DISPATCHER ? "" :
					 st == MW_ENTRY_ALONE ? " (alone)" : st < 0 ?
					 " (other netns)" : " (gone)");
			printf("%-16s %-7u %-4s %-8s %-11s %-9s %-8u %s\n", v.name, v.ifindex,
			       mw_role_name(v.role), v.xdp_mode == MW_MODE_GENERIC ? "generic" :
			       "native", v.fail_action == MW_ACT_DROP ? "fail-closed" : "fail-open",
			       mw_action_name(v.malformed_action), v.prog_id, how);
		}
	}
	json_object_object_add(j, "interfaces", arr);
	if (mw_opts.json)
		mw_json_print(j);
	else
		json_object_put(j);
	if (!mw_opts.json && !n)
		printf("(no interface attached)\n");
	mw_maps_close(&m);
	return MW_EXIT_OK;
}
