// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * RADIUS accounting: authenticator arithmetic against a vector computed
 * outside this code, attribute parsing, what each request does to the
 * bindings (through recording ops, no BPF needed), the secret file, the
 * socket path, and a robustness run over many truncated and mutated
 * packets. Runs under ASan/UBSan: every packet is handed over in a buffer
 * of exactly its size, so any read past it is caught.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>
#include <cmocka.h>
#include "radius.h"

static const uint8_t SECRET[] = "testing123";
#define SLEN (sizeof(SECRET) - 1)

/*
 * Reference vector, computed with Python's hashlib (not with this code):
 *
 *   import hashlib, struct
 *   secret = b"testing123"
 *   attrs = bytes([40, 6]) + struct.pack(">I", 1)             # Acct-Status-Type Start
 *   attrs += bytes([8, 6, 198, 18, 3, 2])                     # Framed-IP-Address
 *   sub = bytes([20, 18]) + b"3569380356438001"               # 3GPP-IMEISV
 *   attrs += bytes([26, 2 + 4 + len(sub)]) + struct.pack(">I", 10415) + sub
 *   attrs += bytes([44, 8]) + b"sess-1"                       # Acct-Session-Id
 *   hdr = bytes([4, 0x2a]) + struct.pack(">H", 20 + len(attrs))
 *   ra = hashlib.md5(hdr + bytes(16) + attrs + secret).digest()
 *   rsa = hashlib.md5(bytes([5, 0x2a, 0, 20]) + ra + secret).digest()
 *
 * ra  = 8ce7ce591a2e4399a661a15e26d85389 (Request Authenticator, RFC 2866 section 3)
 * rsa = a600182fc8b6211c82a4c1c708e6cb3a (Response Authenticator)
 */
static const char VECTOR[] =
	"042a00408ce7ce591a2e4399a661a15e26d853892806000000010806c61203021a18000028af"
	"1412333536393338303335363433383030312c08736573732d31";
static const char VECTOR_RESP_AUTH[] = "a600182fc8b6211c82a4c1c708e6cb3a";

#define IMEI_BODY	35693803564380ull	/* 356938035643809 without its check digit */

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2) {
		unsigned v;

		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* ---- packet builder ---- */

struct pb {
	uint8_t b[MW_RADIUS_MAX + 64];
	size_t n;
};

static void pb_init(struct pb *p)
{
	memset(p, 0, sizeof(*p));
	p->n = MW_RADIUS_HDR;
}

static void pb_attr(struct pb *p, uint8_t type, const void *v, size_t len)
{
	p->b[p->n++] = type;
	p->b[p->n++] = (uint8_t)(len + 2);
	memcpy(p->b + p->n, v, len);
	p->n += len;
}

static void pb_int(struct pb *p, uint8_t type, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	pb_attr(p, type, b, 4);
}

static void pb_ip4(struct pb *p, const char *a)
{
	struct in_addr in;

	assert_int_equal(inet_pton(AF_INET, a, &in), 1);
	pb_attr(p, MW_RAT_FRAMED_IP, &in, 4);
}

static void pb_ip6_prefix(struct pb *p, const char *a, int len, size_t octets)
{
	uint8_t v[18] = { 0, (uint8_t)len };

	assert_int_equal(inet_pton(AF_INET6, a, v + 2), 1);
	pb_attr(p, MW_RAT_FRAMED_IPV6_PFX, v, 2 + octets);
}

static void pb_3gpp(struct pb *p, uint8_t sub, const void *v, size_t len)
{
	uint8_t b[260] = { 0, 0, 0x28, 0xaf, sub, (uint8_t)(len + 2) };

	memcpy(b + 6, v, len);
	pb_attr(p, MW_RAT_VSA, b, 6 + len);
}

static void pb_imei(struct pb *p, const char *s)
{
	pb_3gpp(p, MW_3GPP_IMEISV, s, strlen(s));
}

/* Header, Length, and the Request Authenticator for @secret. */
static void pb_finish(struct pb *p, uint8_t code, uint8_t id, const void *secret, size_t slen)
{
	p->b[0] = code;
	p->b[1] = id;
	p->b[2] = (uint8_t)(p->n >> 8);
	p->b[3] = (uint8_t)p->n;
	mw_radius_sign(p->b, p->n, secret, slen);
}

static void pb_request(struct pb *p, uint32_t status, const char *imei, const char *addr)
{
	pb_init(p);
	pb_int(p, MW_RAT_STATUS_TYPE, status);
	if (addr)
		pb_ip4(p, addr);
	if (imei)
		pb_imei(p, imei);
	pb_attr(p, MW_RAT_SESSION_ID, "s-42", 4);
	pb_finish(p, MW_RADIUS_ACCT_REQUEST, 7, SECRET, SLEN);
}

/* ---- recording ops: a table of bindings instead of the pinned maps ---- */

struct rec {
	struct { uint64_t imei; struct mw_prefix p; } b[64];
	int n;
	int binds, unbinds;
	int fail;		/* return this from every call when non-zero */
	int bad_prefix;		/* a prefix with host bits set or a bad family reached us */
};

static int same(const struct mw_prefix *a, const struct mw_prefix *b)
{
	return a->family == b->family && a->len == b->len && !memcmp(a->addr, b->addr, 16);
}

static void check_prefix(struct rec *r, const struct mw_prefix *p)
{
	int max = p->family == AF_INET ? 32 : 128, i;

	if ((p->family != AF_INET && p->family != AF_INET6) || p->len < 0 || p->len > max)
		r->bad_prefix = 1;
	for (i = p->len; i < max; i++)
		if (p->addr[i / 8] & (0x80 >> (i % 8)))
			r->bad_prefix = 1;
	if (p->family == AF_INET)
		for (i = 4; i < 16; i++)
			if (p->addr[i])
				r->bad_prefix = 1;
}

static int rec_bind(void *ctx, uint64_t imei, const struct mw_prefix *p, char *err,
		    size_t errlen)
{
	struct rec *r = ctx;
	int i;

	r->binds++;
	check_prefix(r, p);
	if (r->fail) {
		snprintf(err, errlen, "recorded failure");
		return r->fail;
	}
	for (i = 0; i < r->n; i++) {
		if (!same(&r->b[i].p, p))
			continue;
		if (r->b[i].imei != imei) {
			snprintf(err, errlen, "bound to another IMEI");
			return -EEXIST;
		}
		return 1;
	}
	if (r->n == 64)
		return -ENOSPC;
	r->b[r->n].imei = imei;
	r->b[r->n].p = *p;
	r->n++;
	return 0;
}

static int rec_unbind(void *ctx, uint64_t imei, const struct mw_prefix *p, char *err,
		      size_t errlen)
{
	struct rec *r = ctx;
	int i;

	(void)err;
	(void)errlen;
	r->unbinds++;
	check_prefix(r, p);
	if (r->fail)
		return r->fail;
	for (i = 0; i < r->n; i++)
		if (r->b[i].imei == imei && same(&r->b[i].p, p)) {
			r->b[i] = r->b[--r->n];
			return 0;
		}
	return 1;
}

static const struct mw_radius_ops rec_ops = { rec_bind, rec_unbind };

/* Log lines go here, so tests can look at them and the output stays quiet. */
static char last_log[1024];
static int nlog;

static void quiet_log(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(last_log, sizeof(last_log), "%s", msg);
	nlog++;
}

static void radius_init(struct mw_radius *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	memcpy(r->secret, SECRET, SLEN);
	r->secret_len = SLEN;
	r->log = quiet_log;
}

/* Process a copy of exactly @len bytes, so ASan sees any overread. */
static enum mw_radius_verdict run(struct mw_radius *r, const uint8_t *pkt, size_t len,
				  struct rec *rec, uint8_t resp[MW_RADIUS_HDR])
{
	uint8_t *copy = malloc(len ? len : 1);
	enum mw_radius_verdict v;

	memcpy(copy, pkt, len);
	v = mw_radius_process(r, copy, len, &rec_ops, rec, "test", resp);
	free(copy);
	return v;
}

static uint64_t verdict_sum(const struct mw_radius_stats *s)
{
	return s->answered + s->malformed + s->rejected + s->unsupported + s->unrecorded;
}

/* ---- authenticators ---- */

static void test_vector(void **state)
{
	uint8_t pkt[128], copy[128], ra[16], resp[MW_RADIUS_HDR], want[16];
	size_t n = unhex(VECTOR, pkt);

	(void)state;
	assert_int_equal(n, 64);
	assert_int_equal(mw_radius_check_len(pkt, n), 64);
	assert_int_equal(mw_radius_verify(pkt, n, SECRET, SLEN), 1);
	assert_int_equal(mw_radius_verify(pkt, n, (const uint8_t *)"testing124", 10), 0);
	assert_int_equal(mw_radius_verify(pkt, n, SECRET, SLEN - 1), 0);

	/* signing the same bytes with a zero authenticator gives the vector's */
	memcpy(copy, pkt, n);
	memset(copy + 4, 0, 16);
	mw_radius_sign(copy, n, SECRET, SLEN);
	assert_memory_equal(copy, pkt, n);
	memcpy(ra, pkt + 4, 16);

	mw_radius_response(pkt, SECRET, SLEN, resp);
	unhex(VECTOR_RESP_AUTH, want);
	assert_int_equal(resp[0], MW_RADIUS_ACCT_RESPONSE);
	assert_int_equal(resp[1], 0x2a);
	assert_int_equal(resp[2] << 8 | resp[3], 20);
	assert_memory_equal(resp + 4, want, 16);
	assert_memory_equal(ra, pkt + 4, 16);	/* the request is untouched */
}

static void test_vector_parse(void **state)
{
	struct mw_radius_req req;
	const char *why = NULL;
	uint8_t pkt[128];
	char s[64];

	(void)state;
	unhex(VECTOR, pkt);
	assert_int_equal(mw_radius_parse(pkt, &req, &why), 0);
	assert_int_equal(req.code, 4);
	assert_int_equal(req.id, 0x2a);
	assert_int_equal(req.has_status, 1);
	assert_int_equal(req.status, MW_ACCT_START);
	assert_int_equal(req.has_imei, 1);
	assert_int_equal(req.imei_sv, 1);
	assert_int_equal(req.imei, IMEI_BODY);
	assert_int_equal(req.naddr, 1);
	mw_format_prefix(&req.addr[0], s, sizeof(s));
	assert_string_equal(s, "198.18.3.2");
	assert_string_equal(req.session, "sess-1");
}

/* ---- requests ---- */

static void test_start_interim_stop(void **state)
{
	struct mw_radius r;
	struct rec rec = { 0 };
	struct pb p;
	uint8_t resp[MW_RADIUS_HDR], want[16];
	char s[64];

	(void)state;
	radius_init(&r);
	pb_request(&p, MW_ACCT_START, "3569380356438001", "198.18.3.2");
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.b[0].imei, IMEI_BODY);
	mw_format_prefix(&rec.b[0].p, s, sizeof(s));
	assert_string_equal(s, "198.18.3.2");
	/* the answer: code 5, same id, Response Authenticator over the request's */
	assert_int_equal(resp[0], 5);
	assert_int_equal(resp[1], 7);
	mw_radius_auth(resp, MW_RADIUS_HDR, p.b + 4, SECRET, SLEN, want);
	assert_memory_equal(resp + 4, want, 16);
	assert_int_equal(r.st.start, 1);
	assert_int_equal(r.st.bound, 1);

	/* Interim-Update: the same binding, nothing new */
	pb_request(&p, MW_ACCT_INTERIM, "3569380356438001", "198.18.3.2");
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	assert_int_equal(rec.n, 1);
	assert_int_equal(r.st.interim, 1);
	assert_int_equal(r.st.refreshed, 1);

	/* the same device as a 15-digit IMEI: the same identity */
	pb_request(&p, MW_ACCT_INTERIM, "356938035643809", "198.18.3.2");
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	assert_int_equal(rec.n, 1);
	assert_int_equal(r.st.refreshed, 2);

	pb_request(&p, MW_ACCT_STOP, "3569380356438001", "198.18.3.2");
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	assert_int_equal(rec.n, 0);
	assert_int_equal(r.st.stop, 1);
	assert_int_equal(r.st.unbound, 1);

	/* a second Stop (a retransmission): answered, nothing to remove */
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	assert_int_equal(r.st.unbound, 1);
	assert_int_equal(r.st.answered, 5);
	assert_int_equal(verdict_sum(&r.st), r.st.received);
}

static void test_wrong_secret(void **state)
{
	struct mw_radius r;
	struct rec rec = { 0 };
	struct pb p;
	uint8_t resp[MW_RADIUS_HDR];

	(void)state;
	radius_init(&r);
	pb_init(&p);
	pb_int(&p, MW_RAT_STATUS_TYPE, MW_ACCT_START);
	pb_ip4(&p, "198.18.3.2");
	pb_imei(&p, "3569380356438001");
	pb_finish(&p, MW_RADIUS_ACCT_REQUEST, 1, "not-the-secret", 14);
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_REJECTED);
	assert_int_equal(rec.binds, 0);
	assert_int_equal(r.st.rejected, 1);
	assert_int_equal(r.st.answered, 0);
	assert_non_null(strstr(last_log, "wrong Request Authenticator"));
}

static void test_bad_authenticator(void **state)
{
	struct mw_radius r;
	struct rec rec = { 0 };
	struct pb p;
	uint8_t resp[MW_RADIUS_HDR];
	size_t i;

	(void)state;
	radius_init(&r);
	/* any one bit changed anywhere in the covered octets breaks it */
	pb_request(&p, MW_ACCT_START, "3569380356438001", "198.18.3.2");
	for (i = 0; i < p.n * 8; i++) {
		if (i / 8 == 2 || i / 8 == 3)
			continue;	/* the Length field: that is a length check */
		p.b[i / 8] ^= (uint8_t)(1 << (i % 8));
		assert_int_not_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
		p.b[i / 8] ^= (uint8_t)(1 << (i % 8));
	}
	assert_int_equal(rec.binds, 0);
	/* code bits give other codes (unsupported); all others are rejected */
	assert_int_equal(r.st.unsupported, 8);
	assert_int_equal(r.st.rejected, (p.n - 3) * 8);
	/* an Access-Request style random authenticator on an Accounting-Request */
	memset(p.b + 4, 0x5a, 16);
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_REJECTED);
	assert_int_equal(verdict_sum(&r.st), r.st.received);
}

static void test_unsupported_code(void **state)
{
	struct mw_radius r;
	struct rec rec = { 0 };
	struct pb p;
	uint8_t resp[MW_RADIUS_HDR];

	(void)state;
	radius_init(&r);
	pb_request(&p, MW_ACCT_START, "3569380356438001", "198.18.3.2");
	pb_finish(&p, 1, 9, SECRET, SLEN);	/* Access-Request */
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_UNSUPPORTED);
	pb_finish(&p, MW_RADIUS_ACCT_RESPONSE, 9, SECRET, SLEN);
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_UNSUPPORTED);
	assert_int_equal(r.st.unsupported, 2);
	assert_int_equal(rec.binds, 0);
}

/* A well-signed packet whose attributes are broken in one way each. */
static void test_malformed(void **state)
{
	struct mw_radius r;
	struct rec rec = { 0 };
	struct pb p;
	uint8_t resp[MW_RADIUS_HDR], raw[8];
	const char *why;
	int k;

	(void)state;
	radius_init(&r);
	for (k = 0; k < 16; k++) {
		pb_init(&p);
		pb_int(&p, MW_RAT_STATUS_TYPE, MW_ACCT_START);
		pb_imei(&p, "3569380356438001");
		switch (k) {
		case 0:		/* attribute length 0 */
			p.b[p.n++] = 8;
			p.b[p.n++] = 0;
			break;
		case 1:		/* attribute length 1 */
			p.b[p.n++] = 8;
			p.b[p.n++] = 1;
			break;
		case 2:		/* attribute past the end */
			p.b[p.n++] = 8;
			p.b[p.n++] = 6;
			p.b[p.n++] = 198;
			break;
		case 3:		/* a lone type octet */
			p.b[p.n++] = 8;
			break;
		case 4:		/* Framed-IP-Address of 5 octets */
			pb_attr(&p, MW_RAT_FRAMED_IP, "\xc6\x12\x03\x02\x00", 5);
			break;
		case 5:		/* Acct-Status-Type of 3 octets */
			pb_attr(&p, MW_RAT_STATUS_TYPE, "\0\0\1", 3);
			break;
		case 6:		/* Vendor-Specific with a vendor id only */
			pb_attr(&p, MW_RAT_VSA, "\0\0\x28\xaf", 4);
			break;
		case 7:		/* 3GPP sub-attribute length 1 */
			pb_attr(&p, MW_RAT_VSA, "\0\0\x28\xaf\x14\x01", 6);
			break;
		case 8:		/* 3GPP sub-attribute past its Vendor-Specific */
			pb_attr(&p, MW_RAT_VSA, "\0\0\x28\xaf\x14\x09" "12", 8);
			break;
		case 9:		/* 3GPP: a trailing lone octet */
			pb_attr(&p, MW_RAT_VSA, "\0\0\x28\xaf\x01\x03" "1" "\x02", 8);
			break;
		case 10:	/* Framed-IPv6-Prefix length 129 */
			pb_ip6_prefix(&p, "2001:db8::", 129, 16);
			break;
		case 11:	/* Framed-IPv6-Prefix /64 with 7 octets */
			pb_ip6_prefix(&p, "2001:db8::", 64, 7);
			break;
		case 12:	/* Framed-IPv6-Prefix with no prefix-length octet */
			pb_attr(&p, MW_RAT_FRAMED_IPV6_PFX, "\0", 1);
			break;
		case 13:	/* Acct-Status-Type twice */
			pb_int(&p, MW_RAT_STATUS_TYPE, MW_ACCT_STOP);
			break;
		case 14:	/* 3GPP-IMEISV twice */
			pb_imei(&p, "3569380356438002");
			break;
		case 15:	/* Framed-IPv6-Address of 15 octets */
			pb_attr(&p, MW_RAT_FRAMED_IPV6, "0123456789abcde", 15);
			break;
		}
		pb_finish(&p, MW_RADIUS_ACCT_REQUEST, (uint8_t)k, SECRET, SLEN);
		assert_int_equal(mw_radius_parse(p.b, &(struct mw_radius_req){ 0 }, &why), -1);
		assert_non_null(why);
		assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_MALFORMED);
	}
	assert_int_equal(r.st.malformed, 16);
	assert_int_equal(rec.binds, 0);

	/* header: too short, Length below 20, above 4096, beyond the datagram */
	pb_request(&p, MW_ACCT_START, "3569380356438001", "198.18.3.2");
	assert_int_equal(run(&r, p.b, 19, &rec, resp), MW_RV_MALFORMED);
	assert_int_equal(run(&r, p.b, 0, &rec, resp), MW_RV_MALFORMED);
	assert_int_equal(run(&r, p.b, p.n - 1, &rec, resp), MW_RV_MALFORMED);
	memcpy(raw, p.b, 4);
	p.b[2] = 0;
	p.b[3] = 19;
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_MALFORMED);
	p.b[2] = 0x10;
	p.b[3] = 0x01;
	assert_int_equal(run(&r, p.b, sizeof(p.b), &rec, resp), MW_RV_MALFORMED);
	memcpy(p.b, raw, 4);
	assert_int_equal(r.st.malformed, 21);
	assert_int_equal(rec.binds, 0);

	/* octets past Length are padding (RFC 2865 section 3): still fine */
	memset(p.b + p.n, 0xee, 10);
	assert_int_equal(run(&r, p.b, p.n + 10, &rec, resp), MW_RV_ANSWER);
	assert_int_equal(rec.n, 1);
	assert_int_equal(verdict_sum(&r.st), r.st.received);
}

static void test_imei_forms(void **state)
{
	static const uint8_t tbcd16[8] = { 0x53, 0x96, 0x83, 0x30, 0x65, 0x34, 0x08, 0x10 };
	static const uint8_t tbcd15[8] = { 0x53, 0x96, 0x83, 0x30, 0x65, 0x34, 0x08, 0xf9 };
	static const uint8_t tbcd_bad[8] = { 0x53, 0x96, 0x83, 0x30, 0x65, 0x34, 0xa8, 0x10 };
	uint64_t body;
	int sv;

	(void)state;
	assert_int_equal(mw_radius_imei((const uint8_t *)"3569380356438001", 16, &body, &sv), 0);
	assert_int_equal(body, IMEI_BODY);
	assert_int_equal(sv, 1);
	assert_int_equal(mw_radius_imei((const uint8_t *)"356938035643809", 15, &body, &sv), 0);
	assert_int_equal(body, IMEI_BODY);
	assert_int_equal(sv, 0);
	/* 14 digits: the IMEI without its check digit */
	assert_int_equal(mw_radius_imei((const uint8_t *)"35693803564380", 14, &body, &sv), 0);
	assert_int_equal(body, IMEI_BODY);
	/* a NUL terminator sent along */
	assert_int_equal(mw_radius_imei((const uint8_t *)"3569380356438001\0", 17, &body, &sv), 0);
	assert_int_equal(body, IMEI_BODY);
	/* TBCD */
	assert_int_equal(mw_radius_imei(tbcd16, 8, &body, &sv), 0);
	assert_int_equal(body, IMEI_BODY);
	assert_int_equal(sv, 1);
	assert_int_equal(mw_radius_imei(tbcd15, 8, &body, &sv), 0);
	assert_int_equal(body, IMEI_BODY);
	assert_int_equal(sv, 0);
	assert_int_equal(mw_radius_imei(tbcd_bad, 8, &body, &sv), -1);
	/* refused: bad Luhn digit, letters, wrong lengths, empty */
	assert_int_equal(mw_radius_imei((const uint8_t *)"356938035643808", 15, &body, &sv), -1);
	assert_int_equal(mw_radius_imei((const uint8_t *)"35693803564380A1", 16, &body, &sv), -1);
	assert_int_equal(mw_radius_imei((const uint8_t *)"3569380356438", 13, &body, &sv), -1);
	assert_int_equal(mw_radius_imei((const uint8_t *)"35693803564380011", 17, &body, &sv), -1);
	assert_int_equal(mw_radius_imei((const uint8_t *)"", 0, &body, &sv), -1);
	/* all zeros: what a module without an IMEI reports */
	assert_int_equal(mw_radius_imei((const uint8_t *)"0000000000000000", 16, &body, &sv), -1);
	assert_int_equal(mw_radius_imei((const uint8_t *)"000000000000000", 15, &body, &sv), -1);
	assert_int_equal(mw_radius_imei((const uint8_t *)"00000000000000", 14, &body, &sv), -1);
	assert_int_equal(mw_radius_imei((const uint8_t *)"\0\0\0\0\0\0\0\0", 8, &body, &sv), -1);
}

static void test_ignored(void **state)
{
	struct mw_radius r;
	struct rec rec = { 0 };
	struct pb p;
	uint8_t resp[MW_RADIUS_HDR];

	(void)state;
	radius_init(&r);
	/* no IMEI, no address, a bad IMEI: answered (the NAS must not retry), nothing bound */
	pb_request(&p, MW_ACCT_START, NULL, "198.18.3.2");
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	pb_request(&p, MW_ACCT_START, "3569380356438001", NULL);
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	pb_request(&p, MW_ACCT_START, "356938035643808", "198.18.3.2");
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	assert_non_null(strstr(last_log, "356938035643808"));
	/* only addresses no device can have */
	pb_request(&p, MW_ACCT_START, "3569380356438001", "255.255.255.254");
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	pb_request(&p, MW_ACCT_START, "3569380356438001", "0.0.0.0");
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	pb_request(&p, MW_ACCT_START, "3569380356438001", "224.0.0.1");
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	/* no Acct-Status-Type */
	pb_init(&p);
	pb_ip4(&p, "198.18.3.2");
	pb_imei(&p, "3569380356438001");
	pb_finish(&p, MW_RADIUS_ACCT_REQUEST, 3, SECRET, SLEN);
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	assert_int_equal(r.st.ignored, 7);
	assert_int_equal(rec.binds, 0);
	assert_int_equal(r.st.answered, 7);

	/* Accounting-On/Off and unknown types: answered, bindings untouched */
	pb_request(&p, MW_ACCT_ON, NULL, NULL);
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	pb_request(&p, MW_ACCT_OFF, NULL, NULL);
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	pb_request(&p, 15, "3569380356438001", "198.18.3.2");
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	assert_int_equal(r.st.acct_on, 1);
	assert_int_equal(r.st.acct_off, 1);
	assert_int_equal(r.st.other_status, 2);
	assert_int_equal(rec.binds + rec.unbinds, 0);
}

static void test_ipv6(void **state)
{
	struct mw_radius r;
	struct rec rec = { 0 };
	struct pb p;
	uint8_t resp[MW_RADIUS_HDR], host[16];
	char s[64];

	(void)state;
	radius_init(&r);
	pb_init(&p);
	pb_int(&p, MW_RAT_STATUS_TYPE, MW_ACCT_START);
	pb_imei(&p, "3569380356438001");
	pb_ip6_prefix(&p, "2001:db8:1:2::", 64, 8);		/* the usual 8 octets */
	pb_ip6_prefix(&p, "2001:db8:9::ff", 48, 16);		/* host bits sent: cleared */
	pb_ip6_prefix(&p, "::", 0, 0);				/* all of IPv6: skipped */
	inet_pton(AF_INET6, "2001:db8:1:2::7", host);
	pb_attr(&p, MW_RAT_FRAMED_IPV6, host, 16);
	pb_ip4(&p, "198.18.3.2");
	pb_ip4(&p, "198.18.3.2");				/* twice: once */
	pb_finish(&p, MW_RADIUS_ACCT_REQUEST, 5, SECRET, SLEN);
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	assert_int_equal(rec.bad_prefix, 0);
	assert_int_equal(rec.n, 4);
	mw_format_prefix(&rec.b[0].p, s, sizeof(s));
	assert_string_equal(s, "2001:db8:1:2::/64");
	mw_format_prefix(&rec.b[1].p, s, sizeof(s));
	assert_string_equal(s, "2001:db8:9::/48");
	mw_format_prefix(&rec.b[2].p, s, sizeof(s));
	assert_string_equal(s, "2001:db8:1:2::7");
	mw_format_prefix(&rec.b[3].p, s, sizeof(s));
	assert_string_equal(s, "198.18.3.2");
	assert_int_equal(r.st.bound, 4);
}

static void test_conflict_and_unrecorded(void **state)
{
	struct mw_radius r;
	struct rec rec = { 0 };
	struct pb p;
	uint8_t resp[MW_RADIUS_HDR];

	(void)state;
	radius_init(&r);
	pb_request(&p, MW_ACCT_START, "3569380356438001", "198.18.3.2");
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	/* another IMEI asks for the same address: refused, logged, counted, answered */
	pb_request(&p, MW_ACCT_START, "4901542032375181", "198.18.3.2");
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	assert_int_equal(r.st.conflicts, 1);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.b[0].imei, IMEI_BODY);
	assert_non_null(strstr(last_log, "bound to another IMEI"));
	/* its Stop removes nothing of the first IMEI's */
	pb_request(&p, MW_ACCT_STOP, "4901542032375181", "198.18.3.2");
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	assert_int_equal(rec.n, 1);
	assert_int_equal(r.st.unbound, 0);

	/* the bindings cannot be written: no answer, so the NAS sends it again */
	rec.fail = -ENOENT;
	pb_request(&p, MW_ACCT_START, "3569380356438001", "198.18.3.9");
	memset(resp, 0, sizeof(resp));
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_UNRECORDED);
	assert_int_equal(r.st.unrecorded, 1);
	assert_int_equal(r.st.start, 2);	/* unrecorded requests are not counted by type */
	assert_non_null(strstr(last_log, "not recorded"));
	rec.fail = 0;
	assert_int_equal(run(&r, p.b, p.n, &rec, resp), MW_RV_ANSWER);
	assert_int_equal(rec.n, 2);
	assert_int_equal(verdict_sum(&r.st), r.st.received);
}

static void test_log_cap(void **state)
{
	struct mw_radius r;
	struct rec rec = { 0 };
	uint8_t junk[10] = { 0 }, resp[MW_RADIUS_HDR];
	int i;

	(void)state;
	radius_init(&r);
	nlog = 0;
	for (i = 0; i < 1000; i++)
		run(&r, junk, sizeof(junk), &rec, resp);
	assert_int_equal(r.st.malformed, 1000);
	/* at most two windows' worth, even if the second ticked over */
	assert_true(nlog <= 2 * 20 + 1);
}

/* ---- robustness ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)	/* xorshift64*: deterministic, seed above */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static void base_packet(struct pb *p, int which)
{
	switch (which % 4) {
	case 0:
		pb_request(p, MW_ACCT_START, "3569380356438001", "198.18.3.2");
		break;
	case 1:
		pb_request(p, MW_ACCT_STOP, "356938035643809", "198.18.3.2");
		break;
	case 2:
		pb_init(p);
		pb_int(p, MW_RAT_STATUS_TYPE, MW_ACCT_INTERIM);
		pb_imei(p, "3569380356438001");
		pb_ip6_prefix(p, "2001:db8:1:2::", 64, 8);
		pb_attr(p, MW_RAT_FRAMED_IPV6, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1", 16);
		pb_3gpp(p, 1, "x", 1);
		pb_attr(p, MW_RAT_VSA, "\0\0\1\x37\x01\x04" "ab", 8);	/* another vendor */
		pb_attr(p, MW_RAT_SESSION_ID, "\x01\xff\x7f" "session", 10);
		pb_finish(p, MW_RADIUS_ACCT_REQUEST, 77, SECRET, SLEN);
		break;
	case 3:
		pb_request(p, MW_ACCT_ON, NULL, NULL);
		break;
	}
}

static void test_robustness(void **state)
{
	struct mw_radius r;
	struct rec rec = { 0 };
	uint8_t resp[MW_RADIUS_HDR];
	int i, resigned_rejected = 0, counts[5] = { 0 };

	(void)state;
	radius_init(&r);
	for (i = 0; i < 60000; i++) {
		struct pb p;
		size_t len, k, nflip;
		int resign = 0;
		enum mw_radius_verdict v;

		base_packet(&p, (int)(next() % 4));
		len = p.n;
		switch (next() % 6) {
		case 0:		/* truncated anywhere */
			len = (size_t)(next() % (p.n + 1));
			break;
		case 1:		/* random octets flipped */
			nflip = 1 + next() % 8;
			for (k = 0; k < nflip; k++)
				p.b[next() % p.n] ^= (uint8_t)(1 + next() % 255);
			break;
		case 2:		/* attributes mutated, then signed again: reaches the parser */
			nflip = 1 + next() % 6;
			for (k = 0; k < nflip; k++)
				p.b[MW_RADIUS_HDR + next() % (p.n - MW_RADIUS_HDR)] = (uint8_t)next();
			resign = 1;
			break;
		case 3:		/* Length field anything, signed over what it says when it fits */
			k = (size_t)(next() % 300);
			p.b[2] = (uint8_t)(k >> 8);
			p.b[3] = (uint8_t)k;
			if (k >= MW_RADIUS_HDR && k <= p.n)
				mw_radius_sign(p.b, k, SECRET, SLEN);
			break;
		case 4:		/* attributes cut short, Length and signature made to fit */
			len = MW_RADIUS_HDR + (size_t)(next() % (p.n - MW_RADIUS_HDR + 1));
			p.b[2] = (uint8_t)(len >> 8);
			p.b[3] = (uint8_t)len;
			resign = 1;
			break;
		case 5:		/* pure noise of any size */
			len = (size_t)(next() % 200);
			for (k = 0; k < len; k++)
				p.b[k] = (uint8_t)next();
			if (next() % 2 && len >= MW_RADIUS_HDR) {
				p.b[0] = MW_RADIUS_ACCT_REQUEST;
				p.b[2] = (uint8_t)(len >> 8);
				p.b[3] = (uint8_t)len;
				resign = 1;
			}
			break;
		}
		if (resign)
			mw_radius_sign(p.b, len, SECRET, SLEN);
		v = run(&r, p.b, len, &rec, resp);
		assert_true(v <= MW_RV_UNRECORDED);
		counts[v]++;
		if (resign && v == MW_RV_REJECTED)
			resigned_rejected++;
		if (rec.n > 48)
			rec.n = 0;	/* keep the table from filling */
	}
	assert_int_equal(resigned_rejected, 0);
	assert_int_equal(rec.bad_prefix, 0);
	assert_int_equal(r.st.received, 60000);
	assert_int_equal(verdict_sum(&r.st), r.st.received);
	assert_int_equal(r.st.answered, counts[MW_RV_ANSWER]);
	assert_int_equal(r.st.malformed, counts[MW_RV_MALFORMED]);
	assert_int_equal(r.st.rejected, counts[MW_RV_REJECTED]);
	assert_int_equal(r.st.unrecorded, 0);
	/* every kind of outcome was reached */
	assert_true(counts[MW_RV_ANSWER] > 1000);
	assert_true(counts[MW_RV_MALFORMED] > 1000);
	assert_true(counts[MW_RV_REJECTED] > 1000);
	assert_true(counts[MW_RV_UNSUPPORTED] > 10);
	print_message("robustness: %d answered, %d malformed, %d rejected, %d unsupported\n",
		      counts[0], counts[1], counts[2], counts[3]);
}

/* ---- secret file ---- */

static char tmpdir[64];

static int write_file(const char *name, const void *data, size_t len, mode_t mode, char *path)
{
	int fd;

	snprintf(path, 128, "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	fchmod(fd, mode);
	close(fd);
	return 0;
}

static void test_secret_file(void **state)
{
	struct mw_radius r;
	char path[128], err[512], big[400];

	(void)state;
	radius_init(&r);
	nlog = 0;
	assert_int_equal(write_file("s1", "s3cret-s3cret-s3cret\nsecond line\n", 33, 0600,
				    path), 0);
	assert_int_equal(mw_radius_secret_load(&r, path, err, sizeof(err)), 0);
	assert_int_equal(r.secret_len, 20);
	assert_memory_equal(r.secret, "s3cret-s3cret-s3cret", 20);
	assert_int_equal(nlog, 0);

	assert_int_equal(write_file("s2", "0123456789abcdef\r\n", 18, 0600, path), 0);
	assert_int_equal(mw_radius_secret_load(&r, path, err, sizeof(err)), 0);
	assert_int_equal(r.secret_len, 16);

	assert_int_equal(write_file("s3", "0123456789abcdefg", 17, 0600, path), 0);
	assert_int_equal(mw_radius_secret_load(&r, path, err, sizeof(err)), 0);
	assert_int_equal(r.secret_len, 17);
	assert_int_equal(nlog, 0);

	/* shorter than RFC 2865 asks: loaded, with a warning */
	assert_int_equal(write_file("short", "s3cret\n", 7, 0600, path), 0);
	assert_int_equal(mw_radius_secret_load(&r, path, err, sizeof(err)), 0);
	assert_int_equal(r.secret_len, 6);
	assert_int_equal(nlog, 1);
	assert_non_null(strstr(last_log, "at least 16"));

	/* readable by others: loaded, with a warning */
	assert_int_equal(write_file("s4", "0123456789abcdef\n", 17, 0644, path), 0);
	assert_int_equal(mw_radius_secret_load(&r, path, err, sizeof(err)), 0);
	assert_int_equal(nlog, 2);
	assert_non_null(strstr(last_log, "every user"));
	assert_int_equal(write_file("s4g", "0123456789abcdef\n", 17, 0640, path), 0);
	assert_int_equal(mw_radius_secret_load(&r, path, err, sizeof(err)), 0);
	assert_non_null(strstr(last_log, "its group"));

	/* refused: empty, empty first line, too long, missing */
	assert_int_equal(write_file("s5", "", 0, 0600, path), 0);
	assert_int_equal(mw_radius_secret_load(&r, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty"));
	assert_int_equal(write_file("s6", "\nsecret\n", 8, 0600, path), 0);
	assert_int_equal(mw_radius_secret_load(&r, path, err, sizeof(err)), -EINVAL);
	memset(big, 'x', sizeof(big));
	assert_int_equal(write_file("s7", big, sizeof(big), 0600, path), 0);
	assert_int_equal(mw_radius_secret_load(&r, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer"));
	assert_int_equal(write_file("s8", big, MW_RADIUS_SECRET_MAX, 0600, path), 0);
	assert_int_equal(mw_radius_secret_load(&r, path, err, sizeof(err)), 0);
	assert_int_equal(r.secret_len, MW_RADIUS_SECRET_MAX);
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	assert_int_equal(mw_radius_secret_load(&r, path, err, sizeof(err)), -ENOENT);
}

/* ---- the socket path, without BPF: nothing is loaded under the pin dir ---- */

static ssize_t exchange(int c, const struct sockaddr *to, socklen_t tolen, struct mw_radius *r,
			const char *pin_dir, const struct pb *p, uint8_t *reply, size_t rlen)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };

	assert_int_equal(sendto(c, p->b, p->n, 0, to, tolen), (ssize_t)p->n);
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_int_equal(mw_radius_handle(r, pin_dir), 1);
	pfd.fd = c;
	if (poll(&pfd, 1, 200) != 1)
		return -1;
	return recv(c, reply, rlen, 0);
}

static void test_socket(void **state)
{
	struct mw_radius r = { .log = quiet_log };
	struct sockaddr_in to = { .sin_family = AF_INET };
	char path[128], err[512], pin_dir[160];
	uint8_t reply[64], want[16];
	unsigned port;
	struct pb p;
	int c;

	(void)state;
	assert_int_equal(write_file("secret", "testing123\n", 11, 0600, path), 0);
	snprintf(pin_dir, sizeof(pin_dir), "%s/no-pins", tmpdir);

	/* bad specs */
	assert_int_equal(mw_radius_open(&r, "127.0.0.1", path, err, sizeof(err)), -EINVAL);
	assert_int_equal(mw_radius_open(&r, "127.0.0.1:70000", path, err, sizeof(err)), -EINVAL);
	assert_int_equal(mw_radius_open(&r, "::1:1813", path, err, sizeof(err)), -EINVAL);
	assert_int_equal(r.fd, -1);

	assert_true(mw_radius_open(&r, "127.0.0.1:0", path, err, sizeof(err)) >= 0);
	assert_int_equal(sscanf(r.bound, "127.0.0.1:%u", &port), 1);
	assert_true(port > 0);
	to.sin_port = htons((uint16_t)port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(c >= 0);

	/* Accounting-On needs no maps: answered over the socket */
	pb_request(&p, MW_ACCT_ON, NULL, NULL);
	assert_int_equal(exchange(c, (struct sockaddr *)&to, sizeof(to), &r, pin_dir, &p, reply,
				  sizeof(reply)), MW_RADIUS_HDR);
	assert_int_equal(reply[0], MW_RADIUS_ACCT_RESPONSE);
	mw_radius_auth(reply, MW_RADIUS_HDR, p.b + 4, SECRET, SLEN, want);
	assert_memory_equal(reply + 4, want, 16);

	/* a Start while nothing is loaded: not recorded, no answer */
	pb_request(&p, MW_ACCT_START, "3569380356438001", "198.18.3.2");
	assert_int_equal(exchange(c, (struct sockaddr *)&to, sizeof(to), &r, pin_dir, &p, reply,
				  sizeof(reply)), -1);
	assert_int_equal(r.st.unrecorded, 1);
	assert_non_null(strstr(last_log, "not loaded"));

	/* wrong secret: no answer */
	pb_finish(&p, MW_RADIUS_ACCT_REQUEST, 8, "wrong", 5);
	assert_int_equal(exchange(c, (struct sockaddr *)&to, sizeof(to), &r, pin_dir, &p, reply,
				  sizeof(reply)), -1);
	assert_int_equal(r.st.rejected, 1);
	assert_int_equal(r.st.received, 3);
	assert_int_equal(mw_radius_handle(&r, pin_dir), 0);	/* nothing queued */
	close(c);
	mw_radius_close(&r);
	assert_int_equal(r.fd, -1);
	assert_int_equal(r.secret_len, 0);
}

static void test_socket6(void **state)
{
	struct mw_radius r = { .log = quiet_log };
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	char path[128], err[512];
	uint8_t reply[64];
	unsigned port;
	struct pb p;
	int c;

	(void)state;
	assert_int_equal(write_file("secret6", "testing123\n", 11, 0600, path), 0);
	if (mw_radius_open(&r, "[::1]:0", path, err, sizeof(err)) < 0)
		skip();		/* no IPv6 loopback here */
	assert_int_equal(sscanf(r.bound, "[::1]:%u", &port), 1);
	to.sin6_port = htons((uint16_t)port);
	c = socket(AF_INET6, SOCK_DGRAM, 0);
	assert_true(c >= 0);
	pb_request(&p, MW_ACCT_OFF, NULL, NULL);
	assert_int_equal(exchange(c, (struct sockaddr *)&to, sizeof(to), &r, "/nonexistent", &p,
				  reply, sizeof(reply)), MW_RADIUS_HDR);
	assert_int_equal(reply[0], MW_RADIUS_ACCT_RESPONSE);
	close(c);
	mw_radius_close(&r);
}

/* ---- metrics ---- */

static void test_metrics(void **state)
{
	struct mw_radius_stats s = { .answered = 3, .rejected = 2, .conflicts = 1 };
	struct mw_sbuf b = { 0 };
	const char *l;
	int series = 0;

	(void)state;
	mw_radius_metrics(&s, &b);
	assert_int_equal(b.err, 0);
	for (l = b.s; l && *l; l = strchr(l, '\n') + 1)
		if (*l != '#')
			series++;
	assert_int_equal(series, MW_RADIUS_SERIES);
	assert_non_null(strstr(b.s, "modwall_radius_packets_total{result=\"rejected\"} 2\n"));
	assert_non_null(strstr(b.s, "modwall_radius_bindings_total{change=\"conflict\"} 1\n"));
	assert_non_null(strstr(b.s, "# TYPE modwall_radius_requests_total counter\n"));
	mw_sbuf_free(&b);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_radius.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_vector_parse),
		cmocka_unit_test(test_start_interim_stop),
		cmocka_unit_test(test_wrong_secret),
		cmocka_unit_test(test_bad_authenticator),
		cmocka_unit_test(test_unsupported_code),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_imei_forms),
		cmocka_unit_test(test_ignored),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_conflict_and_unrecorded),
		cmocka_unit_test(test_log_cap),
		cmocka_unit_test(test_robustness),
		cmocka_unit_test(test_secret_file),
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_socket6),
		cmocka_unit_test(test_metrics),
	};

	return cmocka_run_group_tests_name("radius", tests, setup, teardown);
}
