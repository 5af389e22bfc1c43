// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * user/lib/dns.c: messages built with ldns (as a resolver would send
 * them, name compression included) and hostile ones written byte by byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <ldns/ldns.h>

#include "dns.h"

#define MAXMSG	8192

struct wire {
	uint8_t b[MAXMSG];
	size_t len;
};

/*
 * A message for @qname/@qtype with the answer records @ans (zone-file
 * text, NULL-terminated), through ldns_pkt2wire.
 */
static void build_ex(struct wire *w, const char *qname, ldns_rr_type qtype, int qr, int rcode,
		     const char *const *ans)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), qtype, LDNS_RR_CLASS_IN,
					 LDNS_RD);
	uint8_t *buf = NULL;
	size_t n = 0;

	assert_non_null(p);
	ldns_pkt_set_id(p, 0x1234);
	ldns_pkt_set_qr(p, qr);
	ldns_pkt_set_rcode(p, rcode);
	for (; ans && *ans; ans++) {
		ldns_rr *rr = NULL;

		if (ldns_rr_new_frm_str(&rr, *ans, 3600, NULL, NULL) != LDNS_STATUS_OK)
			fail_msg("ldns refuses \"%s\"", *ans);
		assert_true(ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr));
	}
	assert_int_equal(ldns_pkt2wire(&buf, p, &n), LDNS_STATUS_OK);
	assert_true(n <= sizeof(w->b));
	memcpy(w->b, buf, n);
	w->len = n;
	free(buf);
	ldns_pkt_free(p);
}

static void build(struct wire *w, const char *qname, const char *const *ans)
{
	build_ex(w, qname, LDNS_RR_TYPE_A, 1, LDNS_RCODE_NOERROR, ans);
}

static struct mw_dns_msg *msg(void)
{
	static struct mw_dns_msg m;

	memset(&m, 0xa5, sizeof(m));	/* the parser must set what it reports */
	return &m;
}

static void assert_addr(const struct mw_dns_addr *a, const char *name, const char *text,
			uint32_t ttl, uint32_t rr_ttl, unsigned int hop)
{
	uint8_t want[16] = { 0 };
	int fam = strchr(text, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(fam, text, want), 1);
	assert_string_equal(a->name, name);
	assert_int_equal(a->family, fam);
	assert_memory_equal(a->addr, want, fam == AF_INET ? 4 : 16);
	assert_int_equal(a->ttl, ttl);
	assert_int_equal(a->rr_ttl, rr_ttl);
	assert_int_equal(a->hop, hop);
}

/* ---- valid messages ---- */

static void test_a_aaaa(void **state)
{
	static const char *const ans[] = {
		"broker.example.com. 300 IN A 198.18.0.1",
		"broker.example.com. 200 IN A 198.18.0.2",
		"broker.example.com. 100 IN AAAA fd00::1",
		"other.example.com. 100 IN A 198.18.9.9",	/* not asked: ignored */
		NULL,
	};
	struct mw_dns_msg *m = msg();
	struct wire w;

	(void)state;
	build(&w, "Broker.EXAMPLE.com.", ans);
	assert_int_equal(mw_dns_parse(w.b, w.len, m), MW_DNS_OK);
	assert_int_equal(m->response, 1);
	assert_int_equal(m->rcode, 0);
	assert_int_equal(m->qtype, LDNS_RR_TYPE_A);
	assert_int_equal(m->id, 0x1234);
	assert_int_equal(m->flags, 0);
	assert_string_equal(m->qname, "broker.example.com");
	assert_int_equal(m->n_cnames, 0);
	assert_int_equal(m->n_addrs, 3);
	assert_addr(&m->addrs[0], "broker.example.com", "198.18.0.1", 300, 300, 0);
	assert_addr(&m->addrs[1], "broker.example.com", "198.18.0.2", 200, 200, 0);
	assert_addr(&m->addrs[2], "broker.example.com", "fd00::1", 100, 100, 0);
}

static void test_cname_chain(void **state)
{
	/* out of order on purpose: the walk follows names, not positions */
	static const char *const ans[] = {
		"edge.cdn.example.net. 3600 IN A 198.18.1.1",
		"www.example.com. 300 IN CNAME www.example.com.cdn.example.net.",
		"www.example.com.cdn.example.net. 60 IN CNAME EDGE.cdn.example.net.",
		"edge.cdn.example.net. 30 IN AAAA fd00::2",
		NULL,
	};
	struct mw_dns_msg *m = msg();
	struct wire w;

	(void)state;
	build(&w, "www.example.com", ans);
	assert_int_equal(mw_dns_parse(w.b, w.len, m), MW_DNS_OK);
	assert_int_equal(m->flags, 0);
	assert_int_equal(m->n_cnames, 2);
	assert_string_equal(m->cnames[0].alias, "www.example.com");
	assert_string_equal(m->cnames[0].target, "www.example.com.cdn.example.net");
	assert_int_equal(m->cnames[0].ttl, 300);
	assert_string_equal(m->cnames[1].alias, "www.example.com.cdn.example.net");
	assert_string_equal(m->cnames[1].target, "edge.cdn.example.net");
	assert_int_equal(m->cnames[1].ttl, 60);
	assert_int_equal(m->n_addrs, 2);
	/* effective TTL: the least along the chain */
	assert_addr(&m->addrs[0], "edge.cdn.example.net", "198.18.1.1", 60, 3600, 2);
	assert_addr(&m->addrs[1], "edge.cdn.example.net", "fd00::2", 30, 30, 2);
}

static void test_cname_loop(void **state)
{
	static const char *const ans[] = {
		"a.example.com. 300 IN CNAME b.example.com.",
		"b.example.com. 300 IN CNAME c.example.com.",
		"c.example.com. 300 IN CNAME A.example.com.",
		NULL,
	};
	struct mw_dns_msg *m = msg();
	struct wire w;

	(void)state;
	build(&w, "a.example.com", ans);
	assert_int_equal(mw_dns_parse(w.b, w.len, m), MW_DNS_OK);
	assert_int_equal(m->flags, MW_DNS_F_LOOP);
	assert_int_equal(m->n_cnames, 2);
	assert_string_equal(m->cnames[1].target, "c.example.com");
	assert_int_equal(m->n_addrs, 0);
}

static void test_cname_too_long(void **state)
{
	char rr[MW_DNS_MAX_CHAIN + 3][128];
	const char *ans[MW_DNS_MAX_CHAIN + 4];
	struct mw_dns_msg *m = msg();
	struct wire w;
	int i, n = 0;

	(void)state;
	/* h0 -> h1 -> ... -> h(MAX+1), with an address at every name */
	for (i = 0; i <= MW_DNS_MAX_CHAIN; i++) {
		snprintf(rr[i], sizeof(rr[i]), "h%d.example.com. 100 IN CNAME h%d.example.com.", i, i + 1);
		ans[n++] = rr[i];
	}
	snprintf(rr[i], sizeof(rr[i]), "h%d.example.com. 100 IN A 198.18.0.9", MW_DNS_MAX_CHAIN);
	ans[n++] = rr[i];
	ans[n] = NULL;
	build(&w, "h0.example.com", ans);
	assert_int_equal(mw_dns_parse(w.b, w.len, m), MW_DNS_OK);
	assert_int_equal(m->flags, MW_DNS_F_CHAIN_CUT);
	assert_int_equal(m->n_cnames, MW_DNS_MAX_CHAIN);
	assert_string_equal(m->cnames[MW_DNS_MAX_CHAIN - 1].target, "h8.example.com");
	/* h8's address is reached (8 hops); h9 is not followed */
	assert_int_equal(m->n_addrs, 1);
	assert_addr(&m->addrs[0], "h8.example.com", "198.18.0.9", 100, 100, MW_DNS_MAX_CHAIN);
}

static void test_many_addrs(void **state)
{
	char rr[MW_DNS_MAX_ADDRS + 6][64];
	const char *ans[MW_DNS_MAX_ADDRS + 7];
	struct mw_dns_msg *m = msg();
	struct wire w;
	int i;

	(void)state;
	for (i = 0; i < MW_DNS_MAX_ADDRS + 6; i++) {
		snprintf(rr[i], sizeof(rr[i]), "x.example.com. 5 IN A 198.18.%d.%d", i / 256, i % 256);
		ans[i] = rr[i];
	}
	ans[i] = NULL;
	build(&w, "x.example.com", ans);
	assert_int_equal(mw_dns_parse(w.b, w.len, m), MW_DNS_OK);
	assert_int_equal(m->flags, MW_DNS_F_ADDRS_CUT);
	assert_int_equal(m->n_addrs, MW_DNS_MAX_ADDRS);
	assert_addr(&m->addrs[MW_DNS_MAX_ADDRS - 1], "x.example.com", "198.18.0.63", 5, 5, 0);
}

static void test_query_nxdomain(void **state)
{
	static const char *const ans[] = { "q.example.com. 300 IN A 198.18.0.1", NULL };
	struct mw_dns_msg *m = msg();
	struct wire w;

	(void)state;
	/* a query: its question only, even with an answer section */
	build_ex(&w, "q.example.com", LDNS_RR_TYPE_AAAA, 0, 0, ans);
	assert_int_equal(mw_dns_parse(w.b, w.len, m), MW_DNS_OK);
	assert_int_equal(m->response, 0);
	assert_int_equal(m->qtype, LDNS_RR_TYPE_AAAA);
	assert_string_equal(m->qname, "q.example.com");
	assert_int_equal(m->n_addrs, 0);
	assert_int_equal(m->n_cnames, 0);

	build_ex(&w, "nx.example.com", LDNS_RR_TYPE_A, 1, LDNS_RCODE_NXDOMAIN, NULL);
	assert_int_equal(mw_dns_parse(w.b, w.len, m), MW_DNS_OK);
	assert_int_equal(m->response, 1);
	assert_int_equal(m->rcode, 3);
	assert_string_equal(m->qname, "nx.example.com");
	assert_int_equal(m->n_addrs, 0);
}

static void test_ttl_top_bit(void **state)
{
	static const char *const ans[] = { "t.example.com. 2147483648 IN A 198.18.0.1", NULL };
	struct mw_dns_msg *m = msg();
	struct wire w;

	(void)state;
	build(&w, "t.example.com", ans);
	assert_int_equal(mw_dns_parse(w.b, w.len, m), MW_DNS_OK);
	assert_int_equal(m->n_addrs, 1);
	assert_int_equal(m->addrs[0].ttl, 0);
}

static void test_long_name(void **state)
{
	char name[MW_DNS_NAME_MAX + 2];
	struct mw_dns_msg *m = msg();
	struct wire w;
	int i;

	(void)state;
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters: the longest name */
	memset(name, 'a', MW_DNS_NAME_MAX);
	for (i = 63; i < MW_DNS_NAME_MAX; i += 64)
		name[i] = '.';
	name[MW_DNS_NAME_MAX] = '\0';
	build(&w, name, NULL);
	assert_int_equal(mw_dns_parse(w.b, w.len, m), MW_DNS_OK);
	assert_string_equal(m->qname, name);
	assert_int_equal(strlen(m->qname), MW_DNS_NAME_MAX);
}

/* Every prefix of a valid response is refused, never read past its end. */
static void test_every_prefix(void **state)
{
	static const char *const ans[] = {
		"www.example.com. 300 IN CNAME edge.example.net.",
		"edge.example.net. 60 IN A 198.18.1.1",
		"edge.example.net. 60 IN AAAA fd00::5",
		NULL,
	};
	struct mw_dns_msg *m = msg();
	struct wire w;
	size_t n;

	(void)state;
	build(&w, "www.example.com", ans);
	assert_int_equal(mw_dns_parse(w.b, w.len, m), MW_DNS_OK);
	assert_int_equal(m->n_addrs, 2);
	for (n = 0; n < w.len; n++) {
		/* a copy of exactly n bytes, so ASan sees a read past it */
		uint8_t *cut = malloc(n ? n : 1);
		int r;

		memcpy(cut, w.b, n);
		r = mw_dns_parse(cut, n, m);
		free(cut);
		if (r == MW_DNS_OK)
			fail_msg("a prefix of %zu of %zu bytes parsed", n, w.len);
		/* ldns calls a label that runs past the end a label overflow */
		if (n < 12)
			assert_int_equal(r, MW_DNS_E_SHORT);
		else if (r != MW_DNS_E_TRUNCATED && r != MW_DNS_E_LABEL)
			fail_msg("a prefix of %zu bytes: %s", n, mw_dns_result_name(r));
		assert_int_equal(m->n_addrs, 0);
	}
}

/* ---- hostile messages, byte by byte ---- */

#define HDR(qr_opcode, rcode, qd, an, ns, ar) \
	0x12, 0x34, (qr_opcode), (rcode), 0, (qd), 0, (an), 0, (ns), 0, (ar)
#define QR	0x80

static int parse_raw(const uint8_t *b, size_t n)
{
	uint8_t *copy = malloc(n);
	int r;

	memcpy(copy, b, n);
	r = mw_dns_parse(copy, n, msg());
	free(copy);
	return r;
}

#define RAW(r, ...)							\
	do {								\
		static const uint8_t b_[] = { __VA_ARGS__ };		\
		assert_int_equal(parse_raw(b_, sizeof(b_)), (r));	\
	} while (0)

/* "x.example" A IN, as the question */
#define QX	1, 'x', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1

static void test_raw_baseline(void **state)
{
	/* the hand-written form the hostile cases start from */
	static const uint8_t ok[] = { HDR(QR, 0, 1, 1, 0, 0), QX,
				      0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 0, 7 };
	struct mw_dns_msg *m = msg();

	(void)state;
	assert_int_equal(mw_dns_parse(ok, sizeof(ok), m), MW_DNS_OK);
	assert_string_equal(m->qname, "x.example");
	assert_int_equal(m->n_addrs, 1);
	assert_addr(&m->addrs[0], "x.example", "198.18.0.7", 60, 60, 0);
}

static void test_raw_pointers(void **state)
{
	(void)state;
	/* the question name is a pointer to itself */
	RAW(MW_DNS_E_POINTER, HDR(QR, 0, 1, 0, 0, 0), 0xc0, 12, 0, 1, 0, 1);
	/* two pointers to each other */
	RAW(MW_DNS_E_POINTER, HDR(QR, 0, 1, 0, 0, 0), 0xc0, 14, 0xc0, 12, 0, 1, 0, 1);
	/* a label, then a pointer back to it: a loop that grows the name,
	 * which ldns stops as a name over 255 bytes */
	RAW(MW_DNS_E_LABEL, HDR(QR, 0, 1, 0, 0, 0), 1, 'a', 0xc0, 12, 0, 1, 0, 1);
	/* an answer's owner pointing past the end */
	RAW(MW_DNS_E_POINTER, HDR(QR, 0, 1, 1, 0, 0), QX,
	    0xc0, 0xff, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 0, 7);
	/* half a pointer at the very end */
	RAW(MW_DNS_E_TRUNCATED, HDR(QR, 0, 1, 0, 0, 0), 0xc0);
}

static void test_raw_counts(void **state)
{
	(void)state;
	RAW(MW_DNS_E_QDCOUNT, HDR(QR, 0, 0, 0, 0, 0));
	RAW(MW_DNS_E_QDCOUNT, HDR(QR, 0, 2, 0, 0, 0), QX, QX);
	/* ancount 65535, no record */
	RAW(MW_DNS_E_TRUNCATED, 0x12, 0x34, QR, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 0, QX);
	/* every count 65535 and nothing after the header */
	RAW(MW_DNS_E_TRUNCATED, 0x12, 0x34, QR, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	/* an A record whose rdata is longer than what is left */
	RAW(MW_DNS_E_TRUNCATED, HDR(QR, 0, 1, 1, 0, 0), QX,
	    0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 40, 198, 18, 0, 7);
	RAW(MW_DNS_E_SHORT, 0x12, 0x34, QR, 0, 0, 1, 0, 0, 0, 0, 0);
	RAW(MW_DNS_E_SHORT, 0);
}

static void test_raw_class_opcode(void **state)
{
	(void)state;
	/* question of class CH */
	RAW(MW_DNS_E_CLASS, HDR(QR, 0, 1, 0, 0, 0), 1, 'x', 0, 0, 1, 0, 3);
	/* an IN question answered with a CH record */
	RAW(MW_DNS_E_CLASS, HDR(QR, 0, 1, 1, 0, 0), QX,
	    0xc0, 12, 0, 1, 0, 3, 0, 0, 0, 60, 0, 4, 198, 18, 0, 7);
	/* opcode 5 (UPDATE) */
	RAW(MW_DNS_E_OPCODE, HDR(QR | 5 << 3, 0, 1, 0, 0, 0), QX);
}

static void test_raw_names(void **state)
{
	(void)state;
	/* a label of 64 bytes (0x40: not a length, not a pointer) */
	RAW(MW_DNS_E_LABEL, HDR(QR, 0, 1, 0, 0, 0), 0x40, 'a', 0, 0, 1, 0, 1);
	/* a dot inside a label reads as another name in text */
	RAW(MW_DNS_E_NAME, HDR(QR, 0, 1, 0, 0, 0), 3, 'a', '.', 'b', 0, 0, 1, 0, 1);
	RAW(MW_DNS_E_NAME, HDR(QR, 0, 1, 0, 0, 0), 3, 'a', ' ', 'b', 0, 0, 1, 0, 1);
	RAW(MW_DNS_E_NAME, HDR(QR, 0, 1, 0, 0, 0), 1, 0, 0, 0, 1, 0, 1);
	/* the root */
	RAW(MW_DNS_E_NAME, HDR(QR, 0, 1, 0, 0, 0), 0, 0, 1, 0, 1);
	/* a CNAME to a name with a NUL byte */
	RAW(MW_DNS_E_NAME, HDR(QR, 0, 1, 1, 0, 0), QX,
	    0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 5, 3, 'a', 0, 'b', 0);
}

static void test_raw_rdata(void **state)
{
	(void)state;
	/* an A record of 5 bytes: ldns reads the address and skips the rest */
	RAW(MW_DNS_OK, HDR(QR, 0, 1, 1, 0, 0), QX,
	    0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 5, 198, 18, 0, 7, 1);
	/* an A record, then a CNAME, with no data at all */
	RAW(MW_DNS_E_RDATA, HDR(QR, 0, 1, 1, 0, 0), QX,
	    0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 0);
	RAW(MW_DNS_E_RDATA, HDR(QR, 0, 1, 1, 0, 0), QX,
	    0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 0);
	/* an AAAA record of 4 bytes, alone or before another record:
	 * ldns finds the record data ends before the address does */
	RAW(MW_DNS_E_TRUNCATED, HDR(QR, 0, 1, 1, 0, 0), QX,
	    0xc0, 12, 0, 28, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 0, 7);
	RAW(MW_DNS_E_TRUNCATED, HDR(QR, 0, 1, 2, 0, 0), QX,
	    0xc0, 12, 0, 28, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 0, 7,
	    0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 0, 8);
}

/* The fuzzer's seeds (tests/unit/data/dns) read as they were written. */
static void seed(const char *file, int response, int rcode, uint32_t cnames, uint32_t addrs,
		 uint32_t flags)
{
	char path[128];
	struct mw_dns_msg *m = msg();
	struct wire w;
	FILE *f;

	snprintf(path, sizeof(path), "tests/unit/data/dns/%s", file);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: cannot open", path);
	w.len = fread(w.b, 1, sizeof(w.b), f);
	fclose(f);
	assert_int_equal(mw_dns_parse(w.b, w.len, m), MW_DNS_OK);
	assert_int_equal(m->response, response);
	assert_int_equal(m->rcode, rcode);
	assert_int_equal(m->n_cnames, cnames);
	assert_int_equal(m->n_addrs, addrs);
	assert_int_equal(m->flags, flags);
}

static void test_seed_files(void **state)
{
	(void)state;
	seed("a.bin", 1, 0, 0, 2, 0);
	seed("aaaa.bin", 1, 0, 0, 1, 0);
	seed("cname-chain.bin", 1, 0, 2, 2, 0);
	seed("cname-loop.bin", 1, 0, 1, 0, MW_DNS_F_LOOP);
	seed("nxdomain.bin", 1, 3, 0, 0, 0);
	seed("query.bin", 0, 0, 0, 0, 0);
}

static void test_result_names(void **state)
{
	int i;

	(void)state;
	assert_string_equal(mw_dns_result_name(MW_DNS_OK), "ok");
	assert_string_equal(mw_dns_result_name(MW_DNS_E_POINTER), "bad_pointer");
	assert_string_equal(mw_dns_result_name(MW_DNS_RESULT_NR), "?");
	assert_string_equal(mw_dns_result_name(-1), "?");
	for (i = 0; i < MW_DNS_RESULT_NR; i++)
		assert_non_null(mw_dns_result_name(i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_aaaa),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_cname_loop),
		cmocka_unit_test(test_cname_too_long),
		cmocka_unit_test(test_many_addrs),
		cmocka_unit_test(test_query_nxdomain),
		cmocka_unit_test(test_ttl_top_bit),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_raw_baseline),
		cmocka_unit_test(test_raw_pointers),
		cmocka_unit_test(test_raw_counts),
		cmocka_unit_test(test_raw_class_opcode),
		cmocka_unit_test(test_raw_names),
		cmocka_unit_test(test_raw_rdata),
		cmocka_unit_test(test_seed_files),
		cmocka_unit_test(test_result_names),
	};

	return cmocka_run_group_tests_name("dns", tests, NULL, NULL);
}
