// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Suggest: the rules as an RFC 8520 MUD file. One from-device ACL, named
 * after the policy (so `modwall mud import` names its policy the same),
 * one accept ace per rule and address family: a name rule whose addresses
 * were of both families is two aces, an ipv4 and an ipv6 one with the same
 * ietf-acldns:dst-dnsname, which the import merges back into one rule.
 * No to-device-policy: an allow rule passes both ways.
 */
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "observe.h"
#include "suggest.h"

#define CACHE_VALIDITY	48	/* hours (RFC 8520: 1 to 168, 48 by default) */
#define SYSINFO_MAX	60	/* RFC 8520: systeminfo is at most 60 characters */

static struct json_object *port_match(const struct mw_sug_rule *r)
{
	struct json_object *o = json_object_new_object(), *d = json_object_new_object();

	if (r->lo == r->hi) {
		json_object_object_add(d, "operator", json_object_new_string("eq"));
		json_object_object_add(d, "port", json_object_new_int(r->lo));
	} else {
		json_object_object_add(d, "lower-port", json_object_new_int(r->lo));
		json_object_object_add(d, "upper-port", json_object_new_int(r->hi));
	}
	json_object_object_add(o, "destination-port", d);
	return o;
}

/* The ace of rule @r for family @af, ICMP type @type (-1: the rule has none or a port). */
static struct json_object *ace(const struct mw_sug_rule *r, int af, int type, unsigned idx)
{
	struct json_object *a = json_object_new_object(), *m = json_object_new_object();
	struct json_object *l3 = json_object_new_object(), *act = json_object_new_object();
	char name[64], to[MW_SUG_NAME_MAX + 8];

	snprintf(name, sizeof(name), "allow-%u", idx);
	json_object_object_add(a, "name", json_object_new_string(name));
	if (r->proto >= 0)
		json_object_object_add(l3, "protocol", json_object_new_int(r->proto));
	if (r->kind == MW_SUG_NAME) {
		json_object_object_add(l3, "ietf-acldns:dst-dnsname", json_object_new_string(r->name));
	} else {
		mw_sug_rule_to(r, to, sizeof(to) - 5);
		strcat(to, af == AF_INET ? "/32" : "/128");
		json_object_object_add(l3, af == AF_INET ? "destination-ipv4-network"
							 : "destination-ipv6-network",
				       json_object_new_string(to));
	}
	json_object_object_add(m, af == AF_INET ? "ipv4" : "ipv6", l3);
	if (r->has_range && (r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP)) {
		json_object_object_add(m, r->proto == IPPROTO_TCP ? "tcp" : "udp", port_match(r));
	} else if (type >= 0) {
		struct json_object *icmp = json_object_new_object();

		json_object_object_add(icmp, "type", json_object_new_int(type));
		json_object_object_add(m, "icmp", icmp);
	}
	json_object_object_add(a, "matches", m);
	json_object_object_add(act, "forwarding", json_object_new_string("accept"));
	json_object_object_add(a, "actions", act);
	return a;
}

/* Its address families: an ICMP rule's own, else those of the addresses seen. */
static int rule_fams(const struct mw_sug_rule *r)
{
	if (r->proto == IPPROTO_ICMP)
		return MW_SUG_FAM4;
	if (r->proto == IPPROTO_ICMPV6)
		return MW_SUG_FAM6;
	if (r->kind == MW_SUG_ADDR)
		return r->to.family == AF_INET ? MW_SUG_FAM4 : MW_SUG_FAM6;
	return r->fams ? r->fams : MW_SUG_FAM4 | MW_SUG_FAM6;
}

struct json_object *mw_suggest_mud(const struct mw_suggestion *s, const struct mw_suggest_meta *m)
{
	struct json_object *root = json_object_new_object(), *mud = json_object_new_object();
	struct json_object *from = json_object_new_object(), *lists = json_object_new_object();
	struct json_object *list = json_object_new_array(), *ref = json_object_new_object();
	struct json_object *acls = json_object_new_object(), *aclv = json_object_new_array();
	struct json_object *acl = json_object_new_object(), *aces = json_object_new_object();
	struct json_object *acev = json_object_new_array();
	char when[40], info[SYSINFO_MAX + 1];
	unsigned idx = 0;
	int fams = 0;
	size_t i;

	if (!root || !mud || !from || !lists || !list || !ref || !acls || !aclv || !acl || !aces ||
	    !acev)
		return NULL;	/* json-c aborts on allocation failures elsewhere too */
	mw_format_iso(m->now_real_ns, 0, when, sizeof(when));
	snprintf(info, sizeof(info), "%s %s, learned by modwall suggest",
		 m->is_class ? "class" : "device", m->subject);
	json_object_object_add(mud, "mud-version", json_object_new_int(1));
	json_object_object_add(mud, "mud-url", json_object_new_string(m->mud_url));
	json_object_object_add(mud, "last-update", json_object_new_string(when));
	json_object_object_add(mud, "cache-validity", json_object_new_int(CACHE_VALIDITY));
	json_object_object_add(mud, "is-supported", json_object_new_boolean(1));
	json_object_object_add(mud, "systeminfo", json_object_new_string(info));
	json_object_object_add(ref, "name", json_object_new_string(m->policy));
	json_object_array_add(list, ref);
	json_object_object_add(lists, "access-list", list);
	json_object_object_add(from, "access-lists", lists);
	json_object_object_add(mud, "from-device-policy", from);
	json_object_object_add(root, "ietf-mud:mud", mud);

	for (i = 0; i < s->nrules; i++) {
		const struct mw_sug_rule *r = &s->rules[i];
		int f = rule_fams(r), k;
		int icmp = r->proto == IPPROTO_ICMP || r->proto == IPPROTO_ICMPV6;

		fams |= f;
		for (k = 0; k < 2; k++) {
			int af = k ? AF_INET6 : AF_INET, t;

			if (!(f & (k ? MW_SUG_FAM6 : MW_SUG_FAM4)))
				continue;
			if (!icmp || !r->has_range) {
				json_object_array_add(acev, ace(r, af, -1, ++idx));
				continue;
			}
			/* the icmp match has one type: a range is one ace per type */
			for (t = r->lo; t <= r->hi; t++)
				json_object_array_add(acev, ace(r, af, t, ++idx));
		}
	}
	json_object_object_add(acl, "name", json_object_new_string(m->policy));
	json_object_object_add(acl, "type", json_object_new_string(
		fams == MW_SUG_FAM6 ? "ipv6-acl-type" : fams == (MW_SUG_FAM4 | MW_SUG_FAM6) ?
		"mixed-eth-ipv4-ipv6-acl-type" : "ipv4-acl-type"));
	json_object_object_add(aces, "ace", acev);
	json_object_object_add(acl, "aces", aces);
	json_object_array_add(aclv, acl);
	json_object_object_add(acls, "acl", aclv);
	json_object_object_add(root, "ietf-access-control-list:acls", acls);
	return root;
}
