// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* status: interfaces, roles, modes, program ids, policy generation. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cli.h"
#include "state.h"
#include "tc_egress.h"

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

/*
 * What is wrong with the attachment of @v (slot @slot), in @why; 0 when
 * nothing. A reader that may not look (no CAP_SYS_ADMIN for libxdp, pins
 * that are root's) is told nothing rather than something false.
 */
static int iface_problem(const struct mw_iface *v, uint32_t slot, int st, char *why,
			 size_t len)
{
	char name[MW_IFNAME_LEN + 1], what[640];

	snprintf(name, sizeof(name), "%.*s", MW_IFNAME_LEN, v->name);
	if (v->attach == MW_ATTACH_LIBXDP && st == MW_ENTRY_GONE) {
		snprintf(why, len, "%s: modwall's entry does not run on ifindex %u (the interface "
			 "was deleted, or its XDP program detached by something else); the "
			 "daemon's link watch re-attaches a returning interface, 'modwall load "
			 "%s' does it by hand", name, v->ifindex, name);
		return 1;
	}
	if (st == MW_ENTRY_UNKNOWN || geteuid())
		return 0;	/* pins and programs are root's to inspect */
	if (!mw_attach_check(mw_opts.pin_dir, name, v, slot, what, sizeof(what)))
		return 0;
	snprintf(why, len, "%s: %s", name, what);
	return 1;
}

/*
 * The tc egress side of @v: a filter recorded at load must still run
 * modwall's program. Looked at from the interface's own namespace only,
 * and by root (the same rule as above); 0 when nothing is wrong or when
 * nothing can be told. *@live gets what runs there (0: nothing), or
 * UINT32_MAX when it was not looked at.
 */
static int tc_problem(const struct mw_iface *v, uint32_t *live, char *why, size_t len)
{
	char name[MW_IFNAME_LEN + 1];

	*live = UINT32_MAX;
	if (!v->tc_prog_id || mw_iface_foreign(v) || geteuid())
		return 0;
	*live = mw_tc_prog_id(v->ifindex);
	if (*live == v->tc_prog_id)
		return 0;
	snprintf(name, sizeof(name), "%.*s", MW_IFNAME_LEN, v->name);
	if (!*live)
		snprintf(why, len, "%s: modwall's tc egress filter is gone (prog %u was loaded): "
			 "downloads to devices are not judged; 'modwall load %s' puts it back",
			 name, v->tc_prog_id, name);
	else
		snprintf(why, len, "%s: the tc egress filter (handle 0x%x, prio %u) runs prog %u, "
			 "not modwall's prog %u; 'modwall load %s' puts it back", name,
			 MW_TC_HANDLE, MW_TC_PRIO, *live, v->tc_prog_id, name);
	return 1;
}

int cmd_status(int argc, char **argv)
{
	struct json_object *j, *arr, *probs;
	struct mw_maps m;
	char err[1024], ts[32];
	__u32 k;
	int i, rc, n = 0, nbad = 0;

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
		printf("\n%-16s %-7s %-4s %-8s %-11s %-9s %-8s %-8s %s\n", "INTERFACE", "IFINDEX",
		       "ROLE", "MODE", "NO-POLICY", "MALFORMED", "PROG", "TC-PROG", "ATTACHED");
	}
	probs = json_object_new_array();
	for (k = 0; k < MW_MAX_IFACES; k++) {
		struct mw_iface v;
		uint32_t tc_live;
		int st, bad, tc_bad;
		struct json_object *o;
		char why[768];

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
				st == MW_ENTRY_ALONE ? "alone" : st < 0 ? "other-netns" :
				st == MW_ENTRY_UNKNOWN ? "unknown" : "gone"));
		}
		json_object_object_add(o, "prog_id", json_object_new_int((int)v.prog_id));
		json_object_object_add(o, "link_id", json_object_new_int((int)v.link_id));
		/* lan: the tc egress program (downloads after de-NAT); 0: none */
		json_object_object_add(o, "tc_prog_id", json_object_new_int64(v.tc_prog_id));
		fmt_time(v.loaded_ns, ts, sizeof(ts));
		json_object_object_add(o, "loaded_at", json_object_new_string(ts));
		bad = iface_problem(&v, k, st, why, sizeof(why));
		if (bad)
			json_object_array_add(probs, json_object_new_string(why));
		tc_bad = tc_problem(&v, &tc_live, why, sizeof(why));
		if (tc_bad)
			json_object_array_add(probs, json_object_new_string(why));
		json_object_object_add(o, "healthy", json_object_new_boolean(!bad && !tc_bad));
		nbad += bad + tc_bad;
		json_object_array_add(arr, o);
		if (!mw_opts.json) {
			char how[64];

			if (v.attach == MW_ATTACH_EXCLUSIVE)
				snprintf(how, sizeof(how), "link %u", v.link_id);
			else
				snprintf(how, sizeof(how), "libxdp prio %u, entry %u%s", v.run_prio,
					 v.entry_id, st == MW_ENTRY_DISPATCHER ? "" :
					 st == MW_ENTRY_ALONE ? " (alone)" : st < 0 ?
					 " (other netns)" : st == MW_ENTRY_UNKNOWN ?
					 " (not visible to this user)" : " (gone)");
			char tc[24];

			if (v.tc_prog_id)
				snprintf(tc, sizeof(tc), "%u%s", v.tc_prog_id, tc_live == UINT32_MAX ||
					 tc_live == v.tc_prog_id ? "" : tc_live ? " (other)" : " (gone)");
			else
				snprintf(tc, sizeof(tc), "-");
			printf("%-16s %-7u %-4s %-8s %-11s %-9s %-8u %-8s %s\n", v.name, v.ifindex,
			       mw_role_name(v.role), v.xdp_mode == MW_MODE_GENERIC ? "generic" :
			       "native", v.fail_action == MW_ACT_DROP ? "fail-closed" : "fail-open",
			       mw_action_name(v.malformed_action), v.prog_id, tc, how);
		}
	}
	json_object_object_add(j, "interfaces", arr);
	json_object_object_add(j, "healthy", json_object_new_boolean(!nbad));
	if (!mw_opts.json && !n)
		printf("(no interface attached)\n");
	if (!mw_opts.json && nbad) {
		printf("\nDEGRADED: %d problem(s); not enforcing as loaded:\n", nbad);
		for (i = 0; i < nbad; i++)
			printf("  %s\n", json_object_get_string(json_object_array_get_idx(probs,
												(size_t)i)));
	}
	json_object_object_add(j, "problems", probs);
	if (mw_opts.json)
		mw_json_print(j);
	else
		json_object_put(j);
	mw_maps_close(&m);
	/* degraded: the command worked, what it reports is a failure to enforce */
	return nbad ? MW_EXIT_FAIL : MW_EXIT_OK;
}
