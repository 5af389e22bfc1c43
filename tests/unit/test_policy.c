// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The policy language (user/lib/policy_*.c) and the policy compiler
 * (user/lib/compile*.c): what a policy parses to, what plan it compiles to, and
 * the text and location of representative errors. Vendor names resolve
 * against the fixture registries under tests/unit/data/ieee, so run from
 * the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "ieee.h"
#include "policy.h"
#include "namecache.h"

#define IEEE_FIXTURE	"tests/unit/data/ieee"
#define MAC(a, b, c, d, e, f) \
	((uint64_t)(a) << 40 | (uint64_t)(b) << 32 | (uint64_t)(c) << 24 | \
	 (uint64_t)(d) << 16 | (uint64_t)(e) << 8 | (uint64_t)(f))

static struct mw_ieee fixture_db;

/* ---- helpers ---- */

/* Parse @text as file "t.mwp"; fail the test on any error. */
static void load_ok(struct mw_policy *p, const char *text)
{
	int i;

	if (mw_policy_load_string(p, "t.mwp", text)) {
		for (i = 0; i < p->errors.n; i++)
			print_error("%s\n", p->errors.msg[i]);
		fail_msg("policy did not parse");
	}
}

/* Parse and compile; fail the test on any error. */
static void compile_ok(struct mw_plan *plan, struct mw_policy *p, const char *text,
		       const struct mw_ieee *db, const struct mw_bindings *b)
{
	int i;

	load_ok(p, text);
	if (mw_compile(plan, p, db, b)) {
		for (i = 0; i < p->errors.n; i++)
			print_error("%s\n", p->errors.msg[i]);
		fail_msg("policy did not compile");
	}
}

/* Parse @text; it must fail with exactly the messages given, in order. */
static void parse_errors(const char *text, int n, ...)
{
	struct mw_policy p;
	va_list ap;
	int i;

	assert_int_equal(mw_policy_load_string(&p, "t.mwp", text), -1);
	for (i = 0; i < p.errors.n; i++)
		print_message("  got: %s\n", p.errors.msg[i]);
	assert_int_equal(p.errors.n, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(p.errors.msg[i], va_arg(ap, const char *));
	va_end(ap);
	mw_policy_free(&p);
}

/* Parse (which must succeed) and compile (which must fail with @msg alone). */
static void compile_error(const char *text, const struct mw_ieee *db,
			  const struct mw_bindings *b, const char *msg)
{
	struct mw_policy p;
	struct mw_plan plan;
	int i;

	load_ok(&p, text);
	assert_int_equal(mw_compile(&plan, &p, db, b), -1);
	for (i = 0; i < p.errors.n; i++)
		print_message("  got: %s\n", p.errors.msg[i]);
	assert_int_equal(p.errors.n, 1);
	assert_string_equal(p.errors.msg[0], msg);
	mw_plan_free(&plan);
	mw_policy_free(&p);
}

static const struct mw_plan_entry *find_mac(const struct mw_plan *plan, int map, uint64_t mac,
					    int bits)
{
	size_t i;

	for (i = 0; i < plan->ne; i++)
		if (plan->e[i].map == map && plan->e[i].mac == mac &&
		    (map != MW_PM_OUI || plan->e[i].bits == bits))
			return &plan->e[i];
	return NULL;
}

static const struct mw_plan_entry *find_ip(const struct mw_plan *plan, const char *s)
{
	struct mw_prefix want;
	size_t i;

	assert_int_equal(mw_parse_prefix(s, &want, NULL), 0);
	for (i = 0; i < plan->ne; i++) {
		const struct mw_plan_entry *e = &plan->e[i];

		if (e->map != MW_PM_IP4 && e->map != MW_PM_IP6 && e->map != MW_PM_LPM4 &&
		    e->map != MW_PM_LPM6)
			continue;
		if (e->pfx.family == want.family && e->pfx.len == want.len &&
		    !memcmp(e->pfx.addr, want.addr, 16))
			return e;
	}
	return NULL;
}

/* The entries in each map add up to the plan's entry count. */
static void assert_counts(const struct mw_plan *plan)
{
	size_t i, n[MW_PM_N] = { 0 };
	int m;

	for (i = 0; i < plan->ne; i++) {
		assert_in_range(plan->e[i].map, 0, MW_PM_N - 1);
		n[plan->e[i].map]++;
	}
	for (m = 0; m < MW_PM_N; m++)
		assert_int_equal(n[m], plan->count[m]);
}

/* Write @text to a new file under /tmp; the caller unlinks it. */
static void write_tmp(char *path, const char *text)
{
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* ---- parsing ---- */

static void test_parse_counts(void **state)
{
	struct mw_policy p;

	(void)state;
	load_ok(&p,
		"# a site\n"
		"policy quarantine { drop }\n"
		"policy watch { observe }\n"
		"device meter-17 mac 02:11:22:33:44:55 policy quarantine\n"
		"device tracker-3 imei 356938035643809 policy quarantine\n"
		"device cameras ip 10.20.30.0/24 ip fd00:20::/64 policy watch\n"
		"vendorset cellular { vendor \"Quectel\" prefix 00:11:22 }\n"
		"class modules vendorset cellular policy observe\n"
		"class lab prefix 70:b3:d5:e0/28 policy pass\n"
		"default drop\n"
		"interface eth1 default watch\n"
		"interface wwan0 default pass\n");
	assert_int_equal(p.npols, 5);		/* pass, drop, observe + 2 */
	assert_int_equal(p.ndevs, 3);
	assert_int_equal(p.nclasses, 2);
	assert_int_equal(p.nsets, 1);
	assert_int_equal(p.nifdefs, 2);
	assert_int_equal(p.has_default, 1);
	assert_int_equal(p.nfiles, 1);
	assert_int_equal(p.errors.n, 0);
	assert_int_equal(p.warnings.n, 0);

	/* the built-ins come first, in action order */
	assert_string_equal(p.pols[0].name, "pass");
	assert_string_equal(p.pols[1].name, "drop");
	assert_string_equal(p.pols[2].name, "observe");
	assert_int_equal(p.pols[0].builtin && p.pols[1].builtin && p.pols[2].builtin, 1);
	assert_int_equal(p.pols[0].action, MW_ACT_PASS);
	assert_int_equal(p.pols[1].action, MW_ACT_DROP);
	assert_int_equal(p.pols[2].action, MW_ACT_OBSERVE);
	assert_string_equal(p.pols[3].name, "quarantine");
	assert_int_equal(p.pols[3].action, MW_ACT_DROP);
	assert_int_equal(p.pols[3].builtin, 0);
	assert_int_equal(p.pols[3].loc.line, 2);
	assert_int_equal(p.pols[3].loc.col, 8);
	assert_string_equal(p.pols[4].name, "watch");
	assert_int_equal(p.pols[4].action, MW_ACT_OBSERVE);

	/* references resolve to indexes into pols */
	assert_int_equal(p.devs[0].pol.idx, 3);
	assert_int_equal(p.devs[2].pol.idx, 4);
	assert_int_equal(p.classes[0].pol.idx, 2);
	assert_int_equal(p.classes[1].pol.idx, 0);
	assert_int_equal(p.deflt.idx, 1);
	assert_string_equal(p.ifdefs[0].ifname, "eth1");
	assert_int_equal(p.ifdefs[0].pol.idx, 4);
	assert_string_equal(p.ifdefs[1].ifname, "wwan0");
	assert_int_equal(p.ifdefs[1].pol.idx, 0);
	mw_policy_free(&p);
}

static void test_parse_identities(void **state)
{
	static const uint8_t v6[16] = { 0xfd, 0, 0, 0x20 };
	struct mw_policy p;
	const struct mw_dev *d;

	(void)state;
	load_ok(&p,
		"device gw\n"
		"  mac 02-AB-cd-00-00-01\n"
		"  imei 356938035643809\n"
		"  ip 10.20.30.0/24\n"
		"  ip fd00:20::/64\n"
		"  ip 192.0.2.1\n"
		"  policy pass\n");
	d = &p.devs[0];
	assert_string_equal(d->name, "gw");
	assert_int_equal(d->loc.line, 1);
	assert_int_equal(d->loc.col, 8);
	assert_int_equal(d->nids, 5);

	assert_int_equal(d->ids[0].type, MW_IDENT_MAC);
	assert_int_equal(d->ids[0].mac, MAC(0x02, 0xab, 0xcd, 0, 0, 1));
	assert_int_equal(d->ids[0].loc.line, 2);
	assert_int_equal(d->ids[0].loc.col, 7);	/* the value, not the keyword */

	assert_int_equal(d->ids[1].type, MW_IDENT_IMEI);
	assert_int_equal(d->ids[1].imei, 35693803564380ull);	/* the check digit dropped */
	assert_int_equal(d->ids[1].loc.line, 3);
	assert_int_equal(d->ids[1].loc.col, 8);

	assert_int_equal(d->ids[2].type, MW_IDENT_IP);
	assert_int_equal(d->ids[2].pfx.family, AF_INET);
	assert_int_equal(d->ids[2].pfx.len, 24);
	assert_memory_equal(d->ids[2].pfx.addr, ((uint8_t[]){ 10, 20, 30, 0 }), 4);

	assert_int_equal(d->ids[3].pfx.family, AF_INET6);
	assert_int_equal(d->ids[3].pfx.len, 64);
	assert_memory_equal(d->ids[3].pfx.addr, v6, 16);

	assert_int_equal(d->ids[4].pfx.family, AF_INET);
	assert_int_equal(d->ids[4].pfx.len, 32);
	mw_policy_free(&p);
}

static void test_parse_members(void **state)
{
	struct mw_policy p;
	const struct mw_class *s, *c;

	(void)state;
	load_ok(&p,
		"vendorset base { prefix 00:11:22 }\n"
		"vendorset more { vendorset base vendor \"Quectel Wireless\" }\n"
		"class modules\n"
		"  prefix 70B3D5E\n"
		"  prefix 70:b3:d5:f2:f0/36\n"
		"  prefix 8c-1f-64/24\n"
		"  vendorset more\n"
		"  policy observe\n");
	assert_int_equal(p.nsets, 2);
	s = &p.sets[1];
	assert_string_equal(s->name, "more");
	assert_int_equal(s->nmem, 2);
	assert_int_equal(s->mem[0].type, MW_MEMBER_SET);
	assert_string_equal(s->mem[0].set, "base");
	assert_int_equal(s->mem[1].type, MW_MEMBER_VENDOR);
	assert_string_equal(s->mem[1].vendor, "Quectel Wireless");
	assert_int_equal(s->mem[1].loc.line, 2);
	assert_int_equal(s->mem[1].loc.col, 40);	/* the string's opening quote */

	c = &p.classes[0];
	assert_int_equal(c->nmem, 4);
	assert_int_equal(c->mem[0].type, MW_MEMBER_PREFIX);
	assert_int_equal(c->mem[0].prefix, MAC(0x70, 0xb3, 0xd5, 0xe0, 0, 0));
	assert_int_equal(c->mem[0].bits, 28);
	assert_int_equal(c->mem[1].prefix, MAC(0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0));
	assert_int_equal(c->mem[1].bits, 36);
	assert_int_equal(c->mem[2].prefix, MAC(0x8c, 0x1f, 0x64, 0, 0, 0));
	assert_int_equal(c->mem[2].bits, 24);
	assert_int_equal(c->mem[3].type, MW_MEMBER_SET);
	assert_string_equal(c->mem[3].set, "more");
	mw_policy_free(&p);
}

static void test_parse_lexical_freedom(void **state)
{
	struct mw_policy p;

	(void)state;
	/* braces need no blanks, newlines are blanks, '#' ends a word */
	load_ok(&p,
		"policy q{drop}policy w {observe}# comment\r\n"
		"device a#comment\n"
		"  mac 02:00:00:00:00:01 policy\n"
		"  q device b mac 02:00:00:00:00:02 policy w\n"
		"class _x.y-z prefix 001122 policy w default\n"
		"q");
	assert_int_equal(p.npols, 5);
	assert_int_equal(p.ndevs, 2);
	assert_string_equal(p.devs[0].name, "a");
	assert_int_equal(p.devs[0].pol.idx, 3);
	assert_int_equal(p.devs[1].loc.line, 4);
	assert_int_equal(p.devs[1].loc.col, 12);
	assert_string_equal(p.classes[0].name, "_x.y-z");
	assert_int_equal(p.deflt.idx, 3);
	mw_policy_free(&p);

	/* nothing at all is a valid policy */
	load_ok(&p, "");
	assert_int_equal(p.npols, 3);
	assert_int_equal(p.has_default, 0);
	assert_int_equal(p.deflt.idx, -1);
	mw_policy_free(&p);
}

static void test_parse_name_limits(void **state)
{
	struct mw_policy p;

	(void)state;
	load_ok(&p, "device abcdefghij0123456789abcdefghij0 mac 02:00:00:00:00:01 policy pass\n"
		    "interface abcdefghij01234 default pass\n");
	assert_int_equal(strlen(p.devs[0].name), MW_NAME_LEN - 1);
	assert_int_equal(strlen(p.ifdefs[0].ifname), MW_IFNAME_LEN - 1);
	mw_policy_free(&p);

	parse_errors("policy abcdefghij0123456789abcdefghij01 { drop }\n", 1,
		     "t.mwp:1:8: policy name 'abcdefghij0123456789abcdefghij01' is longer than "
		     "31 characters");
	parse_errors("policy pass-1 { drop }\npolicy 1pass { drop }\n", 1,
		     "t.mwp:2:8: '1pass' is not a valid policy name: letters, digits, '_', '-' "
		     "and '.', starting with a letter or '_'");
	parse_errors("policy vendor { drop }\n", 1,
		     "t.mwp:1:8: expected policy name, found 'vendor'");
}

/* ---- parse errors: text and FILE:LINE:COL ---- */

static void test_errors_lexical(void **state)
{
	(void)state;
	parse_errors("policy q { drop }\n\n   \x01\n", 1, "t.mwp:3:4: unexpected byte 0x01");
	parse_errors("# comment\n\"no end\n", 1, "t.mwp:2:1: unterminated string");
	parse_errors("policy q { drop }}\n", 1,
		     "t.mwp:1:18: expected a statement (include, policy, device, class, "
		     "vendorset, addrset, default, interface), found '}'");
}

static void test_errors_syntax(void **state)
{
	(void)state;
	parse_errors("polcy q { drop }\n", 1,
		     "t.mwp:1:1: unknown statement 'polcy' (expected include, policy, device, "
		     "class, vendorset, addrset, default or interface)");
	parse_errors("policy q drop\n", 1, "t.mwp:1:10: expected '{' after policy q, found 'drop'");
	parse_errors("policy q {\n  drop\n", 1,
		     "t.mwp:3:1: expected an action, allow, rate, flows or '}' in policy q, found end of file");
	parse_errors("policy q { reject }\n", 1,
		     "t.mwp:1:12: unknown rule 'reject' (expected pass, drop, observe, allow, rate or flows)");
	parse_errors("policy q { drop\n  observe }\n", 1,
		     "t.mwp:2:3: policy q already has action 'drop'");
	parse_errors("policy q {\n  allow udp to 10.0.0.1 port 53\n  drop\n}\n", 1,
		     "t.mwp:3:3: policy q drops everything: its allow rules would never apply");
	parse_errors("policy q { }\n", 1, "t.mwp:1:8: policy q has no action");
	parse_errors("default pass\ndefault drop\n", 1, "t.mwp:2:1: default already set at t.mwp:1:9");
	parse_errors("vendorset v { }\n", 1, "t.mwp:1:11: vendorset v is empty");
	parse_errors("device a mac 02:00:00:00:00:01\n", 1,
		     "t.mwp:2:1: expected mac, imei, ip or policy in device a, found end of file");
	parse_errors("interface eth0 drop\n", 1,
		     "t.mwp:1:16: expected 'default' after interface eth0, found 'drop'");
	/* every independent statement's error is reported */
	parse_errors("policy a { reject }\npolicy b { }\npolicy c { pass pass }\n", 3,
		     "t.mwp:1:12: unknown rule 'reject' (expected pass, drop, observe, allow, rate or flows)",
		     "t.mwp:2:8: policy b has no action",
		     "t.mwp:3:17: policy c already has action 'pass'");
}

static void test_errors_values(void **state)
{
	struct mw_policy p;

	(void)state;
	/* The first message is the error; see test_recovery for what follows it. */
	assert_int_equal(mw_policy_load_string(&p, "t.mwp",
					       "device a mac 02:00:00:00:0g:01 policy pass\n"), -1);
	assert_string_equal(p.errors.msg[0], "t.mwp:1:27: bad MAC address '02:00:00:00:0g:01': "
			    "'g' is not a hex digit");
	mw_policy_free(&p);
	assert_int_equal(mw_policy_load_string(&p, "t.mwp",
					       "device a mac 01:00:5e:00:00:01 policy pass\n"), -1);
	assert_string_equal(p.errors.msg[0], "t.mwp:1:14: 01:00:5e:00:00:01 is a multicast MAC "
			    "address, not a device");
	mw_policy_free(&p);
	assert_int_equal(mw_policy_load_string(&p, "t.mwp",
					       "device a imei 356938035643808 policy pass\n"), -1);
	assert_string_equal(p.errors.msg[0], "t.mwp:1:29: bad IMEI '356938035643808': IMEI check "
			    "digit is 8, Luhn says 9");
	mw_policy_free(&p);
	assert_int_equal(mw_policy_load_string(&p, "t.mwp",
					       "device a imei 3569380356438012 policy pass\n"), -1);
	assert_string_equal(p.errors.msg[0], "t.mwp:1:15: '3569380356438012' is an IMEISV (16 "
			    "digits, software version last); a device is named by its IMEI: "
			    "356938035643809");
	mw_policy_free(&p);
	assert_int_equal(mw_policy_load_string(&p, "t.mwp",
					       "device a ip 10.0.0.1/8 policy pass\n"), -1);
	assert_string_equal(p.errors.msg[0], "t.mwp:1:13: bad IP address '10.0.0.1/8': host bits "
			    "set past /8");
	mw_policy_free(&p);
	assert_int_equal(mw_policy_load_string(&p, "t.mwp",
					       "class c prefix 00:11:22:33/32 policy pass\n"), -1);
	assert_string_equal(p.errors.msg[0], "t.mwp:1:28: bad MAC prefix '00:11:22:33/32': MAC "
			    "prefix length 32: only /24 (MA-L), /28 (MA-M) and /36 (MA-S) exist");
	mw_policy_free(&p);
}

/*
 * An error inside a device or class statement must not make the rest of
 * the statement ("policy NAME") look like a policy statement of its own,
 * nor an error inside a string make its remainder look like new tokens.
 */
static void test_recovery(void **state)
{
	(void)state;
	parse_errors("device a mac 02:00:00:00:0g:01 policy pass\n"
		     "device b mac 02:00:00:00:00:02 policy pass\n", 1,
		     "t.mwp:1:27: bad MAC address '02:00:00:00:0g:01': 'g' is not a hex digit");
	parse_errors("class c vendor Quectel policy observe\n", 1,
		     "t.mwp:1:16: expected a vendor name in quotes, found 'Quectel'");
	parse_errors("class c vendor \"Quec\ttel\" policy observe\n", 1,
		     "t.mwp:1:21: control character in string");
	parse_errors("interface eth0/1 default drop\ndefault pass\n", 1,
		     "t.mwp:1:11: 'eth0/1' is not a valid interface name");
}

static void test_errors_semantic(void **state)
{
	(void)state;
	parse_errors("policy q { drop }\npolicy q { pass }\n", 1,
		     "t.mwp:2:8: policy 'q' already defined at t.mwp:1:8");
	parse_errors("policy observe { drop }\n", 1,
		     "t.mwp:1:8: policy 'observe' is built in and cannot be redefined");
	parse_errors("device a mac 02:00:00:00:00:01 policy nope\n", 1,
		     "t.mwp:1:39: unknown policy 'nope'");
	parse_errors("default nope\ninterface eth0 default nope2\n", 2,
		     "t.mwp:2:24: unknown policy 'nope2'", "t.mwp:1:9: unknown policy 'nope'");
	parse_errors("device x mac 02:00:00:00:00:01 policy pass\n"
		     "device x mac 02:00:00:00:00:02 policy pass\n", 1,
		     "t.mwp:2:8: device 'x' already defined at t.mwp:1:8");
	parse_errors("class x prefix 00:11:22 policy pass\n"
		     "device x mac 02:00:00:00:00:02 policy pass\n", 1,
		     "t.mwp:1:7: class 'x' has the name of device 'x' (t.mwp:2:8); devices and "
		     "classes need distinct names");
	parse_errors("vendorset v { prefix 00:11:22 }\nvendorset v { prefix 00:11:23 }\n", 1,
		     "t.mwp:2:11: vendorset 'v' already defined at t.mwp:1:11");
	parse_errors("class c vendorset nope policy pass\n", 1,
		     "t.mwp:1:19: unknown vendorset 'nope'");
	parse_errors("vendorset a { vendorset b }\nvendorset b { prefix 00:11:22 }\n", 1,
		     "t.mwp:1:25: vendorset 'b' must be defined before it is used in vendorset 'a'");
	parse_errors("interface eth0 default drop\ninterface eth0 default pass\n", 1,
		     "t.mwp:2:11: interface default for 'eth0' already defined at t.mwp:1:11");
	/* name checks run only when the file parsed: the syntax error alone */
	parse_errors("device x mac 02:00:00:00:00:01 policy pass\n"
		     "device x mac 02:00:00:00:00:02 policy pass\n"
		     "policy q { }\n", 1, "t.mwp:3:8: policy q has no action");
}

static void test_errors_capped(void **state)
{
	char text[60 * 32], *s = text;
	struct mw_policy p;
	int i;

	(void)state;
	for (i = 0; i < 60; i++)
		s += sprintf(s, "policy p%d { reject }\n", i);
	assert_int_equal(mw_policy_load_string(&p, "t.mwp", text), -1);
	/* 50 errors, then how many more there were (the parse goes on to count them) */
	assert_int_equal(p.errors.n, 51);
	assert_string_equal(p.errors.msg[49], "t.mwp:50:14: unknown rule 'reject' (expected "
			    "pass, drop, observe, allow, rate or flows)");
	assert_string_equal(p.errors.msg[50], "stopping after 50 errors: 10 more not shown");
	mw_policy_free(&p);
}

/* ---- includes (real files) ---- */

static void test_include(void **state)
{
	char dir[] = "/tmp/mw-test-policy-XXXXXX", path[256], sub[1024];
	struct mw_policy p;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/inc", dir);
	assert_int_equal(mkdir(sub, 0700), 0);

	snprintf(path, sizeof(path), "%s/inc/sets.mwp", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("include \"more.mwp\"\nvendorset a { prefix 00:11:22 }\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/inc/more.mwp", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("policy q { drop }\n\ndevice d mac 02:00:00:00:00:01 policy nope\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/top.mwp", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("include \"inc/sets.mwp\"\nclass c vendorset a policy q\n", f);
	fclose(f);

	/* paths are relative to the including file; errors point into the included one */
	assert_int_equal(mw_policy_load(&p, path), -1);
	assert_int_equal(p.nfiles, 3);
	assert_int_equal(p.nsets, 1);
	assert_int_equal(p.nclasses, 1);
	assert_int_equal(p.errors.n, 1);
	snprintf(sub, sizeof(sub), "%s/inc/more.mwp:3:39: unknown policy 'nope'", dir);
	assert_string_equal(p.errors.msg[0], sub);
	mw_policy_free(&p);

	/* a cycle: more.mwp includes the top file */
	snprintf(path, sizeof(path), "%s/inc/more.mwp", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("include \"../top.mwp\"\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/top.mwp", dir);
	assert_int_equal(mw_policy_load(&p, path), -1);
	assert_int_equal(p.errors.n, 1);
	snprintf(sub, sizeof(sub), "%s/inc/more.mwp:1:9: include cycle: '%s/inc/../top.mwp' is "
		 "already being read", dir, dir);
	assert_string_equal(p.errors.msg[0], sub);
	mw_policy_free(&p);

	/* a missing file */
	assert_int_equal(mw_policy_load_string(&p, path, "\n  include \"nothing.mwp\"\n"), -1);
	snprintf(sub, sizeof(sub), "%s:2:11: cannot include '%s/nothing.mwp': No such file or "
		 "directory", path, dir);
	assert_string_equal(p.errors.msg[0], sub);
	mw_policy_free(&p);

	snprintf(path, sizeof(path), "%s/inc/more.mwp", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/inc/sets.mwp", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/top.mwp", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/inc", dir);
	rmdir(path);
	rmdir(dir);
}

/* ---- compiling ---- */

/* ---- remote ends: address sets, initiators, names, countries ---- */

static const struct mw_plan_entry *find_allow(const struct mw_plan *plan, const char *s)
{
	struct mw_prefix want;
	size_t i;

	assert_int_equal(mw_parse_prefix(s, &want, NULL), 0);
	for (i = 0; i < plan->ne; i++) {
		const struct mw_plan_entry *e = &plan->e[i];

		if (e->map != MW_PM_ALLOW4 && e->map != MW_PM_ALLOW6)
			continue;
		if (e->pfx.family == want.family && e->pfx.len == want.len &&
		    !memcmp(e->pfx.addr, want.addr, 16))
			return e;
	}
	return NULL;
}

static void assert_rule(const struct mw_rule *r, int proto, int flags, int lo, int hi)
{
	assert_int_equal(r->proto, proto);
	assert_int_equal(r->flags, flags);
	assert_int_equal(r->lo, lo);
	assert_int_equal(r->hi, hi);
}

static void test_parse_destinations(void **state)
{
	struct mw_policy p;
	const struct mw_allow_rule *a;

	(void)state;
	load_ok(&p, "policy m {\n"
		    "  allow tcp to addrset site port 443 initiated-by device\n"
		    "  allow tcp to name \"Broker.EXAMPLE.com.\" port 8883 initiated-by remote\n"
		    "  allow udp to name \"*.ntp.example.org\" port 123\n"
		    "  allow tcp to country \"de\" port 443\n"
		    "  allow tcp to 192.0.2.1\n"
		    "  allow udp to name \"broker.example.com\"\n"
		    "}\n"
		    "addrset site { 192.0.2.0/24 2001:db8::/32 }\n");
	assert_int_equal(p.npols, 4);
	assert_int_equal(p.pols[3].nallow, 6);
	assert_int_equal(p.naddrsets, 1);
	assert_string_equal(p.addrsets[0].name, "site");
	assert_int_equal(p.addrsets[0].npfx, 2);
	assert_int_equal(p.addrsets[0].pfx[1].family, AF_INET6);
	a = p.pols[3].allow;
	assert_int_equal(a[0].kind, MW_ALLOW_SET);
	assert_string_equal(p.names[a[0].name], "site");
	assert_int_equal(a[0].set, 0);
	assert_int_equal(a[0].init, MW_RF_INIT_DEVICE);
	assert_int_equal(a[0].dst_loc.col, 24);
	assert_int_equal(a[1].kind, MW_ALLOW_NAME);
	assert_string_equal(p.names[a[1].name], "broker.example.com");
	assert_int_equal(a[1].init, MW_RF_INIT_REMOTE);
	assert_int_equal(a[1].lo, 8883);
	assert_string_equal(p.names[a[2].name], "*.ntp.example.org");
	assert_int_equal(a[2].init, 0);
	assert_int_equal(a[3].kind, MW_ALLOW_COUNTRY);
	assert_string_equal(a[3].country, "DE");
	assert_int_equal(a[3].name, -1);
	assert_int_equal(a[4].kind, MW_ALLOW_PREFIX);
	assert_int_equal(a[4].name, -1);
	/* one entry per distinct string */
	assert_int_equal(a[5].name, a[1].name);
	assert_int_equal(p.nnames, 3);
	mw_policy_free(&p);

	parse_errors("policy m { allow udp to name \"a.b\" initiated-by device }\n", 1,
		     "t.mwp:1:36: 'initiated-by' needs tcp: only TCP has connection openings");
	parse_errors("policy m { allow to 10.0.0.1 initiated-by remote }\n", 1,
		     "t.mwp:1:30: 'initiated-by' needs tcp: only TCP has connection openings");
	parse_errors("policy m { allow tcp to addrset x }\naddrset x { 10.0.0.0/8 }\n"
		     "addrset x { 10.0.0.1 }\n", 1,
		     "t.mwp:3:9: addrset 'x' already defined at t.mwp:2:9");
	parse_errors("policy m { allow icmpv6 to addrset x }\naddrset x { 10.0.0.0/8 }\n", 1,
		     "t.mwp:1:36: icmpv6 to addrset x never matches: it has no IPv6 prefix");
	parse_errors("policy m { allow tcp to country \"d1\" }\n", 1,
		     "t.mwp:1:33: bad country code \"d1\": two letters, as in ISO 3166-1 (\"DE\", "
		     "\"CN\")");
	parse_errors("policy m { allow tcp to name \"a.\xc3\xa9.com\" }\n", 1,
		     "t.mwp:1:33: bad DNS name \"a.\xc3\xa9.com\": byte 0xc3 is not a letter, digit, "
		     "'-' or '_'");
}

static void test_compile_destinations(void **state)
{
	const struct mw_plan_entry *e;
	struct mw_policy p;
	struct mw_plan plan;

	(void)state;
	compile_ok(&plan, &p,
		   "policy m {\n"
		   "  allow tcp to addrset site port 443 initiated-by device\n"
		   "  allow icmp to addrset site type 8\n"
		   "  allow tcp to 192.0.2.7 port 80 initiated-by remote\n"
		   "  allow tcp to name \"broker.example.com\" port 8883\n"
		   "}\n"
		   "policy names { allow tcp to name \"*.example.com\" port 443 }\n"
		   "addrset site { 192.0.2.0/24 2001:db8::/32 192.0.2.0/24 }\n"
		   "device a mac 02:00:00:00:00:01 policy m\n"
		   "device b mac 02:00:00:00:00:02 policy names\n", NULL, NULL);
	/* the set gives each prefix the rule; icmp only the IPv4 one; names nothing */
	assert_int_equal(plan.count[MW_PM_ALLOW4], 2);
	assert_int_equal(plan.count[MW_PM_ALLOW6], 1);
	e = find_allow(&plan, "192.0.2.0/24");
	assert_non_null(e);
	assert_int_equal(e->policy, 3);
	assert_int_equal(plan.avals[e->subj].n, 2);
	assert_rule(&plan.avals[e->subj].rule[0], IPPROTO_TCP, MW_RF_PORTS | MW_RF_INIT_DEVICE,
		    443, 443);
	assert_rule(&plan.avals[e->subj].rule[1], IPPROTO_ICMP, MW_RF_PORTS, 8, 8);
	e = find_allow(&plan, "2001:db8::/32");
	assert_non_null(e);
	assert_int_equal(plan.avals[e->subj].n, 1);
	assert_rule(&plan.avals[e->subj].rule[0], IPPROTO_TCP, MW_RF_PORTS | MW_RF_INIT_DEVICE,
		    443, 443);
	/* inside the set's /24: its own rule and the set's */
	e = find_allow(&plan, "192.0.2.7");
	assert_non_null(e);
	assert_int_equal(plan.avals[e->subj].n, 3);
	assert_rule(&plan.avals[e->subj].rule[0], IPPROTO_TCP, MW_RF_PORTS | MW_RF_INIT_DEVICE,
		    443, 443);
	assert_rule(&plan.avals[e->subj].rule[2], IPPROTO_TCP, MW_RF_PORTS | MW_RF_INIT_REMOTE,
		    80, 80);
	/* a policy of name rules only is an allow list: nothing passes until names are learned */
	assert_int_equal(plan.subj[0].flags & MW_SF_ALLOW, MW_SF_ALLOW);
	assert_int_equal(plan.subj[1].flags & MW_SF_ALLOW, MW_SF_ALLOW);
	assert_counts(&plan);
	mw_plan_free(&plan);
	mw_policy_free(&p);

	/* a country: the prefixes the database gives it (the test's own database) */
	mw_country_db_use(GEO_DATA "/geo6.mmdb");
	compile_ok(&plan, &p, "policy m { allow tcp to country \"jp\" port 443 }\n"
		   "device a mac 02:00:00:00:00:01 policy m\n", NULL, NULL);
	assert_int_equal(plan.count[MW_PM_ALLOW4], 3);
	assert_int_equal(plan.count[MW_PM_ALLOW6], 0);
	assert_non_null(find_allow(&plan, "198.19.0.0/17"));
	assert_non_null(find_allow(&plan, "198.51.100.0/24"));
	assert_non_null(find_allow(&plan, "203.0.113.0/25"));	/* .128/25 is US */
	mw_plan_free(&plan);
	mw_policy_free(&p);
	/* no country database: an error at the country, found while compiling */
	mw_country_db_use("/nonexistent/country.mmdb");
	compile_error("policy m { allow tcp to country \"CN\" port 443 }\n"
		      "device a mac 02:00:00:00:00:01 policy m\n", NULL, NULL,
		      "t.mwp:1:33: country rules need a country database (--geoip-db FILE or "
		      "Debian's geoip-database): /nonexistent/country.mmdb: No such file or "
		      "directory");
	mw_country_db_use(NULL);
	/* rules of a set count towards the limit per prefix */
	compile_error("policy m {\n"
		      "  allow tcp to addrset s port 1-2\n  allow tcp to addrset s port 3\n"
		      "  allow tcp to addrset s port 4\n  allow tcp to addrset s port 5\n"
		      "  allow tcp to addrset s port 6\n  allow tcp to addrset s port 7\n"
		      "  allow tcp to addrset s port 8\n  allow tcp to addrset s port 9\n"
		      "  allow udp to addrset s port 1\n  allow udp to addrset s port 3\n"
		      "  allow udp to addrset s port 4\n  allow udp to addrset s port 5\n"
		      "  allow udp to addrset s port 6\n  allow udp to addrset s port 7\n"
		      "  allow udp to addrset s port 8\n  allow udp to addrset s port 9\n"
		      "  allow tcp to 10.1.0.1 port 10\n"
		      "}\naddrset s { 10.0.0.0/8 }\n", NULL, NULL,
		      "t.mwp:18:3: policy m: more than 16 rules apply to 10.1.0.1 (rules of "
		      "containing prefixes count too)");
}

static void test_name_rules(void **state)
{
	struct mw_name_rule *v;
	struct mw_policy p;

	(void)state;
	load_ok(&p, "policy m {\n"
		    "  allow tcp to name \"broker.example.com\" port 8883 initiated-by device\n"
		    "  allow tcp to 192.0.2.1\n"
		    "  allow icmp to name \"*.example.net\" type 0-8\n"
		    "  allow to name \"any.example.org\"\n"
		    "}\n"
		    "policy none { allow tcp to 192.0.2.1 }\n");
	assert_int_equal(mw_policy_name_rules(&p, 3, &v), 3);
	assert_string_equal(v[0].pattern, "broker.example.com");
	assert_int_equal(v[0].proto, IPPROTO_TCP);
	assert_int_equal(v[0].flags, MW_RF_PORTS | MW_RF_INIT_DEVICE);
	assert_int_equal(v[0].lo, 8883);
	assert_int_equal(v[0].hi, 8883);
	assert_int_equal(v[0].loc->line, 2);
	assert_int_equal(v[0].loc->col, 3);
	assert_string_equal(v[1].pattern, "*.example.net");
	assert_int_equal(v[1].proto, IPPROTO_ICMP);
	assert_int_equal(v[1].flags, MW_RF_PORTS);
	assert_int_equal(v[1].lo, 0);
	assert_int_equal(v[1].hi, 8);
	assert_string_equal(v[2].pattern, "any.example.org");
	assert_int_equal(v[2].proto, 0);
	assert_int_equal(v[2].flags, 0);
	free(v);
	assert_int_equal(mw_policy_name_rules(&p, 4, &v), 0);
	assert_null(v);
	assert_int_equal(mw_policy_name_rules(&p, 0, &v), 0);
	assert_int_equal(mw_policy_name_rules(&p, 5, &v), -1);
	mw_policy_free(&p);
}

static void test_name_patterns(void **state)
{
	struct mw_perr e;
	char out[256], longest[300];
	int i;

	(void)state;
	assert_int_equal(mw_parse_name_pattern("Broker.Example.COM.", out, sizeof(out), &e), 0);
	assert_string_equal(out, "broker.example.com");
	assert_int_equal(mw_parse_name_pattern("*.Example.com", out, sizeof(out), &e), 0);
	assert_string_equal(out, "*.example.com");
	assert_int_equal(mw_parse_name_pattern("_dns-sd._udp.local", out, sizeof(out), &e), 0);
	assert_int_equal(mw_parse_name_pattern("localhost", out, sizeof(out), &e), 0);
	/* 253 characters: the longest name */
	for (i = 0; i < 253; i++)
		longest[i] = (i % 50 == 49) ? '.' : 'a';
	longest[253] = 0;
	assert_int_equal(mw_parse_name_pattern(longest, out, sizeof(out), &e), 0);
	longest[253] = 'a';
	longest[254] = 0;
	assert_int_equal(mw_parse_name_pattern(longest, out, sizeof(out), &e), -1);
	assert_string_equal(e.msg, "longer than 253 characters");

	assert_int_equal(mw_parse_name_pattern("*", out, sizeof(out), &e), -1);
	assert_int_equal(e.col, 0);
	assert_int_equal(mw_parse_name_pattern("*.", out, sizeof(out), &e), -1);
	assert_int_equal(mw_parse_name_pattern(".example.com", out, sizeof(out), &e), -1);
	assert_string_equal(e.msg, "an empty label");
	assert_int_equal(e.col, 0);
	assert_int_equal(mw_parse_name_pattern("example.com..", out, sizeof(out), &e), -1);
	assert_int_equal(e.col, 12);
	assert_int_equal(mw_parse_name_pattern(".", out, sizeof(out), &e), -1);
	assert_int_equal(mw_parse_name_pattern("a.**.b", out, sizeof(out), &e), -1);
	assert_int_equal(e.col, 2);
	assert_int_equal(mw_parse_name_pattern("a/b", out, sizeof(out), &e), -1);
	assert_string_equal(e.msg, "'/' is not a letter, digit, '-' or '_'");
	assert_int_equal(e.col, 1);

	assert_true(mw_name_match("broker.example.com", "broker.example.com"));
	assert_true(mw_name_match("broker.example.com", "Broker.Example.COM."));
	assert_false(mw_name_match("broker.example.com", "xbroker.example.com"));
	assert_false(mw_name_match("broker.example.com", "broker.example.co"));
	assert_true(mw_name_match("*.example.com", "a.example.com"));
	assert_true(mw_name_match("*.example.com", "a.b.EXAMPLE.com."));
	assert_false(mw_name_match("*.example.com", "example.com"));
	assert_false(mw_name_match("*.example.com", ".example.com"));
	assert_false(mw_name_match("*.example.com", "aexample.com"));
}

static void test_compile_subjects(void **state)
{
	struct mw_policy p;
	struct mw_plan plan;

	(void)state;
	compile_ok(&plan, &p,
		   "policy quarantine { drop }\n"
		   "device meter mac 02:11:22:33:44:55 policy quarantine\n"
		   "device gw mac 02:11:22:33:44:56 mac 02:11:22:33:44:57 policy observe\n"
		   "class lab prefix 00:11:22 policy pass\n"
		   "default drop\n"
		   "interface eth1 default observe\n", NULL, NULL);
	assert_int_equal(plan.nsubj, 3);
	assert_string_equal(plan.subj[0].name, "meter");
	assert_int_equal(plan.subj[0].kind, MW_KIND_DEVICE);
	assert_int_equal(plan.subj[0].action, MW_ACT_DROP);
	assert_int_equal(plan.subj[0].policy, 3);
	assert_string_equal(plan.subj[1].name, "gw");
	assert_int_equal(plan.subj[1].action, MW_ACT_OBSERVE);
	assert_int_equal(plan.subj[1].policy, 2);
	assert_string_equal(plan.subj[2].name, "lab");
	assert_int_equal(plan.subj[2].kind, MW_KIND_CLASS);
	assert_int_equal(plan.subj[2].action, MW_ACT_PASS);
	assert_int_equal(plan.default_action, MW_ACT_DROP);
	assert_int_equal(plan.nifd, 1);
	assert_string_equal(plan.ifd[0].ifname, "eth1");
	assert_int_equal(plan.ifd[0].action, MW_ACT_OBSERVE);
	assert_int_equal(plan.npolicies, 1);
	assert_int_equal(plan.ndev_mac, 2);
	assert_int_equal(plan.ndev_imei + plan.ndev_ip + plan.nunbound, 0);

	/* MAC entries: one per MAC, keyed by the 48-bit number, to their device */
	assert_int_equal(plan.ne, 4);
	assert_int_equal(plan.count[MW_PM_MAC], 3);
	assert_int_equal(plan.count[MW_PM_OUI], 1);
	assert_int_equal(find_mac(&plan, MW_PM_MAC, MAC(2, 0x11, 0x22, 0x33, 0x44, 0x55), 0)->subj, 0);
	assert_int_equal(find_mac(&plan, MW_PM_MAC, MAC(2, 0x11, 0x22, 0x33, 0x44, 0x56), 0)->subj, 1);
	assert_int_equal(find_mac(&plan, MW_PM_MAC, MAC(2, 0x11, 0x22, 0x33, 0x44, 0x57), 0)->subj, 1);
	assert_counts(&plan);
	mw_plan_free(&plan);
	mw_policy_free(&p);

	/* no default statement: pass */
	compile_ok(&plan, &p, "", NULL, NULL);
	assert_int_equal(plan.default_action, MW_ACT_PASS);
	assert_int_equal(plan.nsubj, 0);
	assert_int_equal(plan.ne, 0);
	mw_plan_free(&plan);
	mw_policy_free(&p);
}

static void test_compile_ip_maps(void **state)
{
	struct mw_policy p;
	struct mw_plan plan;
	const struct mw_plan_entry *e;

	(void)state;
	compile_ok(&plan, &p,
		   "device a ip 10.0.0.1 ip 2001:db8::1 policy drop\n"
		   "device b ip 10.1.0.0/16 ip 2001:db8:1::/48 ip 10.2.0.0/31 policy pass\n"
		   "device c ip 10.3.0.0/32 ip 2001:db8:2::/128 policy pass\n", NULL, NULL);
	/* host addresses go to the exact-match maps, real prefixes to the LPM tries */
	assert_int_equal(plan.count[MW_PM_IP4], 2);
	assert_int_equal(plan.count[MW_PM_IP6], 2);
	assert_int_equal(plan.count[MW_PM_LPM4], 2);
	assert_int_equal(plan.count[MW_PM_LPM6], 1);
	assert_int_equal(plan.ne, 7);
	assert_int_equal(plan.ndev_ip, 3);
	e = find_ip(&plan, "10.0.0.1");
	assert_non_null(e);
	assert_int_equal(e->map, MW_PM_IP4);
	assert_int_equal(e->subj, 0);
	e = find_ip(&plan, "2001:db8::1");
	assert_int_equal(e->map, MW_PM_IP6);
	e = find_ip(&plan, "10.1.0.0/16");
	assert_int_equal(e->map, MW_PM_LPM4);
	assert_int_equal(e->subj, 1);
	assert_int_equal(find_ip(&plan, "10.2.0.0/31")->map, MW_PM_LPM4);
	assert_int_equal(find_ip(&plan, "2001:db8:1::/48")->map, MW_PM_LPM6);
	e = find_ip(&plan, "10.3.0.0");
	assert_int_equal(e->map, MW_PM_IP4);
	assert_int_equal(e->subj, 2);
	assert_int_equal(find_ip(&plan, "2001:db8:2::")->map, MW_PM_IP6);
	assert_counts(&plan);
	mw_plan_free(&plan);
	mw_policy_free(&p);
}

static void test_compile_prefix_flags(void **state)
{
	struct mw_policy p;
	struct mw_plan plan;
	const struct mw_plan_entry *e;

	(void)state;
	compile_ok(&plan, &p,
		   "device d mac 02:00:00:00:00:01 policy pass\n"
		   /* subject 1: a /24, and a /28 and a /36 inside it (covered, not entered) */
		   "class whole prefix 00:11:22 prefix 00:11:22:30/28 prefix 00112233A policy drop\n"
		   /* subject 2: a /28 in the RA block 70:b3:d5 */
		   "class mam prefix 70:b3:d5:e0/28 policy observe\n"
		   /* subject 3: a /36 in the same block, one in 8c:1f:64, and the same /36 twice */
		   "class mas prefix 70:b3:d5:f2:f0/36 prefix 8c:1f:64:fb:10/36\n"
		   "          prefix 8C1F64FB1 policy observe\n", NULL, NULL);
	assert_int_equal(plan.nprefix[0], 1);
	assert_int_equal(plan.nprefix[1], 1);
	assert_int_equal(plan.nprefix[2], 2);
	/* 4 prefixes + 2 containers (70:b3:d5 and 8c:1f:64) */
	assert_int_equal(plan.count[MW_PM_OUI], 6);
	assert_int_equal(plan.count[MW_PM_MAC], 1);
	assert_int_equal(plan.ne, 7);

	e = find_mac(&plan, MW_PM_OUI, MAC(0, 0x11, 0x22, 0, 0, 0), 24);
	assert_non_null(e);
	assert_int_equal(e->subj, 1);
	assert_int_equal(e->flags, 0);
	assert_null(find_mac(&plan, MW_PM_OUI, MAC(0, 0x11, 0x22, 0x30, 0, 0), 28));
	assert_null(find_mac(&plan, MW_PM_OUI, MAC(0, 0x11, 0x22, 0x33, 0xa0, 0), 36));

	e = find_mac(&plan, MW_PM_OUI, MAC(0x70, 0xb3, 0xd5, 0xe0, 0, 0), 28);
	assert_non_null(e);
	assert_int_equal(e->subj, 2);
	e = find_mac(&plan, MW_PM_OUI, MAC(0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0), 36);
	assert_non_null(e);
	assert_int_equal(e->subj, 3);
	e = find_mac(&plan, MW_PM_OUI, MAC(0x8c, 0x1f, 0x64, 0xfb, 0x10, 0), 36);
	assert_non_null(e);
	assert_int_equal(e->subj, 3);

	/* the /24 containers say which longer lengths to probe */
	e = find_mac(&plan, MW_PM_OUI, MAC(0x70, 0xb3, 0xd5, 0, 0, 0), 24);
	assert_non_null(e);
	assert_int_equal(e->subj, MW_PLAN_CONTAINER);
	assert_int_equal(e->flags, MW_SF_HAS_MAM | MW_SF_HAS_MAS);
	e = find_mac(&plan, MW_PM_OUI, MAC(0x8c, 0x1f, 0x64, 0, 0, 0), 24);
	assert_non_null(e);
	assert_int_equal(e->subj, MW_PLAN_CONTAINER);
	assert_int_equal(e->flags, MW_SF_HAS_MAS);
	assert_counts(&plan);
	mw_plan_free(&plan);
	mw_policy_free(&p);
}

static void test_compile_vendors(void **state)
{
	struct mw_policy p;
	struct mw_plan plan;
	const struct mw_plan_entry *e;

	(void)state;
	/* Quectel: two MA-L blocks (two spellings, one organization) and an MA-M block */
	compile_ok(&plan, &p,
		   "vendorset cellular { vendor \"quectel\" }\n"
		   "class modules vendorset cellular policy observe\n"
		   "class gnss vendor \"U-BLOX\" policy pass\n"
		   "class tp vendor \"Teleplatforms\" policy drop\n", &fixture_db, NULL);
	assert_int_equal(p.warnings.n, 0);
	assert_int_equal(plan.nprefix[0], 3);
	assert_int_equal(plan.nprefix[1], 1);
	assert_int_equal(plan.nprefix[2], 1);
	assert_int_equal(plan.count[MW_PM_OUI], 6);	/* 5 + the 70:b3:d5 container */
	assert_int_equal(find_mac(&plan, MW_PM_OUI, MAC(0x04, 0xb6, 0xbe, 0, 0, 0), 24)->subj, 0);
	assert_int_equal(find_mac(&plan, MW_PM_OUI, MAC(0x50, 0xe9, 0xdf, 0, 0, 0), 24)->subj, 0);
	assert_int_equal(find_mac(&plan, MW_PM_OUI, MAC(0x70, 0xb3, 0xd5, 0xe0, 0, 0), 28)->subj, 0);
	assert_int_equal(find_mac(&plan, MW_PM_OUI, MAC(0x6c, 0x1d, 0xeb, 0, 0, 0), 24)->subj, 1);
	assert_int_equal(find_mac(&plan, MW_PM_OUI, MAC(0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0), 36)->subj,
			 2);
	e = find_mac(&plan, MW_PM_OUI, MAC(0x70, 0xb3, 0xd5, 0, 0, 0), 24);
	assert_non_null(e);
	assert_int_equal(e->subj, MW_PLAN_CONTAINER);
	assert_int_equal(e->flags, MW_SF_HAS_MAM | MW_SF_HAS_MAS);
	assert_counts(&plan);
	mw_plan_free(&plan);
	mw_policy_free(&p);

	/* "MeiG" is not "Meigao"; an ambiguous name warns and lists the organizations */
	compile_ok(&plan, &p,
		   "class meig vendor \"MeiG\" policy observe\n"
		   "class telit vendor \"Telit\" policy observe\n", &fixture_db, NULL);
	assert_int_equal(plan.nprefix[0], 3);
	assert_int_equal(plan.nprefix[1], 1);
	assert_non_null(find_mac(&plan, MW_PM_OUI, MAC(0xa4, 0xd4, 0xb2, 0, 0, 0), 24));
	assert_null(find_mac(&plan, MW_PM_OUI, MAC(0xb0, 0xa2, 0xe7, 0, 0, 0), 24));
	assert_null(find_mac(&plan, MW_PM_OUI, MAC(0x0c, 0x4c, 0x39, 0, 0, 0), 24));
	assert_int_equal(p.warnings.n, 1);
	assert_string_equal(p.warnings.msg[0], "t.mwp:2:20: vendor \"Telit\" matches 2 "
			    "organizations: \"Telit Communication s.p.a\", \"Telit Wireless "
			    "Solutions GmbH\"");
	mw_plan_free(&plan);
	mw_policy_free(&p);
}

static void test_compile_vendor_errors(void **state)
{
	(void)state;
	compile_error("class c vendor \"Quectel\" policy pass\n", NULL, NULL,
		      "t.mwp:1:16: vendor \"Quectel\": the IEEE registry is not loaded");
	compile_error("class c vendor \"Qualcomm\" policy pass\n", &fixture_db, NULL,
		      "t.mwp:1:16: no IEEE assignment matches vendor \"Qualcomm\"");
	/* names match whole words: "Mei" is in neither "MeiG" nor "Meigao" */
	compile_error("class c vendor \"Mei\" policy pass\n", &fixture_db, NULL,
		      "t.mwp:1:16: no IEEE assignment matches vendor \"Mei\"");
	compile_error("class c vendor \" -- \" policy pass\n", &fixture_db, NULL,
		      "t.mwp:1:16: vendor name \" -- \" has no letter or digit");
	/* the MA-S block of "Nested Example" lies inside Quectel's MA-M block */
	compile_error("class q vendor \"Quectel\" policy pass\n"
		      "class n vendor \"Nested Example\" policy drop\n", &fixture_db, NULL,
		      "t.mwp:2:16: MAC prefix 70:b3:d5:e1:20/36 (vendor \"Nested Example\") of "
		      "class 'n' lies inside 70:b3:d5:e0/28 of class 'q' (t.mwp:1:16): a MAC can "
		      "belong to one class only");
}

static void test_compile_conflicts(void **state)
{
	(void)state;
	compile_error("device a mac 02:00:00:00:00:01 policy pass\n"
		      "device b mac 02-00-00-00-00-01 policy pass\n", NULL, NULL,
		      "t.mwp:2:14: MAC 02:00:00:00:00:01 already belongs to device 'a' "
		      "(t.mwp:1:14)");
	compile_error("device a imei 356938035643809 policy pass\n"
		      "device b imei 356938035643809 policy pass\n", NULL, NULL,
		      "t.mwp:2:15: IMEI 356938035643809 already belongs to device 'a' "
		      "(t.mwp:1:15)");
	compile_error("device a ip 10.0.0.0/24 policy pass\n"
		      "device b ip 10.0.0.128/25 policy pass\n", NULL, NULL,
		      "t.mwp:2:13: 10.0.0.128/25 overlaps 10.0.0.0/24 of device 'a' (t.mwp:1:13)");
	compile_error("device a ip fd00::7 policy pass\n"
		      "device b ip fd00::/64 policy pass\n", NULL, NULL,
		      "t.mwp:2:13: fd00::/64 overlaps fd00::7 of device 'a' (t.mwp:1:13)");
	compile_error("class a prefix 00:11:22 policy pass\n"
		      "class b prefix 00:11:22:30/28 policy pass\n", NULL, NULL,
		      "t.mwp:2:16: MAC prefix 00:11:22:30/28 of class 'b' lies inside 00:11:22/24 "
		      "of class 'a' (t.mwp:1:16): a MAC can belong to one class only");
	compile_error("class a prefix 70:b3:d5:e0/28 policy pass\n"
		      "class b prefix 70B3D5E policy pass\n", NULL, NULL,
		      "t.mwp:2:16: MAC prefix 70:b3:d5:e0/28 of class 'b' is also 70:b3:d5:e0/28 "
		      "of class 'a' (t.mwp:1:16): a MAC can belong to one class only");
}

/* ---- IMEI bindings ---- */

static void test_bindings_compile(void **state)
{
	char path[] = "/tmp/mw-test-bindings-XXXXXX";
	struct mw_diag errs = { 0 }, notes = { 0 };
	struct mw_bindings b = { 0 };
	struct mw_policy p;
	struct mw_plan plan;
	const struct mw_plan_entry *e;
	struct mw_prefix pfx;
	struct mw_loc kloc = { "kernel", 0, 0 };

	(void)state;
	write_tmp(path,
		  "# IMEI ADDRESS...\n"
		  "356938035643809 10.40.0.3 fd00:40::3   # tracker-3\n"
		  "\n"
		  "  490154203237518\t10.41.0.0/24\n"
		  "3530893033165201 10.40.0.9\n"
		  "012345678901237 10.40.0.99\n");
	assert_int_equal(mw_bindings_load(&b, path, &errs, &notes), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(b.n, 5);
	assert_int_equal(b.v[0].imei, 35693803564380ull);
	assert_int_equal(b.v[0].loc.line, 2);
	assert_int_equal(b.v[0].loc.col, 17);
	assert_int_equal(b.v[2].loc.line, 4);
	assert_int_equal(b.v[2].loc.col, 19);
	assert_int_equal(notes.n, 1);
	assert_true(strstr(notes.msg[0], ":5:1: IMEISV 3530893033165201 taken as IMEI "
			   "353089303316521") != NULL);

	/* the same binding again from the kernel: kept once */
	assert_int_equal(mw_parse_prefix("10.40.0.3", &pfx, NULL), 0);
	mw_bindings_add(&b, 35693803564380ull, &pfx, &kloc);

	compile_ok(&plan, &p,
		   "device tracker-3 imei 356938035643809 policy drop\n"
		   "device tracker-4 imei 490154203237518 policy observe\n"
		   "device tracker-5 imei 359881030314355 policy drop\n"
		   "device router imei 353089303316521 ip 198.51.100.1 policy pass\n",
		   NULL, &b);
	assert_int_equal(plan.ndev_imei, 4);
	assert_int_equal(plan.ndev_ip, 1);
	assert_int_equal(plan.nunbound, 1);
	assert_int_equal(plan.count[MW_PM_IMEI], 4);
	assert_int_equal(plan.count[MW_PM_IP4], 3);
	assert_int_equal(plan.count[MW_PM_IP6], 1);
	assert_int_equal(plan.count[MW_PM_LPM4], 1);
	assert_int_equal(plan.ne, 9);
	assert_int_equal(find_mac(&plan, MW_PM_IMEI, 35693803564380ull, 0)->subj, 0);
	assert_int_equal(find_mac(&plan, MW_PM_IMEI, 35988103031435ull, 0)->subj, 2);
	assert_int_equal(find_ip(&plan, "10.40.0.3")->subj, 0);
	assert_int_equal(find_ip(&plan, "fd00:40::3")->subj, 0);
	e = find_ip(&plan, "10.41.0.0/24");
	assert_int_equal(e->map, MW_PM_LPM4);
	assert_int_equal(e->subj, 1);
	assert_int_equal(find_ip(&plan, "10.40.0.9")->subj, 3);
	assert_int_equal(find_ip(&plan, "198.51.100.1")->subj, 3);
	assert_null(find_ip(&plan, "10.40.0.99"));	/* no device has that IMEI */
	assert_counts(&plan);
	mw_plan_free(&plan);
	mw_policy_free(&p);

	mw_bindings_free(&b);
	mw_diag_free(&errs);
	mw_diag_free(&notes);
	unlink(path);
}

static void test_bindings_errors(void **state)
{
	char path[] = "/tmp/mw-test-bindings-XXXXXX", want[256];
	struct mw_diag errs = { 0 };
	struct mw_bindings b = { 0 };

	(void)state;
	write_tmp(path,
		  "356938035643808 10.40.0.1\n"
		  "356938035643809 10.40.0.1 10.40.0.300\n"
		  "490154203237518\n"
		  "  35693803564380 10.40.0.2\n"
		  "356938035643809 10.40.0.1/24\n");
	assert_int_equal(mw_bindings_load(&b, path, &errs, NULL), -1);
	for (int i = 0; i < errs.n; i++)
		print_message("  got: %s\n", errs.msg[i]);
	assert_int_equal(errs.n, 5);
	snprintf(want, sizeof(want), "%s:1:15: bad IMEI '356938035643808': IMEI check digit is 8, "
		 "Luhn says 9", path);
	assert_string_equal(errs.msg[0], want);
	snprintf(want, sizeof(want), "%s:2:27: bad address '10.40.0.300': '10.40.0.300' is not an "
		 "IPv4 address", path);
	assert_string_equal(errs.msg[1], want);
	snprintf(want, sizeof(want), "%s:3:15: IMEI without an address", path);
	assert_string_equal(errs.msg[2], want);
	snprintf(want, sizeof(want), "%s:4:3: bad IMEI '35693803564380': IMEI has 14 digits: 15 "
		 "needed (or 16 for an IMEISV)", path);
	assert_string_equal(errs.msg[3], want);
	snprintf(want, sizeof(want), "%s:5:17: bad address '10.40.0.1/24': host bits set past /24",
		 path);
	assert_string_equal(errs.msg[4], want);
	/* addresses before the bad one on its line are kept */
	assert_int_equal(b.n, 1);
	mw_bindings_free(&b);
	mw_diag_free(&errs);
	unlink(path);

	assert_int_equal(mw_bindings_load(&b, "/nonexistent/bindings", &errs, NULL), -1);
	assert_string_equal(errs.msg[0], "/nonexistent/bindings: No such file or directory");
	mw_bindings_free(&b);
	mw_diag_free(&errs);
}

static void test_bindings_two_devices(void **state)
{
	struct mw_bindings b = { 0 };
	struct mw_loc l1 = { "b", 1, 17 }, l2 = { "b", 2, 17 };
	struct mw_prefix pfx;

	(void)state;
	assert_int_equal(mw_parse_prefix("10.40.0.1", &pfx, NULL), 0);
	mw_bindings_add(&b, 35693803564380ull, &pfx, &l1);
	mw_bindings_add(&b, 49015420323751ull, &pfx, &l2);
	compile_error("device a imei 356938035643809 policy pass\n"
		      "device b imei 490154203237518 policy pass\n", NULL, &b,
		      "b:2:17: 10.40.0.1 overlaps 10.40.0.1 of device 'a' (b:1:17)");
	mw_bindings_free(&b);
}

static int setup_db(void **state)
{
	char err[512] = "";

	(void)state;
	if (mw_ieee_load(&fixture_db, IEEE_FIXTURE, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown_db(void **state)
{
	(void)state;
	mw_ieee_free(&fixture_db);
	return 0;
}

int main(void)
{
	const struct CMUnitTest parse[] = {
		cmocka_unit_test(test_parse_counts),
		cmocka_unit_test(test_parse_identities),
		cmocka_unit_test(test_parse_members),
		cmocka_unit_test(test_parse_lexical_freedom),
		cmocka_unit_test(test_parse_name_limits),
		cmocka_unit_test(test_errors_lexical),
		cmocka_unit_test(test_errors_syntax),
		cmocka_unit_test(test_errors_values),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_errors_semantic),
		cmocka_unit_test(test_errors_capped),
		cmocka_unit_test(test_include),
	};
	const struct CMUnitTest comp[] = {
		cmocka_unit_test(test_compile_subjects),
		cmocka_unit_test(test_compile_ip_maps),
		cmocka_unit_test(test_compile_prefix_flags),
		cmocka_unit_test(test_compile_vendors),
		cmocka_unit_test(test_compile_vendor_errors),
		cmocka_unit_test(test_compile_conflicts),
		cmocka_unit_test(test_bindings_compile),
		cmocka_unit_test(test_bindings_errors),
		cmocka_unit_test(test_bindings_two_devices),
		cmocka_unit_test(test_parse_destinations),
		cmocka_unit_test(test_compile_destinations),
		cmocka_unit_test(test_name_rules),
		cmocka_unit_test(test_name_patterns),
	};
	int fails = 0;

	fails += cmocka_run_group_tests_name("policy parser", parse, NULL, NULL);
	fails += cmocka_run_group_tests_name("policy compiler", comp, setup_db, teardown_db);
	return fails ? 1 : 0;
}
