// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Parsers of user/addr.c: MACs, MAC prefixes, IP prefixes, IMEIs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "addr.h"

#define MAC(a, b, c, d, e, f) \
	((uint64_t)(a) << 40 | (uint64_t)(b) << 32 | (uint64_t)(c) << 24 | \
	 (uint64_t)(d) << 16 | (uint64_t)(e) << 8 | (uint64_t)(f))

/* ---- MAC addresses ---- */

static void mac_ok(const char *s, uint64_t want)
{
	struct mw_perr e = { .col = -7 };
	uint64_t mac = 0xdeadbeef;

	if (mw_parse_mac(s, &mac, &e))
		fail_msg("\"%s\": %s (col %d)", s, e.msg, e.col);
	assert_int_equal(mac, want);
}

static void mac_bad(const char *s, int col, const char *msg)
{
	struct mw_perr e = { .col = -7 };
	uint64_t mac = 0xdeadbeef;

	assert_int_equal(mw_parse_mac(s, &mac, &e), -1);
	assert_int_equal(mac, 0xdeadbeef);	/* untouched on error */
	assert_int_equal(e.col, col);
	if (!strstr(e.msg, msg))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, e.msg, msg);
}

static void test_mac_valid(void **state)
{
	const uint64_t m = MAC(0x02, 0x11, 0x22, 0x33, 0x44, 0x55);

	(void)state;
	mac_ok("02:11:22:33:44:55", m);
	mac_ok("02-11-22-33-44-55", m);
	mac_ok("aa:bb:cc:dd:ee:ff", 0xaabbccddeeffull);
	mac_ok("AA:BB:CC:DD:EE:FF", 0xaabbccddeeffull);
	mac_ok("aA:Bb:cC:dD:Ee:fF", 0xaabbccddeeffull);
	mac_ok("00:00:00:00:00:00", 0);
	mac_ok("ff-ff-ff-ff-ff-ff", 0xffffffffffffull);
	/* No error sink: still parses. */
	assert_int_equal(mw_parse_mac("70:b3:d5:f2:f0:12", &(uint64_t){ 0 }, NULL), 0);
}

static void test_mac_invalid(void **state)
{
	(void)state;
	mac_bad("02:11-22:33:44:55", 5, "mixed separators");
	mac_bad("02-11:22-33-44-55", 5, "mixed separators");
	mac_bad("02:11:22:33:44", 14, "too short: 6 octets needed");
	mac_bad("02:11:22:33:44:", 15, "too short: 6 octets needed");
	mac_bad("", 0, "too short");
	mac_bad("02:11:22:33:44:5", 16, "MAC octet needs two hex digits");
	mac_bad("2:11:22:33:44:55", 1, "MAC octet needs two hex digits");
	mac_bad("02:11:22:33:44:55:66", 17, "trailing characters");
	mac_bad("02:11:22:33:44:555", 17, "trailing characters");
	mac_bad("02:11:22:33:44:55 ", 17, "trailing characters");
	mac_bad("02:11:2g:33:44:55", 7, "'g' is not a hex digit");
	mac_bad("g2:11:22:33:44:55", 0, "'g' is not a hex digit");
	mac_bad("02:11:22:33:44:5z", 16, "'z' is not a hex digit");
	mac_bad("021122334455", 2, "expected ':'");
	mac_bad("02.11.22.33.44.55", 2, "expected ':'");
	mac_bad("02::11:22:33:44", 3, "':' is not a hex digit");
	mac_bad(" 02:11:22:33:44:55", 0, "' ' is not a hex digit");
	/* Bad input with no error sink does not crash. */
	assert_int_equal(mw_parse_mac("nope", &(uint64_t){ 0 }, NULL), -1);
}

static void test_mac_format(void **state)
{
	char buf[18];
	uint64_t mac;

	(void)state;
	mw_format_mac(MAC(0x70, 0xB3, 0xD5, 0xF2, 0xF0, 0x0A), buf);
	assert_string_equal(buf, "70:b3:d5:f2:f0:0a");
	assert_int_equal(mw_parse_mac(buf, &mac, NULL), 0);
	assert_int_equal(mac, MAC(0x70, 0xB3, 0xD5, 0xF2, 0xF0, 0x0A));
	mw_format_mac(0, buf);
	assert_string_equal(buf, "00:00:00:00:00:00");
	mw_format_mac(0xffffffffffffull, buf);
	assert_string_equal(buf, "ff:ff:ff:ff:ff:ff");
}

/* ---- MAC prefixes ---- */

static void pfx_ok(const char *s, uint64_t want, int want_bits)
{
	struct mw_perr e = { .col = -7 };
	uint64_t mac = 0xdeadbeef;
	int bits = -1;

	if (mw_parse_mac_prefix(s, &mac, &bits, &e))
		fail_msg("\"%s\": %s (col %d)", s, e.msg, e.col);
	assert_int_equal(mac, want);
	assert_int_equal(bits, want_bits);
}

static void pfx_bad(const char *s, int col, const char *msg)
{
	struct mw_perr e = { .col = -7 };
	uint64_t mac = 0xdeadbeef;
	int bits = -1;

	assert_int_equal(mw_parse_mac_prefix(s, &mac, &bits, &e), -1);
	assert_int_equal(mac, 0xdeadbeef);
	assert_int_equal(bits, -1);
	assert_int_equal(e.col, col);
	if (!strstr(e.msg, msg))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, e.msg, msg);
}

static void test_mac_prefix_valid(void **state)
{
	const uint64_t l = MAC(0xfc, 0xa1, 0x3e, 0, 0, 0);
	const uint64_t m = MAC(0x74, 0x1a, 0xe0, 0x90, 0, 0);
	const uint64_t s = MAC(0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0);

	(void)state;
	pfx_ok("FC:A1:3E/24", l, 24);
	pfx_ok("fc:a1:3e/24", l, 24);
	pfx_ok("FC-A1-3E/24", l, 24);
	pfx_ok("FC:A1:3E:00:00:00/24", l, 24);
	pfx_ok("74:1A:E0:90/28", m, 28);
	pfx_ok("74:1a:e0:90:00:00/28", m, 28);
	pfx_ok("70:B3:D5:F2:F0/36", s, 36);
	pfx_ok("70:B3:D5:F2:F0:00/36", s, 36);
	/* Registry form: the length is 4 bits a digit. */
	pfx_ok("FCA13E", l, 24);
	pfx_ok("741AE09", m, 28);
	pfx_ok("70B3D5F2F", s, 36);
	pfx_ok("70b3d5f2f", s, 36);
	/* Registry form with an explicit length, trailing zero digits allowed. */
	pfx_ok("FCA13E00/24", l, 24);
	pfx_ok("70B3D5F2F000/36", s, 36);
	/* A /24 written as a full MAC with zero host part. */
	pfx_ok("00:00:00:00:00:00/24", 0, 24);
}

static void test_mac_prefix_invalid(void **state)
{
	(void)state;
	/* Lengths that no registry hands out. */
	pfx_bad("FC:A1:3E/16", 9, "MAC prefix length 16: only /24 (MA-L), /28 (MA-M) and /36 (MA-S)");
	pfx_bad("FC:A1:3E:00/32", 12, "MAC prefix length 32");
	pfx_bad("FC:A1:3E:00:00:00/48", 18, "MAC prefix length 48");
	pfx_bad("FC:A1:3E/0", 9, "MAC prefix length 0");
	pfx_bad("FC:A1:3E/99999999999999999999", 9, "MAC prefix length 9223372036854775807");
	pfx_bad("FCA1", 0, "MAC prefix length 16");
	pfx_bad("FCA13E00", 0, "MAC prefix length 32");
	pfx_bad("FCA13E0000000", 12, "MAC prefix longer than 48 bits");
	/* Bits set past the length: the column is the first digit holding one. */
	pfx_bad("FC:A1:3E:01/24", 10, "bits set past /24");
	pfx_bad("FC:A1:3E:10/24", 9, "bits set past /24");
	pfx_bad("74:1A:E0:98/28", 10, "bits set past /28");
	pfx_bad("70:B3:D5:F2:F1:00/36", 13, "bits set past /36");
	pfx_bad("70:B3:D5:F2:F0:01/36", 16, "bits set past /36");
	pfx_bad("FCA13E01/24", 7, "bits set past /24");
	pfx_bad("741AE098/28", 7, "bits set past /28");
	/* Too few bits for the length. */
	pfx_bad("FC:A1/24", 5, "MAC prefix has 16 bits, shorter than /24");
	pfx_bad("70:B3:D5:F2/36", 11, "MAC prefix has 32 bits, shorter than /36");
	/* Octet structure. */
	pfx_bad("FC:A:3E/24", 4, "separator inside an octet");
	pfx_bad(":FC:A1:3E/24", 0, "separator inside an octet");
	pfx_bad("FC::A1:3E/24", 3, "empty octet");
	pfx_bad("FCA1:3E/24", 2, "expected ':' between MAC prefix octets");
	pfx_bad("FC:A13E/24", 5, "expected ':' between MAC prefix octets");
	pfx_bad("FC-A13E", 5, "expected '-' between MAC prefix octets");
	pfx_bad("FC:A1-3E/24", 5, "mixed separators");
	pfx_bad("FC:A1:3E:/24", 9, "ends with a separator");
	pfx_bad("FC:A1:3/24", 7, "octet needs two hex digits");
	/* Characters. */
	pfx_bad("FC:G1:3E/24", 3, "'G' is not a hex digit");
	pfx_bad("FC A1 3E/24", 2, "' ' is not a hex digit");
	pfx_bad("", 0, "empty MAC prefix");
	pfx_bad("/24", 0, "empty MAC prefix");
	pfx_bad("FC:A1:3E/", 9, "expected a prefix length after '/'");
	pfx_bad("FC:A1:3E/x", 9, "expected a prefix length after '/'");
	pfx_bad("FC:A1:3E/-24", 9, "expected a prefix length after '/'");
	pfx_bad("FC:A1:3E/24x", 11, "trailing characters after prefix length");
	pfx_bad("FC:A1:3E/24/24", 11, "trailing characters after prefix length");
	pfx_bad("FC:A1:3E/024", 9, "leading zero in prefix length");
}

/* ---- IP prefixes ---- */

static void ip_ok(const char *s, int family, int len, const char *canon)
{
	struct mw_perr e = { .col = -7 };
	struct mw_prefix p;
	char buf[64];

	if (mw_parse_prefix(s, &p, &e))
		fail_msg("\"%s\": %s (col %d)", s, e.msg, e.col);
	assert_int_equal(p.family, family);
	assert_int_equal(p.len, len);
	mw_format_prefix(&p, buf, sizeof(buf));
	assert_string_equal(buf, canon);
}

static void ip_bad(const char *s, int col, const char *msg)
{
	struct mw_perr e = { .col = -7 };
	struct mw_prefix p;

	assert_int_equal(mw_parse_prefix(s, &p, &e), -1);
	assert_int_equal(e.col, col);
	if (!strstr(e.msg, msg))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, e.msg, msg);
}

static void test_ip_valid(void **state)
{
	struct mw_prefix p;

	(void)state;
	ip_ok("198.18.0.1", AF_INET, 32, "198.18.0.1");
	ip_ok("198.18.0.1/32", AF_INET, 32, "198.18.0.1");
	ip_ok("198.18.0.0/15", AF_INET, 15, "198.18.0.0/15");
	ip_ok("10.0.0.0/8", AF_INET, 8, "10.0.0.0/8");
	ip_ok("0.0.0.0/0", AF_INET, 0, "0.0.0.0/0");
	ip_ok("fd00::1", AF_INET6, 128, "fd00::1");
	ip_ok("fd00::/8", AF_INET6, 8, "fd00::/8");
	ip_ok("FD00:0:0::/16", AF_INET6, 16, "fd00::/16");
	ip_ok("2001:db8::/32", AF_INET6, 32, "2001:db8::/32");
	ip_ok("::/0", AF_INET6, 0, "::/0");

	assert_int_equal(mw_parse_prefix("198.18.0.0/15", &p, NULL), 0);
	assert_memory_equal(p.addr, ((uint8_t[16]){ 198, 18, 0, 0 }), 16);
	assert_int_equal(mw_parse_prefix("fd00::1", &p, NULL), 0);
	assert_memory_equal(p.addr, ((uint8_t[16]){ 0xfd, [15] = 1 }), 16);
}

static void test_ip_invalid(void **state)
{
	(void)state;
	ip_bad("198.19.0.0/15", 0, "host bits set past /15");
	ip_bad("198.18.0.1/15", 0, "host bits set past /15");
	ip_bad("10.0.0.1/0", 0, "host bits set past /0");
	ip_bad("fd00::1/8", 0, "host bits set past /8");
	ip_bad("fd00::1/127", 0, "host bits set past /127");
	ip_bad("198.18.0.0/33", 11, "prefix length 33 longer than /32");
	ip_bad("fd00::/129", 7, "prefix length 129 longer than /128");
	ip_bad("garbage", 0, "'garbage' is not an IPv4 address");
	ip_bad("1.2.3", 0, "'1.2.3' is not an IPv4 address");
	ip_bad("1.2.3.256", 0, "'1.2.3.256' is not an IPv4 address");
	ip_bad("1.2.3.4 ", 0, "'1.2.3.4 ' is not an IPv4 address");
	ip_bad("fd00::g", 0, "'fd00::g' is not an IPv6 address");
	ip_bad("fd00:::1/64", 0, "is not an IPv6 address");
	ip_bad("", 0, "empty address");
	ip_bad("/24", 0, "empty address");
	ip_bad("1.2.3.4/", 8, "expected a prefix length after '/'");
	ip_bad("1.2.3.0/-1", 8, "expected a prefix length after '/'");
	ip_bad("1.2.3.0/24x", 10, "trailing characters after prefix length");
	/* a length is written as a number is, without leading zeros */
	ip_bad("1.2.3.0/024", 8, "leading zero in prefix length");
	ip_bad("fd00::/008", 7, "leading zero in prefix length");
	/* IPv4-mapped IPv6 would dodge the overlap checks of the IPv4 address */
	ip_bad("::ffff:192.0.2.1", 0,
	       "an IPv4-mapped IPv6 address: write the IPv4 address 192.0.2.1");
	ip_bad("::ffff:192.0.2.0/120", 0,
	       "an IPv4-mapped IPv6 prefix: write the IPv4 prefix 192.0.2.0/24");
	ip_ok("::fffe:c000:201", AF_INET6, 128, "::fffe:c000:201");
	ip_ok("::fffe:0:0/95", AF_INET6, 95, "::fffe:0:0/95");
	ip_bad("1111111111111111111111111111111111111111111111111111111111111111.0", 0,
	       "address too long");
}

static int overlap(const char *a, const char *b)
{
	struct mw_prefix pa, pb;

	assert_int_equal(mw_parse_prefix(a, &pa, NULL), 0);
	assert_int_equal(mw_parse_prefix(b, &pb, NULL), 0);
	/* Symmetric. */
	assert_int_equal(mw_prefix_overlap(&pa, &pb), mw_prefix_overlap(&pb, &pa));
	return mw_prefix_overlap(&pa, &pb);
}

static void test_device_prefix(void **state)
{
	struct mw_perr e = { .col = -7 };
	struct mw_prefix p;

	(void)state;
	assert_int_equal(mw_parse_prefix("0.0.0.0/0", &p, NULL), 0);
	assert_int_equal(mw_device_prefix_check(&p, &e), -1);
	assert_string_equal(e.msg, "a device cannot own every IPv4 address");
	assert_int_equal(mw_parse_prefix("::/0", &p, NULL), 0);
	assert_int_equal(mw_device_prefix_check(&p, &e), -1);
	assert_string_equal(e.msg, "a device cannot own every IPv6 address");
	assert_int_equal(mw_parse_prefix("0.0.0.0/1", &p, NULL), 0);
	assert_int_equal(mw_device_prefix_check(&p, &e), 0);
}

static void test_ip_overlap(void **state)
{
	(void)state;
	assert_int_equal(overlap("10.0.0.0/8", "10.1.0.0/16"), 1);
	assert_int_equal(overlap("10.0.0.0/8", "10.255.255.255"), 1);
	assert_int_equal(overlap("10.0.0.0/8", "11.0.0.0/8"), 0);
	assert_int_equal(overlap("10.0.0.0/8", "11.0.0.1"), 0);
	assert_int_equal(overlap("198.18.0.0/15", "198.19.255.1"), 1);
	assert_int_equal(overlap("198.18.0.0/15", "198.20.0.0/15"), 0);
	assert_int_equal(overlap("0.0.0.0/0", "203.0.113.7"), 1);
	assert_int_equal(overlap("192.0.2.1", "192.0.2.1"), 1);
	assert_int_equal(overlap("192.0.2.1", "192.0.2.2"), 0);
	assert_int_equal(overlap("fd00::/8", "fd12:3456::/32"), 1);
	assert_int_equal(overlap("fd00::/8", "fe80::1"), 0);
	assert_int_equal(overlap("::/0", "2001:db8::1"), 1);
	/* Different families never overlap, not even ::/0 and 0.0.0.0/0. */
	assert_int_equal(overlap("0.0.0.0/0", "::/0"), 0);
}

/* ---- IMEIs ---- */

static void imei_ok(const char *s, uint64_t body, int sv)
{
	struct mw_perr e = { .col = -7 };
	uint64_t b = 0xdeadbeef;
	int v = -1;

	if (mw_parse_imei(s, &b, &v, &e))
		fail_msg("\"%s\": %s (col %d)", s, e.msg, e.col);
	assert_int_equal(b, body);
	assert_int_equal(v, sv);
}

static void imei_bad(const char *s, int col, const char *msg)
{
	struct mw_perr e = { .col = -7 };
	uint64_t b = 0xdeadbeef;
	int v = -1;

	assert_int_equal(mw_parse_imei(s, &b, &v, &e), -1);
	assert_int_equal(b, 0xdeadbeef);
	assert_int_equal(v, -1);
	assert_int_equal(e.col, col);
	if (!strstr(e.msg, msg))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, e.msg, msg);
}

static void test_imei_valid(void **state)
{
	(void)state;
	imei_ok("356938035643809", 35693803564380ull, 0);
	imei_ok("490154203237518", 49015420323751ull, 0);
	imei_ok("352099001761481", 35209900176148ull, 0);
	imei_ok("000000000000000", 0, 0);
	/* The one adjacent swap Luhn misses, 09 <-> 90: "...3809" read as "...3890". */
	imei_ok("356938035643890", 35693803564389ull, 0);
	/* IMEISV: TAC + serial + 2-digit software version, no check digit. */
	imei_ok("3569380356438001", 35693803564380ull, 1);
	imei_ok("3569380356438099", 35693803564380ull, 1);
	imei_ok("4901542032375100", 49015420323751ull, 1);
	/* The TAC is the first 8 digits. */
	assert_int_equal(35693803564380ull / 1000000, 35693803);
}

static void test_imei_invalid(void **state)
{
	(void)state;
	imei_bad("356938035643808", 14, "IMEI check digit is 8, Luhn says 9");
	imei_bad("490154203237510", 14, "IMEI check digit is 0, Luhn says 8");
	/* Two adjacent digits swapped (56 -> 65). */
	imei_bad("365938035643809", 14, "IMEI check digit is 9, Luhn says 8");
	imei_bad("35693803564380", 0, "IMEI has 14 digits: 15 needed (or 16 for an IMEISV)");
	imei_bad("1", 0, "IMEI has 1 digits");
	imei_bad("", 0, "IMEI has 0 digits");
	imei_bad("35693803564380912", 16, "IMEI too long");
	imei_bad("356938035643809123456", 16, "IMEI too long");
	imei_bad("35693803564380A", 14, "'A' in IMEI: only digits are allowed");
	imei_bad("3569380356438O9", 13, "'O' in IMEI");
	imei_bad("35-693803-564380-9", 2, "'-' in IMEI");
	imei_bad(" 356938035643809", 0, "' ' in IMEI");
	imei_bad("356938035643809 ", 15, "' ' in IMEI");
}

static void test_imei_luhn_format(void **state)
{
	char buf[16];
	uint64_t body;
	int sv;

	(void)state;
	assert_int_equal(mw_luhn_digit(35693803564380ull), 9);
	assert_int_equal(mw_luhn_digit(49015420323751ull), 8);
	assert_int_equal(mw_luhn_digit(0), 0);
	mw_format_imei(35693803564380ull, buf);
	assert_string_equal(buf, "356938035643809");
	mw_format_imei(49015420323751ull, buf);
	assert_string_equal(buf, "490154203237518");
	/* Leading zeros are kept: 15 digits always. */
	mw_format_imei(123, buf);
	assert_int_equal(strlen(buf), 15);
	assert_int_equal(strncmp(buf, "00000000000123", 14), 0);
	assert_int_equal(mw_parse_imei(buf, &body, &sv, NULL), 0);
	assert_int_equal(body, 123);
	/* IMEISV -> body -> IMEI: the same device. */
	assert_int_equal(mw_parse_imei("3569380356438001", &body, &sv, NULL), 0);
	assert_int_equal(sv, 1);
	mw_format_imei(body, buf);
	assert_string_equal(buf, "356938035643809");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_valid),
		cmocka_unit_test(test_mac_invalid),
		cmocka_unit_test(test_mac_format),
		cmocka_unit_test(test_mac_prefix_valid),
		cmocka_unit_test(test_mac_prefix_invalid),
		cmocka_unit_test(test_ip_valid),
		cmocka_unit_test(test_ip_invalid),
		cmocka_unit_test(test_device_prefix),
		cmocka_unit_test(test_ip_overlap),
		cmocka_unit_test(test_imei_valid),
		cmocka_unit_test(test_imei_invalid),
		cmocka_unit_test(test_imei_luhn_format),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
