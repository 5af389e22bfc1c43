// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * MUD import: what one ace says, as far as modwall can tell (its matches,
 * its action), and the conditions it carries that modwall cannot express.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "mud_int.h"

/* ---- matches ---- */

/* Fields of an 'ipv4'/'ipv6' match that only narrow it. */
static const char *const l3_narrow[] = {
	"source-ipv4-network", "source-ipv6-network", "ietf-acldns:src-dnsname", "dscp", "ecn",
	"length", "ttl", "ihl", "flags", "offset", "identification", "flow-label", NULL,
};

/* Fields of a 'tcp'/'udp' match, besides the ports, that only narrow it. */
static const char *const l4_narrow[] = {
	"sequence-number", "acknowledgement-number", "data-offset", "reserved", "window-size",
	"urgent-pointer", "options", "length", NULL,
};

static int in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

static void parse_l3(struct ctx *c, struct ace *a, struct json_object *m, int af)
{
	const char *l3 = af == AF_INET ? "ipv4" : "ipv6";
	const char *dst_key = af == AF_INET ? "destination-ipv4-network" : "destination-ipv6-network";

	if (!json_object_is_type(m, json_type_object)) {
		mud_ace_err(c, a, "'%s' is not an object", l3);
		return;
	}
	a->fam = af == AF_INET ? FAM4 : FAM6;
	json_object_object_foreach(m, key, v) {
		char *k = mud_printable(key);

		if (!strcmp(key, "protocol")) {
			int64_t p;

			if (mud_get_uint(v, 255, &p))
				mud_ace_err(c, a, "'%s' 'protocol' is not a number from 0 to 255", l3);
			else
				a->proto = (int)p;
		} else if (!strcmp(key, dst_key)) {
			struct mw_perr e;
			char *s;

			if (!json_object_is_type(v, json_type_string)) {
				mud_ace_err(c, a, "'%s' is not a string", dst_key);
				free(k);
				continue;
			}
			s = mud_printable(json_object_get_string(v));
			if (mw_parse_prefix(json_object_get_string(v), &a->dst, &e))
				mud_ace_err(c, a, "bad '%s' '%s': %s", dst_key, s, e.msg);
			else if (a->dst.family != af)
				mud_ace_err(c, a, "'%s' '%s' is not an %s prefix", dst_key, s,
					af == AF_INET ? "IPv4" : "IPv6");
			else
				a->has_dst = 1;
			free(s);
		} else if (!strcmp(key, DNS_DST_KEY)) {
			if (!json_object_is_type(v, json_type_string) ||
			    !json_object_get_string_len(v)) {
				mud_ace_err(c, a, "'%s' is not a DNS name", DNS_DST_KEY);
			} else {
				free(a->dns);
				a->dns = mud_printable(json_object_get_string(v));
				a->dns_raw = json_object_get_string(v);
			}
		} else if (in_list(l3_narrow, key)) {
			mud_prob(a, P_NARROW, k, "'%s' in '%s' cannot be expressed: modwall matches the "
			     "remote end's address and the protocol only", k, l3);
		} else {
			mud_prob(a, P_SKIP, k, "unknown match '%s' in '%s'", k, l3);
		}
		free(k);
	}
	if (a->has_dst && a->dns)
		mud_ace_err(c, a, "has both '%s' and '%s'", dst_key, DNS_DST_KEY);
}

/* A port-range-or-operator container: one or two ranges in @a. */
static void parse_ports(struct ctx *c, struct ace *a, struct json_object *p, const char *where)
{
	struct json_object *lo = mud_get(p, "lower-port"), *hi = mud_get(p, "upper-port");
	struct json_object *op = mud_get(p, "operator"), *port = mud_get(p, "port");
	int64_t x, y;
	const char *o = "eq";

	if (!json_object_is_type(p, json_type_object)) {
		mud_ace_err(c, a, "%s is not an object", where);
		return;
	}
	json_object_object_foreach(p, key, v) {
		(void)v;
		if (strcmp(key, "lower-port") && strcmp(key, "upper-port") &&
		    strcmp(key, "operator") && strcmp(key, "port")) {
			char *k = mud_printable(key);

			mud_ace_err(c, a, "unknown member '%s' in %s", k, where);
			free(k);
			return;
		}
	}
	if (lo || hi) {
		if (op || port) {
			mud_ace_err(c, a, "%s has both a range (lower-port, upper-port) and an "
				"operator and port", where);
			return;
		}
		if (mud_get_uint(lo, 65535, &x) || mud_get_uint(hi, 65535, &y)) {
			mud_ace_err(c, a, "%s needs 'lower-port' and 'upper-port', numbers from 0 to "
				"65535", where);
			return;
		}
		if (y < x) {
			mud_ace_err(c, a, "%s range %lld-%lld runs backwards", where, (long long)x,
				(long long)y);
			return;
		}
		a->r[0] = (struct range){ (uint16_t)x, (uint16_t)y };
		a->nr = 1;
		return;
	}
	if (mud_get_uint(port, 65535, &x)) {
		mud_ace_err(c, a, "%s needs a 'port' from 0 to 65535", where);
		return;
	}
	if (op) {
		if (!json_object_is_type(op, json_type_string)) {
			mud_ace_err(c, a, "%s 'operator' is not a string", where);
			return;
		}
		o = json_object_get_string(op);
	}
	if (!strcmp(o, "eq")) {
		a->r[0] = (struct range){ (uint16_t)x, (uint16_t)x };
		a->nr = 1;
	} else if (!strcmp(o, "lte")) {
		a->r[0] = (struct range){ 0, (uint16_t)x };
		a->nr = 1;
	} else if (!strcmp(o, "gte")) {
		a->r[0] = (struct range){ (uint16_t)x, 65535 };
		a->nr = 1;
	} else if (!strcmp(o, "neq")) {
		if (x > 0)
			a->r[a->nr++] = (struct range){ 0, (uint16_t)(x - 1) };
		if (x < 65535)
			a->r[a->nr++] = (struct range){ (uint16_t)(x + 1), 65535 };
	} else {
		char *s = mud_printable(o);

		mud_ace_err(c, a, "%s 'operator' '%s' is not eq, lte, gte or neq", where, s);
		free(s);
	}
}

static void parse_l4(struct ctx *c, struct ace *a, struct json_object *m, const char *l4)
{
	struct json_object *sport = NULL, *dport = NULL;
	char where[64];

	if (!json_object_is_type(m, json_type_object)) {
		mud_ace_err(c, a, "'%s' is not an object", l4);
		return;
	}
	json_object_object_foreach(m, key, v) {
		char *k = mud_printable(key);

		if (!strcmp(key, "destination-port")) {
			dport = v;
		} else if (!strcmp(key, "source-port")) {
			sport = v;
		} else if (!strcmp(key, "ietf-mud:direction-initiated") && !strcmp(l4, "tcp")) {
			const char *d = json_object_is_type(v, json_type_string) ?
					mud_identity(json_object_get_string(v)) : "";

			if (!strcmp(d, "from-device")) {
				a->init = MW_RF_INIT_DEVICE;
			} else if (!strcmp(d, "to-device")) {
				a->init = MW_RF_INIT_REMOTE;
			} else {
				char *s = mud_printable(json_object_get_string(v));

				mud_ace_err(c, a, "'%s' '%s' is not from-device or to-device", k, s);
				free(s);
			}
		} else if (!strcmp(key, "flags") && !strcmp(l4, "tcp")) {
			mud_prob(a, P_NARROW, "flags", "tcp 'flags' cannot be expressed: modwall "
			     "does not match TCP flags");
		} else if (in_list(l4_narrow, key)) {
			mud_prob(a, P_NARROW, k, "'%s' in '%s' cannot be expressed: modwall matches the "
			     "remote port only", k, l4);
		} else {
			mud_prob(a, P_SKIP, k, "unknown match '%s' in '%s'", k, l4);
		}
		free(k);
	}
	if (dport) {
		snprintf(where, sizeof(where), "%s 'destination-port'", l4);
		parse_ports(c, a, dport, where);
	}
	if (sport && !dport)
		mud_prob(a, P_SKIP, "source-port", "matches the source port only, which is the "
		     "device's own port; modwall matches the remote port");
	else if (sport)
		mud_prob(a, P_NARROW, "source-port", "'source-port' (the device's own port) cannot be "
		     "expressed: modwall matches the remote port only");
}

static void parse_icmp(struct ctx *c, struct ace *a, struct json_object *m)
{
	if (!json_object_is_type(m, json_type_object)) {
		mud_ace_err(c, a, "'icmp' is not an object");
		return;
	}
	json_object_object_foreach(m, key, v) {
		char *k = mud_printable(key);
		int64_t t;

		if (!strcmp(key, "type")) {
			if (mud_get_uint(v, 255, &t)) {
				mud_ace_err(c, a, "'icmp' 'type' is not a number from 0 to 255");
			} else {
				a->r[0] = (struct range){ (uint16_t)t, (uint16_t)t };
				a->nr = 1;
			}
		} else if (!strcmp(key, "code") || !strcmp(key, "rest-of-header")) {
			mud_prob(a, P_NARROW, k, "icmp '%s' cannot be expressed: modwall matches the ICMP "
			     "type only", k);
		} else {
			mud_prob(a, P_SKIP, k, "unknown match '%s' in 'icmp'", k);
		}
		free(k);
	}
}

static void parse_mud_match(struct ctx *c, struct ace *a, struct json_object *m)
{
	int cls, n = 0;

	if (!json_object_is_type(m, json_type_object) || !json_object_object_length(m)) {
		mud_prob(a, P_SKIP, MUD_KEY, "an empty '%s' match", MUD_KEY);
		return;
	}
	json_object_object_foreach(m, key, v) {
		char *k = mud_printable(key), *val = NULL;
		const char *opt;

		for (cls = 0; cls < MW_MUD_NCLASS; cls++)
			if (!strcmp(key, mud_class_key(cls)))
				break;
		if (cls == MW_MUD_NCLASS) {
			mud_prob(a, P_SKIP, k, "unknown '%s' match '%s'", MUD_KEY, k);
			free(k);
			continue;
		}
		if (n++) {
			mud_ace_err(c, a, "more than one '%s' match: an ace names one kind of peer",
				    MUD_KEY);
			free(k);
			continue;
		}
		opt = mw_mud_class_option(cls);
		if (cls == MW_MUD_CONTROLLER || cls == MW_MUD_MANUFACTURER || cls == MW_MUD_MODEL) {
			if (!json_object_is_type(v, json_type_string) ||
			    !json_object_get_string_len(v)) {
				mud_ace_err(c, a, "'%s' match '%s' is not a %s", MUD_KEY, k,
					    cls == MW_MUD_MANUFACTURER ? "domain" : "URI");
				free(k);
				continue;
			}
			val = mud_printable(json_object_get_string(v));
			a->set = mud_set_find(c, cls, json_object_get_string(v));
			if (a->set < 0)
				mud_prob(a, P_SKIP, k, "destination is %s ('%s' match '%s' %s), whose "
					 "addresses only the operator knows: declare them with --%s "
					 "%s=PREFIX[,PREFIX]...", mud_class_what(cls), MUD_KEY, k, val,
					 opt, val);
		} else {
			a->set = mud_set_find(c, cls, NULL);
			if (a->set < 0)
				mud_prob(a, P_SKIP, k, "destination is %s ('%s' match '%s'), whose "
					 "addresses only the operator knows: declare them with --%s "
					 "PREFIX (repeatable), written as addrset %s", mud_class_what(cls),
					 MUD_KEY, k, opt, k);
		}
		free(val);
		free(k);
	}
}

/* 'eth': what restates the IP match is noted later; anything else cannot be expressed. */
static void parse_eth(struct ctx *c, struct ace *a, struct json_object *m)
{
	if (!json_object_is_type(m, json_type_object)) {
		mud_ace_err(c, a, "'eth' is not an object");
		return;
	}
	json_object_object_foreach(m, key, v) {
		char *k = mud_printable(key);

		if (!strcmp(key, "ethertype")) {
			const char *s = json_object_is_type(v, json_type_string) ?
					mud_identity(json_object_get_string(v)) : NULL;
			int64_t t = -1;
			char *end;

			if (json_object_is_type(v, json_type_int))
				mud_get_uint(v, 65535, &t);
			else if (s && !strcmp(s, "ipv4"))
				t = 0x0800;
			else if (s && !strcmp(s, "arp"))
				t = 0x0806;
			else if (s && !strcmp(s, "ipv6"))
				t = 0x86dd;
			else if (s && *s) {
				t = strtoll(s, &end, 0);
				if (*end || t < 0 || t > 65535)
					t = -1;
			}
			if (t < 0) {
				char *p = mud_printable(s ? s : json_object_to_json_string(v));

				mud_ace_err(c, a, "'eth' 'ethertype' '%s' is not an EtherType", p);
				free(p);
			}
			a->eth_type = (int)t;
		} else if (!strcmp(key, "destination-mac-address") &&
			   json_object_is_type(v, json_type_string) &&
			   !strcasecmp(json_object_get_string(v), "ff:ff:ff:ff:ff:ff")) {
			a->eth_bcast = 1;
		} else {
			mud_prob(a, P_SKIP, "eth", "matches the Ethernet field '%s' ('eth'); modwall "
				 "matches the remote end's IP address", k);
		}
		free(k);
	}
}

static int is_bcast4(const struct ace *a)
{
	static const uint8_t ones[4] = { 255, 255, 255, 255 };

	return a->has_dst && a->dst.family == AF_INET && a->dst.len == 32 &&
	       !memcmp(a->dst.addr, ones, 4);
}

/* An 'eth' match beside the IP match: ARP, a restatement, or what cannot be expressed. */
static void check_eth(struct ctx *c, struct ace *a, int has_l3)
{
	char what[96] = "";

	if (a->eth_type == 0x0806) {
		if (has_l3 || a->l4 || a->set >= 0)
			mud_ace_err(c, a, "'eth' 'ethertype' 0x0806 (ARP) contradicts its IP "
				    "matches");
		else
			a->arp = 1;
		return;
	}
	if (a->eth_type == 0x0800 || a->eth_type == 0x86dd) {
		int fam = a->eth_type == 0x0800 ? FAM4 : FAM6;

		if (!(a->fam & fam)) {
			mud_ace_err(c, a, "'eth' 'ethertype' 0x%04x contradicts its IPv%c match",
				    a->eth_type, fam == FAM4 ? '6' : '4');
			return;
		}
		if (a->fam != fam && !a->eth_bcast && !a->nskip)
			mud_note(c, a->name, "its 'eth' 'ethertype' 0x%04x makes it an IPv%c ace",
				 a->eth_type, fam == FAM4 ? '4' : '6');
		else
			snprintf(what, sizeof(what), "ethertype 0x%04x", a->eth_type);
		a->fam = fam;	/* an ACL of both families: the ethertype picks one */
	} else if (a->eth_type >= 0) {
		mud_prob(a, P_SKIP, "eth", "matches EtherType 0x%04x ('eth'); modwall matches IPv4 "
			 "and IPv6, and always passes ARP", a->eth_type);
	}
	if (a->eth_bcast) {
		size_t n = strlen(what);

		if (!is_bcast4(a)) {
			mud_prob(a, P_SKIP, "eth", "matches the broadcast MAC address ('eth') without "
				 "the broadcast address 255.255.255.255; modwall matches the remote "
				 "end's IP address");
			return;
		}
		snprintf(what + n, sizeof(what) - n, "%sthe broadcast MAC address", n ? " and " : "");
	}
	if (*what && !a->nskip)
		mud_note(c, a->name, "its 'eth' match (%s) only restates its IP match", what);
}

/*
 * Read an ace's name, matches and forwarding. Returns the forwarding:
 * 1 accept, 0 drop or reject, -1 after an error.
 */
int mud_parse_ace(struct ctx *c, struct ace *a, struct json_object *ace, int idx,
		  const char *acl, int acl_fam, const char **fwd)
{
	struct json_object *name = mud_get(ace, "name"), *m, *act;
	int has_l3 = 0, has_eth = 0;

	memset(a, 0, sizeof(*a));
	a->proto = -1;
	a->set = -1;
	a->eth_type = -1;
	if (!json_object_is_type(ace, json_type_object) || !name ||
	    !json_object_is_type(name, json_type_string)) {
		mud_err(c, "ace #%d of ACL '%s' has no name", idx + 1, acl);
		return -1;
	}
	a->name = mud_printable(json_object_get_string(name));

	m = mud_get(ace, "matches");
	if (m && !json_object_is_type(m, json_type_object)) {
		mud_ace_err(c, a, "'matches' is not an object");
		m = NULL;
	}
	if (m) {
		json_object_object_foreach(m, key, v) {
			char *k;

			if (!strcmp(key, "ipv4") || !strcmp(key, "ipv6")) {
				if (has_l3++) {
					mud_ace_err(c, a, "has both 'ipv4' and 'ipv6' matches");
					continue;
				}
				parse_l3(c, a, v, key[3] == '4' ? AF_INET : AF_INET6);
			} else if (!strcmp(key, "tcp") || !strcmp(key, "udp") ||
				   !strcmp(key, "icmp")) {
				int l4 = key[0] == 't' ? IPPROTO_TCP : key[0] == 'u' ? IPPROTO_UDP
										: IPPROTO_ICMP;

				if (a->l4) {
					mud_ace_err(c, a, "has more than one of 'tcp', 'udp' and 'icmp'");
					continue;
				}
				a->l4 = l4;
				if (l4 == IPPROTO_ICMP)
					parse_icmp(c, a, v);
				else
					parse_l4(c, a, v, key);
			} else if (!strcmp(key, MUD_KEY)) {
				parse_mud_match(c, a, v);
			} else if (!strcmp(key, "eth")) {
				has_eth = 1;
				parse_eth(c, a, v);
			} else if (!strcmp(key, "egress-interface") ||
				   !strcmp(key, "ingress-interface")) {
				k = mud_printable(key);
				mud_prob(a, P_NARROW, k, "'%s' cannot be expressed: modwall policies apply "
				     "on every interface", k);
				free(k);
			} else {
				k = mud_printable(key);
				mud_prob(a, P_SKIP, k, "unknown match '%s'", k);
				free(k);
			}
		}
	}
	if (!has_l3)
		a->fam = acl_fam;
	if (a->set >= 0 && (a->has_dst || a->dns))
		mud_ace_err(c, a, "has both an address or DNS name and an '%s' match", MUD_KEY);
	if (has_eth && !a->hard)
		check_eth(c, a, has_l3);

	/* the protocol and the L4 match must agree */
	if (a->proto >= 0 && a->l4) {
		int ok = a->l4 == IPPROTO_ICMP ? a->proto == IPPROTO_ICMP ||
						 a->proto == IPPROTO_ICMPV6
					       : a->proto == a->l4;

		if (!ok)
			mud_ace_err(c, a, "'protocol' %d contradicts its '%s' match", a->proto,
				a->l4 == IPPROTO_TCP ? "tcp" : a->l4 == IPPROTO_UDP ? "udp" : "icmp");
	}

	act = mud_get(mud_get(ace, "actions"), "forwarding");
	if (!act || !json_object_is_type(act, json_type_string)) {
		mud_ace_err(c, a, "has no 'actions' 'forwarding'");
		return -1;
	}
	*fwd = mud_identity(json_object_get_string(act));
	if (!strcmp(*fwd, "accept"))
		return a->hard ? -1 : 1;
	if (!strcmp(*fwd, "drop") || !strcmp(*fwd, "reject"))
		return a->hard ? -1 : 0;
	{
		char *s = mud_printable(json_object_get_string(act));

		mud_ace_err(c, a, "unknown 'forwarding' '%s' (expected accept, drop or reject)", s);
		free(s);
	}
	return -1;
}

void mud_free_ace(struct ace *a)
{
	free(a->name);
	free(a->dns);
	a->name = a->dns = NULL;
}
