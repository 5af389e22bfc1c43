// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the userspace side of observation: the frame decoder behind
 * `modwall events`, its one-line summaries, the --rate parser and the
 * wall-clock conversion of the data path's monotonic stamps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "observe.h"

#define GW	0x02, 0x00, 0x00, 0x00, 0x00, 0x01
#define DEV	0x34, 0x87, 0x3d, 0x00, 0x00, 0x07

static void summary_is(const uint8_t *p, size_t len, const char *want)
{
	struct mw_frame f;
	char buf[320];

	mw_decode_frame(p, len, &f);
	mw_frame_summary(&f, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_ipv4_udp(void **state)
{
	static const uint8_t p[] = {
		GW, DEV, 0x08, 0x00,
		0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0,
		198, 18, 10, 2, 198, 18, 10, 1,
		0x9c, 0x40, 0x00, 0x35, 0, 8, 0, 0,
	};
	struct mw_frame f;

	(void)state;
	mw_decode_frame(p, sizeof(p), &f);
	assert_int_equal(f.l2_ok, 1);
	assert_int_equal(f.ethertype, 0x0800);
	assert_int_equal(f.family, AF_INET);
	assert_int_equal(f.proto, 17);
	assert_int_equal(f.has_l4, 1);
	assert_int_equal(f.sport, 40000);
	assert_int_equal(f.dport, 53);
	assert_int_equal(f.frag, 0);
	assert_int_equal(f.truncated, 0);
	summary_is(p, sizeof(p), "34:87:3d:00:00:07 > 02:00:00:00:00:01 ipv4 "
		   "198.18.10.2:40000 > 198.18.10.1:53 udp");
}

static void test_qinq_ipv4_options_tcp(void **state)
{
	static const uint8_t p[] = {
		GW, DEV, 0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x20, 0x64, 0x08, 0x00,
		0x46, 0, 0, 44, 0, 0, 0, 0, 64, 6, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
		1, 1, 1, 0,			/* options: NOP NOP NOP EOL */
		0x04, 0xd2, 0x01, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0, 0, 0, 0, 0, 0,
	};
	struct mw_frame f;

	(void)state;
	mw_decode_frame(p, sizeof(p), &f);
	assert_int_equal(f.nvlan, 2);
	assert_int_equal(f.vlan[0], 10);
	assert_int_equal(f.vlan[1], 100);	/* PCP bits dropped */
	assert_int_equal(f.sport, 1234);
	assert_int_equal(f.dport, 443);
	summary_is(p, sizeof(p), "34:87:3d:00:00:07 > 02:00:00:00:00:01 vlan 10.100 ipv4 "
		   "10.0.0.1:1234 > 10.0.0.2:443 tcp");
}

static void test_ipv4_icmp_and_fragments(void **state)
{
	uint8_t p[] = {
		GW, DEV, 0x08, 0x00,
		0x45, 0, 0, 28, 0, 0, 0x00, 0x00, 64, 1, 0, 0,
		198, 18, 11, 2, 198, 18, 11, 1,
		8, 0, 0, 0, 0, 1, 0, 1,
	};
	struct mw_frame f;

	(void)state;
	summary_is(p, sizeof(p), "34:87:3d:00:00:07 > 02:00:00:00:00:01 ipv4 "
		   "198.18.11.2 > 198.18.11.1 icmp type 8 code 0");
	p[20] = 0x20;			/* MF: a first fragment still has its header */
	mw_decode_frame(p, sizeof(p), &f);
	assert_int_equal(f.frag, 1);
	assert_int_equal(f.later_frag, 0);
	assert_int_equal(f.has_l4, 1);
	p[20] = 0x00;
	p[21] = 0x10;			/* offset 16 x 8: no L4 header */
	mw_decode_frame(p, sizeof(p), &f);
	assert_int_equal(f.later_frag, 1);
	assert_int_equal(f.has_l4, 0);
	summary_is(p, sizeof(p), "34:87:3d:00:00:07 > 02:00:00:00:00:01 ipv4 "
		   "198.18.11.2 > 198.18.11.1 icmp frag");
}

static void test_ipv6_ext_headers(void **state)
{
	uint8_t p[] = {
		GW, DEV, 0x86, 0xdd,
		0x60, 0, 0, 0, 0, 32, 0, 64,	/* next header: hop-by-hop */
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		44, 0, 1, 4, 0, 0, 0, 0,	/* hop-by-hop (PadN) -> fragment */
		17, 0, 0, 1, 0, 0, 0, 7,	/* fragment, offset 0, M -> UDP */
		0x00, 0x01, 0x00, 0x02, 0, 16, 0, 0,
	};
	struct mw_frame f;

	(void)state;
	mw_decode_frame(p, sizeof(p), &f);
	assert_int_equal(f.family, AF_INET6);
	assert_int_equal(f.proto, 17);
	assert_int_equal(f.frag, 1);
	assert_int_equal(f.later_frag, 0);
	summary_is(p, sizeof(p), "34:87:3d:00:00:07 > 02:00:00:00:00:01 ipv6 "
		   "[fd00::2]:1 > [fd00::1]:2 udp first-frag");
	p[64] = 0x00;
	p[65] = 0x51;			/* offset 10, M: a later fragment */
	summary_is(p, sizeof(p), "34:87:3d:00:00:07 > 02:00:00:00:00:01 ipv6 "
		   "fd00::2 > fd00::1 udp frag");
}

static void test_icmpv6(void **state)
{
	static const uint8_t p[] = {
		GW, DEV, 0x86, 0xdd,
		0x60, 0, 0, 0, 0, 8, 58, 64,
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		128, 0, 0, 0, 0, 1, 0, 1,
	};

	(void)state;
	summary_is(p, sizeof(p), "34:87:3d:00:00:07 > 02:00:00:00:00:01 ipv6 "
		   "fd00::2 > fd00::1 icmpv6 type 128 code 0");
}

static void test_arp_and_other(void **state)
{
	static const uint8_t arp[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, DEV, 0x08, 0x06,
		0, 1, 0x08, 0, 6, 4, 0, 1,
		DEV, 198, 18, 11, 2,
		0, 0, 0, 0, 0, 0, 198, 18, 11, 1,
	};
	static const uint8_t other[] = { GW, DEV, 0x88, 0xcc, 1, 2, 3 };

	(void)state;
	summary_is(arp, sizeof(arp), "34:87:3d:00:00:07 > ff:ff:ff:ff:ff:ff arp request "
		   "198.18.11.2 > 198.18.11.1");
	summary_is(other, sizeof(other), "34:87:3d:00:00:07 > 02:00:00:00:00:01 0x88cc");
}

static void test_truncated(void **state)
{
	static const uint8_t p[] = {
		GW, DEV, 0x08, 0x00,
		0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0,
		198, 18, 10, 2, 198, 18, 10, 1,
		0x9c, 0x40, 0x00, 0x35, 0, 8, 0, 0,
	};
	static const uint8_t vlan[] = { GW, DEV, 0x81, 0x00, 0x00 };
	struct mw_frame f;

	(void)state;
	summary_is(p, 10, "runt frame");
	mw_decode_frame(p, 10, &f);
	assert_int_equal(f.l2_ok, 0);
	assert_int_equal(f.truncated, 1);
	summary_is(p, 14 + 12, "34:87:3d:00:00:07 > 02:00:00:00:00:01 ipv4 [truncated]");
	summary_is(p, 14 + 22, "34:87:3d:00:00:07 > 02:00:00:00:00:01 ipv4 "
		   "198.18.10.2 > 198.18.10.1 udp [truncated]");
	summary_is(vlan, sizeof(vlan), "34:87:3d:00:00:07 > 02:00:00:00:00:01 vlan [truncated]");
	/* a short buffer never overflows, and the length is still reported */
	{
		char small[8];

		mw_decode_frame(p, sizeof(p), &f);
		assert_true(mw_frame_summary(&f, small, sizeof(small)) > 8);
		assert_int_equal(strlen(small), 7);
	}
}

/* the remote end: destination of what a device sends, source of what goes to it */
static void test_frame_remote(void **state)
{
	/* device -> gateway MAC (XDP on lan), 198.18.10.2 -> 198.18.20.7 */
	static const uint8_t up[] = {
		GW, DEV, 0x08, 0x00,
		0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0,
		198, 18, 10, 2, 198, 18, 20, 7,
		0x9c, 0x40, 0x13, 0x89, 0, 8, 0, 0,
	};
	/* gateway -> device (tc egress on lan, after de-NAT), 198.18.20.7 -> 198.18.10.2 */
	static const uint8_t down[] = {
		DEV, GW, 0x08, 0x00,
		0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0,
		198, 18, 20, 7, 198, 18, 10, 2,
		0x13, 0x89, 0x9c, 0x40, 0, 8, 0, 0,
	};
	/* a device to a group address, and a bridged frame between two others */
	static const uint8_t group[] = {
		0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb, DEV, 0x08, 0x00,
		0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0,
		198, 18, 10, 2, 224, 0, 0, 251,
		0x14, 0xe9, 0x14, 0xe9, 0, 8, 0, 0,
	};
	static const uint8_t bridged[] = {
		DEV, 0x02, 0x00, 0x00, 0x00, 0x00, 0x99, 0x08, 0x00,
		0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0,
		198, 18, 20, 7, 198, 18, 10, 2,
		0x13, 0x89, 0x9c, 0x40, 0, 8, 0, 0,
	};
	static const uint8_t arp[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, DEV, 0x08, 0x06,
		0, 1, 0x08, 0, 6, 4, 0, 1,
		DEV, 198, 18, 11, 2,
		0, 0, 0, 0, 0, 0, 198, 18, 11, 1,
	};
	static const uint8_t gw[6] = { GW };
	static const uint8_t far[4] = { 198, 18, 20, 7 }, mdns[4] = { 224, 0, 0, 251 };
	struct mw_frame f;
	const uint8_t *a;
	int fam = 0;

	(void)state;
	mw_decode_frame(up, sizeof(up), &f);
	a = mw_frame_remote(&f, MW_ROLE_LAN, gw, &fam);
	assert_non_null(a);
	assert_int_equal(fam, AF_INET);
	assert_memory_equal(a, far, 4);
	assert_null(mw_frame_remote(&f, MW_ROLE_LAN, NULL, &fam));	/* MAC not known */
	assert_null(mw_frame_remote(&f, MW_ROLE_N3, gw, &fam));

	mw_decode_frame(down, sizeof(down), &f);
	a = mw_frame_remote(&f, MW_ROLE_LAN, gw, &fam);
	assert_non_null(a);
	assert_memory_equal(a, far, 4);
	/* wan: always to the device, whatever the MACs */
	a = mw_frame_remote(&f, MW_ROLE_WAN, NULL, &fam);
	assert_non_null(a);
	assert_memory_equal(a, far, 4);

	mw_decode_frame(group, sizeof(group), &f);
	a = mw_frame_remote(&f, MW_ROLE_LAN, gw, &fam);
	assert_non_null(a);
	assert_memory_equal(a, mdns, 4);

	mw_decode_frame(bridged, sizeof(bridged), &f);
	assert_null(mw_frame_remote(&f, MW_ROLE_LAN, gw, &fam));
	mw_decode_frame(arp, sizeof(arp), &f);
	assert_null(mw_frame_remote(&f, MW_ROLE_WAN, NULL, &fam));
}

/* what follows the summary in `modwall events` */
static void test_remote_note(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(mw_remote_note("broker.test", "DE", buf, sizeof(buf)), 18);
	assert_string_equal(buf, " (broker.test, DE)");
	mw_remote_note("broker.test", "", buf, sizeof(buf));
	assert_string_equal(buf, " (broker.test)");
	mw_remote_note(NULL, "JP", buf, sizeof(buf));
	assert_string_equal(buf, " (JP)");
	mw_remote_note("", NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_int_equal(mw_remote_note(NULL, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_event_rate(void **state)
{
	uint64_t r, b;
	static const char *const bad[] = { "", "x", "5/", "5/0", "5/x", "-1", "10000001", "5/3x",
					   " 5", "5 " };
	size_t i;

	(void)state;
	assert_int_equal(mw_parse_event_rate("50", &r, &b), 0);
	assert_int_equal(r, 50);
	assert_int_equal(b, 25);
	assert_int_equal(mw_parse_event_rate("1", &r, &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(mw_parse_event_rate("50/10", &r, &b), 0);
	assert_int_equal(r, 50);
	assert_int_equal(b, 10);
	assert_int_equal(mw_parse_event_rate("0", &r, &b), 0);
	assert_int_equal(r, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mw_parse_event_rate(bad[i], &r, &b), -1);
}

static void test_time(void **state)
{
	struct timespec rt, mo;
	char buf[32];
	int64_t off, diff;

	(void)state;
	mw_format_iso(0, 0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	mw_format_iso(1764069603123456789ull, 3, buf, sizeof(buf));
	assert_string_equal(buf, "2025-11-25T11:20:03.123Z");
	mw_format_iso(1764069603123456789ull, 6, buf, sizeof(buf));
	assert_string_equal(buf, "2025-11-25T11:20:03.123456Z");
	mw_format_iso(1764069603123456789ull, 9, buf, sizeof(buf));
	assert_string_equal(buf, "2025-11-25T11:20:03.123456789Z");

	off = mw_clock_offset();
	clock_gettime(CLOCK_MONOTONIC, &mo);
	clock_gettime(CLOCK_REALTIME, &rt);
	diff = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec -
	       ((int64_t)mo.tv_sec * 1000000000 + mo.tv_nsec + off);
	assert_true(diff > -10000000 && diff < 10000000);	/* 10 ms */
}

static void test_names(void **state)
{
	char b[8];

	(void)state;
	assert_string_equal(mw_ethertype_name(0x0800, b), "ipv4");
	assert_string_equal(mw_ethertype_name(0x86dd, b), "ipv6");
	assert_string_equal(mw_ethertype_name(0x88b5, b), "0x88b5");
	assert_string_equal(mw_proto_name(58), "icmpv6");
	assert_null(mw_proto_name(253));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_udp),
		cmocka_unit_test(test_qinq_ipv4_options_tcp),
		cmocka_unit_test(test_ipv4_icmp_and_fragments),
		cmocka_unit_test(test_ipv6_ext_headers),
		cmocka_unit_test(test_icmpv6),
		cmocka_unit_test(test_arp_and_other),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_frame_remote),
		cmocka_unit_test(test_remote_note),
		cmocka_unit_test(test_event_rate),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("observe", tests, NULL, NULL);
}
