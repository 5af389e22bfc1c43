// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * RADIUS packets (RFC 2865/2866): the MD5 authenticators and the parsing
 * of an Accounting-Request. Nothing here does I/O or keeps state, so the
 * fuzzer and the unit tests drive it directly.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/md5.h>
#include "radius.h"
#include "radius_int.h"

/* ---- authenticators ---- */

void mw_radius_auth(const uint8_t *pkt, size_t len, const uint8_t auth[16],
		    const uint8_t *secret, size_t slen, uint8_t out[16])
{
	struct md5_ctx c;

	md5_init(&c);
	md5_update(&c, 4, pkt);			/* code, identifier, length */
	md5_update(&c, 16, auth);
	if (len > MW_RADIUS_HDR)
		md5_update(&c, len - MW_RADIUS_HDR, pkt + MW_RADIUS_HDR);
	md5_update(&c, slen, secret);
	md5_digest(&c, MD5_DIGEST_SIZE, out);
}

int mw_radius_verify(const uint8_t *pkt, size_t len, const uint8_t *secret, size_t slen)
{
	static const uint8_t zero[16];
	uint8_t want[16], diff = 0;
	int i;

	mw_radius_auth(pkt, len, zero, secret, slen, want);
	for (i = 0; i < 16; i++)	/* no early exit: the time says nothing */
		diff |= (uint8_t)(want[i] ^ pkt[4 + i]);
	return diff == 0;
}

void mw_radius_sign(uint8_t *pkt, size_t len, const uint8_t *secret, size_t slen)
{
	static const uint8_t zero[16];
	uint8_t a[16];

	mw_radius_auth(pkt, len, zero, secret, slen, a);
	memcpy(pkt + 4, a, 16);
}

void mw_radius_response(const uint8_t *req, const uint8_t *secret, size_t slen,
			uint8_t resp[MW_RADIUS_HDR])
{
	uint8_t a[16];

	resp[0] = MW_RADIUS_ACCT_RESPONSE;
	resp[1] = req[1];
	resp[2] = 0;
	resp[3] = MW_RADIUS_HDR;
	mw_radius_auth(resp, MW_RADIUS_HDR, req + 4, secret, slen, a);
	memcpy(resp + 4, a, 16);
}

/* ---- parsing ---- */

int mw_radius_check_len(const uint8_t *pkt, size_t len)
{
	unsigned n;

	if (len < MW_RADIUS_HDR)
		return -1;
	n = (unsigned)pkt[2] << 8 | pkt[3];
	if (n < MW_RADIUS_HDR || n > MW_RADIUS_MAX || n > len)
		return -1;
	return (int)n;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int imei_str(const char *s, uint64_t *body, int *sv)
{
	struct mw_perr e;

	if (mw_parse_imei(s, body, sv, &e))
		return -1;
	return *body ? 0 : -1;	/* all zeros: a module that has no IMEI to tell */
}

int mw_radius_imei(const uint8_t *v, size_t len, uint64_t *body, int *sv)
{
	char s[17];
	size_t i, n = len;

	while (n && v[n - 1] == 0)
		n--;
	for (i = 0; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		;
	if (i == n && (n == 14 || n == 15 || n == 16)) {
		memcpy(s, v, n);
		s[n] = 0;
		if (n == 14) {		/* IMEI without its check digit */
			*body = strtoull(s, NULL, 10);
			*sv = 0;
			return *body ? 0 : -1;
		}
		return imei_str(s, body, sv);
	}
	if (len == 8) {			/* TBCD: low nibble first, 0xf fills an odd count */
		for (i = 0; i < 16; i++) {
			unsigned d = i & 1 ? v[i / 2] >> 4 : v[i / 2] & 0xf;

			if (d == 0xf && i == 15)
				break;
			if (d > 9)
				return -1;
			s[i] = (char)('0' + d);
		}
		s[i] = 0;
		return imei_str(s, body, sv);
	}
	return -1;
}

static void printable(char *out, size_t outlen, const uint8_t *v, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < outlen; i++)
		out[n++] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
	out[n] = 0;
}

/* Addresses no device can hold: unspecified, loopback, multicast, reserved. */
static int unusable(const struct mw_prefix *p)
{
	const uint8_t *a = p->addr;
	static const uint8_t zero[16];

	if (p->family == AF_INET)
		return a[0] == 0 || a[0] == 127 || a[0] >= 224;
	if (p->len < MIN_V6_PREFIX || a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return 1;
	return !memcmp(a, zero, 15) && (a[15] == 0 || a[15] == 1);
}

static void add_addr(struct mw_radius_req *req, int family, const uint8_t *a, size_t alen,
		     int len)
{
	struct mw_prefix p = { .family = family, .len = len };
	int i;

	memcpy(p.addr, a, alen);
	for (i = len; i < (family == AF_INET ? 32 : 128); i++)	/* host bits are not ours */
		p.addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	if (unusable(&p)) {
		req->addrs_unusable++;
		return;
	}
	for (i = 0; i < req->naddr; i++)
		if (req->addr[i].family == p.family && req->addr[i].len == p.len &&
		    !memcmp(req->addr[i].addr, p.addr, 16))
			return;
	if (req->naddr == MW_RADIUS_MAX_ADDRS) {
		req->addrs_dropped++;
		return;
	}
	req->addr[req->naddr++] = p;
}

#define BAD(msg) do { *why = (msg); return -1; } while (0)

static int parse_3gpp(const uint8_t *v, size_t vl, struct mw_radius_req *req, const char **why)
{
	size_t o = 0;

	while (o < vl) {
		const uint8_t *sv;
		uint8_t st, sl;

		if (vl - o < 2)
			BAD("3GPP attribute header past the end of its Vendor-Specific");
		st = v[o];
		sl = v[o + 1];
		if (sl < 2)
			BAD("3GPP attribute length below 2");
		if (sl > vl - o)
			BAD("3GPP attribute past the end of its Vendor-Specific");
		sv = v + o + 2;
		if (st == MW_3GPP_IMEISV) {
			if (req->has_imei || req->imei_bad)
				BAD("3GPP-IMEISV twice");
			if (mw_radius_imei(sv, (size_t)sl - 2, &req->imei, &req->imei_sv))
				req->imei_bad = 1;
			else
				req->has_imei = 1;
			printable(req->raw_imei, sizeof(req->raw_imei), sv, (size_t)sl - 2);
		}
		o += sl;
	}
	return 0;
}

int mw_radius_parse(const uint8_t *pkt, struct mw_radius_req *req, const char **why)
{
	size_t len = (size_t)pkt[2] << 8 | pkt[3], off = MW_RADIUS_HDR;

	memset(req, 0, sizeof(*req));
	req->code = pkt[0];
	req->id = pkt[1];
	req->len = (uint16_t)len;
	memcpy(req->auth, pkt + 4, 16);
	while (off < len) {
		const uint8_t *v;
		uint8_t t, l;
		size_t vl;

		if (len - off < 2)
			BAD("attribute header past the end of the packet");
		t = pkt[off];
		l = pkt[off + 1];
		if (l < 2)
			BAD("attribute length below 2");
		if (l > len - off)
			BAD("attribute past the end of the packet");
		v = pkt + off + 2;
		vl = (size_t)l - 2;
		switch (t) {
		case MW_RAT_STATUS_TYPE:
			if (vl != 4)
				BAD("Acct-Status-Type is not 4 octets");
			if (req->has_status)
				BAD("Acct-Status-Type twice");
			req->has_status = 1;
			req->status = be32(v);
			break;
		case MW_RAT_FRAMED_IP:
			if (vl != 4)
				BAD("Framed-IP-Address is not 4 octets");
			add_addr(req, AF_INET, v, 4, 32);
			break;
		case MW_RAT_FRAMED_IPV6_PFX:
			/* reserved octet, prefix length, then as many octets as it needs */
			if (vl < 2 || vl > 18)
				BAD("Framed-IPv6-Prefix length out of range");
			if (v[1] > 128)
				BAD("Framed-IPv6-Prefix length above 128");
			if ((vl - 2) * 8 < v[1])
				BAD("Framed-IPv6-Prefix shorter than its prefix length");
			add_addr(req, AF_INET6, v + 2, vl - 2, v[1]);
			break;
		case MW_RAT_FRAMED_IPV6:
			if (vl != 16)
				BAD("Framed-IPv6-Address is not 16 octets");
			add_addr(req, AF_INET6, v, 16, 128);
			break;
		case MW_RAT_SESSION_ID:
			printable(req->session, sizeof(req->session), v, vl);
			break;
		case MW_RAT_VSA:
			if (vl < 5)
				BAD("Vendor-Specific shorter than 7 octets");
			/* other vendors' layouts vary: only 3GPP's is read (TS 29.061) */
			if (be32(v) == MW_RADIUS_VENDOR_3GPP && parse_3gpp(v + 4, vl - 4, req, why))
				return -1;
			break;
		}
		off += l;
	}
	return 0;
}

#undef BAD
