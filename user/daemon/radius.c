// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * RADIUS accounting listener (see radius.h) and the binding operations it
 * shares with `modwall bind` / `unbind`.
 *
 * A datagram goes: length checks -> code -> Request Authenticator ->
 * attributes -> effect on the bindings -> Accounting-Response. Every step
 * reads only inside the Length the header declares, so no input can make
 * it read past the buffer; each datagram ends in exactly one of the
 * verdict counters.
 */
#define _GNU_SOURCE	/* struct in6_pktinfo */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <nettle/md5.h>
#include "apply.h"
#include "bindings.h"
#include "file.h"
#include "radius.h"

#define SETERR(...) do { if (err && errlen) snprintf(err, errlen, __VA_ARGS__); } while (0)

#ifndef ENOTSUPP
#define ENOTSUPP	524	/* the kernel's "operation not supported" for map ops */
#endif

#define LOG_PER_SEC	20	/* log lines a second; the rest are counted */
#define BATCH		64	/* datagrams per mw_radius_handle() call */
#define MIN_V6_PREFIX	32	/* shorter Framed-IPv6-Prefix values are not one device's */

/* ---- logging ---- */

static void emit(struct mw_radius *r, const char *msg)
{
	if (r->log) {
		r->log(r->log_ctx, msg);
	} else {
		fprintf(stderr, "modwall: radius: %s\n", msg);
		fflush(stderr);
	}
}

static void rlog(struct mw_radius *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A flood of forged or broken packets must not turn into a flood of log
 * lines: at most LOG_PER_SEC a second, then one line saying how many were
 * left out.
 */
static void rlog(struct mw_radius *r, const char *fmt, ...)
{
	struct timespec ts;
	char msg[512];
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((uint64_t)ts.tv_sec != r->log_window) {
		if (r->log_suppressed) {
			snprintf(msg, sizeof(msg), "%llu log line(s) left out (more than %d a second)",
				 (unsigned long long)r->log_suppressed, LOG_PER_SEC);
			emit(r, msg);
		}
		r->log_window = (uint64_t)ts.tv_sec;
		r->log_used = 0;
		r->log_suppressed = 0;
	}
	if (r->log_used >= LOG_PER_SEC) {
		r->log_suppressed++;
		return;
	}
	r->log_used++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(r, msg);
}

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

/* ---- processing ---- */

static const char *status_name(uint32_t s)
{
	switch (s) {
	case MW_ACCT_START: return "Start";
	case MW_ACCT_STOP: return "Stop";
	case MW_ACCT_INTERIM: return "Interim-Update";
	case MW_ACCT_ON: return "Accounting-On";
	case MW_ACCT_OFF: return "Accounting-Off";
	}
	return "other";
}

/* Bind or unbind every address of @req; -1 when something could not be recorded. */
static int act(struct mw_radius *r, const struct mw_radius_req *req, int stop,
	       const struct mw_radius_ops *ops, void *ctx, const char *peer)
{
	char imei[16], a[64], err[512];
	int i, rc;

	mw_format_imei(req->imei, imei);
	for (i = 0; i < req->naddr; i++) {
		mw_format_prefix(&req->addr[i], a, sizeof(a));
		err[0] = 0;
		rc = stop ? ops->unbind(ctx, req->imei, &req->addr[i], err, sizeof(err))
			  : ops->bind(ctx, req->imei, &req->addr[i], err, sizeof(err));
		if (rc == 0 && stop) {
			r->st.unbound++;
			rlog(r, "unbound %s from IMEI %s (session '%s', from %s)", a, imei,
			     req->session, peer);
		} else if (rc == 0) {
			r->st.bound++;
			rlog(r, "bound %s to IMEI %s (session '%s', from %s)", a, imei,
			     req->session, peer);
		} else if (rc == 1) {
			if (!stop)
				r->st.refreshed++;
		} else if (rc == -EEXIST) {
			r->st.conflicts++;
			rlog(r, "%s: not binding %s to IMEI %s (session '%s', from %s): %s",
			     status_name(req->status), a, imei, req->session, peer, err);
		} else {
			rlog(r, "%s of %s for IMEI %s (session '%s', from %s) not recorded, no "
			     "answer so the NAS sends it again: %s", status_name(req->status), a,
			     imei, req->session, peer, err[0] ? err : strerror(-rc));
			return -1;
		}
	}
	return 0;
}

enum mw_radius_verdict mw_radius_process(struct mw_radius *r, const uint8_t *pkt, size_t len,
					 const struct mw_radius_ops *ops, void *ctx,
					 const char *peer, uint8_t resp[MW_RADIUS_HDR])
{
	struct mw_radius_req req;
	const char *why = NULL;
	int n;

	if (!peer)
		peer = "?";
	r->st.received++;
	n = mw_radius_check_len(pkt, len);
	if (n < 0) {
		r->st.malformed++;
		rlog(r, "malformed packet from %s: %zu octets, Length field %d", peer, len,
		     len >= 4 ? pkt[2] << 8 | pkt[3] : -1);
		return MW_RV_MALFORMED;
	}
	if (pkt[0] != MW_RADIUS_ACCT_REQUEST) {
		r->st.unsupported++;
		rlog(r, "code %u packet from %s dropped: only Accounting-Request (4) is served",
		     pkt[0], peer);
		return MW_RV_UNSUPPORTED;
	}
	if (!mw_radius_verify(pkt, (size_t)n, r->secret, r->secret_len)) {
		r->st.rejected++;
		rlog(r, "Accounting-Request from %s (id %u) dropped: wrong Request Authenticator "
		     "(is the shared secret the same on both sides?)", peer, pkt[1]);
		return MW_RV_REJECTED;
	}
	if (mw_radius_parse(pkt, &req, &why)) {
		r->st.malformed++;
		rlog(r, "malformed Accounting-Request from %s (id %u): %s", peer, pkt[1], why);
		return MW_RV_MALFORMED;
	}
	if (req.addrs_unusable)
		rlog(r, "%s from %s: %d address(es) skipped: unspecified, loopback, multicast, "
		     "link-local or an IPv6 prefix shorter than /%d", status_name(req.status), peer,
		     req.addrs_unusable, MIN_V6_PREFIX);
	if (req.addrs_dropped)
		rlog(r, "%s from %s: more than %d addresses; the rest are left out",
		     status_name(req.status), peer, MW_RADIUS_MAX_ADDRS);

	if (!req.has_status) {
		r->st.ignored++;
		rlog(r, "Accounting-Request from %s (id %u) has no Acct-Status-Type; ignored",
		     peer, req.id);
	} else if (req.status == MW_ACCT_START || req.status == MW_ACCT_INTERIM ||
		   req.status == MW_ACCT_STOP) {
		if (req.imei_bad || !req.has_imei || !req.naddr) {
			r->st.ignored++;
			rlog(r, "%s from %s (session '%s') ignored: %s", status_name(req.status), peer,
			     req.session, req.imei_bad ? "3GPP-IMEISV is not an IMEI or IMEISV" :
			     !req.has_imei ? "no 3GPP-IMEISV" : "no usable address");
			if (req.imei_bad)
				rlog(r, "  3GPP-IMEISV was '%s'", req.raw_imei);
		} else if (act(r, &req, req.status == MW_ACCT_STOP, ops, ctx, peer)) {
			r->st.unrecorded++;
			return MW_RV_UNRECORDED;
		}
	} else if (req.status == MW_ACCT_ON || req.status == MW_ACCT_OFF) {
		/* bindings do not record their NAS: they end with each session's Stop */
		rlog(r, "%s from %s", status_name(req.status), peer);
	}

	if (!req.has_status)
		r->st.other_status++;
	else if (req.status == MW_ACCT_START)
		r->st.start++;
	else if (req.status == MW_ACCT_STOP)
		r->st.stop++;
	else if (req.status == MW_ACCT_INTERIM)
		r->st.interim++;
	else if (req.status == MW_ACCT_ON)
		r->st.acct_on++;
	else if (req.status == MW_ACCT_OFF)
		r->st.acct_off++;
	else
		r->st.other_status++;
	mw_radius_response(pkt, r->secret, r->secret_len, resp);
	r->st.answered++;
	return MW_RV_ANSWER;
}

/* ---- the pinned maps as mw_radius_ops ---- */

struct pinned {
	const char *pin_dir;
	struct mw_maps m;
	int state;		/* 0: not opened yet, 1: open, < 0: -errno of the failure */
	int lock;
	char err[512];
};

/* Lock the pin directory, then open the maps (so no unload slips in between). */
static int pinned_get(struct pinned *c, char *err, size_t errlen)
{
	int rc;

	if (!c->state) {
		c->lock = mw_lock(c->pin_dir);
		if (c->lock == -ENOENT) {
			snprintf(c->err, sizeof(c->err), "modwall is not loaded (no %s)", c->pin_dir);
			c->state = c->lock;
		} else if (c->lock < 0) {
			snprintf(c->err, sizeof(c->err), "locking %s: %s", c->pin_dir,
				 strerror(-c->lock));
			c->state = c->lock;
		} else {
			rc = mw_maps_open(&c->m, c->pin_dir, c->err, sizeof(c->err));
			c->state = rc ? rc : 1;
		}
		if (c->state < 0 && c->lock >= 0) {
			close(c->lock);
			c->lock = -1;
		}
	}
	if (c->state < 0) {
		SETERR("%s", c->err);
		return c->state;
	}
	return 0;
}

static void pinned_put(struct pinned *c)
{
	if (c->state == 1)
		mw_maps_close(&c->m);
	if (c->lock >= 0)
		close(c->lock);
	c->state = 0;
	c->lock = -1;
}

static int pinned_bind(void *ctx, uint64_t imei, const struct mw_prefix *p, char *err,
		       size_t errlen)
{
	struct pinned *c = ctx;
	int rc = pinned_get(c, err, errlen);

	return rc ? rc : mw_bind_apply(&c->m, imei, p, MW_BIND_RADIUS, err, errlen);
}

static int pinned_unbind(void *ctx, uint64_t imei, const struct mw_prefix *p, char *err,
			 size_t errlen)
{
	struct pinned *c = ctx;
	int rc = pinned_get(c, err, errlen);

	if (rc)
		return rc;
	/* only what accounting bound: an operator's `modwall bind` stays */
	rc = mw_unbind_apply(&c->m, imei, p, MW_BIND_RADIUS, err, errlen);
	return rc == -ENOENT ? 1 : rc;
}

/* ---- socket ---- */

int mw_radius_secret_load(struct mw_radius *r, const char *path, char *err, size_t errlen)
{
	unsigned char buf[MW_RADIUS_SECRET_MAX + 2];
	char why[128];
	struct stat st;
	size_t n = 0, i;
	ssize_t got;
	int fd;

	fd = mw_file_open(path, MW_FILE_SECRET_MAX, why, sizeof(why));
	if (fd < 0) {
		SETERR("secret file %s: %s", path, why);
		return fd;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
		rlog(r, "warning: secret file %s can be read by %s (mode %04o); chmod 600 it",
		     path, st.st_mode & S_IROTH ? "every user" : "its group",
		     (unsigned)(st.st_mode & 07777));
	while (n < sizeof(buf) && (got = read(fd, buf + n, sizeof(buf) - n)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			SETERR("secret file %s: %s", path, strerror(errno));
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return -EIO;
		}
		n += (size_t)got;
	}
	close(fd);
	for (i = 0; i < n && buf[i] != '\n'; i++)
		;
	if (i == n && n == sizeof(buf)) {
		SETERR("secret file %s: the secret is longer than %d octets", path,
		       MW_RADIUS_SECRET_MAX);
		explicit_bzero(buf, sizeof(buf));
		return -EINVAL;
	}
	n = i;
	if (n && buf[n - 1] == '\r')
		n--;
	if (!n) {
		SETERR("secret file %s: the first line is empty; a shared secret is required",
		       path);
		return -EINVAL;
	}
	if (n < 16)
		rlog(r, "warning: the shared secret in %s is %zu octets; RFC 2865 section 3 asks "
		     "for at least 16", path, n);
	if (n > MW_RADIUS_SECRET_MAX) {
		SETERR("secret file %s: the secret is longer than %d octets", path,
		       MW_RADIUS_SECRET_MAX);
		explicit_bzero(buf, sizeof(buf));
		return -EINVAL;
	}
	memcpy(r->secret, buf, n);
	r->secret_len = n;
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* "ADDR:PORT" or "[ADDR6]:PORT" -> host and port strings. */
static int split_addr(const char *spec, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon;
	char *end;
	unsigned long p;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= hostlen)
			return -1;
		snprintf(host, hostlen, "%.*s", (int)(close - spec - 1), spec + 1);
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || colon == spec || (size_t)(colon - spec) >= hostlen ||
		    memchr(spec, ':', (size_t)(colon - spec)))
			return -1;
		snprintf(host, hostlen, "%.*s", (int)(colon - spec), spec);
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || !colon[1] || *end || p > 65535 || colon[1] == '-' || colon[1] == '+')
		return -1;
	snprintf(port, portlen, "%lu", p);
	return 0;
}

int mw_radius_open(struct mw_radius *r, const char *addr_port, const char *secret_file,
		   char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	void (*log)(void *, const char *) = r->log;
	void *log_ctx = r->log_ctx;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[16], a[INET6_ADDRSTRLEN];
	struct addrinfo *ai = NULL;
	int fd = -1, one = 1, rcvbuf = 1 << 20, rc;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->log = log;
	r->log_ctx = log_ctx;
	if (split_addr(addr_port, host, sizeof(host), port, sizeof(port))) {
		SETERR("'%s': expected ADDR:PORT (IPv6 as [ADDR]:PORT), the port from 0 to 65535",
		       addr_port);
		return -EINVAL;
	}
	rc = mw_radius_secret_load(r, secret_file, err, errlen);
	if (rc)
		return rc == -EIO ? -EIO : -EINVAL;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		SETERR("'%s': %s", addr_port, gai_strerror(rc));
		mw_radius_close(r);
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* answer from the address the request came to, even on a wildcard bind */
	if (ai->ai_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	}
	/* room for a burst (a NAS restarting sends every session at once) */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || getsockname(fd, (struct sockaddr *)&ss, &sl))
		goto fail;
	r->family = ai->ai_family;
	freeaddrinfo(ai);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(r->bound, sizeof(r->bound), "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(r->bound, sizeof(r->bound), "%s:%u", a, ntohs(s4->sin_port));
	}
	r->fd = fd;
	return fd;
fail:
	rc = errno;
	SETERR("UDP %s: %s", addr_port, strerror(rc));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	mw_radius_close(r);
	return -rc;
}

void mw_radius_close(struct mw_radius *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	explicit_bzero(r->secret, sizeof(r->secret));
	r->secret_len = 0;
}

static void peer_name(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	} else {
		snprintf(buf, len, "?");
	}
}

union cmsg_space {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
};

/* Send @resp to @to, from the local address in @rx_ctl when there is one. */
static int answer(struct mw_radius *r, const uint8_t *resp, const struct sockaddr_storage *to,
		  socklen_t tolen, const struct msghdr *rx)
{
	struct iovec iov = { .iov_base = (void *)resp, .iov_len = MW_RADIUS_HDR };
	struct msghdr mh = { .msg_name = (void *)to, .msg_namelen = tolen,
			     .msg_iov = &iov, .msg_iovlen = 1 };
	union cmsg_space tx;
	struct cmsghdr *c, *out;

	memset(&tx, 0, sizeof(tx));
	for (c = CMSG_FIRSTHDR(rx); c; c = CMSG_NXTHDR((struct msghdr *)rx, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			mh.msg_control = tx.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			out = CMSG_FIRSTHDR(&mh);
			out->cmsg_level = IPPROTO_IP;
			out->cmsg_type = IP_PKTINFO;
			out->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(out), &pi, sizeof(pi));
			break;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			mh.msg_control = tx.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			out = CMSG_FIRSTHDR(&mh);
			out->cmsg_level = IPPROTO_IPV6;
			out->cmsg_type = IPV6_PKTINFO;
			out->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(out), &pi, sizeof(pi));
			break;
		}
	}
	if (sendmsg(r->fd, &mh, MSG_DONTWAIT) == MW_RADIUS_HDR)
		return 0;
	if (mh.msg_control && errno == EINVAL) {	/* e.g. sent to a broadcast address */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		if (sendmsg(r->fd, &mh, MSG_DONTWAIT) == MW_RADIUS_HDR)
			return 0;
	}
	return -errno;
}

int mw_radius_handle(struct mw_radius *r, const char *pin_dir)
{
	static const struct mw_radius_ops ops = { pinned_bind, pinned_unbind };
	struct pinned c = { .pin_dir = pin_dir, .lock = -1 };
	uint8_t buf[MW_RADIUS_MAX], resp[MW_RADIUS_HDR];
	int n;

	for (n = 0; n < BATCH; n++) {
		struct sockaddr_storage from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		union cmsg_space rx;
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
				     .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = rx.buf, .msg_controllen = sizeof(rx.buf) };
		char peer[INET6_ADDRSTRLEN + 10];
		ssize_t got;
		int rc;

		memset(&from, 0, sizeof(from));
		got = recvmsg(r->fd, &mh, MSG_DONTWAIT);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;		/* EAGAIN: all read */
		}
		peer_name(&from, peer, sizeof(peer));
		if (mw_radius_process(r, buf, (size_t)got, &ops, &c, peer, resp) != MW_RV_ANSWER)
			continue;
		rc = answer(r, resp, &from, mh.msg_namelen, &mh);
		if (rc) {
			r->st.send_errors++;
			rlog(r, "answering %s: %s", peer, strerror(-rc));
		}
	}
	pinned_put(&c);
	return n;
}

/* ---- metrics ---- */

static void counter(struct mw_sbuf *b, const char *name, const char *help)
{
	mw_sbuf_printf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

void mw_radius_metrics(const struct mw_radius_stats *s, struct mw_sbuf *b)
{
	const struct { const char *label; uint64_t v; } pk[] = {
		{ "answered", s->answered }, { "malformed", s->malformed },
		{ "rejected", s->rejected }, { "unsupported", s->unsupported },
		{ "unrecorded", s->unrecorded },
	}, rq[] = {
		{ "start", s->start }, { "stop", s->stop }, { "interim_update", s->interim },
		{ "accounting_on", s->acct_on }, { "accounting_off", s->acct_off },
		{ "other", s->other_status },
	}, bd[] = {
		{ "bound", s->bound }, { "refreshed", s->refreshed }, { "unbound", s->unbound },
		{ "conflict", s->conflicts },
	};
	size_t i;

	counter(b, "modwall_radius_packets_total",
		"RADIUS datagrams by result: answered, malformed, rejected (wrong Request "
		"Authenticator), unsupported (not Accounting-Request), unrecorded (bindings "
		"not writable: no answer, the NAS sends again).");
	for (i = 0; i < sizeof(pk) / sizeof(pk[0]); i++)
		mw_sbuf_printf(b, "modwall_radius_packets_total{result=\"%s\"} %llu\n", pk[i].label,
			       (unsigned long long)pk[i].v);
	counter(b, "modwall_radius_requests_total",
		"Answered Accounting-Requests by Acct-Status-Type.");
	for (i = 0; i < sizeof(rq) / sizeof(rq[0]); i++)
		mw_sbuf_printf(b, "modwall_radius_requests_total{status=\"%s\"} %llu\n", rq[i].label,
			       (unsigned long long)rq[i].v);
	counter(b, "modwall_radius_bindings_total",
		"Addresses of accounting requests by effect: bound, refreshed (already bound), "
		"unbound, conflict (refused: another IMEI's or device's address).");
	for (i = 0; i < sizeof(bd) / sizeof(bd[0]); i++)
		mw_sbuf_printf(b, "modwall_radius_bindings_total{change=\"%s\"} %llu\n", bd[i].label,
			       (unsigned long long)bd[i].v);
	counter(b, "modwall_radius_ignored_total",
		"Start, Interim-Update or Stop requests without a usable 3GPP-IMEISV or address "
		"(answered, nothing bound).");
	mw_sbuf_printf(b, "modwall_radius_ignored_total %llu\n", (unsigned long long)s->ignored);
	counter(b, "modwall_radius_send_errors_total", "Accounting-Responses the socket refused.");
	mw_sbuf_printf(b, "modwall_radius_send_errors_total %llu\n",
		       (unsigned long long)s->send_errors);
}
