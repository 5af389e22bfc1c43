// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * MUD import (user/lib/mud*.c): the policy text made from the fixtures under
 * tests/unit/data/mud and from small inline MUD files, the errors and
 * warnings for what cannot be expressed, and that every generated policy
 * passes the same parser and compiler as `modwall check`. Run from the
 * repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "mud.h"
#include "policy.h"

#define DATA	"tests/unit/data/mud/"

/* ---- helpers ---- */

static void print_diag(const struct mw_mud *m)
{
	int i;

	for (i = 0; i < m->errors.n; i++)
		print_message("  error: %s\n", m->errors.msg[i]);
	for (i = 0; i < m->warnings.n; i++)
		print_message("  warning: %s\n", m->warnings.msg[i]);
	for (i = 0; i < m->notes.n; i++)
		print_message("  note: %s\n", m->notes.msg[i]);
	if (m->text)
		print_message("%s", m->text);
}

/* The text with a device statement appended must pass parse and compile as check runs them. */
static void assert_checks(const struct mw_mud *m)
{
	struct mw_policy p;
	struct mw_plan plan;
	char *text;
	size_t len = strlen(m->text) + 128;
	int i;

	text = malloc(len);
	assert_non_null(text);
	snprintf(text, len, "%sdevice mud-dev mac 02:00:00:00:00:01 policy %s\n", m->text,
		 m->name);
	if (mw_policy_load_string(&p, "import.mwp", text) ||
	    mw_compile(&plan, &p, NULL, NULL)) {
		for (i = 0; i < p.errors.n; i++)
			print_error("%s\n", p.errors.msg[i]);
		fail_msg("the imported policy does not check");
	}
	mw_plan_free(&plan);
	mw_policy_free(&p);
	free(text);
}

static int import_opts(struct mw_mud *m, const char *name, const struct mw_mud_opts *o)
{
	char path[256];
	int rc;

	snprintf(path, sizeof(path), DATA "%s", name);
	rc = mw_mud_import_file(m, path, o);
	print_diag(m);
	if (!rc)
		assert_checks(m);
	return rc;
}

static int import_file(struct mw_mud *m, const char *name, const char *policy, int resolve,
		       int lenient)
{
	struct mw_mud_opts o = { .name = policy, .resolve = resolve, .lenient = lenient };
	char path[256];
	int rc;

	snprintf(path, sizeof(path), DATA "%s", name);
	rc = mw_mud_import_file(m, path, &o);
	print_diag(m);
	if (!rc)
		assert_checks(m);
	return rc;
}

static int import_str(struct mw_mud *m, const char *json, int resolve, int lenient)
{
	struct mw_mud_opts o = { .file = "t.json", .resolve = resolve, .lenient = lenient };
	struct json_object *root;
	int rc;

	memset(m, 0, sizeof(*m));
	root = mw_mud_parse_json(json, strlen(json), "t.json", &m->errors);
	if (!root) {
		print_diag(m);
		return -1;
	}
	rc = mw_mud_import(m, root, &o);
	json_object_put(root);
	print_diag(m);
	if (!rc)
		assert_checks(m);
	return rc;
}

static void assert_diag(const struct mw_diag *d, int n, ...)
{
	va_list ap;
	int i;

	assert_int_equal(d->n, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(d->msg[i], va_arg(ap, const char *));
	va_end(ap);
}

/* A MUD file of one from-device ACL "acl1" (of @type) holding the aces @aces. */
static char *mud_json(const char *type, const char *aces)
{
	static const char fmt[] =
		"{\"ietf-mud:mud\": {\"mud-version\": 1, \"mud-url\": \"https://x.example.com/m\","
		" \"systeminfo\": \"test\", \"from-device-policy\": {\"access-lists\": "
		"{\"access-list\": [{\"name\": \"acl1\"}]}}},"
		" \"ietf-access-control-list:acls\": {\"acl\": [{\"name\": \"acl1\"%s%s%s,"
		" \"aces\": {\"ace\": [%s]}}]}}";
	size_t len = sizeof(fmt) + strlen(type) + strlen(aces) + 32;
	char *s = malloc(len);

	assert_non_null(s);
	snprintf(s, len, fmt, *type ? ", \"type\": \"" : "", type, *type ? "\"" : "", aces);
	return s;
}

static int import_aces(struct mw_mud *m, const char *type, const char *aces, int lenient)
{
	char *json = mud_json(type, aces);
	int rc = import_str(m, json, 0, lenient);

	free(json);
	return rc;
}

#define HEADER(acl) \
	"# modwall mud import of t.json\n" \
	"# MUD URL:    https://x.example.com/m\n" \
	"# systeminfo: test\n" \
	"# from-device ACLs: " acl "\n"

/* ---- the fixtures ---- */

static void test_meter(void **state)
{
	struct mw_mud m;

	(void)state;
	assert_int_equal(import_file(&m, "meter.json", NULL, 0, 0), 0);
	assert_string_equal(m.text,
		"# modwall mud import of tests/unit/data/mud/meter.json\n"
		"# MUD URL:    https://meters.example.com/.well-known/mud/em300\n"
		"# systeminfo: EM300 smart electricity meter (LTE-M module)\n"
		"# from-device ACLs: mud-em300-v4fr, mud-em300-v6fr\n"
		"# to-device ACLs not imported: allow rules work both ways\n"
		"policy mud-em300-v4fr {\n"
		"    # acl mud-em300-v4fr\n"
		"    allow tcp to 192.0.2.10 port 8883            # mqtt-broker\n"
		"    allow udp to 198.51.100.0/24 port 5683-5684  # coap-servers\n"
		"    allow udp to 192.0.2.53 port 53              # dns\n"
		"    allow icmp to 192.0.2.1 type 8               # ping-gateway\n"
		"    # deny-telnet: drop, not imported: what is not allowed is dropped\n"
		"    # acl mud-em300-v6fr\n"
		"    allow udp to 2001:db8:0:123::1 port 123      # ntp\n"
		"    allow tcp to 2001:db8:f00::/48 port 8443-65535 # firmware\n"
		"    # reject-rest: reject, not imported: what is not allowed is dropped\n"
		"}\n");
	assert_string_equal(m.name, "mud-em300-v4fr");
	assert_int_equal(m.nrules, 6);
	assert_int_equal(m.errors.n, 0);
	assert_int_equal(m.warnings.n, 0);
	assert_diag(&m.notes, 4,
		    "tests/unit/data/mud/meter.json: to-device-policy not imported: an allow rule "
		    "passes traffic to its remote end from the device on a lan interface, and from "
		    "it to the device on a wan interface",
		    "tests/unit/data/mud/meter.json: ace 'ping-gateway': ICMP type rules match both "
		    "ways: on a wan interface, frames from the remote end pass only when their own "
		    "type is accepted (echo replies are type 0 in ICMP, 129 in ICMPv6)",
		    "tests/unit/data/mud/meter.json: ace 'deny-telnet': drop ace not imported: "
		    "everything not allowed is dropped",
		    "tests/unit/data/mud/meter.json: ace 'reject-rest': reject ace not imported: "
		    "everything not allowed is dropped");
	mw_mud_free(&m);
}

static void test_meter_named(void **state)
{
	struct mw_mud m;

	(void)state;
	assert_int_equal(import_file(&m, "meter.json", "em300", 0, 0), 0);
	assert_string_equal(m.name, "em300");
	assert_non_null(strstr(m.text, "\npolicy em300 {\n"));
	mw_mud_free(&m);

	/* the library refuses a name check would refuse */
	assert_int_equal(import_file(&m, "meter.json", "observe", 0, 0), -1);
	assert_diag(&m.errors, 1, "'observe' is not a valid policy name: letters, digits, '_', "
		    "'-' and '.', starting with a letter or '_', at most 31 characters, and not a "
		    "keyword or a built-in policy");
	assert_null(m.text);
	mw_mud_free(&m);
}

static void test_rfc8520_example(void **state)
{
	struct mw_mud m;

	(void)state;
	/* the example of RFC 8520: a DNS name and direction-initiated */
	assert_int_equal(import_file(&m, "rfc8520.json", NULL, 0, 0), 0);
	assert_string_equal(m.text,
		"# modwall mud import of tests/unit/data/mud/rfc8520.json\n"
		"# MUD URL:    https://lighting.example.com/lightbulb2000\n"
		"# systeminfo: The BMS Example Light Bulb\n"
		"# from-device ACLs: mud-76100-v6fr\n"
		"# to-device ACLs not imported: allow rules work both ways\n"
		"policy mud-76100-v6fr {\n"
		"    # acl mud-76100-v6fr\n"
		"    allow tcp to name \"test.example.com\" port 443 initiated-by device # cl0-frdev\n"
		"}\n");
	assert_int_equal(m.nrules, 1);
	assert_int_equal(m.errors.n, 0);
	assert_int_equal(m.warnings.n, 0);
	assert_diag(&m.notes, 2,
		    "tests/unit/data/mud/rfc8520.json: to-device-policy not imported: an allow rule "
		    "passes traffic to its remote end from the device on a lan interface, and from "
		    "it to the device on a wan interface",
		    "tests/unit/data/mud/rfc8520.json: DNS names are imported as name rules, which "
		    "allow the addresses learned for each name and follow its changes; --resolve "
		    "resolves them at import time instead, into address rules that do not follow "
		    "changes");
	mw_mud_free(&m);
}

static void test_dns(void **state)
{
	struct mw_mud m;

	(void)state;
	/* a name rule by default */
	assert_int_equal(import_file(&m, "dns.json", NULL, 0, 0), 0);
	assert_string_equal(m.text,
		"# modwall mud import of tests/unit/data/mud/dns.json\n"
		"# MUD URL:    https://trackers.example.com/mud/gt7\n"
		"# systeminfo: GT7 vehicle tracker\n"
		"# from-device ACLs: gt7-from\n"
		"policy gt7-from {\n"
		"    # acl gt7-from\n"
		"    allow udp to name \"localhost\" port 5684      # telemetry\n"
		"    allow udp to 192.0.2.123 port 123            # ntp\n"
		"}\n");
	assert_int_equal(m.nrules, 2);
	mw_mud_free(&m);

	/* --resolve: addresses now */
	assert_int_equal(import_file(&m, "dns.json", NULL, 1, 0), 0);
	assert_string_equal(m.text,
		"# modwall mud import of tests/unit/data/mud/dns.json\n"
		"# MUD URL:    https://trackers.example.com/mud/gt7\n"
		"# systeminfo: GT7 vehicle tracker\n"
		"# from-device ACLs: gt7-from\n"
		"policy gt7-from {\n"
		"    # acl gt7-from\n"
		"    allow udp to 127.0.0.1 port 5684             # telemetry (localhost resolved at "
		"import time)\n"
		"    allow udp to 192.0.2.123 port 123            # ntp\n"
		"}\n");
	assert_int_equal(m.nrules, 2);
	assert_diag(&m.notes, 1,
		    "tests/unit/data/mud/dns.json: ace 'telemetry': 'localhost' resolved at import "
		    "time to 127.0.0.1; the rules do not follow later changes of its addresses");
	mw_mud_free(&m);
}

static void test_dns_message(void **state)
{
	struct mw_mud m;

	(void)state;
	/* a name the policy language refuses is an error naming the ace */
	assert_int_equal(import_aces(&m, "ipv4-acl-type",
		"{\"name\": \"broker\", \"matches\": {\"ipv4\": {\"protocol\": 6, "
		"\"ietf-acldns:dst-dnsname\": \"broker.exa mple.com\"}, \"tcp\": "
		"{\"destination-port\": {\"operator\": \"eq\", \"port\": 8883}}}, "
		"\"actions\": {\"forwarding\": \"accept\"}}", 0), -1);
	assert_diag(&m.errors, 1,
		    "t.json: ace 'broker': 'ietf-acldns:dst-dnsname' 'broker.exa mple.com' is not a "
		    "DNS name a policy takes: ' ' is not a letter, digit, '-' or '_'");
	mw_mud_free(&m);

	/* one name rule for both families; the same name in two aces, one rule each way */
	assert_int_equal(import_aces(&m, "",
		"{\"name\": \"a\", \"matches\": {\"ipv6\": {\"protocol\": 6, "
		"\"ietf-acldns:dst-dnsname\": \"*.Example.com\"}, \"tcp\": "
		"{\"destination-port\": {\"port\": 443}}}, " "\"actions\": {\"forwarding\": \"accept\"}},"
		"{\"name\": \"b\", \"matches\": {\"ipv4\": {\"protocol\": 6, "
		"\"ietf-acldns:dst-dnsname\": \"*.example.com\"}, \"tcp\": "
		"{\"destination-port\": {\"port\": 443}}}, " "\"actions\": {\"forwarding\": \"accept\"}},"
		"{\"name\": \"c\", \"matches\": {\"icmp\": {\"type\": 8}, \"ipv4\": {"
		"\"ietf-acldns:dst-dnsname\": \"gw.example.com\"}}, "
		"\"actions\": {\"forwarding\": \"accept\"}}", 0), 0);
	assert_string_equal(m.text, HEADER("acl1")
		"policy acl1 {\n"
		"    # acl acl1\n"
		"    allow tcp to name \"*.example.com\" port 443   # a\n"
		"    # b: the same rules as above\n"
		"    allow icmp to name \"gw.example.com\" type 8   # c\n"
		"}\n");
	mw_mud_free(&m);
}

static void test_malformed(void **state)
{
	struct mw_mud m;

	(void)state;
	assert_int_equal(import_file(&m, "malformed.json", NULL, 0, 0), -1);
	assert_diag(&m.errors, 1, "tests/unit/data/mud/malformed.json:5:5: bad JSON: object value "
		    "separator ',' expected");
	mw_mud_free(&m);

	assert_int_equal(import_str(&m, "{\n  \"ietf-mud:mud\": {\n", 0, 0), -1);
	assert_diag(&m.errors, 1, "t.json:3:1: bad JSON: unexpected end of file");
	mw_mud_free(&m);

	assert_int_equal(import_str(&m, "{\"a\": [1, 2,]}", 0, 0), -1);
	assert_diag(&m.errors, 1, "t.json:1:13: bad JSON: unexpected character");
	mw_mud_free(&m);

	assert_int_equal(import_str(&m, "{}\n\n  {}", 0, 0), -1);
	assert_diag(&m.errors, 1, "t.json:3:3: bad JSON: unexpected character");
	mw_mud_free(&m);

	assert_int_equal(import_str(&m, "", 0, 0), -1);
	assert_diag(&m.errors, 1, "t.json:1:1: bad JSON: unexpected end of file");
	mw_mud_free(&m);

	assert_int_equal(import_str(&m, "[1]", 0, 0), -1);
	assert_diag(&m.errors, 1, "t.json: no 'ietf-mud:mud' object: not a MUD file");
	mw_mud_free(&m);

	assert_int_equal(import_file(&m, "missing.json", NULL, 0, 0), -1);
	assert_diag(&m.errors, 1, "tests/unit/data/mud/missing.json: No such file or directory");
	mw_mud_free(&m);
}

static void test_no_from_device(void **state)
{
	struct mw_mud m;

	(void)state;
	assert_int_equal(import_file(&m, "no-from-device.json", NULL, 0, 0), -1);
	assert_diag(&m.errors, 1, "tests/unit/data/mud/no-from-device.json: 'ietf-mud:mud' has "
		    "no 'from-device-policy': no traffic from the device to import");
	mw_mud_free(&m);
}

static void test_unknown_acl(void **state)
{
	struct mw_mud m;

	(void)state;
	assert_int_equal(import_file(&m, "unknown-acl.json", NULL, 0, 0), -1);
	assert_diag(&m.errors, 1, "tests/unit/data/mud/unknown-acl.json: 'from-device-policy' "
		    "names ACL 'wm2-v6fr', which 'ietf-access-control-list:acls' does not define");
	mw_mud_free(&m);
}

static void test_unsupported(void **state)
{
	struct mw_mud m;

	(void)state;
	assert_int_equal(import_file(&m, "unsupported.json", NULL, 0, 0), -1);
	assert_diag(&m.errors, 2,
		    "tests/unit/data/mud/unsupported.json: ace 'bulbs': destination is the devices "
		    "of the same manufacturer ('ietf-mud:mud' match 'same-manufacturer'), whose "
		    "addresses only the operator knows: declare them with --same-manufacturer PREFIX "
		    "(repeatable), written as addrset same-manufacturer (--lenient leaves the ace out)",
		    "tests/unit/data/mud/unsupported.json: ace 'coap-from': matches the source port "
		    "only, which is the device's own port; modwall matches the remote port (--lenient "
		    "leaves the ace out)");
	assert_null(m.text);
	mw_mud_free(&m);

	assert_int_equal(import_file(&m, "unsupported.json", NULL, 0, 1), 0);
	assert_string_equal(m.text,
		"# modwall mud import of tests/unit/data/mud/unsupported.json\n"
		"# MUD URL:    https://lighting.example.com/mud/hub3\n"
		"# systeminfo: Hub3 lighting hub\n"
		"# from-device ACLs: hub3-v4fr\n"
		"policy hub3-v4fr {\n"
		"    # acl hub3-v4fr\n"
		"    allow tcp to 203.0.113.0/26 port 443         # cloud\n"
		"    # bulbs: not imported ('same-manufacturer' cannot be expressed)\n"
		"    # coap-from: not imported ('source-port' cannot be expressed)\n"
		"}\n");
	assert_int_equal(m.nrules, 1);
	assert_diag(&m.warnings, 2,
		    "tests/unit/data/mud/unsupported.json: ace 'bulbs': destination is the devices "
		    "of the same manufacturer ('ietf-mud:mud' match 'same-manufacturer'), whose "
		    "addresses only the operator knows: declare them with --same-manufacturer PREFIX "
		    "(repeatable), written as addrset same-manufacturer (ace left out)",
		    "tests/unit/data/mud/unsupported.json: ace 'coap-from': matches the source port "
		    "only, which is the device's own port; modwall matches the remote port (ace left "
		    "out)");
	mw_mud_free(&m);
}

#define ACCEPT	"\"actions\": {\"forwarding\": \"accept\"}"
#define DROP	"\"actions\": {\"forwarding\": \"drop\"}"

/* ---- MUD files as they are written in the wild ---- */

static void test_draft_container(void **state)
{
	struct mw_mud m;

	(void)state;
	/* 'access-lists' of the drafts, a DNS name, direction-initiated, eth beside IP, ARP */
	assert_int_equal(import_file(&m, "draft-container.json", NULL, 0, 0), 0);
	assert_string_equal(m.text,
		"# modwall mud import of tests/unit/data/mud/draft-container.json\n"
		"# MUD URL:    https://plugs.example.com/mud/sp20.json\n"
		"# systeminfo: SP20 smart plug\n"
		"# from-device ACLs: from-ipv4-sp20\n"
		"# to-device ACLs not imported: allow rules work both ways\n"
		"policy from-ipv4-sp20 {\n"
		"    # acl from-ipv4-sp20\n"
		"    allow tcp to name \"cloud.plugs.example.com\" port 443 initiated-by device "
		"# from-ipv4-sp20-0\n"
		"    allow udp to name \"pool.ntp.org\" port 123    # from-ipv4-sp20-1\n"
		"    allow udp to 255.255.255.255 port 67         # from-ipv4-sp20-2\n"
		"    # from-ipv4-sp20-3: ARP, which modwall always passes\n"
		"}\n");
	assert_int_equal(m.nrules, 3);
	assert_int_equal(m.warnings.n, 0);
	assert_diag(&m.notes, 5,
		    "tests/unit/data/mud/draft-container.json: ACLs read from "
		    "'ietf-access-control-list:access-lists', the container of drafts before RFC 8519 "
		    "(now 'ietf-access-control-list:acls')",
		    "tests/unit/data/mud/draft-container.json: to-device-policy not imported: an "
		    "allow rule passes traffic to its remote end from the device on a lan interface, "
		    "and from it to the device on a wan interface",
		    "tests/unit/data/mud/draft-container.json: DNS names are imported as name rules, "
		    "which allow the addresses learned for each name and follow its changes; "
		    "--resolve resolves them at import time instead, into address rules that do not "
		    "follow changes",
		    "tests/unit/data/mud/draft-container.json: ace 'from-ipv4-sp20-2': its 'eth' "
		    "match (ethertype 0x0800 and the broadcast MAC address) only restates its IP "
		    "match",
		    "tests/unit/data/mud/draft-container.json: ace 'from-ipv4-sp20-3': allows ARP, "
		    "which modwall always passes: no rule needed");
	mw_mud_free(&m);
}

static void test_abstractions(void **state)
{
	static const char *const local[] = { "192.168.0.0/16", "fd00::/8" };
	struct mw_mud_decl *d = NULL;
	struct mw_mud_opts o = { 0 };
	struct mw_mud m;
	char err[256];
	int n = 0;
	size_t i;

	(void)state;
	/* nothing declared: every ace that names an abstraction is an error */
	assert_int_equal(import_file(&m, "abstractions.json", NULL, 0, 0), -1);
	assert_int_equal(m.errors.n, 7);
	assert_string_equal(m.errors.msg[0], "tests/unit/data/mud/abstractions.json: ace "
			    "'lan-http': destination is the local networks ('ietf-mud:mud' match "
			    "'local-networks'), whose addresses only the operator knows: declare them "
			    "with --local PREFIX (repeatable), written as addrset local-networks "
			    "(--lenient leaves the ace out)");
	assert_string_equal(m.errors.msg[4], "tests/unit/data/mud/abstractions.json: ace "
			    "'bridges': destination is the devices of a manufacturer ('ietf-mud:mud' "
			    "match 'manufacturer' bridges.example.net), whose addresses only the "
			    "operator knows: declare them with --manufacturer "
			    "bridges.example.net=PREFIX[,PREFIX]... (--lenient leaves the ace out)");
	mw_mud_free(&m);

	for (i = 0; i < 2; i++)
		assert_int_equal(mw_mud_parse_decl(MW_MUD_LOCAL, local[i], &d, &n, err,
						   sizeof(err)), 0);
	assert_int_equal(mw_mud_parse_decl(MW_MUD_CONTROLLER,
					   "https://lighting.example.com/controllers/hub="
					   "192.0.2.5,2001:db8::5", &d, &n, err, sizeof(err)), 0);
	assert_int_equal(mw_mud_parse_decl(MW_MUD_CONTROLLER,
					   "https://lighting.example.com/controllers/unused=192.0.2.9",
					   &d, &n, err, sizeof(err)), 0);
	assert_int_equal(mw_mud_parse_decl(MW_MUD_MY_CONTROLLER, "192.0.2.6", &d, &n, err,
					   sizeof(err)), 0);
	assert_int_equal(mw_mud_parse_decl(MW_MUD_SAME_MFR, "192.0.2.128/25", &d, &n, err,
					   sizeof(err)), 0);
	assert_int_equal(mw_mud_parse_decl(MW_MUD_MANUFACTURER, "bridges.example.net="
					   "198.51.100.0/24", &d, &n, err, sizeof(err)), 0);
	assert_int_equal(mw_mud_parse_decl(MW_MUD_MODEL, "https://lighting.example.com/models/"
					   "remote-r2=203.0.113.0/28", &d, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 9);
	o.decl = d;
	o.ndecl = n;
	assert_int_equal(import_opts(&m, "abstractions.json", &o), 0);
	assert_string_equal(m.text,
		"# modwall mud import of tests/unit/data/mud/abstractions.json\n"
		"# MUD URL:    https://lighting.example.com/mud/bulb9\n"
		"# systeminfo: Bulb9 smart bulb\n"
		"# from-device ACLs: bulb9-v4fr, bulb9-v6fr\n"
		"policy bulb9-v4fr {\n"
		"    # acl bulb9-v4fr\n"
		"    allow tcp to addrset local-networks port 80 initiated-by remote # lan-http\n"
		"    allow udp to addrset ctl-lighting.example.com port 5683 # hub\n"
		"    allow to addrset my-controller               # mine\n"
		"    allow icmp to addrset same-manufacturer type 8 # siblings\n"
		"    allow tcp to addrset mfr-bridges.example.net port 8443 # bridges\n"
		"    allow udp to addrset model-lighting.example.com port 5684 # remotes\n"
		"    # acl bulb9-v6fr\n"
		"    # lan-http6: the same rules as above\n"
		"}\n"
		"# the local networks (--local)\n"
		"addrset local-networks { 192.168.0.0/16 fd00::/8 }\n"
		"# a controller class https://lighting.example.com/controllers/hub (--controller)\n"
		"addrset ctl-lighting.example.com { 192.0.2.5 2001:db8::5 }\n"
		"# the device's controller (--my-controller)\n"
		"addrset my-controller { 192.0.2.6 }\n"
		"# the devices of the same manufacturer (--same-manufacturer)\n"
		"addrset same-manufacturer { 192.0.2.128/25 }\n"
		"# the devices of a manufacturer bridges.example.net (--manufacturer)\n"
		"addrset mfr-bridges.example.net { 198.51.100.0/24 }\n"
		"# the devices of a model https://lighting.example.com/models/remote-r2 (--model)\n"
		"addrset model-lighting.example.com { 203.0.113.0/28 }\n");
	assert_int_equal(m.nrules, 6);
	assert_string_equal(m.notes.msg[0], "tests/unit/data/mud/abstractions.json: ace "
			    "'lan-http': matches IPv4 only, but addrset local-networks has IPv6 "
			    "prefixes too, which its rule allows as well");
	assert_string_equal(m.notes.msg[m.notes.n - 1], "tests/unit/data/mud/abstractions.json: "
			    "--controller https://lighting.example.com/controllers/unused declared, "
			    "but no imported ace names a controller class");
	mw_mud_free(&m);
	mw_mud_decls_free(d, n);

	/* bad declarations */
	d = NULL;
	n = 0;
	assert_int_equal(mw_mud_parse_decl(MW_MUD_LOCAL, "10.0.0.1/8", &d, &n, err,
					   sizeof(err)), -1);
	assert_string_equal(err, "--local: bad address '10.0.0.1/8': host bits set past /8");
	assert_int_equal(mw_mud_parse_decl(MW_MUD_CONTROLLER, "10.0.0.0/8", &d, &n, err,
					   sizeof(err)), -1);
	assert_string_equal(err, "--controller '10.0.0.0/8': expected URI=PREFIX[,PREFIX]...");
	assert_int_equal(mw_mud_parse_decl(MW_MUD_MANUFACTURER, "x.example=10.0.0.0/8,", &d, &n,
					   err, sizeof(err)), -1);
	assert_string_equal(err, "--manufacturer: bad address '': empty address");
	mw_mud_decls_free(d, n);
}

static void test_eth(void **state)
{
	struct mw_mud m;

	(void)state;
	assert_int_equal(import_file(&m, "eth.json", NULL, 0, 0), -1);
	assert_diag(&m.errors, 3,
		    "tests/unit/data/mud/eth.json: ace 'lldp': matches EtherType 0x88cc ('eth'); "
		    "modwall matches IPv4 and IPv6, and always passes ARP (--lenient leaves the ace "
		    "out)",
		    "tests/unit/data/mud/eth.json: ace 'to-router-mac': matches the Ethernet field "
		    "'destination-mac-address' ('eth'); modwall matches the remote end's IP address "
		    "(--lenient leaves the ace out)",
		    "tests/unit/data/mud/eth.json: ace 'subnet-broadcast': matches the broadcast MAC "
		    "address ('eth') without the broadcast address 255.255.255.255; modwall matches "
		    "the remote end's IP address (--lenient leaves the ace out)");
	mw_mud_free(&m);

	assert_int_equal(import_file(&m, "eth.json", NULL, 0, 1), 0);
	assert_string_equal(m.text,
		"# modwall mud import of tests/unit/data/mud/eth.json\n"
		"# MUD URL:    https://cams.example.com/mud/c3\n"
		"# systeminfo: C3 camera\n"
		"# from-device ACLs: c3-fr\n"
		"policy c3-fr {\n"
		"    # acl c3-fr\n"
		"    allow udp to ::/0 port 514                   # v6-only\n"
		"    # arp: ARP, which modwall always passes\n"
		"    # lldp: not imported ('eth' cannot be expressed)\n"
		"    # to-router-mac: not imported ('eth' cannot be expressed)\n"
		"    # subnet-broadcast: not imported ('eth' cannot be expressed)\n"
		"}\n");
	assert_diag(&m.notes, 2,
		    "tests/unit/data/mud/eth.json: ace 'v6-only': its 'eth' 'ethertype' 0x86dd makes "
		    "it an IPv6 ace",
		    "tests/unit/data/mud/eth.json: ace 'arp': allows ARP, which modwall always "
		    "passes: no rule needed");
	mw_mud_free(&m);

	/* contradictions are errors, lenient or not; a drop ace for ARP is noted */
	assert_int_equal(import_aces(&m, "ipv4-acl-type",
		"{\"name\": \"x\", \"matches\": {\"eth\": {\"ethertype\": 2054}, \"ipv4\": "
		"{\"destination-ipv4-network\": \"192.0.2.1/32\"}}, " ACCEPT "},"
		"{\"name\": \"y\", \"matches\": {\"eth\": {\"ethertype\": \"ipv6\"}}, " ACCEPT "},"
		"{\"name\": \"z\", \"matches\": {\"eth\": {\"ethertype\": \"0x8x\"}}, " ACCEPT "}", 1),
		-1);
	assert_diag(&m.errors, 3,
		    "t.json: ace 'x': 'eth' 'ethertype' 0x0806 (ARP) contradicts its IP matches",
		    "t.json: ace 'y': 'eth' 'ethertype' 0x86dd contradicts its IPv4 match",
		    "t.json: ace 'z': 'eth' 'ethertype' '0x8x' is not an EtherType");
	mw_mud_free(&m);
	assert_int_equal(import_aces(&m, "ipv4-acl-type",
		"{\"name\": \"no-arp\", \"matches\": {\"eth\": {\"ethertype\": \"arp\"}}, " DROP "},"
		"{\"name\": \"all\", " ACCEPT "}", 0), 0);
	assert_string_equal(m.text, HEADER("acl1")
		"policy acl1 {\n"
		"    # acl acl1\n"
		"    # no-arp: drop ARP, not imported: modwall always passes ARP\n"
		"    allow to 0.0.0.0/0                           # all\n"
		"}\n");
	mw_mud_free(&m);
}

/* ---- inline MUD files ---- */


static void test_port_operators(void **state)
{
	struct mw_mud m;

	(void)state;
	assert_int_equal(import_aces(&m, "ipv4-acl-type",
		"{\"name\": \"neq\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
		"\"10.1.0.0/16\"}, \"tcp\": {\"destination-port\": {\"operator\": \"neq\", "
		"\"port\": 25}}}, " ACCEPT "},"
		"{\"name\": \"lte\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
		"\"10.2.0.1/32\", \"protocol\": 17}, \"udp\": {\"destination-port\": "
		"{\"operator\": \"lte\", \"port\": 1023}}}, " ACCEPT "},"
		"{\"name\": \"neq0\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
		"\"10.3.0.1/32\"}, \"udp\": {\"destination-port\": {\"operator\": \"neq\", "
		"\"port\": 0}}}, " ACCEPT "},"
		"{\"name\": \"gre\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
		"\"10.4.0.1/32\", \"protocol\": 47}}, " ACCEPT "}", 0), 0);
	assert_string_equal(m.text, HEADER("acl1")
		"policy acl1 {\n"
		"    # acl acl1\n"
		"    allow tcp to 10.1.0.0/16 port 0-24           # neq\n"
		"    allow tcp to 10.1.0.0/16 port 26-65535       # neq\n"
		"    allow udp to 10.2.0.1 port 0-1023            # lte\n"
		"    allow udp to 10.3.0.1 port 1-65535           # neq0\n"
		"    allow 47 to 10.4.0.1                         # gre\n"
		"}\n");
	assert_int_equal(m.nrules, 5);
	mw_mud_free(&m);
}

static void test_families(void **state)
{
	struct mw_mud m;

	(void)state;
	/* no matches: everything, in the ACL's families; icmp without a family: both kinds */
	assert_int_equal(import_aces(&m, "",
		"{\"name\": \"all\", " ACCEPT "},"
		"{\"name\": \"echo\", \"matches\": {\"icmp\": {\"type\": 8}}, " ACCEPT "},"
		"{\"name\": \"icmp6-in-v6\", \"matches\": {\"ipv6\": {\"protocol\": 1}}, " ACCEPT "}",
		0), 0);
	assert_string_equal(m.text, HEADER("acl1")
		"policy acl1 {\n"
		"    # acl acl1\n"
		"    allow to 0.0.0.0/0                           # all\n"
		"    allow to ::/0                                # all\n"
		"    allow icmp to 0.0.0.0/0 type 8               # echo\n"
		"    allow icmpv6 to ::/0 type 8                  # echo\n"
		"}\n");
	assert_int_equal(m.nrules, 4);
	assert_string_equal(m.notes.msg[m.notes.n - 1], "t.json: ace 'icmp6-in-v6': protocol 1 "
			    "(ICMP) never matches IPv6 traffic: no IPv6 rule");
	mw_mud_free(&m);

	/* an ipv6-acl-type ACL: ::/0 only */
	assert_int_equal(import_aces(&m, "ietf-access-control-list:ipv6-acl-type",
		"{\"name\": \"all\", " ACCEPT "}", 0), 0);
	assert_non_null(strstr(m.text, "    allow to ::/0 "));
	assert_null(strstr(m.text, "0.0.0.0/0"));
	mw_mud_free(&m);
}

static void test_drop_before_accept(void **state)
{
	struct mw_mud m;
	static const char aces[] =
		"{\"name\": \"no-telnet\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
		"\"192.0.2.0/24\"}, \"tcp\": {\"destination-port\": {\"port\": 23}}}, " DROP "},"
		"{\"name\": \"web\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
		"\"192.0.2.80/32\"}, \"tcp\": {\"destination-port\": {\"port\": 80}}}, " ACCEPT "},"
		"{\"name\": \"lab\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
		"\"192.0.2.128/25\"}}, " ACCEPT "}";

	(void)state;
	/* 'web' does not overlap 'no-telnet' (port 80), 'lab' does (any protocol) */
	assert_int_equal(import_aces(&m, "ipv4-acl-type", aces, 0), -1);
	assert_diag(&m.errors, 1, "t.json: ace 'lab': overlaps the drop ace 'no-telnet' before "
		    "it; allow rules have no order, so the import would pass traffic that "
		    "'no-telnet' drops (--lenient imports it all the same)");
	mw_mud_free(&m);

	assert_int_equal(import_aces(&m, "ipv4-acl-type", aces, 1), 0);
	assert_diag(&m.warnings, 1, "t.json: ace 'lab': overlaps the drop ace 'no-telnet' before "
		    "it; allow rules have no order, so the import passes traffic that 'no-telnet' "
		    "drops");
	assert_int_equal(m.nrules, 2);
	mw_mud_free(&m);
}

static void test_bad_aces(void **state)
{
	struct mw_mud m;

	(void)state;
	assert_int_equal(import_aces(&m, "ipv4-acl-type",
		"{\"name\": \"a1\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
		"\"192.0.2.1/24\"}}, " ACCEPT "},"
		"{\"name\": \"a2\", \"matches\": {\"ipv4\": {\"protocol\": 17}, \"tcp\": "
		"{\"destination-port\": {\"lower-port\": 90, \"upper-port\": 80}}}, " ACCEPT "},"
		"{\"name\": \"a3\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
		"\"2001:db8::/32\"}}, " ACCEPT "},"
		"{\"name\": \"a4\", \"matches\": {\"udp\": {\"destination-port\": {\"operator\": "
		"\"range\", \"port\": 5}}}, " ACCEPT "},"
		"{\"name\": \"a5\", \"matches\": {\"udp\": {\"destination-port\": {\"port\": 65536}}}, "
		ACCEPT "},"
		"{\"name\": \"a6\", \"actions\": {\"forwarding\": \"log\"}},"
		"{\"matches\": {}, " ACCEPT "},"
		"{\"name\": \"a8\", \"matches\": {\"ipv4\": {}, \"ipv6\": {}}, " ACCEPT "}", 0), -1);
	assert_diag(&m.errors, 9,
		    "t.json: ace 'a1': bad 'destination-ipv4-network' '192.0.2.1/24': host bits set "
		    "past /24",
		    "t.json: ace 'a2': tcp 'destination-port' range 90-80 runs backwards",
		    "t.json: ace 'a2': 'protocol' 17 contradicts its 'tcp' match",
		    "t.json: ace 'a3': 'destination-ipv4-network' '2001:db8::/32' is not an IPv4 "
		    "prefix",
		    "t.json: ace 'a4': udp 'destination-port' 'operator' 'range' is not eq, lte, gte "
		    "or neq",
		    "t.json: ace 'a5': udp 'destination-port' needs a 'port' from 0 to 65535",
		    "t.json: ace 'a6': unknown 'forwarding' 'log' (expected accept, drop or reject)",
		    "t.json: ace #7 of ACL 'acl1' has no name",
		    "t.json: ace 'a8': has both 'ipv4' and 'ipv6' matches");
	assert_null(m.text);
	mw_mud_free(&m);
}

static void test_lenient_narrowing(void **state)
{
	struct mw_mud m;

	(void)state;
	assert_int_equal(import_aces(&m, "ipv4-acl-type",
		"{\"name\": \"mqtt\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
		"\"192.0.2.10/32\", \"ttl\": 64}, \"tcp\": {\"ietf-mud:direction-initiated\": "
		"\"from-device\", \"flags\": \"syn\", \"destination-port\": {\"port\": 8883}}}, "
		ACCEPT "}", 1), 0);
	assert_string_equal(m.text, HEADER("acl1")
		"policy acl1 {\n"
		"    # acl acl1\n"
		"    allow tcp to 192.0.2.10 port 8883 initiated-by device # mqtt (without 'ttl', "
		"'flags')\n"
		"}\n");
	assert_diag(&m.warnings, 2,
		    "t.json: ace 'mqtt': 'ttl' in 'ipv4' cannot be expressed: modwall matches the "
		    "remote end's address and the protocol only (imported without it)",
		    "t.json: ace 'mqtt': tcp 'flags' cannot be expressed: modwall does not match TCP "
		    "flags (imported without it)");
	mw_mud_free(&m);
}

static void test_direction_initiated(void **state)
{
	struct mw_mud m;

	(void)state;
	/* no --lenient needed: who opens the connection is part of the rule */
	assert_int_equal(import_aces(&m, "ipv4-acl-type",
		"{\"name\": \"out\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
		"\"192.0.2.10/32\"}, \"tcp\": {\"ietf-mud:direction-initiated\": "
		"\"from-device\", \"destination-port\": {\"port\": 8883}}}, " ACCEPT "},"
		"{\"name\": \"in\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
		"\"192.0.2.20/32\"}, \"tcp\": {\"ietf-mud:direction-initiated\": "
		"\"ietf-mud:to-device\"}}, " ACCEPT "},"
		"{\"name\": \"both\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
		"\"192.0.2.10/32\"}, \"tcp\": {\"destination-port\": {\"port\": 8883}}}, " ACCEPT "}",
		0), 0);
	assert_string_equal(m.text, HEADER("acl1")
		"policy acl1 {\n"
		"    # acl acl1\n"
		"    allow tcp to 192.0.2.10 port 8883 initiated-by device # out\n"
		"    allow tcp to 192.0.2.20 initiated-by remote  # in\n"
		"    allow tcp to 192.0.2.10 port 8883            # both\n"
		"}\n");
	assert_int_equal(m.nrules, 3);
	assert_int_equal(m.warnings.n, 0);
	mw_mud_free(&m);

	assert_int_equal(import_aces(&m, "ipv4-acl-type",
		"{\"name\": \"odd\", \"matches\": {\"tcp\": {\"ietf-mud:direction-initiated\": "
		"\"sideways\"}}, " ACCEPT "}", 1), -1);
	assert_diag(&m.errors, 1, "t.json: ace 'odd': 'ietf-mud:direction-initiated' 'sideways' "
		    "is not from-device or to-device");
	mw_mud_free(&m);
}

static void test_mud_matches(void **state)
{
	static const char *const kinds[] = {
		"manufacturer", "same-manufacturer", "model", "local-networks", "controller",
		"my-controller",
	};
	struct mw_mud m;
	char aces[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(aces, sizeof(aces), "{\"name\": \"m\", \"matches\": {\"ietf-mud:mud\": "
			 "{\"%s\": \"x\"}}, " ACCEPT "}", kinds[i]);
		assert_int_equal(import_aces(&m, "ipv4-acl-type", aces, 0), -1);
		assert_int_equal(m.errors.n, 1);
		assert_non_null(strstr(m.errors.msg[0], kinds[i]));
		assert_non_null(strstr(m.errors.msg[0], "t.json: ace 'm': destination is "));
		assert_non_null(strstr(m.errors.msg[0], "declare them with --"));
		mw_mud_free(&m);
	}
	assert_int_equal(import_aces(&m, "ipv4-acl-type", "{\"name\": \"m\", \"matches\": "
				     "{\"ietf-mud:mud\": {\"local-networks\": [null]}}, " ACCEPT "}",
				     0), -1);
	assert_diag(&m.errors, 1, "t.json: ace 'm': destination is the local networks "
		    "('ietf-mud:mud' match 'local-networks'), whose addresses only the operator "
		    "knows: declare them with --local PREFIX (repeatable), written as addrset "
		    "local-networks (--lenient leaves the ace out)");
	mw_mud_free(&m);
	assert_int_equal(import_aces(&m, "ipv4-acl-type", "{\"name\": \"m\", \"matches\": "
				     "{\"ietf-mud:mud\": {\"controller\": \"https://c.example/x\"}}, "
				     ACCEPT "}", 0), -1);
	assert_diag(&m.errors, 1, "t.json: ace 'm': destination is a controller class "
		    "('ietf-mud:mud' match 'controller' https://c.example/x), whose addresses only "
		    "the operator knows: declare them with --controller "
		    "https://c.example/x=PREFIX[,PREFIX]... (--lenient leaves the ace out)");
	mw_mud_free(&m);
}

static void test_rule_limit(void **state)
{
	struct mw_mud m;
	char aces[8192];
	size_t n = 0;
	int i;

	(void)state;
	/* 17 ports to one address: more than the 16 rules one prefix can carry */
	for (i = 0; i < 17; i++)
		n += (size_t)snprintf(aces + n, sizeof(aces) - n, "%s{\"name\": \"p%d\", "
				      "\"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
				      "\"192.0.2.7/32\"}, \"udp\": {\"destination-port\": {\"port\": "
				      "%d}}}, " ACCEPT "}", i ? "," : "", i, 1000 + i);
	assert_int_equal(import_aces(&m, "ipv4-acl-type", aces, 0), -1);
	assert_diag(&m.errors, 1, "t.json: the imported policy would be rejected: policy acl1: "
		    "more than 16 rules apply to 192.0.2.7 (rules of containing prefixes count too)");
	mw_mud_free(&m);
}

static void test_sanitising(void **state)
{
	struct mw_mud m;

	(void)state;
	/* control characters cannot break out of a comment */
	assert_int_equal(import_str(&m,
		"{\"ietf-mud:mud\": {\"mud-url\": \"https://x/\\npolicy evil { drop }\", "
		"\"systeminfo\": \"a\\u0007b\", \"from-device-policy\": {\"access-lists\": "
		"{\"access-list\": [{\"name\": \"9 bad name!\"}]}}}, "
		"\"ietf-access-control-list:acls\": {\"acl\": [{\"name\": \"9 bad name!\", "
		"\"aces\": {\"ace\": [{\"name\": \"x\\ny\", " ACCEPT "}]}}]}}", 0, 0), 0);
	assert_string_equal(m.text,
		"# modwall mud import of t.json\n"
		"# MUD URL:    https://x/?policy evil { drop }\n"
		"# systeminfo: a?b\n"
		"# from-device ACLs: 9 bad name!\n"
		"policy mud-9_bad_name_ {\n"
		"    # acl 9 bad name!\n"
		"    allow to 0.0.0.0/0                           # x?y\n"
		"    allow to ::/0                                # x?y\n"
		"}\n");
	mw_mud_free(&m);
}

static void test_policy_name(void **state)
{
	char out[MW_NAME_LEN];

	(void)state;
	mw_mud_policy_name("mud-76100-v6fr", out);
	assert_string_equal(out, "mud-76100-v6fr");
	mw_mud_policy_name("76100-v4fr", out);
	assert_string_equal(out, "mud-76100-v4fr");
	mw_mud_policy_name("from device/ACL#1", out);
	assert_string_equal(out, "from_device_ACL_1");
	mw_mud_policy_name("drop", out);
	assert_string_equal(out, "mud-drop");
	mw_mud_policy_name("vendor", out);
	assert_string_equal(out, "mud-vendor");
	mw_mud_policy_name("", out);
	assert_string_equal(out, "mud");
	mw_mud_policy_name(NULL, out);
	assert_string_equal(out, "mud");
	mw_mud_policy_name("a-very-long-access-control-list-name-from-a-vendor", out);
	assert_string_equal(out, "a-very-long-access-control-list");
	assert_int_equal(strlen(out), MW_NAME_LEN - 1);
	mw_mud_policy_name("_1234567890123456789012345678901234", out);
	assert_int_equal(strlen(out), MW_NAME_LEN - 1);

	assert_true(mw_mud_valid_name("em300"));
	assert_true(mw_mud_valid_name("_x.y-z"));
	assert_false(mw_mud_valid_name("9lives"));
	assert_false(mw_mud_valid_name("pass"));
	assert_false(mw_mud_valid_name("policy"));
	assert_false(mw_mud_valid_name("a b"));
	assert_false(mw_mud_valid_name(""));
	assert_false(mw_mud_valid_name("abcdefghijklmnopqrstuvwxyz012345"));
	assert_true(mw_mud_valid_name("abcdefghijklmnopqrstuvwxyz01234"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meter),
		cmocka_unit_test(test_meter_named),
		cmocka_unit_test(test_rfc8520_example),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_dns_message),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_no_from_device),
		cmocka_unit_test(test_unknown_acl),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_port_operators),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_drop_before_accept),
		cmocka_unit_test(test_bad_aces),
		cmocka_unit_test(test_lenient_narrowing),
		cmocka_unit_test(test_direction_initiated),
		cmocka_unit_test(test_draft_container),
		cmocka_unit_test(test_abstractions),
		cmocka_unit_test(test_eth),
		cmocka_unit_test(test_mud_matches),
		cmocka_unit_test(test_rule_limit),
		cmocka_unit_test(test_sanitising),
		cmocka_unit_test(test_policy_name),
	};

	return cmocka_run_group_tests_name("mud", tests, NULL, NULL);
}
