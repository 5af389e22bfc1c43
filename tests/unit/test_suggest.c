// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Suggest (user/lib/suggest*.c): flows into allow rules (names collapse,
 * ICMP echo both ways, ports, fragments, dropped-only flows, what needs no
 * rule, the cap of rules per remote end, order, --since), the policy text
 * through the parser and compiler `modwall check` uses, and the MUD file
 * through `modwall mud import`, which must give back the same rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "compile.h"
#include "mud.h"
#include "policy.h"
#include "suggest.h"

#define SUBJ	7
#define SEC	1000000000ull

/* ---- building flows ---- */

static struct mw_flow_rec recs[256];
static size_t nrecs;

static struct mw_flow_rec *flow(const char *addr, int proto, unsigned port, uint64_t out,
				uint64_t in)
{
	struct mw_flow_rec *r = &recs[nrecs++];

	assert_true(nrecs <= sizeof(recs) / sizeof(recs[0]));
	memset(r, 0, sizeof(*r));
	r->k.subject = SUBJ;
	if (addr) {
		r->k.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
		assert_int_equal(inet_pton(r->k.family, addr, r->k.addr), 1);
		r->k.proto = (uint8_t)proto;
	}
	r->k.port = (uint16_t)port;
	r->v.packets[MW_FDIR_OUT] = out;
	r->v.bytes[MW_FDIR_OUT] = out * 100;
	r->v.packets[MW_FDIR_IN] = in;
	r->v.bytes[MW_FDIR_IN] = in * 100;
	r->v.first_ns = 100 * SEC;
	r->v.last_ns = 200 * SEC;
	return r;
}

/* Learned names: ADDR=NAME pairs of the current test. */
static const char *const *names;

static const char *name_of(void *ctx, int family, const uint8_t *addr)
{
	const char *const *p;
	char a[64];

	(void)ctx;
	inet_ntop(family, addr, a, sizeof(a));
	for (p = names; p && *p; p += 2)
		if (!strcmp(p[0], a))
			return p[1];
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	nrecs = 0;
	names = NULL;
	return 0;
}

static void learn(struct mw_suggestion *s, uint64_t from_ns)
{
	struct mw_suggest_opts o = { .subject = SUBJ, .from_ns = from_ns, .name = name_of };

	assert_int_equal(mw_suggest(s, recs, nrecs, &o), 0);
}

/* The rules as text, one per line. */
static char *rules_text(const struct mw_suggestion *s)
{
	static char buf[8192];
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < s->nrules; i++) {
		char r[400];

		mw_sug_rule_text(&s->rules[i], r, sizeof(r));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\n", r);
	}
	return buf;
}

/* The allow lines of a policy text, without comments and padding. */
static void allow_lines(const char *text, char *out, size_t len)
{
	const char *p = text;
	size_t n = 0;

	out[0] = 0;
	while (*p) {
		const char *e = strchr(p, '\n'), *s = p;
		size_t l;

		if (!e)
			e = p + strlen(p);
		while (*s == ' ')
			s++;
		if (!strncmp(s, "allow ", 6) || !strncmp(s, "drop", 4)) {
			const char *h = memchr(s, '#', (size_t)(e - s));

			l = (size_t)((h ? h : e) - s);
			while (l && s[l - 1] == ' ')
				l--;
			n += (size_t)snprintf(out + n, len - n, "%.*s\n", (int)l, s);
		}
		p = *e ? e + 1 : e;
	}
}

static const struct mw_suggest_meta meta = {
	.subject = "meter", .policy = "meter-learned", .clock_off = 0,
	.mud_url = "https://modwall.invalid/meter.json", .now_real_ns = 1700000000 * SEC,
};

/* The text passes check's parser and compiler, and its MUD file imports to the same rules. */
static void assert_round_trip(const struct mw_suggestion *s)
{
	char *text = mw_suggest_text(s, &meta), *full, want[8192], got[8192];
	struct mw_mud_opts o = { .file = "suggest.json" };
	struct json_object *doc;
	struct mw_policy p;
	struct mw_plan plan;
	struct mw_mud mud;
	size_t len;
	int i;

	assert_non_null(text);
	len = strlen(text) + 128;
	full = malloc(len);
	assert_non_null(full);
	snprintf(full, len, "%sdevice meter mac 02:00:00:00:00:01 policy meter-learned\n", text);
	if (mw_policy_load_string(&p, "suggest.mwp", full) || mw_compile(&plan, &p, NULL, NULL)) {
		for (i = 0; i < p.errors.n; i++)
			print_error("%s\n", p.errors.msg[i]);
		print_error("%s", full);
		fail_msg("the suggested policy does not check");
	}
	mw_plan_free(&plan);
	mw_policy_free(&p);

	doc = mw_suggest_mud(s, &meta);
	assert_non_null(doc);
	/* through the text, as a file would go */
	{
		const char *js = json_object_to_json_string(doc);
		struct mw_diag e = { 0 };
		struct json_object *back = mw_mud_parse_json(js, strlen(js), "suggest.json", &e);

		assert_non_null(back);
		assert_int_equal(mw_mud_import(&mud, back, &o), 0);
		json_object_put(back);
		mw_diag_free(&e);
	}
	assert_string_equal(mud.name, "meter-learned");
	allow_lines(text, want, sizeof(want));
	allow_lines(mud.text, got, sizeof(got));
	assert_string_equal(got, want);
	mw_mud_free(&mud);
	json_object_put(doc);
	free(full);
	free(text);
}

/* ---- tests ---- */

static void test_names_collapse(void **state)
{
	static const char *const nm[] = { "198.18.201.1", "broker.test", "198.18.201.2",
					  "Broker.Test.", "fd00::201", "broker.test", NULL };
	struct mw_suggestion s;

	(void)state;
	names = nm;
	flow("198.18.201.1", IPPROTO_UDP, 7000, 5, 5);
	flow("198.18.201.2", IPPROTO_UDP, 7000, 3, 0);
	flow("fd00::201", IPPROTO_UDP, 7000, 2, 0);
	flow("198.18.201.3", IPPROTO_UDP, 7000, 4, 0);	/* no name: an address rule */
	learn(&s, 0);
	assert_string_equal(rules_text(&s), "allow udp to 198.18.201.3 port 7000\n"
					    "allow udp to name \"broker.test\" port 7000\n");
	assert_int_equal(s.rules[1].kind, MW_SUG_NAME);
	assert_int_equal(s.rules[1].naddrs, 3);
	assert_int_equal(s.rules[1].flows, 3);
	assert_int_equal(s.rules[1].packets_out, 10);
	assert_int_equal(s.rules[1].fams, MW_SUG_FAM4 | MW_SUG_FAM6);
	assert_int_equal(s.rules[1].addrs[0].family, AF_INET);
	assert_int_equal(s.rules[1].addrs[2].family, AF_INET6);
	assert_int_equal(s.nflows, 4);
	assert_round_trip(&s);
	mw_suggestion_free(&s);
}

static void test_bad_name_stays_address(void **state)
{
	static const char *const nm[] = { "198.18.0.1", "not a name", "198.18.0.2", "*.wild.test",
					  NULL };
	struct mw_suggestion s;

	(void)state;
	names = nm;
	flow("198.18.0.1", IPPROTO_TCP, 443, 1, 1);
	flow("198.18.0.2", IPPROTO_TCP, 443, 1, 1);
	learn(&s, 0);
	assert_string_equal(rules_text(&s), "allow tcp to 198.18.0.1 port 443\n"
					    "allow tcp to 198.18.0.2 port 443\n");
	mw_suggestion_free(&s);
}

static void test_icmp(void **state)
{
	static const char *const nm[] = { "198.18.3.3", "pingme.test", NULL };
	struct mw_suggestion s;

	(void)state;
	names = nm;
	flow("198.18.3.1", IPPROTO_ICMP, 8, 4, 4);	/* pings answered */
	flow("198.18.3.2", IPPROTO_ICMP, 8, 4, 0);	/* no answer: the request only */
	flow("198.18.3.3", IPPROTO_ICMP, 8, 2, 2);
	flow("fd00::3", IPPROTO_ICMPV6, 128, 3, 3);
	flow("198.18.3.4", IPPROTO_ICMP, 3, 1, 0);	/* the device sent an unreachable */
	flow("198.18.3.5", IPPROTO_ICMP, 0, 2, 0);	/* fragments of a big ping */
	flow("fe80::1", IPPROTO_ICMPV6, 135, 1, 1);	/* neighbour discovery on the link */
	flow("fd00::9", IPPROTO_ICMPV6, 135, 1, 0);	/* ... but not on the link */
	learn(&s, 0);
	assert_string_equal(rules_text(&s),
			    "allow icmp to 198.18.3.1 type 0\n"
			    "allow icmp to 198.18.3.1 type 8\n"
			    "allow icmp to 198.18.3.2 type 8\n"
			    "allow icmp to 198.18.3.4 type 3\n"
			    "allow icmp to 198.18.3.5\n"
			    "allow icmpv6 to fd00::3 type 128\n"
			    "allow icmpv6 to fd00::3 type 129\n"
			    "allow icmpv6 to fd00::9 type 135\n"
			    "allow icmp to name \"pingme.test\" type 0\n"
			    "allow icmp to name \"pingme.test\" type 8\n");
	assert_int_equal(s.rules[0].how, MW_SUG_REPLY);
	assert_int_equal(s.rules[0].packets_in, 4);
	assert_int_equal(s.rules[1].how, MW_SUG_SEEN);
	assert_int_equal(s.rules[4].how, MW_SUG_NO_PORT);
	assert_int_equal(s.nleft, 1);
	assert_int_equal(s.left[0].why, MW_SUG_ND);
	assert_round_trip(&s);
	mw_suggestion_free(&s);
}

static void test_ports(void **state)
{
	struct mw_suggestion s;

	(void)state;
	flow("198.18.4.1", IPPROTO_UDP, 53, 2, 2);
	flow("198.18.4.1", IPPROTO_UDP, 123, 1, 1);
	flow("198.18.4.1", IPPROTO_TCP, 853, 9, 9);
	flow("198.18.4.2", IPPROTO_UDP, 5000, 9, 0);
	flow("198.18.4.2", IPPROTO_UDP, 0, 3, 0);	/* fragments: a rule without a port */
	flow("198.18.4.3", 47, 0, 5, 0);		/* GRE: no port */
	learn(&s, 0);
	assert_string_equal(rules_text(&s),
			    "allow tcp to 198.18.4.1 port 853\n"
			    "allow udp to 198.18.4.1 port 53\n"
			    "allow udp to 198.18.4.1 port 123\n"
			    "allow udp to 198.18.4.2\n"
			    "allow 47 to 198.18.4.3\n");
	/* the port rule went into the one without a port */
	assert_int_equal(s.rules[3].flows, 2);
	assert_int_equal(s.rules[3].packets_out, 12);
	assert_round_trip(&s);
	mw_suggestion_free(&s);
}

static void test_dropped_and_left_out(void **state)
{
	struct mw_suggestion s;
	struct mw_flow_rec *f;
	char *text;

	(void)state;
	f = flow("198.18.5.1", IPPROTO_UDP, 9, 5, 0);
	f->v.dropped[MW_FDIR_OUT] = 5;			/* every one dropped: left out */
	f = flow("198.18.5.2", IPPROTO_UDP, 9, 5, 0);
	f->v.dropped[MW_FDIR_OUT] = 4;			/* one passed: a rule */
	flow("198.18.5.3", IPPROTO_UDP, 9, 0, 7);	/* inbound only */
	flow(NULL, 0, 0x0806, 2, 2);			/* ARP */
	flow(NULL, 0, 0x88cc, 1, 0);			/* LLDP */
	f = flow("198.18.5.4", IPPROTO_TCP, 22, 3, 0);
	f->k.subject = SUBJ + 1;			/* another subject */
	learn(&s, 0);
	assert_string_equal(rules_text(&s), "allow udp to 198.18.5.2 port 9\n");
	assert_int_equal(s.nflows, 5);
	assert_int_equal(s.nleft, 4);
	/* in key order: non-IP (family 0) first */
	assert_int_equal(s.left[0].why, MW_SUG_ARP);
	assert_int_equal(s.left[1].why, MW_SUG_NOT_IP);
	assert_int_equal(s.left[2].why, MW_SUG_DROPPED);
	assert_int_equal(s.left[3].why, MW_SUG_INBOUND);
	text = mw_suggest_text(&s, &meta);
	assert_non_null(strstr(text, "#   udp to 198.18.5.1 port 9: 5 packets out, 5 dropped\n"));
	assert_non_null(strstr(text, "# no rule needed: ARP, which modwall always allows"));
	assert_non_null(strstr(text, "#   EtherType 0x88cc: 1 packet out"));
	assert_null(strstr(text, "198.18.5.3"));
	free(text);
	assert_round_trip(&s);
	mw_suggestion_free(&s);
}

static void test_nothing_passed(void **state)
{
	struct mw_suggestion s;
	struct mw_flow_rec *f;
	char *text;

	(void)state;
	f = flow("198.18.6.1", IPPROTO_UDP, 9, 5, 0);
	f->v.dropped[MW_FDIR_OUT] = 5;
	learn(&s, 0);
	assert_int_equal(s.nrules, 0);
	text = mw_suggest_text(&s, &meta);
	assert_non_null(strstr(text, "\n    drop "));
	free(text);
	assert_round_trip(&s);
	mw_suggestion_free(&s);
}

static void test_order(void **state)
{
	static const char *const nm[] = { "198.18.7.9", "a.test", "198.18.7.8", "b.test", NULL };
	struct mw_suggestion s;
	char first[4096];
	size_t i;

	(void)state;
	names = nm;
	flow("fd00::7", IPPROTO_UDP, 1, 1, 0);
	flow("198.18.7.8", IPPROTO_UDP, 1, 1, 0);
	flow("198.18.7.2", IPPROTO_UDP, 2, 1, 0);
	flow("198.18.7.9", IPPROTO_TCP, 1, 1, 0);
	flow("198.18.7.2", IPPROTO_TCP, 2, 1, 0);
	flow("198.18.7.1", IPPROTO_UDP, 2, 1, 0);
	learn(&s, 0);
	snprintf(first, sizeof(first), "%s", rules_text(&s));
	assert_string_equal(first, "allow udp to 198.18.7.1 port 2\n"
				   "allow tcp to 198.18.7.2 port 2\n"
				   "allow udp to 198.18.7.2 port 2\n"
				   "allow udp to fd00::7 port 1\n"
				   "allow tcp to name \"a.test\" port 1\n"
				   "allow udp to name \"b.test\" port 1\n");
	mw_suggestion_free(&s);
	/* the same flows in the reverse order: the same rules */
	for (i = 0; i < nrecs / 2; i++) {
		struct mw_flow_rec t = recs[i];

		recs[i] = recs[nrecs - 1 - i];
		recs[nrecs - 1 - i] = t;
	}
	learn(&s, 0);
	assert_string_equal(rules_text(&s), first);
	mw_suggestion_free(&s);
}

static void test_since(void **state)
{
	struct mw_suggestion s;

	(void)state;
	flow("198.18.8.1", IPPROTO_UDP, 1, 1, 0)->v.last_ns = 50 * SEC;
	flow("198.18.8.2", IPPROTO_UDP, 1, 1, 0)->v.last_ns = 150 * SEC;
	flow("198.18.8.3", IPPROTO_UDP, 1, 1, 0)->v.last_ns = 300 * SEC;
	learn(&s, 150 * SEC);
	assert_string_equal(rules_text(&s), "allow udp to 198.18.8.2 port 1\n"
					    "allow udp to 198.18.8.3 port 1\n");
	assert_int_equal(s.nflows, 2);
	assert_int_equal(s.last_ns, 300 * SEC);
	mw_suggestion_free(&s);
	learn(&s, 301 * SEC);
	assert_int_equal(s.nflows, 0);
	assert_int_equal(s.nrules, 0);
	mw_suggestion_free(&s);
}

static void test_cap_merged(void **state)
{
	struct mw_suggestion s;
	unsigned p;

	(void)state;
	for (p = 6000; p < 6020; p++)		/* 20 consecutive ports: one range, exact */
		flow("198.18.9.1", IPPROTO_UDP, p, 1, 0);
	flow("198.18.9.1", IPPROTO_TCP, 80, 1, 0);
	learn(&s, 0);
	assert_string_equal(rules_text(&s), "allow tcp to 198.18.9.1 port 80\n"
					    "allow udp to 198.18.9.1 port 6000-6019\n");
	assert_int_equal(s.rules[1].how, MW_SUG_MERGED);
	assert_int_equal(s.rules[1].flows, 20);
	assert_round_trip(&s);
	mw_suggestion_free(&s);
}

static void test_cap_widened(void **state)
{
	struct mw_suggestion s;
	unsigned p;

	(void)state;
	for (p = 0; p < 20; p++)		/* 20 ports with gaps: one range, wider */
		flow("198.18.9.2", IPPROTO_UDP, 7000 + 2 * p, 1, 0);
	flow("198.18.9.3", IPPROTO_UDP, 1, 1, 0);	/* another remote end: untouched */
	learn(&s, 0);
	assert_string_equal(rules_text(&s), "allow udp to 198.18.9.2 port 7000-7038\n"
					    "allow udp to 198.18.9.3 port 1\n");
	assert_int_equal(s.rules[0].how, MW_SUG_WIDENED);
	assert_int_equal(s.rules[1].how, MW_SUG_SEEN);
	assert_round_trip(&s);
	mw_suggestion_free(&s);
	/* 20 protocols: one rule for any */
	nrecs = 0;
	for (p = 0; p < 20; p++)
		flow("198.18.9.4", 100 + (int)p, 0, 1, 0);
	learn(&s, 0);
	assert_string_equal(rules_text(&s), "allow to 198.18.9.4\n");
	assert_int_equal(s.rules[0].flows, 20);
	assert_round_trip(&s);
	mw_suggestion_free(&s);
}

static void test_class_members(void **state)
{
	struct mw_suggestion s;
	char *text;
	struct mw_suggest_meta cm = meta;

	(void)state;
	flow("198.18.10.1", IPPROTO_UDP, 1, 1, 0)->k.member = 0x020000000001ull;
	flow("198.18.10.1", IPPROTO_UDP, 1, 1, 0)->k.member = 0x020000000002ull;
	flow("198.18.10.2", IPPROTO_UDP, 1, 1, 0)->k.member = 0x020000000001ull;
	learn(&s, 0);
	assert_int_equal(s.nmembers, 2);
	assert_string_equal(rules_text(&s), "allow udp to 198.18.10.1 port 1\n"
					    "allow udp to 198.18.10.2 port 1\n");
	assert_int_equal(s.rules[0].flows, 2);
	cm.is_class = 1;
	cm.subject = "cams";
	text = mw_suggest_text(&s, &cm);
	assert_non_null(strstr(text, "of class cams (2 members)"));
	assert_non_null(strstr(text, "#   class cams ... policy meter-learned\n"));
	free(text);
	mw_suggestion_free(&s);
}

static void test_mud_document(void **state)
{
	static const char *const nm[] = { "198.18.11.1", "mqtt.test", NULL };
	struct mw_suggestion s;
	struct json_object *doc, *mud, *acl, *aces, *a, *m, *v;

	(void)state;
	names = nm;
	flow("198.18.11.1", IPPROTO_TCP, 8883, 4, 4);
	flow("198.18.11.2", IPPROTO_UDP, 53, 4, 4);
	learn(&s, 0);
	doc = mw_suggest_mud(&s, &meta);
	assert_true(json_object_object_get_ex(doc, "ietf-mud:mud", &mud));
	assert_true(json_object_object_get_ex(mud, "mud-version", &v));
	assert_int_equal(json_object_get_int(v), 1);
	assert_true(json_object_object_get_ex(mud, "mud-url", &v));
	assert_string_equal(json_object_get_string(v), "https://modwall.invalid/meter.json");
	assert_true(json_object_object_get_ex(mud, "last-update", &v));
	assert_string_equal(json_object_get_string(v), "2023-11-14T22:13:20Z");
	assert_true(json_object_object_get_ex(mud, "cache-validity", &v));
	assert_true(json_object_object_get_ex(mud, "is-supported", &v));
	assert_true(json_object_object_get_ex(mud, "systeminfo", &v));
	assert_true(strlen(json_object_get_string(v)) <= 60);
	assert_true(json_object_object_get_ex(mud, "from-device-policy", &v));
	assert_false(json_object_object_get_ex(mud, "to-device-policy", &v));
	assert_true(json_object_object_get_ex(doc, "ietf-access-control-list:acls", &v));
	assert_true(json_object_object_get_ex(v, "acl", &v));
	assert_int_equal(json_object_array_length(v), 1);
	acl = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(acl, "aces", &aces));
	assert_true(json_object_object_get_ex(aces, "ace", &aces));
	assert_int_equal(json_object_array_length(aces), 2);
	/* the address first: a /32, udp port eq 53 */
	a = json_object_array_get_idx(aces, 0);
	assert_true(json_object_object_get_ex(a, "matches", &m));
	assert_true(json_object_object_get_ex(m, "ipv4", &v));
	assert_true(json_object_object_get_ex(v, "destination-ipv4-network", &v));
	assert_string_equal(json_object_get_string(v), "198.18.11.2/32");
	assert_true(json_object_object_get_ex(m, "udp", &v));
	assert_true(json_object_object_get_ex(v, "destination-port", &v));
	assert_true(json_object_object_get_ex(v, "operator", &v));
	assert_string_equal(json_object_get_string(v), "eq");
	/* then the name */
	a = json_object_array_get_idx(aces, 1);
	assert_true(json_object_object_get_ex(a, "matches", &m));
	assert_true(json_object_object_get_ex(m, "ipv4", &v));
	assert_true(json_object_object_get_ex(v, "ietf-acldns:dst-dnsname", &v));
	assert_string_equal(json_object_get_string(v), "mqtt.test");
	json_object_put(doc);
	mw_suggestion_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_names_collapse, setup),
		cmocka_unit_test_setup(test_bad_name_stays_address, setup),
		cmocka_unit_test_setup(test_icmp, setup),
		cmocka_unit_test_setup(test_ports, setup),
		cmocka_unit_test_setup(test_dropped_and_left_out, setup),
		cmocka_unit_test_setup(test_nothing_passed, setup),
		cmocka_unit_test_setup(test_order, setup),
		cmocka_unit_test_setup(test_since, setup),
		cmocka_unit_test_setup(test_cap_merged, setup),
		cmocka_unit_test_setup(test_cap_widened, setup),
		cmocka_unit_test_setup(test_class_members, setup),
		cmocka_unit_test_setup(test_mud_document, setup),
	};

	return cmocka_run_group_tests_name("suggest", tests, NULL, NULL);
}
